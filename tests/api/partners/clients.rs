//! Partner clients: the client-credentials exchange in each form OAuth 2 clients send it,
//! scopes, secrets kept only as hashes, rotation with a grace period, revocation, and the
//! per-client rate limit.

use reqwest::Method;
use serde_json::{json, Value};

use super::*;

/// POST the client credentials form-encoded, asking for `scope`.
async fn exchange_form(app: &TestApp, id: &str, secret: &str, scope: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/api/v1/partner/token", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&client_id={id}&client_secret={secret}&scope={scope}"
        ))
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn secrets_are_stored_as_hashes_and_wrong_credentials_are_invalid_client() {
    let app = TestApp::spawn(Backend::Mysql).await;
    let f = firms(&app).await;
    let (id, old) = f.a_client.clone();
    {
        use diesel::{QueryDsl, RunQueryDsl};
        let mut c = app.db.conn();
        let hashes: Vec<String> = linli::db::schema::partner_clients::table
            .select(linli::db::schema::partner_clients::secret_hash)
            .load(&mut c)
            .unwrap();
        assert!(!hashes.contains(&old) && hashes.iter().all(|h| h.len() == 64));
    }
    exchange(&app, &id, "wrong")
        .await
        .expect(401, Some("invalid_client"));
    exchange(&app, "pc_nobody", &old)
        .await
        .expect(401, Some("invalid_client"));
}

/// Form-encoded and HTTP Basic work as OAuth 2 clients send them (JSON is what the other
/// tests use).
#[actix_web::test]
async fn credentials_are_taken_form_encoded_and_as_http_basic() {
    let app = TestApp::spawn(Backend::Mysql).await;
    let f = firms(&app).await;
    let (id, old) = f.a_client.clone();
    let form = exchange_form(&app, &id, &old, "piles%3Aread").await;
    assert_eq!(form.status(), 200);
    let body: Value = form.json().await.unwrap();
    assert_eq!(body["scope"], "piles:read");
    assert_eq!(body["token_type"], "Bearer");
    let basic = app
        .http
        .post(format!("{}/api/v1/partner/token", app.base))
        .basic_auth(&id, Some(&old))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 200);
}

#[actix_web::test]
async fn partner_tokens_act_only_within_their_scopes() {
    let app = TestApp::spawn(Backend::Mysql).await;
    let f = firms(&app).await;
    let (id, old) = f.a_client.clone();
    let form = exchange_form(&app, &id, &old, "piles%3Aread").await;
    let body: Value = form.json().await.unwrap();
    let read_only = body["access_token"].as_str().unwrap().to_owned();
    app.get("/api/v1/partner/compounds", Some(&read_only))
        .await
        .expect(200, None);
    let r = app
        .request(
            Method::PATCH,
            "/api/v1/partner/piles/1",
            Some(&read_only),
            Some(json!({"name": "x"})),
            &[],
        )
        .await;
    r.expect(403, Some("insufficient_scope"));
    assert_eq!(r.body["details"]["required"], "piles:write");
    // A narrower client cannot ask for more.
    let narrow = client_for(&app, &f.staff, 1, &["bookings:read"]).await;
    let r = app
        .post(
            "/api/v1/partner/token",
            None,
            json!({"client_id": narrow.0, "client_secret": narrow.1, "scope": "piles:write"}),
        )
        .await;
    r.expect(403, Some("insufficient_scope"));
}

#[actix_web::test]
async fn client_secrets_rotate_with_grace_and_revoke_at_once() {
    let app = TestApp::spawn(Backend::Mysql).await;
    let f = firms(&app).await;
    let (id, old) = f.a_client.clone();
    // Rotate: the new secret works, the old one too until the grace period ends.
    let r = app
        .post(
            &format!("/api/v1/partner-clients/{id}/rotate"),
            Some(&f.staff),
            json!({}),
        )
        .await;
    r.expect(200, None);
    let new = r.body["client_secret"].as_str().unwrap().to_owned();
    assert!(r.body["previous_secret_valid_until"].is_string());
    exchange(&app, &id, &new).await.expect(200, None);
    exchange(&app, &id, &old).await.expect(200, None);
    app.clock.advance(chrono::Duration::hours(25));
    exchange(&app, &id, &old)
        .await
        .expect(401, Some("invalid_client"));
    let fresh = token_of(&app, &(id.clone(), new.clone())).await;
    app.get("/api/v1/partner/compounds", Some(&fresh))
        .await
        .expect(200, None);
    // Revoke: the secret and the token in hand stop working at once.
    let staff = app.token("partner-staff", "staff").await;
    app.post(
        &format!("/api/v1/partner-clients/{id}/revoke"),
        Some(&staff),
        json!({}),
    )
    .await
    .expect(204, None);
    exchange(&app, &id, &new)
        .await
        .expect(401, Some("invalid_client"));
    app.get("/api/v1/partner/compounds", Some(&fresh))
        .await
        .expect(401, Some("invalid_token"));
}

