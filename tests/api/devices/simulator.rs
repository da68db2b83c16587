//! `linli simulate-piles` (the demo's piles) against the real gateway: whitelisted for the
//! compound's first pile, it answers a resident's start, reports plausible power with energy
//! growing, and settles once when the simulated battery is full.

use std::time::Duration;

use super::{booked, booking_status, session_until, start};
use crate::on_both;
use crate::support::*;
use linli::devices::simulator::{self, SimSettings};

on_both!(
    the_demo_piles_answer_a_start_report_power_and_settle_once,
    |app| {
        let (token, booking_id) = booked(&app, "sim-demo").await;
        let now = app.clock.now_naive();
        let piles = simulator::compound_piles(&mut app.db.conn(), 1, 1, true, now)
            .expect("whitelist the demo pile");
        assert_eq!(piles.len(), 1);
        assert_eq!(
            piles[0].physical_id,
            0x0400_0000 | u32::try_from(app.pile_of(1)).unwrap()
        );
        assert_eq!(
            simulator::compound_piles(&mut app.db.conn(), 1, 1, true, now).unwrap()[0].physical_id,
            piles[0].physical_id,
            "a second run reuses the registered id"
        );
        let gw = TestGateway::start(&app, |_| {}).await;
        let (stop, rx) = tokio::sync::watch::channel(false);
        let settings = SimSettings {
            gateway: gw.addr.clone(),
            heartbeat_every: Duration::from_millis(500),
            report_every: Duration::from_millis(200),
            speed: 900,
            charge_for: Duration::from_secs(900),
            settle_resend: Duration::from_millis(500),
        };
        let run = actix_web::rt::spawn(simulator::run(piles, settings, rx));
        // The pile is online once its first heartbeat is in.
        let mut started = None;
        for _ in 0..100 {
            let r = start(&app, &token, booking_id).await;
            if r.status.as_u16() == 201 {
                started = Some(r);
                break;
            }
            assert_eq!(r.body["code"], "pile_offline", "{}", r.body);
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(started.is_some(), "the simulated pile came online");
        let charging = session_until(&app, &token, "power reported", |s| {
            s["state"] == "charging" && s["power_w"].as_i64().is_some()
        })
        .await;
        let watts = charging["power_w"].as_i64().unwrap();
        assert!((100..=420).contains(&watts), "{watts} W");
        let settled = session_until(&app, &token, "settled when full", |s| {
            s["state"] == "settled"
        })
        .await;
        assert_eq!(settled["stop_reason"], "full");
        assert_eq!(settled["duration_s"], 900);
        let wh = settled["energy_wh"].as_i64().unwrap();
        assert!((20..=110).contains(&wh), "15 minutes at 100-400 W: {wh} Wh");
        assert!(wh >= charging["energy_wh"].as_i64().unwrap());
        assert_eq!(booking_status(&app, booking_id), "completed");
        // Acknowledged at once, so sent once.
        actix_web::rt::time::sleep(Duration::from_millis(800)).await;
        let order: String = {
            use diesel::prelude::*;
            use linli::db::schema::charging_sessions as cs;
            cs::table
                .select(cs::order_no)
                .first(&mut app.db.conn())
                .unwrap()
        };
        assert_eq!(
            linli::devices::model::sessions::settlement_copies(&mut app.db.conn(), &order).unwrap(),
            1
        );
        let _ = stop.send(true);
        let _ = run.await;
    }
);
