//! Staff issue, reissue and revoke cards: an old QR code fails at once, a household holds one
//! active card.

use serde_json::json;

use super::*;
use crate::on_both;

on_both!(reissued_and_revoked_cards_old_qr_fails, |app| {
    app.seed_demo();
    let staff = app.token("card-staff", "staff").await;
    let resident = app.token("card-resident", "resident").await;
    let old = code(5);
    app.get(&lookup_path("JC00005", &old), None)
        .await
        .expect(200, None);
    // Residents cannot administer cards.
    app.post("/api/v1/cards/JC00005/reissue", Some(&resident), json!({}))
        .await
        .expect(403, Some("forbidden"));
    let r = app
        .post("/api/v1/cards/JC00005/reissue", Some(&staff), json!({}))
        .await;
    r.expect(200, None);
    let new = r.body["check_code"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(new.len(), 6);
    assert_eq!(r.body["card_number"], "JC00005");
    // The old QR fails at once (this process's cache moved with the edit), the new one works,
    // binding with the old code fails too.
    app.get(&lookup_path("JC00005", &old), None)
        .await
        .expect(404, Some("card_not_found"));
    app.get(&lookup_path("JC00005", &new), None)
        .await
        .expect(200, None);
    app.post(
        "/api/v1/me/household",
        Some(&resident),
        json!({"card_number": "JC00005", "check_code": old}),
    )
    .await
    .expect(404, Some("card_not_found"));

    // Revoke: the current code stops working; a second revoke or a reissue is refused.
    app.post("/api/v1/cards/JC00005/revoke", Some(&staff), json!({}))
        .await
        .expect(200, None);
    app.get(&lookup_path("JC00005", &new), None)
        .await
        .expect(404, Some("card_not_found"));
    app.post("/api/v1/cards/JC00005/revoke", Some(&staff), json!({}))
        .await
        .expect(409, Some("card_not_active"));
    app.post("/api/v1/cards/JC00005/reissue", Some(&staff), json!({}))
        .await
        .expect(409, Some("card_not_active"));
    app.post("/api/v1/cards/JC77777/revoke", Some(&staff), json!({}))
        .await
        .expect(404, Some("not_found"));

    // A new card for the household: the next number, a random code; a second is refused.
    let r = app
        .post("/api/v1/cards", Some(&staff), json!({"household_id": 5}))
        .await;
    r.expect(201, None);
    assert_eq!(r.body["card_number"], "JC10001");
    assert_eq!(r.header("location"), Some("/api/v1/cards/JC10001"));
    let fresh = r.body["check_code"].as_str().unwrap().to_owned();
    app.get(&lookup_path("JC10001", &fresh), None)
        .await
        .expect(200, None);
    app.post("/api/v1/cards", Some(&staff), json!({"household_id": 5}))
        .await
        .expect(409, Some("household_has_active_card"));
    app.post(
        "/api/v1/cards",
        Some(&staff),
        json!({"household_id": 999999}),
    )
    .await
    .expect(422, Some("validation_failed"));
    let r = app.get("/api/v1/cards?household_id=5", Some(&staff)).await;
    r.expect(200, None);
    assert_eq!(r.body["total"], 2);
    let statuses: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["revoked", "active"]);
});
