//! Points that cannot be farmed: team memberships wait for a leader; only approved members
//! claim wishes and earn hours; caps on open claims and open wishes hold under races; a
//! dispute stops the automatic confirmation and staff settle it (audited); wish points are
//! capped per month and reported; staff never act on their own account, and large
//! adjustments need a second staff member.

use chrono::Duration;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::json;

use super::*;
use crate::on_both;

/// Long-lived tokens, and the caps these tests reach quickly: 2 open wishes per poster,
/// 40 wish points per month.
async fn spawn_capped(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |c| {
        c.access_ttl_secs = 60 * 24 * 3600;
        c.wish_open_posts_max = 2;
        c.wish_points_month_cap = 40;
    })
    .await
}

/// `POST /api/v1/wishes/{id}/{action}` as `token` with `body`.
async fn wish_act(app: &TestApp, id: i64, action: &str, token: &str, body: Value) -> Res {
    app.post(&format!("/api/v1/wishes/{id}/{action}"), Some(token), body)
        .await
}

/// A wish posted by `token`; its id.
async fn post_wish(app: &TestApp, token: &str, title: &str) -> i64 {
    let r = app
        .post("/api/v1/wishes", Some(token), json!({ "title": title }))
        .await;
    r.expect(201, None);
    r.body["id"].as_i64().unwrap()
}

/// A wish posted by `poster`, claimed and fulfilled by `claimer`; its id.
async fn fulfilled_wish(app: &TestApp, poster: &str, claimer: &str, title: &str) -> i64 {
    let id = post_wish(app, poster, title).await;
    wish_act(app, id, "claim", claimer, json!({}))
        .await
        .expect(200, None);
    wish_act(app, id, "fulfil", claimer, json!({}))
        .await
        .expect(200, None);
    id
}

async fn balance(app: &TestApp, token: &str) -> i64 {
    let r = app.get("/api/v1/me/points", Some(token)).await;
    r.expect(200, None);
    r.body["balance"].as_i64().unwrap()
}

fn auto_confirm_at(app: &TestApp, later: Duration) -> usize {
    linli::volunteering::model::wishes::auto_confirm(
        &mut app.db.conn(),
        app.clock.now_naive() + later,
        app.state.config.wish_points_month_cap,
    )
    .unwrap()
}

on_both!(
    team_membership_is_pending_until_the_leader_approves_or_rejects,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let (alice, alice_id) = user(&app, "tm-alice").await;
        let (bob, bob_id) = user(&app, "tm-bob").await;
        let team = ctx.team_id;
        for t in [&alice, &bob] {
            let r = app
                .post(&format!("/api/v1/teams/{team}/join"), Some(t), json!({}))
                .await;
            r.expect(200, None);
            assert_eq!(r.body["my_status"], "pending");
        }
        let members = app
            .get(&format!("/api/v1/teams/{team}/members"), Some(&ctx.leader))
            .await;
        assert!(members.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["user_id"] == alice_id && m["status"] == "pending"));
        let approve = format!("/api/v1/teams/{team}/members/{alice_id}/approve");
        // Alice cannot approve herself, nor can a leader of no team.
        app.post(&approve, Some(&alice), json!({}))
            .await
            .expect(403, Some("forbidden"));
        let stranger = app.token("tm-other-leader", "team_leader").await;
        app.post(&approve, Some(&stranger), json!({}))
            .await
            .expect(403, Some("not_team_leader"));
        let r = app.post(&approve, Some(&ctx.leader), json!({})).await;
        r.expect(200, None);
        assert_eq!(r.body["member_count"], 2);
        // A retry answers the same.
        app.post(&approve, Some(&ctx.leader), json!({}))
            .await
            .expect(200, None);
        let reject = format!("/api/v1/teams/{team}/members/{bob_id}/reject");
        app.post(&reject, Some(&ctx.leader), json!({}))
            .await
            .expect(204, None);
        app.post(&reject, Some(&ctx.leader), json!({}))
            .await
            .expect(409, Some("not_team_member"));
        app.post(
            &format!("/api/v1/teams/{team}/members/{alice_id}/reject"),
            Some(&ctx.staff),
            json!({}),
        )
        .await
        .expect(409, Some("membership_not_pending"));
        let r = app.get(&format!("/api/v1/teams/{team}"), Some(&bob)).await;
        assert_eq!(r.body["my_status"], Value::Null);
    }
);

