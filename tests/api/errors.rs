//! Every kind of bad input answers in the one error shape with the right status and code.

use reqwest::Method;
use serde_json::json;

use crate::on_both;
use crate::support::*;

on_both!(malformed_and_ill_typed_bodies, |app| {
    let token = app.token("err-user", "resident").await;
    let url = format!("{}/api/v1/me/household", app.base);
    // Not JSON at all.
    let r = app
        .http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"card_number\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "invalid_json");
    // Wrong type: names the field.
    let r = app
        .post(
            "/api/v1/me/household",
            Some(&token),
            json!({"card_number": 5, "check_code": "X"}),
        )
        .await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "card_number");
    // Missing field: names it.
    let r = app
        .post(
            "/api/v1/me/household",
            Some(&token),
            json!({"card_number": "JC00001"}),
        )
        .await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "check_code");
    // Unknown field is refused (a client cannot set what it must not).
    let r = app
        .post(
            "/api/v1/me/household",
            Some(&token),
            json!({"card_number": "JC1", "check_code": "X", "household_id": 1}),
        )
        .await;
    r.expect(422, Some("validation_failed"));
    // Wrong content type.
    let r = app
        .http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "unsupported_media_type");
    // Too large.
    let big = json!({"card_number": "x".repeat(200_000), "check_code": "X"});
    let r = app.post("/api/v1/me/household", Some(&token), big).await;
    r.expect(413, Some("payload_too_large"));
    // Deeply nested JSON is refused as a client error, not a crash.
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let r = app
        .http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
});

on_both!(bad_path_and_query_values_name_the_parameter, |app| {
    let r = app.get("/api/v1/compounds/abc", None).await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "id");
    let r = app.get("/api/v1/compounds?page=abc", None).await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "page");
    let r = app.get("/api/v1/compounds?per_page=1000", None).await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "per_page");
    let r = app.get("/api/v1/compounds?kind=castle", None).await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "kind");
    let r = app
        .get(&format!("/api/v1/compounds?q={}", "长".repeat(65)), None)
        .await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "q");
});

on_both!(unknown_routes_and_methods, |app| {
    let r = app.get("/api/v1/does-not-exist", None).await;
    r.expect(404, Some("not_found"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let r = app.get("/totally/elsewhere", None).await;
    r.expect(404, Some("not_found"));
    // A path of the API with a method it does not have: 405 naming the methods it has, HEAD
    // with every GET since every GET answers HEAD (RFC 9110 §15.5.6). OPTIONS is not served.
    for (method, path, allow) in [
        (Method::DELETE, "/api/v1/communities", "GET, HEAD"),
        (Method::OPTIONS, "/api/v1/communities", "GET, HEAD"),
        (Method::PUT, "/api/v1/bookings", "POST"),
    ] {
        let r = app.request(method.clone(), path, None, None, &[]).await;
        r.expect(405, Some("method_not_allowed"));
        assert_eq!(r.header("allow"), Some(allow), "{method} {path}");
    }
    // And the HEAD it names is answered.
    let r = app
        .request(Method::HEAD, "/api/v1/communities", None, None, &[])
        .await;
    assert_eq!(r.status, 200);
    let r = app
        .request(
            Method::TRACE,
            "/api/v1/activities/7",
            None,
            None,
            &[("accept-language", "en")],
        )
        .await;
    r.expect(405, Some("method_not_allowed"));
    assert_eq!(r.header("allow"), Some("GET, HEAD, PATCH"));
    assert_eq!(r.body["message"], "Method not allowed");
    let r = app.get("/api/v1/calendar/abc.ics/more", None).await;
    r.expect(404, Some("not_found"));
});

on_both!(a_body_is_a_json_object, |app| {
    let token = app.token("err-array", "resident").await;
    // serde would take an array as the fields in order: refused, naming the body.
    let r = app
        .request(
            Method::POST,
            "/api/v1/me/household",
            Some(&token),
            Some(json!(["JC00001", "ABC234"])),
            &[],
        )
        .await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "body");
    let r = app
        .request(
            Method::POST,
            "/api/v1/auth/logout",
            None,
            Some(json!("x")),
            &[],
        )
        .await;
    r.expect(422, Some("validation_failed"));
    // An empty refresh token is not a token.
    let r = app
        .post("/api/v1/auth/logout", None, json!({"refresh_token": ""}))
        .await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "refresh_token");
});

