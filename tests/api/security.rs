//! Security suite, after the OWASP API Security Top 10 (2023). Each test names its item.

use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};

use crate::on_both;
use crate::support::*;

fn b64(v: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v)
}

fn claims(app: &TestApp, sub: i64, exp_offset: i64) -> Value {
    let now = app.clock.now().timestamp();
    json!({"iss": "linli", "aud": "linli-api", "sub": sub.to_string(), "typ": "user", "role": "resident",
           "iat": now, "exp": now + exp_offset, "jti": "x"})
}

fn hs256(secret: &[u8], header: &Value, claims: &Value) -> String {
    use hmac::{Hmac, Mac};
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", b64(&mac.finalize().into_bytes()))
}

// API2 Broken Authentication: forged, tampered, expired and misdirected tokens are refused.
on_both!(api2_jwt_attacks_are_refused, |app| {
    let user = app.dev_login("jwt-victim", "resident").await;
    let id = user["user"]["id"].as_i64().unwrap();
    let good = hs256(
        JWT_SECRET.as_bytes(),
        &json!({"alg": "HS256", "typ": "JWT"}),
        &claims(&app, id, 600),
    );
    app.get("/api/v1/me", Some(&good)).await.expect(200, None);
    // alg: none, no signature.
    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(claims(&app, id, 600).to_string().as_bytes())
    );
    app.get("/api/v1/me", Some(&none))
        .await
        .expect(401, Some("invalid_token"));
    // Algorithm confusion: claims RS256/HS512 but signed with the HMAC secret.
    for alg in ["RS256", "HS512", "ES256", "PS256"] {
        let t = hs256(
            JWT_SECRET.as_bytes(),
            &json!({"alg": alg, "typ": "JWT"}),
            &claims(&app, id, 600),
        );
        app.get("/api/v1/me", Some(&t))
            .await
            .expect(401, Some("invalid_token"));
    }
    // Wrong key.
    let forged = hs256(
        b"not-the-secret-not-the-secret-not-the-secret",
        &json!({"alg": "HS256"}),
        &claims(&app, id, 600),
    );
    app.get("/api/v1/me", Some(&forged))
        .await
        .expect(401, Some("invalid_token"));
    // Tampered payload (role raised) with the original signature.
    let parts: Vec<&str> = good.split('.').collect();
    let mut raised = claims(&app, id, 600);
    raised["role"] = json!("admin");
    raised["sub"] = json!((id + 1).to_string());
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(raised.to_string().as_bytes()),
        parts[2]
    );
    app.get("/api/v1/me", Some(&tampered))
        .await
        .expect(401, Some("invalid_token"));
    // Expired, wrong audience, wrong issuer, missing subject.
    let expired = hs256(
        JWT_SECRET.as_bytes(),
        &json!({"alg": "HS256"}),
        &claims(&app, id, -3600),
    );
    app.get("/api/v1/me", Some(&expired))
        .await
        .expect(401, Some("token_expired"));
    let mut aud = claims(&app, id, 600);
    aud["aud"] = json!("someone-else");
    app.get(
        "/api/v1/me",
        Some(&hs256(
            JWT_SECRET.as_bytes(),
            &json!({"alg": "HS256"}),
            &aud,
        )),
    )
    .await
    .expect(401, Some("invalid_token"));
    let mut iss = claims(&app, id, 600);
    iss["iss"] = json!("evil");
    app.get(
        "/api/v1/me",
        Some(&hs256(
            JWT_SECRET.as_bytes(),
            &json!({"alg": "HS256"}),
            &iss,
        )),
    )
    .await
    .expect(401, Some("invalid_token"));
    let mut nosub = claims(&app, id, 600);
    nosub.as_object_mut().unwrap().remove("sub");
    app.get(
        "/api/v1/me",
        Some(&hs256(
            JWT_SECRET.as_bytes(),
            &json!({"alg": "HS256"}),
            &nosub,
        )),
    )
    .await
    .expect(401, Some("invalid_token"));
    // A token for a user that does not exist.
    let ghost = hs256(
        JWT_SECRET.as_bytes(),
        &json!({"alg": "HS256"}),
        &claims(&app, 987_654, 600),
    );
    app.get("/api/v1/me", Some(&ghost))
        .await
        .expect(401, Some("invalid_token"));
});

