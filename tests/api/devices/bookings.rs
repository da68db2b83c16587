//! Bookings and the piles together (issue 15 point 5): power on the booked socket checks the
//! booking in; a no-show is not counted while the pile was offline; the current slot of an
//! offline pile or a faulted socket cannot be booked.

use super::{booked, booking_status, pile_online, session_until, socket_code, PILE};
use crate::on_both;
use crate::support::*;
use linli::devices::dny::messages::StartStop;
use serde_json::json;
use std::time::Duration;

/// A charge the pile started by itself (card, coin or offline): an order number no session
/// of Linli has.
fn local_start(port: u8) -> StartStop {
    StartStop {
        port,
        start: true,
        duration_s: 0,
        order: [0x5a; 16],
        overload_power: 0,
    }
}

fn checked_in_at(app: &TestApp, id: i64) -> Option<chrono::NaiveDateTime> {
    use diesel::prelude::*;
    use linli::db::schema::bookings;
    bookings::table
        .find(id)
        .select(bookings::checked_in_at)
        .first(&mut app.db.conn())
        .unwrap()
}

fn cancel_reason(app: &TestApp, id: i64) -> Option<String> {
    use diesel::prelude::*;
    use linli::db::schema::bookings;
    bookings::table
        .find(id)
        .select(bookings::cancel_reason)
        .first(&mut app.db.conn())
        .unwrap()
}

/// No-shows counted against a booking's household.
fn no_shows(app: &TestApp, booking: i64) -> i64 {
    use diesel::prelude::*;
    use linli::db::schema::bookings;
    let household: i64 = bookings::table
        .find(booking)
        .select(bookings::household_id)
        .first(&mut app.db.conn())
        .unwrap();
    bookings::table
        .filter(bookings::household_id.eq(household))
        .filter(bookings::status.eq("no_show"))
        .count()
        .get_result(&mut app.db.conn())
        .unwrap()
}

on_both!(
    scanning_the_socket_code_at_check_in_starts_charging_on_a_pile_a_gateway_drives,
    |app| {
        let (token, booking_id) = booked(&app, "gw-scan-start").await;
        let (_gw, mut sim) = pile_online(&app, |_| {}).await;
        let r = app
            .post(
                &format!("/api/v1/bookings/{booking_id}/check-in"),
                Some(&token),
                json!({"socket_code": socket_code(&app, 1)}),
            )
            .await;
        r.expect(200, None);
        assert_eq!(r.body["status"], "checked_in");
        let (frame, cmd) = sim.command().await;
        assert!(cmd.start);
        assert_eq!((frame.physical_id, cmd.port), (PILE, 0));
        sim.reply(&frame, &cmd, 0).await;
        let s = session_until(&app, &token, "charging", |s| s["state"] == "charging").await;
        assert_eq!(s["booking_id"], booking_id);
        // 开始充电 afterwards finds the session open: one session.
        app.post(
            &format!("/api/v1/bookings/{booking_id}/charging-session"),
            Some(&token),
            json!({}),
        )
        .await
        .expect(409, Some("charging_in_progress"));
    }
);

on_both!(
    a_check_in_before_the_booking_starts_does_not_start_charging,
    |app| {
        app.seed_demo();
        let token = app.resident("gw-scan-early", 1).await;
        let (starts, ends) = (app.slot_time(30), app.slot_time(60));
        let r = app
            .post("/api/v1/bookings", Some(&token), booking(2, &starts, &ends))
            .await;
        r.expect(201, None);
        let booking_id = r.body["id"].as_i64().unwrap();
        let (_gw, mut sim) = pile_online(&app, |_| {}).await;
        // Three minutes before the start: check-in is open, the minutes are the slot before.
        let early = chrono::DateTime::parse_from_rfc3339(&starts)
            .unwrap()
            .with_timezone(&chrono::Utc)
            - chrono::Duration::minutes(3);
        app.clock.advance(early - app.clock.now());
        let token = app.token("gw-scan-early", "resident").await;
        app.post(
            &format!("/api/v1/bookings/{booking_id}/check-in"),
            Some(&token),
            json!({"socket_code": socket_code(&app, 2)}),
        )
        .await
        .expect(200, None);
        assert_eq!(booking_status(&app, booking_id), "checked_in");
        let next = sim.recv(Duration::from_secs(1)).await;
        assert!(next.is_none_or(|f| f.command != linli::devices::dny::messages::START_STOP));
        let r = app.get("/api/v1/me/charging-sessions", Some(&token)).await;
        assert_eq!(r.body["total"], 0);
    }
);

