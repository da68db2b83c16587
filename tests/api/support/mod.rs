//! The test harness: a real server on a real port over a real database.
//!
//! Every test gets its own database: on MySQL a fresh schema `linli_t_<time>_<random>`
//! (created, migrated, dropped at the end; leftovers of crashed runs older than an hour are
//! swept), on SQLite a file in a temporary folder. Outbound calls go to [`FakeWechat`], a small
//! HTTP server the test starts.

#![allow(dead_code)]

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use diesel::prelude::*;
use linli::clock::Clock;
use linli::config::{Config, Secret};
use linli::db::DbConn;
use linli::Application;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Mysql,
    Sqlite,
}

/// The MySQL server tests use (override with `LINLI_TEST_MYSQL_URL`).
pub fn mysql_base_url() -> String {
    std::env::var("LINLI_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".to_owned())
}

fn admin_conn(base: &str) -> MysqlConnection {
    let url = format!("{base}/mysql");
    MysqlConnection::establish(&url)
        .unwrap_or_else(|e| panic!("tests need MySQL/MariaDB at {url} (run scripts/test): {e}"))
}

#[derive(QueryableByName)]
struct DbName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Drop test databases left by crashed runs (older than an hour).
fn sweep_leftovers(conn: &mut MysqlConnection) {
    let now = chrono::Utc::now().timestamp();
    let names: Vec<DbName> = diesel::sql_query(
        "SELECT CAST(schema_name AS CHAR) AS name FROM information_schema.schemata WHERE schema_name LIKE 'linli\\_t\\_%'",
    )
    .load(conn)
    .unwrap_or_default();
    for n in names {
        let ts = n.name.split('_').nth(2).and_then(|t| t.parse::<i64>().ok());
        if ts.is_some_and(|t| now - t > 3600) {
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS `{}`", n.name)).execute(conn);
        }
    }
}

/// A database owned by one test.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    mysql_name: Option<String>,
    /// The MySQL server's URL without a database (to drop it at the end).
    mysql_base: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Mysql => {
                static SWEEP: Once = Once::new();
                let mut conn = admin_conn(&mysql_base_url());
                SWEEP.call_once(|| sweep_leftovers(&mut conn));
                Self::create_mysql(&mysql_base_url(), conn)
            }
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("linli.db").display());
                TestDb {
                    backend,
                    url,
                    mysql_name: None,
                    mysql_base: String::new(),
                    _dir: Some(dir),
                }
            }
        }
    }

    /// A fresh database on another MySQL server (`mysql://user@host:port`), e.g. a
    /// [`ThrowawayMariadb`].
    pub fn mysql_on(base: &str) -> TestDb {
        Self::create_mysql(base, admin_conn(base))
    }

    /// A MySQL database, migrated and loaded with the demo data set.
    pub fn seeded_mysql() -> TestDb {
        let db = TestDb::new(Backend::Mysql);
        db.migrate_and_seed();
        db
    }

    pub fn migrate_and_seed(&self) {
        let mut conn = self.conn();
        linli::db::run_migrations(&mut conn).expect("migrate");
        linli::seed::demo(&mut conn, 1).expect("seed");
    }

    fn create_mysql(base: &str, mut conn: MysqlConnection) -> TestDb {
        let name = format!(
            "linli_t_{}_{}",
            chrono::Utc::now().timestamp(),
            uuid::Uuid::new_v4()
                .simple()
                .to_string()
                .get(..10)
                .unwrap_or("x")
        );
        diesel::sql_query(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        ))
        .execute(&mut conn)
        .expect("create test database");
        TestDb {
            backend: Backend::Mysql,
            url: format!("{base}/{name}"),
            mysql_name: Some(name),
            mysql_base: base.to_owned(),
            _dir: None,
        }
    }

    /// A direct connection, for setting up state and checking what is stored.
    pub fn conn(&self) -> DbConn {
        let mut config = Config::defaults();
        config.database_url = Secret::new(self.url.clone());
        linli::db::Manager::new(config.database_target().expect("url"))
            .connect()
            .expect("connect")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.mysql_name {
            // Never panic here (a failing test is unwinding, or the server is gone).
            let url = format!("{}/mysql", self.mysql_base);
            if let Ok(mut conn) = MysqlConnection::establish(&url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS `{name}`"))
                    .execute(&mut conn);
            }
        }
    }
}

