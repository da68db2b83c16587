//! Volunteer sign-ups: teams, activities, fair seats and waitlists, attendance, hours and
//! points, the points supermarket, micro-wishes, the roster and the calendar feed, the demo
//! data, and races across three server processes on MySQL.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use linli::db::schema::{communities, points_balances, points_ledger, users};
use linli::db::DbConn;
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

mod activities;
mod attendance;
mod calendar;
mod demo;
mod farming;
mod points;
pub(crate) mod races;
mod shop;
mod signups;
mod teams;
mod trust;
mod wishes;

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
    setup_team(app, community_id, "七彩之光志愿服务队").await
}

/// A staff member, a team named `name` and its leader, in `community_id`.
async fn setup_team(app: &TestApp, community_id: i64, name: &str) -> Ctx {
    let staff = app.token("vol-staff", "staff").await;
    let r = app
        .post(
            "/api/v1/teams",
            Some(&staff),
            json!({"name": name, "description": "义务理发、健康义诊"}),
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

/// An approved member of the context's team: joined, then approved by its leader.
async fn volunteer(app: &TestApp, ctx: &Ctx, name: &str) -> (String, i64) {
    let (token, id) = user(app, name).await;
    join_and_approve(app, ctx, &token, id).await;
    (token, id)
}

/// `token` (user `id`) asks to join the context's team and its leader approves.
async fn join_and_approve(app: &TestApp, ctx: &Ctx, token: &str, id: i64) {
    let r = app
        .post(
            &format!("/api/v1/teams/{}/join", ctx.team_id),
            Some(token),
            json!({}),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["my_status"], "pending");
    app.post(
        &format!("/api/v1/teams/{}/members/{id}/approve", ctx.team_id),
        Some(&ctx.leader),
        json!({}),
    )
    .await
    .expect(200, None);
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
