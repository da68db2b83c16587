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
        first.expect(202, None);
        assert!(first.header("idempotent-replayed").is_none());
        // Undo the work, then retry with the same key: the stored answer comes back and the
        // binding is not made again.
        unbind(&app, &token).await;
        let retry = bind(&app, &token, body, &KEY).await;
        retry.expect(202, None);
        assert_eq!(retry.body, first.body);
        assert_eq!(retry.header("idempotent-replayed"), Some("true"));
        assert_eq!(retry.header("content-type"), Some("application/json"));
        let me = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(
            me.body["membership"],
            serde_json::Value::Null,
            "the retry must not ask again"
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
    r.expect(202, None);
    assert!(r.header("idempotent-replayed").is_none());
});

// Failed answers are not kept: the request did nothing, so a retry runs afresh.
on_both!(idempotency_rows_failed_answers_are_not_kept, |app| {
    use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
    use linli::db::schema::idempotency_keys as ik;
    let Keyed { token, .. } = bound_once(&app).await;
    unbind(&app, &token).await;
    let bad = json!({"card_number": "JC00003", "check_code": "WRONG1"});
    let k2 = [("Idempotency-Key", "bind-2")];
    bind(&app, &token, bad.clone(), &k2)
        .await
        .expect(404, Some("card_not_found"));
    let kept: i64 = ik::table
        .filter(ik::idem_key.eq("bind-2"))
        .count()
        .get_result(&mut app.db.conn())
        .unwrap();
    assert_eq!(kept, 0, "a failed answer is not stored");
    let r = bind(&app, &token, bad, &k2).await;
    r.expect(404, Some("card_not_found"));
    assert!(r.header("idempotent-replayed").is_none());
    // The corrected request may use the same key.
    let code = linli::places::seed::demo_check_codes(3).pop().unwrap();
    let good = json!({"card_number": "JC00003", "check_code": code});
    let r = bind(&app, &token, good.clone(), &k2).await;
    r.expect(202, None);
    let r = bind(&app, &token, good, &k2).await;
    r.expect(202, None);
    assert_eq!(r.header("idempotent-replayed"), Some("true"));
});

// One account keeps at most LINLI_IDEMPOTENCY_MAX_KEYS keys: the oldest answered go first.
on_both!(
    idempotency_rows_are_capped_per_account,
    spawn = spawn_with_three_keys,
    |app| {
        use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
        use linli::db::schema::idempotency_keys as ik;
        let token = app.token("many-keys", "resident").await;
        for i in 0..6 {
            let key = format!("read-all-{i}");
            app.request(
                Method::POST,
                "/api/v1/me/notifications/read-all",
                Some(&token),
                None,
                &[("Idempotency-Key", &key)],
            )
            .await;
        }
        let keys: Vec<String> = ik::table
            .select(ik::idem_key)
            .order(ik::idem_key.asc())
            .load(&mut app.db.conn())
            .unwrap();
        assert_eq!(keys, ["read-all-3", "read-all-4", "read-all-5"]);
        let r = app
            .request(
                Method::POST,
                "/api/v1/me/notifications/read-all",
                Some(&token),
                None,
                &[("Idempotency-Key", "read-all-5")],
            )
            .await;
        assert_eq!(r.header("idempotent-replayed"), Some("true"), "{r:?}");
    }
);

async fn spawn_with_three_keys(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |c| c.idempotency_max_keys = 3).await
}

// The sweeper purges expired keys in batches and keeps the live ones.
on_both!(idempotency_rows_expired_are_purged_in_batches, |app| {
    use diesel::{Connection, ExpressionMethods, QueryDsl, RunQueryDsl};
    use linli::db::schema::idempotency_keys as ik;
    let now = app.clock.now_naive();
    let mut conn = app.db.conn();
    // 1,100 expired keys (three batches) and 10 live ones.
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        for i in 0..1110 {
            let expires = if i < 1100 {
                now - chrono::Duration::hours(6)
            } else {
                now + chrono::Duration::hours(6)
            };
            diesel::insert_into(ik::table)
                .values((
                    ik::principal.eq("u:1"),
                    ik::idem_key.eq(format!("k{i}")),
                    ik::request_hash.eq("h"),
                    ik::response_status.eq(Some(200)),
                    ik::created_at.eq(now - chrono::Duration::hours(30)),
                    ik::locked_until.eq(now - chrono::Duration::hours(30)),
                    ik::expires_at.eq(expires),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
    .unwrap();
    let purged = linli::http::idempotency::purge_expired(&mut conn, now).unwrap();
    assert_eq!(purged, 1100);
    let left: i64 = ik::table.count().get_result(&mut conn).unwrap();
    assert_eq!(left, 10);
});

// Expired keys may be reused: after 25 hours the same key runs afresh.
on_both!(an_expired_key_runs_afresh, |app| {
    let Keyed { token, body, .. } = bound_once(&app).await;
    unbind(&app, &token).await;
    app.clock.advance(chrono::Duration::hours(25));
    let fresh = app.token("idem", "resident").await;
    let r = bind(&app, &fresh, body, &KEY).await;
    r.expect(202, None);
    assert!(r.header("idempotent-replayed").is_none());
    let me = app.get("/api/v1/me", Some(&fresh)).await;
    assert_eq!(me.body["membership"]["status"], "pending");
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
