//! Volunteer sign-ups: teams, activities, fair seats and waitlists, check-in, hours and
//! points, the points supermarket, micro-wishes, CSV export and the calendar feed, and the
//! races across two server processes on MySQL.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use linli::db::schema::{
    activities, communities, notifications, points_balances, points_ledger, redemptions,
    shop_items, signups, users,
};
use linli::db::DbConn;
use reqwest::Method;
use serde_json::{json, Value};

use crate::on_both;
use crate::support::*;

/// A test app whose access tokens outlive the hours and days these tests move the clock
/// forward (for `on_both!(name, spawn = spawn_long, ...)`).
async fn spawn_long(backend: Backend) -> TestApp {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_test_writer()
        .try_init();
    TestApp::spawn_with(backend, |c| c.access_ttl_secs = 60 * 24 * 3600).await
}

/// A community row (the tests do not need the 10,000 demo households).
fn add_community(conn: &mut DbConn, code: &str, name: &str) -> i64 {
    diesel::insert_into(communities::table)
        .values((
            communities::code.eq(code),
            communities::name.eq(name),
            communities::name_en.eq(code),
            communities::address.eq(name),
            communities::latitude.eq(35.33),
            communities::longitude.eq(107.36),
            communities::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(conn)
        .unwrap();
    communities::table
        .filter(communities::code.eq(code))
        .select(communities::id)
        .first(conn)
        .unwrap()
}

/// Who is who in a test.
struct Ctx {
    staff: String,
    leader: String,
    team_id: i64,
    community_id: i64,
}

async fn setup(app: &TestApp) -> Ctx {
    let community_id = add_community(&mut app.db.conn(), "DJ", "东街社区");
    let staff = app.token("vol-staff", "staff").await;
    let r = app
        .post(
            "/api/v1/teams",
            Some(&staff),
            json!({"name": "七彩之光志愿服务队", "description": "义务理发、健康义诊"}),
        )
        .await;
    r.expect(201, None);
    let team_id = r.body["id"].as_i64().unwrap();
    let leader = app.dev_login("vol-leader", "resident").await;
    let leader_id = leader["user"]["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/teams/{team_id}/join"),
        leader["access_token"].as_str(),
        json!({}),
    )
    .await
    .expect(200, None);
    let r = app
        .request(
            Method::PUT,
            &format!("/api/v1/teams/{team_id}/members/{leader_id}/role"),
            Some(&staff),
            Some(json!({"role": "leader"})),
            &[],
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["leaders"][0]["user_id"], leader_id);
    // The role is raised in the database; a fresh login carries it.
    let role: String = users::table
        .find(leader_id)
        .select(users::role)
        .first(&mut app.db.conn())
        .unwrap();
    assert_eq!(role, "team_leader");
    let leader = app.token("vol-leader", "team_leader").await;
    Ctx {
        staff,
        leader,
        team_id,
        community_id,
    }
}

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// Create an activity starting `in_hours` from now, lasting 2 hours; `extra` overrides.
async fn activity(app: &TestApp, ctx: &Ctx, in_hours: i64, extra: Value) -> Value {
    let starts = app.clock.now() + Duration::hours(in_hours);
    let mut body = json!({
        "team_id": ctx.team_id,
        "community_id": ctx.community_id,
        "title": "东街社区义务理发",
        "category": "haircut",
        "place": "东街社区服务中心",
        "starts_at": rfc(starts),
        "ends_at": rfc(starts + Duration::hours(2)),
        "capacity": 2,
        "points_per_hour": 10,
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = app
        .post("/api/v1/activities", Some(&ctx.leader), body)
        .await;
    r.expect(201, None);
    r.body
}

async fn user(app: &TestApp, name: &str) -> (String, i64) {
    let l = app.dev_login(name, "resident").await;
    (
        l["access_token"].as_str().unwrap().to_owned(),
        l["user"]["id"].as_i64().unwrap(),
    )
}

async fn sign_up(app: &TestApp, token: &str, activity: i64) -> crate::support::Res {
    app.post(
        &format!("/api/v1/activities/{activity}/signups"),
        Some(token),
        json!({}),
    )
    .await
}

async fn notice_kinds(app: &TestApp, token: &str) -> Vec<String> {
    let r = app
        .get("/api/v1/me/notifications?per_page=100", Some(token))
        .await;
    r.expect(200, None);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// The balance row equals the sum of the ledger, for every user.
fn assert_ledger_matches(conn: &mut DbConn) {
    let entries: Vec<(i64, i32)> = points_ledger::table
        .select((points_ledger::user_id, points_ledger::amount))
        .load(conn)
        .unwrap();
    let mut sums: HashMap<i64, i64> = HashMap::new();
    for (u, a) in entries {
        *sums.entry(u).or_default() += i64::from(a);
    }
    let balances: Vec<(i64, i64)> = points_balances::table
        .select((points_balances::user_id, points_balances::balance))
        .load(conn)
        .unwrap();
    assert_eq!(
        balances.len(),
        sums.len(),
        "a balance row per user with entries"
    );
    for (u, b) in balances {
        assert!(b >= 0, "user {u} has a negative balance {b}");
        assert_eq!(
            Some(&b),
            sums.get(&u),
            "balance of user {u} differs from its ledger"
        );
    }
}

async fn give_points(app: &TestApp, staff: &str, user_id: i64, amount: i32) {
    app.post(
        &format!("/api/v1/users/{user_id}/points/adjustments"),
        Some(staff),
        json!({"amount": amount, "note": "测试发放"}),
    )
    .await
    .expect(201, None);
}

on_both!(teams_members_and_profiles, |app| {
    let ctx = setup(&app).await;
    let (alice, alice_id) = user(&app, "vol-alice").await;
    // Only staff create teams; names are unique.
    app.post("/api/v1/teams", Some(&alice), json!({"name": "新队"}))
        .await
        .expect(403, Some("forbidden"));
    app.post(
        "/api/v1/teams",
        Some(&ctx.staff),
        json!({"name": "七彩之光志愿服务队"}),
    )
    .await
    .expect(409, Some("team_name_taken"));
    app.post("/api/v1/teams", Some(&ctx.staff), json!({"name": " "}))
        .await
        .expect(422, Some("validation_failed"));
    let join = format!("/api/v1/teams/{}/join", ctx.team_id);
    let r = app.post(&join, Some(&alice), json!({})).await;
    r.expect(200, None);
    assert_eq!(r.body["my_role"], "member");
    assert_eq!(r.body["member_count"], 2);
    app.post(&join, Some(&alice), json!({}))
        .await
        .expect(409, Some("already_team_member"));
    let r = app.get("/api/v1/teams", Some(&alice)).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["name"], "七彩之光志愿服务队");
    // Members: the leader and staff see them; a member does not.
    let members = format!("/api/v1/teams/{}/members", ctx.team_id);
    let r = app.get(&members, Some(&ctx.leader)).await;
    r.expect(200, None);
    assert_eq!(r.body["total"], 2);
    assert_eq!(r.body["items"][0]["role"], "leader");
    app.get(&members, Some(&alice))
        .await
        .expect(403, Some("forbidden"));
    let other_leader = app.token("vol-other-leader", "team_leader").await;
    app.get(&members, Some(&other_leader))
        .await
        .expect(403, Some("not_team_leader"));
    // Profile: skills normalised; a bad one is named.
    let r = app
        .request(
            Method::PUT,
            "/api/v1/me/volunteer-profile",
            Some(&alice),
            Some(json!({"skills": [" 理发 ", "First-Aid", "first-aid"]})),
            &[],
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["skills"], json!(["理发", "first-aid"]));
    assert_eq!(r.body["teams"][0]["id"], ctx.team_id);
    let r = app
        .request(
            Method::PUT,
            "/api/v1/me/volunteer-profile",
            Some(&alice),
            Some(json!({"skills": ["ok", ""]})),
            &[],
        )
        .await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "skills[1]");
    // Staff register party members.
    let party = format!("/api/v1/users/{alice_id}/party-member");
    app.request(
        Method::PUT,
        &party,
        Some(&alice),
        Some(json!({"is_party_member": true})),
        &[],
    )
    .await
    .expect(403, Some("forbidden"));
    let r = app
        .request(
            Method::PUT,
            &party,
            Some(&ctx.staff),
            Some(json!({"is_party_member": true, "party_unit": "县教育局"})),
            &[],
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["is_party_member"], true);
    assert_eq!(r.body["party_unit"], "县教育局");
    assert_eq!(r.body["skills"], json!(["理发", "first-aid"]));
    // Leaving.
    let leave = format!("/api/v1/teams/{}/leave", ctx.team_id);
    app.post(&leave, Some(&alice), json!({}))
        .await
        .expect(204, None);
    app.post(&leave, Some(&alice), json!({}))
        .await
        .expect(409, Some("not_team_member"));
    app.post("/api/v1/teams/999999/join", Some(&alice), json!({}))
        .await
        .expect(404, Some("not_found"));
});

on_both!(
    activities_are_created_edited_listed_and_guarded,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let (alice, _) = user(&app, "act-alice").await;
        let other_leader = app.token("act-other-leader", "team_leader").await;
        let starts = app.clock.now() + Duration::hours(48);
        let base = json!({
            "team_id": ctx.team_id, "community_id": ctx.community_id, "title": "健康义诊",
            "category": "health_clinic", "place": "东街卫生室",
            "starts_at": rfc(starts), "ends_at": rfc(starts + Duration::hours(3)),
            "capacity": 10, "points_per_hour": 12
        });
        app.post("/api/v1/activities", Some(&alice), base.clone())
            .await
            .expect(403, Some("forbidden"));
        app.post("/api/v1/activities", Some(&other_leader), base.clone())
            .await
            .expect(403, Some("not_team_leader"));
        for (field, value, expected) in [
            (
                "ends_at",
                json!(rfc(starts - Duration::hours(1))),
                "ends_at",
            ),
            (
                "starts_at",
                json!(rfc(app.clock.now() - Duration::hours(1))),
                "starts_at",
            ),
            ("capacity", json!(0), "capacity"),
            ("points_per_hour", json!(-1), "points_per_hour"),
            (
                "signup_deadline",
                json!(rfc(starts + Duration::hours(1))),
                "signup_deadline",
            ),
            ("title", json!(""), "title"),
            (
                "starts_at",
                json!(rfc(app.clock.now() + Duration::days(400))),
                "starts_at",
            ),
            ("category", json!("karaoke"), "category"),
            ("community_id", json!(999999), "community_id"),
        ] {
            let mut b = base.clone();
            b[field] = value;
            let r = app.post("/api/v1/activities", Some(&ctx.leader), b).await;
            r.expect(422, Some("validation_failed"));
            assert_eq!(r.body["field"], expected, "{field}: {}", r.text);
        }
        // Local times with an offset are accepted and returned in UTC.
        let mut b = base.clone();
        let d = (app.clock.now() + Duration::days(30))
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .date_naive();
        b["starts_at"] = json!(format!("{d}T09:00:00+08:00"));
        b["ends_at"] = json!(format!("{d}T11:30:00+08:00"));
        b["category"] = json!("talk");
        let r = app.post("/api/v1/activities", Some(&ctx.leader), b).await;
        r.expect(201, None);
        assert_eq!(r.body["starts_at"], format!("{d}T01:00:00Z"));
        assert_eq!(r.body["signup_deadline"], format!("{d}T01:00:00Z"));
        assert!(r
            .header("location")
            .unwrap()
            .ends_with(&format!("/activities/{}", r.body["id"])));
        let clinic = app
            .post("/api/v1/activities", Some(&ctx.staff), base.clone())
            .await;
        clinic.expect(201, None);
        let talk = activity(&app, &ctx, 24, json!({"category": "talk", "capacity": 1})).await;
        let talk_id = talk["id"].as_i64().unwrap();
        // The leader sees the check-in code; a resident does not.
        assert_eq!(talk["can_manage"], true);
        assert_eq!(talk["checkin_code"].as_str().unwrap().len(), 6);
        let r = app
            .get(&format!("/api/v1/activities/{talk_id}"), Some(&alice))
            .await;
        r.expect(200, None);
        assert!(r.body.get("checkin_code").is_none());
        assert_eq!(r.body["can_manage"], false);
        assert_eq!(r.body["seats_left"], 1);
        assert_eq!(r.body["my_signup"], Value::Null);
        // Filters.
        let r = app.get("/api/v1/activities", Some(&alice)).await;
        assert_eq!(r.body["total"], 3);
        assert_eq!(r.body["items"][0]["id"], talk_id, "soonest first");
        let r = app
            .get("/api/v1/activities?category=health_clinic", Some(&alice))
            .await;
        assert_eq!(r.body["total"], 1);
        assert_eq!(r.body["items"][0]["category_label"], "健康义诊");
        let day = (app.clock.now() + Duration::hours(24))
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .date_naive();
        let r = app
            .get(&format!("/api/v1/activities?date={day}"), Some(&alice))
            .await;
        assert!(r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == talk_id));
        let r = app
            .get(&format!("/api/v1/activities?date={d}"), Some(&alice))
            .await;
        assert_eq!(r.body["total"], 1);
        let r = app
            .get(
                &format!(
                    "/api/v1/activities?community_id={}&per_page=1&page=2",
                    ctx.community_id
                ),
                Some(&alice),
            )
            .await;
        assert_eq!(r.body["total"], 3);
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
        app.get("/api/v1/activities?per_page=101", Some(&alice))
            .await
            .expect(422, Some("validation_failed"));
        app.get("/api/v1/activities?date=tomorrow", Some(&alice))
            .await
            .expect(422, Some("validation_failed"));
        // Full activities drop out of has_seats=true.
        let (bob, _) = user(&app, "act-bob").await;
        let (carol, _) = user(&app, "act-carol").await;
        sign_up(&app, &alice, talk_id).await.expect(201, None);
        sign_up(&app, &bob, talk_id).await.expect(201, None);
        sign_up(&app, &carol, talk_id).await.expect(201, None);
        let r = app
            .get("/api/v1/activities?has_seats=true", Some(&alice))
            .await;
        assert_eq!(r.body["total"], 2);
        let r = app
            .get("/api/v1/activities?has_seats=false", Some(&alice))
            .await;
        assert_eq!(r.body["total"], 1);
        assert_eq!(r.body["items"][0]["waitlist_count"], 2);
        // Edits: not by others; capacity never below the confirmed; raising it promotes.
        let path = format!("/api/v1/activities/{talk_id}");
        app.request(
            Method::PATCH,
            &path,
            Some(&other_leader),
            Some(json!({"capacity": 5})),
            &[],
        )
        .await
        .expect(403, Some("not_team_leader"));
        let r = app
            .request(
                Method::PATCH,
                &path,
                Some(&ctx.leader),
                Some(json!({"capacity": 3, "place": "东街社区服务中心二楼"})),
                &[],
            )
            .await;
        r.expect(200, None);
        assert_eq!(r.body["seats_taken"], 3);
        assert_eq!(r.body["waitlist_count"], 0);
        assert_eq!(r.body["place"], "东街社区服务中心二楼");
        assert!(notice_kinds(&app, &bob)
            .await
            .contains(&"signup.promoted".to_owned()));
        let r = app
            .request(
                Method::PATCH,
                &path,
                Some(&ctx.leader),
                Some(json!({"capacity": 2})),
                &[],
            )
            .await;
        r.expect(422, Some("capacity_below_confirmed"));
        assert_eq!(r.body["details"]["seats_taken"], 3);
        app.request(
            Method::PATCH,
            &path,
            Some(&ctx.leader),
            Some(json!({"unknown": 1})),
            &[],
        )
        .await
        .expect(422, Some("validation_failed"));
        // Once started it can no longer be edited or cancelled.
        app.clock.advance(Duration::hours(25));
        app.request(
            Method::PATCH,
            &path,
            Some(&ctx.leader),
            Some(json!({"capacity": 9})),
            &[],
        )
        .await
        .expect(409, Some("activity_already_started"));
        app.post(&format!("{path}/cancel"), Some(&ctx.leader), json!({}))
            .await
            .expect(409, Some("activity_already_started"));
    }
);

