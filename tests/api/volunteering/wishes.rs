//! Micro-wishes: a resident posts a small need; a volunteer or party member claims it (or gives
//! it back), fulfils it, and the poster confirms, or the job does after seven days; points follow
//! once. Also what every area's rows and texts share, shown on wishes: texts are trimmed and
//! bounded in characters, and a stored status the code does not know is an error.

use chrono::Duration;
use linli::db::schema::wishes;
use reqwest::Method;
use serde_json::{json, Value};

use super::*;
use crate::on_both;

/// A poster, a stranger (neither volunteer nor party member), a volunteer of the context's
/// team and a registered party member, in the context's community.
struct People {
    community_id: i64,
    poster: String,
    stranger: String,
    volunteer: String,
    volunteer_id: i64,
    member: String,
}

async fn people(app: &TestApp) -> People {
    let ctx = setup(app).await;
    let (poster, _) = user(app, "wish-poster").await;
    let (stranger, _) = user(app, "wish-stranger").await;
    let (volunteer, volunteer_id) = volunteer(app, &ctx, "wish-volunteer").await;
    let (member, member_id) = user(app, "wish-party").await;
    app.request(
        Method::PUT,
        &format!("/api/v1/users/{member_id}/party-member"),
        Some(&ctx.staff),
        Some(json!({"is_party_member": true, "party_unit": "县财政局"})),
        &[],
    )
    .await
    .expect(200, None);
    People {
        community_id: ctx.community_id,
        poster,
        stranger,
        volunteer,
        volunteer_id,
        member,
    }
}

/// The poster's first wish (a radio to mend); the answer.
async fn post_radio_wish(app: &TestApp, p: &People) -> Res {
    app.post("/api/v1/wishes", Some(&p.poster), json!({"title": "帮忙修理收音机", "description": "没有声音了", "community_id": p.community_id}))
        .await
}

/// `POST /api/v1/wishes/{id}/{action}` as `token`.
async fn act(app: &TestApp, id: i64, action: &str, token: &str) -> Res {
    app.post(
        &format!("/api/v1/wishes/{id}/{action}"),
        Some(token),
        json!({}),
    )
    .await
}

/// The first wish, claimed and fulfilled by the party member and confirmed by its poster.
async fn first_wish_confirmed(app: &TestApp, p: &People) -> i64 {
    let id = post_radio_wish(app, p).await.body["id"].as_i64().unwrap();
    act(app, id, "claim", &p.member).await.expect(200, None);
    act(app, id, "fulfil", &p.member).await.expect(200, None);
    act(app, id, "confirm", &p.poster).await.expect(200, None);
    id
}

/// A second wish, claimed and fulfilled by the volunteer; its id.
async fn second_wish_fulfilled(app: &TestApp, p: &People) -> i64 {
    let r = app
        .post(
            "/api/v1/wishes",
            Some(&p.poster),
            json!({"title": "代买药品"}),
        )
        .await;
    let id2 = r.body["id"].as_i64().unwrap();
    act(app, id2, "claim", &p.volunteer).await.expect(200, None);
    act(app, id2, "fulfil", &p.volunteer)
        .await
        .expect(200, None);
    id2
}

on_both!(
    only_volunteers_and_party_members_claim_a_wish_and_never_their_own,
    spawn = spawn_long,
    |app| {
        let p = people(&app).await;
        let r = post_radio_wish(&app, &p).await;
        r.expect(201, None);
        assert_eq!(r.body["status"], "open");
        assert_eq!(r.body["points"], 20);
        let id = r.body["id"].as_i64().unwrap();
        act(&app, id, "claim", &p.stranger)
            .await
            .expect(403, Some("volunteer_required"));
        act(&app, id, "claim", &p.poster)
            .await
            .expect(422, Some("cannot_claim_own_wish"));
        let r = act(&app, id, "claim", &p.volunteer).await;
        r.expect(200, None);
        assert_eq!(r.body["status"], "claimed");
        assert_eq!(r.body["claimer"]["user_id"], p.volunteer_id);
        act(&app, id, "claim", &p.member)
            .await
            .expect(409, Some("wish_already_claimed"));
        assert!(notice_kinds(&app, &p.poster)
            .await
            .contains(&"wish.claimed".to_owned()));
    }
);

