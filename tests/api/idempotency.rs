//! `Idempotency-Key`: a retry gets the first answer without the work being done again.

use reqwest::Method;
use serde_json::{json, Value};

use crate::on_both;
use crate::support::*;

/// A resident (`idem`) who bound household 1 with card JC00001 under the key `bind-1`: their
/// token, the request's body and the first answer.
struct Keyed {
    token: String,
    body: Value,
    first: Res,
}

const KEY: [(&str, &str); 1] = [("Idempotency-Key", "bind-1")];

async fn bind(app: &TestApp, token: &str, body: Value, headers: &[(&str, &str)]) -> Res {
    app.request(
        Method::POST,
        "/api/v1/me/household",
        Some(token),
        Some(body),
        headers,
    )
    .await
}

async fn bound_once(app: &TestApp) -> Keyed {
    app.seed_demo();
    let token = app.token("idem", "resident").await;
    let code = linli::places::seed::demo_check_codes(1).remove(0);
    let body = json!({"card_number": "JC00001", "check_code": code});
    let first = bind(app, &token, body.clone(), &KEY).await;
    Keyed { token, body, first }
}

/// Undo the binding (so doing the work again would show).
async fn unbind(app: &TestApp, token: &str) {
    app.request(
        Method::DELETE,
        "/api/v1/me/household",
        Some(token),
        None,
        &[],
    )
    .await
    .expect(204, None);
}

on_both!(
    a_retry_replays_the_first_answer_without_doing_the_work_again,
    |app| {
        let Keyed { token, body, first } = bound_once(&app).await;
        first.expect(200, None);
        assert!(first.header("idempotent-replayed").is_none());
        // Undo the work, then retry with the same key: the stored answer comes back and the
        // binding is not made again.
        unbind(&app, &token).await;
        let retry = bind(&app, &token, body, &KEY).await;
        retry.expect(200, None);
        assert_eq!(retry.body, first.body);
        assert_eq!(retry.header("idempotent-replayed"), Some("true"));
        assert_eq!(retry.header("content-type"), Some("application/json"));
        let me = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(
            me.body["household"],
            serde_json::Value::Null,
            "the retry must not bind again"
        );
    }
);

on_both!(
    a_key_reused_for_another_body_or_too_long_is_refused,
    |app| {
        let Keyed { token, body, .. } = bound_once(&app).await;
        // Same key, different body → 422.
        let other = json!({"card_number": "JC00002", "check_code": "AAAAAA"});
        bind(&app, &token, other, &KEY)
            .await
            .expect(422, Some("idempotency_key_reused"));
        let long = "k".repeat(256);
        bind(&app, &token, body, &[("Idempotency-Key", long.as_str())])
            .await
            .expect(400, Some("invalid_idempotency_key"));
    }
);

// Keys belong to their user: another user's same key does its own work.
on_both!(keys_belong_to_their_user, |app| {
    let Keyed { body, .. } = bound_once(&app).await;
    let token_b = app.token("idem-b", "resident").await;
    let r = bind(&app, &token_b, body, &KEY).await;
    r.expect(200, None);
    assert!(r.header("idempotent-replayed").is_none());
});

// Error answers are kept too (the same request would fail the same way).
on_both!(error_answers_are_replayed_too, |app| {
    let Keyed { token, .. } = bound_once(&app).await;
    let bad = json!({"card_number": "JC00003", "check_code": "WRONG1"});
    let k2 = [("Idempotency-Key", "bind-2")];
    bind(&app, &token, bad.clone(), &k2)
        .await
        .expect(404, Some("card_not_found"));
    let r = bind(&app, &token, bad, &k2).await;
    r.expect(404, Some("card_not_found"));
    assert_eq!(r.header("idempotent-replayed"), Some("true"));
});

// Expired keys may be reused: after 25 hours the same key runs afresh.
on_both!(an_expired_key_runs_afresh, |app| {
    let Keyed { token, body, .. } = bound_once(&app).await;
    unbind(&app, &token).await;
    app.clock.advance(chrono::Duration::hours(25));
    let fresh = app.token("idem", "resident").await;
    let r = bind(&app, &fresh, body, &KEY).await;
    r.expect(200, None);
    assert!(r.header("idempotent-replayed").is_none());
    let me = app.get("/api/v1/me", Some(&fresh)).await;
    assert_eq!(me.body["household"]["card_number"], "JC00001");
});

on_both!(a_key_still_in_flight_answers_409, |app| {
    use diesel::{ExpressionMethods, RunQueryDsl};
    use linli::db::schema::idempotency_keys as ik;
    let login = app.dev_login("inflight", "resident").await;
    let token = login["access_token"].as_str().unwrap();
    let user = login["user"]["id"].as_i64().unwrap();
    // Another server process has claimed this key and is still working on it.
    let now = app.clock.now_naive();
    let mut conn = app.db.conn();
    diesel::insert_into(ik::table)
        .values((
            ik::principal.eq(format!("u:{user}")),
            ik::idem_key.eq("busy-key"),
            ik::request_hash.eq("any"),
            ik::created_at.eq(now),
            ik::locked_until.eq(now + chrono::Duration::seconds(60)),
            ik::expires_at.eq(now + chrono::Duration::hours(24)),
        ))
        .execute(&mut conn)
        .unwrap();
    // The claim is for the same request (the hash covers method, path, query and body).
    let hash = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"POST /api/v1/me/household?\n");
        h.update(
            serde_json::to_vec(&json!({"card_number": "JC00001", "check_code": "AAAAAA"})).unwrap(),
        );
        hex::encode(h.finalize())
    };
    diesel::update(ik::table)
        .set(ik::request_hash.eq(&hash))
        .execute(&mut conn)
        .unwrap();
    let r = app
        .request(
            Method::POST,
            "/api/v1/me/household",
            Some(token),
            Some(json!({"card_number": "JC00001", "check_code": "AAAAAA"})),
            &[("Idempotency-Key", "busy-key")],
        )
        .await;
    r.expect(409, Some("idempotency_in_progress"));
    assert!(r.header("retry-after").is_some());
    // Once the claim's lock lapses (the first attempt died), a retry takes it over.
    app.clock.advance(chrono::Duration::seconds(61));
    let token = app.token("inflight", "resident").await;
    let r = app
        .request(
            Method::POST,
            "/api/v1/me/household",
            Some(&token),
            Some(json!({"card_number": "JC00001", "check_code": "AAAAAA"})),
            &[("Idempotency-Key", "busy-key")],
        )
        .await;
    r.expect(404, Some("card_not_found"));
});
