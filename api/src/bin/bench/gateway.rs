//! The gateway scenarios (issue 15): a `linli gateway` process beside the API server, on the
//! same database, with every pile of the loaded data (2,400 at the default scale) registered
//! and connected at once from the bench's simulated piles ([`crate::piles`]).
//!
//! 1. the raw write-transaction rate (`../shared/bench/db-write-baseline`), before any load;
//! 2. every pile whitelisted as staff would (the simulator's `compound_piles`, audited as
//!    `simulator`); one resident per pile, bound to a household that may use its compound;
//! 3. the gateway started with the per-address connection limit lifted (every simulated pile
//!    comes from 127.0.0.1, where production sees one address per SIM) and the heartbeat
//!    interval scaled down (`--heartbeat-secs`, 30 s in the field);
//! 4. all piles connect and register; heartbeats measured for two intervals; the gateway's
//!    resident memory before and after, divided by the connections;
//! 5. one walk-up start per pile through the API (`POST /sockets/{id}/charging-session`),
//!    paced at `--gateway-commands-per-sec`: latency from the call's start to the start
//!    frame's arrival at the pile (through the command outbox and the gateway's claim);
//! 6. every pile sends its settlement at once: settlements stored and acknowledged per
//!    second, as a ratio to the raw write-transaction rate.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Text};
use tokio::sync::watch;

use crate::load::{free_port, run_baseline};
use crate::piles::{lock, BenchPile, Shared};
use crate::scenarios::{residents_for, Ctx};
use crate::Opts;

/// The gateway process; killed when dropped.
struct GatewayProcess(Child);

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[derive(QueryableByName)]
struct Target {
    #[diesel(sql_type = BigInt)]
    socket_id: i64,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = BigInt)]
    compound_id: i64,
    #[diesel(sql_type = BigInt)]
    community_id: i64,
    #[diesel(sql_type = Bool)]
    open_to_community: bool,
    #[diesel(sql_type = BigInt)]
    physical_id: i64,
    #[diesel(sql_type = Integer)]
    number: i32,
}

