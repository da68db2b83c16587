//! The points ledger: staff adjustments, never below zero, newest first, and the same
//! reference never paying twice.

use linli::volunteering::dto::points::PointsReason;
use linli::volunteering::model::points::{self, Entry};
use serde_json::json;

use super::*;
use crate::on_both;

on_both!(
    points_adjustments_keep_the_ledger_and_never_go_negative,
    |app| {
        let ctx = setup(&app).await;
        let (alice, alice_id) = user(&app, "pts-alice").await;
        let adjust = format!("/api/v1/users/{alice_id}/points/adjustments");
        app.post(
            &adjust,
            Some(&alice),
            json!({"amount": 100, "note": "自己加"}),
        )
        .await
        .expect(403, Some("forbidden"));
        let r = app
            .post(
                &adjust,
                Some(&ctx.staff),
                json!({"amount": 100, "note": "社区表彰"}),
            )
            .await;
        r.expect(201, None);
        assert_eq!(r.body["reason"], "adjustment");
        assert_eq!(r.body["note"], "社区表彰");
        app.post(
            &adjust,
            Some(&ctx.staff),
            json!({"amount": -30, "note": "更正"}),
        )
        .await
        .expect(201, None);
        let r = app
            .post(
                &adjust,
                Some(&ctx.staff),
                json!({"amount": -500, "note": "过多"}),
            )
            .await;
        r.expect(422, Some("insufficient_points"));
        assert_eq!(r.body["details"]["balance"], 70);
        let r = app
            .post(
                &adjust,
                Some(&ctx.staff),
                json!({"amount": 0, "note": "零"}),
            )
            .await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], "amount");
        let r = app
            .post(&adjust, Some(&ctx.staff), json!({"amount": 5, "note": ""}))
            .await;
        assert_eq!(r.body["field"], "note");
        app.post(
            "/api/v1/users/999999/points/adjustments",
            Some(&ctx.staff),
            json!({"amount": 5, "note": "x"}),
        )
        .await
        .expect(404, Some("not_found"));
        let r = app.get("/api/v1/me/points", Some(&alice)).await;
        assert_eq!(r.body["balance"], 70);
        let r = app
            .get("/api/v1/me/points/ledger?per_page=1", Some(&alice))
            .await;
        assert_eq!(r.body["total"], 2);
        assert_eq!(r.body["items"][0]["amount"], -30, "newest first");
        assert_ledger_matches(&mut app.db.conn());
        // The same reference never pays twice.
        let mut conn = app.db.conn();
        let now = app.clock.now_naive();
        let entry = Entry::system(alice_id, 9, PointsReason::WishFulfilled, "wish:4242");
        let pay = |conn: &mut DbConn| {
            linli::db::transaction(conn, |c| points::credit(c, &entry, now)).unwrap()
        };
        assert!(pay(&mut conn));
        assert!(!pay(&mut conn));
        let r = app.get("/api/v1/me/points", Some(&alice)).await;
        assert_eq!(r.body["balance"], 79);
        assert_ledger_matches(&mut conn);
    }
);