on_both!(
    only_approved_members_claim_wishes_and_earn_hours,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let (poster, _) = user(&app, "oa-poster").await;
        let (pending, pending_id) = user(&app, "oa-pending").await;
        app.post(
            &format!("/api/v1/teams/{}/join", ctx.team_id),
            Some(&pending),
            json!({}),
        )
        .await
        .expect(200, None);
        let (approved, _) = volunteer(&app, &ctx, "oa-approved").await;
        let wish = post_wish(&app, &poster, "帮忙搬米").await;
        wish_act(&app, wish, "claim", &pending, json!({}))
            .await
            .expect(403, Some("volunteer_required"));
        wish_act(&app, wish, "claim", &approved, json!({}))
            .await
            .expect(200, None);
        // Both attend an hour of an activity; only the approved member earns hours and points.
        let a = activity(&app, &ctx, 1, json!({"capacity": 5, "points_per_hour": 10})).await;
        let aid = a["id"].as_i64().unwrap();
        let mut signups = Vec::new();
        for t in [&pending, &approved] {
            let r = sign_up(&app, t, aid).await;
            r.expect(201, None);
            signups.push(r.body["id"].as_i64().unwrap());
        }
        app.clock.advance(Duration::minutes(60));
        for s in &signups {
            app.post(
                &format!("/api/v1/signups/{s}/check-in"),
                Some(&ctx.leader),
                json!({}),
            )
            .await
            .expect(200, None);
        }
        app.clock.advance(Duration::minutes(60));
        let mut minutes = Vec::new();
        for s in &signups {
            let r = app
                .post(
                    &format!("/api/v1/signups/{s}/check-out"),
                    Some(&ctx.leader),
                    json!({}),
                )
                .await;
            r.expect(200, None);
            minutes.push((
                r.body["service_minutes"].clone(),
                r.body["points_awarded"].clone(),
            ));
        }
        assert_eq!(
            minutes[0],
            (json!(0), json!(0)),
            "pending member {pending_id}"
        );
        assert_eq!(minutes[1], (json!(60), json!(10)));
        assert_eq!(balance(&app, &pending).await, 0);
        assert_eq!(balance(&app, &approved).await, 10);
    }
);

on_both!(
    a_volunteer_holds_at_most_three_open_claims_even_when_racing,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let (vol, _) = volunteer(&app, &ctx, "cap-vol").await;
        let mut wishes = Vec::new();
        for p in 0..3 {
            let (poster, _) = user(&app, &format!("cap-poster-{p}")).await;
            for k in 0..2 {
                wishes.push(post_wish(&app, &poster, &format!("心愿{p}-{k}")).await);
            }
        }
        let answers = join_all(
            wishes
                .iter()
                .map(|id| wish_act(&app, *id, "claim", &vol, json!({}))),
        )
        .await;
        let won: Vec<i64> = wishes
            .iter()
            .zip(&answers)
            .filter(|(_, r)| r.status == 200)
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(won.len(), 3, "{answers:?}");
        for r in answers.iter().filter(|r| r.status != 200) {
            r.expect(422, Some("wish_claim_limit_reached"));
            assert_eq!(r.body["details"]["max"], 3);
        }
        // Fulfilling one frees a place.
        wish_act(&app, won[0], "fulfil", &vol, json!({}))
            .await
            .expect(200, None);
        let free = wishes.iter().find(|id| !won.contains(id)).unwrap();
        wish_act(&app, *free, "claim", &vol, json!({}))
            .await
            .expect(200, None);
    }
);

on_both!(
    a_resident_posts_at_most_the_configured_open_wishes_even_when_racing,
    spawn = spawn_capped,
    |app| {
        let (poster, _) = user(&app, "posts-poster").await;
        let answers = join_all((0..6).map(|i| {
            app.post(
                "/api/v1/wishes",
                Some(&poster),
                json!({ "title": format!("心愿{i}") }),
            )
        }))
        .await;
        let posted: Vec<i64> = answers
            .iter()
            .filter(|r| r.status == 201)
            .map(|r| r.body["id"].as_i64().unwrap())
            .collect();
        assert_eq!(posted.len(), 2, "{answers:?}");
        for r in answers.iter().filter(|r| r.status != 201) {
            r.expect(422, Some("wish_post_limit_reached"));
        }
        // Withdrawing one lets the resident post again.
        wish_act(&app, posted[0], "withdraw", &poster, json!({}))
            .await
            .expect(200, None);
        post_wish(&app, &poster, "再发一个").await;
    }
);

