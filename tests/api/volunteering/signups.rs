//! Sign-ups: idempotent retries, seats then a numbered waitlist, cancellations that promote,
//! required skills, the deadline, cancelled and started activities; the leader's roster as
//! JSON and CSV.

use chrono::Duration;
use reqwest::Method;
use serde_json::{json, Value};

use super::*;
use crate::on_both;

/// An activity with two seats in 48 hours: Alice and Bob have the seats, Carol and Dave wait
/// (in that order); Erin is another resident, not signed up.
struct Signups {
    ctx: Ctx,
    id: i64,
    alice: String,
    bob: String,
    carol: String,
    dave: String,
    erin: String,
    alice_signup: i64,
    carol_join: Res,
    dave_join: Res,
}

async fn two_seated_two_waiting(app: &TestApp) -> Signups {
    let ctx = setup(app).await;
    let a = activity(app, &ctx, 48, json!({"capacity": 2})).await;
    let id = a["id"].as_i64().unwrap();
    let (alice, _) = user(app, "su-alice").await;
    let (bob, _) = user(app, "su-bob").await;
    let (carol, _) = user(app, "su-carol").await;
    let (dave, _) = user(app, "su-dave").await;
    let (erin, _) = user(app, "su-erin").await;
    let first = sign_up(app, &alice, id).await;
    first.expect(201, None);
    sign_up(app, &bob, id).await.expect(201, None);
    let carol_join = sign_up(app, &carol, id).await;
    let dave_join = sign_up(app, &dave, id).await;
    Signups {
        ctx,
        id,
        alice,
        bob,
        carol,
        dave,
        erin,
        alice_signup: first.body["id"].as_i64().unwrap(),
        carol_join,
        dave_join,
    }
}

/// Cancel a sign-up as `token`.
async fn cancel(app: &TestApp, token: &str, signup: i64) -> Res {
    app.post(
        &format!("/api/v1/signups/{signup}/cancel"),
        Some(token),
        json!({}),
    )
    .await
}

on_both!(
    a_retried_sign_up_replays_the_first_answer_and_a_second_is_refused,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let a = activity(&app, &ctx, 48, json!({"capacity": 2})).await;
        let id = a["id"].as_i64().unwrap();
        let (alice, _) = user(&app, "su-alice").await;
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
    }
);

on_both!(
    seats_fill_then_the_waitlist_numbers_in_order,
    spawn = spawn_long,
    |app| {
        let s = two_seated_two_waiting(&app).await;
        s.carol_join.expect(201, None);
        assert_eq!(s.carol_join.body["status"], "waitlisted");
        assert_eq!(s.carol_join.body["position"], 1);
        assert_eq!(s.dave_join.body["position"], 2);
        let r = app
            .get(&format!("/api/v1/activities/{}", s.id), Some(&s.dave))
            .await;
        assert_eq!(r.body["seats_left"], 0);
        assert_eq!(r.body["waitlist_count"], 2);
        assert_eq!(r.body["my_signup"]["status"], "waitlisted");
        assert_eq!(r.body["my_signup"]["position"], 2);
    }
);

on_both!(
    cancelling_a_confirmed_seat_promotes_the_first_waitlisted_who_is_told,
    spawn = spawn_long,
    |app| {
        let s = two_seated_two_waiting(&app).await;
        cancel(&app, &s.bob, s.alice_signup)
            .await
            .expect(404, Some("not_found"));
        let r = cancel(&app, &s.alice, s.alice_signup).await;
        r.expect(200, None);
        assert_eq!(r.body["status"], "cancelled");
        cancel(&app, &s.alice, s.alice_signup)
            .await
            .expect(409, Some("signup_not_live"));
        let r = app
            .get(&format!("/api/v1/activities/{}", s.id), Some(&s.carol))
            .await;
        assert_eq!(r.body["my_signup"]["status"], "confirmed");
        assert_eq!(r.body["seats_taken"], 2);
        assert!(notice_kinds(&app, &s.carol)
            .await
            .contains(&"signup.promoted".to_owned()));
        let r = app
            .get(&format!("/api/v1/activities/{}", s.id), Some(&s.dave))
            .await;
        assert_eq!(r.body["my_signup"]["position"], 1, "positions stay 1..N");
    }
);

