//! Household membership: binding with the card asks to join; an owner or staff decide; the
//! member cap and the one decision per request hold under races (also across processes);
//! tenancies end at 00:00 China time with their future bookings; the migration turns
//! existing bindings into memberships.

use reqwest::Method;
use serde_json::{json, Value};

use crate::on_both;
use crate::support::*;

/// Ask to join the household of demo card `card` as the user with `token`.
async fn ask(app: &TestApp, token: &str, card: usize) -> Res {
    let code = linli::places::seed::demo_check_codes(card).pop().unwrap();
    let number = linli::places::seed::card_number(card);
    app.post(
        "/api/v1/me/household",
        Some(token),
        json!({"card_number": number, "check_code": code}),
    )
    .await
}

/// `POST /households/{h}/members/{m}/{action}`.
async fn decide(app: &TestApp, token: &str, m: &Value, action: &str, body: Value) -> Res {
    app.post(
        &format!(
            "/api/v1/households/{}/members/{}/{action}",
            m["household_id"], m["id"]
        ),
        Some(token),
        body,
    )
    .await
}

async fn me(app: &TestApp, token: &str) -> Value {
    let r = app.get("/api/v1/me", Some(token)).await;
    r.expect(200, None);
    r.body
}

async fn kinds(app: &TestApp, token: &str) -> Vec<String> {
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

/// An owner of demo household `card`, made by staff: (owner token, staff token).
async fn owner_of(app: &TestApp, name: &str, card: usize) -> (String, String) {
    let staff = app.token("hh-staff", "staff").await;
    let owner = app.token(name, "resident").await;
    let r = ask(app, &owner, card).await;
    r.expect(202, None);
    decide(
        app,
        &staff,
        &r.body["membership"],
        "approve",
        json!({"role": "owner"}),
    )
    .await
    .expect(200, None);
    (owner, staff)
}

on_both!(the_approval_flow, |app| {
    app.seed_demo();
    let staff = app.token("hh-staff", "staff").await;
    let alice = app.token("hh-alice", "resident").await;
    // Binding asks: pending, no household yet, so no booking.
    let r = ask(&app, &alice, 1).await;
    r.expect(202, None);
    assert_eq!(r.body["membership"]["status"], "pending");
    assert_eq!(r.body["household"], Value::Null);
    let alice_m = r.body["membership"].clone();
    app.post(
        "/api/v1/bookings",
        Some(&alice),
        booking(1, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(422, Some("household_required"));
    // Asking again changes nothing; asking for another household is refused.
    let again = ask(&app, &alice, 1).await;
    again.expect(202, None);
    assert_eq!(again.body["membership"]["id"], alice_m["id"]);
    ask(&app, &alice, 2)
        .await
        .expect(409, Some("membership_exists"));
    // Staff see the request in the community's list (and not in another community's).
    let community = r_community(&app, &alice_m).await;
    let list = app
        .get(
            &format!("/api/v1/membership-requests?community_id={community}"),
            Some(&staff),
        )
        .await;
    list.expect(200, None);
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["id"], alice_m["id"]);
    let none = app
        .get(
            &format!(
                "/api/v1/membership-requests?community_id={}",
                community + 1000
            ),
            Some(&staff),
        )
        .await;
    assert_eq!(none.body["total"], 0);
    app.get("/api/v1/membership-requests", Some(&alice))
        .await
        .expect(403, Some("forbidden"));
    // Staff make Alice the owner; she can book now.
    let approved = decide(&app, &staff, &alice_m, "approve", json!({"role": "owner"})).await;
    approved.expect(200, None);
    assert_eq!(approved.body["status"], "active");
    assert_eq!(approved.body["role"], "owner");
    let mine = me(&app, &alice).await;
    assert_eq!(mine["household"]["id"], alice_m["household_id"]);
    assert!(kinds(&app, &alice)
        .await
        .contains(&"membership.approved".to_owned()));
    // Bob asks; the owner is told, lists him, cannot make him an owner, needs an end date
    // for a tenant, and approves him as a member.
    let bob = app.token("hh-bob", "resident").await;
    let r = ask(&app, &bob, 1).await;
    r.expect(202, None);
    let bob_m = r.body["membership"].clone();
    assert!(kinds(&app, &alice)
        .await
        .contains(&"membership.requested".to_owned()));
    let members = app
        .get(
            &format!("/api/v1/households/{}/members", alice_m["household_id"]),
            Some(&alice),
        )
        .await;
    members.expect(200, None);
    let statuses: Vec<&str> = members
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["active", "pending"]);
    // Not an owner: the household's members are not there for him.
    app.get(
        &format!("/api/v1/households/{}/members", alice_m["household_id"]),
        Some(&bob),
    )
    .await
    .expect(404, Some("not_found"));
    decide(&app, &bob, &bob_m, "approve", json!({}))
        .await
        .expect(404, Some("not_found"));
    decide(&app, &alice, &bob_m, "approve", json!({"role": "owner"}))
        .await
        .expect(403, Some("forbidden"));
    let r = decide(&app, &alice, &bob_m, "approve", json!({"role": "tenant"})).await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "valid_until");
    decide(&app, &alice, &bob_m, "approve", json!({}))
        .await
        .expect(200, None);
    assert_eq!(
        me(&app, &bob).await["household"]["id"],
        alice_m["household_id"]
    );
    // Carol asks and the owner rejects: no household; she may ask again.
    let carol = app.token("hh-carol", "resident").await;
    let r = ask(&app, &carol, 1).await;
    let carol_m = r.body["membership"].clone();
    let rejected = decide(&app, &alice, &carol_m, "reject", json!({})).await;
    rejected.expect(200, None);
    assert_eq!(rejected.body["status"], "rejected");
    decide(&app, &alice, &carol_m, "approve", json!({}))
        .await
        .expect(409, Some("member_request_not_pending"));
    let carol_me = me(&app, &carol).await;
    assert_eq!(carol_me["household"], Value::Null);
    assert_eq!(carol_me["membership"], Value::Null);
    assert!(kinds(&app, &carol)
        .await
        .contains(&"membership.rejected".to_owned()));
    ask(&app, &carol, 1).await.expect(202, None);
    // The owner revokes Bob: no household any more; the owner cannot be removed by him.
    decide(&app, &bob, &alice_m, "revoke", json!({}))
        .await
        .expect(404, Some("not_found"));
    let revoked = decide(&app, &alice, &bob_m, "revoke", json!({})).await;
    revoked.expect(200, None);
    assert_eq!(revoked.body["status"], "revoked");
    assert_eq!(me(&app, &bob).await["household"], Value::Null);
    decide(&app, &alice, &bob_m, "revoke", json!({}))
        .await
        .expect(409, Some("membership_not_active"));
    // Membership counter: only Alice is active.
    assert_eq!(active_members(&app, &alice_m), 1);
    // Every decision is in the audit log, by whom, before and after.
    let alice_id = me(&app, &alice).await["id"].as_i64().unwrap();
    let log = membership_audit(&app, &bob_m);
    let revoke = log
        .iter()
        .find(|e| e.1 == "membership.revoke")
        .expect("the revocation is audited");
    assert_eq!(revoke.0, format!("user:{alice_id}"));
    assert_eq!(revoke.2["status"], "active");
    assert_eq!(revoke.3["status"], "revoked");
    assert!(log.iter().any(|e| e.1 == "membership.approve"), "{log:?}");
    let carol_log = membership_audit(&app, &carol_m);
    assert_eq!(carol_log[0].1, "membership.reject");
    assert_eq!(carol_log[0].0, format!("user:{alice_id}"));
});

