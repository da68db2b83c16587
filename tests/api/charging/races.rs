//! Races across three server processes on one MySQL database: many residents for one slot of
//! one socket, and one household's members for three sockets at once.

use serde_json::Value;

use super::*;

#[actix_web::test]
pub(crate) async fn race_three_processes_200_clients_one_socket_one_slot() {
    let db = TestDb::seeded_mysql();
    let env = [("LINLI_BACKGROUND_JOBS", "0"), ("LINLI_DB_POOL_SIZE", "8")];
    let servers = ServerProcess::start_many(&db, &env, PROCESSES);
    let tokens = residents(&db, &servers[0].base, 200, "race").await;
    let (s, e) = (slot(180), slot(240));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(200)
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .build()
        .unwrap();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(tokens.len()));
    let mut tasks = Vec::new();
    for (i, t) in tokens.into_iter().enumerate() {
        let base = servers[i % servers.len()].base.clone();
        let (http, body, barrier) = (http.clone(), booking(7, &s, &e), barrier.clone());
        tasks.push(actix_web::rt::spawn(async move {
            barrier.wait().await;
            let r = http
                .post(format!("{base}/api/v1/bookings"))
                .bearer_auth(t)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            (status, body["code"].as_str().unwrap_or("").to_owned())
        }));
    }
    let mut created = 0;
    for t in tasks {
        let (status, code) = t.await.unwrap();
        match status {
            201 => created += 1,
            409 => assert_eq!(code, "booking_conflict"),
            other => panic!("unexpected {other} {code}"),
        }
    }
    assert_eq!(created, 1, "exactly one booking wins");
    use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
    use linli::db::schema::{booking_slots, bookings};
    let mut c = db.conn();
    let stored: i64 = bookings::table
        .filter(bookings::socket_id.eq(7))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(stored, 1);
    let cells: i64 = booking_slots::table
        .filter(booking_slots::socket_id.eq(7))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(cells, 2);
}

#[actix_web::test]
pub(crate) async fn race_three_processes_one_household_three_sockets() {
    let db = TestDb::seeded_mysql();
    let env = [("LINLI_BACKGROUND_JOBS", "0")];
    let servers = ServerProcess::start_many(&db, &env, PROCESSES);
    // Twenty rounds: a member of one household on each server process books a different
    // socket at the same moment.
    let http = crate::support::http_client();
    for round in 0..20i64 {
        let tokens = residents(&db, &servers[0].base, PROCESSES, &format!("hh{round}")).await;
        {
            use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl, TextExpressionMethods};
            use linli::db::schema::users;
            let mut c = db.conn();
            let household = 500 + round;
            diesel::update(users::table.filter(users::openid.like(format!("dev:hh{round}-%"))))
                .set(users::household_id.eq(Some(household)))
                .execute(&mut c)
                .unwrap();
        }
        let (s, e) = (slot(60 + 30 * round), slot(90 + 30 * round));
        let sends = servers.iter().zip(&tokens).enumerate().map(|(i, (p, t))| {
            http.post(format!("{}/api/v1/bookings", p.base))
                .bearer_auth(t)
                .json(&booking(9 + i64::try_from(i).unwrap(), &s, &e))
                .send()
        });
        let mut answers = Vec::new();
        let mut bodies = Vec::new();
        for r in futures_util::future::join_all(sends).await {
            let r = r.unwrap_or_else(|e| panic!("round {round}: no answer: {e}"));
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            answers.push((status, body["code"].as_str().unwrap_or("").to_owned()));
            bodies.push(body);
        }
        answers.sort_unstable();
        let mut want = vec![(422, "household_quota_reached".to_owned()); PROCESSES];
        want[0] = (201, String::new());
        if answers != want {
            // What was stored, to tell a stale read of the household from a quota overrun.
            use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
            use linli::db::schema::{bookings, household_quotas};
            let mut c = db.conn();
            let stored: Vec<(i64, i64, i64)> = bookings::table
                .filter(
                    bookings::starts_at.eq(chrono::DateTime::parse_from_rfc3339(&s)
                        .unwrap()
                        .naive_utc()),
                )
                .select((bookings::id, bookings::user_id, bookings::household_id))
                .load(&mut c)
                .unwrap();
            let quotas: Vec<(i64, i64, i32)> = household_quotas::table
                .select((
                    household_quotas::id,
                    household_quotas::household_id,
                    household_quotas::active_count,
                ))
                .load(&mut c)
                .unwrap();
            let mut seen = Vec::new();
            for b in bodies.iter().filter(|b| b["id"].is_i64()) {
                for (i, p) in servers.iter().enumerate() {
                    let r = http
                        .get(format!("{}/api/v1/bookings/{}", p.base, b["id"]))
                        .bearer_auth(&tokens[i])
                        .send()
                        .await
                        .unwrap();
                    seen.push((b["id"].clone(), i, r.status().as_u16()));
                }
            }
            panic!("round {round}: one wins, the others hit the quota: {answers:?}; bodies {bodies:?}; bookings (id, user, household) {stored:?}; quotas {quotas:?}; GET (id, server, status) {seen:?}");
        }
    }
}
