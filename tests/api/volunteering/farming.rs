//! The points-farming scenario end to end: two accounts try every path to turn micro-wishes
//! into goods from the points supermarket, first from one household, then from two. They
//! earn nothing the rules do not allow: nothing at all within one household, at most the
//! monthly cap across two, and staff see the pair.

use diesel::prelude::*;
use linli::db::schema::communities;
use serde_json::json;

use super::*;
use crate::on_both;

/// The demo data (households with cards), long-lived tokens, a 60-point monthly cap.
async fn spawn_farm(backend: Backend) -> TestApp {
    let app = TestApp::spawn_with(backend, |c| {
        c.access_ttl_secs = 60 * 24 * 3600;
        c.wish_points_month_cap = 60;
    })
    .await;
    app.seed_demo();
    app
}

/// Staff, a team (not the demo's) with its leader, and a shop item worth 100 points.
async fn farm(app: &TestApp) -> (Ctx, String) {
    let community: i64 = communities::table
        .select(communities::id)
        .order(communities::id)
        .first(&mut app.db.conn())
        .unwrap();
    let ctx = setup_team(app, community, "邻里互助队").await;
    let r = app
        .post(
            "/api/v1/points-shop/items",
            Some(&ctx.staff),
            json!({"name": "食用油 5L", "price_points": 100, "stock": 10}),
        )
        .await;
    r.expect(201, None);
    let redeem = format!("/api/v1/points-shop/items/{}/redeem", r.body["id"]);
    (ctx, redeem)
}

async fn me_id(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/me", Some(token)).await.body["id"]
        .as_i64()
        .unwrap()
}

async fn act(app: &TestApp, id: i64, action: &str, token: &str) -> Res {
    app.post(
        &format!("/api/v1/wishes/{id}/{action}"),
        Some(token),
        json!({}),
    )
    .await
}

async fn post(app: &TestApp, token: &str) -> Res {
    app.post(
        "/api/v1/wishes",
        Some(token),
        json!({"title": "帮忙取快递"}),
    )
    .await
}

async fn balance(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/me/points", Some(token)).await.body["balance"]
        .as_i64()
        .unwrap()
}

on_both!(
    farming_within_one_household_earns_nothing,
    spawn = spawn_farm,
    |app| {
        let (ctx, redeem) = farm(&app).await;
        // Two phones of one flat.
        let a = app.resident("farm-a", 1).await;
        let b = app.resident("farm-b", 1).await;
        let b_id = me_id(&app, &b).await;
        let wish = post(&app, &a).await.body["id"].as_i64().unwrap();
        // Path 1: join a team and claim at once: the membership is only pending.
        app.post(
            &format!("/api/v1/teams/{}/join", ctx.team_id),
            Some(&b),
            json!({}),
        )
        .await
        .expect(200, None);
        act(&app, wish, "claim", &b)
            .await
            .expect(403, Some("volunteer_required"));
        // Path 2: approved, but the poster is of the same household.
        app.post(
            &format!("/api/v1/teams/{}/members/{b_id}/approve", ctx.team_id),
            Some(&ctx.leader),
            json!({}),
        )
        .await
        .expect(200, None);
        act(&app, wish, "claim", &b)
            .await
            .expect(422, Some("same_household"));
        // Path 3: the poster claims the wish themselves.
        act(&app, wish, "claim", &a)
            .await
            .expect(422, Some("cannot_claim_own_wish"));
        // Path 4: fulfil or confirm a wish nobody claimed.
        act(&app, wish, "fulfil", &b)
            .await
            .expect(409, Some("wish_not_claimed_by_you"));
        act(&app, wish, "confirm", &a)
            .await
            .expect(409, Some("wish_not_fulfilled"));
        // Path 5: the automatic confirmation has nothing to pay.
        let later = app.clock.now_naive() + chrono::Duration::days(30);
        linli::volunteering::model::wishes::auto_confirm(&mut app.db.conn(), later, 60).unwrap();
        for t in [&a, &b] {
            assert_eq!(balance(&app, t).await, 0);
            app.post(&redeem, Some(t), json!({"quantity": 1}))
                .await
                .expect(422, Some("insufficient_points"));
        }
        assert_ledger_matches(&mut app.db.conn());
    }
);

