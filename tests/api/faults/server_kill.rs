//! The server killed (`kill -9`) in the middle of bookings, sign-ups, redemptions and webhook
//! deliveries: a new process on the same database answers every retried request with what was
//! committed, nothing is half-written, and no webhook is lost.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use linli::db::schema::{
    activities, bookings, domain_events, points_balances, points_ledger, redemptions, shop_items,
    signups, team_members, webhook_deliveries,
};
use linli::db::DbConn;
use serde_json::{json, Value};

use super::*;

/// A volunteer team with `n` open activities (capacity `seats`) and a points-shop item; the
/// residents get `points` each. Returns (activity ids, item id, its stock).
async fn volunteering_and_shop(
    db: &TestDb,
    http: &reqwest::Client,
    base: &str,
    residents: &[i64],
    n: usize,
    seats: i64,
    points: i64,
) -> (Vec<i64>, i64, i32) {
    let (staff, _) = dev_login_at(http, base, "faults-staff", "staff").await;
    let post = |path: &str, token: &str, body: Value| {
        let (http, url, token) = (http.clone(), format!("{base}{path}"), token.to_owned());
        async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            assert!((200..300).contains(&status), "set-up: {status} {v}");
            v
        }
    };
    let team = post(
        "/api/v1/teams",
        &staff,
        json!({"name": "故障演练志愿服务队"}),
    )
    .await;
    let team_id = team["id"].as_i64().unwrap();
    let (_, leader_id) = dev_login_at(http, base, "faults-leader", "resident").await;
    diesel::insert_into(team_members::table)
        .values((
            team_members::team_id.eq(team_id),
            team_members::user_id.eq(leader_id),
            team_members::role.eq("leader"),
            team_members::joined_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(&mut db.conn())
        .unwrap();
    let (leader, _) = dev_login_at(http, base, "faults-leader", "team_leader").await;
    let community_id: i64 = linli::db::schema::communities::table
        .select(linli::db::schema::communities::id)
        .first(&mut db.conn())
        .unwrap();
    let starts = chrono::Utc::now() + chrono::Duration::days(2);
    let mut ids = Vec::new();
    for i in 0..n {
        let a = post(
            "/api/v1/activities",
            &leader,
            json!({
                "team_id": team_id, "community_id": community_id,
                "title": format!("义务理发 {i}"), "category": "haircut",
                "place": "东街社区服务中心", "starts_at": starts.to_rfc3339(),
                "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
                "capacity": seats, "points_per_hour": 10
            }),
        )
        .await;
        ids.push(a["id"].as_i64().unwrap());
    }
    let stock = 100_000;
    let item = post(
        "/api/v1/points-shop/items",
        &staff,
        json!({"name": "食用油 5L", "price_points": 1, "stock": stock}),
    )
    .await;
    for uid in residents {
        post(
            &format!("/api/v1/users/{uid}/points/adjustments"),
            &staff,
            json!({"amount": points, "note": "活动奖励"}),
        )
        .await;
    }
    (ids, item["id"].as_i64().unwrap(), stock)
}

/// A client of the mixed load: a booking, a sign-up and a redemption in turn, until `stop`.
/// The request in flight when the server dies stays unknown.
struct MixedClient {
    http: reqwest::Client,
    base: String,
    token: String,
    name: String,
    sockets: Vec<i64>,
    activities: Vec<i64>,
    item: i64,
    stop: Arc<AtomicBool>,
    progress: Arc<AtomicUsize>,
}

impl MixedClient {
    async fn run(self) -> ClientLog {
        let MixedClient {
            http,
            base,
            token,
            name,
            sockets,
            activities,
            item,
            stop,
            progress,
        } = self;
        let mut log = ClientLog::default();
        for k in 0usize.. {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let round = k / 3;
            let (url, body) = match k % 3 {
                0 => {
                    let step = i64::try_from(round / sockets.len()).unwrap();
                    assert!(step < 300, "the load ran out of slots within 7 days");
                    (
                        format!("{base}/api/v1/bookings"),
                        json!({
                            "socket_id": sockets[round % sockets.len()],
                            "starts_at": slot(60 + 30 * step),
                            "ends_at": slot(90 + 30 * step),
                        }),
                    )
                }
                1 if round < activities.len() => (
                    format!("{base}/api/v1/activities/{}/signups", activities[round]),
                    json!({}),
                ),
                _ => (
                    format!("{base}/api/v1/points-shop/items/{item}/redeem"),
                    json!({"quantity": 1 + k % 2}),
                ),
            };
            let op = Op {
                url,
                token: token.clone(),
                body,
                key: format!("{name}-{k}"),
            };
            // The server is killed under this loop: a request cut off stays unknown for now, and
            // the client stops.
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                if let Some(known) = try_once(&http, &op, &mut log.tally).await {
                    progress.fetch_add(1, Ordering::SeqCst);
                    log.done.push((op, Instant::now(), known));
                    break;
                }
                if log.tally.dropped > 0 {
                    log.unknown.push(op);
                    return log;
                }
                assert!(Instant::now() < deadline, "no answer for {}", op.key);
                actix_web::rt::time::sleep(Duration::from_millis(100)).await;
            }
        }
        log
    }
}

