//! Maintenance windows and socket states: both cancel the bookings they overlap (telling
//! their residents) and keep the time from being booked.

use serde_json::json;

use super::*;
use crate::on_both;

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
