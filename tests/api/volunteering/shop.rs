//! The points supermarket: staff stock it; residents redeem points for items (never more than
//! the stock or their balance); staff hand items over once; restocking and withdrawing items.

use reqwest::Method;
use serde_json::json;

use super::*;
use crate::on_both;

/// A towel at 30 points, two in stock, and Alice, who has no points yet.
struct Shelf {
    ctx: Ctx,
    alice: String,
    alice_id: i64,
    item: i64,
    redeem: String,
}

async fn shelf(app: &TestApp) -> Shelf {
    let ctx = setup(app).await;
    let (alice, alice_id) = user(app, "shop-alice").await;
    let r = app
        .post(
            "/api/v1/points-shop/items",
            Some(&ctx.staff),
            json!({"name": "毛巾", "description": "纯棉", "price_points": 30, "stock": 2}),
        )
        .await;
    r.expect(201, None);
    let item = r.body["id"].as_i64().unwrap();
    Shelf {
        ctx,
        alice,
        alice_id,
        item,
        redeem: format!("/api/v1/points-shop/items/{item}/redeem"),
    }
}

/// Alice gets 100 points and redeems one towel; the answer.
async fn alice_redeems_one(app: &TestApp, s: &Shelf) -> Res {
    give_points(app, &s.ctx.staff, s.alice_id, 100).await;
    app.post(&s.redeem, Some(&s.alice), json!({"quantity": 1}))
        .await
}

on_both!(only_staff_put_items_on_the_shelves, |app| {
    let ctx = setup(&app).await;
    let (alice, _) = user(&app, "shop-alice").await;
    app.post(
        "/api/v1/points-shop/items",
        Some(&alice),
        json!({"name": "毛巾", "price_points": 30, "stock": 2}),
    )
    .await
    .expect(403, Some("forbidden"));
    app.post(
        "/api/v1/points-shop/items",
        Some(&ctx.staff),
        json!({"name": "毛巾", "description": "纯棉", "price_points": 30, "stock": 2}),
    )
    .await
    .expect(201, None);
});

on_both!(
    a_redemption_takes_the_points_and_the_stock_or_neither,
    |app| {
        let s = shelf(&app).await;
        let (alice, redeem) = (&s.alice, &s.redeem);
        let r = app.post(redeem, Some(alice), json!({})).await;
        r.expect(422, Some("insufficient_points"));
        assert_eq!(r.body["details"]["needed"], 30);
        let r = app.get("/api/v1/points-shop/items", Some(alice)).await;
        assert_eq!(
            r.body["items"][0]["stock"], 2,
            "a refused redemption takes no stock"
        );
        let r = alice_redeems_one(&app, &s).await;
        r.expect(201, None);
        let code = r.body["pickup_code"].as_str().unwrap().to_owned();
        assert_eq!(code.len(), 8);
        assert_eq!(r.body["status"], "pending");
        assert_eq!(r.body["points"], 30);
        let redemption_id = r.body["id"].as_i64().unwrap();
        let r = app.get("/api/v1/me/points", Some(alice)).await;
        assert_eq!(r.body["balance"], 70);
        let r = app.get("/api/v1/me/points/ledger", Some(alice)).await;
        assert_eq!(
            r.body["items"][0]["reference"],
            format!("redemption:{redemption_id}")
        );
        assert_eq!(r.body["items"][0]["amount"], -30);
        let r = app.post(redeem, Some(alice), json!({"quantity": 2})).await;
        r.expect(409, Some("out_of_stock"));
        assert_eq!(r.body["details"]["stock"], 1);
        app.post(redeem, Some(alice), json!({"quantity": 11}))
            .await
            .expect(422, Some("validation_failed"));
    }
);

on_both!(staff_hand_a_redemption_over_once, |app| {
    let s = shelf(&app).await;
    let (alice, staff) = (&s.alice, &s.ctx.staff);
    let r = alice_redeems_one(&app, &s).await;
    r.expect(201, None);
    let code = r.body["pickup_code"].as_str().unwrap().to_owned();
    let collect = "/api/v1/points-shop/redemptions/collect";
    app.post(collect, Some(alice), json!({"pickup_code": code}))
        .await
        .expect(403, Some("forbidden"));
    app.post(collect, Some(staff), json!({"pickup_code": "ZZZZZZZZ"}))
        .await
        .expect(404, Some("pickup_code_not_found"));
    let r = app
        .post(
            collect,
            Some(staff),
            json!({"pickup_code": code.to_lowercase()}),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["status"], "collected");
    app.post(collect, Some(staff), json!({"pickup_code": code}))
        .await
        .expect(409, Some("redemption_already_collected"));
    let r = app.get("/api/v1/me/redemptions", Some(alice)).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["item_name"], "毛巾");
    assert_eq!(r.body["items"][0]["status"], "collected");
});

on_both!(staff_restock_and_withdraw_items, |app| {
    let s = shelf(&app).await;
    let (alice, staff, item) = (&s.alice, &s.ctx.staff, s.item);
    alice_redeems_one(&app, &s).await.expect(201, None);
    let r = app
        .post(
            &format!("/api/v1/points-shop/items/{item}/restock"),
            Some(staff),
            json!({"quantity": 5}),
        )
        .await;
    assert_eq!(r.body["stock"], 6);
    let r = app
        .request(
            Method::PATCH,
            &format!("/api/v1/points-shop/items/{item}"),
            Some(staff),
            Some(json!({"active": false})),
            &[],
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["active"], false);
    app.post(&s.redeem, Some(alice), json!({}))
        .await
        .expect(409, Some("item_unavailable"));
    let r = app.get("/api/v1/points-shop/items", Some(alice)).await;
    assert_eq!(r.body["total"], 0);
    let r = app
        .get(
            "/api/v1/points-shop/items?include_inactive=true",
            Some(staff),
        )
        .await;
    assert_eq!(r.body["total"], 1);
    assert_ledger_matches(&mut app.db.conn());
});
