//! `bench`: how fast the API serves its hot paths, as a ratio to the raw database rate
//! measured in the same run.
//!
//! 1. creates a fresh MySQL database, migrates it and loads the demo data at `--scale` times
//!    the demo (cards and charging piles; 10 by default: 100,000 cards, 2,400 piles) and, with
//!    `--history-days`, that many days of past bookings on every socket (365 by default);
//! 2. starts the release `linli` server (the binary beside this one) on a free port against it,
//!    with the per-client rate limits off (every request comes from one address);
//! 3. runs `../shared/bench/db-baseline` and reads `db_point_select_qps N` from its last line;
//! 4. drives each scenario with a fixed number of keep-alive connections for a fixed time
//!    (after a warm-up), then again paced at 70% of the rate it reached (p50/p99/p99.9 from
//!    the scheduled send times), recording the server's peak memory during each;
//! 5. for the gateway rows ([`gateway`], `--only gateway`): starts `linli gateway` beside the
//!    server, connects every loaded pile at once from simulated piles ([`piles`]) and measures
//!    heartbeats, start commands from the API call to the pile, settlements per second against
//!    `../shared/bench/db-write-baseline`, and the gateway's memory per connection;
//! 6. for the scaling rows, loads fresh databases at each `--scaling` factor and measures the
//!    card lookup and availability grid again;
//! 7. prints the Markdown table and writes it to `--out`; stops the servers and drops the
//!    databases.
//!
//! Scenarios with "phone headers" send `Accept-Encoding: gzip, deflate, br` as phones do.
//!
//! A scenario is a name and a closure that builds one request; add one in [`scenarios`].
//! The HTTP client is a minimal HTTP/1.1 keep-alive client on current-thread tokio runtimes
//! (one per core), so the client spends as little of the shared CPU as it can.

mod client;
mod gateway;
mod load;
mod piles;
mod scenarios;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

use clap::Parser;
use diesel::prelude::*;

use client::{drive, Outcome};
use load::{baseline, load, peak_mib, reset_peak};
use scenarios::{availability, scenarios, scenarios_cards, Ctx, Scenario};

