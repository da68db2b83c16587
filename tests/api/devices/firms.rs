//! Firms and staff see the sessions per pile; a firm stops a session on its own piles, and
//! community staff one on their community's piles, through the command outbox to the pile
//! (real gateway, simulated pile), once however often they ask.

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

/// A user's id from `GET /me`.
async fn user_id(app: &TestApp, token: &str) -> i64 {
    app.get("/api/v1/me", Some(token)).await.body["id"]
        .as_i64()
        .unwrap()
}

/// Bind `user` to a household of a community other than socket 1's, in the database.
fn bind_elsewhere(app: &TestApp, user: i64) {
    use diesel::prelude::*;
    use linli::db::schema::{buildings, compounds, households, sockets, users};
    let mut conn = app.db.conn();
    let here: i64 = sockets::table
        .inner_join(compounds::table.on(compounds::id.eq(sockets::compound_id)))
        .filter(sockets::id.eq(1i64))
        .select(compounds::community_id)
        .first(&mut conn)
        .unwrap();
    let household: i64 = households::table
        .inner_join(buildings::table.inner_join(compounds::table))
        .filter(compounds::community_id.ne(here))
        .select(households::id)
        .first(&mut conn)
        .unwrap();
    diesel::update(users::table.find(user))
        .set(users::household_id.eq(Some(household)))
        .execute(&mut conn)
        .unwrap();
}

on_both!(
    community_staff_stop_a_session_on_their_pile_once_and_others_get_404,
    |app| {
        let (token, booking_id) = booked(&app, "gw-staff-stop").await;
        let (_gw, mut sim) = pile_online(&app, |_| {}).await;
        start(&app, &token, booking_id).await.expect(201, None);
        let (frame, cmd) = sim.command().await;
        sim.reply(&frame, &cmd, 0).await;
        let pile = app.pile_of(1);
        // Staff bound in card 2's household (socket 1's community), elsewhere, and nowhere.
        let here = app.token("gw-staff-here", "staff").await;
        let code = linli::places::seed::demo_check_codes(2).pop().unwrap();
        app.bind_and_approve(&here, &linli::places::seed::card_number(2), &code)
            .await;
        let elsewhere = app.token("gw-staff-elsewhere", "staff").await;
        bind_elsewhere(&app, user_id(&app, &elsewhere).await);
        let nowhere = app.token("gw-staff-nowhere", "staff").await;
        let list = format!("/api/v1/piles/{pile}/charging-sessions");
        let id = newest_until(&app, &list, &here, "charging").await["id"]
            .as_i64()
            .unwrap();
        let stop = format!("/api/v1/charging-sessions/{id}/stop");
        for other in [&elsewhere, &nowhere] {
            app.post(&stop, Some(other), json!({}))
                .await
                .expect(404, Some("not_found"));
        }
        app.post(&stop, Some(&token), json!({}))
            .await
            .expect(403, Some("forbidden"));
        app.post(
            "/api/v1/charging-sessions/999999/stop",
            Some(&here),
            json!({}),
        )
        .await
        .expect(404, Some("not_found"));

        // Two stops at once (a double tap): one command, one audit row, the same answer.
        let (a, b) = futures_util::join!(
            app.post(&stop, Some(&here), json!({})),
            app.post(&stop, Some(&here), json!({}))
        );
        a.expect(202, None);
        b.expect(202, None);
        assert!(a.body["stop_requested_at"].is_string());
        assert_eq!(a.body["stop_requested_at"], b.body["stop_requested_at"]);
        let (stop_frame, stop_cmd) = sim.command().await;
        assert!(!stop_cmd.start, "a stop");
        assert_eq!((stop_cmd.port, stop_cmd.order), (cmd.port, cmd.order));
        sim.reply(&stop_frame, &stop_cmd, 0).await;
        assert!(
            sim.recv(Duration::from_millis(800))
                .await
                .is_none_or(|f| f.command != START_STOP),
            "one stop command"
        );
        sim.settle(PILE, &settlement(&cmd, 5, 7)).await;
        let settled = newest_until(&app, &list, &here, "settled").await;
        assert_eq!(settled["stop_reason"], "stopped_remotely");
        app.post(&stop, Some(&here), json!({}))
            .await
            .expect(202, None);
        let admin = app.token("gw-stop-admin", "admin").await;
        let log = app
            .get("/api/v1/audit-log?per_page=100", Some(&admin))
            .await;
        log.expect(200, None);
        let here_id = user_id(&app, &here).await;
        let stops: Vec<_> = log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "session.stop")
            .collect();
        assert_eq!(stops.len(), 1, "audited once");
        assert_eq!(stops[0]["actor"], format!("user:{here_id}"));
        assert_eq!(stops[0]["target_id"], id);
    }
);
