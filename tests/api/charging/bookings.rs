//! Booking a socket: the life of a booking, each rule with its error, idempotent retries and
//! the private calendar feed.

use reqwest::Method;
use serde_json::json;

use super::*;
use crate::on_both;

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

/// The demo data set with two residents of households 1 and 2.
async fn alice_and_bob(app: &TestApp) -> (String, String) {
    app.seed_demo();
    let alice = app.resident("rules-a", 1).await;
    let bob = app.resident("rules-b", 2).await;
    (alice, bob)
}

on_both!(
    times_off_the_grid_past_too_far_or_too_long_have_their_codes,
    |app| {
        let (alice, _) = alice_and_bob(&app).await;
        let off = chrono::DateTime::parse_from_rfc3339(&app.slot_time(60)).unwrap()
            + chrono::Duration::minutes(10);
        let r = book(
            &app,
            &alice,
            booking(1, &off.to_rfc3339(), &app.slot_time(120)),
        )
        .await;
        r.expect(422, Some("booking_off_grid"));
        assert_eq!(r.body["field"], "starts_at");
        assert_eq!(r.body["details"]["slot_minutes"], 30);
        book(
            &app,
            &alice,
            booking(1, &app.slot_time(-60), &app.slot_time(0)),
        )
        .await
        .expect(422, Some("booking_in_past"));
        book(
            &app,
            &alice,
            booking(
                1,
                &app.slot_time(8 * 24 * 60),
                &app.slot_time(8 * 24 * 60 + 30),
            ),
        )
        .await
        .expect(422, Some("booking_too_far_ahead"));
        book(
            &app,
            &alice,
            booking(1, &app.slot_time(60), &app.slot_time(60 + 270)),
        )
        .await
        .expect(422, Some("booking_too_long"));
        book(
            &app,
            &alice,
            booking(1, &app.slot_time(90), &app.slot_time(60)),
        )
        .await
        .expect(422, Some("validation_failed"));
        let r = book(
            &app,
            &alice,
            json!({"socket_id": 1, "starts_at": "tomorrow", "ends_at": app.slot_time(90)}),
        )
        .await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], "starts_at");
    }
);

on_both!(
    a_booking_needs_a_household_which_holds_one_at_a_time,
    |app| {
        let (alice, _) = alice_and_bob(&app).await;
        let unbound = app.token("rules-unbound", "resident").await;
        book(
            &app,
            &unbound,
            booking(1, &app.slot_time(60), &app.slot_time(90)),
        )
        .await
        .expect(422, Some("household_required"));
        // The current slot may still be booked (no minimum notice by default).
        let r = book(
            &app,
            &alice,
            booking(3, &app.slot_time(0), &app.slot_time(30)),
        )
        .await;
        r.expect(201, None);
        let current = r.body["id"].as_i64().unwrap();
        // Quota: one active booking per household.
        book(
            &app,
            &alice,
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
    }
);

on_both!(
    a_partly_overlapping_booking_conflicts_and_the_next_slot_is_free,
    |app| {
        let (alice, bob) = alice_and_bob(&app).await;
        book(
            &app,
            &bob,
            booking(1, &app.slot_time(60), &app.slot_time(120)),
        )
        .await
        .expect(201, None);
        book(
            &app,
            &alice,
            booking(1, &app.slot_time(90), &app.slot_time(150)),
        )
        .await
        .expect(409, Some("booking_conflict"));
        book(
            &app,
            &alice,
            booking(1, &app.slot_time(120), &app.slot_time(150)),
        )
        .await
        .expect(201, None);
    }
);

on_both!(
    an_unknown_or_out_of_service_socket_cannot_be_booked,
    |app| {
        let (alice, _) = alice_and_bob(&app).await;
        book(
            &app,
            &alice,
            booking(999_999, &app.slot_time(60), &app.slot_time(90)),
        )
        .await
        .expect(404, Some("not_found"));
        let staff = app.token("rules-staff", "staff").await;
        app.post(
            "/api/v1/sockets/5/state",
            Some(&staff),
            json!({"state": "faulted"}),
        )
        .await
        .expect(200, None);
        book(
            &app,
            &alice,
            booking(5, &app.slot_time(60), &app.slot_time(90)),
        )
        .await
        .expect(422, Some("socket_unavailable"));
    }
);

on_both!(a_minimum_notice_applies_once_a_compound_sets_one, |app| {
    let (alice, _) = alice_and_bob(&app).await;
    let staff = app.token("rules-staff", "staff").await;
    let settings = json!({"slot_minutes": 30, "days_ahead": 7, "min_notice_minutes": 120, "max_booking_minutes": 240, "grace_minutes": 15, "max_active_per_household": 1});
    put_settings(&app, &staff, 1, settings)
        .await
        .expect(200, None);
    book(
        &app,
        &alice,
        booking(6, &app.slot_time(60), &app.slot_time(90)),
    )
    .await
    .expect(422, Some("booking_too_soon"));
});

on_both!(
    only_staff_change_settings_and_bad_settings_name_their_field,
    |app| {
        let (alice, _) = alice_and_bob(&app).await;
        let staff = app.token("rules-staff", "staff").await;
        let bad = json!({"slot_minutes": 7, "days_ahead": 7, "min_notice_minutes": 0, "max_booking_minutes": 240, "grace_minutes": 15, "max_active_per_household": 1});
        put_settings(&app, &alice, 1, bad.clone())
            .await
            .expect(403, Some("forbidden"));
        let r = put_settings(&app, &staff, 1, bad).await;
        r.expect(422, Some("validation_failed"));
        assert_eq!(r.body["field"], "slot_minutes");
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

on_both!(bookings_appear_in_the_private_calendar_feed, |app| {
    app.seed_demo();
    let alice = app.resident("cal-charge", 1).await;
    // The compound's own grace period is what the event tells the resident.
    let staff = app.token("cal-staff", "staff").await;
    let settings = json!({"slot_minutes": 30, "days_ahead": 7, "min_notice_minutes": 0, "max_booking_minutes": 240, "grace_minutes": 20, "max_active_per_household": 1});
    put_settings(&app, &staff, 1, settings)
        .await
        .expect(200, None);
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
    assert_eq!(
        event.get_description(),
        Some(format!("充电预约 {id}，请在开始后20分钟内扫码签到").as_str())
    );
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
