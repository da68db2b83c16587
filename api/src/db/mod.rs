//! The database layer: one connection type over MySQL and SQLite, the pool, migrations, and
//! the few helpers every area uses (inserted ids, retried transactions, the page of a list,
//! the database half of an idempotency claim).

pub mod idempotency;
pub mod mysql_timeouts;
pub mod paging;
pub mod schema;
pub mod schema_gen;
pub mod text_enum;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::mysql::MysqlConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::{Config, DatabaseTarget};

/// One connection to whichever database the configuration names.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Mysql(MysqlConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

pub const MYSQL_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/mysql");
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Whether the database is known to be unreachable: the last connection attempt failed, or a
/// pooled connection was found dead. While it is, requests wait only briefly for a connection
/// (a fast 503 instead of the full pool timeout); the first successful connection clears it.
/// Clones share the flag.
#[derive(Clone, Debug, Default)]
pub struct DbHealth(Arc<AtomicBool>);

impl DbHealth {
    pub fn is_down(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn set_down(&self, down: bool) {
        if self.0.swap(down, Ordering::Relaxed) != down {
            if down {
                tracing::warn!("database unreachable: answering 503 until it is back");
            } else {
                tracing::info!("database reachable again");
            }
        }
    }
}

/// How long a request waits for a connection while the database is known to be down.
pub const DOWN_WAIT: Duration = Duration::from_millis(250);

/// Opens connections of the configured backend. Unlike `DbConn::establish`, it picks the
/// backend from the URL, so a wrong password reaches the log as MySQL's own message.
#[derive(Clone, Debug)]
pub struct Manager {
    target: DatabaseTarget,
    health: DbHealth,
}

impl Manager {
    pub fn new(target: DatabaseTarget) -> Self {
        Manager {
            target,
            health: DbHealth::default(),
        }
    }

    /// A manager that reports connection successes and failures to `health`.
    pub fn watched(target: DatabaseTarget, health: DbHealth) -> Self {
        Manager { target, health }
    }

    pub fn connect(&self) -> ConnectionResult<DbConn> {
        let conn = self.open();
        self.health.set_down(conn.is_err());
        conn
    }

    fn open(&self) -> ConnectionResult<DbConn> {
        let mut conn = match &self.target {
            DatabaseTarget::Mysql(url) => DbConn::Mysql(MysqlConnection::establish(url)?),
            DatabaseTarget::Sqlite(path) => {
                let path = path.to_string_lossy();
                DbConn::Sqlite(SqliteConnection::establish(&path)?)
            }
        };
        configure_session(&mut conn)
            .map_err(|e| ConnectionError::BadConnection(format!("session set-up failed: {e}")))?;
        Ok(conn)
    }
}

/// Per-connection settings: UTC, short lock waits (a request never waits forever), SQLite's
/// WAL, foreign keys and busy timeout.
fn configure_session(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Mysql(c) => {
            c.batch_execute(
                "SET time_zone = '+00:00', NAMES utf8mb4 COLLATE utf8mb4_unicode_ci, \
                 SESSION innodb_lock_wait_timeout = 5; \
                 SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
            )?;
            // Galera applies other nodes' writes asynchronously after certifying them: a read
            // waits until this node has applied everything committed before it (causal reads),
            // so a request sees what an earlier request committed through another node. Where
            // the variable does not exist (MySQL: error 1193), this is skipped; any other
            // failure (a node still joining) fails the connection, which the pool opens again:
            // a connection without causal reads would serve stale answers for its whole life.
            if let Err(e) = c.batch_execute("SET SESSION wsrep_sync_wait = 1") {
                let unknown = matches!(
                    &e,
                    diesel::result::Error::DatabaseError(_, info)
                        if info.message().contains("Unknown system variable")
                );
                if !unknown {
                    return Err(e);
                }
            } else if !GALERA.load(Ordering::Relaxed) {
                // The variable exists in every MariaDB built with wsrep; a node of a running
                // cluster has wsrep on.
                #[derive(QueryableByName)]
                struct On {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    on: i64,
                }
                let on = diesel::sql_query("SELECT CAST(@@wsrep_on AS SIGNED) AS `on`")
                    .get_result::<On>(c)
                    .map(|r| r.on == 1)
                    .unwrap_or(false);
                if on {
                    GALERA.store(true, Ordering::Relaxed);
                }
            }
            // A statement never runs forever: the server stops it a second before the client's
            // read timeout would give up on the connection (MariaDB and MySQL name this limit
            // differently).
            let limit = mysql_timeouts::current().1.saturating_sub(1).max(1);
            if c.batch_execute(&format!("SET SESSION max_statement_time = {limit}"))
                .is_err()
            {
                let _ = c.batch_execute(&format!(
                    "SET SESSION max_execution_time = {}",
                    u64::from(limit) * 1000
                ));
            }
            Ok(())
        }
        DbConn::Sqlite(c) => c.batch_execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
        ),
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConn, ConnectionError> {
        Manager::connect(self)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ConnectionError::BadConnection(e.to_string()))
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::connection::TransactionManager;
        <<DbConn as Connection>::TransactionManager as TransactionManager<DbConn>>::is_broken_transaction_manager(conn)
    }
}

