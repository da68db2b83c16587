//! Firms and staff see the sessions per pile; a firm stops a session on its own piles through
//! the command outbox to the pile (real gateway, simulated pile), once however often it asks.

use std::time::Duration;

use serde_json::json;

use super::{booked, pile_online, start, PILE};
use crate::on_both;
use crate::partners::firms;
use crate::support::*;
use linli::devices::dny::messages::START_STOP;

/// The newest session of a list once it is in `state` (5 s).
async fn newest_until(app: &TestApp, path: &str, token: &str, state: &str) -> serde_json::Value {
    for _ in 0..100 {
        let list = app.get(path, Some(token)).await;
        list.expect(200, None);
        if list.body["items"][0]["state"] == state {
            return list.body["items"][0].clone();
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no session became {state} in time");
}

on_both!(
    a_firm_stops_a_session_on_its_pile_once_and_others_get_404,
    |app| {
        let (token, booking_id) = booked(&app, "gw-firm-stop").await;
        let (_gw, mut sim) = pile_online(&app, |_| {}).await;
        let f = firms(&app).await;
        let pile = app.pile_of(1);
        start(&app, &token, booking_id).await.expect(201, None);
        let (frame, cmd) = sim.command().await;
        sim.reply(&frame, &cmd, 0).await;
        sim.power(PILE, &cmd, 60, 1, 1800).await;

        let path = format!("/api/v1/partner/piles/{pile}/charging-sessions");
        let session = newest_until(&app, &path, &f.a, "charging").await;
        assert_eq!(app.get(&path, Some(&f.a)).await.body["total"], 1);
        assert!(session["stop_requested_at"].is_null());
        let id = session["id"].as_i64().unwrap();
        // Another firm: 404 for the pile and the session alike; staff see the same list.
        app.get(&path, Some(&f.b))
            .await
            .expect(404, Some("not_found"));
        let stop = format!("/api/v1/partner/charging-sessions/{id}/stop");
        app.post(&stop, Some(&f.b), json!({}))
            .await
            .expect(404, Some("not_found"));
        app.post(
            "/api/v1/partner/charging-sessions/999999/stop",
            Some(&f.a),
            json!({}),
        )
        .await
        .expect(404, Some("not_found"));
        let staff_list = app
            .get(
                &format!("/api/v1/piles/{pile}/charging-sessions"),
                Some(&f.staff),
            )
            .await;
        staff_list.expect(200, None);
        assert_eq!(staff_list.body["items"][0]["id"], id);
        app.get("/api/v1/piles/999999/charging-sessions", Some(&f.staff))
            .await
            .expect(404, Some("not_found"));

        let first = app.post(&stop, Some(&f.a), json!({})).await;
        first.expect(202, None);
        assert!(first.body["stop_requested_at"].is_string());
        let (stop_frame, stop_cmd) = sim.command().await;
        assert!(!stop_cmd.start, "a stop");
        assert_eq!((stop_cmd.port, stop_cmd.order), (cmd.port, cmd.order));
        // Asked again: the same answer, and no second command reaches the pile.
        let second = app.post(&stop, Some(&f.a), json!({})).await;
        second.expect(202, None);
        assert_eq!(
            second.body["stop_requested_at"],
            first.body["stop_requested_at"]
        );
        sim.reply(&stop_frame, &stop_cmd, 0).await;
        assert!(
            sim.recv(Duration::from_millis(800))
                .await
                .is_none_or(|f| f.command != START_STOP),
            "one stop command"
        );
        // The pile settles with "stopped by the server".
        sim.settle(PILE, &settlement(&cmd, 5, 7)).await;
        let settled = newest_until(&app, &path, &f.a, "settled").await;
        assert_eq!(settled["stop_reason"], "stopped_remotely");
        app.post(&stop, Some(&f.a), json!({}))
            .await
            .expect(202, None);
        let log = app.get("/api/v1/audit-log", Some(&f.staff)).await;
        let stops = log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "session.stop")
            .count();
        assert_eq!(stops, 1, "audited once");
    }
);

on_both!(a_session_that_ended_without_a_stop_is_not_stopped, |app| {
    let (token, booking_id) = booked(&app, "gw-firm-ended").await;
    let (_gw, mut sim) = pile_online(&app, |_| {}).await;
    let f = firms(&app).await;
    start(&app, &token, booking_id).await.expect(201, None);
    let (frame, cmd) = sim.command().await;
    sim.reply(&frame, &cmd, 1).await;
    let pile = app.pile_of(1);
    let path = format!("/api/v1/partner/piles/{pile}/charging-sessions");
    let id = newest_until(&app, &path, &f.a, "start_failed").await["id"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/api/v1/partner/charging-sessions/{id}/stop"),
        Some(&f.a),
        json!({}),
    )
    .await
    .expect(409, Some("charging_session_ended"));
});
