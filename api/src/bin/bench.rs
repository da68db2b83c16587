//! `bench`: how fast the API serves its hot read paths, as a ratio to the raw database rate
//! measured in the same run.
//!
//! 1. creates a fresh MySQL database, migrates it and loads the demo data;
//! 2. starts the release `linli` server (the binary beside this one) on a free port against it,
//!    with the card-lookup rate limit off (every request comes from one address);
//! 3. runs `../shared/bench/db-baseline` and reads `db_point_select_qps N` from its last line;
//! 4. drives each scenario with a fixed number of keep-alive connections for a fixed time
//!    (after a warm-up), then again paced at 70% of the rate it reached, and prints a Markdown
//!    table; 5. stops the server and drops the database.
//!
//! Scenarios with "phone headers" send `Accept-Encoding: gzip, deflate, br` as phones do.
//!
//! A scenario is a name and a closure that builds one request; add one in [`scenarios`].
//! The HTTP client is a minimal HTTP/1.1 keep-alive client on current-thread tokio runtimes
//! (one per core), so the client spends as little of the shared CPU as it can.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use diesel::prelude::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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
    /// Only run scenarios whose name contains this.
    #[arg(long)]
    only: Option<String>,
}

/// One request to send: method, path (with query), extra headers, body.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Req {
    pub fn get(path: impl Into<String>) -> Req {
        Req {
            method: "GET",
            path: path.into(),
            headers: Vec::new(),
            body: None,
        }
    }
}

type Builder = Arc<dyn Fn(&mut SmallRng) -> Req + Send + Sync>;

/// A named request builder.
pub struct Scenario {
    pub name: String,
    pub build: Builder,
}

/// What scenarios may use: the server's address and a way to get tokens.
pub struct Ctx {
    pub base: String,
    pub port: u16,
}

impl Ctx {
    /// An access token for a development login (`LINLI_DEV_LOGIN` is on in the bench server).
    pub fn token(&self, openid: &str, role: &str) -> Result<String, String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            let v: serde_json::Value = reqwest::Client::new()
                .post(format!("{}/api/v1/auth/dev", self.base))
                .json(&serde_json::json!({"openid": openid, "role": role}))
                .send()
                .await
                .map_err(|e| e.to_string())?
                .json()
                .await
                .map_err(|e| e.to_string())?;
            v["access_token"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("no token: {v}"))
        })
    }
}

/// Residents for the write scenarios: `n` dev-login users, each bound to its own demo
/// household (card n), logged in concurrently. Returns their tokens.
fn residents(ctx: &Ctx, n: usize) -> Result<Vec<String>, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let codes = linli::places::seed::demo_check_codes(n);
    let http = reqwest::Client::new();
    rt.block_on(async {
        let mut tokens = Vec::with_capacity(n);
        for chunk in (1..=n).collect::<Vec<_>>().chunks(32) {
            let calls = chunk.iter().map(|&i| {
                let (http, base, code) = (http.clone(), ctx.base.clone(), codes[i - 1].clone());
                async move {
                    let v: serde_json::Value = http
                        .post(format!("{base}/api/v1/auth/dev"))
                        .json(&serde_json::json!({"openid": format!("bench-resident-{i}")}))
                        .send()
                        .await
                        .map_err(|e| e.to_string())?
                        .json()
                        .await
                        .map_err(|e| e.to_string())?;
                    let token = v["access_token"].as_str().ok_or("no token")?.to_owned();
                    let bound = http
                        .post(format!("{base}/api/v1/me/household"))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({"card_number": linli::places::seed::card_number(i), "check_code": code}))
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                    if !bound.status().is_success() {
                        return Err(format!("binding card {i}: {}", bound.status()));
                    }
                    Ok::<_, String>(token)
                }
            });
            for t in futures_util::future::join_all(calls).await {
                tokens.push(t?);
            }
        }
        Ok(tokens)
    })
}

/// Send one authenticated JSON request during set-up; fails on a non-2xx answer.
fn setup_call(
    ctx: &Ctx,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let r = reqwest::Client::new()
            .request(method, format!("{}{path}", ctx.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = r.status();
        let v: serde_json::Value = r.json().await.unwrap_or_default();
        if status.is_success() {
            Ok(v)
        } else {
            Err(format!("{path}: {status} {v}"))
        }
    })
}