on_both!(
    a_cancelled_sign_up_may_sign_up_again_at_the_end_of_the_queue,
    spawn = spawn_long,
    |app| {
        let s = two_seated_two_waiting(&app).await;
        cancel(&app, &s.alice, s.alice_signup)
            .await
            .expect(200, None);
        let r = sign_up(&app, &s.alice, s.id).await;
        r.expect(201, None);
        assert_eq!(r.body["position"], 2);
        let mine = app.get("/api/v1/me/signups", Some(&s.alice)).await;
        assert_eq!(mine.body["total"], 2);
        assert_eq!(mine.body["items"][0]["activity_title"], "东街社区义务理发");
    }
);

on_both!(
    required_skills_must_be_on_the_volunteers_profile,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let (erin, _) = user(&app, "su-erin").await;
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
    }
);

on_both!(sign_ups_close_at_the_deadline, spawn = spawn_long, |app| {
    let ctx = setup(&app).await;
    let (erin, _) = user(&app, "su-erin").await;
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
});

// Cancelling the activity tells everyone signed up, confirmed or waitlisted, and closes it.
on_both!(
    cancelling_an_activity_tells_everyone_signed_up_and_closes_it,
    spawn = spawn_long,
    |app| {
        let s = two_seated_two_waiting(&app).await;
        let id = s.id;
        let r = app
            .post(
                &format!("/api/v1/activities/{id}/cancel"),
                Some(&s.ctx.leader),
                json!({"reason": "因降雪改期"}),
            )
            .await;
        r.expect(200, None);
        assert_eq!(r.body["status"], "cancelled");
        assert_eq!(r.body["cancel_reason"], "因降雪改期");
        for t in [&s.bob, &s.carol, &s.dave, &s.alice] {
            assert!(notice_kinds(&app, t)
                .await
                .contains(&"activity.cancelled".to_owned()));
        }
        assert!(!notice_kinds(&app, &s.erin)
            .await
            .contains(&"activity.cancelled".to_owned()));
        sign_up(&app, &s.erin, id)
            .await
            .expect(409, Some("activity_not_open"));
        app.post(
            &format!("/api/v1/activities/{id}/cancel"),
            Some(&s.ctx.leader),
            json!({}),
        )
        .await
        .expect(409, Some("activity_not_open"));
        let r = app.get("/api/v1/activities", Some(&s.erin)).await;
        assert!(r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != id));
    }
);

on_both!(
    a_sign_up_can_no_longer_be_cancelled_once_the_activity_started,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let (erin, _) = user(&app, "su-erin").await;
        let soon = activity(&app, &ctx, 3, json!({})).await;
        let s = sign_up(&app, &erin, soon["id"].as_i64().unwrap()).await;
        app.clock.advance(Duration::hours(4));
        cancel(&app, &erin, s.body["id"].as_i64().unwrap())
            .await
            .expect(409, Some("activity_already_started"));
    }
);

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

on_both!(csv_exports_defuse_formulas_in_the_roster, |app| {
    let ctx = setup(&app).await;
    let a = activity(&app, &ctx, 24, json!({"capacity": 10})).await;
    let id = a["id"].as_i64().unwrap();
    let names = [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+1+1",
        "-2+3",
        "@SUM(A1:A9)",
        "\tcmd",
        "\rcmd",
    ];
    for (i, nickname) in names.iter().enumerate() {
        let (t, uid) = user(&app, &format!("formula-{i}")).await;
        diesel::update(users::table.find(uid))
            .set(users::nickname.eq(*nickname))
            .execute(&mut app.db.conn())
            .unwrap();
        sign_up(&app, &t, id).await.expect(201, None);
    }
    let r = app
        .get(
            &format!("/api/v1/activities/{id}/signups.csv"),
            Some(&ctx.leader),
        )
        .await;
    r.expect(200, None);
    let body = r.text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new().from_reader(body.as_bytes());
    let mut got: Vec<String> = reader.records().map(|r| r.unwrap()[2].to_owned()).collect();
    let mut want: Vec<String> = names.iter().map(|n| format!("'{n}")).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "{}", r.text);
});
