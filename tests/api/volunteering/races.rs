//! Races across three server processes on one MySQL database: 500 residents for 30 seats,
//! concurrent cancellations promoting the waitlist in order, repeated taps signing up once, and
//! a crowd redeeming the last items of the points supermarket.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use linli::db::schema::{
    activities, communities, notifications, points_ledger, redemptions, shop_items, signups,
};
use reqwest::Method;
use serde_json::{json, Value};

use super::*;

/// Log in many residents at once (a few at a time).
async fn logins(http: &reqwest::Client, base: &str, prefix: &str, n: usize) -> Vec<(String, i64)> {
    let mut out = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(25) {
        let mut tasks = Vec::new();
        for i in chunk {
            let http = http.clone();
            let url = format!("{base}/api/v1/auth/dev");
            let openid = format!("{prefix}-{i}");
            tasks.push(actix_web::rt::spawn(async move {
                let v: Value = http
                    .post(url)
                    .json(&json!({"openid": openid, "role": "resident"}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                (
                    v["access_token"].as_str().unwrap().to_owned(),
                    v["user"]["id"].as_i64().unwrap(),
                )
            }));
        }
        for t in tasks {
            out.push(t.await.unwrap());
        }
    }
    out
}

/// POST with an Idempotency-Key, retrying (with the same key) while the server asks to.
async fn post_retrying(
    http: reqwest::Client,
    url: String,
    token: String,
    body: Value,
    key: String,
) -> (u16, Value) {
    for _ in 0..50 {
        let r = http
            .post(&url)
            .bearer_auth(&token)
            .header("Idempotency-Key", &key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if status == 503 || (status == 409 && v["code"] == "idempotency_in_progress") {
            actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
            continue;
        }
        return (status, v);
    }
    panic!("the server kept asking to retry");
}

/// A migrated MySQL database with one community (no demo data) behind three server processes.
struct Cluster {
    db: TestDb,
    servers: Vec<ServerProcess>,
    http: reqwest::Client,
}

impl Cluster {
    fn start() -> Cluster {
        let db = TestDb::new(Backend::Mysql);
        {
            let mut conn = db.conn();
            linli::db::run_migrations(&mut conn).unwrap();
            add_community(&mut conn, "DJ", "东街社区");
        }
        let envs = [
            ("LINLI_BACKGROUND_JOBS", "0"),
            ("LINLI_DB_TIMEOUT_MS", "10000"),
        ];
        let servers = ServerProcess::start_many(&db, &envs, PROCESSES);
        Cluster {
            db,
            servers,
            http: crate::support::http_client(),
        }
    }

    fn base(&self, i: usize) -> &str {
        &self.servers[i % self.servers.len()].base
    }

    async fn token(&self, name: &str, role: &str) -> (String, i64) {
        dev_login_at(&self.http, self.base(0), name, role).await
    }

    async fn call(&self, method: Method, path: &str, token: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .request(method, format!("{}{path}", self.base(1)))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

/// The roster as (user id, status, position), confirmed first then the waitlist in order.
async fn full_roster(c: &Cluster, leader: &str, activity: i64) -> Vec<(i64, String, Option<i64>)> {
    let mut out = Vec::new();
    for page in 1.. {
        let (s, v) = c
            .call(
                Method::GET,
                &format!("/api/v1/activities/{activity}/signups?per_page=100&page={page}"),
                leader,
                Value::Null,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let items = v["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        for i in items {
            out.push((
                i["user_id"].as_i64().unwrap(),
                i["status"].as_str().unwrap().to_owned(),
                i["position"].as_i64(),
            ));
        }
    }
    out
}

/// A team on a cluster, its leader (a resident raised in the database) and the time its
/// activities start: in two days.
struct Team {
    c: Cluster,
    leader: String,
    team_id: i64,
    community_id: i64,
    starts: DateTime<Utc>,
}

async fn team_on_a_cluster() -> Team {
    let c = Cluster::start();
    let (staff, _) = c.token("race-staff", "staff").await;
    let (_, leader_id) = c.token("race-leader", "resident").await;
    let (s, team) = c
        .call(
            Method::POST,
            "/api/v1/teams",
            &staff,
            json!({"name": "七彩之光志愿服务队"}),
        )
        .await;
    assert_eq!(s, 201, "{team}");
    let team_id = team["id"].as_i64().unwrap();
    let community_id: i64 = communities::table
        .select(communities::id)
        .first(&mut c.db.conn())
        .unwrap();
    diesel::insert_into(linli::db::schema::team_members::table)
        .values((
            linli::db::schema::team_members::team_id.eq(team_id),
            linli::db::schema::team_members::user_id.eq(leader_id),
            linli::db::schema::team_members::role.eq("leader"),
            linli::db::schema::team_members::joined_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(&mut c.db.conn())
        .unwrap();
    let (leader, _) = c.token("race-leader", "team_leader").await;
    Team {
        c,
        leader,
        team_id,
        community_id,
        starts: Utc::now() + Duration::days(2),
    }
}

/// A haircut with 30 seats that 500 residents signed up for at once, spread over the three
/// processes (each retrying with its key while the server asks to); their answers, in order.
struct Race {
    t: Team,
    id: i64,
    residents: Vec<(String, i64)>,
    answers: Vec<(u16, Value)>,
}

async fn five_hundred_for_thirty_seats() -> Race {
    let t = team_on_a_cluster().await;
    let (c, leader, team_id, community_id, starts) =
        (&t.c, &t.leader, t.team_id, t.community_id, t.starts);
    let (s, act) = c
        .call(Method::POST, "/api/v1/activities", leader, json!({
            "team_id": team_id, "community_id": community_id, "title": "义务理发", "category": "haircut",
            "place": "东街社区服务中心", "starts_at": rfc(starts), "ends_at": rfc(starts + Duration::hours(2)),
            "capacity": 30, "points_per_hour": 10
        }))
        .await;
    assert_eq!(s, 201, "{act}");
    let id = act["id"].as_i64().unwrap();
    let residents = logins(&c.http, c.base(0), "racer", 500).await;
    // 500 sign-ups at once, spread over the processes.
    let mut tasks = Vec::new();
    for (i, (token, _)) in residents.iter().enumerate() {
        let url = format!("{}/api/v1/activities/{id}/signups", c.base(i));
        tasks.push(actix_web::rt::spawn(post_retrying(
            c.http.clone(),
            url,
            token.clone(),
            json!({}),
            format!("signup-{i}"),
        )));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    Race {
        t,
        id,
        residents,
        answers,
    }
}

/// The waitlist of a raced activity as the leader's roster shows it, in order.
async fn waitlist_of(c: &Cluster, leader: &str, id: i64) -> Vec<i64> {
    full_roster(c, leader, id)
        .await
        .iter()
        .filter(|r| r.1 == "waitlisted")
        .map(|r| r.0)
        .collect()
}

#[actix_web::test]
pub(crate) async fn five_hundred_residents_race_for_thirty_seats_across_three_processes() {
    let Race {
        t,
        id,
        residents,
        answers,
    } = five_hundred_for_thirty_seats().await;
    let (c, leader) = (&t.c, &t.leader);
    assert!(
        answers.iter().all(|(s, _)| *s == 201),
        "{:?}",
        answers.iter().find(|(s, _)| *s != 201)
    );
    let confirmed = answers
        .iter()
        .filter(|(_, v)| v["status"] == "confirmed")
        .count();
    assert_eq!(confirmed, 30);
    let mut positions: Vec<i64> = answers
        .iter()
        .filter(|(_, v)| v["status"] == "waitlisted")
        .map(|(_, v)| v["position"].as_i64().unwrap())
        .collect();
    positions.sort_unstable();
    assert_eq!(positions, (1..=470).collect::<Vec<_>>());

    // What is stored: no duplicates, exactly 30 seats taken, positions 1..470 in queue order.
    let mut conn = c.db.conn();
    let rows: Vec<i64> = signups::table
        .filter(signups::activity_id.eq(id))
        .select(signups::user_id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(rows.len(), 500);
    assert_eq!(rows.iter().collect::<HashSet<_>>().len(), 500);
    let taken: i32 = activities::table
        .find(id)
        .select(activities::seats_taken)
        .first(&mut conn)
        .unwrap();
    assert_eq!(taken, 30);
    let roster = full_roster(c, leader, id).await;
    assert_eq!(roster.len(), 500);
    assert_eq!(roster.iter().filter(|r| r.1 == "confirmed").count(), 30);
    let waitlist: Vec<i64> = roster
        .iter()
        .filter(|r| r.1 == "waitlisted")
        .map(|r| r.0)
        .collect();
    let shown: Vec<i64> = roster.iter().filter_map(|r| r.2).collect();
    assert_eq!(shown, (1..=470).collect::<Vec<_>>());
    // Each resident's own view agrees with the roster.
    let by_user: HashMap<i64, &String> = residents.iter().map(|(t, u)| (*u, t)).collect();
    for (pos, uid) in waitlist.iter().enumerate().step_by(97) {
        let (_, v) = c
            .call(
                Method::GET,
                &format!("/api/v1/activities/{id}"),
                by_user[uid],
                Value::Null,
            )
            .await;
        assert_eq!(v["my_signup"]["position"].as_i64(), Some(pos as i64 + 1));
    }
}

/// 50 random cancellations of confirmed seats, in two concurrent waves: the first 50 of the
/// waitlist are promoted, each told once, and the rest keep their order.
#[actix_web::test]
pub(crate) async fn concurrent_cancellations_promote_the_waitlist_in_order() {
    let Race {
        t, id, residents, ..
    } = five_hundred_for_thirty_seats().await;
    let (c, leader) = (&t.c, &t.leader);
    let mut conn = c.db.conn();
    let by_user: HashMap<i64, &String> = residents.iter().map(|(t, u)| (*u, t)).collect();
    let waitlist = waitlist_of(c, leader, id).await;
    use rand::seq::SliceRandom;
    let mut rng = rand::rng();
    let signup_ids: HashMap<i64, i64> = signups::table
        .filter(signups::activity_id.eq(id))
        .select((signups::user_id, signups::id))
        .load::<(i64, i64)>(&mut conn)
        .unwrap()
        .into_iter()
        .collect();
    let mut cancelled = HashSet::new();
    for wave in [25usize, 25] {
        let current = full_roster(c, leader, id).await;
        let mut seated: Vec<i64> = current
            .iter()
            .filter(|r| r.1 == "confirmed")
            .map(|r| r.0)
            .collect();
        seated.shuffle(&mut rng);
        let mut tasks = Vec::new();
        for (i, uid) in seated.into_iter().take(wave).enumerate() {
            cancelled.insert(uid);
            let url = format!("{}/api/v1/signups/{}/cancel", c.base(i), signup_ids[&uid]);
            tasks.push(actix_web::rt::spawn(post_retrying(
                c.http.clone(),
                url,
                by_user[&uid].clone(),
                json!({}),
                format!("cancel-{uid}"),
            )));
        }
        for t in tasks {
            let (s, v) = t.await.unwrap();
            assert_eq!(s, 200, "{v}");
        }
    }
    assert_eq!(cancelled.len(), 50);
    let after = full_roster(c, leader, id).await;
    let seated: HashSet<i64> = after
        .iter()
        .filter(|r| r.1 == "confirmed")
        .map(|r| r.0)
        .collect();
    assert_eq!(seated.len(), 30);
    let taken: i32 = activities::table
        .find(id)
        .select(activities::seats_taken)
        .first(&mut conn)
        .unwrap();
    assert_eq!(taken, 30);
    // The first 50 of the waitlist were promoted (some of them cancelled again in wave two);
    // the rest keep their order with positions 1..420.
    let promoted: HashSet<i64> = waitlist[..50].iter().copied().collect();
    assert!(seated
        .iter()
        .all(|u| promoted.contains(u) || !waitlist.contains(u)));
    assert!(promoted
        .iter()
        .all(|u| seated.contains(u) || cancelled.contains(u)));
    let still_waiting: Vec<i64> = after
        .iter()
        .filter(|r| r.1 == "waitlisted")
        .map(|r| r.0)
        .collect();
    assert_eq!(still_waiting, waitlist[50..].to_vec());
    let shown: Vec<i64> = after.iter().filter_map(|r| r.2).collect();
    assert_eq!(shown, (1..=420).collect::<Vec<_>>());
    let told: i64 = notifications::table
        .filter(notifications::kind.eq("signup.promoted"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(told, 50, "each promoted person is told once");
}

/// Never signed up twice: 20 residents each tap three times at once (different keys, different
/// processes): one sign-up each, the other taps refused.
#[actix_web::test]
pub(crate) async fn a_resident_tapping_three_times_on_three_processes_signs_up_once() {
    let t = team_on_a_cluster().await;
    let (c, leader, team_id, community_id, starts) =
        (&t.c, &t.leader, t.team_id, t.community_id, t.starts);
    let residents = logins(&c.http, c.base(0), "racer", 20).await;
    let (s, act2) = c
        .call(Method::POST, "/api/v1/activities", leader, json!({
            "team_id": team_id, "community_id": community_id, "title": "家电修理", "category": "appliance_repair",
            "place": "东街社区服务中心", "starts_at": rfc(starts), "ends_at": rfc(starts + Duration::hours(2)),
            "capacity": 5, "points_per_hour": 10
        }))
        .await;
    assert_eq!(s, 201, "{act2}");
    let id2 = act2["id"].as_i64().unwrap();
    let mut tasks = Vec::new();
    for (i, (token, uid)) in residents.iter().take(20).enumerate() {
        for tap in 0..3 {
            let url = format!("{}/api/v1/activities/{id2}/signups", c.base(i + tap));
            tasks.push((
                *uid,
                actix_web::rt::spawn(post_retrying(
                    c.http.clone(),
                    url,
                    token.clone(),
                    json!({}),
                    format!("double-{uid}-{tap}"),
                )),
            ));
        }
    }
    let mut created: HashMap<i64, usize> = HashMap::new();
    for (uid, t) in tasks {
        let (s, v) = t.await.unwrap();
        match s {
            201 => *created.entry(uid).or_default() += 1,
            409 => assert_eq!(v["code"], "already_signed_up", "{v}"),
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!(created.len(), 20);
    assert!(created.values().all(|n| *n == 1), "{created:?}");
    let roster2 = full_roster(c, leader, id2).await;
    assert_eq!(roster2.len(), 20);
    if roster2.iter().filter(|r| r.1 == "confirmed").count() != 5 {
        // What the database holds, to tell a stale answer from a lost seat.
        let mut conn = c.db.conn();
        let rows: Vec<(i64, i64, String, i64)> = signups::table
            .filter(signups::activity_id.eq(id2))
            .select((
                signups::id,
                signups::user_id,
                signups::status,
                signups::queue_no,
            ))
            .load(&mut conn)
            .unwrap();
        let act: (i32, i32, i64) = activities::table
            .find(id2)
            .select((
                activities::seats_taken,
                activities::capacity,
                activities::queue_seq,
            ))
            .first(&mut conn)
            .unwrap();
        panic!("5 confirmed wanted: roster {roster2:?}; rows (id, user, status, queue) {rows:?}; activity (taken, capacity, queue_seq) {act:?}");
    }
    let shown: Vec<i64> = roster2.iter().filter_map(|r| r.2).collect();
    assert_eq!(shown, (1..=15).collect::<Vec<_>>());
}

#[actix_web::test]
pub(crate) async fn a_crowd_redeeming_the_last_items_never_oversells_or_overdraws() {
    let c = Cluster::start();
    let (staff, _) = c.token("shop-staff", "staff").await;
    let (s, item) = c
        .call(
            Method::POST,
            "/api/v1/points-shop/items",
            &staff,
            json!({"name": "食用油 5L", "price_points": 30, "stock": 10}),
        )
        .await;
    assert_eq!(s, 201, "{item}");
    let item_id = item["id"].as_i64().unwrap();
    let residents = logins(&c.http, c.base(0), "shopper", 40).await;
    for (_, uid) in &residents {
        let (s, v) = c
            .call(
                Method::POST,
                &format!("/api/v1/users/{uid}/points/adjustments"),
                &staff,
                json!({"amount": 50, "note": "活动奖励"}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
    }
    // Each resident taps twice at once (50 points buy one item at 30), on two different server processes.
    let mut tasks = Vec::new();
    for (i, (token, uid)) in residents.iter().enumerate() {
        for tap in 0..2 {
            let url = format!(
                "{}/api/v1/points-shop/items/{item_id}/redeem",
                c.base(i + tap)
            );
            tasks.push((
                *uid,
                actix_web::rt::spawn(post_retrying(
                    c.http.clone(),
                    url,
                    token.clone(),
                    json!({}),
                    format!("redeem-{uid}-{tap}"),
                )),
            ));
        }
    }
    let mut ok_by_user: HashMap<i64, usize> = HashMap::new();
    let mut ok = 0;
    for (uid, t) in tasks {
        let (s, v) = t.await.unwrap();
        match s {
            201 => {
                ok += 1;
                *ok_by_user.entry(uid).or_default() += 1;
            }
            409 => assert_eq!(v["code"], "out_of_stock", "{v}"),
            422 => assert_eq!(v["code"], "insufficient_points", "{v}"),
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!(ok, 10);
    assert!(
        ok_by_user.values().all(|n| *n == 1),
        "nobody could afford two"
    );
    let mut conn = c.db.conn();
    let stock: i32 = shop_items::table
        .find(item_id)
        .select(shop_items::stock)
        .first(&mut conn)
        .unwrap();
    assert_eq!(stock, 0);
    let n: i64 = redemptions::table.count().get_result(&mut conn).unwrap();
    assert_eq!(n, 10);
    assert_ledger_matches(&mut conn);
    let spent: Vec<i32> = points_ledger::table
        .filter(points_ledger::reason.eq("redemption"))
        .select(points_ledger::amount)
        .load(&mut conn)
        .unwrap();
    assert_eq!(spent.iter().sum::<i32>(), -300);
}
