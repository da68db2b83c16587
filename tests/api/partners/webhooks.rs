//! Webhooks: subscription URLs that could reach internal addresses are refused; events are
//! written to the outbox in the transaction of the change, signed, retried through a receiver's
//! outage, delivered once (also by three processes' workers), and replayable.

use serde_json::{json, Value};

use super::*;

#[actix_web::test]
async fn webhook_urls_to_internal_addresses_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let f = firms(&app).await;
    for url in [
        "http://127.0.0.1:8080/x",
        "http://localhost/x",
        "http://10.0.0.5/x",
        "http://192.168.1.1/x",
        "http://169.254.169.254/latest",
        "http://[::1]/x",
        "http://0.0.0.0/",
        "https://198.18.0.1/x",
        "https://240.0.0.1/x",
        "https://224.0.0.251/x",
        "https://[ff02::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://[::ffff:10.0.0.1]/x",
        "https://[::127.0.0.1]/x",
        "https://[64:ff9b::7f00:1]/x",
        "https://[2002:7f00:1::1]/x",
        "https://localhost/x",
        // A public address, but a port other than 443, or plain http.
        "https://93.184.216.34:8443/hooks",
        "https://93.184.216.34:22/",
        "http://93.184.216.34/hooks",
    ] {
        let r = app
            .post(
                "/api/v1/partner/webhooks",
                Some(&f.a),
                json!({"url": url, "events": ["booking.created"]}),
            )
            .await;
        r.expect(422, Some("webhook_url_not_allowed"));
        assert_eq!(r.body["field"], "url");
    }
    for (url, field) in [("ftp://example.com/x", "url"), ("not a url", "url")] {
        let r = app
            .post(
                "/api/v1/partner/webhooks",
                Some(&f.a),
                json!({"url": url, "events": ["booking.created"]}),
            )
            .await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], field);
    }
    let r = app
        .post(
            "/api/v1/partner/webhooks",
            Some(&f.a),
            json!({"url": "https://93.184.216.34/hooks", "events": ["booking.exploded"]}),
        )
        .await;
    assert_eq!(r.body["field"], "events");
    let r = app
        .post(
            "/api/v1/partner/webhooks",
            Some(&f.a),
            json!({"url": "https://93.184.216.34/hooks", "events": ["booking.created"]}),
        )
        .await;
    r.expect(201, None);
    assert!(r.body["secret"].as_str().unwrap().starts_with("whsec_"));
    let list = app.get("/api/v1/partner/webhooks", Some(&f.a)).await;
    assert!(
        list.body["items"][0].get("secret").is_none(),
        "the secret is shown once"
    );
}

pub(super) fn webhook_app_config(c: &mut linli::config::Config) {
    c.webhook_allow_private = true;
    c.webhook_retry_scale = 0.0005;
    c.webhook_poll_ms = 50;
    c.webhook_timeout_ms = 1000;
    c.background_jobs = true;
}

/// Firm A's subscription to every event type at a receiver that was down while six events
/// happened (and one change was refused, and one event was firm B's), then came up and got them.
struct Delivered {
    sub: i64,
    secret: String,
    receiver: Receiver,
    expected: usize,
    /// The subscription's deliveries while the receiver was still down.
    while_down: Res,
}