fn json_post(path: String, token: &str, body: serde_json::Value) -> Req {
    Req {
        method: "POST",
        path,
        headers: vec![
            ("Authorization".into(), format!("Bearer {token}")),
            ("Content-Type".into(), "application/json".into()),
        ],
        body: Some(body.to_string().into_bytes()),
    }
}

/// Charging and volunteering write scenarios: every request books a distinct socket × slot
/// (or signs a distinct resident up to an activity), so the figures are successful writes.
fn write_scenarios(ctx: &Ctx) -> Result<Vec<Scenario>, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    const USERS: usize = 2000;
    let staff = ctx.token("bench-staff", "staff")?;
    // Ten active bookings per household in the charging compounds, so 2,000 households can
    // make 20,000 bookings.
    // The demo's charging compounds: the first two of each community's seven.
    for compound in (0..8).flat_map(|c| [7 * c + 1, 7 * c + 2]) {
        let settings = serde_json::json!({"slot_minutes": 30, "days_ahead": 7, "min_notice_minutes": 0, "max_booking_minutes": 240, "grace_minutes": 15, "max_active_per_household": 10});
        setup_call(
            ctx,
            reqwest::Method::PUT,
            &format!("/api/v1/compounds/{compound}/charging-settings"),
            &staff,
            settings,
        )?;
    }
    let tokens = Arc::new(residents(ctx, USERS)?);
    let viewer = tokens[0].clone();
    let availability: Builder = Arc::new(move |rng: &mut SmallRng| {
        let compound = [1, 2, 8, 9, 15, 16][rng.random_range(0..6)];
        let mut req = Req::get(format!("/api/v1/compounds/{compound}/availability"));
        req.headers
            .push(("Authorization".into(), format!("Bearer {viewer}")));
        req
    });
    let start = linli::charging::rules::slot_floor(
        chrono::Utc::now().naive_utc(),
        chrono::Duration::minutes(30),
    ) + chrono::Duration::hours(1);
    let next = Arc::new(AtomicUsize::new(0));
    let booking_tokens = tokens.clone();
    let bookings: Builder = Arc::new(move |_rng: &mut SmallRng| {
        let n = next.fetch_add(1, Ordering::Relaxed);
        let socket = n % 380 + 1;
        let slot = start + chrono::Duration::minutes(30 * i64::try_from(n / 380).unwrap_or(0));
        let token = &booking_tokens[n % USERS];
        json_post(
            "/api/v1/bookings".into(),
            token,
            serde_json::json!({"socket_id": socket, "starts_at": slot.and_utc().to_rfc3339(), "ends_at": (slot + chrono::Duration::minutes(30)).and_utc().to_rfc3339()}),
        )
    });
    // Sign-ups: 200 activities of 30 seats three days ahead; resident n % 2000 signs up to
    // activity n / 2000 (confirmed while seats last, then waitlisted: both are writes).
    let day = chrono::Utc::now() + chrono::Duration::days(3);
    let mut activities = Vec::new();
    for i in 0..200 {
        let body = serde_json::json!({
            "team_id": 1, "community_id": 1 + i % 8, "title": format!("压测活动{i}"), "category": "haircut",
            "place": "社区服务中心", "starts_at": day.to_rfc3339(), "ends_at": (day + chrono::Duration::hours(2)).to_rfc3339(),
            "capacity": 30, "points_per_hour": 10,
        });
        let v = setup_call(
            ctx,
            reqwest::Method::POST,
            "/api/v1/activities",
            &staff,
            body,
        )?;
        activities.push(v["id"].as_i64().ok_or("activity without id")?);
    }
    let counter = Arc::new(AtomicUsize::new(0));
    let signups: Builder = Arc::new(move |_rng: &mut SmallRng| {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let activity = activities[(n / USERS) % activities.len()];
        json_post(
            format!("/api/v1/activities/{activity}/signups"),
            &tokens[n % USERS],
            serde_json::json!({}),
        )
    });
    Ok(vec![
        Scenario {
            name: "availability grid (one compound, 3 days, logged in)".into(),
            build: availability,
        },
        Scenario {
            name: "booking (distinct socket × slot, 2,000 households)".into(),
            build: bookings,
        },
        Scenario {
            name: "volunteer sign-up (2,000 residents × 200 activities)".into(),
            build: signups,
        },
    ])
}