/// The audit log of one membership, oldest first: (actor, action, before, after).
fn membership_audit(app: &TestApp, m: &Value) -> Vec<(String, String, Value, Value)> {
    use diesel::prelude::*;
    use linli::db::schema::audit_log as al;
    let rows: Vec<(String, String, Option<String>, Option<String>)> = al::table
        .filter(al::target_type.eq("membership"))
        .filter(al::target_id.eq(m["id"].as_i64().unwrap()))
        .order(al::created_at)
        .then_order_by(al::id)
        .select((al::actor, al::action, al::before_json, al::after_json))
        .load(&mut app.db.conn())
        .unwrap();
    let parse = |j: Option<String>| j.map_or(Value::Null, |j| serde_json::from_str(&j).unwrap());
    rows.into_iter()
        .map(|(actor, action, b, a)| (actor, action, parse(b), parse(a)))
        .collect()
}

/// The community of a membership's household.
async fn r_community(app: &TestApp, m: &Value) -> i64 {
    use diesel::prelude::*;
    use linli::db::schema::{buildings, compounds, households};
    households::table
        .inner_join(buildings::table.inner_join(compounds::table))
        .filter(households::id.eq(m["household_id"].as_i64().unwrap()))
        .select(compounds::community_id)
        .first(&mut app.db.conn())
        .unwrap()
}

