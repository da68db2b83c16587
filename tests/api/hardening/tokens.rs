//! Tokens: a retried refresh gets the same pair; expired access tokens get no leeway to speak
//! of.

use chrono::Duration;

use super::*;

async fn refresh(app: &TestApp, token: &str) -> Res {
    app.post(
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": token}),
    )
    .await
}

on_both!(refresh_is_retry_safe_within_the_grace_window, |app| {
    let login = app.dev_login("retrying-phone", "resident").await;
    let first = login["refresh_token"].as_str().unwrap().to_owned();
    let a = refresh(&app, &first).await;
    a.expect(200, None);
    // The answer was lost; the phone sends the same request again a few seconds later.
    app.clock.advance(Duration::seconds(5));
    let b = refresh(&app, &first).await;
    b.expect(200, None);
    assert_eq!(a.body["refresh_token"], b.body["refresh_token"]);
    assert_eq!(a.body["access_token"], b.body["access_token"]);
    app.get("/api/v1/me", b.body["access_token"].as_str())
        .await
        .expect(200, None);
    // After the window, presenting it again is a reuse: the family is revoked.
    app.clock.advance(Duration::seconds(30));
    refresh(&app, &first)
        .await
        .expect(401, Some("refresh_token_reused"));
    refresh(&app, a.body["refresh_token"].as_str().unwrap())
        .await
        .expect(401, Some("invalid_refresh_token"));
});

on_both!(
    refresh_replayed_after_its_successor_was_used_revokes_the_family,
    |app| {
        let login = app.dev_login("stolen-token", "resident").await;
        let first = login["refresh_token"].as_str().unwrap().to_owned();
        let second = refresh(&app, &first).await.body["refresh_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let third = refresh(&app, &second).await;
        third.expect(200, None);
        // Within the window, but the successor has moved on: this is not a lost answer.
        refresh(&app, &first)
            .await
            .expect(401, Some("refresh_token_reused"));
        refresh(&app, third.body["refresh_token"].as_str().unwrap())
            .await
            .expect(401, Some("invalid_refresh_token"));
    }
);

on_both!(
    concurrent_identical_refreshes_all_get_the_same_pair,
    |app| {
        let login = app.dev_login("racer", "resident").await;
        let token = login["refresh_token"].as_str().unwrap().to_owned();
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (http, url, token) = (
                app.http.clone(),
                format!("{}/api/v1/auth/refresh", app.base),
                token.clone(),
            );
            tasks.push(actix_web::rt::spawn(async move {
                let r = http
                    .post(url)
                    .json(&json!({"refresh_token": token}))
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                (status, r.json::<serde_json::Value>().await.unwrap())
            }));
        }
        let mut pairs = std::collections::HashSet::new();
        for t in tasks {
            let (status, body) = t.await.unwrap();
            assert_eq!(status, 200, "{body}");
            pairs.insert((
                body["access_token"].as_str().unwrap().to_owned(),
                body["refresh_token"].as_str().unwrap().to_owned(),
            ));
        }
        assert_eq!(pairs.len(), 1, "{pairs:?}");
        let (access, next) = pairs.into_iter().next().unwrap();
        app.get("/api/v1/me", Some(&access)).await.expect(200, None);
        refresh(&app, &next).await.expect(200, None);
    }
);

on_both!(
    jwt_leeway_is_a_few_seconds_a_token_expired_10_s_ago_is_refused,
    |app| {
        let login = app.dev_login("expiring", "resident").await;
        let access = login["access_token"].as_str().unwrap();
        let ttl = login["expires_in"].as_i64().unwrap();
        app.get("/api/v1/me", Some(access)).await.expect(200, None);
        app.clock.advance(Duration::seconds(ttl + 10));
        app.get("/api/v1/me", Some(access))
            .await
            .expect(401, Some("token_expired"));
    }
);
