//! The race and each-job-once suites on a 3-node MariaDB Galera cluster (multi-primary,
//! synchronous replication, optimistic certification): three `linli serve` processes, each on
//! a node of its own. Run through `scripts/test -- galera::`, which starts the cluster with
//! `scripts/galera up` and stops it at the end. Each suite is the one of its area, run again
//! here with its databases on the cluster ([`on_galera`]); their assertions (one winner, the
//! quota, each job once, no status outside the expected ones: no 5xx) hold unchanged.

use std::collections::HashSet;
use std::time::Duration;

use diesel::prelude::*;
use serde_json::Value;

use crate::support::*;

#[test]
fn galera_200_residents_one_socket_one_slot() {
    on_galera(crate::charging::races::race_three_processes_200_clients_one_socket_one_slot);
}

#[test]
fn galera_one_household_three_sockets_quota() {
    on_galera(crate::charging::races::race_three_processes_one_household_three_sockets);
}

#[test]
fn galera_500_residents_for_30_seats() {
    on_galera(
        crate::volunteering::races::five_hundred_residents_race_for_thirty_seats_across_three_processes,
    );
}

#[test]
fn galera_cancellations_promote_the_waitlist_in_sign_up_order() {
    on_galera(crate::volunteering::races::concurrent_cancellations_promote_the_waitlist_in_order);
}

#[test]
fn galera_one_idempotency_key_20_times_at_once() {
    on_galera(one_key_twenty_copies);
}

#[test]
fn galera_three_taps_sign_up_once() {
    on_galera(
        crate::volunteering::races::a_resident_tapping_three_times_on_three_processes_signs_up_once,
    );
}

#[test]
fn galera_last_items_of_the_points_supermarket() {
    on_galera(
        crate::volunteering::races::a_crowd_redeeming_the_last_items_never_oversells_or_overdraws,
    );
}

#[test]
fn galera_racing_card_issues_give_one_card() {
    on_galera(crate::cards::processes::racing_card_issues_on_three_processes_give_one_card);
}

#[test]
fn galera_no_shows_released_once() {
    on_galera(crate::charging::sweeper::three_processes_sweep_and_deliver_each_job_once);
}

#[test]
fn galera_webhooks_sent_once_per_event() {
    on_galera(crate::partners::webhooks::three_server_processes_send_each_event_once);
}

/// One booking sent 20 times at once with one `Idempotency-Key`, spread over the three
/// processes (so over the three nodes), several rounds: one booking is made, every copy gets
/// that booking (201, the same id), possibly after `idempotency_in_progress` (409, retried),
/// never a 5xx, another error or no answer; a later replay on any process answers the same.
#[actix_web::test]
pub(crate) async fn one_key_twenty_copies() {
    use linli::db::schema::bookings;
    let db = TestDb::seeded_mysql();
    let env = [
        ("LINLI_BACKGROUND_JOBS", "0"),
        ("LINLI_DB_TIMEOUT_MS", "10000"),
    ];
    let servers = ServerProcess::start_many(&db, &env, PROCESSES);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let rounds = 5i64;
    let mut in_progress = 0;
    for round in 0..rounds {
        let (token, user) = resident_at(
            &db,
            &http,
            &servers[0].base,
            &format!("idem-{round}"),
            30 + round,
        )
        .await;
        let body = booking(20 + round, &slot(60), &slot(90));
        let key = format!("idem-key-{round}");
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
        let mut tasks = Vec::new();
        for copy in 0..20 {
            let url = format!("{}/api/v1/bookings", servers[copy % PROCESSES].base);
            let (http, token, body, key, barrier) = (
                http.clone(),
                token.clone(),
                body.clone(),
                key.clone(),
                barrier.clone(),
            );
            tasks.push(actix_web::rt::spawn(async move {
                barrier.wait().await;
                let mut retried = 0;
                for _ in 0..100 {
                    let r = http
                        .post(&url)
                        .bearer_auth(&token)
                        .header("Idempotency-Key", &key)
                        .json(&body)
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("copy {copy}: no answer: {e}"));
                    let status = r.status().as_u16();
                    let v: Value = r.json().await.unwrap_or(Value::Null);
                    match status {
                        201 => return (retried, v["id"].as_i64().expect("booking id")),
                        409 if v["code"] == "idempotency_in_progress" => {
                            retried += 1;
                            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
                        }
                        other => panic!("copy {copy}: unexpected {other} {v}"),
                    }
                }
                panic!("copy {copy}: still in progress after 100 tries");
            }));
        }
        let mut ids = HashSet::new();
        for t in tasks {
            let (retried, id) = t.await.unwrap();
            in_progress += retried;
            ids.insert(id);
        }
        assert_eq!(
            ids.len(),
            1,
            "round {round}: every copy got the same booking"
        );
        let id = *ids.iter().next().unwrap();
        let stored: Vec<i64> = bookings::table
            .filter(bookings::user_id.eq(user))
            .select(bookings::id)
            .load(&mut db.conn())
            .unwrap();
        assert_eq!(stored, vec![id], "round {round}: one booking stored");
        for s in &servers {
            let r = http
                .post(format!("{}/api/v1/bookings", s.base))
                .bearer_auth(&token)
                .header("Idempotency-Key", &key)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 201, "round {round}: the replay");
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["id"].as_i64(), Some(id), "round {round}: the replay");
        }
    }
    eprintln!(
        "one key, 20 copies x {rounds} rounds: {in_progress} answers 409 \
         idempotency_in_progress (retried), no 5xx"
    );
}

#[test]
fn galera_node_killed_under_a_booking_load() {
    on_galera(|| {
        actix_web::rt::System::new()
            .block_on(crate::faults::galera_node_kill::node_killed_under_a_booking_load())
    });
}