#[actix_web::test]
async fn only_staff_manage_clients_and_unknown_scopes_are_refused() {
    let app = TestApp::spawn(Backend::Mysql).await;
    let f = firms(&app).await;
    let (id, _) = f.a_client.clone();
    let resident = app.token("partner-resident", "resident").await;
    app.post(
        &format!("/api/v1/partner-clients/{id}/rotate"),
        Some(&resident),
        json!({}),
    )
    .await
    .expect(403, Some("forbidden"));
    let r = app
        .post(
            "/api/v1/partners/1/clients",
            Some(&f.staff),
            json!({"name": "x", "scopes": ["everything"]}),
        )
        .await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "scopes");
}

/// The per-client limit answers 429 with Retry-After; another client is not affected.
#[actix_web::test]
async fn the_per_client_rate_limit_answers_429_and_spares_other_clients() {
    let app = TestApp::spawn_with(Backend::Mysql, |c| c.partner_rate_per_min = 40).await;
    let f = firms(&app).await;
    let mut limited = None;
    for _ in 0..45 {
        let r = app.get("/api/v1/partner/compounds", Some(&f.a)).await;
        if r.status == 429 {
            limited = Some(r);
            break;
        }
    }
    let limited = limited.expect("the limit was never reached");
    assert_eq!(limited.body["code"], "rate_limited");
    assert!(limited.header("retry-after").is_some());
    app.get("/api/v1/partner/compounds", Some(&f.b))
        .await
        .expect(200, None);
}

/// Token requests are limited per client id, right secret or wrong, with 429 and Retry-After
/// in the one error shape; another client id is not affected.
#[actix_web::test]
async fn the_token_endpoint_is_limited_per_client_id() {
    let app = TestApp::spawn_with(Backend::Mysql, |c| {
        c.partner_token_per_minute = 5;
        c.partner_token_per_address_per_minute = 100;
    })
    .await;
    let f = firms(&app).await; // two exchanges, one per client
    let (id, secret) = f.a_client.clone();
    for _ in 0..4 {
        exchange(&app, &id, "wrong-secret")
            .await
            .expect(401, Some("invalid_client"));
    }
    let r = exchange(&app, &id, &secret).await;
    r.expect(429, Some("rate_limited"));
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=12).contains(&retry), "Retry-After {retry}");
    assert_eq!(r.body["details"]["retry_after_seconds"], retry);
    // Another client id from the same address is counted on its own.
    exchange(&app, "pc_nobody", "x")
        .await
        .expect(401, Some("invalid_client"));
}

/// The per-address limit stops one address trying many client ids; behind a trusted proxy
/// the address is the one the proxy appended, not what the client wrote before it.
#[actix_web::test]
async fn the_token_endpoint_is_limited_per_client_address() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.partner_token_per_address_per_minute = 3;
        c.trust_proxy = true;
    })
    .await;
    let try_from = |xff: &'static str, n: usize| {
        let app = &app;
        async move {
            app.request(
                Method::POST,
                "/api/v1/partner/token",
                None,
                Some(json!({"client_id": format!("pc_guess{n}"), "client_secret": "x"})),
                &[("X-Forwarded-For", xff)],
            )
            .await
        }
    };
    for n in 0..3 {
        try_from("198.51.100.1", n)
            .await
            .expect(401, Some("invalid_client"));
    }
    try_from("198.51.100.1", 3)
        .await
        .expect(429, Some("rate_limited"));
    // A client that writes its own X-Forwarded-For before the proxy's entry gains nothing.
    try_from("203.0.113.9, 198.51.100.1", 4)
        .await
        .expect(429, Some("rate_limited"));
    try_from("198.51.100.2", 5)
        .await
        .expect(401, Some("invalid_client"));
}
