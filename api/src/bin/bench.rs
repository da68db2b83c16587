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
//! 5. for the scaling rows, loads fresh databases at each `--scaling` factor and measures the
//!    card lookup and availability grid again;
//! 6. prints the Markdown table and writes it to `--out`; stops the servers and drops the
//!    databases.
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
    /// Where the Markdown table is written.
    #[arg(
        long,
        env = "LINLI_BENCH_OUT",
        default_value = "target/bench-report.md"
    )]
    out: PathBuf,
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
    /// The server's process id (for its memory).
    pub pid: u32,
    /// Cards and sockets loaded.
    pub cards: usize,
    pub sockets: usize,
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

/// The availability grid of one of six charging compounds, seen by a logged-in resident.
fn availability(viewer: String) -> Scenario {
    Scenario {
        name: "availability grid (one compound, 3 days, logged in)".into(),
        build: Arc::new(move |rng: &mut SmallRng| {
            let compound = [1, 2, 8, 9, 15, 16][rng.random_range(0..6)];
            let mut req = Req::get(format!("/api/v1/compounds/{compound}/availability"));
            req.headers
                .push(("Authorization".into(), format!("Bearer {viewer}")));
            req
        }),
    }
}

/// Charging and volunteering write scenarios: every request books a distinct socket × slot
/// (or signs a distinct resident up to an activity), so the figures are successful writes.
fn write_scenarios(ctx: &Ctx) -> Result<Vec<Scenario>, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    const USERS: usize = 5000;
    let staff = ctx.token("bench-staff", "staff")?;
    // Ten active bookings per household in the charging compounds, so 5,000 households can
    // make 50,000 bookings.
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
    let start = linli::charging::rules::slot_floor(
        chrono::Utc::now().naive_utc(),
        chrono::Duration::minutes(30),
    ) + chrono::Duration::hours(1);
    let next = Arc::new(AtomicUsize::new(0));
    let booking_tokens = tokens.clone();
    let sockets = ctx.sockets.max(1);
    let bookings: Builder = Arc::new(move |_rng: &mut SmallRng| {
        let n = next.fetch_add(1, Ordering::Relaxed);
        let socket = n % sockets + 1;
        let slot = start + chrono::Duration::minutes(30 * i64::try_from(n / sockets).unwrap_or(0));
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
        availability(viewer),
        Scenario {
            name: "booking (distinct socket × slot, 5,000 households)".into(),
            build: bookings,
        },
        Scenario {
            name: "volunteer sign-up (5,000 residents × 200 activities)".into(),
            build: signups,
        },
        Scenario {
            name: "partner booking report (utilisation, 2 compounds × 7 days)".into(),
            build: partner_report(ctx, &staff)?,
        },
    ])
}

/// A property firm serving compounds 1 and 2 with a `bookings:read` client; its utilisation
/// report (per pile and day) of the last week.
fn partner_report(ctx: &Ctx, staff: &str) -> Result<Builder, String> {
    let firm = setup_call(
        ctx,
        reqwest::Method::POST,
        "/api/v1/partners",
        staff,
        serde_json::json!({"name": "压测物业", "compound_ids": [1, 2]}),
    )?;
    let id = firm["id"].as_i64().ok_or("partner without id")?;
    let client = setup_call(
        ctx,
        reqwest::Method::POST,
        &format!("/api/v1/partners/{id}/clients"),
        staff,
        serde_json::json!({"name": "压测", "scopes": ["bookings:read"]}),
    )?;
    let token = setup_call(
        ctx,
        reqwest::Method::POST,
        "/api/v1/partner/token",
        "",
        serde_json::json!({"grant_type": "client_credentials", "client_id": client["client_id"], "client_secret": client["client_secret"]}),
    )?;
    let token = token["access_token"]
        .as_str()
        .ok_or("no partner token")?
        .to_owned();
    Ok(Arc::new(move |_rng: &mut SmallRng| {
        let mut req = Req::get("/api/v1/partner/reports/utilisation");
        req.headers
            .push(("Authorization".into(), format!("Bearer {token}")));
        req
    }))
}

/// Every scenario, in table order. Add new ones here.
fn scenarios(ctx: &Ctx) -> Result<Vec<Scenario>, String> {
    Ok(scenarios_cards(ctx)
        .into_iter()
        .chain(write_scenarios(ctx)?)
        .collect())
}