/// Send each client's unknown requests again, with the same keys, to `second` (in place of
/// `first`) until their answers are known.
async fn learn_unknown_outcomes(
    http: &reqwest::Client,
    logs: &mut [ClientLog],
    first: &ServerProcess,
    second: &ServerProcess,
) {
    for log in logs.iter_mut() {
        let mut tally = Tally::default();
        for mut op in std::mem::take(&mut log.unknown) {
            op.url = op.url.replace(&first.base, &second.base);
            let known = until_known(http, &op, &mut tally, Duration::from_secs(60)).await;
            log.done.push((op, Instant::now(), known));
        }
        log.tally.add(tally);
    }
}

/// What the clients saw: never a 500, some request cut off by the kill, and every answer a
/// success (sign-ups to a full activity's waitlist are 201 too).
fn assert_clients_saw_only_answers(logs: &mut [ClientLog]) {
    let mut tally = Tally::default();
    for l in logs.iter_mut() {
        tally.add(std::mem::take(&mut l.tally));
    }
    let answered: usize = logs.iter().map(|l| l.done.len()).sum::<usize>();
    eprintln!("server killed: {answered} requests answered in all, tries {tally:?}");
    assert!(tally.wrong.is_empty(), "{:?}", tally.wrong);
    assert!(
        tally.dropped > 0,
        "some request was cut off by the kill: {tally:?}"
    );

    for l in logs.iter() {
        for (op, _, known) in &l.done {
            assert!(
                matches!(known, Known::Created(_)),
                "{} {}: {known:?}",
                op.key,
                op.url
            );
        }
    }
}

/// The ids the clients were told were created by requests to URLs containing `part`; each a
/// different object.
fn told_ids(logs: &[ClientLog], part: &str) -> HashSet<i64> {
    let ids: Vec<i64> = logs
        .iter()
        .flat_map(|l| l.done.iter())
        .filter(|(op, _, _)| op.url.contains(part))
        .filter_map(|(_, _, k)| match k {
            Known::Created(id) => Some(*id),
            Known::Refused(..) => None,
        })
        .collect();
    let set: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(
        set.len(),
        ids.len(),
        "two {part} requests were told the same id"
    );
    set
}

/// Bookings: exactly those told, each whole, each with its outbox event; the events' ids.
fn assert_bookings_as_told(conn: &mut DbConn, told: &HashSet<i64>) -> Vec<String> {
    let stored: HashSet<i64> = bookings::table
        .select(bookings::id)
        .load::<i64>(conn)
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(stored, *told, "stored bookings against answered bookings");
    assert_bookings_whole(conn);
    let events: Vec<String> = domain_events::table
        .filter(domain_events::event_type.eq("booking.created"))
        .select(domain_events::event_id)
        .load(conn)
        .unwrap();
    assert_eq!(
        events.len(),
        stored.len(),
        "one booking.created event per booking"
    );

    events
}

