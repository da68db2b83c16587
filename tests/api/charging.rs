//! E-bike charging: bookings under every rule, races across processes, check-in, the sweeper,
//! the waitlist, maintenance and the availability grid.

use reqwest::Method;
use serde_json::{json, Value};

use crate::on_both;
use crate::support::*;

/// Move the test clock to `minutes` after the given RFC 3339 time.
fn advance_to(app: &TestApp, at: &str, minutes: i64) {
    let target = chrono::DateTime::parse_from_rfc3339(at)
        .unwrap()
        .with_timezone(&chrono::Utc)
        + chrono::Duration::minutes(minutes);
    app.clock.advance(target - app.clock.now());
}

/// The grid row of a socket.
async fn cells(app: &TestApp, token: Option<&str>, socket: i64) -> String {
    let r = app.get("/api/v1/compounds/1/availability", token).await;
    r.expect(200, None);
    r.body["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["socket_id"] == socket)
        .map(|s| s["cells"].as_str().unwrap().to_owned())
        .expect("socket row")
}

/// Index of the cell starting `minutes` after the current slot (grid starts at local midnight).
async fn cell_index(app: &TestApp, minutes: i64) -> usize {
    let r = app.get("/api/v1/compounds/1/availability", None).await;
    let start =
        chrono::DateTime::parse_from_rfc3339(r.body["starts_at"].as_str().unwrap()).unwrap();
    let t = chrono::DateTime::parse_from_rfc3339(&app.slot_time(minutes)).unwrap();
    usize::try_from((t - start).num_minutes() / 30).unwrap()
}

async fn notifications(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app
        .get("/api/v1/me/notifications?per_page=100", Some(token))
        .await;
    r.body["items"].as_array().unwrap().clone()
}

on_both!(book_see_list_and_cancel, |app| {
    app.seed_demo();
    let alice = app.resident("alice", 1).await;
    let bob = app.resident("bob", 2).await;
    let (s, e) = (app.slot_time(120), app.slot_time(180));
    let r = app
        .post("/api/v1/bookings", Some(&alice), booking(1, &s, &e))
        .await;
    r.expect(201, None);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/bookings/{id}").as_str())
    );
    assert_eq!(r.body["status"], "confirmed");
    assert_eq!(r.body["socket_label"], "1号桩-1口");
    assert_eq!(r.body["compound_name"], "天和人家");
    // The grid shows it at once: mine for Alice, booked for Bob and for the public.
    let i = cell_index(&app, 120).await;
    assert_eq!(&cells(&app, Some(&alice), 1).await[i..i + 2], "mm");
    assert_eq!(&cells(&app, Some(&bob), 1).await[i..i + 2], "xx");
    assert_eq!(&cells(&app, None, 1).await[i - 1..i + 3], ".xx.");
    // Listed and readable by Alice; Bob cannot see it.
    let list = app
        .get("/api/v1/me/bookings?status=confirmed", Some(&alice))
        .await;
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["id"], id);
    app.get(&format!("/api/v1/bookings/{id}"), Some(&alice))
        .await
        .expect(200, None);
    app.get(&format!("/api/v1/bookings/{id}"), Some(&bob))
        .await
        .expect(404, Some("not_found"));
    app.post(
        &format!("/api/v1/bookings/{id}/cancel"),
        Some(&bob),
        json!({}),
    )
    .await
    .expect(404, Some("not_found"));
    // A confirmation was sent.
    assert!(notifications(&app, &alice)
        .await
        .iter()
        .any(|n| n["kind"] == "booking.confirmed"));
    // Cancel with a reason: kept, cells freed, quota given back.
    let r = app
        .post(
            &format!("/api/v1/bookings/{id}/cancel"),
            Some(&alice),
            json!({"reason": "临时有事"}),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(r.body["cancel_reason"], "临时有事");
    assert_eq!(&cells(&app, Some(&alice), 1).await[i..i + 2], "..");
    app.post(
        &format!("/api/v1/bookings/{id}/cancel"),
        Some(&alice),
        json!({}),
    )
    .await
    .expect(409, Some("booking_not_cancellable"));
    app.post("/api/v1/bookings", Some(&alice), booking(1, &s, &e))
        .await
        .expect(201, None);
});