/// Silences r2d2's own error log: a failed connection attempt surfaces as a 503 with the
/// request id, and readiness reports it.
#[derive(Debug)]
struct QuietPoolErrors;

impl r2d2::HandleError<ConnectionError> for QuietPoolErrors {
    fn handle_error(&self, error: ConnectionError) {
        tracing::warn!(error = %error, "database connection attempt failed");
    }
}

/// Build the pool. It does not wait for the database: a server whose database is down starts
/// and answers 503 until the database comes back.
pub fn build_pool(config: &Config) -> Result<Pool, crate::config::ConfigError> {
    build_watched_pool(config, DbHealth::default())
}

/// Build the pool, reporting the database's reachability to `health`.
pub fn build_watched_pool(
    config: &Config,
    health: DbHealth,
) -> Result<Pool, crate::config::ConfigError> {
    let target = config.database_target()?;
    if let DatabaseTarget::Sqlite(path) = &target {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| {
                crate::config::ConfigError::DataDir {
                    path: parent.to_owned(),
                    source,
                }
            })?;
        }
    }
    mysql_timeouts::configure(
        config.db_connect_timeout_secs,
        config.db_read_timeout_secs,
        config.db_read_timeout_secs,
    );
    RETRY_BUDGET_MS.store(config.db_retry_ms, Ordering::Relaxed);
    TX_GUARD.store(
        match config.db_tx_guard {
            crate::config::TxGuard::Auto => 0,
            crate::config::TxGuard::On => 1,
            crate::config::TxGuard::Off => 2,
        },
        Ordering::Relaxed,
    );
    Ok(r2d2::Pool::builder()
        .max_size(config.db_pool_size)
        .min_idle(Some(0))
        .test_on_check_out(false)
        .connection_timeout(config.db_timeout())
        .error_handler(Box::new(QuietPoolErrors))
        .build_unchecked(Manager::watched(target, health)))
}

/// Whether a connection still answers.
fn alive(conn: &mut DbConn) -> bool {
    conn.batch_execute("SELECT 1").is_ok()
}

/// Make the pool drop this connection instead of taking it back.
fn mark_broken(conn: &mut DbConn) {
    use diesel::connection::TransactionManager;
    <<DbConn as Connection>::TransactionManager as TransactionManager<DbConn>>::transaction_manager_status_mut(conn)
        .set_in_error();
}

/// After a request failed on `conn`: when the connection is dead (the database restarted or
/// went away), drop it, and with it every idle connection that is dead too, so requests after
/// the database is back do not meet stale connections. Returns whether `conn` was dead.
pub fn drop_if_dead(pool: &Pool, conn: &mut DbConn, health: &DbHealth) -> bool {
    if alive(conn) {
        return false;
    }
    mark_broken(conn);
    health.set_down(true);
    let mut idle = Vec::new();
    while let Some(mut other) = pool.try_get() {
        if !alive(&mut other) {
            mark_broken(&mut other);
        }
        idle.push(other);
    }
    // Dropping them returns the live ones to the pool and closes the dead.
    drop(idle);
    true
}

/// Which backend a connection speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Mysql,
    Sqlite,
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Mysql(_) => Backend::Mysql,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Run pending migrations. On MySQL a named lock keeps several processes starting at once
/// from migrating the same database twice.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConn::Mysql(c) => {
            diesel::sql_query("SELECT GET_LOCK('linli_migrations', 60)")
                .execute(c)
                .map_err(|e| e.to_string())?;
            let result = c
                .run_pending_migrations(MYSQL_MIGRATIONS)
                .map(|v| v.iter().map(|m| m.to_string()).collect::<Vec<_>>())
                .map_err(|e| e.to_string());
            let _ = diesel::sql_query("SELECT RELEASE_LOCK('linli_migrations')").execute(c);
            result?
        }
        DbConn::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.iter().map(|m| m.to_string()).collect())
            .map_err(|e| e.to_string())?,
    };
    Ok(applied)
}

