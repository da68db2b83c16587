//! Staff are told when a card is locked after 5 wrong codes: one notice in the inbox of each
//! staff member of the card's community, once per lock (not per attempt); an unknown card's
//! lock goes to every staff member.

use serde_json::Value;

use super::*;

async fn locked_notices(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app
        .get("/api/v1/me/notifications?per_page=100", Some(token))
        .await;
    r.expect(200, None);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "card.locked")
        .cloned()
        .collect()
}

on_both!(card_lock_notice_staff_are_told_once_per_lock, |app| {
    app.seed_demo();
    // A staff member living in the card's building (so its community), one living nowhere.
    let here = app.token("lock-staff-here", "staff").await;
    app.bind_and_approve(&here, &linli::places::seed::card_number(2), &code(2))
        .await;
    let elsewhere = app.token("lock-staff-elsewhere", "staff").await;
    let guessers = [
        app.token("lock-guess-a", "resident").await,
        app.token("lock-guess-b", "resident").await,
    ];
    let card = linli::places::seed::card_number(1);
    for i in 0..5 {
        app.post(
            "/api/v1/me/household",
            Some(&guessers[i % 2]),
            bind_body(&card, &wrong_code(1)),
        )
        .await
        .expect(404, Some("card_not_found"));
    }
    // Further attempts while locked tell nobody again.
    for g in &guessers {
        app.post("/api/v1/me/household", Some(g), bind_body(&card, &code(1)))
            .await
            .expect(429, Some("rate_limited"));
    }
    let told = locked_notices(&app, &here).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["data"]["card_number"], card.as_str());
    assert!(told[0]["title"].as_str().unwrap().contains("锁定"));
    assert!(told[0]["data"]["locked_until"].is_string());
    assert!(locked_notices(&app, &elsewhere).await.is_empty());
    assert!(locked_notices(&app, &guessers[0]).await.is_empty());
    // The lock ends; a new lock is a new notice.
    app.clock.advance(chrono::Duration::minutes(61));
    let here = app.token("lock-staff-here", "staff").await;
    let elsewhere = app.token("lock-staff-elsewhere", "staff").await;
    let fresh = app.token("lock-guess-c", "resident").await;
    for _ in 0..5 {
        app.post(
            "/api/v1/me/household",
            Some(&fresh),
            bind_body(&card, &wrong_code(1)),
        )
        .await;
    }
    assert_eq!(locked_notices(&app, &here).await.len(), 2);
    // A card nobody has: every staff member hears of it.
    let unknown = linli::places::seed::card_number(99_999);
    let other = app.token("lock-guess-d", "resident").await;
    for _ in 0..5 {
        app.post(
            "/api/v1/me/household",
            Some(&other),
            bind_body(&unknown, &wrong_code(1)),
        )
        .await
        .expect(404, Some("card_not_found"));
    }
    let told = locked_notices(&app, &elsewhere).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["data"]["card_number"], unknown.as_str());
});
