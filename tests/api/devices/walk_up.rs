//! Walk-up charging without a booking (issue 15 point 5): on a socket free now and not booked
//! in the next slot, under the household's booking quota, racing residents get one session.

use std::time::Duration;

use serde_json::json;

use super::{pile_online, session_until, sweep_sessions, PILE};
use crate::on_both;
use crate::support::*;
use linli::devices::dny::messages::START_STOP;

fn socket_code(app: &TestApp, socket: i64) -> String {
    use diesel::prelude::*;
    use linli::db::schema::sockets;
    sockets::table
        .find(socket)
        .select(sockets::code)
        .first(&mut app.db.conn())
        .unwrap()
}

/// `POST /sockets/{socket}/charging-session` with the socket's own code.
async fn walk_up(app: &TestApp, token: &str, socket: i64) -> Res {
    app.post(
        &format!("/api/v1/sockets/{socket}/charging-session"),
        Some(token),
        json!({"socket_code": socket_code(app, socket)}),
    )
    .await
}

async fn book(app: &TestApp, token: &str, socket: i64, from: i64, to: i64) -> Res {
    app.post(
        "/api/v1/bookings",
        Some(token),
        booking(socket, &app.slot_time(from), &app.slot_time(to)),
    )
    .await
}

on_both!(
    a_walk_up_charges_until_the_next_slot_ends_holding_slots_and_quota_until_settled,
    |app| {
        app.seed_demo();
        let token = app.resident("walk-up-a", 1).await;
        let other = app.resident("walk-up-b", 2).await;
        let (_gw, mut sim) = pile_online(&app, |_| {}).await;

        let r = walk_up(&app, &token, 1).await;
        r.expect(201, None);
        assert_eq!(r.body["state"], "requested");
        assert!(r.body["booking_id"].is_null());
        let (frame, cmd) = sim.command().await;
        assert!(cmd.start);
        assert_eq!((frame.physical_id, cmd.port), (PILE, 0));
        assert!(
            cmd.duration_s > 1800 && cmd.duration_s <= 3600,
            "until the next slot ends: {}",
            cmd.duration_s
        );
        // The two slots are held: nobody books them; the household's quota is in use.
        book(&app, &other, 1, 0, 30)
            .await
            .expect(409, Some("booking_conflict"));
        book(&app, &other, 1, 30, 60)
            .await
            .expect(409, Some("booking_conflict"));
        book(&app, &token, 2, 60, 90)
            .await
            .expect(422, Some("household_quota_reached"));

        sim.reply(&frame, &cmd, 0).await;
        sim.power(PILE, &cmd, 60, 1, 1800).await;
        session_until(&app, &token, "charging", |s| s["state"] == "charging").await;
        sim.settle(PILE, &settlement(&cmd, 20, 5)).await;
        sim.settle(PILE, &settlement(&cmd, 20, 5)).await;
        session_until(&app, &token, "settled", |s| s["state"] == "settled").await;
        // Settled: the cells and the quota unit are given back, once.
        book(&app, &token, 2, 60, 90).await.expect(201, None);
        book(&app, &other, 1, 30, 60).await.expect(201, None);
        {
            use diesel::prelude::*;
            use linli::db::schema::household_quotas as hq;
            let counts: Vec<i32> = hq::table
                .order(hq::household_id)
                .select(hq::active_count)
                .load(&mut app.db.conn())
                .unwrap();
            assert_eq!(counts, vec![1, 1], "one booking each, nothing held twice");
        }
    }
);

on_both!(
    two_residents_walking_up_to_one_socket_at_once_get_one_session,
    |app| {
        app.seed_demo();
        let a = app.resident("walk-race-a", 1).await;
        let b = app.resident("walk-race-b", 2).await;
        let (_gw, mut sim) = pile_online(&app, |_| {}).await;
        let (ra, rb) = futures_util::join!(walk_up(&app, &a, 1), walk_up(&app, &b, 1));
        let mut statuses = [ra.status.as_u16(), rb.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "{} / {}", ra.text, rb.text);
        let (loser, loser_token) = if ra.status.as_u16() == 409 {
            (&ra, &a)
        } else {
            (&rb, &b)
        };
        assert!(
            ["charging_in_progress", "socket_booked_soon"]
                .contains(&loser.body["code"].as_str().unwrap()),
            "{}",
            loser.text
        );
        let _ = sim.command().await;
        assert!(
            sim.recv(Duration::from_millis(800))
                .await
                .is_none_or(|f| f.command != START_STOP),
            "one start reaches the pile"
        );
        // The loser's household holds nothing: it books at once.
        book(&app, loser_token, 2, 60, 90).await.expect(201, None);
        let n: i64 = {
            use diesel::prelude::*;
            use linli::db::schema::charging_sessions as cs;
            cs::table.count().get_result(&mut app.db.conn()).unwrap()
        };
        assert_eq!(n, 1, "one session");
    }
);

