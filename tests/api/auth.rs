//! WeChat-style login through a local fake of the code exchange, refresh rotation with reuse
//! detection, logout, the development login switch, and household binding.

use serde_json::json;

use crate::on_both;
use crate::support::*;

on_both!(wechat_login_round_trip, |app| {
    let r = app
        .post(
            "/api/v1/auth/wechat",
            None,
            json!({"code": "ok-openid-alice"}),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 900);
    assert_eq!(r.body["user"]["role"], "resident");
    assert!(
        !r.text.contains("SESSIONKEY"),
        "session_key leaked: {}",
        r.text
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    // The exchange carried our app id, secret and the code.
    {
        let log = app.wechat.log.lock().unwrap();
        let q = log.requests.last().unwrap();
        assert_eq!(q["appid"], "wx-test-app");
        assert_eq!(q["secret"], "wx-test-secret");
        assert_eq!(q["js_code"], "ok-openid-alice");
        assert_eq!(q["grant_type"], "authorization_code");
    }
    let token = r.body["access_token"].as_str().unwrap();
    let me = app.get("/api/v1/me", Some(token)).await;
    me.expect(200, None);
    assert_eq!(me.body["id"], r.body["user"]["id"]);
    assert_eq!(me.body["household"], serde_json::Value::Null);
    // The access token is an HS256 JWT with issuer, audience, subject, role and expiry.
    let payload = token.split('.').nth(1).unwrap();
    use base64::Engine;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["iss"], "linli");
    assert_eq!(claims["aud"], "linli-api");
    assert_eq!(claims["role"], "resident");
    assert_eq!(claims["sub"], r.body["user"]["id"].to_string());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );
    // Logging in again (new code) finds the same user.
    let again = app
        .post(
            "/api/v1/auth/wechat",
            None,
            json!({"code": "ok-openid-alice-2"}),
        )
        .await;
    again.expect(200, None);
    assert_ne!(again.body["user"]["id"], r.body["user"]["id"]);
});

on_both!(wechat_errors_map_to_clear_answers, |app| {
    let cases = [
        ("invalid", 400, "wechat_code_invalid"),
        ("ratelimit", 429, "wechat_rate_limited"),
        ("busy", 502, "upstream_error"),
        ("garbage", 502, "upstream_error"),
        ("http500", 502, "upstream_error"),
        ("slow", 504, "upstream_timeout"),
    ];
    for (code, status, expected) in cases {
        let r = app
            .post("/api/v1/auth/wechat", None, json!({"code": code}))
            .await;
        r.expect(status, Some(expected));
        assert!(
            !r.text.contains("wx-test-secret"),
            "secret leaked: {}",
            r.text
        );
    }
    // A code used twice: the second exchange fails with 40163.
    app.post("/api/v1/auth/wechat", None, json!({"code": "ok-bob"}))
        .await
        .expect(200, None);
    let r = app
        .post("/api/v1/auth/wechat", None, json!({"code": "ok-bob"}))
        .await;
    r.expect(400, Some("wechat_code_used"));
    assert_eq!(r.body["field"], "code");
    // Rate limited answers carry Retry-After.
    let r = app
        .post("/api/v1/auth/wechat", None, json!({"code": "ratelimit"}))
        .await;
    assert!(r.header("retry-after").is_some());
    // Bad code values never reach WeChat.
    let before = app.wechat.log.lock().unwrap().requests.len();
    app.post("/api/v1/auth/wechat", None, json!({"code": ""}))
        .await
        .expect(422, Some("validation_failed"));
    app.post("/api/v1/auth/wechat", None, json!({"code": "a b"}))
        .await
        .expect(422, Some("validation_failed"));
    app.post(
        "/api/v1/auth/wechat",
        None,
        json!({"code": "x".repeat(200)}),
    )
    .await
    .expect(422, Some("validation_failed"));
    assert_eq!(app.wechat.log.lock().unwrap().requests.len(), before);
});

#[actix_web::test]
async fn unreachable_wechat_is_a_502() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.wechat_api_base = "http://127.0.0.1:9".into()
    })
    .await;
    let r = app
        .post("/api/v1/auth/wechat", None, json!({"code": "ok-x"}))
        .await;
    r.expect(502, Some("upstream_error"));
}

