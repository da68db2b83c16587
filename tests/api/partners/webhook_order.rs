//! Webhooks a firm can build on: the events of one resource reach a subscription in the order
//! they happened, numbered per resource (`data.sequence`), even when the receiver fails the
//! first tries of the earlier event, and with several server processes sending; booking events
//! name the pile and the compound; times have at most millisecond precision.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::webhooks::{subscribe_across_two_processes, webhook_app_config};
use super::*;

/// The resource an event is about, as `(kind, id)`.
fn resource(event: &Value) -> (String, i64) {
    let data = &event["data"];
    let kind = event["type"].as_str().unwrap();
    let key = match kind.split('.').next().unwrap() {
        "booking" => "booking_id",
        "socket" => "socket_id",
        _ => "maintenance_id",
    };
    (key.to_owned(), data[key].as_i64().unwrap())
}

/// Each resource's events in the order received: `(type, sequence)`.
fn by_resource(events: &[Value]) -> BTreeMap<(String, i64), Vec<(String, i64)>> {
    let mut out: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for e in events {
        out.entry(resource(e)).or_default().push((
            e["type"].as_str().unwrap().to_owned(),
            e["data"]["sequence"].as_i64().unwrap(),
        ));
    }
    out
}

/// At most three digits after the seconds, and UTC.
fn millis_at_most(t: &Value) {
    let t = t.as_str().unwrap();
    assert!(t.ends_with('Z'), "{t}");
    let fraction = t
        .trim_end_matches('Z')
        .split_once('.')
        .map_or(0, |(_, f)| f.len());
    assert!(fraction <= 3, "more than milliseconds: {t}");
}

#[actix_web::test]
async fn webhook_order_holds_per_resource_when_the_receiver_fails_first_tries() {
    let app = TestApp::spawn_with(Backend::Mysql, webhook_app_config).await;
    let f = firms(&app).await;
    let receiver = Receiver::start();
    // Every booking's first event fails three times before it is taken: its later events
    // must wait for it.
    receiver
        .fail_first
        .of_type
        .lock()
        .unwrap()
        .insert("booking.created".into(), 3);
    let r = app
        .post(
            "/api/v1/partner/webhooks",
            Some(&f.a),
            json!({"url": receiver.url, "events": linli::partners::webhooks::EVENT_TYPES}),
        )
        .await;
    r.expect(201, None);
    let sub = r.body["id"].as_i64().unwrap();
    let alice = app.resident("wo-a", 1).await;
    let bob = app.resident("wo-b", 2).await;
    let a = app
        .post(
            "/api/v1/bookings",
            Some(&alice),
            booking(1, &app.slot_time(60), &app.slot_time(90)),
        )
        .await;
    a.expect(201, None);
    app.post(
        &format!("/api/v1/bookings/{}/cancel", a.body["id"]),
        Some(&alice),
        json!({}),
    )
    .await
    .expect(200, None);
    app.post(
        "/api/v1/bookings",
        Some(&bob),
        booking(2, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(201, None);
    // Socket 2 out of use (cancels Bob's booking) and back.
    for state in ["faulted", "available"] {
        app.post(
            "/api/v1/partner/sockets/2/state",
            Some(&f.a),
            json!({"state": state}),
        )
        .await
        .expect(200, None);
    }
    // created + cancelled twice, and the socket's two changes.
    let expected = 6;
    eventually(30, "every event delivered", || {
        receiver.ids().len() >= expected
    })
    .await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    let events = receiver.bodies();
    assert_eq!(events.len(), expected, "each event once: {events:?}");
    let order = by_resource(&events);
    let created_then_cancelled = vec![
        ("booking.created".to_owned(), 1),
        ("booking.cancelled".to_owned(), 2),
    ];
    for (key, seen) in &order {
        if key.0 == "booking_id" {
            assert_eq!(seen, &created_then_cancelled, "booking {}", key.1);
        } else {
            assert_eq!(
                seen,
                &vec![
                    ("socket.state_changed".to_owned(), 1),
                    ("socket.state_changed".to_owned(), 2)
                ]
            );
        }
    }
    assert_eq!(order.len(), 3, "two bookings and a socket: {order:?}");
    // The first tries really failed: a created event took four tries.
    let deliveries = app
        .get(
            &format!("/api/v1/partner/webhooks/{sub}/deliveries?per_page=100"),
            Some(&f.a),
        )
        .await;
    let tries: Vec<i64> = deliveries.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["attempts"].as_i64().unwrap())
        .collect();
    assert_eq!(tries.iter().filter(|&&t| t == 4).count(), 2, "{tries:?}");
    // Booking events name the socket's pile and the compound, like socket events.
    let piles = app
        .get("/api/v1/partner/compounds/1/piles", Some(&f.a))
        .await;
    let pile_of = |socket: i64| {
        piles.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|p| {
                p["sockets"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["id"] == socket)
                    .then(|| p["id"].as_i64().unwrap())
            })
    };
    for e in &events {
        let data = &e["data"];
        assert_eq!(data["compound_id"], 1);
        assert_eq!(
            data["pile_id"].as_i64(),
            pile_of(data["socket_id"].as_i64().unwrap()),
            "{e}"
        );
        millis_at_most(&e["timestamp"]);
        if resource(e).0 == "booking_id" {
            millis_at_most(&data["starts_at"]);
            millis_at_most(&data["ends_at"]);
        }
    }
}

/// Three server processes send; each booking's `booking.created` fails its first tries, its
/// `booking.cancelled` (made through another process) still arrives after it.
#[actix_web::test]
async fn webhook_order_holds_across_three_server_processes() {
    let db = TestDb::seeded_mysql();
    let env = [
        ("LINLI_BACKGROUND_JOBS", "1"),
        ("LINLI_WEBHOOK_ALLOW_PRIVATE", "1"),
        ("LINLI_WEBHOOK_POLL_MS", "20"),
        ("LINLI_WEBHOOK_RETRY_SCALE", "0.0005"),
    ];
    let servers = ServerProcess::start_many(&db, &env, 3);
    let http = crate::support::http_client();
    let receiver = Receiver::start();
    receiver
        .fail_first
        .of_type
        .lock()
        .unwrap()
        .insert("booking.created".into(), 2);
    subscribe_across_two_processes(
        &http,
        &servers[0],
        &servers[1],
        &receiver,
        &["booking.created", "booking.cancelled"],
    )
    .await;
    let n: usize = 8;
    for (i, household) in (1..=i64::try_from(n).unwrap()).enumerate() {
        let (token, _) =
            resident_at(&db, &http, &servers[0].base, &format!("wo-r{i}"), household).await;
        let made: Value = http
            .post(format!("{}/api/v1/bookings", servers[i % 3].base))
            .bearer_auth(&token)
            .json(&booking(household, &slot(60), &slot(90)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let r = http
            .post(format!(
                "{}/api/v1/bookings/{}/cancel",
                servers[(i + 1) % 3].base,
                made["id"]
            ))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    eventually(30, "all events delivered", || receiver.ids().len() >= 2 * n).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    let events = receiver.bodies();
    assert_eq!(events.len(), 2 * n, "each event once");
    let order = by_resource(&events);
    assert_eq!(order.len(), n);
    for (key, seen) in order {
        assert_eq!(
            seen,
            vec![
                ("booking.created".to_owned(), 1),
                ("booking.cancelled".to_owned(), 2)
            ],
            "booking {}",
            key.1
        );
    }
}