on_both!(
    sign_up_rules_each_have_their_error,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let a = activity(&app, &ctx, 48, json!({"capacity": 2})).await;
        let id = a["id"].as_i64().unwrap();
        let (alice, _) = user(&app, "su-alice").await;
        let (bob, _) = user(&app, "su-bob").await;
        let (carol, _) = user(&app, "su-carol").await;
        let (dave, _) = user(&app, "su-dave").await;
        let (erin, _) = user(&app, "su-erin").await;
        // Idempotency-Key: a retried sign-up replays the first answer.
        let key = [("Idempotency-Key", "signup-alice-1")];
        let path = format!("/api/v1/activities/{id}/signups");
        let first = app
            .request(Method::POST, &path, Some(&alice), None, &key)
            .await;
        first.expect(201, None);
        assert_eq!(first.body["status"], "confirmed");
        assert_eq!(first.body["position"], Value::Null);
        let again = app
            .request(Method::POST, &path, Some(&alice), None, &key)
            .await;
        again.expect(201, None);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.body, first.body);
        // Without the key, a second sign-up is refused.
        sign_up(&app, &alice, id)
            .await
            .expect(409, Some("already_signed_up"));
        sign_up(&app, &bob, id).await.expect(201, None);
        let c = sign_up(&app, &carol, id).await;
        c.expect(201, None);
        assert_eq!(c.body["status"], "waitlisted");
        assert_eq!(c.body["position"], 1);
        let d = sign_up(&app, &dave, id).await;
        assert_eq!(d.body["position"], 2);
        let r = app
            .get(&format!("/api/v1/activities/{id}"), Some(&dave))
            .await;
        assert_eq!(r.body["seats_left"], 0);
        assert_eq!(r.body["waitlist_count"], 2);
        assert_eq!(r.body["my_signup"]["status"], "waitlisted");
        assert_eq!(r.body["my_signup"]["position"], 2);
        // Cancelling a confirmed seat promotes the first waitlisted, who is told.
        let alice_signup = first.body["id"].as_i64().unwrap();
        let cancel = format!("/api/v1/signups/{alice_signup}/cancel");
        app.post(&cancel, Some(&bob), json!({}))
            .await
            .expect(404, Some("not_found"));
        let r = app.post(&cancel, Some(&alice), json!({})).await;
        r.expect(200, None);
        assert_eq!(r.body["status"], "cancelled");
        app.post(&cancel, Some(&alice), json!({}))
            .await
            .expect(409, Some("signup_not_live"));
        let r = app
            .get(&format!("/api/v1/activities/{id}"), Some(&carol))
            .await;
        assert_eq!(r.body["my_signup"]["status"], "confirmed");
        assert_eq!(r.body["seats_taken"], 2);
        assert!(notice_kinds(&app, &carol)
            .await
            .contains(&"signup.promoted".to_owned()));
        let r = app
            .get(&format!("/api/v1/activities/{id}"), Some(&dave))
            .await;
        assert_eq!(r.body["my_signup"]["position"], 1, "positions stay 1..N");
        // Alice may sign up again after cancelling: at the end of the queue.
        let r = sign_up(&app, &alice, id).await;
        r.expect(201, None);
        assert_eq!(r.body["position"], 2);
        let mine = app.get("/api/v1/me/signups", Some(&alice)).await;
        assert_eq!(mine.body["total"], 2);
        assert_eq!(mine.body["items"][0]["activity_title"], "东街社区义务理发");
        // Required skills.
        let skilled = activity(&app, &ctx, 48, json!({"required_skills": ["理发", "急救"]})).await;
        let skilled_id = skilled["id"].as_i64().unwrap();
        let r = sign_up(&app, &erin, skilled_id).await;
        r.expect(422, Some("missing_required_skill"));
        assert_eq!(r.body["details"]["missing"], json!(["理发", "急救"]));
        app.request(
            Method::PUT,
            "/api/v1/me/volunteer-profile",
            Some(&erin),
            Some(json!({"skills": ["理发", "急救"]})),
            &[],
        )
        .await
        .expect(200, None);
        sign_up(&app, &erin, skilled_id).await.expect(201, None);
        // Deadline.
        let late = activity(
            &app,
            &ctx,
            48,
            json!({"signup_deadline": rfc(app.clock.now() + Duration::hours(1))}),
        )
        .await;
        app.clock.advance(Duration::hours(2));
        let r = sign_up(&app, &erin, late["id"].as_i64().unwrap()).await;
        r.expect(422, Some("signup_deadline_passed"));
        assert!(r.body["details"]["signup_deadline"].is_string());
        sign_up(&app, &erin, 999999)
            .await
            .expect(404, Some("not_found"));
        // Cancelling the activity tells everyone signed up, confirmed or waitlisted.
        let r = app
            .post(
                &format!("/api/v1/activities/{id}/cancel"),
                Some(&ctx.leader),
                json!({"reason": "因降雪改期"}),
            )
            .await;
        r.expect(200, None);
        assert_eq!(r.body["status"], "cancelled");
        assert_eq!(r.body["cancel_reason"], "因降雪改期");
        for t in [&bob, &carol, &dave, &alice] {
            assert!(notice_kinds(&app, t)
                .await
                .contains(&"activity.cancelled".to_owned()));
        }
        assert!(!notice_kinds(&app, &erin)
            .await
            .contains(&"activity.cancelled".to_owned()));
        sign_up(&app, &erin, id)
            .await
            .expect(409, Some("activity_not_open"));
        app.post(
            &format!("/api/v1/activities/{id}/cancel"),
            Some(&ctx.leader),
            json!({}),
        )
        .await
        .expect(409, Some("activity_not_open"));
        let r = app.get("/api/v1/activities", Some(&erin)).await;
        assert!(r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != id));
        // Once started, a sign-up can no longer be cancelled.
        let soon = activity(&app, &ctx, 3, json!({})).await;
        let s = sign_up(&app, &erin, soon["id"].as_i64().unwrap()).await;
        app.clock.advance(Duration::hours(4));
        app.post(
            &format!("/api/v1/signups/{}/cancel", s.body["id"]),
            Some(&erin),
            json!({}),
        )
        .await
        .expect(409, Some("activity_already_started"));
    }
);