async fn six_events_through_an_outage(app: &TestApp, f: &Firms) -> Delivered {
    let mut receiver = Receiver::reserve(); // not listening yet
    let r = app
        .post(
            "/api/v1/partner/webhooks",
            Some(&f.a),
            json!({"url": receiver.url, "events": linli::partners::webhooks::EVENT_TYPES}),
        )
        .await;
    r.expect(201, None);
    let (sub, secret) = (
        r.body["id"].as_i64().unwrap(),
        r.body["secret"].as_str().unwrap().to_owned(),
    );
    // Events while the receiver is down: bookings, a cancellation, a state change, maintenance.
    let alice = app.resident("wh-a", 1).await;
    let bob = app.resident("wh-b", 2).await;
    let a = app
        .post(
            "/api/v1/bookings",
            Some(&alice),
            booking(1, &app.slot_time(60), &app.slot_time(90)),
        )
        .await;
    app.post(
        "/api/v1/bookings",
        Some(&bob),
        booking(2, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(201, None);
    app.post(
        &format!("/api/v1/bookings/{}/cancel", a.body["id"]),
        Some(&alice),
        json!({}),
    )
    .await
    .expect(200, None);
    app.post(
        "/api/v1/partner/sockets/3/state",
        Some(&f.a),
        json!({"state": "faulted"}),
    )
    .await
    .expect(200, None);
    app.post("/api/v1/partner/maintenance-windows", Some(&f.a), json!({"socket_id": 2, "starts_at": app.slot_time(60), "ends_at": app.slot_time(120), "reason": "检修"})).await.expect(201, None);
    // A rejected change (conflict) writes no event.
    let carol = app.resident("wh-c", 3).await;
    app.post(
        "/api/v1/bookings",
        Some(&carol),
        booking(2, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(422, Some("socket_unavailable"));
    // Events in compound 8 (firm B) never reach firm A.
    let b_piles = app
        .get("/api/v1/partner/compounds/8/piles", Some(&f.b))
        .await;
    let b_socket = b_piles.body["items"][0]["sockets"][0]["id"]
        .as_i64()
        .unwrap();
    // (A household of compound 8: one books only in its own compound's community.)
    let dave = app.resident("wh-d", app.card_in_compound(8)).await;
    app.post(
        "/api/v1/bookings",
        Some(&dave),
        booking(b_socket, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(201, None);

    // Expected: created ×2, cancelled (Alice) + cancelled (Bob, by maintenance), state changed,
    // maintenance scheduled = 6 events.
    let expected = 6;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(400)).await;
    let failed_attempts = app
        .get(
            &format!("/api/v1/partner/webhooks/{sub}/deliveries?per_page=100"),
            Some(&f.a),
        )
        .await;
    receiver.up();
    eventually(30, "every event delivered", || {
        receiver.ids().len() >= expected
    })
    .await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    Delivered {
        sub,
        secret,
        receiver,
        expected,
        while_down: failed_attempts,
    }
}

#[actix_web::test]
async fn webhooks_survive_a_receiver_outage_and_arrive_once() {
    let app = TestApp::spawn_with(Backend::Mysql, webhook_app_config).await;
    let f = firms(&app).await;
    let Delivered {
        receiver,
        expected,
        while_down: failed_attempts,
        ..
    } = six_events_through_an_outage(&app, &f).await;
    assert_eq!(
        failed_attempts.body["total"], expected,
        "{}",
        failed_attempts.text
    );
    // Each resource's first event was tried; a booking's cancellation waits, untried, behind
    // its booking.created (webhooks go in order per resource).
    for d in failed_attempts.body["items"].as_array().unwrap() {
        assert_eq!(d["status"], "pending");
        let tries = d["attempts"].as_i64().unwrap();
        if d["event_type"] == "booking.cancelled" {
            assert_eq!(tries, 0, "{d}");
        } else {
            assert!(tries >= 1, "{d}");
        }
    }
    let ids = receiver.ids();
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(ids.len(), expected, "each event once: {ids:?}");
    assert_eq!(unique.len(), expected);
    // Only firm A's six events, none for the refused change: created ×2, cancelled (Alice) +
    // cancelled (Bob, by maintenance), state changed, maintenance scheduled.
    let mut types: Vec<String> = receiver
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|(_, body)| {
            let v: Value = serde_json::from_str(body).unwrap();
            v["type"].as_str().unwrap().to_owned()
        })
        .collect();
    types.sort();
    assert_eq!(
        types,
        [
            "booking.cancelled",
            "booking.cancelled",
            "booking.created",
            "booking.created",
            "maintenance.scheduled",
            "socket.state_changed"
        ]
    );
}

#[actix_web::test]
async fn every_webhook_is_signed_with_its_subscriptions_secret() {
    let app = TestApp::spawn_with(Backend::Mysql, webhook_app_config).await;
    let f = firms(&app).await;
    let Delivered {
        secret, receiver, ..
    } = six_events_through_an_outage(&app, &f).await;
    // Every request verifies with the subscription's secret, Standard Webhooks style.
    for (headers, body) in receiver.seen.lock().unwrap().iter() {
        let ts: i64 = headers["webhook-timestamp"].parse().unwrap();
        assert!(linli::partners::webhooks::verify(
            &secret,
            &headers["webhook-id"],
            ts,
            body,
            &headers["webhook-signature"]
        ));
        assert!(!linli::partners::webhooks::verify(
            "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            &headers["webhook-id"],
            ts,
            body,
            &headers["webhook-signature"]
        ));
        assert_eq!(headers["content-type"], "application/json");
    }
}

#[actix_web::test]
async fn deliveries_keep_their_attempts_and_a_replay_sends_the_same_event() {
    let app = TestApp::spawn_with(Backend::Mysql, webhook_app_config).await;
    let f = firms(&app).await;
    let Delivered {
        sub,
        receiver,
        expected,
        ..
    } = six_events_through_an_outage(&app, &f).await;
    // Deliveries show their attempts; a replay sends the same event id again.
    let list = app
        .get(
            &format!("/api/v1/partner/webhooks/{sub}/deliveries?status=delivered"),
            Some(&f.a),
        )
        .await;
    assert_eq!(list.body["total"], expected);
    let first = list.body["items"][0]["id"].as_i64().unwrap();
    let one = app
        .get(&format!("/api/v1/partner/deliveries/{first}"), Some(&f.a))
        .await;
    let log = one.body["attempt_log"].as_array().unwrap();
    assert!(log.len() >= 2, "failed attempts are kept: {}", one.text);
    assert!(log[0]["error"].is_string());
    assert_eq!(log.last().unwrap()["status_code"], 204);
    let replay = app
        .post(
            &format!("/api/v1/partner/deliveries/{first}/replay"),
            Some(&f.a),
            json!({}),
        )
        .await;
    replay.expect(202, None);
    eventually(10, "replayed", || receiver.ids().len() == expected + 1).await;
    assert_eq!(
        receiver.ids().last().unwrap(),
        one.body["event_id"].as_str().unwrap()
    );
}

#[actix_web::test]
async fn a_rolled_back_change_writes_no_event() {
    let app = TestApp::spawn(Backend::Mysql).await;
    firms(&app).await;
    {
        use diesel::{Connection, QueryDsl, RunQueryDsl};
        let mut conn = app.db.conn();
        // Subscribe directly, then record an event inside a transaction that fails.
        linli::partners::webhooks::create_subscription(
            &mut conn,
            1,
            "http://127.0.0.1:9/x",
            "booking.created",
            app.clock.now_naive(),
        )
        .unwrap();
        let event = linli::events::DomainEvent::BookingCreated(linli::events::BookingEventData {
            booking_id: 1,
            compound_id: 1,
            pile_id: 1,
            socket_id: 1,
            starts_at: app.clock.now(),
            ends_at: app.clock.now(),
            status: linli::charging::dto::BookingStatus::Confirmed,
            reason: None,
            sequence: 0,
        });
        let result: Result<(), diesel::result::Error> = conn.transaction(|c| {
            linli::events::record(c, &event, app.clock.now_naive()).unwrap();
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(result.is_err());
        linli::partners::webhooks::fanout::fan_out(&mut conn, app.clock.now_naive()).unwrap();
        let events: i64 = linli::db::schema::domain_events::table
            .count()
            .get_result(&mut conn)
            .unwrap();
        let deliveries: i64 = linli::db::schema::webhook_deliveries::table
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!((events, deliveries), (0, 0));
        // And committed it is there, fanned out into one delivery.
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            linli::events::record(c, &event, app.clock.now_naive()).unwrap();
            Ok(())
        })
        .unwrap();
        linli::partners::webhooks::fanout::fan_out(&mut conn, app.clock.now_naive()).unwrap();
        let deliveries: i64 = linli::db::schema::webhook_deliveries::table
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(deliveries, 1);
    }
}

#[actix_web::test]
async fn failing_receiver_gets_eight_tries_then_failed() {
    let app = TestApp::spawn_with(Backend::Mysql, |c| {
        webhook_app_config(c);
        c.webhook_retry_scale = 0.00002; // the day of retries in about 2 s
    })
    .await;
    let f = firms(&app).await;
    let receiver = Receiver::start();
    receiver
        .failing
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let r = app
        .post(
            "/api/v1/partner/webhooks",
            Some(&f.a),
            json!({"url": receiver.url, "events": ["booking.created"]}),
        )
        .await;
    let sub = r.body["id"].as_i64().unwrap();
    let alice = app.resident("fail-a", 1).await;
    app.post(
        "/api/v1/bookings",
        Some(&alice),
        booking(1, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(201, None);
    let url = format!("/api/v1/partner/webhooks/{sub}/deliveries?status=failed");
    let mut failed = Value::Null;
    for _ in 0..200 {
        let r = app.get(&url, Some(&f.a)).await;
        if r.body["total"] == 1 {
            failed = r.body;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(failed["items"][0]["attempts"], 8, "{failed}");
    // Fixed receiver, replay: delivered.
    receiver
        .failing
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let id = failed["items"][0]["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/partner/deliveries/{id}/replay"),
        Some(&f.a),
        json!({}),
    )
    .await
    .expect(202, None);
    eventually(10, "replayed delivery", || receiver.ids().len() == 1).await;
}

/// Firm A (compounds 1 and 2) set up through process `p1` (partner, client) and `p2`
/// (token, subscription to `events` at `receiver`).
pub(super) async fn subscribe_across_two_processes(
    http: &reqwest::Client,
    p1: &ServerProcess,
    p2: &ServerProcess,
    receiver: &Receiver,
    events: &[&str],
) {
    let (staff, _) = dev_login_at(http, &p1.base, "two-staff", "staff").await;
    let partner: Value = http
        .post(format!("{}/api/v1/partners", p1.base))
        .bearer_auth(&staff)
        .json(&json!({"name": "双进程物业", "compound_ids": [1, 2]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let creds: Value = http
        .post(format!(
            "{}/api/v1/partners/{}/clients",
            p1.base, partner["id"]
        ))
        .bearer_auth(&staff)
        .json(&json!({"name": "x", "scopes": ["webhooks:manage"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token: Value = http
        .post(format!("{}/api/v1/partner/token", p2.base))
        .json(&json!({"client_id": creds["client_id"], "client_secret": creds["client_secret"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = http
        .post(format!("{}/api/v1/partner/webhooks", p2.base))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .json(&json!({"url": receiver.url, "events": events}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

#[actix_web::test]
pub(crate) async fn three_server_processes_send_each_event_once() {
    let db = TestDb::seeded_mysql();
    let env = [
        ("LINLI_BACKGROUND_JOBS", "1"),
        ("LINLI_WEBHOOK_ALLOW_PRIVATE", "1"),
        ("LINLI_WEBHOOK_POLL_MS", "20"),
        ("LINLI_WEBHOOK_RETRY_SCALE", "0.0005"),
    ];
    let servers = ServerProcess::start_many(&db, &env, PROCESSES);
    let http = crate::support::http_client();
    let receiver = Receiver::start();
    subscribe_across_two_processes(
        &http,
        &servers[0],
        &servers[1],
        &receiver,
        &["booking.created"],
    )
    .await;
    // Thirty bookings through all processes, each from its own household.
    let n: usize = 30;
    for (i, household) in (1..=i64::try_from(n).unwrap()).enumerate() {
        let (token, _) = resident_at(
            &db,
            &http,
            &servers[0].base,
            &format!("two-r{i}"),
            household,
        )
        .await;
        let base = &servers[i % servers.len()].base;
        let r = http
            .post(format!("{base}/api/v1/bookings"))
            .bearer_auth(token)
            .json(&booking(household, &slot(60), &slot(90)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    eventually(30, "all events delivered", || receiver.ids().len() >= n).await;
    actix_web::rt::time::sleep(std::time::Duration::from_secs(1)).await;
    let ids = receiver.ids();
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(ids.len(), n, "no duplicates across three workers");
    assert_eq!(unique.len(), n);
}