/// True when every embedded migration has been applied.
pub fn migrations_applied(conn: &mut DbConn) -> Result<bool, String> {
    let pending = match conn {
        DbConn::Mysql(c) => c.has_pending_migration(MYSQL_MIGRATIONS),
        DbConn::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
    };
    pending.map(|p| !p).map_err(|e| e.to_string())
}

diesel::define_sql_function! {
    /// MySQL's id of the last auto-increment insert on this connection.
    #[sql_name = "LAST_INSERT_ID"]
    fn mysql_last_insert_id() -> diesel::sql_types::BigInt;
}

diesel::define_sql_function! {
    /// SQLite's rowid of the last insert on this connection.
    #[sql_name = "last_insert_rowid"]
    fn sqlite_last_insert_rowid() -> diesel::sql_types::BigInt;
}

/// The id of the row this connection inserted last (there is no `RETURNING` through the
/// multi-backend connection). Call it inside the transaction that did the insert.
pub fn last_insert_id(conn: &mut DbConn) -> QueryResult<i64> {
    match conn {
        DbConn::Mysql(c) => diesel::select(mysql_last_insert_id()).get_result(c),
        DbConn::Sqlite(c) => diesel::select(sqlite_last_insert_rowid()).get_result(c),
    }
}

/// Run the same statement on the inner connection of either backend, for what the
/// multi-backend connection cannot express (multi-row inserts into SQLite, `FOR UPDATE`).
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Mysql($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}

/// Whether an error is a UNIQUE key refusing a row (the database deciding a race).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Whether a database error means the server went away (so the client gets 503, not 500).
pub fn is_connection_lost(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("server has gone away")
        || m.contains("lost connection")
        || m.contains("can't connect")
        || m.contains("connection refused")
        || m.contains("server shutdown")
        || m.contains("broken pipe")
        || m.contains("connection was killed")
        || m.contains("disconnected by the server")
}

/// Whether an error is a transient conflict between transactions that is safe to retry: a
/// deadlock or a lock wait timeout (MySQL 1213, 1205), a Galera certification conflict (1213
/// at any statement or at `COMMIT`: a write on another node won), a Galera node that is
/// joining or cut off from the cluster (1047 `WSREP has not yet prepared node for application
/// use`), SQLite's busy database. Never a lost connection: work may have been committed.
pub fn is_retryable(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        Error::DatabaseError(_, info) => is_retryable_message(info.message()),
        // `COMMIT` refused and its `ROLLBACK` failed too: the commit error decides, but the
        // connection's transaction state broke, so only a lost connection is not retried.
        Error::RollbackErrorOnCommit { commit_error, .. } => is_retryable(commit_error),
        _ => false,
    }
}

/// The messages of [`is_retryable`]'s errors (the MySQL error number is not kept by Diesel
/// for most of them).
pub fn is_retryable_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("deadlock")
        || m.contains("lock wait timeout")
        || m.contains("database is locked")
        || m.contains("database table is locked")
        || m.contains("try restarting transaction")
        || m.contains("wsrep has not yet prepared node")
        || m.contains("wsrep detected deadlock/conflict")
}

/// How long [`transaction`] retries a conflict, in milliseconds (`LINLI_DB_RETRY_MS`).
static RETRY_BUDGET_MS: AtomicU64 = AtomicU64::new(5000);

/// The session's marker table of guarded transactions (a note, not an error, when it exists).
const CREATE_MARKER: &str =
    "CREATE TEMPORARY TABLE IF NOT EXISTS linli_tx_alive (id TINYINT PRIMARY KEY) ENGINE=InnoDB";

/// Whether a connection found its server to be a Galera node (wsrep on).
static GALERA: AtomicBool = AtomicBool::new(false);

/// `LINLI_DB_TX_GUARD`: 0 auto (on Galera), 1 on, 2 off.
static TX_GUARD: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Whether write transactions on MySQL are guarded ([`transaction`]).
fn guard_wanted() -> bool {
    match TX_GUARD.load(Ordering::Relaxed) {
        1 => true,
        2 => false,
        _ => GALERA.load(Ordering::Relaxed),
    }
}