on_both!(
    check_in_hours_and_points_end_to_end,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let a = activity(
            &app,
            &ctx,
            24,
            json!({"capacity": 3, "points_per_hour": 10}),
        )
        .await;
        let id = a["id"].as_i64().unwrap();
        let code = a["checkin_code"].as_str().unwrap().to_owned();
        let (alice, alice_id) = user(&app, "hp-alice").await;
        let (bob, bob_id) = user(&app, "hp-bob").await;
        let (carol, _) = user(&app, "hp-carol").await;
        let (dave, _) = user(&app, "hp-dave").await;
        let mut signup_ids = Vec::new();
        for t in [&alice, &bob, &carol] {
            signup_ids.push(sign_up(&app, t, id).await.body["id"].as_i64().unwrap());
        }
        let dave_signup = sign_up(&app, &dave, id).await;
        assert_eq!(dave_signup.body["status"], "waitlisted");
        let check_in = format!("/api/v1/activities/{id}/check-in");
        // Too early.
        let r = app
            .post(&check_in, Some(&alice), json!({"code": code}))
            .await;
        r.expect(422, Some("checkin_window_closed"));
        assert!(r.body["details"]["opens_at"].is_string());
        // 20 minutes before the start: the window is open.
        app.clock
            .advance(Duration::hours(24) - Duration::minutes(20));
        app.post(&check_in, Some(&alice), json!({"code": "WRONG1"}))
            .await
            .expect(422, Some("checkin_code_wrong"));
        let r = app
            .post(
                &check_in,
                Some(&alice),
                json!({"code": code.to_lowercase()}),
            )
            .await;
        r.expect(200, None);
        assert!(r.body["checked_in_at"].is_string());
        app.post(&check_in, Some(&alice), json!({"code": code}))
            .await
            .expect(200, None);
        app.post(&check_in, Some(&dave), json!({"code": code}))
            .await
            .expect(409, Some("signup_not_confirmed"));
        let (erin, _) = user(&app, "hp-erin").await;
        app.post(&check_in, Some(&erin), json!({"code": code}))
            .await
            .expect(409, Some("signup_not_confirmed"));
        // The leader checks Bob in 15 minutes after the start; a resident cannot.
        app.clock.advance(Duration::minutes(35));
        let bob_in = format!("/api/v1/signups/{}/check-in", signup_ids[1]);
        app.post(&bob_in, Some(&alice), json!({}))
            .await
            .expect(403, Some("forbidden"));
        app.post(&bob_in, Some(&ctx.leader), json!({}))
            .await
            .expect(200, None);
        app.post(
            &format!("/api/v1/signups/{}/check-out", signup_ids[2]),
            Some(&ctx.leader),
            json!({}),
        )
        .await
        .expect(409, Some("not_checked_in"));
        // Bob leaves after an hour: 60 minutes, 10 points, at once.
        app.clock.advance(Duration::minutes(60));
        let bob_out = format!("/api/v1/signups/{}/check-out", signup_ids[1]);
        let r = app.post(&bob_out, Some(&ctx.leader), json!({})).await;
        r.expect(200, None);
        assert_eq!(r.body["service_minutes"], 60);
        assert_eq!(r.body["points_awarded"], 10);
        app.post(&bob_out, Some(&ctx.leader), json!({}))
            .await
            .expect(409, Some("already_checked_out"));
        let r = app.get("/api/v1/me/points", Some(&bob)).await;
        assert_eq!(r.body["balance"], 10);
        assert_eq!(r.body["service_minutes"], 60);
        // Not before the end.
        let close = format!("/api/v1/activities/{id}/close");
        app.post(&close, Some(&ctx.leader), json!({}))
            .await
            .expect(409, Some("activity_not_ended"));
        // After the end: Carol is a no-show; Alice is credited to the end, capped at 2 hours.
        app.clock.advance(Duration::minutes(50));
        app.post(&check_in, Some(&carol), json!({"code": code}))
            .await
            .expect(422, Some("checkin_window_closed"));
        let r = app.post(&close, Some(&ctx.leader), json!({})).await;
        r.expect(200, None);
        assert_eq!(r.body["no_shows"], 1);
        assert_eq!(r.body["settled"], 1);
        assert_eq!(r.body["points_paid"], 20);
        app.post(&close, Some(&ctx.leader), json!({}))
            .await
            .expect(409, Some("activity_not_open"));
        // The job finds nothing more to do: nobody is paid twice.
        let mut conn = app.db.conn();
        let later = app.clock.now_naive() + Duration::hours(5);
        assert_eq!(
            linli::volunteering::model::signups::close_ended_activities(&mut conn, later).unwrap(),
            0
        );
        let r = app.get("/api/v1/me/points", Some(&alice)).await;
        assert_eq!(r.body["balance"], 20);
        assert_eq!(r.body["service_minutes"], 120);
        let r = app.get("/api/v1/me/points/ledger", Some(&alice)).await;
        assert_eq!(r.body["total"], 1);
        assert_eq!(r.body["items"][0]["reason"], "activity_hours");
        assert_eq!(
            r.body["items"][0]["reference"],
            format!("activity:{id}:user:{alice_id}")
        );
        let r = app.get("/api/v1/me/points/ledger", Some(&bob)).await;
        assert_eq!(
            r.body["items"][0]["reference"],
            format!("activity:{id}:user:{bob_id}")
        );
        let r = app
            .get(&format!("/api/v1/activities/{id}"), Some(&carol))
            .await;
        assert_eq!(r.body["status"], "closed");
        assert_eq!(r.body["my_signup"]["no_show"], true);
        assert_eq!(r.body["my_signup"]["points_awarded"], Value::Null);
        assert!(notice_kinds(&app, &alice)
            .await
            .contains(&"signup.hours_credited".to_owned()));
        let r = app.get("/api/v1/me/signups", Some(&bob)).await;
        assert_eq!(r.body["items"][0]["activity_status"], "closed");
        assert_ledger_matches(&mut conn);
    }
);