/// Sign-ups: exactly those told; seats counted right (never more than 3), queue numbers unique.
fn assert_signups_as_told(conn: &mut DbConn, told: &HashSet<i64>, activity_ids: &[i64]) {
    let rows: Vec<(i64, i64, String, i64)> = signups::table
        .select((
            signups::id,
            signups::activity_id,
            signups::status,
            signups::queue_no,
        ))
        .load(conn)
        .unwrap();
    let stored: HashSet<i64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(stored, *told, "stored sign-ups against answered sign-ups");
    for id in activity_ids {
        let mine: Vec<_> = rows.iter().filter(|r| r.1 == *id).collect();
        let confirmed = mine.iter().filter(|r| r.2 == "confirmed").count();
        let taken: i32 = activities::table
            .find(id)
            .select(activities::seats_taken)
            .first(conn)
            .unwrap();
        assert_eq!(
            usize::try_from(taken).unwrap(),
            confirmed,
            "activity {id} seats"
        );
        assert!(confirmed <= 3, "activity {id} oversold");
        let queue: HashSet<i64> = mine.iter().map(|r| r.3).collect();
        assert_eq!(
            queue.len(),
            mine.len(),
            "activity {id}: a queue number twice"
        );
    }
}

/// Redemptions: exactly those told; stock and ledger agree.
fn assert_redemptions_as_told(conn: &mut DbConn, told: &HashSet<i64>, item: i64, stock: i32) {
    let rows: Vec<(i64, i32, i32)> = redemptions::table
        .select((redemptions::id, redemptions::quantity, redemptions::points))
        .load(conn)
        .unwrap();
    let stored: HashSet<i64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(stored, *told, "stored redemptions against answered ones");
    let left: i32 = shop_items::table
        .find(item)
        .select(shop_items::stock)
        .first(conn)
        .unwrap();
    assert_eq!(left + rows.iter().map(|r| r.1).sum::<i32>(), stock, "stock");
    let spent: Vec<(String, i32)> = points_ledger::table
        .filter(points_ledger::reason.eq("redemption"))
        .select((points_ledger::reference, points_ledger::amount))
        .load(conn)
        .unwrap();
    assert_eq!(spent.len(), rows.len(), "one ledger entry per redemption");
    let by_ref: HashMap<String, i32> = spent.into_iter().collect();
    for (id, _, points) in &rows {
        assert_eq!(
            by_ref.get(&linli::volunteering::rules::redemption_reference(*id)),
            Some(&-points),
            "redemption {id} in the ledger"
        );
    }
    let entries: Vec<(i64, i32)> = points_ledger::table
        .select((points_ledger::user_id, points_ledger::amount))
        .load(conn)
        .unwrap();
    let mut sums: HashMap<i64, i64> = HashMap::new();
    for (u, a) in entries {
        *sums.entry(u).or_default() += i64::from(a);
    }
    let balances: Vec<(i64, i64)> = points_balances::table
        .select((points_balances::user_id, points_balances::balance))
        .load(conn)
        .unwrap();
    assert_eq!(balances.len(), sums.len());
    for (u, b) in balances {
        assert_eq!(
            Some(&b),
            sums.get(&u),
            "balance of user {u} against its ledger"
        );
    }
}

