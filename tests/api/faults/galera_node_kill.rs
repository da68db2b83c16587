//! A Galera node killed (`SIGKILL`) under a booking load, with three server processes each on
//! its own node (run by `galera::galera_node_killed_under_a_booking_load`): the processes on
//! the other nodes keep serving; the process on the dead node answers 503 fast and serves
//! again within 5 s of the node rejoining; every booking a client was told about is stored
//! exactly once, and no other.

use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::database_outage::{
    assert_clients_saw_only_answers, assert_stored_as_told, probe_while_down, served_again,
    BookingLoad,
};
use super::*;

fn galera(args: &[&str]) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/galera");
    let status = Command::new(script)
        .args(args)
        .status()
        .expect("scripts/galera");
    assert!(status.success(), "scripts/galera {args:?} failed");
}

/// The test body (not a test of its own: it needs the cluster).
pub(crate) async fn node_killed_under_a_booking_load() {
    assert!(
        galera_nodes().is_some(),
        "runs on the Galera cluster only (galera::galera_node_killed_under_a_booking_load)"
    );
    let db = TestDb::seeded_mysql();
    lift_household_quota(&db);
    let env = [
        ("LINLI_BACKGROUND_JOBS", "1"),
        ("LINLI_BOOKINGS_PER_MINUTE", "1000000"),
        ("RUST_LOG", "error,linli::http::middleware=off"),
    ];
    let mut servers = ServerProcess::start_many(&db, &env, PROCESSES);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .pool_idle_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    // Load A on the process of node 1 (which survives), load B on the process of node 3.
    let survivor = BookingLoad::start_from(&db, &http, &servers[0].base, 1).await;
    let victim = BookingLoad::start_from(&db, &http, &servers[2].base, 7).await;
    let (prober, prober_id) = resident_at(&db, &http, &servers[2].base, "prober", 100).await;
    wait_for(&victim.created, 20, 60, "bookings before the kill").await;

    // Node 3 dies.
    galera(&["kill", "3"]);
    let survivor_at_kill = survivor.created.load(Ordering::SeqCst);
    probe_while_down(&http, &mut servers[2], &prober).await;
    wait_for(
        &survivor.created,
        survivor_at_kill + 20,
        30,
        "the process on a live node keeps booking while node 3 is down",
    )
    .await;
    let victim_before = victim.created.load(Ordering::SeqCst);

    // Node 3 rejoins (incremental state transfer): its process serves again within 5 s.
    galera(&["start", "3"]);
    let back = Instant::now();
    let mine = format!("{}/api/v1/me/bookings", servers[2].base);
    let recovered = served_again(&http, &mine, &prober, back).await;
    wait_for(
        &victim.created,
        victim_before + 20,
        60,
        "bookings on node 3 after it rejoined",
    )
    .await;

    let mut users = survivor.users.clone();
    users.extend(victim.users.iter().copied());
    let survivor_created = survivor.created.clone();
    let victim_created = victim.created.clone();
    let mut survivor_logs = survivor.stop().await;
    let mut victim_logs = victim.stop().await;
    for s in servers.iter_mut() {
        assert!(s.is_running(), "a server process exited");
    }
    // The survivor's clients: every write booked, none saw anything but answers (503s during
    // the cluster's reconfiguration are allowed, 5xx of other kinds are not).
    for l in &survivor_logs {
        assert!(l.tally.wrong.is_empty(), "not our 503: {:?}", l.tally.wrong);
        for (op, _, known) in &l.done {
            assert!(matches!(known, Known::Created(_)), "{}: {known:?}", op.key);
        }
    }
    eprintln!(
        "node kill: {} bookings through node 1, {} through node 3",
        survivor_created.load(Ordering::SeqCst),
        victim_created.load(Ordering::SeqCst)
    );
    assert_clients_saw_only_answers(
        &mut victim_logs,
        back,
        victim_created.load(Ordering::SeqCst),
        recovered,
    );
    let mut all = std::mem::take(&mut survivor_logs);
    all.append(&mut victim_logs);
    assert_stored_as_told(&db, &all, &users, prober_id);
}
