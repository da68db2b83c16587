//! A firm sees and changes only its own compounds' piles, bookings and webhooks, and each kind
//! of token stays on its own routes.

use reqwest::Method;
use serde_json::{json, Value};

use super::*;

/// Firm B's objects, one of each kind a partner route takes an id of.
struct Objects {
    pile: i64,
    socket: i64,
    booking: i64,
    sub: i64,
    delivery: i64,
    window: i64,
    /// Where B's subscription points (kept listening for the test's length).
    _receiver: Receiver,
}

/// B's pile and socket from the demo data, a subscription of B's, a resident's booking of B's
/// socket and the delivery it made.
async fn firm_bs_objects(app: &TestApp, f: &Firms) -> Objects {
    let piles = app
        .get("/api/v1/partner/compounds/8/piles", Some(&f.b))
        .await;
    piles.expect(200, None);
    let b_pile = piles.body["items"][0]["id"].as_i64().unwrap();
    let b_socket = piles.body["items"][0]["sockets"][0]["id"].as_i64().unwrap();
    let receiver = Receiver::start();
    let sub = app
        .post(
            "/api/v1/partner/webhooks",
            Some(&f.b),
            json!({"url": receiver.url, "events": ["booking.created"]}),
        )
        .await;
    sub.expect(201, None);
    let b_sub = sub.body["id"].as_i64().unwrap();
    // A household of compound 8 books there.
    let resident = app.resident("scoping-r", app.card_in_compound(8)).await;
    let r = app
        .post(
            "/api/v1/bookings",
            Some(&resident),
            booking(b_socket, &app.slot_time(60), &app.slot_time(90)),
        )
        .await;
    r.expect(201, None);
    let b_booking = r.body["id"].as_i64().unwrap();
    let deliveries = {
        let mut conn = app.db.conn();
        use diesel::{QueryDsl, RunQueryDsl};
        // No background worker here: fan the booking's event out as the worker would.
        linli::partners::webhooks::fanout::fan_out(&mut conn, app.clock.now_naive()).unwrap();
        linli::db::schema::webhook_deliveries::table
            .select(linli::db::schema::webhook_deliveries::id)
            .load::<i64>(&mut conn)
            .unwrap()
    };
    let b_delivery = deliveries[0];
    let window = app
        .post(
            "/api/v1/partner/maintenance-windows",
            Some(&f.b),
            json!({"socket_id": b_socket, "starts_at": app.slot_time(600), "ends_at": app.slot_time(660), "reason": "检修"}),
        )
        .await;
    window.expect(201, None);
    Objects {
        pile: b_pile,
        socket: b_socket,
        booking: b_booking,
        sub: b_sub,
        delivery: b_delivery,
        window: window.body["id"].as_i64().unwrap(),
        _receiver: receiver,
    }
}

/// Every partner route that takes an id, with B's ids (maintenance windows from `window`).
fn routes_with_ids_of(
    b: &Objects,
    window: impl Fn(Option<i64>, Option<i64>) -> Value,
) -> Vec<(Method, String, Option<Value>)> {
    let (b_pile, b_socket, b_booking, b_sub, b_delivery, b_window) =
        (b.pile, b.socket, b.booking, b.sub, b.delivery, b.window);
    vec![
        (
            Method::GET,
            "/api/v1/partner/compounds/8/piles".into(),
            None,
        ),
        (
            Method::POST,
            "/api/v1/partner/compounds/8/piles".into(),
            Some(json!({"name": "x", "location": "y", "sockets": 1})),
        ),
        (Method::GET, format!("/api/v1/partner/piles/{b_pile}"), None),
        (
            Method::PATCH,
            format!("/api/v1/partner/piles/{b_pile}"),
            Some(json!({"name": "hijack"})),
        ),
        (
            Method::POST,
            format!("/api/v1/partner/piles/{b_pile}/retire"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/partner/piles/{b_pile}/sockets"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/partner/sockets/{b_socket}/state"),
            Some(json!({"state": "faulted"})),
        ),
        (
            Method::POST,
            "/api/v1/partner/sockets/state".into(),
            Some(
                json!({"changes": [{"socket_id": 1, "state": "maintenance"}, {"socket_id": b_socket, "state": "faulted"}]}),
            ),
        ),
        (
            Method::POST,
            "/api/v1/partner/maintenance-windows".into(),
            Some(window(Some(b_pile), None)),
        ),
        (
            Method::POST,
            "/api/v1/partner/maintenance-windows".into(),
            Some(window(None, Some(b_socket))),
        ),
        (
            Method::GET,
            format!("/api/v1/partner/maintenance-windows/{b_window}"),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/partner/maintenance-windows/{b_window}"),
            Some(json!({"reason": "hijack"})),
        ),
        (
            Method::POST,
            format!("/api/v1/partner/maintenance-windows/{b_window}/cancel"),
            Some(json!({})),
        ),
        (
            Method::GET,
            "/api/v1/partner/maintenance-windows?compound_id=8".into(),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/partner/maintenance-windows?pile_id={b_pile}"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/partner/maintenance-windows?socket_id={b_socket}"),
            None,
        ),
        (
            Method::GET,
            "/api/v1/partner/bookings?compound_id=8".into(),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/partner/bookings?socket_id={b_socket}"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/partner/bookings/{b_booking}"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/partner/webhooks/{b_sub}"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/partner/webhooks/{b_sub}/deliveries"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/partner/deliveries/{b_delivery}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/partner/deliveries/{b_delivery}/replay"),
            Some(json!({})),
        ),
    ]
}