on_both!(
    a_dispute_stops_automatic_confirmation_and_staff_settle_it_with_an_audited_reason,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let (poster, _) = user(&app, "dis-poster").await;
        let (vol, _) = volunteer(&app, &ctx, "dis-vol").await;
        let unpaid = fulfilled_wish(&app, &poster, &vol, "修水管").await;
        let paid = fulfilled_wish(&app, &poster, &vol, "修灯泡").await;
        wish_act(&app, unpaid, "dispute", &vol, json!({"reason": "x"}))
            .await
            .expect(403, Some("forbidden"));
        for id in [unpaid, paid] {
            let r = wish_act(&app, id, "dispute", &poster, json!({"reason": "还是漏水"})).await;
            r.expect(200, None);
            assert_eq!(r.body["status"], "disputed");
            assert_eq!(r.body["dispute_reason"], "还是漏水");
        }
        assert_eq!(auto_confirm_at(&app, Duration::days(8)), 0);
        assert_eq!(balance(&app, &vol).await, 0);
        let settle = |id: i64, token: String, body: Value| {
            let app = &app;
            async move { wish_act(app, id, "settle", &token, body).await }
        };
        settle(
            unpaid,
            vol.clone(),
            json!({"pay": true, "reason": "我做了"}),
        )
        .await
        .expect(403, Some("forbidden"));
        let r = settle(
            unpaid,
            ctx.staff.clone(),
            json!({"pay": false, "reason": "回访确认未修好"}),
        )
        .await;
        r.expect(200, None);
        assert_eq!(r.body["status"], "rejected");
        assert_eq!(r.body["points_paid"], 0);
        let r = settle(
            paid,
            ctx.staff.clone(),
            json!({"pay": true, "reason": "回访确认已修好"}),
        )
        .await;
        r.expect(200, None);
        assert_eq!(r.body["status"], "confirmed");
        assert_eq!(r.body["points_paid"], 20);
        settle(
            paid,
            ctx.staff.clone(),
            json!({"pay": true, "reason": "再付一次"}),
        )
        .await
        .expect(409, Some("wish_not_disputed"));
        assert_eq!(balance(&app, &vol).await, 20, "paid once");
        let log = app
            .get("/api/v1/audit-log?per_page=100", Some(&ctx.staff))
            .await;
        log.expect(200, None);
        let settled: Vec<&Value> = log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "wish.settle")
            .collect();
        assert_eq!(settled.len(), 2, "{}", log.text);
        assert!(log.text.contains("回访确认未修好"), "{}", log.text);
        assert_ledger_matches(&mut app.db.conn());
    }
);

on_both!(
    wish_points_are_capped_per_volunteer_per_month,
    spawn = spawn_capped,
    |app| {
        let ctx = setup(&app).await;
        let (vol, _) = volunteer(&app, &ctx, "capm-vol").await;
        let mut paid = Vec::new();
        for p in 0..3 {
            let (poster, _) = user(&app, &format!("capm-poster-{p}")).await;
            let id = fulfilled_wish(&app, &poster, &vol, "买菜").await;
            let r = wish_act(&app, id, "confirm", &poster, json!({})).await;
            r.expect(200, None);
            assert_eq!(r.body["status"], "confirmed");
            paid.push(r.body["points_paid"].as_i64().unwrap());
        }
        assert_eq!(paid, vec![20, 20, 0], "the cap is 40 a month");
        assert_eq!(balance(&app, &vol).await, 40);
        assert_ledger_matches(&mut app.db.conn());
    }
);

on_both!(
    staff_see_the_months_top_earners_and_pairs_that_keep_trading_wishes,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let (a, a_id) = volunteer(&app, &ctx, "rep-a").await;
        let (b, b_id) = volunteer(&app, &ctx, "rep-b").await;
        let (c, _) = user(&app, "rep-c").await;
        // A and B post for each other; C posts once for B.
        for (poster, claimer) in [(&a, &b), (&b, &a), (&a, &b), (&c, &b)] {
            let id = fulfilled_wish(&app, poster, claimer, "互助").await;
            wish_act(&app, id, "confirm", poster, json!({}))
                .await
                .expect(200, None);
        }
        let url = "/api/v1/reports/wish-points";
        app.get(url, Some(&a)).await.expect(403, Some("forbidden"));
        let r = app.get(url, Some(&ctx.staff)).await;
        r.expect(200, None);
        let top = &r.body["top_earners"];
        assert_eq!(top[0]["user"]["user_id"], b_id, "{}", r.text);
        assert_eq!(top[0]["points"], 60);
        assert_eq!(top[0]["wishes"], 3);
        assert_eq!(top[1]["user"]["user_id"], a_id);
        let pairs = r.body["trading_pairs"].as_array().unwrap();
        assert_eq!(pairs.len(), 1, "{}", r.text);
        assert_eq!(pairs[0]["a"]["user_id"], a_id.min(b_id));
        assert_eq!(pairs[0]["b"]["user_id"], a_id.max(b_id));
        assert_eq!(pairs[0]["wishes"], 3);
        app.get(&format!("{url}?month=2026-13"), Some(&ctx.staff))
            .await
            .expect(422, Some("validation_failed"));
    }
);

