//! A pile that comes back on a new connection without registering (a network-only
//! reconnect: it may never resend 0x20) is asked for its state with 0x81, and its session in
//! progress carries on and settles once. A pile that registers first is not asked.

use std::time::Duration;

use super::{my_session, pile_online, session_until, started, PILE};
use crate::on_both;
use crate::support::*;
use linli::devices::dny::messages::QUERY;

on_both!(
    a_pile_reconnecting_mid_session_without_registering_is_asked_its_state,
    |app| {
        let (token, gw, mut sim, cmd) = started(&app, "gw-reconnect", |_| {}).await;
        sim.power(PILE, &cmd, 300, 3, 1800).await;
        session_until(&app, &token, "30 Wh", |s| s["energy_wh"] == 30).await;

        // The network drops; the pile's modem dials again and goes on with a power report.
        drop(sim);
        let mut sim = PileSim::connect(&gw.addr).await;
        sim.power(PILE, &cmd, 600, 6, 1800).await;
        let query = sim.expect(QUERY).await;
        assert_eq!(query.physical_id, PILE);
        assert!(query.data.is_empty(), "0x81 carries no data");
        // The pile answers 0x81 with a heartbeat: still charging on port 1.
        sim.heartbeat(PILE, &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0]).await;
        assert_eq!(app.live_state(1), Some(("in_use".into(), 1)));
        let s = session_until(&app, &token, "60 Wh", |s| s["energy_wh"] == 60).await;
        assert_eq!(s["state"], "charging");
        // Asked once per connection, not on every frame.
        sim.heartbeat(PILE, &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0]).await;
        assert!(
            sim.recv(Duration::from_millis(500))
                .await
                .is_none_or(|f| f.command != QUERY),
            "one 0x81 per connection"
        );
        sim.settle(PILE, &settlement(&cmd, 9, 1)).await;
        let s = session_until(&app, &token, "settled", |s| s["state"] == "settled").await;
        assert_eq!(s["energy_wh"], 90);
        assert_eq!(my_session(&app, &token).await["id"], s["id"]);
    }
);

on_both!(a_pile_that_registers_first_is_not_asked_its_state, |app| {
    app.seed_demo();
    let (gw, mut sim) = pile_online(&app, |_| {}).await;
    // `pile_online` registered, then sent a heartbeat: no 0x81 came.
    assert!(sim
        .recv(Duration::from_millis(500))
        .await
        .is_none_or(|f| f.command != QUERY));
    // A power-up on a new connection registers again: still none.
    drop(sim);
    let mut sim = PileSim::connect(&gw.addr).await;
    sim.register(PILE, 10).await;
    sim.heartbeat(PILE, &[0; 10]).await;
    let next = sim.recv(Duration::from_millis(500)).await;
    assert!(next.as_ref().is_none_or(|f| f.command != QUERY), "{next:?}");
});