on_both!(
    the_close_job_records_no_shows_once_and_pays_once,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let a = activity(&app, &ctx, 1, json!({"capacity": 5, "points_per_hour": 30})).await;
        let id = a["id"].as_i64().unwrap();
        let code = a["checkin_code"].as_str().unwrap().to_owned();
        let (alice, _) = user(&app, "job-alice").await;
        let (bob, _) = user(&app, "job-bob").await;
        sign_up(&app, &alice, id).await.expect(201, None);
        sign_up(&app, &bob, id).await.expect(201, None);
        app.clock.advance(Duration::minutes(70));
        app.post(
            &format!("/api/v1/activities/{id}/check-in"),
            Some(&alice),
            json!({"code": code}),
        )
        .await
        .expect(200, None);
        let mut conn = app.db.conn();
        let close = linli::volunteering::model::signups::close_ended_activities;
        // Ended, but within the leader's two hours: left alone.
        let end = app.clock.now_naive() + Duration::minutes(110);
        assert_eq!(close(&mut conn, end + Duration::minutes(30)).unwrap(), 0);
        assert_eq!(close(&mut conn, end + Duration::hours(2)).unwrap(), 1);
        assert_eq!(close(&mut conn, end + Duration::hours(3)).unwrap(), 0);
        let no_shows: i64 = signups::table
            .filter(signups::activity_id.eq(id).and(signups::no_show.eq(true)))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(no_shows, 1);
        // Alice checked in 10 minutes (and the test's own few milliseconds) after the start:
        // 110 minutes, or 109 whole ones, at 30 points an hour, rounded down.
        let r = app.get("/api/v1/me/points", Some(&alice)).await;
        let minutes = r.body["service_minutes"].as_i64().unwrap();
        assert!((109..=110).contains(&minutes), "{minutes}");
        assert_eq!(r.body["balance"].as_i64().unwrap(), minutes * 30 / 60);
        let r = app.get("/api/v1/me/points", Some(&bob)).await;
        assert_eq!(r.body["balance"], 0);
        assert_ledger_matches(&mut conn);
    }
);

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
                json!({"amount": -1000, "note": "过多"}),
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
        let pay = |conn: &mut DbConn| {
            linli::db::transaction(conn, |c| {
                linli::volunteering::model::points::credit(
                    c,
                    alice_id,
                    9,
                    linli::volunteering::dto::PointsReason::WishFulfilled,
                    "wish:4242",
                    None,
                    None,
                    now,
                )
            })
            .unwrap()
        };
        assert!(pay(&mut conn));
        assert!(!pay(&mut conn));
        let r = app.get("/api/v1/me/points", Some(&alice)).await;
        assert_eq!(r.body["balance"], 79);
        assert_ledger_matches(&mut conn);
    }
);