/// Every scenario, in table order. Add new ones here.
fn scenarios(ctx: &Ctx) -> Result<Vec<Scenario>, String> {
    let codes = Arc::new(linli::places::seed::demo_check_codes(10_000));
    let lookup = move |rng: &mut SmallRng| {
        let n = rng.random_range(1..=codes.len());
        Req::get(format!(
            "/api/v1/cards/{}?check_code={}",
            linli::places::seed::card_number(n),
            codes[n - 1]
        ))
    };
    let card_lookup: Builder = Arc::new(lookup.clone());
    // What phones send: the answer comes compressed.
    let card_lookup_gzip: Builder = Arc::new(move |rng: &mut SmallRng| {
        let mut req = lookup(rng);
        req.headers
            .push(("Accept-Encoding".into(), "gzip, deflate, br".into()));
        req
    });
    const KEYWORDS: [&str; 10] = [
        "理发",
        "法律",
        "卫生",
        "日间照料",
        "调解",
        "阅览",
        "维修",
        "积分超市",
        "心理",
        "服务中心",
    ];
    let encoded: Arc<Vec<String>> = Arc::new(
        KEYWORDS
            .iter()
            .map(|k| form_urlencoded::byte_serialize(k.as_bytes()).collect())
            .collect(),
    );
    let query = move |rng: &mut SmallRng| {
        let k = &encoded[rng.random_range(0..encoded.len())];
        Req::get(format!("/api/v1/services?q={k}&per_page=20"))
    };
    let search: Builder = Arc::new(query.clone());
    let search_gzip: Builder = Arc::new(move |rng: &mut SmallRng| {
        let mut req = query(rng);
        req.headers
            .push(("Accept-Encoding".into(), "gzip, deflate, br".into()));
        req
    });
    Ok([
        Scenario {
            name: "card lookup (random of 10,000 cards)".into(),
            build: card_lookup,
        },
        Scenario {
            name: "card lookup, phone headers (Accept-Encoding: gzip, deflate, br)".into(),
            build: card_lookup_gzip,
        },
        Scenario {
            name: "keyword search (10 Chinese keywords)".into(),
            build: search,
        },
        Scenario {
            name: "keyword search, phone headers (Accept-Encoding: gzip, deflate, br)".into(),
            build: search_gzip,
        },
    ]
    .into_iter()
    .chain(write_scenarios(ctx)?)
    .collect())
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

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn run(opts: Opts) -> Result<(), String> {
    let base_url = opts.mysql_url.trim_end_matches('/').to_owned();
    let db_name = format!("linli_bench_{}", chrono::Utc::now().timestamp());
    let admin_url = format!("{base_url}/mysql");
    let mut admin = MysqlConnection::establish(&admin_url)
        .map_err(|e| format!("cannot reach MySQL at {base_url}: {e}"))?;
    diesel::sql_query(format!(
        "CREATE DATABASE `{db_name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    ))
    .execute(&mut admin)
    .map_err(|e| e.to_string())?;
    let mut guard = Guard {
        admin_url,
        db_name: db_name.clone(),
        child: None,
    };
    let db_url = format!("{base_url}/{db_name}");
    eprintln!("bench: database {db_name}: migrating and loading the demo data");
    {
        let mut conn =
            linli::db::Manager::new(linli::config::DatabaseTarget::Mysql(db_url.clone()))
                .connect()
                .map_err(|e| e.to_string())?;
        linli::db::run_migrations(&mut conn)?;
        for line in linli::seed::demo(&mut conn, 1).map_err(|e| e.to_string())? {
            eprintln!("bench:   {line}");
        }
    }

    let exe = std::env::current_exe()
        .map_err(|e| e.to_string())?
        .with_file_name("linli");
    let port = free_port()?;
    let secret: String = (0..48)
        .map(|_| char::from(b'a' + rand::rng().random_range(0..26u8)))
        .collect();
    let child = Command::new(&exe)
        .env("LINLI_BIND", format!("127.0.0.1:{port}"))
        .env("LINLI_DATABASE_URL", &db_url)
        .env("LINLI_JWT_SECRET", secret)
        .env("LINLI_SEED_DEMO", "0")
        .env("LINLI_DEV_LOGIN", "1")
        .env("LINLI_BACKGROUND_JOBS", "0")
        .env("LINLI_CARD_LOOKUPS_PER_MINUTE", "0")
        .env("LINLI_BOOKINGS_PER_MINUTE", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    guard.child = Some(child);
    let ctx = Ctx {
        base: format!("http://127.0.0.1:{port}"),
        port,
    };
    wait_ready(&ctx)?;
    eprintln!("bench: server {} ready", ctx.base);

    let script = opts.baseline.clone().unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/db-baseline")
    });
    eprintln!("bench: raw database rate ({})", script.display());
    let out = Command::new("bash")
        .arg(&script)
        .arg(opts.baseline_seconds.to_string())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let db_qps: f64 = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("db_point_select_qps "))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("db-baseline printed no db_point_select_qps line: {stdout}"))?;
    eprintln!("bench: db_point_select_qps {db_qps}");

    let mut table = String::new();
    let _ = writeln!(
        table,
        "| scenario | connections | requests/s | p50 ms | p99 ms | × raw DB rate | errors |"
    );
    let _ = writeln!(table, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let _ = writeln!(
        table,
        "| raw DB point select (db-baseline, 16 threads) | 16 | {db_qps:.0} | | | 1.00 | |"
    );
    for s in scenarios(&ctx)? {
        if opts.only.as_deref().is_some_and(|o| !s.name.contains(o)) {
            continue;
        }
        eprintln!("bench: {} …", s.name);
        let top = drive(&ctx, &s, &opts, opts.connections, None)?;
        let _ = writeln!(table, "{}", top.row(&s.name, opts.connections, db_qps));
        let target = top.rps * opts.paced_fraction;
        let paced = drive(&ctx, &s, &opts, opts.paced_connections, Some(target))?;
        let _ = writeln!(
            table,
            "{}",
            paced.row(
                &format!(
                    "{} @ {:.0}% ({target:.0}/s offered)",
                    s.name,
                    opts.paced_fraction * 100.0
                ),
                opts.paced_connections,
                db_qps
            )
        );
    }
    println!("{table}");
    drop(guard);
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

/// Results of one measured run.
struct Outcome {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

impl Outcome {
    fn row(&self, name: &str, connections: usize, db_qps: f64) -> String {
        format!(
            "| {name} | {connections} | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
            self.rps,
            self.p50_ms,
            self.p99_ms,
            self.rps / db_qps,
            self.errors
        )
    }
}

#[derive(Default)]
struct ConnStats {
    latencies_us: Vec<u32>,
    errors: u64,
}

/// Run a scenario: warm-up, then `seconds` measured; paced at `rate` req/s in total when set
/// (latency then counts from the scheduled send time, so a slow server is not hidden).
fn drive(
    ctx: &Ctx,
    s: &Scenario,
    opts: &Opts,
    connections: usize,
    rate: Option<f64>,
) -> Result<Outcome, String> {
    let threads = opts.client_threads.max(1);
    let per_thread = connections.div_ceil(threads);
    let start = Instant::now() + Duration::from_millis(200);
    let measure_from = start + Duration::from_secs(opts.warmup);
    let until = measure_from + Duration::from_secs(opts.seconds);
    let interval = rate.map(|r| Duration::from_secs_f64(connections as f64 / r.max(1.0)));
    let mut handles = Vec::new();
    for t in 0..threads {
        let build = s.build.clone();
        let port = ctx.port;
        let n = per_thread.min(connections.saturating_sub(t * per_thread));
        handles.push(std::thread::spawn(
            move || -> Result<Vec<ConnStats>, String> {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                rt.block_on(async move {
                    let local = tokio::task::LocalSet::new();
                    local
                        .run_until(async move {
                            let mut tasks = Vec::new();
                            for c in 0..n {
                                let build = build.clone();
                                let seed = (t * 10_000 + c) as u64;
                                tasks.push(tokio::task::spawn_local(connection(
                                    port,
                                    build,
                                    seed,
                                    start,
                                    measure_from,
                                    until,
                                    interval,
                                )));
                            }
                            let mut out = Vec::new();
                            for task in tasks {
                                out.push(task.await.map_err(|e| e.to_string())??);
                            }
                            Ok(out)
                        })
                        .await
                })
            },
        ));
    }
    let mut all: Vec<u32> = Vec::new();
    let mut errors = 0;
    for h in handles {
        for c in h
            .join()
            .map_err(|_| "client thread panicked".to_owned())??
        {
            all.extend(c.latencies_us);
            errors += c.errors;
        }
    }
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 - 1.0) * p).round() as usize;
        f64::from(all[i]) / 1000.0
    };
    Ok(Outcome {
        rps: all.len() as f64 / opts.seconds as f64,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        errors,
    })
}