/// `households.active_members` of a membership's household.
fn active_members(app: &TestApp, m: &Value) -> i32 {
    use diesel::prelude::*;
    use linli::db::schema::households;
    households::table
        .find(m["household_id"].as_i64().unwrap())
        .select(households::active_members)
        .first(&mut app.db.conn())
        .unwrap()
}

on_both!(a_request_approved_twice_at_once_is_approved_once, |app| {
    app.seed_demo();
    let (owner, staff) = owner_of(&app, "twice-owner", 1).await;
    for round in 0..5 {
        let t = app.token(&format!("twice-{round}"), "resident").await;
        let r = ask(&app, &t, 1).await;
        r.expect(202, None);
        let m = r.body["membership"].clone();
        let (a, b) = futures_util::join!(
            decide(&app, &owner, &m, "approve", json!({})),
            decide(&app, &staff, &m, "approve", json!({}))
        );
        let mut got = [a.status.as_u16(), b.status.as_u16()];
        got.sort_unstable();
        assert_eq!(got, [200, 409], "round {round}: {} / {}", a.text, b.text);
        let loser = if a.status == 409 { &a } else { &b };
        assert_eq!(loser.body["code"], "member_request_not_pending");
        assert_eq!(active_members(&app, &m), 2 + round);
    }
});