on_both!(points_supermarket_redeem_and_collect, |app| {
    let ctx = setup(&app).await;
    let (alice, alice_id) = user(&app, "shop-alice").await;
    app.post(
        "/api/v1/points-shop/items",
        Some(&alice),
        json!({"name": "毛巾", "price_points": 30, "stock": 2}),
    )
    .await
    .expect(403, Some("forbidden"));
    let r = app
        .post(
            "/api/v1/points-shop/items",
            Some(&ctx.staff),
            json!({"name": "毛巾", "description": "纯棉", "price_points": 30, "stock": 2}),
        )
        .await;
    r.expect(201, None);
    let item = r.body["id"].as_i64().unwrap();
    let redeem = format!("/api/v1/points-shop/items/{item}/redeem");
    let r = app.post(&redeem, Some(&alice), json!({})).await;
    r.expect(422, Some("insufficient_points"));
    assert_eq!(r.body["details"]["needed"], 30);
    let r = app.get("/api/v1/points-shop/items", Some(&alice)).await;
    assert_eq!(
        r.body["items"][0]["stock"], 2,
        "a refused redemption takes no stock"
    );
    give_points(&app, &ctx.staff, alice_id, 100).await;
    let r = app
        .post(&redeem, Some(&alice), json!({"quantity": 1}))
        .await;
    r.expect(201, None);
    let code = r.body["pickup_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 8);
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["points"], 30);
    let redemption_id = r.body["id"].as_i64().unwrap();
    let r = app.get("/api/v1/me/points", Some(&alice)).await;
    assert_eq!(r.body["balance"], 70);
    let r = app.get("/api/v1/me/points/ledger", Some(&alice)).await;
    assert_eq!(
        r.body["items"][0]["reference"],
        format!("redemption:{redemption_id}")
    );
    assert_eq!(r.body["items"][0]["amount"], -30);
    let r = app
        .post(&redeem, Some(&alice), json!({"quantity": 2}))
        .await;
    r.expect(409, Some("out_of_stock"));
    assert_eq!(r.body["details"]["stock"], 1);
    app.post(&redeem, Some(&alice), json!({"quantity": 11}))
        .await
        .expect(422, Some("validation_failed"));
    // Staff hand it over once.
    let collect = "/api/v1/points-shop/redemptions/collect";
    app.post(collect, Some(&alice), json!({"pickup_code": code}))
        .await
        .expect(403, Some("forbidden"));
    app.post(
        collect,
        Some(&ctx.staff),
        json!({"pickup_code": "ZZZZZZZZ"}),
    )
    .await
    .expect(404, Some("pickup_code_not_found"));
    let r = app
        .post(
            collect,
            Some(&ctx.staff),
            json!({"pickup_code": code.to_lowercase()}),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["status"], "collected");
    app.post(collect, Some(&ctx.staff), json!({"pickup_code": code}))
        .await
        .expect(409, Some("redemption_already_collected"));
    let r = app.get("/api/v1/me/redemptions", Some(&alice)).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["item_name"], "毛巾");
    assert_eq!(r.body["items"][0]["status"], "collected");
    // Restock, withdraw.
    let r = app
        .post(
            &format!("/api/v1/points-shop/items/{item}/restock"),
            Some(&ctx.staff),
            json!({"quantity": 5}),
        )
        .await;
    assert_eq!(r.body["stock"], 6);
    let r = app
        .request(
            Method::PATCH,
            &format!("/api/v1/points-shop/items/{item}"),
            Some(&ctx.staff),
            Some(json!({"active": false})),
            &[],
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["active"], false);
    app.post(&redeem, Some(&alice), json!({}))
        .await
        .expect(409, Some("item_unavailable"));
    let r = app.get("/api/v1/points-shop/items", Some(&alice)).await;
    assert_eq!(r.body["total"], 0);
    let r = app
        .get(
            "/api/v1/points-shop/items?include_inactive=true",
            Some(&ctx.staff),
        )
        .await;
    assert_eq!(r.body["total"], 1);
    assert_ledger_matches(&mut app.db.conn());
});

on_both!(micro_wish_lifecycle, spawn = spawn_long, |app| {
    let ctx = setup(&app).await;
    let (poster, _) = user(&app, "wish-poster").await;
    let (stranger, _) = user(&app, "wish-stranger").await;
    let (volunteer, volunteer_id) = user(&app, "wish-volunteer").await;
    let (member, member_id) = user(&app, "wish-party").await;
    app.post(
        &format!("/api/v1/teams/{}/join", ctx.team_id),
        Some(&volunteer),
        json!({}),
    )
    .await
    .expect(200, None);
    app.request(
        Method::PUT,
        &format!("/api/v1/users/{member_id}/party-member"),
        Some(&ctx.staff),
        Some(json!({"is_party_member": true, "party_unit": "县财政局"})),
        &[],
    )
    .await
    .expect(200, None);
    let r = app
        .post("/api/v1/wishes", Some(&poster), json!({"title": "帮忙修理收音机", "description": "没有声音了", "community_id": ctx.community_id}))
        .await;
    r.expect(201, None);
    assert_eq!(r.body["status"], "open");
    assert_eq!(r.body["points"], 20);
    let id = r.body["id"].as_i64().unwrap();
    let w = |action: &str| format!("/api/v1/wishes/{id}/{action}");
    app.post(&w("claim"), Some(&stranger), json!({}))
        .await
        .expect(403, Some("volunteer_required"));
    app.post(&w("claim"), Some(&poster), json!({}))
        .await
        .expect(422, Some("cannot_claim_own_wish"));
    let r = app.post(&w("claim"), Some(&volunteer), json!({})).await;
    r.expect(200, None);
    assert_eq!(r.body["status"], "claimed");
    assert_eq!(r.body["claimer"]["user_id"], volunteer_id);
    app.post(&w("claim"), Some(&member), json!({}))
        .await
        .expect(409, Some("wish_already_claimed"));
    assert!(notice_kinds(&app, &poster)
        .await
        .contains(&"wish.claimed".to_owned()));
    // Given back, then claimed by the party member.
    app.post(&w("release"), Some(&member), json!({}))
        .await
        .expect(409, Some("wish_not_claimed_by_you"));
    let r = app.post(&w("release"), Some(&volunteer), json!({})).await;
    assert_eq!(r.body["status"], "open");
    assert_eq!(r.body["claimer"], Value::Null);
    app.post(&w("claim"), Some(&member), json!({}))
        .await
        .expect(200, None);
    app.post(&w("withdraw"), Some(&poster), json!({}))
        .await
        .expect(409, Some("wish_not_open"));
    app.post(&w("confirm"), Some(&poster), json!({}))
        .await
        .expect(409, Some("wish_not_fulfilled"));
    app.post(&w("fulfil"), Some(&volunteer), json!({}))
        .await
        .expect(409, Some("wish_not_claimed_by_you"));
    let r = app.post(&w("fulfil"), Some(&member), json!({})).await;
    assert_eq!(r.body["status"], "fulfilled");
    assert!(r.body["auto_confirm_at"].is_string());
    app.post(&w("confirm"), Some(&member), json!({}))
        .await
        .expect(403, Some("forbidden"));
    let r = app.post(&w("confirm"), Some(&poster), json!({})).await;
    r.expect(200, None);
    assert_eq!(r.body["status"], "confirmed");
    assert_eq!(r.body["auto_confirmed"], false);
    app.post(&w("confirm"), Some(&poster), json!({}))
        .await
        .expect(409, Some("wish_not_fulfilled"));
    let r = app.get("/api/v1/me/points/ledger", Some(&member)).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["reference"], format!("wish:{id}"));
    assert_eq!(r.body["items"][0]["amount"], 20);
    assert!(notice_kinds(&app, &member)
        .await
        .contains(&"wish.confirmed".to_owned()));
    // A second wish confirms itself after 7 days, paying once even if the job runs twice.
    let r = app
        .post(
            "/api/v1/wishes",
            Some(&poster),
            json!({"title": "代买药品"}),
        )
        .await;
    let id2 = r.body["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/wishes/{id2}/claim"),
        Some(&volunteer),
        json!({}),
    )
    .await
    .expect(200, None);
    app.post(
        &format!("/api/v1/wishes/{id2}/fulfil"),
        Some(&volunteer),
        json!({}),
    )
    .await
    .expect(200, None);
    let mut conn = app.db.conn();
    let auto = linli::volunteering::model::wishes::auto_confirm;
    let now = app.clock.now_naive();
    assert_eq!(auto(&mut conn, now + Duration::days(6)).unwrap(), 0);
    assert_eq!(
        auto(&mut conn, now + Duration::days(7) + Duration::minutes(1)).unwrap(),
        1
    );
    assert_eq!(auto(&mut conn, now + Duration::days(8)).unwrap(), 0);
    let r = app
        .get(&format!("/api/v1/wishes/{id2}"), Some(&stranger))
        .await;
    assert_eq!(r.body["status"], "confirmed");
    assert_eq!(r.body["auto_confirmed"], true);
    let r = app.get("/api/v1/me/points", Some(&volunteer)).await;
    assert_eq!(r.body["balance"], 20);
    // Lists; withdrawing an open wish.
    let r = app
        .post(
            "/api/v1/wishes",
            Some(&poster),
            json!({"title": "陪老人聊天"}),
        )
        .await;
    let id3 = r.body["id"].as_i64().unwrap();
    let r = app.get("/api/v1/wishes", Some(&stranger)).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["id"], id3);
    let r = app
        .get("/api/v1/wishes?status=confirmed", Some(&stranger))
        .await;
    assert_eq!(r.body["total"], 2);
    app.post(
        &format!("/api/v1/wishes/{id3}/withdraw"),
        Some(&stranger),
        json!({}),
    )
    .await
    .expect(403, Some("forbidden"));
    let r = app
        .post(
            &format!("/api/v1/wishes/{id3}/withdraw"),
            Some(&poster),
            json!({}),
        )
        .await;
    assert_eq!(r.body["status"], "withdrawn");
    let r = app.get("/api/v1/me/wishes", Some(&poster)).await;
    assert_eq!(r.body["total"], 3);
    let r = app.get("/api/v1/me/wishes", Some(&member)).await;
    assert_eq!(r.body["total"], 1);
    app.post("/api/v1/wishes", Some(&poster), json!({"title": ""}))
        .await
        .expect(422, Some("validation_failed"));
    assert_ledger_matches(&mut conn);
});