on_both!(
    staff_never_credit_themselves_nor_change_their_own_roles_or_flags,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let me = app.get("/api/v1/me", Some(&ctx.staff)).await.body["id"]
            .as_i64()
            .unwrap();
        app.post(
            &format!("/api/v1/users/{me}/points/adjustments"),
            Some(&ctx.staff),
            json!({"amount": 50, "note": "给自己"}),
        )
        .await
        .expect(403, Some("self_action_forbidden"));
        let put = |path: String, token: String, body: Value| {
            let app = &app;
            async move {
                app.request(Method::PUT, &path, Some(&token), Some(body), &[])
                    .await
            }
        };
        put(
            format!("/api/v1/users/{me}/party-member"),
            ctx.staff.clone(),
            json!({"is_party_member": true}),
        )
        .await
        .expect(403, Some("self_action_forbidden"));
        put(
            format!("/api/v1/teams/{}/members/{me}/role", ctx.team_id),
            ctx.staff.clone(),
            json!({"role": "leader"}),
        )
        .await
        .expect(403, Some("self_action_forbidden"));
        let admin = app.dev_login("self-admin", "admin").await;
        let admin_id = admin["user"]["id"].as_i64().unwrap();
        put(
            format!("/api/v1/users/{admin_id}/role"),
            admin["access_token"].as_str().unwrap().to_owned(),
            json!({"role": "resident"}),
        )
        .await
        .expect(403, Some("self_action_forbidden"));
        assert_eq!(balance(&app, &ctx.staff).await, 0);
    }
);

on_both!(
    an_adjustment_above_the_threshold_needs_a_second_staff_members_approval,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let second = app.dev_login("adj-second", "staff").await;
        let second_token = second["access_token"].as_str().unwrap().to_owned();
        let second_id = second["user"]["id"].as_i64().unwrap();
        let (alice, alice_id) = user(&app, "adj-alice").await;
        let r = app
            .post(
                &format!("/api/v1/users/{alice_id}/points/adjustments"),
                Some(&ctx.staff),
                json!({"amount": 800, "note": "年度表彰"}),
            )
            .await;
        r.expect(202, None);
        assert_eq!(r.body["status"], "pending");
        let req = r.body["id"].as_i64().unwrap();
        assert_eq!(balance(&app, &alice).await, 0, "nothing written yet");
        let approve = format!("/api/v1/points/adjustment-requests/{req}/approve");
        app.post(&approve, Some(&ctx.staff), json!({}))
            .await
            .expect(403, Some("second_approver_required"));
        // A request for a staff member's own points is not theirs to approve.
        let r = app
            .post(
                &format!("/api/v1/users/{second_id}/points/adjustments"),
                Some(&ctx.staff),
                json!({"amount": 900, "note": "奖励同事"}),
            )
            .await;
        let own = r.body["id"].as_i64().unwrap();
        app.post(
            &format!("/api/v1/points/adjustment-requests/{own}/approve"),
            Some(&second_token),
            json!({}),
        )
        .await
        .expect(403, Some("self_action_forbidden"));
        let r = app
            .get("/api/v1/points/adjustment-requests", Some(&second_token))
            .await;
        assert_eq!(r.body["total"], 2);
        let r = app.post(&approve, Some(&second_token), json!({})).await;
        r.expect(200, None);
        assert_eq!(r.body["status"], "approved");
        app.post(&approve, Some(&second_token), json!({}))
            .await
            .expect(200, None);
        assert_eq!(balance(&app, &alice).await, 800, "written once");
        let third = app.token("adj-third", "staff").await;
        app.post(&approve, Some(&third), json!({}))
            .await
            .expect(409, Some("adjustment_not_pending"));
        assert_ledger_matches(&mut app.db.conn());
    }
);