on_both!(refresh_rotates_and_reuse_revokes_the_family, |app| {
    let login = app
        .post("/api/v1/auth/wechat", None, json!({"code": "ok-carol"}))
        .await;
    login.expect(200, None);
    let first = login.body["refresh_token"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first}),
        )
        .await;
    r.expect(200, None);
    let second = r.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    app.get("/api/v1/me", r.body["access_token"].as_str())
        .await
        .expect(200, None);
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": second}),
        )
        .await;
    r.expect(200, None);
    let third = r.body["refresh_token"].as_str().unwrap().to_owned();
    // Reusing an already-rotated token: detected, and the whole family is revoked.
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first}),
        )
        .await;
    r.expect(401, Some("refresh_token_reused"));
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": third}),
        )
        .await;
    r.expect(401, Some("invalid_refresh_token"));
    // Another login of the same user is a separate family and keeps working.
    let other = app
        .post(
            "/api/v1/auth/wechat",
            None,
            json!({"code": "ok-carol-again"}),
        )
        .await;
    let r = app
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": other.body["refresh_token"]}),
        )
        .await;
    r.expect(200, None);
    // Unknown tokens.
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": "nope"}),
    )
    .await
    .expect(401, Some("invalid_refresh_token"));
    // Refresh tokens are stored hashed only.
    use diesel::{QueryDsl, RunQueryDsl};
    let mut conn = app.db.conn();
    let hashes: Vec<String> = linli::db::schema::refresh_tokens::table
        .select(linli::db::schema::refresh_tokens::token_hash)
        .load(&mut conn)
        .unwrap();
    assert!(!hashes.contains(&second) && hashes.iter().all(|h| h.len() == 64));
});

on_both!(logout_ends_the_refresh_family, |app| {
    let login = app.dev_login("leaver", "resident").await;
    let token = login["refresh_token"].as_str().unwrap();
    app.post("/api/v1/auth/logout", None, json!({"refresh_token": token}))
        .await
        .expect(204, None);
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": token}),
    )
    .await
    .expect(401, Some("invalid_refresh_token"));
    // Logging out an unknown token is fine.
    app.post(
        "/api/v1/auth/logout",
        None,
        json!({"refresh_token": "unknown"}),
    )
    .await
    .expect(204, None);
});

#[actix_web::test]
async fn dev_login_exists_only_when_enabled() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.dev_login = false).await;
    let r = app
        .post("/api/v1/auth/dev", None, json!({"openid": "x"}))
        .await;
    r.expect(404, Some("not_found"));
}

#[test]
fn dev_login_is_refused_in_production_mode() {
    let mut c = linli::config::Config::defaults();
    c.environment = linli::config::Environment::Production;
    c.jwt_secret = linli::config::Secret::new("p".repeat(48));
    c.wechat_appid = "wx".into();
    c.wechat_secret = linli::config::Secret::new("s");
    c.pii_key = linli::config::Secret::new(crate::support::PII_KEY_1);
    c.pii_index_key = linli::config::Secret::new(crate::support::PII_INDEX_KEY);
    c.dev_login = true;
    let err = c.finalize().unwrap_err().to_string();
    assert!(err.contains("LINLI_DEV_LOGIN"), "{err}");
}

on_both!(binding_a_household_with_the_card, |app| {
    app.seed_demo();
    let token = app.token("binder", "resident").await;
    let code = linli::places::seed::demo_check_codes(1).remove(0);
    // Wrong check code and unknown card look the same.
    let wrong = app
        .post(
            "/api/v1/me/household",
            Some(&token),
            json!({"card_number": "JC00001", "check_code": "ZZZZZZ"}),
        )
        .await;
    wrong.expect(404, Some("card_not_found"));
    let missing = app
        .post(
            "/api/v1/me/household",
            Some(&token),
            json!({"card_number": "JC99999", "check_code": code}),
        )
        .await;
    missing.expect(404, Some("card_not_found"));
    assert_eq!(wrong.body["message"], missing.body["message"]);
    // Right pair (typed in lower case, with spaces) asks to join; approved, it binds.
    let me = app
        .bind_and_approve(&token, " jc00001 ", &code.to_lowercase())
        .await;
    assert_eq!(me["membership"]["status"], "active");
    assert_eq!(me["membership"]["role"], "member");
    let household = &me["household"];
    assert_eq!(household["card_number"], "JC00001");
    assert_eq!(household["address"]["community"]["name"], "东街社区");
    assert_eq!(household["address"]["compound"]["name"], "天和人家");
    assert_eq!(household["address"]["building"]["name"], "1号楼");
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.body["household"]["id"], household["id"]);
    // Unbind.
    app.request(
        reqwest::Method::DELETE,
        "/api/v1/me/household",
        Some(&token),
        None,
        &[],
    )
    .await
    .expect(204, None);
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.body["household"], serde_json::Value::Null);
});