// Given back by its claimer (only), then claimed by another.
on_both!(
    a_claim_is_given_back_only_by_its_claimer,
    spawn = spawn_long,
    |app| {
        let p = people(&app).await;
        let id = post_radio_wish(&app, &p).await.body["id"].as_i64().unwrap();
        act(&app, id, "claim", &p.volunteer).await.expect(200, None);
        act(&app, id, "release", &p.member)
            .await
            .expect(409, Some("wish_not_claimed_by_you"));
        let r = act(&app, id, "release", &p.volunteer).await;
        assert_eq!(r.body["status"], "open");
        assert_eq!(r.body["claimer"], Value::Null);
        act(&app, id, "claim", &p.member).await.expect(200, None);
    }
);

on_both!(
    the_poster_confirms_a_fulfilled_wish_and_the_claimer_is_paid,
    spawn = spawn_long,
    |app| {
        let p = people(&app).await;
        let (poster, member) = (&p.poster, &p.member);
        let id = post_radio_wish(&app, &p).await.body["id"].as_i64().unwrap();
        act(&app, id, "claim", member).await.expect(200, None);
        act(&app, id, "withdraw", poster)
            .await
            .expect(409, Some("wish_not_open"));
        act(&app, id, "confirm", poster)
            .await
            .expect(409, Some("wish_not_fulfilled"));
        act(&app, id, "fulfil", &p.volunteer)
            .await
            .expect(409, Some("wish_not_claimed_by_you"));
        let r = act(&app, id, "fulfil", member).await;
        assert_eq!(r.body["status"], "fulfilled");
        assert!(r.body["auto_confirm_at"].is_string());
        act(&app, id, "confirm", member)
            .await
            .expect(403, Some("forbidden"));
        let r = act(&app, id, "confirm", poster).await;
        r.expect(200, None);
        assert_eq!(r.body["status"], "confirmed");
        assert_eq!(r.body["auto_confirmed"], false);
        act(&app, id, "confirm", poster)
            .await
            .expect(409, Some("wish_not_fulfilled"));
        let r = app.get("/api/v1/me/points/ledger", Some(member)).await;
        assert_eq!(r.body["total"], 1);
        assert_eq!(r.body["items"][0]["reference"], format!("wish:{id}"));
        assert_eq!(r.body["items"][0]["amount"], 20);
        assert!(notice_kinds(&app, member)
            .await
            .contains(&"wish.confirmed".to_owned()));
        assert_ledger_matches(&mut app.db.conn());
    }
);

// A fulfilled wish confirms itself after 7 days, paying once even if the job runs twice.
on_both!(
    a_fulfilled_wish_confirms_itself_after_seven_days_and_pays_once,
    spawn = spawn_long,
    |app| {
        let p = people(&app).await;
        let id2 = second_wish_fulfilled(&app, &p).await;
        let mut conn = app.db.conn();
        let auto = |c: &mut linli::db::DbConn, t| {
            linli::volunteering::model::wishes::auto_confirm(c, t, 200)
        };
        let now = app.clock.now_naive();
        assert_eq!(auto(&mut conn, now + Duration::days(6)).unwrap(), 0);
        assert_eq!(
            auto(&mut conn, now + Duration::days(7) + Duration::minutes(1)).unwrap(),
            1
        );
        assert_eq!(auto(&mut conn, now + Duration::days(8)).unwrap(), 0);
        let r = app
            .get(&format!("/api/v1/wishes/{id2}"), Some(&p.stranger))
            .await;
        assert_eq!(r.body["status"], "confirmed");
        assert_eq!(r.body["auto_confirmed"], true);
        let r = app.get("/api/v1/me/points", Some(&p.volunteer)).await;
        assert_eq!(r.body["balance"], 20);
        assert_ledger_matches(&mut conn);
    }
);

