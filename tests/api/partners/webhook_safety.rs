//! Where a webhook attempt may go: the receiver's certificate must be trusted, a redirect is a
//! failed attempt and is not followed, and the host's address is checked again at every
//! attempt, so a name that has come to point inside the network is not posted to.

use serde_json::{json, Value};

use super::*;

fn delivering(c: &mut linli::config::Config) {
    c.webhook_allow_private = true;
    c.webhook_poll_ms = 50;
    c.webhook_timeout_ms = 2000;
    c.background_jobs = true;
}

/// Subscribe firm A to `booking.created` at `url`; the subscription id.
async fn subscribe(app: &TestApp, f: &Firms, url: &str) -> i64 {
    let r = app
        .post(
            "/api/v1/partner/webhooks",
            Some(&f.a),
            json!({"url": url, "events": ["booking.created"]}),
        )
        .await;
    r.expect(201, None);
    r.body["id"].as_i64().unwrap()
}

/// A booking in firm A's compound 1: one `booking.created` event.
async fn book(app: &TestApp, name: &str) {
    let resident = app.resident(name, 1).await;
    app.post(
        "/api/v1/bookings",
        Some(&resident),
        booking(1, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(201, None);
}

/// The subscription's only delivery once it has an attempt.
async fn first_attempted(app: &TestApp, f: &Firms, sub: i64) -> Value {
    for _ in 0..200 {
        let list = app
            .get(
                &format!("/api/v1/partner/webhooks/{sub}/deliveries"),
                Some(&f.a),
            )
            .await;
        if let Some(id) = list.body["items"][0]["id"].as_i64() {
            let one = app
                .get(&format!("/api/v1/partner/deliveries/{id}"), Some(&f.a))
                .await;
            if !one.body["attempt_log"].as_array().unwrap().is_empty() {
                return one.body;
            }
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no delivery attempt for subscription {sub}");
}

#[actix_web::test]
async fn a_receiver_with_an_untrusted_certificate_gets_a_failed_attempt_with_the_reason() {
    let app = TestApp::spawn_with(Backend::Mysql, delivering).await;
    let f = firms(&app).await;
    let receiver = Receiver::untrusted();
    let sub = subscribe(&app, &f, &receiver.url).await;
    book(&app, "tls-a").await;
    let delivery = first_attempted(&app, &f, sub).await;
    let attempt = &delivery["attempt_log"][0];
    assert!(attempt["status_code"].is_null(), "{delivery}");
    let error = attempt["error"].as_str().unwrap();
    assert!(
        error.contains("certificate") && error.contains("UnknownIssuer"),
        "the reason names the certificate: {error}"
    );
    assert_ne!(delivery["status"], "delivered");
    assert!(receiver.ids().is_empty(), "nothing was sent in the clear");
}

#[actix_web::test]
async fn a_redirect_is_a_failed_attempt_and_is_not_followed() {
    let app = TestApp::spawn_with(Backend::Sqlite, delivering).await;
    let f = firms(&app).await;
    let inside = Receiver::start();
    let redirecting = Receiver::start();
    *redirecting.redirect_to.lock().unwrap() = Some(inside.url.clone());
    let sub = subscribe(&app, &f, &redirecting.url).await;
    book(&app, "redirect-a").await;
    let delivery = first_attempted(&app, &f, sub).await;
    assert_eq!(delivery["attempt_log"][0]["status_code"], 307, "{delivery}");
    assert_eq!(
        delivery["status"], "pending",
        "retried later, not delivered"
    );
    assert!(inside.ids().is_empty(), "the redirect was not followed");
}

/// The name pointed at a public address when the subscription was made; at delivery it points
/// at 127.0.0.1 (`LINLI_WEBHOOK_RESOLVE` stands in for the attacker's DNS answers).
#[actix_web::test]
async fn a_name_that_now_points_inside_is_not_posted_to() {
    let app = TestApp::spawn_with(Backend::Mysql, |c| {
        c.webhook_resolve = "hooks.firm.example=93.184.216.34".into();
    })
    .await;
    let f = firms(&app).await;
    let sub = subscribe(&app, &f, "https://hooks.firm.example/hooks").await;
    let later = ServerProcess::start(
        &app.db,
        &[
            ("LINLI_WEBHOOK_RESOLVE", "hooks.firm.example=127.0.0.1"),
            ("LINLI_BACKGROUND_JOBS", "1"),
            ("LINLI_WEBHOOK_POLL_MS", "50"),
        ],
    );
    // Made now, the same subscription is refused.
    let http = reqwest::Client::new();
    let again = http
        .post(format!("{}/api/v1/partner/webhooks", later.base))
        .bearer_auth(&f.a)
        .json(&json!({"url": "https://hooks.firm.example/hooks", "events": ["booking.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 422);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["code"], "webhook_url_not_allowed");
    // The delivery of an event is refused at the address, before any connection.
    book(&app, "rebind-a").await;
    let delivery = first_attempted(&app, &f, sub).await;
    let attempt = &delivery["attempt_log"][0];
    assert!(attempt["status_code"].is_null(), "{delivery}");
    assert_eq!(
        attempt["error"], "refused: 127.0.0.1 is not a public address",
        "{delivery}"
    );
}