// API1 Broken Object Level Authorization: resident A cannot see or act on B's objects.
on_both!(api1_residents_cannot_reach_each_others_objects, |app| {
    app.seed_demo();
    let a = app.resident("bola-a", 1).await;
    let b = app.resident("bola-b", 2).await;
    let r = app
        .post(
            "/api/v1/bookings",
            Some(&b),
            json!({"socket_id": 1, "starts_at": app.slot_time(60), "ends_at": app.slot_time(90)}),
        )
        .await;
    let booking = r.body["id"].as_i64().unwrap();
    let b_notes = app.get("/api/v1/me/notifications", Some(&b)).await;
    let note = b_notes.body["items"][0]["id"].as_i64().unwrap();
    let checks: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/bookings/{booking}"), None),
        (
            Method::POST,
            format!("/api/v1/bookings/{booking}/cancel"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/bookings/{booking}/check-in"),
            Some(json!({"socket_code": "X"})),
        ),
        (
            Method::POST,
            format!("/api/v1/bookings/{booking}/finish"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/me/notifications/{note}/read"),
            Some(json!({})),
        ),
    ];
    for (m, path, body) in checks {
        let r = app.request(m.clone(), &path, Some(&a), body, &[]).await;
        assert_eq!(r.status, 404, "{m} {path}: {}", r.text);
    }
    // B's booking is untouched; A's lists do not show it.
    assert_eq!(
        app.get(&format!("/api/v1/bookings/{booking}"), Some(&b))
            .await
            .body["status"],
        "confirmed"
    );
    assert_eq!(
        app.get("/api/v1/me/bookings", Some(&a)).await.body["total"],
        0
    );
    // Without a token nothing is reachable.
    app.get(&format!("/api/v1/bookings/{booking}"), None)
        .await
        .expect(401, Some("unauthorized"));
    // Sign-ups and the points ledger: A's sign-up is not B's to cancel or check out; nobody
    // but staff writes to someone's ledger, and each resident reads only their own.
    let activities = app.get("/api/v1/activities", Some(&a)).await;
    // The first activity still open to sign-ups that needs no skill (the demo's are relative
    // to today, so the soonest one's deadline may already have passed at this time of day).
    let now = chrono::Utc::now();
    let activity = activities.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["required_skills"].as_array().is_some_and(Vec::is_empty)
                && a["signup_deadline"]
                    .as_str()
                    .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
                    .is_some_and(|d| d > now + chrono::Duration::minutes(5))
        })
        .expect("an activity open to sign-ups")["id"]
        .as_i64()
        .unwrap();
    let signup = app
        .post(
            &format!("/api/v1/activities/{activity}/signups"),
            Some(&a),
            json!({}),
        )
        .await;
    signup.expect(201, None);
    let signup = signup.body["id"].as_i64().unwrap();
    for path in [
        format!("/api/v1/signups/{signup}/cancel"),
        format!("/api/v1/signups/{signup}/check-out"),
    ] {
        let r = app.post(&path, Some(&b), json!({})).await;
        assert!(
            matches!(r.status.as_u16(), 403 | 404),
            "{path}: {} {}",
            r.status,
            r.text
        );
    }
    let a_id = app.get("/api/v1/me", Some(&a)).await.body["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/users/{a_id}/points/adjustments"),
        Some(&b),
        json!({"delta": 1000, "reason": "mine now"}),
    )
    .await
    .expect(403, Some("forbidden"));
    let mine = app.get("/api/v1/me/points", Some(&b)).await;
    mine.expect(200, None);
    assert!(
        !mine.text.contains(&format!("\"user_id\":{a_id}")),
        "{}",
        mine.text
    );
    // A's sign-up is still there.
    let r = app
        .post(
            &format!("/api/v1/signups/{signup}/cancel"),
            Some(&a),
            json!({}),
        )
        .await;
    r.expect(200, None);
});

// API3 Broken Object Property Level Authorization: properties a client must not set are refused.
on_both!(api3_clients_cannot_set_protected_properties, |app| {
    app.seed_demo();
    let a = app.resident("prop-a", 1).await;
    let cases = [
        (
            "/api/v1/bookings",
            json!({"socket_id": 1, "starts_at": app.slot_time(60), "ends_at": app.slot_time(90), "status": "checked_in"}),
        ),
        (
            "/api/v1/bookings",
            json!({"socket_id": 1, "starts_at": app.slot_time(60), "ends_at": app.slot_time(90), "household_id": 99}),
        ),
        (
            "/api/v1/me/household",
            json!({"card_number": "JC00002", "check_code": "X", "role": "admin"}),
        ),
        (
            "/api/v1/auth/refresh",
            json!({"refresh_token": "x", "user_id": 1}),
        ),
    ];
    for (path, body) in cases {
        let r = app.post(path, Some(&a), body).await;
        r.expect(422, Some("validation_failed"));
    }
    // The role in the token cannot be raised by the user: only an admin sets roles.
    let me = app.get("/api/v1/me", Some(&a)).await;
    assert_eq!(me.body["role"], "resident");
    let r = app
        .request(
            Method::PUT,
            &format!("/api/v1/users/{}/role", me.body["id"]),
            Some(&a),
            Some(json!({"role": "admin"})),
            &[],
        )
        .await;
    r.expect(403, Some("forbidden"));
});

