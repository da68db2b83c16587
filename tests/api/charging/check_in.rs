//! Checking in by scanning the socket's code within the grace period, and finishing early.

use serde_json::json;

use super::*;
use crate::on_both;

on_both!(check_in_finish_and_their_errors, |app| {
    app.seed_demo();
    let alice = app.resident("ci-a", 1).await;
    let code = socket_code(&app, 1);
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