on_both!(
    farming_across_two_households_earns_at_most_the_monthly_cap_and_is_reported,
    spawn = spawn_farm,
    |app| {
        let (ctx, redeem) = farm(&app).await;
        let c = app.resident("farm-c", 2).await;
        let d = app.resident("farm-d", 3).await;
        let (c_id, d_id) = (me_id(&app, &c).await, me_id(&app, &d).await);
        join_and_approve(&app, &ctx, &d, d_id).await;
        // Path 1: post many wishes and claim them all at once: 5 posted, 3 claimed.
        let mut posted = Vec::new();
        for _ in 0..7 {
            let r = post(&app, &c).await;
            if r.status == 201 {
                posted.push(r.body["id"].as_i64().unwrap());
            } else {
                r.expect(422, Some("wish_post_limit_reached"));
            }
        }
        assert_eq!(posted.len(), 5);
        let mut claimed = Vec::new();
        for id in &posted {
            let r = act(&app, *id, "claim", &d).await;
            if r.status == 200 {
                claimed.push(*id);
            } else {
                r.expect(422, Some("wish_claim_limit_reached"));
            }
        }
        assert_eq!(claimed.len(), 3);
        // Path 2: give a claim back and take it again: the count is the same.
        act(&app, claimed[0], "release", &d).await.expect(200, None);
        act(&app, claimed[0], "claim", &d).await.expect(200, None);
        act(&app, posted[3], "claim", &d)
            .await
            .expect(422, Some("wish_claim_limit_reached"));
        // Path 3: fulfil and confirm everything, twice over; the monthly cap stops the pay.
        let mut done = 0;
        while done < posted.len() {
            let id = posted[done];
            if !claimed.contains(&id) {
                act(&app, id, "claim", &d).await.expect(200, None);
            }
            act(&app, id, "fulfil", &d).await.expect(200, None);
            act(&app, id, "confirm", &c).await.expect(200, None);
            act(&app, id, "confirm", &c)
                .await
                .expect(409, Some("wish_not_fulfilled"));
            done += 1;
        }
        assert_eq!(balance(&app, &d).await, 60, "capped at 60 a month");
        // Path 4: the other way round, C becomes a volunteer and claims D's wishes.
        join_and_approve(&app, &ctx, &c, c_id).await;
        for _ in 0..4 {
            let id = post(&app, &d).await.body["id"].as_i64().unwrap();
            act(&app, id, "claim", &c).await.expect(200, None);
            act(&app, id, "fulfil", &c).await.expect(200, None);
            act(&app, id, "confirm", &d).await.expect(200, None);
        }
        assert_eq!(balance(&app, &c).await, 60, "capped at 60 a month");
        // Path 5: a disputed wish never pays by itself.
        let id = post(&app, &c).await.body["id"].as_i64().unwrap();
        act(&app, id, "claim", &d).await.expect(200, None);
        act(&app, id, "fulfil", &d).await.expect(200, None);
        app.post(
            &format!("/api/v1/wishes/{id}/dispute"),
            Some(&c),
            json!({"reason": "没有完成"}),
        )
        .await
        .expect(200, None);
        let later = app.clock.now_naive() + chrono::Duration::days(8);
        linli::volunteering::model::wishes::auto_confirm(&mut app.db.conn(), later, 60).unwrap();
        assert_eq!(balance(&app, &d).await, 60);
        // Neither has the 100 points the oil costs.
        for t in [&c, &d] {
            app.post(&redeem, Some(t), json!({"quantity": 1}))
                .await
                .expect(422, Some("insufficient_points"));
        }
        // Staff see the pair.
        let r = app
            .get("/api/v1/reports/wish-points", Some(&ctx.staff))
            .await;
        r.expect(200, None);
        let pair = &r.body["trading_pairs"][0];
        assert_eq!(pair["a"]["user_id"], c_id.min(d_id), "{}", r.text);
        assert_eq!(pair["b"]["user_id"], c_id.max(d_id));
        assert_eq!(pair["wishes"], 9);
        assert_eq!(pair["points"], 120);
        assert_ledger_matches(&mut app.db.conn());
    }
);
