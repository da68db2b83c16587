//! Attendance: checking in with the activity's code (or by the leader), checking out, closing
//! an ended activity (no-shows recorded, the rest credited to the end), and hours paid as points
//! once, also by the background job.

use chrono::Duration;
use diesel::prelude::*;
use linli::db::schema::signups;
use serde_json::{json, Value};

use super::*;
use crate::on_both;

/// An activity in 24 hours (three seats, 10 points an hour) with Alice, Bob and Carol seated
/// and Dave waiting.
struct Attendance {
    ctx: Ctx,
    id: i64,
    code: String,
    alice: String,
    alice_id: i64,
    bob: String,
    bob_id: i64,
    carol: String,
    dave: String,
    /// Alice's, Bob's and Carol's sign-ups.
    signup_ids: Vec<i64>,
    dave_signup: Res,
    check_in: String,
}

async fn three_seated_one_waiting(app: &TestApp) -> Attendance {
    let ctx = setup(app).await;
    let a = activity(app, &ctx, 24, json!({"capacity": 3, "points_per_hour": 10})).await;
    let id = a["id"].as_i64().unwrap();
    let code = a["checkin_code"].as_str().unwrap().to_owned();
    let (alice, alice_id) = volunteer(app, &ctx, "hp-alice").await;
    let (bob, bob_id) = volunteer(app, &ctx, "hp-bob").await;
    let (carol, _) = volunteer(app, &ctx, "hp-carol").await;
    let (dave, _) = volunteer(app, &ctx, "hp-dave").await;
    let mut signup_ids = Vec::new();
    for t in [&alice, &bob, &carol] {
        signup_ids.push(sign_up(app, t, id).await.body["id"].as_i64().unwrap());
    }
    let dave_signup = sign_up(app, &dave, id).await;
    Attendance {
        ctx,
        id,
        code,
        alice,
        alice_id,
        bob,
        bob_id,
        carol,
        dave,
        signup_ids,
        dave_signup,
        check_in: format!("/api/v1/activities/{id}/check-in"),
    }
}

/// 20 minutes before the start, Alice checks in with the code.
async fn alice_checks_in_early(app: &TestApp, a: &Attendance) {
    app.clock
        .advance(Duration::hours(24) - Duration::minutes(20));
    app.post(&a.check_in, Some(&a.alice), json!({"code": a.code}))
        .await
        .expect(200, None);
}

/// The leader checks Bob in 15 minutes after the start and out an hour later; the check-out's
/// answer.
async fn bob_stays_an_hour(app: &TestApp, a: &Attendance) -> Res {
    app.clock.advance(Duration::minutes(35));
    app.post(
        &format!("/api/v1/signups/{}/check-in", a.signup_ids[1]),
        Some(&a.ctx.leader),
        json!({}),
    )
    .await
    .expect(200, None);
    app.clock.advance(Duration::minutes(60));
    app.post(
        &format!("/api/v1/signups/{}/check-out", a.signup_ids[1]),
        Some(&a.ctx.leader),
        json!({}),
    )
    .await
}

on_both!(
    check_in_opens_twenty_minutes_early_and_takes_the_activitys_code,
    spawn = spawn_long,
    |app| {
        let a = three_seated_one_waiting(&app).await;
        let (check_in, code, alice) = (&a.check_in, &a.code, &a.alice);
        assert_eq!(a.dave_signup.body["status"], "waitlisted");
        // Too early.
        let r = app.post(check_in, Some(alice), json!({"code": code})).await;
        r.expect(422, Some("checkin_window_closed"));
        assert!(r.body["details"]["opens_at"].is_string());
        // 20 minutes before the start: the window is open.
        app.clock
            .advance(Duration::hours(24) - Duration::minutes(20));
        app.post(check_in, Some(alice), json!({"code": "WRONG1"}))
            .await
            .expect(422, Some("checkin_code_wrong"));
        let r = app
            .post(check_in, Some(alice), json!({"code": code.to_lowercase()}))
            .await;
        r.expect(200, None);
        assert!(r.body["checked_in_at"].is_string());
        app.post(check_in, Some(alice), json!({"code": code}))
            .await
            .expect(200, None);
        app.post(check_in, Some(&a.dave), json!({"code": code}))
            .await
            .expect(409, Some("signup_not_confirmed"));
        let (erin, _) = user(&app, "hp-erin").await;
        app.post(check_in, Some(&erin), json!({"code": code}))
            .await
            .expect(409, Some("signup_not_confirmed"));
    }
);