/// Webhooks: every event in the outbox reaches the receiver (a send cut off by the kill is
/// sent again: at least once), and no delivery is left undelivered.
async fn assert_every_event_arrives(conn: &mut DbConn, receiver: &Receiver, events: Vec<String>) {
    let expected: HashSet<String> = events.into_iter().collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let seen: HashSet<String> = receiver.ids().into_iter().collect();
        let pending: i64 = webhook_deliveries::table
            .filter(webhook_deliveries::status.ne("delivered"))
            .count()
            .get_result(conn)
            .unwrap();
        if expected.is_subset(&seen) && pending == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} events never arrived; {pending} deliveries not delivered",
            expected.difference(&seen).count(),
            expected.len()
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn server_killed_mid_load_leaves_nothing_half_written_and_loses_no_webhook() {
    let db = TestDb::seeded_mysql();
    lift_household_quota(&db);
    let env = [
        ("LINLI_BACKGROUND_JOBS", "1"),
        ("LINLI_BOOKINGS_PER_MINUTE", "1000000"),
        ("LINLI_WEBHOOK_ALLOW_PRIVATE", "1"),
        ("LINLI_WEBHOOK_POLL_MS", "20"),
        ("LINLI_WEBHOOK_RETRY_SCALE", "0.001"),
        ("LINLI_WEBHOOK_TIMEOUT_MS", "1000"),
        // A dead process's claims (webhook deliveries, idempotency keys) pass on after 2 s.
        ("LINLI_WEBHOOK_CLAIM_SECS", "2"),
        ("LINLI_IDEMPOTENCY_LOCK_SECS", "2"),
        // The residents' starting points are one adjustment each, no second approval.
        ("LINLI_POINTS_APPROVAL_OVER", "100000"),
        ("RUST_LOG", "error,linli::http::middleware=off"),
    ];
    let mut first = ServerProcess::start(&db, &env);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .pool_idle_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let receiver = Receiver::start();
    partner_with_webhook(
        &http,
        &first.base,
        "故障物业",
        &[1, 2],
        &["booking.created"],
        &receiver.url,
    )
    .await;

    let clients: i64 = 6;
    let mut residents = Vec::new();
    for c in 0..clients {
        let household = c + 1;
        residents
            .push(resident_at(&db, &http, &first.base, &format!("mixed-{c}"), household).await);
    }
    let uids: Vec<i64> = residents.iter().map(|r| r.1).collect();
    let (activity_ids, item, stock) =
        volunteering_and_shop(&db, &http, &first.base, &uids, 60, 3, 100_000).await;

    let stop = Arc::new(AtomicBool::new(false));
    let progress = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for (household, (token, _)) in (1i64..).zip(&residents) {
        let client = MixedClient {
            http: http.clone(),
            base: first.base.clone(),
            token: token.clone(),
            name: format!("mixed-{}", household - 1),
            sockets: vec![2 * household - 1, 2 * household],
            activities: activity_ids.clone(),
            item,
            stop: stop.clone(),
            progress: progress.clone(),
        };
        tasks.push(actix_web::rt::spawn(client.run()));
    }
    wait_for(&progress, 90, 60, "the mixed load").await;
    // Mid-load, mid-delivery: kill -9.
    first.kill_hard();
    stop.store(true, Ordering::SeqCst);
    let mut logs = Vec::new();
    for t in tasks {
        logs.push(t.await.unwrap());
    }

    // A new process on the same database; each client learns its unknown outcomes by sending
    // the same request again with the same key.
    let second = ServerProcess::start(&db, &env);
    learn_unknown_outcomes(&http, &mut logs, &first, &second).await;
    assert_clients_saw_only_answers(&mut logs);
    let (told_bookings, told_signups, told_redemptions) = (
        told_ids(&logs, "/bookings"),
        told_ids(&logs, "/signups"),
        told_ids(&logs, "/redeem"),
    );
    assert!(!told_bookings.is_empty() && !told_signups.is_empty() && !told_redemptions.is_empty());
    let mut conn = db.conn();
    let events = assert_bookings_as_told(&mut conn, &told_bookings);
    assert_signups_as_told(&mut conn, &told_signups, &activity_ids);
    assert_redemptions_as_told(&mut conn, &told_redemptions, item, stock);
    assert_every_event_arrives(&mut conn, &receiver, events).await;
    drop(second);
}