on_both!(
    a_missing_login_is_reported_before_a_bad_idempotency_key,
    |app| {
        let r = app
        .request(
            Method::POST,
            "/api/v1/bookings",
            None,
            Some(json!({"socket_id": 1, "starts_at": "2026-12-01T10:00:00Z", "ends_at": "2026-12-01T10:30:00Z"})),
            &[("Idempotency-Key", "")],
        )
        .await;
        r.expect(401, Some("unauthorized"));
        // The development login keeps its openid to what the users table holds with the prefix.
        let r = app
            .post("/api/v1/auth/dev", None, json!({"openid": "x".repeat(125)}))
            .await;
        r.expect(422, Some("validation_failed"));
        let r = app
            .post(
                "/api/v1/auth/dev",
                None,
                json!({"openid": "字".repeat(124)}),
            )
            .await;
        r.expect(200, None);
    }
);

on_both!(authentication_and_roles, |app| {
    // No token.
    let r = app.get("/api/v1/me", None).await;
    r.expect(401, Some("unauthorized"));
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    // Garbage token.
    let r = app.get("/api/v1/me", Some("not-a-jwt")).await;
    r.expect(401, Some("invalid_token"));
    // Expired token: issued now, checked after the clock moves past its expiry.
    let token = app.token("expiring", "resident").await;
    app.get("/api/v1/me", Some(&token)).await.expect(200, None);
    app.clock.advance(chrono::Duration::minutes(20));
    app.get("/api/v1/me", Some(&token))
        .await
        .expect(401, Some("token_expired"));
    // Wrong role.
    let resident = app.token("plain-resident", "resident").await;
    let r = app
        .request(
            Method::PUT,
            "/api/v1/users/1/role",
            Some(&resident),
            Some(json!({"role": "admin"})),
            &[],
        )
        .await;
    r.expect(403, Some("forbidden"));
    let staff = app.token("a-staff", "staff").await;
    let r = app
        .request(
            Method::PUT,
            "/api/v1/users/1/role",
            Some(&staff),
            Some(json!({"role": "admin"})),
            &[],
        )
        .await;
    r.expect(403, Some("forbidden"));
    let admin = app.dev_login("an-admin", "admin").await;
    let target = app.dev_login("promote-me", "resident").await;
    let path = format!("/api/v1/users/{}/role", target["user"]["id"]);
    let r = app
        .request(
            Method::PUT,
            &path,
            Some(admin["access_token"].as_str().unwrap()),
            Some(json!({"role": "staff"})),
            &[],
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["role"], "staff");
    let r = app
        .request(
            Method::PUT,
            "/api/v1/users/999999/role",
            Some(admin["access_token"].as_str().unwrap()),
            Some(json!({"role": "staff"})),
            &[],
        )
        .await;
    r.expect(404, Some("not_found"));
});

on_both!(messages_follow_accept_language, |app| {
    let r = app
        .request(
            Method::GET,
            "/api/v1/me",
            None,
            None,
            &[("Accept-Language", "en-US,en;q=0.9")],
        )
        .await;
    r.expect(401, Some("unauthorized"));
    assert_eq!(r.body["message"], "Authentication required");
    let r = app
        .request(
            Method::GET,
            "/api/v1/me",
            None,
            None,
            &[("Accept-Language", "zh-CN")],
        )
        .await;
    assert_eq!(r.body["message"], "请先登录");
    let r = app
        .request(
            Method::GET,
            "/api/v1/nope",
            None,
            None,
            &[("Accept-Language", "en")],
        )
        .await;
    assert_eq!(r.body["message"], "Not found");
});

#[actix_web::test]
async fn exhausted_pool_answers_503_fast_with_retry_after() {
    let app = TestApp::spawn_with(Backend::Mysql, |c| {
        c.db_pool_size = 1;
        c.db_timeout_ms = 300;
    })
    .await;
    let held = app.state.pool.get().expect("take the only connection");
    let started = std::time::Instant::now();
    let r = app.get("/api/v1/communities", None).await;
    r.expect(503, Some("service_unavailable"));
    assert_eq!(r.header("retry-after"), Some("2"));
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    drop(held);
    app.get("/api/v1/communities", None).await.expect(200, None);
}