on_both!(
    the_leader_checks_people_in_and_out_and_an_hour_pays_at_once,
    spawn = spawn_long,
    |app| {
        let a = three_seated_one_waiting(&app).await;
        alice_checks_in_early(&app, &a).await;
        // The leader checks Bob in 15 minutes after the start; a resident cannot.
        app.clock.advance(Duration::minutes(35));
        let bob_in = format!("/api/v1/signups/{}/check-in", a.signup_ids[1]);
        app.post(&bob_in, Some(&a.alice), json!({}))
            .await
            .expect(403, Some("forbidden"));
        app.post(&bob_in, Some(&a.ctx.leader), json!({}))
            .await
            .expect(200, None);
        app.post(
            &format!("/api/v1/signups/{}/check-out", a.signup_ids[2]),
            Some(&a.ctx.leader),
            json!({}),
        )
        .await
        .expect(409, Some("not_checked_in"));
        // Bob leaves after an hour: 60 minutes, 10 points, at once.
        app.clock.advance(Duration::minutes(60));
        let bob_out = format!("/api/v1/signups/{}/check-out", a.signup_ids[1]);
        let r = app.post(&bob_out, Some(&a.ctx.leader), json!({})).await;
        r.expect(200, None);
        assert_eq!(r.body["service_minutes"], 60);
        assert_eq!(r.body["points_awarded"], 10);
        app.post(&bob_out, Some(&a.ctx.leader), json!({}))
            .await
            .expect(409, Some("already_checked_out"));
        let r = app.get("/api/v1/me/points", Some(&a.bob)).await;
        assert_eq!(r.body["balance"], 10);
        assert_eq!(r.body["service_minutes"], 60);
    }
);

// After the end: Carol is a no-show; Alice is credited to the end, capped at 2 hours; nobody
// is paid twice.
on_both!(
    closing_after_the_end_records_no_shows_and_credits_the_rest_once,
    spawn = spawn_long,
    |app| {
        let a = three_seated_one_waiting(&app).await;
        alice_checks_in_early(&app, &a).await;
        bob_stays_an_hour(&app, &a).await.expect(200, None);
        let (id, alice, bob, carol) = (a.id, &a.alice, &a.bob, &a.carol);
        let (alice_id, bob_id) = (a.alice_id, a.bob_id);
        // Not before the end.
        let close = format!("/api/v1/activities/{id}/close");
        app.post(&close, Some(&a.ctx.leader), json!({}))
            .await
            .expect(409, Some("activity_not_ended"));
        app.clock.advance(Duration::minutes(50));
        app.post(&a.check_in, Some(carol), json!({"code": a.code}))
            .await
            .expect(422, Some("checkin_window_closed"));
        let r = app.post(&close, Some(&a.ctx.leader), json!({})).await;
        r.expect(200, None);
        assert_eq!(r.body["no_shows"], 1);
        assert_eq!(r.body["settled"], 1);
        assert_eq!(r.body["points_paid"], 20);
        app.post(&close, Some(&a.ctx.leader), json!({}))
            .await
            .expect(409, Some("activity_not_open"));
        // The job finds nothing more to do: nobody is paid twice.
        let mut conn = app.db.conn();
        let later = app.clock.now_naive() + Duration::hours(5);
        assert_eq!(
            linli::volunteering::model::attendance::close_ended_activities(&mut conn, later)
                .unwrap(),
            0
        );
        let r = app.get("/api/v1/me/points", Some(alice)).await;
        assert_eq!(r.body["balance"], 20);
        assert_eq!(r.body["service_minutes"], 120);
        let r = app.get("/api/v1/me/points/ledger", Some(alice)).await;
        assert_eq!(r.body["total"], 1);
        assert_eq!(r.body["items"][0]["reason"], "activity_hours");
        assert_eq!(
            r.body["items"][0]["reference"],
            format!("activity:{id}:user:{alice_id}")
        );
        let r = app.get("/api/v1/me/points/ledger", Some(bob)).await;
        assert_eq!(
            r.body["items"][0]["reference"],
            format!("activity:{id}:user:{bob_id}")
        );
        let r = app
            .get(&format!("/api/v1/activities/{id}"), Some(carol))
            .await;
        assert_eq!(r.body["status"], "closed");
        assert_eq!(r.body["my_signup"]["no_show"], true);
        assert_eq!(r.body["my_signup"]["points_awarded"], Value::Null);
        assert!(notice_kinds(&app, alice)
            .await
            .contains(&"signup.hours_credited".to_owned()));
        let r = app.get("/api/v1/me/signups", Some(bob)).await;
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
        let (alice, _) = volunteer(&app, &ctx, "job-alice").await;
        let (bob, _) = volunteer(&app, &ctx, "job-bob").await;
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
        let close = linli::volunteering::model::attendance::close_ended_activities;
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
    the_check_in_code_is_compared_only_for_a_signed_up_volunteer_and_guessing_is_limited,
    spawn = spawn_long,
    |app| {
        let a = three_seated_one_waiting(&app).await;
        app.clock
            .advance(Duration::hours(24) - Duration::minutes(20));
        let wrong = if a.code == "0000" { "1111" } else { "0000" };
        // Not signed up, or only waitlisted: told so, whatever the code.
        let (stranger, _) = user(&app, "guess-stranger").await;
        for t in [&stranger, &a.dave] {
            app.post(&a.check_in, Some(t), json!({"code": wrong}))
                .await
                .expect(409, Some("signup_not_confirmed"));
        }
        for _ in 0..5 {
            app.post(&a.check_in, Some(&a.alice), json!({"code": wrong}))
                .await
                .expect(422, Some("checkin_code_wrong"));
        }
        let r = app
            .post(&a.check_in, Some(&a.alice), json!({"code": a.code}))
            .await;
        r.expect(429, Some("rate_limited"));
        assert!(r.header("retry-after").is_some());
        // Bob's guesses are his own.
        app.post(&a.check_in, Some(&a.bob), json!({"code": a.code}))
            .await
            .expect(200, None);
    }
);