/// Benchmark the Linli API against the raw database rate.
#[derive(Parser, Debug)]
struct Opts {
    /// MySQL server for the throw-away bench database (no database name).
    #[arg(
        long,
        env = "LINLI_BENCH_MYSQL_URL",
        default_value = "mysql://root@127.0.0.1:3306"
    )]
    mysql_url: String,
    /// The raw-rate script; by default `../shared/bench/db-baseline` from the repository root.
    #[arg(long, env = "LINLI_BENCH_BASELINE")]
    baseline: Option<PathBuf>,
    /// The raw write-transaction script (gateway scenarios); by default
    /// `../shared/bench/db-write-baseline` from the repository root.
    #[arg(long, env = "LINLI_BENCH_WRITE_BASELINE")]
    write_baseline: Option<PathBuf>,
    /// Seconds the baseline measures.
    #[arg(long, env = "LINLI_BENCH_BASELINE_SECONDS", default_value_t = 10)]
    baseline_seconds: u64,
    /// Seconds each scenario is measured (after the warm-up).
    #[arg(long, env = "LINLI_BENCH_SECONDS", default_value_t = 10)]
    seconds: u64,
    /// Seconds of warm-up before each measurement (not counted).
    #[arg(long, env = "LINLI_BENCH_WARMUP", default_value_t = 2)]
    warmup: u64,
    /// Concurrent keep-alive connections.
    #[arg(long, env = "LINLI_BENCH_CONNECTIONS", default_value_t = 64)]
    connections: usize,
    /// Connections of the paced run (each sends on a fixed schedule; latency counts from the
    /// scheduled time, so a stalled client or server shows up instead of hiding).
    #[arg(long, env = "LINLI_BENCH_PACED_CONNECTIONS", default_value_t = 64)]
    paced_connections: usize,
    /// The paced run offers this fraction of the top rate.
    #[arg(long, env = "LINLI_BENCH_PACED_FRACTION", default_value_t = 0.7)]
    paced_fraction: f64,
    /// Client threads (each runs a current-thread runtime).
    #[arg(long, env = "LINLI_BENCH_CLIENT_THREADS", default_value_t = 2)]
    client_threads: usize,
    /// A setting for the server under test, `NAME=VALUE`, applied after the bench's own
    /// (repeatable). E.g. measure the card lookup through the limiter shared over Redis:
    /// `--server-env LINLI_REDIS_URL=redis://127.0.0.1:6379 --server-env
    /// LINLI_CARD_LOOKUPS_PER_MINUTE=1000000000`.
    #[arg(long = "server-env", value_parser = parse_server_env)]
    server_env: Vec<(String, String)>,
    /// Only run scenarios whose name contains this.
    #[arg(long)]
    only: Option<String>,
    /// Multiple of the demo data for the main run (cards and charging piles).
    #[arg(long, env = "LINLI_BENCH_SCALE", default_value_t = 10)]
    scale: usize,
    /// Days of past bookings loaded on every socket for the main run (0: none).
    #[arg(long, env = "LINLI_BENCH_HISTORY_DAYS", default_value_t = 365)]
    history_days: u32,
    /// Scales of the scaling rows (card lookup and availability grid), comma-separated;
    /// `none` for none. The main run's scale is measured there already and is not loaded
    /// again.
    #[arg(long, env = "LINLI_BENCH_SCALING", default_value = "1,10,100")]
    scaling: String,
    /// Gateway scenarios: the piles' heartbeat interval in seconds (30 s in the field, scaled
    /// down so a short run sees several).
    #[arg(long, env = "LINLI_BENCH_HEARTBEAT_SECS", default_value_t = 5)]
    heartbeat_secs: u64,
    /// Gateway scenarios: walk-up starts per second issued through the API (one per pile).
    #[arg(
        long,
        env = "LINLI_BENCH_GATEWAY_COMMANDS_PER_SEC",
        default_value_t = 50.0
    )]
    gateway_commands_per_sec: f64,
    /// Gateway scenarios: at most this many piles (0: every pile loaded, 2,400 at scale 10).
    #[arg(long, env = "LINLI_BENCH_GATEWAY_PILES", default_value_t = 0)]
    gateway_piles: usize,
    /// Where the Markdown table is written.
    #[arg(
        long,
        env = "LINLI_BENCH_OUT",
        default_value = "target/bench-report.md"
    )]
    out: PathBuf,
}

fn parse_server_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if k.starts_with("LINLI_") => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("expected LINLI_NAME=VALUE, got {s:?}")),
    }
}

/// Cleans up whatever happens: stops the server, drops the database.
struct Guard {
    admin_url: String,
    db_name: String,
    child: Option<Child>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if let Ok(mut conn) = MysqlConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS `{}`", self.db_name))
                .execute(&mut conn);
            eprintln!("bench: dropped database {}", self.db_name);
        }
    }
}