/// Whether write transactions on this connection are guarded ([`transaction`]).
fn guarded(conn: &DbConn) -> bool {
    conn.backend() == Backend::Mysql && guard_wanted()
}

/// The error of a guarded transaction the server no longer held at its end: retryable.
fn transaction_lost() -> diesel::result::Error {
    diesel::result::Error::DatabaseError(
        diesel::result::DatabaseErrorKind::SerializationFailure,
        Box::new(String::from(
            "the transaction was rolled back by the server without a report (deadlock/conflict)",
        )),
    )
}

/// The pause before retry `attempt` (1, 2, ...): exponential from 2 ms, capped at 100 ms,
/// drawn uniformly up to that (full jitter), so racing transactions spread out.
fn backoff(attempt: u32) -> Duration {
    let cap = (2u64 << attempt.min(6)).min(100);
    Duration::from_millis(rand::random_range(1..=cap))
}

/// Run `f` in a transaction, retrying it from the start when the database reports a
/// transient conflict ([`is_retryable`]: a deadlock, a lock wait timeout, a Galera
/// certification conflict at any statement or at `COMMIT`, a Galera node not ready), with
/// jittered backoff, for at most `LINLI_DB_RETRY_MS`; and on a new connection when its
/// connection was lost before `COMMIT`. The closure must be safe to run again
/// (it re-reads what it needs). Every write in the application goes through here.
pub fn transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnMut(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error> + Retryable + std::fmt::Display,
{
    run_transaction(conn, false, f)
}

/// [`transaction`] with its end-of-transaction guard on (on MySQL) whatever
/// `LINLI_DB_TX_GUARD` says: what every write transaction does on a Galera node.
pub fn transaction_guarded<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnMut(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error> + Retryable + std::fmt::Display,
{
    run_transaction(conn, true, f)
}

fn run_transaction<T, E, F>(conn: &mut DbConn, force_guard: bool, mut f: F) -> Result<T, E>
where
    F: FnMut(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error> + Retryable + std::fmt::Display,
{
    let key = std::ptr::from_ref::<DbConn>(conn) as usize;
    if OPEN.with(|open| open.borrow().contains(&key)) {
        // Called inside a transaction on this connection: part of the caller's work, run
        // once, with no savepoint and no retry here. A deadlock or a Galera conflict rolls
        // back the whole transaction on the server, not to a savepoint (whose rollback then
        // fails with "SAVEPOINT does not exist"), so running the closure again here would run
        // it, and the rest of the caller's work, outside any transaction, each statement
        // committed on its own while the caller's earlier writes were gone. The error goes
        // up unchanged, and the outermost call runs everything again.
        return f(conn);
    }
    OPEN.with(|open| open.borrow_mut().push(key));
    struct Close(usize);
    impl Drop for Close {
        fn drop(&mut self) {
            OPEN.with(|open| open.borrow_mut().retain(|k| *k != self.0));
        }
    }
    let _close = Close(key);
    let started = std::time::Instant::now();
    let budget = Duration::from_millis(RETRY_BUDGET_MS.load(Ordering::Relaxed));
    let mut attempt = 0u32;
    // A read timeout alone may outlast the retry budget: one lost connection is always
    // replaced, whatever the time.
    let mut lost = 0u32;
    loop {
        let mut body_done = false;
        let guard = guarded(conn) || (force_guard && conn.backend() == Backend::Mysql);
        if guard {
            // Autocommit off for the transaction's length: should the server roll the
            // transaction back without telling (see below), the statements after that run in
            // a transaction of their own that the ROLLBACK below undoes, never committed one
            // by one.
            // The marker table is the session's own (temporary: never replicated, gone with
            // the connection; the database user needs CREATE TEMPORARY TABLES), made on the
            // connection's first guarded transaction: a connection opened before its process
            // knew it was on Galera has none yet.
            conn.batch_execute(&format!("SET autocommit = 0; {CREATE_MARKER}"))?;
        }
        let result = conn.transaction(|c| {
            if guard {
                c.batch_execute("INSERT INTO linli_tx_alive (id) VALUES (1)")?;
            }
            let r = f(c);
            if guard
                && r.as_ref()
                    .err()
                    .is_none_or(|e| !e.is_retryable() && !e.is_connection_lost())
            {
                // On a Galera node a transaction aborted by a replicated write it conflicts
                // with is rolled back at once, and the abort is reported on the client's next
                // command; under load (seen on MariaDB 10.11) that report can be lost, and the
                // work goes on outside the transaction: a booking answered 201 was never
                // stored, a quota seen taken by a half-rolled-back transaction answered 422.
                // The marker row written first proves the server still holds this
                // transaction: when it is gone, nothing of this attempt is kept (the ROLLBACK
                // undoes what ran after the loss) and the whole transaction runs again. The
                // answer `f` gave (even an error such as a quota reached) is not trusted then.
                let alive = diesel::sql_query("DELETE FROM linli_tx_alive").execute(c)?;
                if alive != 1 {
                    crate::ops::metrics::db_retry();
                    tracing::warn!(
                        "a transaction was rolled back without a report; running it again"
                    );
                    return Err(E::from(transaction_lost()));
                }
            }
            body_done = r.is_ok();
            r
        });
        if guard {
            // Whatever happened, no transaction stays open, and autocommit is back on for the
            // next user of the connection (reads outside transactions rely on it); a
            // connection that cannot say so is not returned to the pool.
            if conn.batch_execute("ROLLBACK; SET autocommit = 1").is_err() {
                mark_broken(conn);
            }
        }
        match result {
            Err(e) if e.is_retryable() && started.elapsed() < budget => {
                if broken(conn) {
                    // A refused `COMMIT` whose `ROLLBACK` failed too leaves the connection's
                    // transaction state broken: run again on a new connection.
                    match reconnect() {
                        Some(fresh) => *conn = fresh,
                        None => return Err(e),
                    }
                }
                attempt += 1;
                let pause = backoff(attempt).min(budget.saturating_sub(started.elapsed()));
                crate::ops::metrics::db_retry();
                tracing::debug!(attempt, error = %e, "retrying transaction after a transient conflict");
                std::thread::sleep(pause);
            }
            // The connection was lost (or its server stopped answering: the read timeout)
            // before `COMMIT` was sent: nothing was committed, so the work runs again on a
            // fresh connection, which replaces the lost one in the pool. On Galera this is a
            // transaction killed by a replicated write whose connection never got its answer.
            // A loss at `COMMIT` is not retried: the outcome is unknown.
            Err(e)
                if !body_done
                    && e.is_connection_lost()
                    && (started.elapsed() < budget || lost == 0) =>
            {
                lost += 1;
                match reconnect() {
                    Some(fresh) => {
                        *conn = fresh;
                        attempt += 1;
                        crate::ops::metrics::db_retry();
                        tracing::warn!(attempt, "connection lost in a transaction; running it again on a new connection");
                    }
                    None => return Err(e),
                }
            }
            other => return other,
        }
    }
}

thread_local! {
    /// The connections (by address) inside a [`transaction`] on this thread, so that a
    /// nested call knows it is one.
    static OPEN: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Where [`transaction`] opens a replacement for a connection lost mid-transaction: set by
    /// [`with_reconnect`] around a request's database work.
    static RECONNECT: std::cell::RefCell<Option<Manager>> = const { std::cell::RefCell::new(None) };
}

/// Run `work` (a request's database work on this thread) with `manager` as the source of
/// replacement connections for [`transaction`].
pub fn with_reconnect<T>(manager: Manager, work: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            RECONNECT.with(|m| *m.borrow_mut() = None);
        }
    }
    RECONNECT.with(|m| *m.borrow_mut() = Some(manager));
    let _reset = Reset;
    work()
}

fn broken(conn: &mut DbConn) -> bool {
    use diesel::connection::TransactionManager;
    <<DbConn as Connection>::TransactionManager as TransactionManager<DbConn>>::is_broken_transaction_manager(conn)
}

fn reconnect() -> Option<DbConn> {
    RECONNECT.with(|m| m.borrow().as_ref().and_then(|m| m.connect().ok()))
}

/// Errors that can say whether they are a transient lock conflict.
pub trait Retryable {
    fn is_retryable(&self) -> bool;

    /// Whether the connection was lost (or timed out) on this error.
    fn is_connection_lost(&self) -> bool {
        false
    }
}

impl Retryable for diesel::result::Error {
    fn is_retryable(&self) -> bool {
        is_retryable(self)
    }

    fn is_connection_lost(&self) -> bool {
        crate::error::is_database_gone(self)
    }
}

/// Escape `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
pub fn like_contains(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_contains("世纪"), "%世纪%");
        assert_eq!(like_contains("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