#[actix_web::test]
async fn the_member_cap_holds_across_three_processes() {
    let db = TestDb::seeded_mysql();
    let env = [
        ("LINLI_BACKGROUND_JOBS", "0"),
        ("LINLI_HOUSEHOLD_MEMBERS_MAX", "3"),
    ];
    let servers = ServerProcess::start_many(&db, &env, PROCESSES);
    let http = http_client();
    let base = &servers[0].base;
    let code = linli::places::seed::demo_check_codes(1).pop().unwrap();
    let number = linli::places::seed::card_number(1);
    let mut requests = Vec::new();
    for i in 0..9 {
        let (t, _) = dev_login_at(&http, base, &format!("cap-{i}"), "resident").await;
        let r = http
            .post(format!("{base}/api/v1/me/household"))
            .bearer_auth(&t)
            .json(&json!({"card_number": number, "check_code": code}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        let v: Value = r.json().await.unwrap();
        requests.push(v["membership"].clone());
    }
    let (staff, _) = dev_login_at(&http, base, "cap-staff", "staff").await;
    let sends = requests.iter().enumerate().map(|(i, m)| {
        http.post(format!(
            "{}/api/v1/households/{}/members/{}/approve",
            servers[i % PROCESSES].base,
            m["household_id"],
            m["id"]
        ))
        .bearer_auth(&staff)
        .json(&json!({}))
        .send()
    });
    let answers = futures_util::future::join_all(sends).await;
    let mut ok = 0;
    let mut full = 0;
    for a in answers {
        let a = a.unwrap();
        match a.status().as_u16() {
            200 => ok += 1,
            409 => {
                let v: Value = a.json().await.unwrap();
                assert_eq!(v["code"], "household_full");
                full += 1;
            }
            s => panic!("unexpected {s}: {}", a.text().await.unwrap_or_default()),
        }
    }
    assert_eq!((ok, full), (3, 6));
    use diesel::prelude::*;
    use linli::db::schema::{households, memberships as m, users};
    let hid = requests[0]["household_id"].as_i64().unwrap();
    let mut c = db.conn();
    let active: i64 = m::table
        .filter(m::household_id.eq(hid).and(m::status.eq("active")))
        .count()
        .get_result(&mut c)
        .unwrap();
    let counter: i32 = households::table
        .find(hid)
        .select(households::active_members)
        .first(&mut c)
        .unwrap();
    let bound: i64 = users::table
        .filter(users::household_id.eq(hid))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!((active, counter, bound), (3, 3, 3));
}

on_both!(
    a_tenant_whose_end_passes_loses_future_bookings_and_the_owner_is_told,
    |app| {
        app.seed_demo();
        let card = app.card_in_compound(1);
        let (owner, _) = owner_of(&app, "tenancy-owner", card).await;
        let tenant = app.token("tenancy-tenant", "resident").await;
        let r = ask(&app, &tenant, card).await;
        let m = r.body["membership"].clone();
        // The tenancy ends at 00:00 China time tomorrow.
        let today = app
            .clock
            .now()
            .with_timezone(&linli::clock::LOCAL_TZ)
            .date_naive();
        let tomorrow = today.succ_opt().unwrap();
        let approved = decide(
            &app,
            &owner,
            &m,
            "approve",
            json!({"role": "tenant", "valid_until": tomorrow}),
        )
        .await;
        approved.expect(200, None);
        assert_eq!(approved.body["valid_until"], tomorrow.to_string());
        let midnight =
            chrono::DateTime::parse_from_rfc3339(approved.body["ends_at"].as_str().unwrap())
                .unwrap()
                .with_timezone(&chrono::Utc);
        assert_eq!(
            midnight
                .with_timezone(&linli::clock::LOCAL_TZ)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            format!("{tomorrow} 00:00")
        );
        // An end more than a year ahead is refused.
        let r = app
            .request(
                Method::PATCH,
                &format!(
                    "/api/v1/households/{}/members/{}",
                    m["household_id"], m["id"]
                ),
                Some(&owner),
                Some(json!({"valid_until": today + chrono::Duration::days(400)})),
                &[],
            )
            .await;
        r.expect(422, Some("validation_failed"));
        // The tenant books today for a time after the end (an hour after midnight).
        let from = (midnight + chrono::Duration::minutes(60)).to_rfc3339();
        let to = (midnight + chrono::Duration::minutes(90)).to_rfc3339();
        let b = app
            .post("/api/v1/bookings", Some(&tenant), booking(1, &from, &to))
            .await;
        b.expect(201, None);
        let booking_id = b.body["id"].as_i64().unwrap();
        // Just before midnight nothing expires; just after, once, whatever the number of runs.
        app.clock
            .advance(midnight - app.clock.now() - chrono::Duration::minutes(1));
        let expire = |app: &TestApp| {
            linli::households::model::expire_tenancies(&mut app.db.conn(), app.clock.now_naive())
                .unwrap()
        };
        assert_eq!(expire(&app), 0);
        app.clock.advance(chrono::Duration::minutes(2));
        assert_eq!(expire(&app), 1);
        assert_eq!(expire(&app), 0);
        let log = membership_audit(&app, &m);
        let expired: Vec<_> = log.iter().filter(|e| e.1 == "membership.expire").collect();
        assert_eq!(expired.len(), 1, "{log:?}");
        assert_eq!(expired[0].0, "system:tenancy-expiry");
        assert_eq!(expired[0].3["status"], "expired");
        // The tenant is out, the booking cancelled with a notice, the owner told, the quota back.
        let owner = app.token("tenancy-owner", "resident").await;
        let tenant = app.token("tenancy-tenant", "resident").await;
        let tenant_me = me(&app, &tenant).await;
        assert_eq!(tenant_me["household"], Value::Null);
        assert_eq!(tenant_me["membership"], Value::Null);
        let got = app
            .get(&format!("/api/v1/bookings/{booking_id}"), Some(&tenant))
            .await;
        assert_eq!(got.body["status"], "cancelled", "{}", got.text);
        let tenant_kinds = kinds(&app, &tenant).await;
        assert!(tenant_kinds.contains(&"booking.cancelled".to_owned()));
        assert!(tenant_kinds.contains(&"membership.ended".to_owned()));
        assert!(kinds(&app, &owner)
            .await
            .contains(&"membership.ended".to_owned()));
        app.post("/api/v1/bookings", Some(&tenant), booking(1, &from, &to))
            .await
            .expect(422, Some("household_required"));
        // The household's one active booking is free again: the owner books the same time.
        app.post("/api/v1/bookings", Some(&owner), booking(1, &from, &to))
            .await
            .expect(201, None);
        assert_eq!(active_members(&app, &m), 1);
    }
);

on_both!(
    existing_bindings_become_active_members_by_migration,
    |app| {
        use diesel::prelude::*;
        use diesel_migrations::MigrationHarness;
        use linli::db::schema::{households, memberships as m, users};
        app.seed_demo();
        let a = app.dev_login("mig-a", "resident").await["user"]["id"]
            .as_i64()
            .unwrap();
        let b = app.dev_login("mig-b", "resident").await["user"]["id"]
            .as_i64()
            .unwrap();
        let loose = app.dev_login("mig-c", "resident").await["user"]["id"]
            .as_i64()
            .unwrap();
        let mut conn = app.db.conn();
        // Back to before memberships existed (reverting any later migrations too), bind two
        // accounts to household 5 the old way, and migrate again.
        loop {
            let reverted = match &mut conn {
                linli::db::DbConn::Mysql(c) => c
                    .revert_last_migration(linli::db::MYSQL_MIGRATIONS)
                    .unwrap()
                    .to_string(),
                linli::db::DbConn::Sqlite(c) => c
                    .revert_last_migration(linli::db::SQLITE_MIGRATIONS)
                    .unwrap()
                    .to_string(),
            };
            if reverted.contains("000060") {
                break;
            }
        }
        diesel::update(users::table.filter(users::id.eq_any([a, b])))
            .set(users::household_id.eq(Some(5)))
            .execute(&mut conn)
            .unwrap();
        linli::db::run_migrations(&mut conn).unwrap();
        let rows: Vec<(i64, i64, String, String, Option<i64>)> = m::table
            .filter(m::user_id.eq_any([a, b, loose]))
            .order(m::user_id)
            .select((
                m::user_id,
                m::household_id,
                m::role,
                m::status,
                m::live_user_id,
            ))
            .load(&mut conn)
            .unwrap();
        assert_eq!(
            rows,
            [
                (a, 5, "member".into(), "active".into(), Some(a)),
                (b, 5, "member".into(), "active".into(), Some(b)),
            ]
        );
        let counter: i32 = households::table
            .find(5)
            .select(households::active_members)
            .first(&mut conn)
            .unwrap();
        let active: i64 = m::table
            .filter(m::household_id.eq(5).and(m::status.eq("active")))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert!(active >= 2);
        assert_eq!(i64::from(counter), active);
        // No owner: the household's members are listed for staff only.
        let staff = app.token("mig-staff", "staff").await;
        let list = app.get("/api/v1/households/5/members", Some(&staff)).await;
        list.expect(200, None);
        assert!(list
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["role"] == "member"));
        let token_a = app.token("mig-a", "resident").await;
        let mine = me(&app, &token_a).await;
        assert_eq!(mine["membership"]["status"], "active");
        assert_eq!(mine["household"]["id"], 5);
    }
);

on_both!(nobody_approves_their_own_request_not_even_staff, |app| {
    app.seed_demo();
    // A staff member asking to join a household (their own flat) cannot approve it themselves:
    // a colleague checks the papers.
    let staff = app.token("hh-self-staff", "staff").await;
    let r = ask(&app, &staff, 3).await;
    r.expect(202, None);
    let m = r.body["membership"].clone();
    decide(&app, &staff, &m, "approve", json!({"role": "owner"}))
        .await
        .expect(403, Some("forbidden"));
    assert_eq!(me(&app, &staff).await["household"], Value::Null);
    let colleague = app.token("hh-self-colleague", "staff").await;
    decide(&app, &colleague, &m, "approve", json!({"role": "owner"}))
        .await
        .expect(200, None);
    assert_eq!(me(&app, &staff).await["household"]["id"], m["household_id"]);
});
