//! Activities: who may create and edit them, each invalid field named, local times, what a
//! resident sees, the list and its filters, capacity edits, and no changes once started.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use super::*;
use crate::on_both;

/// A valid body for a health clinic of the context's team starting in 48 hours, and its start.
fn clinic(app: &TestApp, ctx: &Ctx) -> (Value, DateTime<Utc>) {
    let starts = app.clock.now() + Duration::hours(48);
    let base = json!({
        "team_id": ctx.team_id, "community_id": ctx.community_id, "title": "健康义诊",
        "category": "health_clinic", "place": "东街卫生室",
        "starts_at": rfc(starts), "ends_at": rfc(starts + Duration::hours(3)),
        "capacity": 10, "points_per_hour": 12
    });
    (base, starts)
}

/// A talk on the local day `d` (30 days ahead) from 09:00 to 11:30 +08:00, sent by the leader.
async fn local_time_talk(app: &TestApp, ctx: &Ctx) -> (Res, NaiveDate) {
    let (mut b, _) = clinic(app, ctx);
    let d = (app.clock.now() + Duration::days(30))
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    b["starts_at"] = json!(format!("{d}T09:00:00+08:00"));
    b["ends_at"] = json!(format!("{d}T11:30:00+08:00"));
    b["category"] = json!("talk");
    let r = app.post("/api/v1/activities", Some(&ctx.leader), b).await;
    (r, d)
}

/// The three activities the list tests see: the local-time talk on day `d`, the clinic in 48
/// hours (posted by staff) and a one-seat talk in 24 hours (the soonest).
struct Three {
    d: NaiveDate,
    talk_id: i64,
}

async fn three_activities(app: &TestApp, ctx: &Ctx) -> Three {
    let (r, d) = local_time_talk(app, ctx).await;
    r.expect(201, None);
    let (base, _) = clinic(app, ctx);
    app.post("/api/v1/activities", Some(&ctx.staff), base)
        .await
        .expect(201, None);
    let talk = activity(app, ctx, 24, json!({"category": "talk", "capacity": 1})).await;
    Three {
        d,
        talk_id: talk["id"].as_i64().unwrap(),
    }
}

/// Alice, Bob and Carol sign up, in that order, for an activity with one seat: Alice has it,
/// Bob and Carol wait.
async fn fill(app: &TestApp, id: i64) -> (String, String, String) {
    let (alice, _) = user(app, "act-alice").await;
    let (bob, _) = user(app, "act-bob").await;
    let (carol, _) = user(app, "act-carol").await;
    sign_up(app, &alice, id).await.expect(201, None);
    sign_up(app, &bob, id).await.expect(201, None);
    sign_up(app, &carol, id).await.expect(201, None);
    (alice, bob, carol)
}

on_both!(
    only_the_teams_leader_or_staff_create_activities,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let (alice, _) = user(&app, "act-alice").await;
        let other_leader = app.token("act-other-leader", "team_leader").await;
        let (base, _) = clinic(&app, &ctx);
        app.post("/api/v1/activities", Some(&alice), base.clone())
            .await
            .expect(403, Some("forbidden"));
        app.post("/api/v1/activities", Some(&other_leader), base.clone())
            .await
            .expect(403, Some("not_team_leader"));
        app.post("/api/v1/activities", Some(&ctx.staff), base)
            .await
            .expect(201, None);
    }
);

on_both!(
    each_invalid_activity_field_is_named,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let (base, starts) = clinic(&app, &ctx);
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
    }
);

on_both!(
    local_times_with_an_offset_are_accepted_and_returned_in_utc,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let (r, d) = local_time_talk(&app, &ctx).await;
        r.expect(201, None);
        assert_eq!(r.body["starts_at"], format!("{d}T01:00:00Z"));
        assert_eq!(r.body["signup_deadline"], format!("{d}T01:00:00Z"));
        assert!(r
            .header("location")
            .unwrap()
            .ends_with(&format!("/activities/{}", r.body["id"])));
    }
);

on_both!(
    the_leader_sees_the_check_in_code_and_a_resident_does_not,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let (alice, _) = user(&app, "act-alice").await;
        let talk = activity(&app, &ctx, 24, json!({"category": "talk", "capacity": 1})).await;
        let talk_id = talk["id"].as_i64().unwrap();
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
    }
);

on_both!(
    activities_list_soonest_first_and_filter_by_category_day_and_community,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let Three { d, talk_id } = three_activities(&app, &ctx).await;
        let (alice, _) = user(&app, "act-alice").await;
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
    }
);

on_both!(
    full_activities_drop_out_of_has_seats,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let Three { talk_id, .. } = three_activities(&app, &ctx).await;
        let (alice, _, _) = fill(&app, talk_id).await;
        let r = app
            .get("/api/v1/activities?has_seats=true", Some(&alice))
            .await;
        assert_eq!(r.body["total"], 2);
        let r = app
            .get("/api/v1/activities?has_seats=false", Some(&alice))
            .await;
        assert_eq!(r.body["total"], 1);
        assert_eq!(r.body["items"][0]["waitlist_count"], 2);
    }
);

// Edits: not by others; capacity never below the confirmed; raising it promotes.
on_both!(
    capacity_edits_never_go_below_the_confirmed_and_raising_it_promotes,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let talk = activity(&app, &ctx, 24, json!({"category": "talk", "capacity": 1})).await;
        let talk_id = talk["id"].as_i64().unwrap();
        let (_, bob, _) = fill(&app, talk_id).await;
        let other_leader = app.token("act-other-leader", "team_leader").await;
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
    }
);

on_both!(
    a_started_activity_can_no_longer_be_edited_or_cancelled,
    spawn = spawn_long,
    |app| {
        let ctx = setup(&app).await;
        let talk = activity(&app, &ctx, 24, json!({"category": "talk", "capacity": 1})).await;
        let path = format!("/api/v1/activities/{}", talk["id"]);
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