/// What the fake WeChat server saw.
#[derive(Default)]
pub struct FakeWechatLog {
    pub requests: Vec<HashMap<String, String>>,
    pub used_codes: Vec<String>,
}

/// A local stand-in for WeChat's `jscode2session`. Codes: `ok-<openid>` → that openid
/// (single use, like WeChat's), `invalid` → 40029, `ratelimit` → 45011, `busy` → -1,
/// `slow` → answers after 3 s, `garbage` → not JSON, `http500` → HTTP 500.
pub struct FakeWechat {
    pub base: String,
    pub log: Arc<Mutex<FakeWechatLog>>,
    handle: actix_web::dev::ServerHandle,
}

async fn code2session(
    query: web::Query<HashMap<String, String>>,
    log: web::Data<Arc<Mutex<FakeWechatLog>>>,
) -> HttpResponse {
    let code = query.get("js_code").cloned().unwrap_or_default();
    let first_use = {
        let mut log = log.lock().unwrap();
        log.requests.push(query.0.clone());
        let first = !log.used_codes.contains(&code);
        log.used_codes.push(code.clone());
        first
    };
    let body = match code.as_str() {
        "invalid" => json!({"errcode": 40029, "errmsg": "invalid code"}),
        "ratelimit" => json!({"errcode": 45011, "errmsg": "api minute-quota reach limit"}),
        "busy" => json!({"errcode": -1, "errmsg": "system error"}),
        "slow" => {
            actix_web::rt::time::sleep(Duration::from_secs(3)).await;
            json!({"openid": "slow-user", "session_key": "SESSIONKEY-slow"})
        }
        "garbage" => {
            return HttpResponse::Ok()
                .content_type("text/plain")
                .body("<html>oops</html>")
        }
        "http500" => return HttpResponse::InternalServerError().finish(),
        c if c.starts_with("ok-") && first_use => {
            json!({"openid": &c[3..], "session_key": format!("SESSIONKEY-{}", &c[3..]), "unionid": format!("union-{}", &c[3..])})
        }
        c if c.starts_with("ok-") => json!({"errcode": 40163, "errmsg": "code been used"}),
        _ => json!({"errcode": 40029, "errmsg": "invalid code"}),
    };
    // WeChat answers JSON as text/plain.
    HttpResponse::Ok()
        .content_type("text/plain")
        .body(body.to_string())
}

impl FakeWechat {
    pub fn start() -> FakeWechat {
        let log = Arc::new(Mutex::new(FakeWechatLog::default()));
        let data = web::Data::new(log.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/sns/jscode2session", web::get().to(code2session))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("bind fake wechat");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        FakeWechat {
            base: format!("http://127.0.0.1:{port}"),
            log,
            handle,
        }
    }
}