// Lists of open, confirmed and one's own wishes; withdrawing an open wish.
on_both!(
    open_wishes_are_listed_and_withdrawn_only_by_their_poster,
    spawn = spawn_long,
    |app| {
        let p = people(&app).await;
        let (poster, stranger) = (&p.poster, &p.stranger);
        first_wish_confirmed(&app, &p).await;
        second_wish_fulfilled(&app, &p).await;
        let mut conn = app.db.conn();
        let now = app.clock.now_naive();
        linli::volunteering::model::wishes::auto_confirm(
            &mut conn,
            now + Duration::days(7) + Duration::minutes(1),
            200,
        )
        .unwrap();
        let r = app
            .post(
                "/api/v1/wishes",
                Some(poster),
                json!({"title": "陪老人聊天"}),
            )
            .await;
        let id3 = r.body["id"].as_i64().unwrap();
        let r = app.get("/api/v1/wishes", Some(stranger)).await;
        assert_eq!(r.body["total"], 1);
        assert_eq!(r.body["items"][0]["id"], id3);
        let r = app
            .get("/api/v1/wishes?status=confirmed", Some(stranger))
            .await;
        assert_eq!(r.body["total"], 2);
        app.post(
            &format!("/api/v1/wishes/{id3}/withdraw"),
            Some(stranger),
            json!({}),
        )
        .await
        .expect(403, Some("forbidden"));
        let r = app
            .post(
                &format!("/api/v1/wishes/{id3}/withdraw"),
                Some(poster),
                json!({}),
            )
            .await;
        assert_eq!(r.body["status"], "withdrawn");
        let r = app.get("/api/v1/me/wishes", Some(poster)).await;
        assert_eq!(r.body["total"], 3);
        let r = app.get("/api/v1/me/wishes", Some(&p.member)).await;
        assert_eq!(r.body["total"], 1);
        app.post("/api/v1/wishes", Some(poster), json!({"title": ""}))
            .await
            .expect(422, Some("validation_failed"));
        assert_ledger_matches(&mut conn);
    }
);

on_both!(wish_texts_are_trimmed_and_bounded_in_characters, |app| {
    let p = people(&app).await;
    let post = |body: Value| app.post("/api/v1/wishes", Some(&p.poster), body);
    let r = post(json!({"title": format!("  {}  ", "修".repeat(64))})).await;
    r.expect(201, None);
    assert_eq!(
        r.body["title"],
        "修".repeat(64),
        "trimmed, 64 characters fit"
    );
    assert_eq!(r.body["description"], "", "an absent description is empty");
    for (body, field) in [
        (json!({"title": "修".repeat(65)}), "title"),
        (json!({"title": " \t "}), "title"),
        (
            json!({"title": "修收音机", "description": "修".repeat(1001)}),
            "description",
        ),
    ] {
        let r = post(body).await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], field, "{}", r.text);
    }
});

on_both!(
    a_stored_status_the_code_does_not_know_fails_instead_of_being_guessed,
    |app| {
        let p = people(&app).await;
        let r = post_radio_wish(&app, &p).await;
        let id = r.body["id"].as_i64().unwrap();
        let mut conn = app.db.conn();
        diesel::update(wishes::table.find(id))
            .set(wishes::status.eq("lost"))
            .execute(&mut conn)
            .unwrap();
        // Not shown (or claimed) as an open wish: the row cannot be trusted.
        let r = app
            .get(&format!("/api/v1/wishes/{id}"), Some(&p.poster))
            .await;
        r.expect(500, Some("internal_error"));
        assert!(
            !r.text.contains("lost"),
            "no internals in the answer: {}",
            r.text
        );
        app.post(
            &format!("/api/v1/wishes/{id}/claim"),
            Some(&p.volunteer),
            json!({}),
        )
        .await
        .expect(500, Some("internal_error"));
        let stored: (String, Option<i64>) = wishes::table
            .find(id)
            .select((wishes::status, wishes::claimer_id))
            .first(&mut conn)
            .unwrap();
        assert_eq!(stored, ("lost".to_owned(), None));
        // The other wishes are still listed.
        post_radio_wish(&app, &p).await.expect(201, None);
        let r = app.get("/api/v1/wishes", Some(&p.stranger)).await;
        r.expect(200, None);
        assert_eq!(r.body["total"], 1);
    }
);