on_both!(every_booking_rule_has_its_code, |app| {
    app.seed_demo();
    let alice = app.resident("rules-a", 1).await;
    let bob = app.resident("rules-b", 2).await;
    let post = |t: String, body: Value| {
        let app = &app;
        async move { app.post("/api/v1/bookings", Some(&t), body).await }
    };
    let unbound = app.token("rules-unbound", "resident").await;
    post(unbound, booking(1, &app.slot_time(60), &app.slot_time(90)))
        .await
        .expect(422, Some("household_required"));
    let off = chrono::DateTime::parse_from_rfc3339(&app.slot_time(60)).unwrap()
        + chrono::Duration::minutes(10);
    let r = post(
        alice.clone(),
        booking(1, &off.to_rfc3339(), &app.slot_time(120)),
    )
    .await;
    r.expect(422, Some("booking_off_grid"));
    assert_eq!(r.body["field"], "starts_at");
    assert_eq!(r.body["details"]["slot_minutes"], 30);
    post(
        alice.clone(),
        booking(1, &app.slot_time(-60), &app.slot_time(0)),
    )
    .await
    .expect(422, Some("booking_in_past"));
    post(
        alice.clone(),
        booking(
            1,
            &app.slot_time(8 * 24 * 60),
            &app.slot_time(8 * 24 * 60 + 30),
        ),
    )
    .await
    .expect(422, Some("booking_too_far_ahead"));
    post(
        alice.clone(),
        booking(1, &app.slot_time(60), &app.slot_time(60 + 270)),
    )
    .await
    .expect(422, Some("booking_too_long"));
    post(
        alice.clone(),
        booking(1, &app.slot_time(90), &app.slot_time(60)),
    )
    .await
    .expect(422, Some("validation_failed"));
    post(
        alice.clone(),
        booking(999_999, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(404, Some("not_found"));
    let r = post(
        alice.clone(),
        json!({"socket_id": 1, "starts_at": "tomorrow", "ends_at": app.slot_time(90)}),
    )
    .await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "starts_at");
    // The current slot may still be booked (no minimum notice by default).
    let r = post(
        alice.clone(),
        booking(3, &app.slot_time(0), &app.slot_time(30)),
    )
    .await;
    r.expect(201, None);
    let current = r.body["id"].as_i64().unwrap();
    // Quota: one active booking per household.
    post(
        alice.clone(),
        booking(4, &app.slot_time(120), &app.slot_time(150)),
    )
    .await
    .expect(422, Some("household_quota_reached"));
    app.post(
        &format!("/api/v1/bookings/{current}/cancel"),
        Some(&alice),
        json!({}),
    )
    .await
    .expect(200, None);
    // Conflict with someone else's booking, partly overlapping.
    post(
        bob.clone(),
        booking(1, &app.slot_time(60), &app.slot_time(120)),
    )
    .await
    .expect(201, None);
    post(
        alice.clone(),
        booking(1, &app.slot_time(90), &app.slot_time(150)),
    )
    .await
    .expect(409, Some("booking_conflict"));
    post(
        alice.clone(),
        booking(1, &app.slot_time(120), &app.slot_time(150)),
    )
    .await
    .expect(201, None);
    // A socket out of service.
    let staff = app.token("rules-staff", "staff").await;
    app.post(
        "/api/v1/sockets/5/state",
        Some(&staff),
        json!({"state": "faulted"}),
    )
    .await
    .expect(200, None);
    let carol = app.resident("rules-c", 3).await;
    post(
        carol.clone(),
        booking(5, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(422, Some("socket_unavailable"));
    // Minimum notice, once a compound sets one.
    let settings = json!({"slot_minutes": 30, "days_ahead": 7, "min_notice_minutes": 120, "max_booking_minutes": 240, "grace_minutes": 15, "max_active_per_household": 1});
    app.request(
        Method::PUT,
        "/api/v1/compounds/1/charging-settings",
        Some(&staff),
        Some(settings),
        &[],
    )
    .await
    .expect(200, None);
    post(
        carol.clone(),
        booking(6, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(422, Some("booking_too_soon"));
    // Residents cannot change settings; bad settings name their field.
    let bad = json!({"slot_minutes": 7, "days_ahead": 7, "min_notice_minutes": 0, "max_booking_minutes": 240, "grace_minutes": 15, "max_active_per_household": 1});
    app.request(
        Method::PUT,
        "/api/v1/compounds/1/charging-settings",
        Some(&carol),
        Some(bad.clone()),
        &[],
    )
    .await
    .expect(403, Some("forbidden"));
    let r = app
        .request(
            Method::PUT,
            "/api/v1/compounds/1/charging-settings",
            Some(&staff),
            Some(bad),
            &[],
        )
        .await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["field"], "slot_minutes");
});

on_both!(check_in_finish_and_their_errors, |app| {
    app.seed_demo();
    let alice = app.resident("ci-a", 1).await;
    let code = {
        use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
        use linli::db::schema::sockets;
        let mut c = app.db.conn();
        sockets::table
            .filter(sockets::id.eq(1))
            .select(sockets::code)
            .first::<String>(&mut c)
            .unwrap()
    };
    let r = app
        .post(
            "/api/v1/bookings",
            Some(&alice),
            booking(1, &app.slot_time(60), &app.slot_time(180)),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    let url = format!("/api/v1/bookings/{id}/check-in");
    let r = app
        .post(&url, Some(&alice), json!({"socket_code": code}))
        .await;
    r.expect(422, Some("check_in_too_early"));
    assert!(r.body["details"]["opens_at"].is_string());
    // Move to just after the start.
    advance_to(&app, &app.slot_time(60), 2);
    let alice = app.token("ci-a", "resident").await;
    app.post(&url, Some(&alice), json!({"socket_code": "WRONG123"}))
        .await
        .expect(422, Some("wrong_socket_code"));
    app.post(
        &format!("/api/v1/bookings/{id}/finish"),
        Some(&alice),
        json!({}),
    )
    .await
    .expect(409, Some("booking_state_invalid"));
    let r = app
        .post(
            &url,
            Some(&alice),
            json!({"socket_code": code.to_lowercase()}),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["status"], "checked_in");
    // Finishing early frees the rest: someone else can book the next hour.
    let r = app
        .post(
            &format!("/api/v1/bookings/{id}/finish"),
            Some(&alice),
            json!({}),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["status"], "completed");
    let bob = app.resident("ci-b", 2).await;
    app.post(
        "/api/v1/bookings",
        Some(&bob),
        booking(1, &app.slot_time(30), &app.slot_time(90)),
    )
    .await
    .expect(201, None);
    // Too late: a booking whose grace period has passed.
    let carol = app.resident("ci-c", 3).await;
    let r = app
        .post(
            "/api/v1/bookings",
            Some(&carol),
            booking(2, &app.slot_time(0), &app.slot_time(30)),
        )
        .await;
    let late = r.body["id"].as_i64().unwrap();
    app.clock.advance(chrono::Duration::minutes(20));
    let carol = app.token("ci-c", "resident").await;
    let r = app
        .post(
            &format!("/api/v1/bookings/{late}/check-in"),
            Some(&carol),
            json!({"socket_code": code}),
        )
        .await;
    r.expect(422, Some("check_in_too_late"));
});

on_both!(
    sweeper_releases_no_shows_once_and_suspends_after_three,
    |app| {
        app.seed_demo();
        // Binds sw-a's household; each round logs in again, as the clock moves by hours.
        app.resident("sw-a", 1).await;
        let mut released = 0;
        for round in 0..3 {
            let token = app.token("sw-a", "resident").await;
            let r = app
                .post(
                    "/api/v1/bookings",
                    Some(&token),
                    booking(1, &app.slot_time(30), &app.slot_time(60)),
                )
                .await;
            r.expect(201, None);
            let id = r.body["id"].as_i64().unwrap();
            app.clock.advance(chrono::Duration::minutes(30 + 16));
            released += app.sweep();
            assert_eq!(
                app.sweep(),
                0,
                "a second pass releases nothing more (round {round})"
            );
            let token = app.token("sw-a", "resident").await;
            let r = app
                .get(&format!("/api/v1/bookings/{id}"), Some(&token))
                .await;
            assert_eq!(r.body["status"], "no_show");
            // The freed cells are bookable again (grid shows them free or past).
            app.clock.advance(chrono::Duration::minutes(30));
        }
        assert!(released >= 3, "{released}");
        let token = app.token("sw-a", "resident").await;
        let kinds: Vec<String> = notifications(&app, &token)
            .await
            .iter()
            .map(|n| n["kind"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(kinds.iter().filter(|k| *k == "booking.no_show").count(), 3);
        assert!(kinds.contains(&"booking.suspended".to_owned()));
        let r = app
            .post(
                "/api/v1/bookings",
                Some(&token),
                booking(1, &app.slot_time(60), &app.slot_time(90)),
            )
            .await;
        r.expect(422, Some("booking_suspended"));
        let until =
            chrono::DateTime::parse_from_rfc3339(r.body["details"]["until"].as_str().unwrap())
                .unwrap();
        assert!((until.with_timezone(&chrono::Utc) - app.clock.now()).num_days() >= 6);
        // Another household is not affected; the suspension ends after 7 days.
        let bob = app.resident("sw-b", 2).await;
        app.post(
            "/api/v1/bookings",
            Some(&bob),
            booking(1, &app.slot_time(60), &app.slot_time(90)),
        )
        .await
        .expect(201, None);
        app.clock
            .advance(chrono::Duration::days(7) + chrono::Duration::hours(1));
        let token = app.token("sw-a", "resident").await;
        app.post(
            "/api/v1/bookings",
            Some(&token),
            booking(1, &app.slot_time(60), &app.slot_time(90)),
        )
        .await
        .expect(201, None);
    }
);

on_both!(
    reminders_go_out_once_and_checked_in_bookings_complete,
    |app| {
        app.seed_demo();
        let alice = app.resident("rem-a", 1).await;
        let start = app.slot_time(60);
        let r = app
            .post(
                "/api/v1/bookings",
                Some(&alice),
                booking(1, &start, &app.slot_time(90)),
            )
            .await;
        let id = r.body["id"].as_i64().unwrap();
        // Ten minutes before the start.
        advance_to(&app, &start, -10);
        app.sweep();
        app.sweep();
        let token = app.token("rem-a", "resident").await;
        let reminders = notifications(&app, &token)
            .await
            .iter()
            .filter(|n| n["kind"] == "booking.reminder")
            .count();
        assert_eq!(reminders, 1);
        let code = {
            use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
            let mut c = app.db.conn();
            linli::db::schema::sockets::table
                .filter(linli::db::schema::sockets::id.eq(1))
                .select(linli::db::schema::sockets::code)
                .first::<String>(&mut c)
                .unwrap()
        };
        advance_to(&app, &start, 2);
        let token = app.token("rem-a", "resident").await;
        app.post(
            &format!("/api/v1/bookings/{id}/check-in"),
            Some(&token),
            json!({"socket_code": code}),
        )
        .await
        .expect(200, None);
        app.clock.advance(chrono::Duration::minutes(40));
        app.sweep();
        let token = app.token("rem-a", "resident").await;
        let r = app
            .get(&format!("/api/v1/bookings/{id}"), Some(&token))
            .await;
        assert_eq!(r.body["status"], "completed");
        // The quota is free again.
        app.post(
            "/api/v1/bookings",
            Some(&token),
            booking(1, &app.slot_time(60), &app.slot_time(90)),
        )
        .await
        .expect(201, None);
    }
);

on_both!(waitlist_offers_pass_down_the_line, |app| {
    app.seed_demo();
    let alice = app.resident("wl-a", 1).await;
    let bob = app.resident("wl-b", 2).await;
    let carol = app.resident("wl-c", 3).await;
    let dave = app.resident("wl-d", 4).await;
    let (s, e) = (app.slot_time(120), app.slot_time(180));
    let r = app
        .post("/api/v1/bookings", Some(&alice), booking(1, &s, &e))
        .await;
    let alice_booking = r.body["id"].as_i64().unwrap();
    // Free time cannot be queued for.
    let r = app
        .post(
            "/api/v1/compounds/1/waitlist",
            Some(&bob),
            json!({"socket_id": 2, "starts_at": s, "ends_at": e}),
        )
        .await;
    r.expect(422, Some("slot_available"));
    let r = app
        .post(
            "/api/v1/compounds/1/waitlist",
            Some(&bob),
            json!({"socket_id": 1, "starts_at": s, "ends_at": e}),
        )
        .await;
    r.expect(201, None);
    assert_eq!(r.body["position"], 1);
    let bob_entry = r.body["id"].as_i64().unwrap();
    app.post(
        "/api/v1/compounds/1/waitlist",
        Some(&bob),
        json!({"socket_id": 1, "starts_at": s, "ends_at": e}),
    )
    .await
    .expect(409, Some("already_waitlisted"));
    app.clock.advance(chrono::Duration::seconds(1));
    let r = app
        .post(
            "/api/v1/compounds/1/waitlist",
            Some(&carol),
            json!({"socket_id": 1, "starts_at": s, "ends_at": e}),
        )
        .await;
    assert_eq!(r.body["position"], 2);
    let carol_entry = r.body["id"].as_i64().unwrap();
    // Alice cancels: Bob is offered the time, held for him.
    app.post(
        &format!("/api/v1/bookings/{alice_booking}/cancel"),
        Some(&alice),
        json!({}),
    )
    .await
    .expect(200, None);
    let mine = app.get("/api/v1/me/waitlist", Some(&bob)).await;
    assert_eq!(mine.body[0]["status"], "offered");
    assert_eq!(mine.body[0]["offered_socket_id"], 1);
    assert!(notifications(&app, &bob)
        .await
        .iter()
        .any(|n| n["kind"] == "waitlist.offer"));
    app.post("/api/v1/bookings", Some(&dave), booking(1, &s, &e))
        .await
        .expect(409, Some("booking_conflict"));
    let carol_now = app.get("/api/v1/me/waitlist", Some(&carol)).await;
    assert_eq!(carol_now.body[0]["position"], 1);
    // Bob declines: Carol is offered it; she lets it expire; it is free again.
    app.post(
        &format!("/api/v1/waitlist/{bob_entry}/leave"),
        Some(&bob),
        json!({}),
    )
    .await
    .expect(204, None);
    let carol_now = app.get("/api/v1/me/waitlist", Some(&carol)).await;
    assert_eq!(carol_now.body[0]["status"], "offered");
    app.clock.advance(chrono::Duration::minutes(11));
    app.sweep();
    let carol = app.token("wl-c", "resident").await;
    let carol_now = app.get("/api/v1/me/waitlist", Some(&carol)).await;
    assert_eq!(carol_now.body[0]["status"], "expired");
    app.post(
        &format!("/api/v1/waitlist/{carol_entry}/accept"),
        Some(&carol),
        json!({}),
    )
    .await
    .expect(409, Some("offer_not_pending"));
    // Accepting an offer makes a normal booking.
    let dave = app.token("wl-d", "resident").await;
    let r = app
        .post("/api/v1/bookings", Some(&dave), booking(1, &s, &e))
        .await;
    r.expect(201, None);
    let dave_booking = r.body["id"].as_i64().unwrap();
    let bob = app.token("wl-b", "resident").await;
    let r = app
        .post(
            "/api/v1/compounds/1/waitlist",
            Some(&bob),
            json!({"socket_id": null, "starts_at": s, "ends_at": e}),
        )
        .await;
    // Any socket: other sockets are free, so it is refused as bookable.
    r.expect(422, Some("slot_available"));
    let r = app
        .post(
            "/api/v1/compounds/1/waitlist",
            Some(&bob),
            json!({"socket_id": 1, "starts_at": s, "ends_at": e}),
        )
        .await;
    let entry = r.body["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/bookings/{dave_booking}/cancel"),
        Some(&dave),
        json!({}),
    )
    .await
    .expect(200, None);
    let r = app
        .post(
            &format!("/api/v1/waitlist/{entry}/accept"),
            Some(&bob),
            json!({}),
        )
        .await;
    r.expect(201, None);
    assert_eq!(r.body["status"], "confirmed");
    assert_eq!(r.body["socket_id"], 1);
    let mine = app.get("/api/v1/me/waitlist", Some(&bob)).await;
    assert_eq!(mine.body[0]["status"], "accepted");
    assert_eq!(mine.body[0]["booking_id"], r.body["id"]);
});

on_both!(
    maintenance_cancels_overlapping_bookings_and_blocks_the_window,
    |app| {
        app.seed_demo();
        let alice = app.resident("mt-a", 1).await;
        let bob = app.resident("mt-b", 2).await;
        let staff = app.token("mt-staff", "staff").await;
        let a = app
            .post(
                "/api/v1/bookings",
                Some(&alice),
                booking(1, &app.slot_time(120), &app.slot_time(180)),
            )
            .await;
        let b = app
            .post(
                "/api/v1/bookings",
                Some(&bob),
                booking(2, &app.slot_time(600), &app.slot_time(630)),
            )
            .await;
        let (a_id, b_id) = (
            a.body["id"].as_i64().unwrap(),
            b.body["id"].as_i64().unwrap(),
        );
        // Residents may not schedule maintenance.
        let window = json!({"pile_id": 1, "starts_at": app.slot_time(150), "ends_at": app.slot_time(240), "reason": "更换充电模块"});
        app.post("/api/v1/maintenance-windows", Some(&alice), window.clone())
            .await
            .expect(403, Some("forbidden"));
        let r = app
            .post("/api/v1/maintenance-windows", Some(&staff), window)
            .await;
        r.expect(201, None);
        assert_eq!(r.body["cancelled_bookings"], json!([a_id]));
        let r = app
            .get(&format!("/api/v1/bookings/{a_id}"), Some(&alice))
            .await;
        assert_eq!(r.body["status"], "cancelled");
        assert!(r.body["cancel_reason"]
            .as_str()
            .unwrap()
            .contains("更换充电模块"));
        let told = notifications(&app, &alice).await;
        assert!(told.iter().any(|n| n["kind"] == "booking.cancelled"
            && n["body"].as_str().unwrap().contains("更换充电模块")));
        // Bob's booking outside the window stands.
        assert_eq!(
            app.get(&format!("/api/v1/bookings/{b_id}"), Some(&bob))
                .await
                .body["status"],
            "confirmed"
        );
        // The window shows as unavailable and cannot be booked, on both sockets of the pile.
        let i = cell_index(&app, 150).await;
        assert_eq!(&cells(&app, None, 2).await[i..i + 3], "---");
        assert_eq!(
            &cells(&app, None, 1).await[i - 1..i],
            ".",
            "freed by the cancellation"
        );
        let carol = app.resident("mt-c", 3).await;
        let r = app
            .post(
                "/api/v1/bookings",
                Some(&carol),
                booking(2, &app.slot_time(180), &app.slot_time(210)),
            )
            .await;
        r.expect(422, Some("socket_unavailable"));
        // Validation.
        let r = app
            .post(
                "/api/v1/maintenance-windows",
                Some(&staff),
                json!({"starts_at": app.slot_time(0), "ends_at": app.slot_time(30), "reason": "x"}),
            )
            .await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], "pile_id");
    }
);

on_both!(socket_state_change_cancels_and_restores, |app| {
    app.seed_demo();
    let alice = app.resident("st-a", 1).await;
    let staff = app.token("st-staff", "staff").await;
    let r = app
        .post(
            "/api/v1/bookings",
            Some(&alice),
            booking(3, &app.slot_time(60), &app.slot_time(90)),
        )
        .await;
    let id = r.body["id"].as_i64().unwrap();
    let r = app
        .post(
            "/api/v1/sockets/3/state",
            Some(&staff),
            json!({"state": "faulted", "reason": "无法供电"}),
        )
        .await;
    r.expect(200, None);
    assert_eq!(r.body["state"], "faulted");
    assert_eq!(
        app.get(&format!("/api/v1/bookings/{id}"), Some(&alice))
            .await
            .body["status"],
        "cancelled"
    );
    assert!(cells(&app, None, 3).await.chars().all(|c| c == '-'));
    app.post(
        "/api/v1/sockets/3/state",
        Some(&staff),
        json!({"state": "available"}),
    )
    .await
    .expect(200, None);
    app.post(
        "/api/v1/bookings",
        Some(&alice),
        booking(3, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(201, None);
});

on_both!(availability_etag_and_bounds, |app| {
    app.seed_demo();
    let r = app.get("/api/v1/compounds/1/availability", None).await;
    r.expect(200, None);
    assert_eq!(r.body["slots"], 144);
    // 天和人家: 15 piles, 8 with two sockets plus one more with two in most compounds.
    assert_eq!(r.body["sockets"].as_array().unwrap().len(), 23);
    let etag = r.header("etag").unwrap().to_owned();
    let again = app
        .request(
            Method::GET,
            "/api/v1/compounds/1/availability",
            None,
            None,
            &[("If-None-Match", &etag)],
        )
        .await;
    assert_eq!(again.status, 304);
    // A write changes the grid and its ETag at once.
    let alice = app.resident("etag-a", 1).await;
    app.post(
        "/api/v1/bookings",
        Some(&alice),
        booking(1, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(201, None);
    let after = app
        .request(
            Method::GET,
            "/api/v1/compounds/1/availability",
            None,
            None,
            &[("If-None-Match", &etag)],
        )
        .await;
    after.expect(200, None);
    assert_ne!(after.header("etag").unwrap(), etag);
    let r = app
        .get("/api/v1/compounds/1/availability?days=2", None)
        .await;
    assert_eq!(r.body["slots"], 96);
    app.get("/api/v1/compounds/1/availability?days=9", None)
        .await
        .expect(422, Some("validation_failed"));
    app.get("/api/v1/compounds/1/availability?from=2020-01-01", None)
        .await
        .expect(422, Some("validation_failed"));
    app.get("/api/v1/compounds/1/availability?from=notadate", None)
        .await
        .expect(422, Some("validation_failed"));
    app.get("/api/v1/compounds/999999/availability", None)
        .await
        .expect(404, Some("not_found"));
    let r = app.get("/api/v1/compounds/1/charging", None).await;
    assert_eq!(r.body["piles"].as_array().unwrap().len(), 15);
});

on_both!(
    the_cached_grid_follows_every_change_and_each_viewer,
    |app| {
        app.seed_demo();
        let alice = app.resident("grid-a", 1).await;
        let bob = app.resident("grid-b", 2).await;
        let at = cell_index(&app, 60).await;
        let anon = cells(&app, None, 1).await;
        assert_eq!(&anon[at..=at], ".");
        let r = app
            .post(
                "/api/v1/bookings",
                Some(&alice),
                booking(1, &app.slot_time(60), &app.slot_time(90)),
            )
            .await;
        r.expect(201, None);
        let id = r.body["id"].as_i64().unwrap();
        // Each viewer sees the same cell their way, from the same cached grid.
        assert_eq!(&cells(&app, None, 1).await[at..=at], "x");
        assert_eq!(&cells(&app, Some(&bob), 1).await[at..=at], "x");
        let mine = app
            .get("/api/v1/compounds/1/availability", Some(&alice))
            .await;
        let row = |body: &Value| {
            body["sockets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["socket_id"] == 1)
                .unwrap()["cells"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(&row(&mine.body)[at..=at], "m");
        assert_eq!(row(&mine.body).matches('m').count(), 1);
        let theirs = app
            .get("/api/v1/compounds/1/availability", Some(&bob))
            .await;
        let (mine_tag, their_tag) = (
            mine.header("etag").unwrap().to_owned(),
            theirs.header("etag").unwrap().to_owned(),
        );
        assert_ne!(mine_tag, their_tag, "a grid showing `m` has its own ETag");
        let revalidate = |token: String, tag: String| {
            let app = &app;
            async move {
                app.request(
                    Method::GET,
                    "/api/v1/compounds/1/availability",
                    Some(&token),
                    None,
                    &[("If-None-Match", &tag)],
                )
                .await
                .status
            }
        };
        assert_eq!(revalidate(alice.clone(), mine_tag.clone()).await, 304);
        assert_eq!(revalidate(bob.clone(), their_tag.clone()).await, 304);
        // Bob's ETag does not validate Alice's grid (it lacks her `m`).
        assert_eq!(revalidate(alice.clone(), their_tag.clone()).await, 200);
        // Cancelling frees the cell for everyone at once.
        app.post(
            &format!("/api/v1/bookings/{id}/cancel"),
            Some(&alice),
            json!({"reason": "grid test"}),
        )
        .await
        .expect(200, None);
        assert_eq!(&cells(&app, Some(&alice), 1).await[at..=at], ".");
        assert_eq!(revalidate(alice.clone(), mine_tag).await, 200);
        // Time moving on closes the cells it passes, without any write.
        let before = cells(&app, None, 2).await;
        let first_open = before.find('.').unwrap();
        app.clock.advance(chrono::Duration::minutes(30));
        let later = cells(&app, None, 2).await;
        assert_eq!(&later[first_open..=first_open], "-");
        assert_eq!(later.find('.').unwrap(), first_open + 1);
        // A settings change redraws the horizon at once: one day ahead closes the third day.
        let staff = app.token("grid-staff", "staff").await;
        let settings = json!({"slot_minutes": 30, "days_ahead": 1, "min_notice_minutes": 0, "max_booking_minutes": 240, "grace_minutes": 15, "max_active_per_household": 1});
        app.request(
            Method::PUT,
            "/api/v1/compounds/1/charging-settings",
            Some(&staff),
            Some(settings),
            &[],
        )
        .await
        .expect(200, None);
        let narrowed = cells(&app, None, 2).await;
        assert!(narrowed[96..].chars().all(|c| c == '-'), "{narrowed}");
        assert!(narrowed.matches('.').count() < later.matches('.').count());
    }
);

on_both!(an_idempotent_booking_retry_books_once, |app| {
    app.seed_demo();
    let alice = app.resident("idem-a", 1).await;
    let body = booking(1, &app.slot_time(60), &app.slot_time(90));
    let key = [("Idempotency-Key", "book-42")];
    let first = app
        .request(
            Method::POST,
            "/api/v1/bookings",
            Some(&alice),
            Some(body.clone()),
            &key,
        )
        .await;
    first.expect(201, None);
    let again = app
        .request(
            Method::POST,
            "/api/v1/bookings",
            Some(&alice),
            Some(body),
            &key,
        )
        .await;
    again.expect(201, None);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("location"), first.header("location"));
    let list = app.get("/api/v1/me/bookings", Some(&alice)).await;
    assert_eq!(list.body["total"], 1);
});

/// Set up a migrated, seeded MySQL database and `n` residents, each in their own household
/// (bound directly in the database), with tokens from the given server.
async fn residents(db: &TestDb, base: &str, n: usize, prefix: &str) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        let r: Value = http
            .post(format!("{base}/api/v1/auth/dev"))
            .json(&json!({"openid": format!("{prefix}-{i}")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let uid = r["user"]["id"].as_i64().unwrap();
        {
            use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
            use linli::db::schema::users;
            let mut c = db.conn();
            diesel::update(users::table.filter(users::id.eq(uid)))
                .set(users::household_id.eq(Some(i64::try_from(i).unwrap() + 1)))
                .execute(&mut c)
                .unwrap();
        }
        tokens.push(r["access_token"].as_str().unwrap().to_owned());
    }
    tokens
}

#[actix_web::test]
async fn race_three_processes_200_clients_one_socket_one_slot() {
    let db = TestDb::seeded_mysql();
    let env = [("LINLI_BACKGROUND_JOBS", "0"), ("LINLI_DB_POOL_SIZE", "8")];
    let servers = ServerProcess::start_many(&db, &env, PROCESSES);
    let tokens = residents(&db, &servers[0].base, 200, "race").await;
    let (s, e) = (slot(180), slot(240));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(200)
        .build()
        .unwrap();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(tokens.len()));
    let mut tasks = Vec::new();
    for (i, t) in tokens.into_iter().enumerate() {
        let base = servers[i % servers.len()].base.clone();
        let (http, body, barrier) = (http.clone(), booking(7, &s, &e), barrier.clone());
        tasks.push(actix_web::rt::spawn(async move {
            barrier.wait().await;
            let r = http
                .post(format!("{base}/api/v1/bookings"))
                .bearer_auth(t)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            (status, body["code"].as_str().unwrap_or("").to_owned())
        }));
    }
    let mut created = 0;
    for t in tasks {
        let (status, code) = t.await.unwrap();
        match status {
            201 => created += 1,
            409 => assert_eq!(code, "booking_conflict"),
            other => panic!("unexpected {other} {code}"),
        }
    }
    assert_eq!(created, 1, "exactly one booking wins");
    use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
    use linli::db::schema::{booking_slots, bookings};
    let mut c = db.conn();
    let stored: i64 = bookings::table
        .filter(bookings::socket_id.eq(7))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(stored, 1);
    let cells: i64 = booking_slots::table
        .filter(booking_slots::socket_id.eq(7))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(cells, 2);
}

#[actix_web::test]
async fn the_grid_on_one_process_shows_a_write_on_another_at_once() {
    let db = TestDb::seeded_mysql();
    let env = [("LINLI_BACKGROUND_JOBS", "0")];
    let p1 = ServerProcess::start(&db, &env);
    let p2 = ServerProcess::start(&db, &env);
    let tokens = residents(&db, &p1.base, 1, "grid2").await;
    let http = reqwest::Client::new();
    let row = |base: String| {
        let http = http.clone();
        async move {
            let v: Value = http
                .get(format!("{base}/api/v1/compounds/1/availability"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let start =
                chrono::DateTime::parse_from_rfc3339(v["starts_at"].as_str().unwrap()).unwrap();
            let cells = v["sockets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["socket_id"] == 3)
                .unwrap()["cells"]
                .as_str()
                .unwrap()
                .to_owned();
            (start, cells)
        }
    };
    let (s, e) = (slot(120), slot(150));
    // Both processes cache the grid first.
    for _ in 0..3 {
        row(p1.base.clone()).await;
        row(p2.base.clone()).await;
    }
    let (start, _) = row(p2.base.clone()).await;
    let at = usize::try_from(
        (chrono::DateTime::parse_from_rfc3339(&s).unwrap() - start).num_minutes() / 30,
    )
    .unwrap();
    let r = http
        .post(format!("{}/api/v1/bookings", p1.base))
        .bearer_auth(&tokens[0])
        .json(&booking(3, &s, &e))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    // The very next read on the other process shows it: no waiting, no stale cache.
    assert_eq!(&row(p2.base.clone()).await.1[at..=at], "x");
    let r = http
        .post(format!("{}/api/v1/bookings/{id}/cancel", p2.base))
        .bearer_auth(&tokens[0])
        .json(&json!({"reason": "two processes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(&row(p1.base.clone()).await.1[at..=at], ".");
}

#[actix_web::test]
async fn race_three_processes_one_household_three_sockets() {
    let db = TestDb::seeded_mysql();
    let env = [("LINLI_BACKGROUND_JOBS", "0")];
    let servers = ServerProcess::start_many(&db, &env, PROCESSES);
    // Twenty rounds: a member of one household on each server process books a different
    // socket at the same moment.
    let http = reqwest::Client::new();
    for round in 0..20i64 {
        let tokens = residents(&db, &servers[0].base, PROCESSES, &format!("hh{round}")).await;
        {
            use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl, TextExpressionMethods};
            use linli::db::schema::users;
            let mut c = db.conn();
            let household = 500 + round;
            diesel::update(users::table.filter(users::openid.like(format!("dev:hh{round}-%"))))
                .set(users::household_id.eq(Some(household)))
                .execute(&mut c)
                .unwrap();
        }
        let (s, e) = (slot(60 + 30 * round), slot(90 + 30 * round));
        let sends = servers.iter().zip(&tokens).enumerate().map(|(i, (p, t))| {
            http.post(format!("{}/api/v1/bookings", p.base))
                .bearer_auth(t)
                .json(&booking(9 + i64::try_from(i).unwrap(), &s, &e))
                .send()
        });
        let mut statuses: Vec<u16> = futures_util::future::join_all(sends)
            .await
            .into_iter()
            .map(|r| r.unwrap().status().as_u16())
            .collect();
        statuses.sort_unstable();
        let mut want = vec![422; PROCESSES];
        want[0] = 201;
        assert_eq!(
            statuses, want,
            "round {round}: one wins, the others hit the quota"
        );
    }
}

#[actix_web::test]
async fn concurrent_sweepers_release_each_no_show_once() {
    let db = TestDb::seeded_mysql();
    let env = [("LINLI_BACKGROUND_JOBS", "0")];
    let server = ServerProcess::start(&db, &env);
    let tokens = residents(&db, &server.base, 40, "sweep").await;
    let http = reqwest::Client::new();
    for (i, t) in tokens.iter().enumerate() {
        let socket = i64::try_from(i).unwrap() + 1;
        let r = http
            .post(format!("{}/api/v1/bookings", server.base))
            .bearer_auth(t)
            .json(&booking(socket, &slot(0), &slot(30)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    // Four sweepers at once, an hour later: every booking is released exactly once.
    let later = chrono::Utc::now().naive_utc() + chrono::Duration::hours(1);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let mut conn = db.conn();
            std::thread::spawn(move || linli::charging::model::sweep(&mut conn, later).unwrap())
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, 40, "each booking released once across the sweepers");
    use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
    use linli::db::schema::{bookings, household_quotas};
    let mut c = db.conn();
    let no_shows: i64 = bookings::table
        .filter(bookings::status.eq("no_show"))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(no_shows, 40);
    let active: Vec<i32> = household_quotas::table
        .select(household_quotas::active_count)
        .load(&mut c)
        .unwrap();
    assert!(active.iter().all(|n| *n == 0), "{active:?}");
}

/// The sweeper as it runs for real: in the background of three server processes at once
/// (every 150 ms each), over no-shows and bookings due a reminder, with the no-show webhooks
/// delivered by the three processes' workers. Each job is done once.
#[actix_web::test]
async fn three_processes_sweep_and_deliver_each_job_once() {
    use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
    use linli::db::schema::{bookings, household_quotas, notifications, webhook_events};
    let db = TestDb::seeded_mysql();
    let http = reqwest::Client::new();
    let receiver = Receiver::start();
    let n = 20;
    {
        let setup = ServerProcess::start(
            &db,
            &[
                ("LINLI_BACKGROUND_JOBS", "0"),
                ("LINLI_WEBHOOK_ALLOW_PRIVATE", "1"),
            ],
        );
        partner_with_webhook(
            &http,
            &setup.base,
            "三进程物业",
            &[1, 2],
            &["booking.no_show"],
            &receiver.url,
        )
        .await;
        let tokens = residents(&db, &setup.base, 2 * n, "sweep3").await;
        for (i, t) in tokens.iter().enumerate() {
            let socket = i64::try_from(i).unwrap() + 1;
            let r = http
                .post(format!("{}/api/v1/bookings", setup.base))
                .bearer_auth(t)
                .json(&booking(socket, &slot(60), &slot(90)))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }
    }
    // Half of them started an hour ago (no-shows now), half start in ten minutes (reminders).
    let now = chrono::Utc::now().naive_utc();
    let mut c = db.conn();
    let half = i64::try_from(n).unwrap();
    diesel::update(bookings::table.filter(bookings::socket_id.le(half)))
        .set((
            bookings::starts_at.eq(now - chrono::Duration::minutes(60)),
            bookings::ends_at.eq(now - chrono::Duration::minutes(30)),
        ))
        .execute(&mut c)
        .unwrap();
    diesel::update(bookings::table.filter(bookings::socket_id.gt(half)))
        .set((
            bookings::starts_at.eq(now + chrono::Duration::minutes(10)),
            bookings::ends_at.eq(now + chrono::Duration::minutes(40)),
        ))
        .execute(&mut c)
        .unwrap();

    let env = [
        ("LINLI_BACKGROUND_JOBS", "1"),
        ("LINLI_JOB_INTERVAL_SCALE", "0.005"),
        ("LINLI_WEBHOOK_ALLOW_PRIVATE", "1"),
        ("LINLI_WEBHOOK_POLL_MS", "20"),
    ];
    let _servers = ServerProcess::start_many(&db, &env, PROCESSES);
    let count = |c: &mut linli::db::DbConn, status: &str| -> i64 {
        bookings::table
            .filter(bookings::status.eq(status))
            .count()
            .get_result(c)
            .unwrap()
    };
    eventually(60, "every job done", || {
        let reminded: i64 = bookings::table
            .filter(bookings::reminded_at.is_not_null())
            .count()
            .get_result(&mut c)
            .unwrap();
        count(&mut c, "no_show") == half && reminded == half && receiver.ids().len() >= n
    })
    .await;
    // Let the three sweepers and workers race on a while longer.
    actix_web::rt::time::sleep(std::time::Duration::from_secs(1)).await;

    assert_eq!(count(&mut c, "no_show"), half);
    assert_eq!(count(&mut c, "confirmed"), half);
    let events: i64 = webhook_events::table
        .filter(webhook_events::event_type.eq("booking.no_show"))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(events, half, "each no-show released (and announced) once");
    let ids = receiver.ids();
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(ids.len(), n, "each webhook sent once by three workers");
    assert_eq!(unique.len(), n);
    for kind in ["booking.no_show", "booking.reminder"] {
        let told: i64 = notifications::table
            .filter(notifications::kind.eq(kind))
            .count()
            .get_result(&mut c)
            .unwrap();
        assert_eq!(told, half, "{kind}: each resident told once");
    }
    let mut active: Vec<i32> = household_quotas::table
        .select(household_quotas::active_count)
        .load(&mut c)
        .unwrap();
    active.sort_unstable();
    let mut want = vec![0; n];
    want.extend(vec![1; n]);
    assert_eq!(active, want, "quota given back once per no-show");
}

on_both!(bookings_appear_in_the_private_calendar_feed, |app| {
    app.seed_demo();
    let alice = app.resident("cal-charge", 1).await;
    let r = app
        .post(
            "/api/v1/bookings",
            Some(&alice),
            booking(1, &app.slot_time(60), &app.slot_time(120)),
        )
        .await;
    r.expect(201, None);
    let id = r.body["id"].as_i64().unwrap();
    let feed = app
        .post("/api/v1/me/calendar/rotate", Some(&alice), json!({}))
        .await;
    feed.expect(200, None);
    let path = feed.body["path"].as_str().unwrap().to_owned();
    let text = app.get(&path, None).await.text;
    let parsed: icalendar::Calendar = text.parse().expect("a standard parser accepts the feed");
    use icalendar::{Component, EventLike};
    let event = parsed
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .find(|e| e.get_uid() == Some(format!("booking-{id}@linli").as_str()))
        .expect("the booking is in the feed");
    assert_eq!(event.get_summary(), Some("电动车充电 1号桩-1口"));
    assert_eq!(event.get_location(), Some("天和人家"));
    assert_eq!(event.get_status(), Some(icalendar::EventStatus::Confirmed));
    app.post(
        &format!("/api/v1/bookings/{id}/cancel"),
        Some(&alice),
        json!({}),
    )
    .await
    .expect(200, None);
    let text = app.get(&path, None).await.text;
    let parsed: icalendar::Calendar = text.parse().unwrap();
    let event = parsed
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .find(|e| e.get_uid() == Some(format!("booking-{id}@linli").as_str()))
        .unwrap();
    assert_eq!(event.get_status(), Some(icalendar::EventStatus::Cancelled));
});