#[derive(QueryableByName)]
struct Home {
    #[diesel(sql_type = Text)]
    card_number: String,
    #[diesel(sql_type = BigInt)]
    compound_id: i64,
    #[diesel(sql_type = BigInt)]
    community_id: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(c: &mut MysqlConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(c)
        .map(|r| r.n)
        .unwrap_or(-1)
}

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Percentiles (ms) of latencies in µs.
fn pcts(mut us: Vec<u32>) -> [f64; 3] {
    us.sort_unstable();
    [0.5, 0.99, 0.999].map(|p| {
        if us.is_empty() {
            return 0.0;
        }
        let i = ((us.len() as f64 - 1.0) * p).round() as usize;
        f64::from(us[i]) / 1000.0
    })
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// Wait until `done` or `limit` passes; whether it was done.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    done()
}

/// The open-files limit of this process (the gateway inherits it).
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Whitelist a device on every pile (up to `max`; 0: all), as `linli simulate-piles
/// --register` does. Returns the piles to simulate.
fn register_piles(db_url: &str, max: usize) -> Result<Vec<BenchPile>, String> {
    let mut conn = linli::db::Manager::new(linli::config::DatabaseTarget::Mysql(db_url.into()))
        .connect()
        .map_err(|e| e.to_string())?;
    let compounds: Vec<i64> = {
        use linli::db::schema::piles;
        piles::table
            .select(piles::compound_id)
            .distinct()
            .order(piles::compound_id)
            .load(&mut conn)
            .map_err(|e| e.to_string())?
    };
    let now = chrono::Utc::now().naive_utc();
    let mut out = Vec::new();
    for compound in compounds {
        let left = if max == 0 {
            i64::MAX
        } else {
            (max - out.len()) as i64
        };
        if left <= 0 {
            break;
        }
        let sims = linli::devices::simulator::compound_piles(&mut conn, compound, left, true, now)
            .map_err(|e| format!("registering the piles of compound {compound}: {e}"))?;
        out.extend(sims.into_iter().map(|s| BenchPile {
            physical_id: s.physical_id,
            ports: s.ports,
        }));
    }
    Ok(out)
}

/// For each registered pile, its first available socket and a card whose household may use
/// that compound (its own, or its community's when the compound is open to it).
fn walk_ups(c: &mut MysqlConnection, cards: usize) -> Result<Vec<(Target, usize)>, String> {
    let targets: Vec<Target> = diesel::sql_query(
        "SELECT s.id AS socket_id, s.code, s.compound_id, cp.community_id, cp.open_to_community, \
           d.physical_id, s.number \
         FROM sockets s JOIN piles p ON p.id = s.pile_id \
           JOIN devices d ON d.bound_pile_id = s.pile_id \
           JOIN compounds cp ON cp.id = s.compound_id \
         WHERE s.state = 'available' AND p.status = 'active' \
           AND s.number = (SELECT MIN(s2.number) FROM sockets s2 \
                           WHERE s2.pile_id = s.pile_id AND s2.state = 'available') \
         ORDER BY s.id",
    )
    .load(c)
    .map_err(|e| e.to_string())?;
    let homes: Vec<Home> = diesel::sql_query(
        "SELECT c.card_number, b.compound_id, cp.community_id FROM cards c \
           JOIN households h ON h.id = c.household_id JOIN buildings b ON b.id = h.building_id \
           JOIN compounds cp ON cp.id = b.compound_id WHERE c.status = 'active'",
    )
    .load(c)
    .map_err(|e| e.to_string())?;
    let homes: HashMap<String, (i64, i64)> = homes
        .into_iter()
        .map(|h| (h.card_number, (h.compound_id, h.community_id)))
        .collect();
    // Free cards by compound and by community.
    let mut by_compound: HashMap<i64, Vec<usize>> = HashMap::new();
    let mut by_community: HashMap<i64, Vec<usize>> = HashMap::new();
    for n in (1..=cards).rev() {
        if let Some(&(compound, community)) = homes.get(&linli::places::seed::card_number(n)) {
            by_compound.entry(compound).or_default().push(n);
            by_community.entry(community).or_default().push(n);
        }
    }
    let mut used = std::collections::HashSet::new();
    let mut take = |list: Option<&mut Vec<usize>>| -> Option<usize> {
        let list = list?;
        while let Some(n) = list.pop() {
            if used.insert(n) {
                return Some(n);
            }
        }
        None
    };
    let mut out = Vec::new();
    for t in targets {
        let card = take(by_compound.get_mut(&t.compound_id)).or_else(|| {
            if t.open_to_community {
                take(by_community.get_mut(&t.community_id))
            } else {
                None
            }
        });
        if let Some(card) = card {
            out.push((t, card));
        }
    }
    Ok(out)
}

/// Where the gateway's log goes (beside the report).
fn log_path(opts: &Opts) -> std::path::PathBuf {
    opts.out.with_file_name("bench-gateway.log")
}

fn start_gateway(opts: &Opts, ctx: &Ctx, piles: usize) -> Result<(GatewayProcess, u16), String> {
    let log = std::fs::File::create(log_path(opts))
        .map_err(|e| format!("cannot write {}: {e}", log_path(opts).display()))?;
    let exe = std::env::current_exe()
        .map_err(|e| e.to_string())?
        .with_file_name("linli");
    let port = free_port()?;
    let child = Command::new(&exe)
        .arg("gateway")
        .env("LINLI_DATABASE_URL", &ctx.db_url)
        .env("LINLI_DEVICE_BIND", format!("127.0.0.1:{port}"))
        // Every simulated pile connects from 127.0.0.1; in the field each has its own SIM's
        // address, and the default (16 per address) would refuse all but 16 of them.
        .env("LINLI_DEVICE_MAX_CONN_PER_ADDR", (piles + 100).to_string())
        .env(
            "LINLI_DEVICE_HEARTBEAT_MS",
            (opts.heartbeat_secs * 1000).to_string(),
        )
        .env(
            "LINLI_JWT_SECRET",
            "bench-gateway-has-no-tokens-to-sign-000000",
        )
        // As the API server beside it: the development data keys (the gateway reads no
        // personal data, but its configuration needs them).
        .env("LINLI_DEV_LOGIN", "1")
        .env("LINLI_SEED_DEMO", "0")
        .env("LINLI_BACKGROUND_JOBS", "0")
        .env("RUST_LOG", "warn")
        .envs(opts.server_env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start {} gateway: {e}", exe.display()))?;
    let mut process = GatewayProcess(child);
    let up = wait_for(Duration::from_secs(30), || {
        matches!(process.0.try_wait(), Ok(Some(_)))
            || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    if let Ok(Some(status)) = process.0.try_wait() {
        return Err(format!("the gateway exited: {status}"));
    }
    if !up {
        return Err("the gateway did not listen in 30 s".into());
    }
    Ok((process, port))
}

/// The gateway scenarios' rows (the table's columns) and a paragraph on memory.
pub fn run(ctx: &Ctx, opts: &Opts) -> Result<String, String> {
    let write_tps = run_baseline(
        opts.write_baseline.clone(),
        "db-write-baseline",
        "db_write_txn_tps",
        opts.baseline_seconds,
    )?;
    let mut rows = format!(
        "| raw DB write transaction (db-write-baseline, 64 threads) | 64 | {write_tps:.0} | | | | | 1.00 | |\n"
    );
    eprintln!("bench: gateway: registering the piles");
    let piles = register_piles(&ctx.db_url, opts.gateway_piles)?;
    let n = piles.len();
    if let Some(limit) = open_files_limit() {
        if limit < n as u64 + 1024 {
            return Err(format!(
                "open files limit {limit} is too low for {n} pile connections: raise it (ulimit -n {})",
                n + 1024
            ));
        }
    }
    let mut db = MysqlConnection::establish(&ctx.db_url).map_err(|e| e.to_string())?;
    let plan = walk_ups(&mut db, ctx.cards)?;
    eprintln!(
        "bench: gateway: {n} piles registered; {} residents for the walk-up starts",
        plan.len()
    );
    let cards: Vec<usize> = plan.iter().map(|(_, card)| *card).collect();
    let tokens = residents_for(ctx, &cards, "bench-gw-resident")?;
    let (gateway, port) = start_gateway(opts, ctx, n)?;
    let gw_pid = gateway.0.id();
    std::thread::sleep(Duration::from_secs(1));
    let rss_before = rss_kib(gw_pid);

    let shared = Arc::new(Shared::default());
    let (settle_tx, settle_rx) = watch::channel(false);
    let (stop_tx, stop_rx) = watch::channel(false);
    let heartbeat_every = Duration::from_secs(opts.heartbeat_secs.max(1));
    let sim = {
        let shared = shared.clone();
        std::thread::spawn(move || -> Result<(), String> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            let local = tokio::task::LocalSet::new();
            local.block_on(
                &rt,
                crate::piles::run(
                    piles,
                    format!("127.0.0.1:{port}"),
                    heartbeat_every,
                    shared,
                    settle_rx,
                    stop_rx,
                ),
            );
            Ok(())
        })
    };
    let stop = move || {
        let _ = stop_tx.send(true);
        let _ = sim.join();
    };

    // Connections and heartbeats.
    let connecting = Instant::now();
    eprintln!("bench: gateway: {n} piles connecting");
    let all_in = wait_for(Duration::from_secs(180), || {
        shared.registered.load(std::sync::atomic::Ordering::Relaxed) >= n
    });
    let registered = shared.registered.load(std::sync::atomic::Ordering::Relaxed);
    let connect_s = connecting.elapsed().as_secs_f64();
    if !all_in {
        eprintln!("bench: gateway: only {registered} of {n} piles registered");
    }
    // The first heartbeats after the register come one interval later: then three measured.
    std::thread::sleep(heartbeat_every);
    let window_from = Instant::now();
    std::thread::sleep(heartbeat_every * 3);
    let window = window_from.elapsed();
    let rss_after = rss_kib(gw_pid);
    let beats: Vec<u32> = lock(&shared.heartbeats)
        .iter()
        .filter(|(at, _)| *at >= window_from)
        .map(|(_, us)| *us)
        .collect();
    let expected = (n as f64 * window.as_secs_f64() / heartbeat_every.as_secs_f64()).floor();
    let missing = (expected - beats.len() as f64).max(0.0);
    let hb_rate = beats.len() as f64 / window.as_secs_f64();
    let [p50, p99, p999] = pcts(beats);
    let mib = |k: Option<f64>| k.map_or_else(|| "?".to_owned(), |k| format!("{:.0}", k / 1024.0));
    let _ = writeln!(
        rows,
        "| gateway: {registered} piles connected (registered in {connect_s:.1} s), heartbeat every {} s (30 s in the field) → ack | {n} | {hb_rate:.0} | {p50:.2} | {p99:.2} | {p999:.2} | {} | {:.2} | {} |",
        opts.heartbeat_secs,
        mib(rss_after),
        hb_rate / write_tps,
        missing as u64 + (n - registered.min(n)) as u64
    );

    // Commands: walk-up starts through the API, to the pile.
    let rate = opts.gateway_commands_per_sec.max(1.0);
    eprintln!(
        "bench: gateway: {} walk-up starts at {rate:.0}/s through the API",
        plan.len()
    );
    let calls = issue_starts(ctx, &plan, &tokens, rate)?;
    let ok: Vec<&Delivery> = calls.iter().filter_map(|c| c.as_ref().ok()).collect();
    let arrived = wait_for(Duration::from_secs(60), || {
        let starts = lock(&shared.starts);
        ok.iter()
            .all(|(pid, p, _)| starts.contains_key(&(*pid, *p)))
    });
    if !arrived {
        eprintln!("bench: gateway: some starts never reached their pile in 60 s");
    }
    let latencies: Vec<u32> = {
        let starts = lock(&shared.starts);
        ok.iter()
            .filter_map(|(pid, p, at)| {
                starts
                    .get(&(*pid, *p))
                    .map(|got| micros(got.saturating_duration_since(*at)))
            })
            .collect()
    };
    let failed_calls: Vec<&String> = calls.iter().filter_map(|c| c.as_ref().err()).collect();
    if let Some(e) = failed_calls.first() {
        eprintln!(
            "bench: gateway: {} starts refused, e.g. {e}",
            failed_calls.len()
        );
    }
    let lost = ok.len() - latencies.len();
    let repeats = shared
        .start_repeats
        .load(std::sync::atomic::Ordering::Relaxed);
    let within_1s = latencies.iter().filter(|&&us| us <= 1_000_000).count();
    let delivered = latencies.len();
    let [p50, p99, p999] = pcts(latencies);
    let _ = writeln!(
        rows,
        "| gateway: start command, API call → frame at the pile (walk-up, {rate:.0}/s offered; {within_1s} of {delivered} within 1 s, {repeats} delivered twice) | {n} | {:.0} | {p50:.2} | {p99:.2} | {p999:.2} | {} | | {} |",
        delivered as f64 / (plan.len() as f64 / rate),
        mib(rss_kib(gw_pid)),
        failed_calls.len() + lost
    );

    // Settlements: every started port at once.
    let charging = |db: &mut MysqlConnection| {
        count(
            db,
            "SELECT COUNT(*) AS n FROM charging_sessions WHERE state = 'charging'",
        )
    };
    let all_charging = wait_for(Duration::from_secs(60), || {
        charging(&mut db) >= delivered as i64
    });
    if !all_charging {
        eprintln!(
            "bench: gateway: {} of {delivered} sessions charging after 60 s",
            charging(&mut db)
        );
    }
    let to_settle = lock(&shared.starts).len();
    eprintln!("bench: gateway: {to_settle} settlements at once");
    let t0 = Instant::now();
    let _ = settle_tx.send(true);
    wait_for(Duration::from_secs(120), || {
        lock(&shared.settled).len() >= to_settle
    });
    let settled = lock(&shared.settled).clone();
    let last = settled.iter().map(|(_, ack)| *ack).max().unwrap_or(t0);
    let span = last.duration_since(t0).as_secs_f64().max(0.001);
    let stored = count(&mut db, "SELECT COUNT(*) AS n FROM device_settlements");
    let settled_sessions = count(
        &mut db,
        "SELECT COUNT(*) AS n FROM charging_sessions WHERE state = 'settled'",
    );
    let copies = shared
        .settlement_copies
        .load(std::sync::atomic::Ordering::Relaxed);
    let per_sec = settled.len() as f64 / span;
    let [p50, p99, p999] = pcts(
        settled
            .iter()
            .map(|(sent, ack)| micros(ack.duration_since(*sent)))
            .collect(),
    );
    let _ = writeln!(
        rows,
        "| gateway: settlements stored and acknowledged ({} in {span:.1} s, all piles at once; {stored} stored, {settled_sessions} sessions settled, {copies} copies sent) | {n} | {per_sec:.0} | {p50:.2} | {p99:.2} | {p999:.2} | {} | {:.2} | {} |",
        settled.len(),
        mib(rss_kib(gw_pid)),
        per_sec / write_tps,
        to_settle.saturating_sub(settled.len())
    );
    stop();
    drop(gateway);
    let per_conn = match (rss_before, rss_after) {
        (Some(b), Some(a)) if registered > 0 => {
            format!("{:.1} KiB", (a - b) / registered as f64)
        }
        _ => "?".to_owned(),
    };
    let warnings = std::fs::read_to_string(log_path(opts))
        .map(|l| l.lines().filter(|l| l.contains("WARN")).count())
        .unwrap_or(0);
    let memory = format!(
        "Gateway memory: {} MiB resident before the piles connected, {} MiB with {registered} connections: {per_conn} per connection (VmRSS). The gateway logged {warnings} warnings ({}); piles sent {} registers again, {} connects failed and were retried.\n",
        mib(rss_before),
        mib(rss_after),
        log_path(opts).display(),
        shared.register_resends.load(std::sync::atomic::Ordering::Relaxed),
        shared.connect_failures.load(std::sync::atomic::Ordering::Relaxed),
    );
    Ok(format!("{rows}\n{memory}"))
}

/// A start accepted by the API: the pile and port it must reach, and when the call started.
type Delivery = (u32, u8, Instant);

/// Issue one walk-up start per plan entry, paced at `rate` per second, each in its own task;
/// per call the pile and port it must reach and when the call started, or why it failed.
fn issue_starts(
    ctx: &Ctx,
    plan: &[(Target, usize)],
    tokens: &[String],
    rate: f64,
) -> Result<Vec<Result<Delivery, String>>, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let http = reqwest::Client::new();
    let begin = Instant::now() + Duration::from_millis(100);
    rt.block_on(async {
        let mut tasks = Vec::with_capacity(plan.len());
        for (i, ((t, _), token)) in plan.iter().zip(tokens).enumerate() {
            tokio::time::sleep_until((begin + Duration::from_secs_f64(i as f64 / rate)).into())
                .await;
            let url = format!(
                "{}/api/v1/sockets/{}/charging-session",
                ctx.base, t.socket_id
            );
            let body = serde_json::json!({"socket_code": t.code});
            let (http, token) = (http.clone(), token.clone());
            let pid = u32::try_from(t.physical_id).unwrap_or(0);
            let port = u8::try_from(t.number - 1).unwrap_or(0);
            tasks.push(tokio::spawn(async move {
                let at = Instant::now();
                let r = http
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if r.status().is_success() {
                    Ok((pid, port, at))
                } else {
                    let status = r.status();
                    Err(format!("{status} {}", r.text().await.unwrap_or_default()))
                }
            }));
        }
        let mut out = Vec::with_capacity(tasks.len());
        for t in tasks {
            out.push(t.await.map_err(|e| e.to_string())?);
        }
        Ok(out)
    })
}
