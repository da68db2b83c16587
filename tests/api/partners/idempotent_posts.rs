//! Every partner and partner-admin POST declares `Idempotency-Key` in the spec and honours it:
//! the same key and request twice does the work once and answers the same (the second answer
//! marked `Idempotent-Replayed: true`), and no audit entry is added by the retry.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{json, Value};

use super::webhooks::webhook_app_config;
use super::*;

/// The audit log's length as staff see it.
async fn audit_total(app: &TestApp, staff: &str) -> i64 {
    let r = app.get("/api/v1/audit-log?per_page=1", Some(staff)).await;
    r.expect(200, None);
    r.body["total"].as_i64().unwrap()
}

/// POST `body` to `path` twice with one key; the first answer (checked against `status`).
async fn twice(
    app: &TestApp,
    staff: &str,
    token: &str,
    path: &str,
    body: Value,
    status: u16,
) -> Res {
    let key = format!("idem-{path}");
    let headers = [("idempotency-key", key.as_str())];
    let send = || {
        app.request(
            Method::POST,
            path,
            Some(token),
            Some(body.clone()),
            &headers,
        )
    };
    let first = send().await;
    first.expect(status, None);
    assert!(first.header("idempotent-replayed").is_none(), "{path}");
    let audited = audit_total(app, staff).await;
    let again = send().await;
    again.expect(status, None);
    assert_eq!(again.header("idempotent-replayed"), Some("true"), "{path}");
    assert_eq!(again.body, first.body, "{path}: the same answer");
    assert_eq!(audit_total(app, staff).await, audited, "{path}: done once");
    first
}