on_both!(
    a_power_report_on_the_booked_socket_checks_the_booking_in_once,
    |app| {
        let (_token, booking_id) = booked(&app, "gw-report-check-in").await;
        let (_gw, mut sim) = pile_online(&app, |_| {}).await;
        assert_eq!(
            app.pile_of(2),
            app.pile_of(1),
            "socket 2 is port 1 of the pile"
        );
        // Power on another port is not this booking's resident.
        sim.power(PILE, &local_start(1), 60, 1, 1800).await;
        sim.heartbeat(PILE, &[0; 10]).await;
        assert_eq!(booking_status(&app, booking_id), "confirmed");
        // Power on the booked socket: nobody scanned, the pile charges all the same.
        sim.power(PILE, &local_start(0), 60, 1, 1800).await;
        eventually(5, "checked in by the report", || {
            booking_status(&app, booking_id) == "checked_in"
        })
        .await;
        let at = checked_in_at(&app, booking_id);
        assert!(
            at.is_some_and(|t| t <= app.clock.now_naive()),
            "checked in at the report: {at:?}"
        );
        // Later reports change nothing: checked in once.
        app.clock.advance(chrono::Duration::minutes(5));
        sim.power(PILE, &local_start(0), 360, 3, 1800).await;
        sim.heartbeat(PILE, &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0]).await;
        assert_eq!(checked_in_at(&app, booking_id), at);
        // Past the grace period the sweeper does not release it as a no-show.
        app.clock.advance(chrono::Duration::minutes(20));
        app.sweep();
        assert_eq!(booking_status(&app, booking_id), "checked_in");
        assert_eq!(no_shows(&app, booking_id), 0);
    }
);

on_both!(
    a_silent_pile_during_the_grace_period_does_not_count_a_no_show,
    |app| {
        let (token, booking_id) = booked(&app, "gw-offline-no-show").await;
        let (_gw, _sim) = pile_online(&app, |_| {}).await;
        // The pile falls silent two minutes into the booking; the gateway marks it offline.
        app.clock.advance(chrono::Duration::minutes(8));
        eventually(5, "the pile offline", || {
            app.live_state(1).is_some_and(|(s, _)| s == "offline")
        })
        .await;
        app.clock.advance(chrono::Duration::minutes(10));
        app.sweep();
        assert_eq!(booking_status(&app, booking_id), "cancelled");
        assert_eq!(
            cancel_reason(&app, booking_id).as_deref(),
            Some(linli::charging::model::sweeper::PILE_OFFLINE_REASON)
        );
        assert_eq!(no_shows(&app, booking_id), 0, "not counted");
        let _ = token;
        let token = app.token("gw-offline-no-show", "resident").await;
        let notes = crate::charging::notifications(&app, &token).await;
        assert!(
            notes
                .iter()
                .any(|n| n["body"].as_str().unwrap_or("").contains("不计为未到")),
            "the resident is told it does not count: {notes:?}"
        );
    }
);

