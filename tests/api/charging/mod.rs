//! E-bike charging: bookings under every rule, check-in, the sweeper (no-shows, reminders,
//! suspensions), the waitlist, maintenance and socket states, the availability grid, and races
//! across server processes.

use reqwest::Method;
use serde_json::Value;

use crate::support::*;

mod availability;
mod bookings;
mod check_in;
mod maintenance;
pub(crate) mod races;
pub(crate) mod sweeper;
mod waitlist;

/// `POST /api/v1/bookings` as the resident with `token`.
async fn book(app: &TestApp, token: &str, body: Value) -> Res {
    app.post("/api/v1/bookings", Some(token), body).await
}

/// `PUT` a compound's charging settings.
async fn put_settings(app: &TestApp, token: &str, compound: i64, settings: Value) -> Res {
    app.request(
        Method::PUT,
        &format!("/api/v1/compounds/{compound}/charging-settings"),
        Some(token),
        Some(settings),
        &[],
    )
    .await
}

/// Move the test clock to `minutes` after the given RFC 3339 time.
fn advance_to(app: &TestApp, at: &str, minutes: i64) {
    let target = chrono::DateTime::parse_from_rfc3339(at)
        .unwrap()
        .with_timezone(&chrono::Utc)
        + chrono::Duration::minutes(minutes);
    app.clock.advance(target - app.clock.now());
}

/// The grid row of a socket.
async fn cells(app: &TestApp, token: Option<&str>, socket: i64) -> String {
    let r = app.get("/api/v1/compounds/1/availability", token).await;
    r.expect(200, None);
    r.body["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["socket_id"] == socket)
        .map(|s| s["cells"].as_str().unwrap().to_owned())
        .expect("socket row")
}

/// Index of the cell starting `minutes` after the current slot (grid starts at local midnight).
async fn cell_index(app: &TestApp, minutes: i64) -> usize {
    let r = app.get("/api/v1/compounds/1/availability", None).await;
    let start =
        chrono::DateTime::parse_from_rfc3339(r.body["starts_at"].as_str().unwrap()).unwrap();
    let t = chrono::DateTime::parse_from_rfc3339(&app.slot_time(minutes)).unwrap();
    usize::try_from((t - start).num_minutes() / 30).unwrap()
}

/// A resident's notifications, newest first.
pub(crate) async fn notifications(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app
        .get("/api/v1/me/notifications?per_page=100", Some(token))
        .await;
    r.body["items"].as_array().unwrap().clone()
}

/// The code printed on a socket (what a resident scans to check in).
fn socket_code(app: &TestApp, socket: i64) -> String {
    use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
    use linli::db::schema::sockets;
    sockets::table
        .filter(sockets::id.eq(socket))
        .select(sockets::code)
        .first::<String>(&mut app.db.conn())
        .unwrap()
}

/// `n` residents of a server process, the i-th in household i + 1 (bound directly in the
/// database); their tokens.
async fn residents(db: &TestDb, base: &str, n: usize, prefix: &str) -> Vec<String> {
    let http = crate::support::http_client();
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        let household = i64::try_from(i).unwrap() + 1;
        let (token, _) = resident_at(db, &http, base, &format!("{prefix}-{i}"), household).await;
        tokens.push(token);
    }
    tokens
}
