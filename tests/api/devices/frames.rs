//! Raw frames of settlements and faults are kept for audit, as the pile sent them, for 90
//! days: every settlement copy, every alarm, and a heartbeat reporting a fault when the fault
//! first shows (not every heartbeat repeating it). The purge job removes only older frames.

use super::{pile_online, started, PILE};
use crate::on_both;
use crate::support::*;
use linli::devices::dny::messages::{ALARM, HEARTBEAT, SETTLEMENT};
use linli::devices::dny::Frame;
use linli::devices::model::frames::{self, StoredFrame};

fn kept(app: &TestApp) -> Vec<StoredFrame> {
    let device: i64 = {
        use diesel::prelude::*;
        use linli::db::schema::devices;
        devices::table
            .filter(devices::physical_id.eq(i64::from(PILE)))
            .select(devices::id)
            .first(&mut app.db.conn())
            .unwrap()
    };
    frames::of_device(&mut app.db.conn(), device).unwrap()
}

/// The hex of the frame the simulator sent (same bytes: the id is the one it used).
fn hex_of(command: u8, id: u16, data: Vec<u8>) -> String {
    hex::encode(Frame::new(PILE, id, command, data).encode().unwrap())
}

/// Wait until `n` frames are kept (the gateway writes them as they come).
async fn until_kept(app: &TestApp, n: usize) -> Vec<StoredFrame> {
    eventually(5, &format!("{n} frames kept"), || kept(app).len() >= n).await;
    kept(app)
}

on_both!(
    settlement_copies_alarms_and_new_faults_are_kept_as_sent,
    |app| {
        let (_token, _gw, mut sim, cmd) = started(&app, "gw-audit", |_| {}).await;
        assert!(
            kept(&app).is_empty(),
            "registers, heartbeats without faults and replies are not kept"
        );
        sim.power(PILE, &cmd, 300, 3, 1800).await;
        let settle = settlement(&cmd, 40, 1);
        sim.settle(PILE, &settle).await;
        sim.settle(PILE, &settle).await;
        let first = until_kept(&app, 2).await;
        assert_eq!(first.len(), 2, "one row per copy, nothing else");
        assert!(first
            .iter()
            .all(|f| f.command == i32::from(SETTLEMENT) && f.physical_id == i64::from(PILE)));
        // The simulator's message ids so far: register 1, heartbeat 2, power 3, settlements 4, 5.
        assert_eq!(first[0].raw_hex, hex_of(SETTLEMENT, 4, settle.encode()));
        assert_eq!(first[1].raw_hex, hex_of(SETTLEMENT, 5, settle.encode()));

        // A fault: kept when it first shows, not on each heartbeat repeating it.
        let mut ports = [0u8; 10];
        ports[3] = 8;
        sim.heartbeat(PILE, &ports).await;
        sim.heartbeat(PILE, &ports).await;
        ports[4] = 9;
        sim.heartbeat(PILE, &ports).await;
        // An alarm push (smoke): no reply, kept.
        let alarm_id = sim.send(PILE, ALARM, vec![4, 0]).await;
        let all = until_kept(&app, 5).await;
        assert_eq!(all.len(), 5, "{all:?}");
        let commands: Vec<i32> = all.iter().map(|f| f.command).collect();
        assert_eq!(
            commands,
            [SETTLEMENT, SETTLEMENT, HEARTBEAT, HEARTBEAT, ALARM].map(i32::from)
        );
        assert_eq!(all[4].raw_hex, hex_of(ALARM, alarm_id, vec![4, 0]));
    }
);

on_both!(the_purge_removes_only_frames_older_than_90_days, |app| {
    app.seed_demo();
    let (_gw, mut sim) = pile_online(&app, |_| {}).await;
    sim.send(PILE, ALARM, vec![1, 0]).await;
    until_kept(&app, 1).await;
    app.clock.advance(chrono::Duration::days(60));
    sim.send(PILE, ALARM, vec![2, 0]).await;
    until_kept(&app, 2).await;
    app.clock.advance(chrono::Duration::days(31));
    sim.send(PILE, ALARM, vec![3, 0]).await;
    until_kept(&app, 3).await;
    // 91 days after the first, 31 after the second, none after the third.
    let purge = linli::jobs::all()
        .into_iter()
        .find(|j| j.name == "purge_device_frames")
        .expect("a purge job is registered");
    let config = linli::config::Config::defaults();
    let purged = (purge.run)(&mut app.db.conn(), app.clock.now_naive(), &config).unwrap();
    assert_eq!(purged, 1);
    let left: Vec<Vec<u8>> = kept(&app)
        .iter()
        .map(|f| hex::decode(&f.raw_hex).unwrap())
        .collect();
    assert_eq!(left.len(), 2);
    // The kind byte of the alarm (data's first byte, after the 12-byte header).
    assert_eq!(left.iter().map(|b| b[12]).collect::<Vec<_>>(), [2, 3]);
    assert_eq!(
        (purge.run)(&mut app.db.conn(), app.clock.now_naive(), &config).unwrap(),
        0,
        "nothing more to purge"
    );
});