on_both!(
    a_no_show_is_not_counted_while_no_gateway_runs_at_all,
    |app| {
        let (_token, booking_id) = booked(&app, "gw-none-no-show").await;
        let (gw, sim) = pile_online(&app, |_| {}).await;
        // The only gateway stops (and its pile with it): nothing marks the pile offline but
        // the API processes' own job.
        drop(sim);
        drop(gw);
        app.clock.advance(chrono::Duration::minutes(8));
        let job = linli::jobs::all()
            .into_iter()
            .find(|j| j.name == "devices_offline_sweeper")
            .expect("the job");
        let config = linli::config::Config::defaults();
        let now = app.clock.now_naive();
        assert_eq!((job.run)(&mut app.db.conn(), now, &config).unwrap(), 1);
        assert_eq!(
            app.live_state(1).map(|(s, _)| s).as_deref(),
            Some("offline")
        );
        assert_eq!(
            (job.run)(&mut app.db.conn(), now, &config).unwrap(),
            0,
            "once"
        );
        app.clock.advance(chrono::Duration::minutes(10));
        app.sweep();
        assert_eq!(booking_status(&app, booking_id), "cancelled");
        assert_eq!(no_shows(&app, booking_id), 0, "not counted");
    }
);

/// Mark a device offline as the gateway's sweep does (silent since its last frame).
fn sweep_offline(app: &TestApp) {
    let now = app.clock.now_naive();
    linli::devices::model::devices::sweep_offline(&mut app.db.conn(), now, now).unwrap();
}

on_both!(
    a_no_show_counts_when_the_pile_was_online_through_the_grace_period,
    |app| {
        let (_token, booking_id) = booked(&app, "gw-online-no-show").await;
        let device = app.bind_device(app.pile_of(1), PILE, 10);
        let seen = |app: &TestApp| {
            linli::devices::model::devices::seen(&mut app.db.conn(), device, app.clock.now_naive())
                .unwrap()
        };
        // An outage that ended before the booking started does not excuse it.
        app.clock.advance(chrono::Duration::minutes(-40));
        seen(&app);
        app.clock.advance(chrono::Duration::minutes(10));
        sweep_offline(&app);
        app.clock.advance(chrono::Duration::minutes(10));
        seen(&app);
        // Heard from all through the grace period.
        for _ in 0..8 {
            app.clock.advance(chrono::Duration::minutes(5));
            seen(&app);
        }
        app.sweep();
        assert_eq!(booking_status(&app, booking_id), "no_show");
        assert_eq!(no_shows(&app, booking_id), 1);
    }
);

on_both!(
    the_current_slot_is_refused_on_a_faulted_socket_and_later_slots_stay_bookable,
    |app| {
        app.seed_demo();
        let token = app.resident("gw-book-faulted", 1).await;
        let (_gw, mut sim) = pile_online(&app, |_| {}).await;
        sim.heartbeat(PILE, &[8, 0, 0, 0, 0, 0, 0, 0, 0, 0]).await;
        let now = app
            .post(
                "/api/v1/bookings",
                Some(&token),
                booking(1, &app.slot_time(0), &app.slot_time(30)),
            )
            .await;
        now.expect(422, Some("socket_faulted"));
        assert!(
            now.body["message"]
                .as_str()
                .unwrap()
                .starts_with("充电口故障"),
            "{}",
            now.text
        );
        // Socket 2 of the same pile is fine now; socket 1 is fine for the next slot.
        app.post(
            "/api/v1/bookings",
            Some(&token),
            booking(1, &app.slot_time(30), &app.slot_time(60)),
        )
        .await
        .expect(201, None);
    }
);

on_both!(
    the_current_slot_is_refused_while_the_pile_is_offline_and_later_slots_stay_bookable,
    |app| {
        app.seed_demo();
        let token = app.resident("gw-book-offline", 1).await;
        let (_gw, _sim) = pile_online(&app, |_| {}).await;
        app.clock.advance(chrono::Duration::minutes(8));
        eventually(5, "the pile offline", || {
            app.live_state(2).is_some_and(|(s, _)| s == "offline")
        })
        .await;
        let _ = token;
        let token = app.token("gw-book-offline", "resident").await;
        let now = app
            .post(
                "/api/v1/bookings",
                Some(&token),
                booking(2, &app.slot_time(0), &app.slot_time(30)),
            )
            .await;
        now.expect(422, Some("pile_offline_now"));
        assert!(now.body["message"].as_str().unwrap().contains("充电桩离线"));
        app.post(
            "/api/v1/bookings",
            Some(&token),
            booking(2, &app.slot_time(30), &app.slot_time(90)),
        )
        .await
        .expect(201, None);
    }
);