on_both!(roster_csv_is_accepted_by_a_csv_parser, |app| {
    let ctx = setup(&app).await;
    let a = activity(&app, &ctx, 24, json!({"capacity": 2})).await;
    let id = a["id"].as_i64().unwrap();
    let mut names = Vec::new();
    for (i, nickname) in ["张三, \"老张\"", "=1+1", "李四\n第二行"]
        .iter()
        .enumerate()
    {
        let (t, uid) = user(&app, &format!("csv-{i}")).await;
        diesel::update(users::table.find(uid))
            .set(users::nickname.eq(*nickname))
            .execute(&mut app.db.conn())
            .unwrap();
        sign_up(&app, &t, id).await.expect(201, None);
        names.push(uid);
    }
    let path = format!("/api/v1/activities/{id}/signups.csv");
    let (alice, _) = user(&app, "csv-resident").await;
    app.get(&path, Some(&alice))
        .await
        .expect(403, Some("forbidden"));
    let r = app.get(&path, Some(&ctx.leader)).await;
    r.expect(200, None);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    assert!(r
        .header("content-disposition")
        .unwrap()
        .contains("attachment"));
    assert!(r.text.starts_with('\u{feff}'), "UTF-8 BOM for Excel");
    let body = r.text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new().from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[2], "昵称");
    assert_eq!(&headers[3], "状态");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.len() == headers.len()));
    assert_eq!(&rows[0][2], "张三, \"老张\"");
    assert_eq!(&rows[0][3], "已确认");
    assert_eq!(&rows[1][2], "'=1+1", "formulas are defused");
    assert_eq!(&rows[2][2], "李四\n第二行");
    assert_eq!(&rows[2][3], "候补");
    assert_eq!(&rows[2][4], "1");
    assert_eq!(rows[0][1].parse::<i64>().unwrap(), names[0]);
    // The JSON roster agrees.
    let r = app
        .get(
            &format!("/api/v1/activities/{id}/signups"),
            Some(&ctx.leader),
        )
        .await;
    assert_eq!(r.body["total"], 3);
    assert_eq!(r.body["items"][2]["position"], 1);
});

on_both!(calendar_feed_is_valid_icalendar_and_revocable, |app| {
    let ctx = setup(&app).await;
    let (alice, _) = user(&app, "cal-alice").await;
    let (bob, _) = user(&app, "cal-bob").await;
    let r = app.get("/api/v1/me/calendar", Some(&alice)).await;
    r.expect(200, None);
    assert_eq!(r.body["active"], false);
    let long_title =
        "义务理发, 健康义诊; 家电修理\\ 理论宣讲与环境整治——七彩之光志愿服务队走进东街社区天和人家";
    let a1 = activity(&app, &ctx, 24, json!({"title": long_title, "capacity": 1})).await;
    let a2 = activity(&app, &ctx, 48, json!({"title": "上门服务"})).await;
    let a3 = activity(&app, &ctx, 72, json!({"title": "被取消的活动"})).await;
    sign_up(&app, &bob, a1["id"].as_i64().unwrap())
        .await
        .expect(201, None);
    for a in [&a1, &a2, &a3] {
        sign_up(&app, &alice, a["id"].as_i64().unwrap())
            .await
            .expect(201, None);
    }
    app.post(
        &format!("/api/v1/activities/{}/cancel", a3["id"]),
        Some(&ctx.leader),
        json!({}),
    )
    .await
    .expect(200, None);
    let r = app
        .post("/api/v1/me/calendar/rotate", Some(&alice), json!({}))
        .await;
    r.expect(200, None);
    assert_eq!(r.body["active"], true);
    let path = r.body["path"].as_str().unwrap().to_owned();
    assert!(r.body["url"].as_str().unwrap().ends_with(&path));
    let r = app.get("/api/v1/me/calendar", Some(&alice)).await;
    assert_eq!(r.body["path"], path.as_str());
    // No login needed: the secret is the key.
    let feed = app.get(&path, None).await;
    feed.expect(200, None);
    assert!(feed
        .header("content-type")
        .unwrap()
        .starts_with("text/calendar"));
    let text = feed.text.clone();
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "line longer than 75 octets: {line:?}");
        assert!(!line.contains('\n'));
    }
    let parsed: icalendar::Calendar = text.parse().expect("a standard parser accepts the feed");
    use icalendar::{Component, EventLike};
    let events: Vec<&icalendar::Event> = parsed
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .collect();
    assert_eq!(events.len(), 3);
    let first = events[0];
    assert_eq!(
        first.get_summary(),
        Some(format!("{long_title}（候补）").as_str())
    );
    assert_eq!(first.get_status(), Some(icalendar::EventStatus::Tentative));
    assert_eq!(first.get_location(), Some("东街社区服务中心"));
    assert!(first.get_uid().unwrap().ends_with("@linli"));
    let starts = a1["starts_at"].as_str().unwrap();
    let want = chrono::DateTime::parse_from_rfc3339(starts)
        .unwrap()
        .with_timezone(&Utc);
    match first.get_start() {
        Some(icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t))) => {
            assert_eq!(t.timestamp(), want.timestamp())
        }
        other => panic!("DTSTART should be UTC: {other:?}"),
    }
    assert_eq!(
        events[1].get_status(),
        Some(icalendar::EventStatus::Confirmed)
    );
    assert_eq!(
        events[2].get_status(),
        Some(icalendar::EventStatus::Cancelled)
    );
    // Rotating kills the old URL; revoking kills the new one.
    let r = app
        .post("/api/v1/me/calendar/rotate", Some(&alice), json!({}))
        .await;
    let new_path = r.body["path"].as_str().unwrap().to_owned();
    assert_ne!(new_path, path);
    app.get(&path, None).await.expect(404, Some("not_found"));
    app.get(&new_path, None).await.expect(200, None);
    app.request(
        Method::DELETE,
        "/api/v1/me/calendar",
        Some(&alice),
        None,
        &[],
    )
    .await
    .expect(204, None);
    app.get(&new_path, None)
        .await
        .expect(404, Some("not_found"));
    app.get("/api/v1/calendar/not-a-token.ics", None)
        .await
        .expect(404, Some("not_found"));
});