impl Drop for FakeWechat {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// The configuration every test server starts from.
pub fn test_config(db: &TestDb, wechat_base: &str) -> Config {
    let mut c = Config::defaults();
    c.bind = "127.0.0.1:0".into();
    c.database_url = Secret::new(db.url.clone());
    c.jwt_secret = Secret::new(JWT_SECRET);
    c.wechat_api_base = wechat_base.to_owned();
    c.wechat_appid = "wx-test-app".into();
    c.wechat_secret = Secret::new("wx-test-secret");
    c.wechat_timeout_ms = 1000;
    c.dev_login = true;
    c.seed_demo = Some(false);
    c.workers = 1;
    c.db_pool_size = 4;
    c.background_jobs = false;
    c
}

/// A running server over its own database.
pub struct TestApp {
    pub base: String,
    pub db: TestDb,
    pub wechat: FakeWechat,
    pub clock: Clock,
    pub state: linli::state::AppState,
    pub http: reqwest::Client,
    handle: actix_web::dev::ServerHandle,
}

/// An HTTP answer: status, headers and the body as JSON (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Res {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Assert the status and, for errors, the one error shape with this code.
    #[track_caller]
    pub fn expect(&self, status: u16, code: Option<&str>) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        if let Some(code) = code {
            assert_eq!(
                self.body["code"], code,
                "unexpected code; body: {}",
                self.text
            );
            assert!(
                self.body["message"].as_str().is_some_and(|m| !m.is_empty()),
                "no message: {}",
                self.text
            );
        }
        self
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let db = TestDb::new(backend);
        let wechat = FakeWechat::start();
        let mut config = test_config(&db, &wechat.base);
        tweak(&mut config);
        let clock = Clock::default();
        let app = Application::build_with_clock(config, clock.clone()).expect("build app");
        let base = format!("http://127.0.0.1:{}", app.port());
        let state = app.state().clone();
        let handle = app.handle();
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp {
            base,
            db,
            wechat,
            clock,
            state,
            http: reqwest::Client::new(),
            handle,
        }
    }

    /// Load the full demo data set (10,000 households) into this test's database.
    pub fn seed_demo(&self) {
        let mut conn = self.db.conn();
        linli::seed::demo(&mut conn, 1).expect("seed");
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Res {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Res {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Res {
        self.request(Method::GET, path, token, None, &[]).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Res {
        self.request(Method::POST, path, token, Some(body), &[])
            .await
    }

    /// Log in through the development login; returns the token response.
    pub async fn dev_login(&self, name: &str, role: &str) -> Value {
        let res = self
            .post(
                "/api/v1/auth/dev",
                None,
                json!({"openid": name, "role": role}),
            )
            .await;
        res.expect(200, None);
        res.body
    }

    /// An access token for a new user with the given role.
    pub async fn token(&self, name: &str, role: &str) -> String {
        self.dev_login(name, role).await["access_token"]
            .as_str()
            .expect("token")
            .to_owned()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// Run a test body once on MySQL and once on SQLite, as two tests.
#[macro_export]
macro_rules! on_both {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[actix_web::test]
            async fn mysql() {
                #[allow(unused_mut)]
                let mut $app =
                    $crate::support::TestApp::spawn($crate::support::Backend::Mysql).await;
                $body
            }
            #[actix_web::test]
            async fn sqlite() {
                #[allow(unused_mut)]
                let mut $app =
                    $crate::support::TestApp::spawn($crate::support::Backend::Sqlite).await;
                $body
            }
        }
    };
}

/// A server running as its own process (for races across processes).
pub struct ServerProcess {
    pub base: String,
    child: Child,
}

impl ServerProcess {
    pub fn start(db: &TestDb, envs: &[(&str, &str)]) -> ServerProcess {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().expect("addr").port()
        };
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_linli"));
        cmd.env("LINLI_BIND", format!("127.0.0.1:{port}"))
            .env("LINLI_DATABASE_URL", &db.url)
            .env("LINLI_JWT_SECRET", JWT_SECRET)
            .env("LINLI_DEV_LOGIN", "1")
            .env("LINLI_SEED_DEMO", "0")
            .env("LINLI_WORKERS", "2")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start linli");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "server process did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        ServerProcess { base, child }
    }
}

/// How many server processes the cross-process race tests run behind one database.
pub const PROCESSES: usize = 3;

impl ServerProcess {
    /// `n` server processes on one database, all with the same settings.
    pub fn start_many(db: &TestDb, envs: &[(&str, &str)], n: usize) -> Vec<ServerProcess> {
        (0..n).map(|_| ServerProcess::start(db, envs)).collect()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`: the process dies at once, mid-request, without cleaning up.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill(); // SIGKILL on Unix
        let _ = self.child.wait();
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Wait for the process to exit by itself; its exit code, or `None` on timeout.
    pub fn wait_exit(mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Charging helpers shared by the charging tests.
impl TestApp {
    /// A resident bound to the n-th demo household (1-based) through the card endpoint.
    pub async fn resident(&self, name: &str, card: usize) -> String {
        let token = self.token(name, "resident").await;
        let code = linli::places::seed::demo_check_codes(card)
            .pop()
            .expect("code");
        let number = linli::places::seed::card_number(card);
        self.post(
            "/api/v1/me/household",
            Some(&token),
            json!({"card_number": number, "check_code": code}),
        )
        .await
        .expect(200, None);
        token
    }

    /// One pass of the charging sweeper at the test clock's time.
    pub fn sweep(&self) -> usize {
        linli::charging::model::sweep(&mut self.db.conn(), self.clock.now_naive()).expect("sweep")
    }

    /// A grid-aligned time `minutes` after the current slot's start, as RFC 3339.
    pub fn slot_time(&self, minutes: i64) -> String {
        let now = self.clock.now_naive();
        let start = linli::charging::rules::slot_floor(now, chrono::Duration::minutes(30));
        (start + chrono::Duration::minutes(minutes))
            .and_utc()
            .to_rfc3339()
    }
}

/// What the receiver saw: each request's headers and body.
pub type Seen = Arc<Mutex<Vec<(HashMap<String, String>, String)>>>;

/// A webhook receiver the test starts: records every request; answers 500 while `failing`.
pub struct Receiver {
    pub url: String,
    pub port: u16,
    pub seen: Seen,
    pub failing: Arc<std::sync::atomic::AtomicBool>,
    handle: Option<actix_web::dev::ServerHandle>,
}

async fn receive(
    req: actix_web::HttpRequest,
    body: web::Bytes,
    seen: web::Data<Seen>,
    failing: web::Data<Arc<std::sync::atomic::AtomicBool>>,
) -> HttpResponse {
    if failing.load(std::sync::atomic::Ordering::SeqCst) {
        return HttpResponse::InternalServerError().finish();
    }
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    seen.lock()
        .unwrap()
        .push((headers, String::from_utf8_lossy(&body).into_owned()));
    HttpResponse::NoContent().finish()
}

impl Receiver {
    /// A receiver on a free port, not listening yet (so deliveries fail to connect).
    pub fn reserve() -> Receiver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks"),
            port,
            seen: Arc::default(),
            failing: Arc::default(),
            handle: None,
        }
    }

    /// Start listening.
    pub fn up(&mut self) {
        let (seen, failing) = (
            web::Data::new(self.seen.clone()),
            web::Data::new(self.failing.clone()),
        );
        let server = HttpServer::new(move || {
            App::new()
                .app_data(seen.clone())
                .app_data(failing.clone())
                .route("/hooks", web::post().to(receive))
        })
        .workers(1)
        .bind(("127.0.0.1", self.port))
        .expect("bind receiver")
        .run();
        self.handle = Some(server.handle());
        actix_web::rt::spawn(server);
    }

    pub fn start() -> Receiver {
        let mut r = Receiver::reserve();
        r.up();
        r
    }

    /// The webhook ids received, in order.
    pub fn ids(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|(h, _)| h.get("webhook-id").cloned().unwrap_or_default())
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            drop(h.stop(false));
        }
    }
}

/// Wait until `check` holds (polling), or panic after `secs`.
pub async fn eventually<F: FnMut() -> bool>(secs: u64, what: &str, mut check: F) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A MariaDB server of the test's own, on a free port with its data in a temporary folder, that
/// the test may kill (`kill -9`) and start again on the same data. Killed and removed on drop.
pub struct ThrowawayMariadb {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

fn mariadb_program(name: &str) -> std::path::PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] {
        let p = std::path::Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!(
        "this test needs MariaDB's `{name}` (in /usr/sbin or /usr/bin): install the \
         mariadb-server package (scripts/test does on a fresh machine)"
    );
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A free TCP port outside the kernel's range for outgoing connections, so no client socket
/// takes it while the server is down between a kill and a restart.
fn free_port_below_ephemeral() -> u16 {
    use rand::Rng;
    let mut rng = rand::rng();
    for _ in 0..200 {
        let port = rng.random_range(20_000..32_000);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port for MariaDB");
}

impl ThrowawayMariadb {
    /// Install a data folder (`mariadb-install-db`, root without a password over TCP) and start
    /// the server; returns once it answers.
    pub fn start() -> ThrowawayMariadb {
        let install = mariadb_program("mariadb-install-db");
        let dir = tempfile::Builder::new()
            .prefix("linli-mariadb-")
            .tempdir()
            .expect("temp dir");
        let mut cmd = Command::new(install);
        cmd.arg("--no-defaults")
            .arg("--auth-root-authentication-method=normal")
            .arg(format!("--datadir={}", dir.path().join("data").display()))
            .arg("--skip-test-db")
            .arg("--innodb-log-file-size=8M");
        if running_as_root() {
            cmd.arg("--user=root");
        }
        let out = cmd.output().expect("run mariadb-install-db");
        assert!(
            out.status.success(),
            "mariadb-install-db failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut db = ThrowawayMariadb {
            port: free_port_below_ephemeral(),
            dir,
            child: None,
        };
        db.start_again();
        db
    }

    /// `mysql://root@127.0.0.1:<port>`, without a database.
    pub fn base_url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}", self.port)
    }

    /// Start the server on the existing data (after [`ThrowawayMariadb::kill`]); returns once
    /// it answers.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "MariaDB is already running");
        let d = self.dir.path();
        let mut cmd = Command::new(mariadb_program("mariadbd"));
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", d.join("data").display()))
            .arg(format!("--port={}", self.port))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--socket={}", d.join("mariadb.sock").display()))
            .arg(format!("--pid-file={}", d.join("mariadb.pid").display()))
            .arg(format!("--log-error={}", d.join("error.log").display()))
            .arg("--skip-log-bin")
            .arg("--innodb-log-file-size=8M")
            .arg("--innodb-buffer-pool-size=32M")
            .arg("--max-connections=300")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if running_as_root() {
            cmd.arg("--user=root");
        }
        let mut child = cmd.spawn().expect("start mariadbd");
        let url = format!("{}/mysql", self.base_url());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if MysqlConnection::establish(&url).is_ok() {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(d.join("error.log")).unwrap_or_default();
                panic!("mariadbd exited with {status}: {log}");
            }
            assert!(Instant::now() < deadline, "mariadbd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child = Some(child);
    }

    /// `kill -9` the server: connections break mid-query, nothing is flushed politely.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for ThrowawayMariadb {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Log in through the development login on a server process: (access token, user id).
pub async fn dev_login_at(
    http: &reqwest::Client,
    base: &str,
    openid: &str,
    role: &str,
) -> (String, i64) {
    let v: Value = http
        .post(format!("{base}/api/v1/auth/dev"))
        .json(&json!({"openid": openid, "role": role}))
        .send()
        .await
        .expect("dev login")
        .json()
        .await
        .expect("dev login answer");
    (
        v["access_token"].as_str().expect("token").to_owned(),
        v["user"]["id"].as_i64().expect("user id"),
    )
}

/// A resident of the given household (bound directly in the database): (token, user id).
pub async fn resident_at(
    db: &TestDb,
    http: &reqwest::Client,
    base: &str,
    openid: &str,
    household: i64,
) -> (String, i64) {
    let (token, uid) = dev_login_at(http, base, openid, "resident").await;
    use linli::db::schema::users;
    diesel::update(users::table.filter(users::id.eq(uid)))
        .set(users::household_id.eq(Some(household)))
        .execute(&mut db.conn())
        .expect("bind household");
    (token, uid)
}

/// A property firm serving `compounds`, with a webhook subscription for `events` to `url`,
/// set up through a server process. Returns the subscription id.
pub async fn partner_with_webhook(
    http: &reqwest::Client,
    base: &str,
    name: &str,
    compounds: &[i64],
    events: &[&str],
    url: &str,
) -> i64 {
    let (staff, _) = dev_login_at(http, base, &format!("{name}-staff"), "staff").await;
    let post = |path: String, token: Option<String>, body: Value| {
        let http = http.clone();
        async move {
            let mut req = http.post(path).json(&body);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let r = req.send().await.expect("partner set-up");
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            assert!((200..300).contains(&status), "partner set-up: {status} {v}");
            v
        }
    };
    let partner = post(
        format!("{base}/api/v1/partners"),
        Some(staff.clone()),
        json!({"name": name, "compound_ids": compounds}),
    )
    .await;
    let creds = post(
        format!("{base}/api/v1/partners/{}/clients", partner["id"]),
        Some(staff),
        json!({"name": "hooks", "scopes": ["webhooks:manage"]}),
    )
    .await;
    let token = post(
        format!("{base}/api/v1/partner/token"),
        None,
        json!({"client_id": creds["client_id"], "client_secret": creds["client_secret"]}),
    )
    .await;
    let sub = post(
        format!("{base}/api/v1/partner/webhooks"),
        token["access_token"].as_str().map(str::to_owned),
        json!({"url": url, "events": events}),
    )
    .await;
    sub["id"].as_i64().expect("subscription id")
}