/// Card lookups and keyword searches (no set-up needed); the plain card lookup first.
fn scenarios_cards(ctx: &Ctx) -> Vec<Scenario> {
    let codes = Arc::new(linli::places::seed::demo_check_codes(ctx.cards));
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
    vec![
        Scenario {
            name: format!("card lookup (random of {} cards)", ctx.cards),
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

/// A loaded database with a server on it; both go when it is dropped.
struct Loaded {
    _guard: Guard,
    ctx: Ctx,
}

/// Create a database at `scale` times the demo (with `history_days` of past bookings) and
/// start the release server on it.
fn load(opts: &Opts, scale: usize, history_days: u32) -> Result<Loaded, String> {
    let base_url = opts.mysql_url.trim_end_matches('/').to_owned();
    let db_name = format!(
        "linli_bench_{}_{scale}x",
        chrono::Utc::now().timestamp_millis()
    );
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
    eprintln!("bench: database {db_name}: migrating and loading {scale}× the demo data");
    let started = Instant::now();
    let (cards, sockets) = {
        let mut conn =
            linli::db::Manager::new(linli::config::DatabaseTarget::Mysql(db_url.clone()))
                .connect()
                .map_err(|e| e.to_string())?;
        linli::db::run_migrations(&mut conn)?;
        for line in linli::seed::demo(&mut conn, scale).map_err(|e| e.to_string())? {
            eprintln!("bench:   {line}");
        }
        let linli::db::DbConn::Mysql(c) = &mut conn else {
            return Err("the bench needs MySQL".into());
        };
        if history_days > 0 {
            let n = history(c, history_days)?;
            eprintln!("bench:   history: {n} past bookings over {history_days} days");
        }
        counts(c)?
    };
    eprintln!(
        "bench:   loaded in {:.0} s",
        started.elapsed().as_secs_f64()
    );
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
        .env("LINLI_PARTNER_RATE_PER_MIN", "0")
        .env("LINLI_ACCESS_TTL_SECS", "86400")
        .env("LINLI_PARTNER_TOKEN_TTL_SECS", "86400")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    let pid = child.id();
    guard.child = Some(child);
    let ctx = Ctx {
        base: format!("http://127.0.0.1:{port}"),
        port,
        pid,
        cards,
        sockets,
    };
    wait_ready(&ctx)?;
    eprintln!("bench: server {} ready", ctx.base);
    Ok(Loaded { _guard: guard, ctx })
}

/// Cards and sockets in the database.
fn counts(c: &mut MysqlConnection) -> Result<(usize, usize), String> {
    use linli::db::schema::{cards, sockets};
    let n_cards: i64 = cards::table
        .count()
        .get_result(c)
        .map_err(|e| e.to_string())?;
    let n_sockets: i64 = sockets::table
        .count()
        .get_result(c)
        .map_err(|e| e.to_string())?;
    Ok((
        usize::try_from(n_cards).unwrap_or(0),
        usize::try_from(n_sockets).unwrap_or(0),
    ))
}

/// `days` of past bookings: every socket booked for an hour each day (at an hour of its own),
/// completed, with their slot cells, by a history user on behalf of the demo households.
fn history(c: &mut MysqlConnection, days: u32) -> Result<usize, String> {
    let run = |c: &mut MysqlConnection, sql: &str| {
        diesel::sql_query(sql)
            .execute(c)
            .map_err(|e| format!("{e}: {sql}"))
    };
    run(
        c,
        "INSERT INTO users (openid, nickname, role, household_id, created_at, last_login_at) \
         VALUES ('bench:history', '历史', 'resident', 1, '2025-01-01', '2025-01-01')",
    )?;
    // Bulk loads take longer than the server's per-statement limit for requests.
    run(c, "SET SESSION max_statement_time = 0")?;
    run(c, "CREATE TEMPORARY TABLE bench_days (n INT PRIMARY KEY)")?;
    let values: Vec<String> = (1..=days).map(|d| format!("({d})")).collect();
    run(
        c,
        &format!("INSERT INTO bench_days (n) VALUES {}", values.join(",")),
    )?;
    let mut n = 0;
    // A month per statement, each booking's two cells right after it.
    for from in (1..=days).step_by(31) {
        let to = (from + 30).min(days);
        let first: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "COALESCE(MAX(id), 0) FROM bookings",
        ))
        .get_result(c)
        .map_err(|e| e.to_string())?;
        n += run(
            c,
            &format!(
                "INSERT INTO bookings (socket_id, compound_id, user_id, household_id, starts_at, \
         ends_at, status, created_at, checked_in_at, finished_at) \
         SELECT s.id, s.compound_id, u.id, 1 + (s.id * 31 + d.n) % 10000, \
           TIMESTAMP(CURDATE() - INTERVAL d.n DAY) + INTERVAL (s.id % 12) HOUR, \
           TIMESTAMP(CURDATE() - INTERVAL d.n DAY) + INTERVAL (s.id % 12) HOUR + INTERVAL 1 HOUR, \
           'completed', TIMESTAMP(CURDATE() - INTERVAL d.n + 1 DAY), \
           TIMESTAMP(CURDATE() - INTERVAL d.n DAY) + INTERVAL (s.id % 12) HOUR, \
           TIMESTAMP(CURDATE() - INTERVAL d.n DAY) + INTERVAL (s.id % 12) HOUR + INTERVAL 1 HOUR \
         FROM sockets s CROSS JOIN bench_days d \
         JOIN users u ON u.openid = 'bench:history' \
         WHERE d.n BETWEEN {from} AND {to}"
            ),
        )?;
        run(
            c,
            &format!("INSERT INTO booking_slots (socket_id, compound_id, slot_start, booking_id, household_id) \
         SELECT b.socket_id, b.compound_id, b.starts_at + INTERVAL k.m MINUTE, b.id, \
           b.household_id \
         FROM bookings b CROSS JOIN (SELECT 0 AS m UNION ALL SELECT 30) k \
         WHERE b.id > {first}"),
        )?;
    }
    Ok(n)
}

/// Raw point-select rate from `db-baseline`.
fn baseline(opts: &Opts) -> Result<f64, String> {
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
    let qps = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("db_point_select_qps "))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("db-baseline printed no db_point_select_qps line: {stdout}"))?;
    eprintln!("bench: db_point_select_qps {qps}");
    Ok(qps)
}

/// Forget the server's peak memory so far (Linux: `5` into `clear_refs` resets `VmHWM`).
fn reset_peak(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// The server's peak resident memory since the last reset, in MiB.
fn peak_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
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

/// Results of one measured run.
struct Outcome {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    p999_ms: f64,
    errors: u64,
}

impl Outcome {
    fn row(&self, name: &str, connections: usize, db_qps: f64, peak: Option<f64>) -> String {
        format!(
            "| {name} | {connections} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {:.2} | {} |",
            self.rps,
            self.p50_ms,
            self.p99_ms,
            self.p999_ms,
            peak.map_or_else(|| "?".to_owned(), |m| format!("{m:.0}")),
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
        p999_ms: pct(0.999),
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
