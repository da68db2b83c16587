//! Phone numbers: encrypted at rest, one blind index per number, masked in answers, whole only
//! to staff who serve the resident (audited); identity-card fields refused.

use super::*;

on_both!(
    phone_numbers_are_nowhere_in_plain_text_and_found_by_their_index,
    |app| {
        let alice = app.token("phone-alice", "resident").await;
        let bob = app.token("phone-bob", "resident").await;
        let carol = app.token("phone-carol", "resident").await;
        let (a, b, c) = (
            user_id(&app, &alice).await,
            user_id(&app, &bob).await,
            user_id(&app, &carol).await,
        );
        // One number written two ways, and another number.
        let r = put(
            &app,
            "/api/v1/me/phone",
            &alice,
            json!({"phone": "+86 138-0013-8000"}),
        )
        .await;
        r.expect(200, None);
        assert_eq!(r.body, json!({"phone_masked": "138****8000"}));
        put(
            &app,
            "/api/v1/me/phone",
            &bob,
            json!({"phone": "13800138000"}),
        )
        .await
        .expect(200, None);
        put(
            &app,
            "/api/v1/me/phone",
            &carol,
            json!({"phone": "15912345678"}),
        )
        .await
        .expect(200, None);
        let me = app.get("/api/v1/me", Some(&alice)).await;
        me.expect(200, None);
        assert_eq!(me.body["phone_masked"], "138****8000");
        assert!(!me.text.contains("13800138000"), "{}", me.text);

        // Two stores of one number: two ciphertexts (random nonces), one blind index.
        let (ca, ia, va) = stored_phone(&app, a);
        let (cb, ib, vb) = stored_phone(&app, b);
        let (_, ic, _) = stored_phone(&app, c);
        assert_ne!(ca, cb);
        assert_eq!(ia, ib);
        assert_ne!(ia, ic);
        assert_eq!((va, vb), (Some(1), Some(1)));
        assert_eq!(ca.as_ref().map(|c| c[0]), Some(1), "the key version byte");
        // Storing the same number again: a new ciphertext, the same index.
        put(
            &app,
            "/api/v1/me/phone",
            &alice,
            json!({"phone": "13800138000"}),
        )
        .await
        .expect(200, None);
        let (ca2, ia2, _) = stored_phone(&app, a);
        assert_ne!(ca, ca2);
        assert_eq!(ia, ia2);

        // No number, in any form, anywhere in the database.
        let dump = dump_database(&app);
        assert!(dump.len() > 20, "the dump read the tables");
        assert!(
            dump_contains(&dump, "phone-alice"),
            "the dump sees plain text"
        );
        for digits in ["13800138000", "15912345678", "00138000", "12345678"] {
            assert!(!dump_contains(&dump, digits), "{digits} is in the database");
        }

        // Found by the index (an administrator serves everyone); shown masked.
        let admin = app.token("phone-admin", "admin").await;
        let r = app
            .post(
                "/api/v1/residents/find-by-phone",
                Some(&admin),
                json!({"phone": "138 0013 8000"}),
            )
            .await;
        r.expect(200, None);
        let ids: Vec<i64> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["user_id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![a, b]);
        assert_eq!(r.body["items"][0]["phone_masked"], "138****8000");
        // Residents cannot search.
        app.post(
            "/api/v1/residents/find-by-phone",
            Some(&alice),
            json!({"phone": "13800138000"}),
        )
        .await
        .expect(403, Some("forbidden"));

        // Removed: ciphertext and index gone, idempotent.
        for _ in 0..2 {
            app.request(
                reqwest::Method::DELETE,
                "/api/v1/me/phone",
                Some(&bob),
                None,
                &[],
            )
            .await
            .expect(204, None);
        }
        assert_eq!(stored_phone(&app, b), (None, None, None));
        let me = app.get("/api/v1/me", Some(&bob)).await;
        assert_eq!(me.body["phone_masked"], Value::Null);
    }
);

on_both!(a_bad_number_is_refused_without_echoing_it, |app| {
    let alice = app.token("phone-bad", "resident").await;
    for bad in [
        "1380013800",
        "23800138000",
        "+1 415 555 0100",
        "138001380001",
    ] {
        let r = put(&app, "/api/v1/me/phone", &alice, json!({"phone": bad})).await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], "phone");
        assert!(!r.text.contains(bad), "{}", r.text);
        assert!(
            r.body["message"].as_str().unwrap().contains("手机号"),
            "{}",
            r.text
        );
    }
    // A number sent as a JSON number is not echoed either.
    let r = put(
        &app,
        "/api/v1/me/phone",
        &alice,
        json!({"phone": 13800138000_i64}),
    )
    .await;
    r.expect(422, Some("validation_failed"));
    assert!(!r.text.contains("13800138000"), "{}", r.text);
});