fn main() {
    let opts = Opts::parse();
    if let Err(e) = run(opts) {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}

/// One scenario at full speed, then paced at the configured fraction: two table rows.
fn measure(
    ctx: &Ctx,
    s: &Scenario,
    opts: &Opts,
    db_qps: f64,
    label: &str,
) -> Result<(Outcome, String), String> {
    eprintln!("bench: {label} …");
    reset_peak(ctx.pid);
    let top = drive(ctx, s, opts, opts.connections, None)?;
    let target = top.rps * opts.paced_fraction;
    let paced = drive(ctx, s, opts, opts.paced_connections, Some(target))?;
    let peak = peak_mib(ctx.pid);
    let rows = format!(
        "{}\n{}\n",
        top.row(label, opts.connections, db_qps, peak),
        paced.row(
            &format!(
                "{label} @ {:.0}% ({target:.0}/s offered)",
                opts.paced_fraction * 100.0
            ),
            opts.paced_connections,
            db_qps,
            peak
        )
    );
    Ok((top, rows))
}

const HEADER: &str = "| scenario | connections | requests/s | p50 ms | p99 ms | p99.9 ms | peak RSS MiB | × raw DB rate | errors |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";

fn run(opts: Opts) -> Result<(), String> {
    let main = load(&opts, opts.scale, opts.history_days)?;
    let db_qps = baseline(&opts)?;
    let mut table = format!(
        "Scale {}× the demo ({} cards, {} sockets), {} days of past bookings; {} s per run after {} s of warm-up.\n\n{HEADER}",
        opts.scale, main.ctx.cards, main.ctx.sockets, opts.history_days, opts.seconds, opts.warmup
    );
    let _ = writeln!(
        table,
        "| raw DB point select (db-baseline, 16 threads) | 16 | {db_qps:.0} | | | | | 1.00 | |"
    );
    let mut at_main_scale: Vec<(String, String)> = Vec::new();
    for s in scenarios(&main.ctx)? {
        if opts.only.as_deref().is_some_and(|o| !s.name.contains(o)) {
            continue;
        }
        let (_, rows) = measure(&main.ctx, &s, &opts, db_qps, &s.name)?;
        table.push_str(&rows);
        if s.name.starts_with("card lookup (") || s.name.starts_with("availability grid") {
            at_main_scale.push((s.name.clone(), rows));
        }
    }
    if opts
        .only
        .as_deref()
        .is_none_or(|o| "gateway".contains(o) || o.contains("gateway"))
    {
        let _ = write!(
            table,
            "\nGateway: a `linli gateway` process beside the server on the same database; every loaded pile connected at once from simulated piles; here “× raw DB rate” is the ratio to the raw write-transaction rate (heartbeats and settlements are database writes).\n\n{HEADER}"
        );
        table.push_str(&gateway::run(&main.ctx, &opts)?);
    }
    drop(main);
    let scales: Vec<usize> = opts
        .scaling
        .split(',')
        .filter(|s| !s.trim().is_empty() && s.trim() != "none")
        .map(|s| {
            s.trim()
                .parse()
                .map_err(|_| format!("--scaling: not a number: {s}"))
        })
        .collect::<Result<_, _>>()?;
    let mut scaling = String::new();
    for &scale in &scales {
        if scale == opts.scale {
            for (_, rows) in &at_main_scale {
                scaling.push_str(
                    &rows
                        .replace("| card lookup", &format!("| {scale}×: card lookup"))
                        .replace(
                            "| availability grid",
                            &format!("| {scale}×: availability grid"),
                        ),
                );
            }
            continue;
        }
        let loaded = load(&opts, scale, 0)?;
        let ctx = &loaded.ctx;
        let viewer = ctx.token("bench-viewer", "resident")?;
        let card = scenarios_cards(ctx).remove(0);
        for s in [card, availability(viewer)] {
            let label = format!("{scale}×: {}", s.name);
            let (_, rows) = measure(ctx, &s, &opts, db_qps, &label)?;
            scaling.push_str(&rows);
        }
    }
    if !scaling.is_empty() {
        let _ = write!(
            table,
            "\nHow the cost grows: card lookup and availability grid at {} times the demo data (cards and piles; no past bookings beyond the main run's).\n\n{HEADER}{scaling}",
            scales
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!("{table}");
    if let Some(dir) = opts.out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&opts.out, &table)
        .map_err(|e| format!("cannot write {}: {e}", opts.out.display()))?;
    eprintln!("bench: table written to {}", opts.out.display());
    Ok(())
}

fn wait_ready(ctx: &Ctx) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", ctx.port)) {
            use std::io::{Read, Write};
            let _ = s.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            if buf.starts_with("HTTP/1.1 200") {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err("the server did not become ready in 30 s".into())
}
