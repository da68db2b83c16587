//! A resident's rights: a copy of everything Linli holds about them, and erasure.

use super::*;

on_both!(
    export_returns_my_data_and_delete_erases_it_keeping_the_counts,
    |app| {
        use diesel::prelude::*;
        use linli::db::schema::{bookings, refresh_tokens, users};
        app.seed_demo();
        let login = app.dev_login("rights-alice", "resident").await;
        let alice = login["access_token"].as_str().unwrap().to_owned();
        let refresh = login["refresh_token"].as_str().unwrap().to_owned();
        let code = linli::places::seed::demo_check_codes(1).pop().unwrap();
        app.bind_and_approve(&alice, &linli::places::seed::card_number(1), &code)
            .await;
        let uid = user_id(&app, &alice).await;
        put(
            &app,
            "/api/v1/me/phone",
            &alice,
            json!({"phone": "18693105527"}),
        )
        .await
        .expect(200, None);
        // A booking that is over (checked against a past slot would be refused: book a future
        // one, then one more that stays in the future for the erasure to cancel).
        let (s, e) = (app.slot_time(120), app.slot_time(180));
        let r = app
            .post("/api/v1/bookings", Some(&alice), booking(1, &s, &e))
            .await;
        r.expect(201, None);
        let booking_id = r.body["id"].as_i64().unwrap();

        // Export: everything, the phone whole (it is hers), no cache.
        let r = app.get("/api/v1/me/export", Some(&alice)).await;
        r.expect(200, None);
        assert_eq!(r.header("cache-control"), Some("no-store"));
        let x = &r.body;
        assert_eq!(x["phone"], "18693105527");
        assert_eq!(x["openid"], "dev:rights-alice");
        assert_eq!(x["account"]["id"], uid);
        assert_eq!(x["account"]["phone_masked"], "186****5527");
        assert!(x["account"]["household"]["id"].is_i64(), "{x}");
        assert_eq!(x["bookings"].as_array().unwrap().len(), 1);
        assert_eq!(x["bookings"][0]["id"], booking_id);
        for list in [
            "signups",
            "points_ledger",
            "notifications",
            "redemptions",
            "wishes",
            "team_memberships",
            "waitlist_entries",
        ] {
            assert!(x[list].is_array(), "{list}: {x}");
        }
        assert!(x["login_tokens"].as_i64().unwrap() >= 1);

        // Erase.
        app.request(
            reqwest::Method::DELETE,
            "/api/v1/me",
            Some(&alice),
            None,
            &[],
        )
        .await
        .expect(204, None);
        // Her tokens no longer work (access and refresh).
        app.get("/api/v1/me", Some(&alice))
            .await
            .expect(401, Some("invalid_token"));
        app.request(
            reqwest::Method::DELETE,
            "/api/v1/me",
            Some(&alice),
            None,
            &[],
        )
        .await
        .expect(401, Some("invalid_token"));
        app.post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": refresh}),
        )
        .await
        .expect(401, None);
        let mut conn = app.db.conn();
        let (openid, nickname, household): (String, String, Option<i64>) = users::table
            .find(uid)
            .select((users::openid, users::nickname, users::household_id))
            .first(&mut conn)
            .unwrap();
        let (cipher, index, _) = stored_phone(&app, uid);
        assert!(!openid.contains("rights-alice"), "{openid}");
        assert_eq!(nickname, "已注销用户");
        assert_eq!((household, cipher, index), (None, None, None));
        let live: i64 = refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(uid))
            .filter(refresh_tokens::revoked_at.is_null())
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(live, 0);
        // The booking row stays (counts kept), cancelled since it was in the future, and names
        // nobody any more.
        let status: String = bookings::table
            .find(booking_id)
            .select(bookings::status)
            .first(&mut conn)
            .unwrap();
        assert_eq!(status, "cancelled");
        let dump = dump_database(&app);
        assert!(!dump_contains(&dump, "rights-alice"));
        assert!(!dump_contains(&dump, "18693105527"));

        // The same WeChat identity logs in to a fresh, empty account.
        let again = app.token("rights-alice", "resident").await;
        let me = app.get("/api/v1/me", Some(&again)).await;
        me.expect(200, None);
        assert_ne!(me.body["id"], uid);
        assert_eq!(me.body["household"], Value::Null);
        assert_eq!(me.body["phone_masked"], Value::Null);
        let x = app.get("/api/v1/me/export", Some(&again)).await;
        assert_eq!(x.body["bookings"], json!([]));

        // Erasing twice (a retry from the server side) changes nothing.
        linli::me::privacy::erase(&mut conn, uid, app.clock.now_naive()).unwrap();
        let n: i64 = bookings::table
            .filter(bookings::user_id.eq(uid))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(n, 1);
    }
);
