//! Loading a database at a scale, starting the release server on it, and what the bench reads
//! off the machine (the raw database rate, the server's memory).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use diesel::prelude::*;
use rand::Rng;

use crate::scenarios::Ctx;
use crate::{wait_ready, Guard, Opts};
pub fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// A loaded database with a server on it; both go when it is dropped.
pub struct Loaded {
    pub _guard: Guard,
    pub ctx: Ctx,
}

/// Create a database at `scale` times the demo (with `history_days` of past bookings) and
/// start the release server on it.
pub fn load(opts: &Opts, scale: usize, history_days: u32) -> Result<Loaded, String> {
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
        .envs(opts.server_env.iter().map(|(k, v)| (k, v)))
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
        db_url,
        cards,
        sockets,
    };
    wait_ready(&ctx)?;
    eprintln!("bench: server {} ready", ctx.base);
    Ok(Loaded { _guard: guard, ctx })
}

/// Cards and sockets in the database.
pub fn counts(c: &mut MysqlConnection) -> Result<(usize, usize), String> {
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
pub fn history(c: &mut MysqlConnection, days: u32) -> Result<usize, String> {
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
pub fn baseline(opts: &Opts) -> Result<f64, String> {
    run_baseline(
        opts.baseline.clone(),
        "db-baseline",
        "db_point_select_qps",
        opts.baseline_seconds,
    )
}

/// Run a baseline script (`script`, or `../shared/bench/{name}`) for `seconds` and read
/// `{key} N` from its last lines.
pub fn run_baseline(
    script: Option<PathBuf>,
    name: &str,
    key: &str,
    seconds: u64,
) -> Result<f64, String> {
    let script = script.unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/bench")
            .join(name)
    });
    eprintln!("bench: raw database rate ({})", script.display());
    let out = Command::new("bash")
        .arg(&script)
        .arg(seconds.to_string())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let qps = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(' '))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("{name} printed no {key} line: {stdout}"))?;
    eprintln!("bench: {key} {qps}");
    Ok(qps)
}

/// Forget the server's peak memory so far (Linux: `5` into `clear_refs` resets `VmHWM`).
pub fn reset_peak(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// The server's peak resident memory since the last reset, in MiB.
pub fn peak_mib(pid: u32) -> Option<f64> {
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