#[actix_web::test]
async fn demo_seed_has_the_team_activities_and_shelves() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.seed_demo();
    let token = app.token("seed-viewer", "resident").await;
    let r = app.get("/api/v1/teams", Some(&token)).await;
    assert_eq!(r.body["items"][0]["name"], "七彩之光志愿服务队");
    assert_eq!(r.body["items"][0]["leaders"].as_array().unwrap().len(), 2);
    let r = app
        .get("/api/v1/activities?per_page=100", Some(&token))
        .await;
    assert_eq!(r.body["total"], 12);
    let kinds: HashSet<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["category"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    let r = app.get("/api/v1/points-shop/items", Some(&token)).await;
    assert_eq!(r.body["total"], 8);
    // The seeded leader runs the team's activities.
    let leader = app.token("qicai-leader-1", "team_leader").await;
    let first = app
        .get("/api/v1/activities?per_page=1", Some(&leader))
        .await;
    let aid = first.body["items"][0]["id"].as_i64().unwrap();
    let r = app
        .get(&format!("/api/v1/activities/{aid}"), Some(&leader))
        .await;
    assert_eq!(r.body["can_manage"], true);
    let again = linli::seed::demo(&mut app.db.conn(), 1).unwrap();
    assert!(
        again
            .iter()
            .any(|l| l.contains("volunteering: already loaded")),
        "{again:?}"
    );
}

// ---------------------------------------------------------------- races across processes