on_both!(
    a_walk_up_is_refused_on_a_socket_booked_in_the_next_slot,
    |app| {
        app.seed_demo();
        let token = app.resident("walk-soon-a", 1).await;
        let other = app.resident("walk-soon-b", 2).await;
        let (_gw, mut sim) = pile_online(&app, |_| {}).await;
        book(&app, &other, 1, 30, 60).await.expect(201, None);
        let r = walk_up(&app, &token, 1).await;
        r.expect(409, Some("socket_booked_soon"));
        assert_eq!(
            r.body["details"]["booked_from"]
                .as_str()
                .map(|t| { chrono::DateTime::parse_from_rfc3339(t).unwrap() }),
            Some(chrono::DateTime::parse_from_rfc3339(&app.slot_time(30)).unwrap())
        );
        assert!(r.body["message"].as_str().unwrap().contains("已被预约"));
        // Nothing held: the household may still book, and socket 2 is free for a walk-up.
        assert!(sim
            .recv(Duration::from_millis(300))
            .await
            .is_none_or(|f| f.command != START_STOP));
        walk_up(&app, &token, 2).await.expect(201, None);
    }
);

on_both!(
    a_walk_up_is_refused_with_a_wrong_code_on_a_faulted_socket_without_a_household_or_quota,
    |app| {
        app.seed_demo();
        let token = app.resident("walk-no-a", 1).await;
        let (_gw, mut sim) = pile_online(&app, |_| {}).await;
        app.post(
            "/api/v1/sockets/1/charging-session",
            Some(&token),
            json!({"socket_code": "WRONG123"}),
        )
        .await
        .expect(422, Some("wrong_socket_code"));
        let nobody = app.token("walk-no-household", "resident").await;
        walk_up(&app, &nobody, 1)
            .await
            .expect(422, Some("household_required"));
        sim.heartbeat(PILE, &[8, 0, 0, 0, 0, 0, 0, 0, 0, 0]).await;
        let r = walk_up(&app, &token, 1).await;
        r.expect(422, Some("socket_faulted"));
        assert!(r.body["message"]
            .as_str()
            .unwrap()
            .starts_with("充电口故障"));
        // A household whose one booking is active has no quota left for a walk-up.
        book(&app, &token, 2, 60, 90).await.expect(201, None);
        walk_up(&app, &token, 2)
            .await
            .expect(422, Some("household_quota_reached"));
    }
);

on_both!(a_walk_up_is_refused_while_the_pile_is_offline, |app| {
    app.seed_demo();
    let _ = app.resident("walk-offline", 1).await;
    let (_gw, _sim) = pile_online(&app, |_| {}).await;
    app.clock.advance(chrono::Duration::minutes(8));
    eventually(5, "the pile offline", || {
        app.live_state(1).is_some_and(|(s, _)| s == "offline")
    })
    .await;
    let token = app.token("walk-offline", "resident").await;
    walk_up(&app, &token, 1)
        .await
        .expect(409, Some("pile_offline"));
    let r = app.get("/api/v1/me/charging-sessions", Some(&token)).await;
    assert_eq!(r.body["total"], 0);
});

on_both!(
    a_walk_up_on_a_pile_gone_silent_gives_back_its_quota_once_its_end_has_passed,
    |app| {
        app.seed_demo();
        let token = app.resident("walk-silent", 1).await;
        let (gw, mut sim) = pile_online(&app, |_| {}).await;
        walk_up(&app, &token, 1).await.expect(201, None);
        let (frame, cmd) = sim.command().await;
        sim.reply(&frame, &cmd, 0).await;
        sim.power(PILE, &cmd, 60, 1, 1800).await;
        session_until(&app, &token, "10 Wh", |s| s["energy_wh"] == 10).await;

        // The pile loses power and its connection: nothing more comes from it.
        drop(sim);
        drop(gw);
        // Offline but not past the end its start set: a pile charging without its network
        // settles when it is back, so the session and the quota stay.
        app.clock.advance(chrono::Duration::minutes(20));
        assert_eq!(sweep_sessions(&app), 0);
        let token = app.token("walk-silent", "resident").await;
        book(&app, &token, 2, 120, 150)
            .await
            .expect(422, Some("household_quota_reached"));

        // Past its end and the settlement wait: settled from the last report, for staff to
        // check, and the household may book again.
        let wait = linli::config::Config::defaults().device_settle_wait();
        app.clock
            .advance(chrono::Duration::seconds(i64::from(cmd.duration_s)) + wait);
        assert_eq!(sweep_sessions(&app), 1);
        assert_eq!(sweep_sessions(&app), 0, "closed once");
        let token = app.token("walk-silent", "resident").await;
        let s = session_until(&app, &token, "settled_unconfirmed", |s| {
            s["state"] == "settled_unconfirmed"
        })
        .await;
        assert_eq!(s["energy_wh"], 10);
        book(&app, &token, 2, 120, 150).await.expect(201, None);
    }
);