#[actix_web::test]
async fn idempotent_posts_every_partner_post_honours_its_key() {
    let app = TestApp::spawn_with(Backend::Mysql, webhook_app_config).await;
    let f = firms(&app).await;
    let receiver = Receiver::start();
    let staff = f.staff.clone();
    let mut covered = BTreeSet::new();
    let mut done = |op: &str| covered.insert(op.to_owned());

    // Partner admin (staff).
    let partner = twice(
        &app,
        &staff,
        &staff,
        "/api/v1/partners",
        json!({"name": "幂等物业", "compound_ids": [3]}),
        201,
    )
    .await;
    done("create_partner");
    let client = twice(
        &app,
        &staff,
        &staff,
        &format!("/api/v1/partners/{}/clients", partner.body["id"]),
        json!({"name": "幂等", "scopes": ["piles:read"]}),
        201,
    )
    .await;
    done("create_client");
    let client_id = client.body["client_id"].as_str().unwrap();
    twice(
        &app,
        &staff,
        &staff,
        &format!("/api/v1/partner-clients/{client_id}/rotate"),
        json!({}),
        200,
    )
    .await;
    done("rotate_client");
    let revoked = app
        .request(
            Method::POST,
            &format!("/api/v1/partner-clients/{client_id}/revoke"),
            Some(&staff),
            Some(json!({})),
            &[("idempotency-key", "idem-revoke")],
        )
        .await;
    let status = revoked.status;
    let again = app
        .request(
            Method::POST,
            &format!("/api/v1/partner-clients/{client_id}/revoke"),
            Some(&staff),
            Some(json!({})),
            &[("idempotency-key", "idem-revoke")],
        )
        .await;
    assert!(status.is_success(), "{}", revoked.text);
    assert_eq!(again.status, status);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    done("revoke_client");

    // The firm's own operations.
    let a = f.a.as_str();
    let pile = twice(
        &app,
        &staff,
        a,
        "/api/v1/partner/compounds/1/piles",
        json!({"name": "幂等桩", "location": "东门", "sockets": 1}),
        201,
    )
    .await;
    done("create_pile");
    let pile_id = pile.body["id"].as_i64().unwrap();
    twice(
        &app,
        &staff,
        a,
        &format!("/api/v1/partner/piles/{pile_id}/sockets"),
        json!({}),
        201,
    )
    .await;
    done("add_socket");
    twice(
        &app,
        &staff,
        a,
        "/api/v1/partner/sockets/3/state",
        json!({"state": "faulted", "reason": "无法充电"}),
        200,
    )
    .await;
    done("socket_state");
    twice(
        &app,
        &staff,
        a,
        "/api/v1/partner/sockets/state",
        json!({"changes": [{"socket_id": 4, "state": "maintenance"}], "reason": "检修"}),
        200,
    )
    .await;
    done("bulk_socket_state");
    let window = twice(
        &app,
        &staff,
        a,
        "/api/v1/partner/maintenance-windows",
        json!({"socket_id": 2, "starts_at": app.slot_time(120), "ends_at": app.slot_time(180), "reason": "检修"}),
        201,
    )
    .await;
    done("maintenance");
    twice(
        &app,
        &staff,
        a,
        &format!(
            "/api/v1/partner/maintenance-windows/{}/cancel",
            window.body["id"]
        ),
        json!({}),
        200,
    )
    .await;
    done("cancel_maintenance");
    let sub = twice(
        &app,
        &staff,
        a,
        "/api/v1/partner/webhooks",
        json!({"url": receiver.url, "events": ["booking.created"]}),
        201,
    )
    .await;
    done("create_subscription");
    // A delivery to replay: a booking, delivered.
    let alice = app.resident("ip-a", 1).await;
    app.post(
        "/api/v1/bookings",
        Some(&alice),
        booking(1, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(201, None);
    eventually(20, "the booking's event delivered", || {
        receiver.ids().len() == 1
    })
    .await;
    let deliveries = app
        .get(
            &format!("/api/v1/partner/webhooks/{}/deliveries", sub.body["id"]),
            Some(a),
        )
        .await;
    let delivery = deliveries.body["items"][0]["id"].as_i64().unwrap();
    twice(
        &app,
        &staff,
        a,
        &format!("/api/v1/partner/deliveries/{delivery}/replay"),
        json!({}),
        202,
    )
    .await;
    eventually(20, "replayed once", || receiver.ids().len() == 2).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.ids().len(), 2, "a retried replay sends once");
    done("replay_delivery");
    twice(
        &app,
        &staff,
        a,
        &format!("/api/v1/partner/piles/{pile_id}/retire"),
        json!({}),
        200,
    )
    .await;
    done("retire_pile");

    // A remote stop, on a session started on a pile of firm A (no gateway: it stays queued).
    // (Card 1's household booked socket 1 above: another household, hours later.)
    app.clock.advance(chrono::Duration::hours(3));
    let (resident, booking_id) = crate::devices::booked_with_card(&app, "idem-stop", 2).await;
    let device = app.bind_device(app.pile_of(1), 0x0500_0077, 10);
    linli::devices::model::devices::seen(&mut app.db.conn(), device, app.clock.now_naive())
        .unwrap();
    let session = crate::devices::start(&app, &resident, booking_id).await;
    session.expect(201, None);
    let a = token_of(&app, &f.a_client).await;
    let staff = app.token("partner-staff", "staff").await;
    twice(
        &app,
        &staff,
        &a,
        &format!(
            "/api/v1/partner/charging-sessions/{}/stop",
            session.body["id"]
        ),
        json!({}),
        202,
    )
    .await;
    done("stop_session");

    // Every partner POST that declares the key is covered above, and every one declares it.
    let doc = app.get("/api/openapi.json", None).await.body;
    let mut declared = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let partner = path.starts_with("/api/v1/partner") && path != "/api/v1/partner/token";
        let Some(post) = item.get("post").filter(|_| partner) else {
            continue;
        };
        let keyed = post["parameters"].as_array().is_some_and(|ps| {
            ps.iter()
                .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
        });
        assert!(keyed, "{path} does not declare Idempotency-Key");
        declared.insert(post["operationId"].as_str().unwrap().to_owned());
    }
    assert_eq!(declared, covered);
}