async fn connection(
    port: u16,
    build: Builder,
    seed: u64,
    start: Instant,
    measure_from: Instant,
    until: Instant,
    interval: Option<Duration>,
) -> Result<ConnStats, String> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut stats = ConnStats::default();
    let mut stream = None;
    let mut buf = Vec::with_capacity(16 * 1024);
    tokio::time::sleep_until(start.into()).await;
    // Spread paced connections over one interval so they do not fire together.
    let mut next = interval.map(|i| start + i.mul_f64((seed % 997) as f64 / 997.0));
    loop {
        let scheduled = match next {
            Some(at) => {
                // The timer has millisecond steps: sleep only when the send is ahead.
                if at > Instant::now() {
                    tokio::time::sleep_until(at.into()).await;
                }
                at
            }
            None => Instant::now(),
        };
        if scheduled >= until {
            break;
        }
        let req = build(&mut rng);
        let mut wire = format!(
            "{} {} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n",
            req.method, req.path
        );
        for (k, v) in &req.headers {
            let _ = write!(wire, "{k}: {v}\r\n");
        }
        if let Some(b) = &req.body {
            let _ = write!(
                wire,
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                b.len()
            );
        }
        wire.push_str("\r\n");
        let mut bytes = wire.into_bytes();
        if let Some(b) = &req.body {
            bytes.extend_from_slice(b);
        }
        if stream.is_none() {
            let s = TcpStream::connect(("127.0.0.1", port))
                .await
                .map_err(|e| e.to_string())?;
            let _ = s.set_nodelay(true);
            stream = Some(s);
        }
        let Some(s) = stream.as_mut() else { continue };
        let result = exchange(s, &bytes, &mut buf).await;
        let done = Instant::now();
        let ok = matches!(result, Ok(status) if (200..400).contains(&status));
        if result.is_err() {
            stream = None; // reconnect next time
        }
        if scheduled >= measure_from {
            if ok {
                let us = done
                    .duration_since(scheduled)
                    .as_micros()
                    .min(u128::from(u32::MAX));
                stats.latencies_us.push(us as u32);
            } else {
                stats.errors += 1;
            }
        }
        if let (Some(at), Some(i)) = (next.as_mut(), interval) {
            *at += i;
        }
    }
    Ok(stats)
}

/// Send one request and read one response (Content-Length or chunked); the status code.
async fn exchange(s: &mut TcpStream, request: &[u8], buf: &mut Vec<u8>) -> Result<u16, String> {
    s.write_all(request).await.map_err(|e| e.to_string())?;
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let status: u16 = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or("bad status line")?;
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    if let Some(len) = length {
        while buf.len() < head_end + len {
            let n = s.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("connection closed".into());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    } else if head.contains("transfer-encoding: chunked") {
        while find(&buf[head_end..], b"0\r\n\r\n").is_none() {
            let n = s.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("connection closed".into());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }
    Ok(status)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