// API4 Unrestricted Resource Consumption: big bodies, pages, strings and nesting are 4xx.
on_both!(api4_unbounded_requests_are_refused, |app| {
    app.seed_demo();
    let a = app.resident("size-a", 1).await;
    app.get("/api/v1/compounds?per_page=100000", None)
        .await
        .expect(422, Some("validation_failed"));
    app.get("/api/v1/me/notifications?per_page=101", Some(&a))
        .await
        .expect(422, Some("validation_failed"));
    app.get("/api/v1/compounds?page=-1", None)
        .await
        .expect(422, Some("validation_failed"));
    let r = app
        .post(
            "/api/v1/bookings",
            Some(&a),
            json!({"socket_id": 1, "starts_at": app.slot_time(60), "ends_at": app.slot_time(90)}),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    let long = "长".repeat(5000);
    app.post(
        &format!("/api/v1/bookings/{id}/cancel"),
        Some(&a),
        json!({"reason": long}),
    )
    .await
    .expect(422, Some("validation_failed"));
    let huge = json!({"reason": "x".repeat(100_000)});
    app.post(&format!("/api/v1/bookings/{id}/cancel"), Some(&a), huge)
        .await
        .expect(413, Some("payload_too_large"));
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let r = app
        .http
        .post(format!("{}/api/v1/bookings", app.base))
        .bearer_auth(&a)
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let r = app
        .get(&format!("/api/v1/compounds?q={}", "a".repeat(10_000)), None)
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
});

// API8 Security Misconfiguration / injection: SQL metacharacters and odd Unicode are stored
// and returned intact, never interpreted.
on_both!(api8_metacharacters_and_unicode_round_trip, |app| {
    app.seed_demo();
    let a = app.resident("inj-a", 1).await;
    let r = app
        .post(
            "/api/v1/bookings",
            Some(&a),
            json!({"socket_id": 1, "starts_at": app.slot_time(60), "ends_at": app.slot_time(90)}),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    // Direction overrides are refused (see `hardening::text`); other odd Unicode is kept.
    let nasty = "'; DROP TABLE bookings; -- \" OR 1=1 \\ % _ 😀 RTL \u{200b} 𠀀 é";
    let r = app
        .post(
            &format!("/api/v1/bookings/{id}/cancel"),
            Some(&a),
            json!({"reason": nasty}),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["cancel_reason"], nasty.trim());
    assert_eq!(
        app.get(&format!("/api/v1/bookings/{id}"), Some(&a))
            .await
            .body["cancel_reason"],
        nasty.trim()
    );
    // Search treats them as text, not as SQL or LIKE wildcards.
    for q in ["'", "%", "_", "\\", "' OR '1'='1", "😀"] {
        let r = app
            .get(&format!("/api/v1/compounds?q={}", urlencode(q)), None)
            .await;
        r.expect(200, None);
        assert_eq!(r.body["total"], 0, "{q}");
    }
    // The table is still there.
    app.post(
        "/api/v1/bookings",
        Some(&a),
        json!({"socket_id": 2, "starts_at": app.slot_time(60), "ends_at": app.slot_time(90)}),
    )
    .await
    .expect(201, None);
});

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// API4/API6: logins are limited per client address, bookings per resident (a script cannot
/// sweep every free slot); each answers 429 `rate_limited` with `Retry-After`.
#[actix_web::test]
async fn api4_logins_and_bookings_are_rate_limited() {
    let app = TestApp::spawn_with(Backend::Mysql, |c| {
        c.wechat_logins_per_minute = 3;
        c.bookings_per_minute = 2;
    })
    .await;
    app.seed_demo();
    let login = |n: usize| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/auth/wechat",
                None,
                json!({"code": format!("ok-openid-limit{n}")}),
            )
            .await
        }
    };
    for n in 0..3 {
        login(n).await.expect(200, None);
    }
    let limited = login(3).await;
    limited.expect(429, Some("rate_limited"));
    assert!(limited
        .header("retry-after")
        .is_some_and(|s| s.parse::<u64>().unwrap() >= 1));

    let alice = app.resident("limit-a", 1).await;
    let bob = app.resident("limit-b", 2).await;
    let try_book = |token: String, socket: i64| {
        let app = &app;
        async move {
            app.post(
                "/api/v1/bookings",
                Some(&token),
                json!({"socket_id": socket, "starts_at": app.slot_time(60), "ends_at": app.slot_time(90)}),
            )
            .await
        }
    };
    // Two attempts go through to the rules (one books, one hits the quota), the third is
    // refused before any work; another resident is not affected.
    try_book(alice.clone(), 1).await.expect(201, None);
    try_book(alice.clone(), 2)
        .await
        .expect(422, Some("household_quota_reached"));
    let limited = try_book(alice.clone(), 3).await;
    limited.expect(429, Some("rate_limited"));
    assert!(limited.header("retry-after").is_some());
    try_book(bob, 4).await.expect(201, None);
}