#[actix_web::test]
async fn scoping_matrix_other_firms_ids_are_not_found() {
    let app = TestApp::spawn_with(Backend::Mysql, |c| c.webhook_allow_private = true).await;
    let f = firms(&app).await;
    let b = firm_bs_objects(&app, &f).await;
    let (b_pile, b_socket, b_booking) = (b.pile, b.socket, b.booking);
    let before = app
        .get(&format!("/api/v1/partner/piles/{b_pile}"), Some(&f.b))
        .await
        .body;
    let window_before = app
        .get(
            &format!("/api/v1/partner/maintenance-windows/{}", b.window),
            Some(&f.b),
        )
        .await
        .body;

    let window = |pile: Option<i64>, socket: Option<i64>| json!({"pile_id": pile, "socket_id": socket, "starts_at": app.slot_time(600), "ends_at": app.slot_time(660), "reason": "检修"});
    let cases = routes_with_ids_of(&b, window);
    for (method, path, body) in &cases {
        let r = app
            .request(method.clone(), path, Some(&f.a), body.clone(), &[])
            .await;
        assert_eq!(
            r.status, 404,
            "{method} {path} with another firm's id: {}",
            r.text
        );
        assert_eq!(r.body["code"], "not_found", "{method} {path}");
        // Ids that do not exist at all answer the same.
        let missing = path
            .replace(&format!("/{b_pile}"), "/999999")
            .replace(&format!("/{b_socket}/"), "/999999/")
            .replace(&format!("/{b_booking}"), "/999999")
            .replace(&format!("/{}", b.window), "/999999");
        if missing != *path {
            let r = app
                .request(method.clone(), &missing, Some(&f.a), body.clone(), &[])
                .await;
            assert_eq!(r.status, 404, "{method} {missing}");
        }
    }
    // Nothing of B's changed, and A's list shows only A's bookings.
    assert_eq!(
        app.get(&format!("/api/v1/partner/piles/{b_pile}"), Some(&f.b))
            .await
            .body,
        before
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/partner/maintenance-windows/{}", b.window),
            Some(&f.b)
        )
        .await
        .body,
        window_before
    );
    let windows = app
        .get("/api/v1/partner/maintenance-windows", Some(&f.a))
        .await;
    assert_eq!(windows.body["total"], 0, "A does not see B's window");
    let mine = app.get("/api/v1/partner/bookings", Some(&f.a)).await;
    assert_eq!(mine.body["total"], 0);
    let theirs = app.get("/api/v1/partner/bookings", Some(&f.b)).await;
    assert_eq!(theirs.body["total"], 1);
    let compounds = app.get("/api/v1/partner/compounds", Some(&f.a)).await;
    let ids: Vec<i64> = compounds
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2]);
}

/// A resident token on partner routes, a partner token on staff and resident routes, and no
/// token at all are refused.
#[actix_web::test]
async fn each_token_stays_on_its_own_routes() {
    let app = TestApp::spawn(Backend::Mysql).await;
    let f = firms(&app).await;
    let resident = app.resident("scoping-r", 1).await;
    let window = |pile: Option<i64>, socket: Option<i64>| json!({"pile_id": pile, "socket_id": socket, "starts_at": app.slot_time(600), "ends_at": app.slot_time(660), "reason": "检修"});
    app.get("/api/v1/partner/compounds", Some(&resident))
        .await
        .expect(403, Some("forbidden"));
    app.get("/api/v1/partner/compounds", Some(&f.staff))
        .await
        .expect(403, Some("forbidden"));
    app.get("/api/v1/partners", Some(&f.a))
        .await
        .expect(403, Some("forbidden"));
    app.get("/api/v1/audit-log", Some(&f.a))
        .await
        .expect(403, Some("forbidden"));
    app.post(
        "/api/v1/maintenance-windows",
        Some(&f.a),
        window(Some(1), None),
    )
    .await
    .expect(403, Some("forbidden"));
    app.post(
        "/api/v1/sockets/1/state",
        Some(&f.a),
        json!({"state": "faulted"}),
    )
    .await
    .expect(403, Some("forbidden"));
    app.get("/api/v1/me", Some(&f.a))
        .await
        .expect(403, Some("forbidden"));
    app.post(
        "/api/v1/bookings",
        Some(&f.a),
        booking(1, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(403, Some("forbidden"));
    app.get("/api/v1/partner/compounds", None)
        .await
        .expect(401, Some("unauthorized"));
}
