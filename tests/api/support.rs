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

fn admin_conn() -> MysqlConnection {
    let url = format!("{}/mysql", mysql_base_url());
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
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Mysql => {
                static SWEEP: Once = Once::new();
                let mut conn = admin_conn();
                SWEEP.call_once(|| sweep_leftovers(&mut conn));
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
                    backend,
                    url: format!("{}/{name}", mysql_base_url()),
                    mysql_name: Some(name),
                    _dir: None,
                }
            }
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("linli.db").display());
                TestDb {
                    backend,
                    url,
                    mysql_name: None,
                    _dir: Some(dir),
                }
            }
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
            let mut conn = admin_conn();
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS `{name}`")).execute(&mut conn);
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

impl ServerProcess {
    pub fn pid(&self) -> u32 {
        self.child.id()
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