on_both!(identity_card_fields_are_refused_anywhere_in_a_body, |app| {
    let alice = app.token("phone-idcard", "resident").await;
    for (body, field) in [
        (
            json!({"phone": "13800138000", "id_card": "620123199001011234"}),
            "id_card",
        ),
        (
            json!({"phone": "13800138000", "ID_NUMBER": "x"}),
            "ID_NUMBER",
        ),
        (
            json!({"phone": "13800138000", "extra": [{"a": 1}, {"idCard": null}]}),
            "extra[1].idCard",
        ),
    ] {
        let r = put(&app, "/api/v1/me/phone", &alice, body).await;
        r.expect(422, Some("id_number_not_accepted"));
        assert_eq!(r.body["field"], field, "{}", r.text);
        assert!(!r.text.contains("620123"), "{}", r.text);
    }
    // On every route with a body, before the body's own checks.
    let r = app
        .post(
            "/api/v1/me/household",
            Some(&alice),
            json!({"card_number": "JC00001", "check_code": "x", "owner": {"id-number": "1"}}),
        )
        .await;
    r.expect(422, Some("id_number_not_accepted"));
    assert_eq!(r.body["field"], "owner.id-number");
    // Nothing was stored.
    let me = app.get("/api/v1/me", Some(&alice)).await;
    assert_eq!(me.body["phone_masked"], Value::Null);
});

on_both!(
    staff_enter_numbers_and_read_them_whole_only_for_residents_they_serve,
    |app| {
        use diesel::prelude::*;
        use linli::db::schema::audit_log as al;
        app.seed_demo();
        // Card 1's resident; a staff member bound in card 2's building (the same community); a
        // staff member bound nowhere.
        let resident = app.resident("pii-resident", 1).await;
        let rid = user_id(&app, &resident).await;
        let here = app.token("pii-staff-here", "staff").await;
        let code = linli::places::seed::demo_check_codes(2).pop().unwrap();
        app.bind_and_approve(&here, &linli::places::seed::card_number(2), &code)
            .await;
        let here_id = user_id(&app, &here).await;
        let elsewhere = app.token("pii-staff-elsewhere", "staff").await;
        let path = format!("/api/v1/residents/{rid}/phone");

        put(&app, &path, &elsewhere, json!({"phone": "13972615840"}))
            .await
            .expect(404, Some("not_found"));
        put(&app, &path, &resident, json!({"phone": "13972615840"}))
            .await
            .expect(403, Some("forbidden"));
        let r = put(&app, &path, &here, json!({"phone": "139 7261 5840"})).await;
        r.expect(200, None);
        assert_eq!(r.body["phone_masked"], "139****5840");
        let me = app.get("/api/v1/me", Some(&resident)).await;
        assert_eq!(me.body["phone_masked"], "139****5840");

        // Whole only to staff who serve the resident; each read audited, never the number.
        app.get(&path, Some(&elsewhere))
            .await
            .expect(404, Some("not_found"));
        app.get(&path, Some(&resident))
            .await
            .expect(403, Some("forbidden"));
        let audited = |action: &str| -> i64 {
            al::table
                .filter(al::action.eq(action.to_owned()))
                .filter(al::target_id.eq(rid))
                .filter(al::actor.eq(format!("user:{here_id}")))
                .count()
                .get_result(&mut app.db.conn())
                .unwrap()
        };
        assert_eq!(audited("pii.phone_read"), 0);
        for n in 1..=2 {
            let r = app.get(&path, Some(&here)).await;
            r.expect(200, None);
            assert_eq!(r.body["phone"], "13972615840");
            assert_eq!(r.body["phone_masked"], "139****5840");
            assert_eq!(r.header("cache-control"), Some("no-store"));
            assert_eq!(audited("pii.phone_read"), n);
        }
        assert_eq!(audited("pii.phone_set"), 1);
        let dump = dump_database(&app);
        assert!(!dump_contains(&dump, "13972615840"));
        assert!(!dump_contains(&dump, "72615840"));
    }
);
