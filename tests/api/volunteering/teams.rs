//! Volunteer teams: created by staff, joined and left by residents, their members seen by the
//! leader; volunteer profiles (skills) and party-member registration.

use reqwest::Method;
use serde_json::json;

use super::*;
use crate::on_both;

/// A resident who joined the context's team and was approved: (token, user id).
async fn member(app: &TestApp, ctx: &Ctx, name: &str) -> (String, i64) {
    volunteer(app, ctx, name).await
}

/// Put a resident's skills.
async fn put_skills(app: &TestApp, token: &str, skills: Value) -> Res {
    app.request(
        Method::PUT,
        "/api/v1/me/volunteer-profile",
        Some(token),
        Some(json!({ "skills": skills })),
        &[],
    )
    .await
}

on_both!(only_staff_create_teams_and_names_are_unique, |app| {
    let ctx = setup(&app).await;
    let (alice, _) = user(&app, "vol-alice").await;
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
});

on_both!(residents_join_a_team_once_and_leave_it, |app| {
    let ctx = setup(&app).await;
    let (alice, _) = user(&app, "vol-alice").await;
    let join = format!("/api/v1/teams/{}/join", ctx.team_id);
    let r = app.post(&join, Some(&alice), json!({})).await;
    r.expect(200, None);
    assert_eq!(r.body["my_role"], "member");
    assert_eq!(r.body["my_status"], "pending");
    assert_eq!(r.body["member_count"], 1, "a pending member is not counted");
    app.post(&join, Some(&alice), json!({}))
        .await
        .expect(409, Some("already_team_member"));
    let r = app.get("/api/v1/teams", Some(&alice)).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["name"], "七彩之光志愿服务队");
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

on_both!(only_the_teams_leader_sees_its_members, |app| {
    let ctx = setup(&app).await;
    let (alice, _) = member(&app, &ctx, "vol-alice").await;
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
});

on_both!(
    volunteer_profiles_normalise_skills_and_name_a_bad_one,
    |app| {
        let ctx = setup(&app).await;
        let (alice, _) = member(&app, &ctx, "vol-alice").await;
        let r = put_skills(&app, &alice, json!([" 理发 ", "First-Aid", "first-aid"])).await;
        r.expect(200, None);
        assert_eq!(r.body["skills"], json!(["理发", "first-aid"]));
        assert_eq!(r.body["teams"][0]["id"], ctx.team_id);
        let r = put_skills(&app, &alice, json!(["ok", ""])).await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], "skills[1]");
    }
);

on_both!(staff_register_party_members, |app| {
    let ctx = setup(&app).await;
    let (alice, alice_id) = member(&app, &ctx, "vol-alice").await;
    put_skills(&app, &alice, json!([" 理发 ", "First-Aid", "first-aid"]))
        .await
        .expect(200, None);
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
});