/// Log in many residents at once (a few at a time).
async fn logins(http: &reqwest::Client, base: &str, prefix: &str, n: usize) -> Vec<(String, i64)> {
    let mut out = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(25) {
        let mut tasks = Vec::new();
        for i in chunk {
            let http = http.clone();
            let url = format!("{base}/api/v1/auth/dev");
            let openid = format!("{prefix}-{i}");
            tasks.push(actix_web::rt::spawn(async move {
                let v: Value = http
                    .post(url)
                    .json(&json!({"openid": openid, "role": "resident"}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                (
                    v["access_token"].as_str().unwrap().to_owned(),
                    v["user"]["id"].as_i64().unwrap(),
                )
            }));
        }
        for t in tasks {
            out.push(t.await.unwrap());
        }
    }
    out
}

/// POST with an Idempotency-Key, retrying (with the same key) while the server asks to.
async fn post_retrying(
    http: reqwest::Client,
    url: String,
    token: String,
    body: Value,
    key: String,
) -> (u16, Value) {
    for _ in 0..50 {
        let r = http
            .post(&url)
            .bearer_auth(&token)
            .header("Idempotency-Key", &key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if status == 503 || (status == 409 && v["code"] == "idempotency_in_progress") {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
            continue;
        }
        return (status, v);
    }
    panic!("the server kept asking to retry");
}

struct Cluster {
    db: TestDb,
    servers: Vec<ServerProcess>,
    http: reqwest::Client,
}

impl Cluster {
    fn start() -> Cluster {
        let db = TestDb::new(Backend::Mysql);
        {
            let mut conn = db.conn();
            linli::db::run_migrations(&mut conn).unwrap();
            add_community(&mut conn, "DJ", "东街社区");
        }
        let envs = [
            ("LINLI_BACKGROUND_JOBS", "0"),
            ("LINLI_DB_TIMEOUT_MS", "10000"),
        ];
        let servers = ServerProcess::start_many(&db, &envs, PROCESSES);
        Cluster {
            db,
            servers,
            http: reqwest::Client::new(),
        }
    }

    fn base(&self, i: usize) -> &str {
        &self.servers[i % self.servers.len()].base
    }

    async fn token(&self, name: &str, role: &str) -> (String, i64) {
        let v: Value = self
            .http
            .post(format!("{}/api/v1/auth/dev", self.base(0)))
            .json(&json!({"openid": name, "role": role}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            v["access_token"].as_str().unwrap().to_owned(),
            v["user"]["id"].as_i64().unwrap(),
        )
    }

    async fn call(&self, method: Method, path: &str, token: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .request(method, format!("{}{path}", self.base(1)))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

/// The roster as (user id, status, position), confirmed first then the waitlist in order.
async fn full_roster(c: &Cluster, leader: &str, activity: i64) -> Vec<(i64, String, Option<i64>)> {
    let mut out = Vec::new();
    for page in 1.. {
        let (s, v) = c
            .call(
                Method::GET,
                &format!("/api/v1/activities/{activity}/signups?per_page=100&page={page}"),
                leader,
                Value::Null,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let items = v["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        for i in items {
            out.push((
                i["user_id"].as_i64().unwrap(),
                i["status"].as_str().unwrap().to_owned(),
                i["position"].as_i64(),
            ));
        }
    }
    out
}

#[actix_web::test]
async fn five_hundred_residents_race_for_thirty_seats_across_three_processes() {
    let c = Cluster::start();
    let (staff, _) = c.token("race-staff", "staff").await;
    let (_, leader_id) = c.token("race-leader", "resident").await;
    let (s, team) = c
        .call(
            Method::POST,
            "/api/v1/teams",
            &staff,
            json!({"name": "七彩之光志愿服务队"}),
        )
        .await;
    assert_eq!(s, 201, "{team}");
    let team_id = team["id"].as_i64().unwrap();
    let community_id: i64 = communities::table
        .select(communities::id)
        .first(&mut c.db.conn())
        .unwrap();
    diesel::insert_into(linli::db::schema::team_members::table)
        .values((
            linli::db::schema::team_members::team_id.eq(team_id),
            linli::db::schema::team_members::user_id.eq(leader_id),
            linli::db::schema::team_members::role.eq("leader"),
            linli::db::schema::team_members::joined_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(&mut c.db.conn())
        .unwrap();
    let (leader, _) = c.token("race-leader", "team_leader").await;
    let starts = Utc::now() + Duration::days(2);
    let (s, act) = c
        .call(Method::POST, "/api/v1/activities", &leader, json!({
            "team_id": team_id, "community_id": community_id, "title": "义务理发", "category": "haircut",
            "place": "东街社区服务中心", "starts_at": rfc(starts), "ends_at": rfc(starts + Duration::hours(2)),
            "capacity": 30, "points_per_hour": 10
        }))
        .await;
    assert_eq!(s, 201, "{act}");
    let id = act["id"].as_i64().unwrap();
    let residents = logins(&c.http, c.base(0), "racer", 500).await;

    // 500 sign-ups at once, spread over the processes.
    let mut tasks = Vec::new();
    for (i, (token, _)) in residents.iter().enumerate() {
        let url = format!("{}/api/v1/activities/{id}/signups", c.base(i));
        tasks.push(actix_web::rt::spawn(post_retrying(
            c.http.clone(),
            url,
            token.clone(),
            json!({}),
            format!("signup-{i}"),
        )));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    assert!(
        answers.iter().all(|(s, _)| *s == 201),
        "{:?}",
        answers.iter().find(|(s, _)| *s != 201)
    );
    let confirmed = answers
        .iter()
        .filter(|(_, v)| v["status"] == "confirmed")
        .count();
    assert_eq!(confirmed, 30);
    let mut positions: Vec<i64> = answers
        .iter()
        .filter(|(_, v)| v["status"] == "waitlisted")
        .map(|(_, v)| v["position"].as_i64().unwrap())
        .collect();
    positions.sort_unstable();
    assert_eq!(positions, (1..=470).collect::<Vec<_>>());

    // What is stored: no duplicates, exactly 30 seats taken, positions 1..470 in queue order.
    let mut conn = c.db.conn();
    let rows: Vec<i64> = signups::table
        .filter(signups::activity_id.eq(id))
        .select(signups::user_id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(rows.len(), 500);
    assert_eq!(rows.iter().collect::<HashSet<_>>().len(), 500);
    let taken: i32 = activities::table
        .find(id)
        .select(activities::seats_taken)
        .first(&mut conn)
        .unwrap();
    assert_eq!(taken, 30);
    let roster = full_roster(&c, &leader, id).await;
    assert_eq!(roster.len(), 500);
    assert_eq!(roster.iter().filter(|r| r.1 == "confirmed").count(), 30);
    let waitlist: Vec<i64> = roster
        .iter()
        .filter(|r| r.1 == "waitlisted")
        .map(|r| r.0)
        .collect();
    let shown: Vec<i64> = roster.iter().filter_map(|r| r.2).collect();
    assert_eq!(shown, (1..=470).collect::<Vec<_>>());
    // Each resident's own view agrees with the roster.
    let by_user: HashMap<i64, &String> = residents.iter().map(|(t, u)| (*u, t)).collect();
    for (pos, uid) in waitlist.iter().enumerate().step_by(97) {
        let (_, v) = c
            .call(
                Method::GET,
                &format!("/api/v1/activities/{id}"),
                by_user[uid],
                Value::Null,
            )
            .await;
        assert_eq!(v["my_signup"]["position"].as_i64(), Some(pos as i64 + 1));
    }

    // 50 random cancellations of confirmed seats, in two concurrent waves.
    use rand::seq::SliceRandom;
    let mut rng = rand::rng();
    let signup_ids: HashMap<i64, i64> = signups::table
        .filter(signups::activity_id.eq(id))
        .select((signups::user_id, signups::id))
        .load::<(i64, i64)>(&mut conn)
        .unwrap()
        .into_iter()
        .collect();
    let mut cancelled = HashSet::new();
    for wave in [25usize, 25] {
        let current = full_roster(&c, &leader, id).await;
        let mut seated: Vec<i64> = current
            .iter()
            .filter(|r| r.1 == "confirmed")
            .map(|r| r.0)
            .collect();
        seated.shuffle(&mut rng);
        let mut tasks = Vec::new();
        for (i, uid) in seated.into_iter().take(wave).enumerate() {
            cancelled.insert(uid);
            let url = format!("{}/api/v1/signups/{}/cancel", c.base(i), signup_ids[&uid]);
            tasks.push(actix_web::rt::spawn(post_retrying(
                c.http.clone(),
                url,
                by_user[&uid].clone(),
                json!({}),
                format!("cancel-{uid}"),
            )));
        }
        for t in tasks {
            let (s, v) = t.await.unwrap();
            assert_eq!(s, 200, "{v}");
        }
    }
    assert_eq!(cancelled.len(), 50);
    let after = full_roster(&c, &leader, id).await;
    let seated: HashSet<i64> = after
        .iter()
        .filter(|r| r.1 == "confirmed")
        .map(|r| r.0)
        .collect();
    assert_eq!(seated.len(), 30);
    let taken: i32 = activities::table
        .find(id)
        .select(activities::seats_taken)
        .first(&mut conn)
        .unwrap();
    assert_eq!(taken, 30);
    // The first 50 of the waitlist were promoted (some of them cancelled again in wave two);
    // the rest keep their order with positions 1..420.
    let promoted: HashSet<i64> = waitlist[..50].iter().copied().collect();
    assert!(seated
        .iter()
        .all(|u| promoted.contains(u) || !waitlist.contains(u)));
    assert!(promoted
        .iter()
        .all(|u| seated.contains(u) || cancelled.contains(u)));
    let still_waiting: Vec<i64> = after
        .iter()
        .filter(|r| r.1 == "waitlisted")
        .map(|r| r.0)
        .collect();
    assert_eq!(still_waiting, waitlist[50..].to_vec());
    let shown: Vec<i64> = after.iter().filter_map(|r| r.2).collect();
    assert_eq!(shown, (1..=420).collect::<Vec<_>>());
    let told: i64 = notifications::table
        .filter(notifications::kind.eq("signup.promoted"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(told, 50, "each promoted person is told once");

    // Never signed up twice: 20 residents each tap three times at once (different keys, both
    // servers) on another activity: one sign-up each, the other taps refused.
    let (s, act2) = c
        .call(Method::POST, "/api/v1/activities", &leader, json!({
            "team_id": team_id, "community_id": community_id, "title": "家电修理", "category": "appliance_repair",
            "place": "东街社区服务中心", "starts_at": rfc(starts), "ends_at": rfc(starts + Duration::hours(2)),
            "capacity": 5, "points_per_hour": 10
        }))
        .await;
    assert_eq!(s, 201, "{act2}");
    let id2 = act2["id"].as_i64().unwrap();
    let mut tasks = Vec::new();
    for (i, (token, uid)) in residents.iter().take(20).enumerate() {
        for tap in 0..3 {
            let url = format!("{}/api/v1/activities/{id2}/signups", c.base(i + tap));
            tasks.push((
                *uid,
                actix_web::rt::spawn(post_retrying(
                    c.http.clone(),
                    url,
                    token.clone(),
                    json!({}),
                    format!("double-{uid}-{tap}"),
                )),
            ));
        }
    }
    let mut created: HashMap<i64, usize> = HashMap::new();
    for (uid, t) in tasks {
        let (s, v) = t.await.unwrap();
        match s {
            201 => *created.entry(uid).or_default() += 1,
            409 => assert_eq!(v["code"], "already_signed_up", "{v}"),
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!(created.len(), 20);
    assert!(created.values().all(|n| *n == 1), "{created:?}");
    let roster2 = full_roster(&c, &leader, id2).await;
    assert_eq!(roster2.len(), 20);
    assert_eq!(roster2.iter().filter(|r| r.1 == "confirmed").count(), 5);
    let shown: Vec<i64> = roster2.iter().filter_map(|r| r.2).collect();
    assert_eq!(shown, (1..=15).collect::<Vec<_>>());
}

#[actix_web::test]
async fn a_crowd_redeeming_the_last_items_never_oversells_or_overdraws() {
    let c = Cluster::start();
    let (staff, _) = c.token("shop-staff", "staff").await;
    let (s, item) = c
        .call(
            Method::POST,
            "/api/v1/points-shop/items",
            &staff,
            json!({"name": "食用油 5L", "price_points": 30, "stock": 10}),
        )
        .await;
    assert_eq!(s, 201, "{item}");
    let item_id = item["id"].as_i64().unwrap();
    let residents = logins(&c.http, c.base(0), "shopper", 40).await;
    for (_, uid) in &residents {
        let (s, v) = c
            .call(
                Method::POST,
                &format!("/api/v1/users/{uid}/points/adjustments"),
                &staff,
                json!({"amount": 50, "note": "活动奖励"}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
    }
    // Each resident taps twice at once (50 points buy one item at 30), on two different server processes.
    let mut tasks = Vec::new();
    for (i, (token, uid)) in residents.iter().enumerate() {
        for tap in 0..2 {
            let url = format!(
                "{}/api/v1/points-shop/items/{item_id}/redeem",
                c.base(i + tap)
            );
            tasks.push((
                *uid,
                actix_web::rt::spawn(post_retrying(
                    c.http.clone(),
                    url,
                    token.clone(),
                    json!({}),
                    format!("redeem-{uid}-{tap}"),
                )),
            ));
        }
    }
    let mut ok_by_user: HashMap<i64, usize> = HashMap::new();
    let mut ok = 0;
    for (uid, t) in tasks {
        let (s, v) = t.await.unwrap();
        match s {
            201 => {
                ok += 1;
                *ok_by_user.entry(uid).or_default() += 1;
            }
            409 => assert_eq!(v["code"], "out_of_stock", "{v}"),
            422 => assert_eq!(v["code"], "insufficient_points", "{v}"),
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!(ok, 10);
    assert!(
        ok_by_user.values().all(|n| *n == 1),
        "nobody could afford two"
    );
    let mut conn = c.db.conn();
    let stock: i32 = shop_items::table
        .find(item_id)
        .select(shop_items::stock)
        .first(&mut conn)
        .unwrap();
    assert_eq!(stock, 0);
    let n: i64 = redemptions::table.count().get_result(&mut conn).unwrap();
    assert_eq!(n, 10);
    assert_ledger_matches(&mut conn);
    let spent: Vec<i32> = points_ledger::table
        .filter(points_ledger::reason.eq("redemption"))
        .select(points_ledger::amount)
        .load(&mut conn)
        .unwrap();
    assert_eq!(spent.iter().sum::<i32>(), -300);
}
