//! [`TestApp`]: the real server, started in the test's own runtime on a free port over the
//! test's own database, and the requests and logins the tests make against it.

use linli::clock::Clock;
use linli::config::{Config, Secret};
use linli::Application;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::{Backend, FakeWechat, TestDb};

/// The signing secret of every test server (in-process and [`super::ServerProcess`]), so a
/// test can forge tokens against it.
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// The test servers' personal-data keys (version 1, a second for rotation, the index key).
pub const PII_KEY_1: &str = "1:dGVzdC1waWkta2V5LW9uZS10ZXN0LXBpaS1rZXktb24=";
pub const PII_KEY_2: &str = "2:dGVzdC1waWkta2V5LXR3by10ZXN0LXBpaS1rZXktdHc=";
pub const PII_INDEX_KEY: &str = "dGVzdC1waWktaW5kZXgta2V5LXRlc3QtcGlpLWluZGU=";

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
    c.extra_ca_file = Some(super::extra_ca_file().to_owned());
    c.dev_login = true;
    c.pii_key = Secret::new(PII_KEY_1);
    c.pii_index_key = Secret::new(PII_INDEX_KEY);
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
        Self::spawn_with_wechat(backend, FakeWechat::start(), tweak).await
    }

    /// A server whose logins go to the given fake WeChat.
    pub async fn spawn_with_wechat(
        backend: Backend,
        wechat: FakeWechat,
        tweak: impl FnOnce(&mut Config),
    ) -> TestApp {
        let db = TestDb::new(backend);
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
            http: crate::support::http_client(),
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

    /// A resident bound to the n-th demo household (1-based): asks with the card, and a staff
    /// member approves the request as a member.
    pub async fn resident(&self, name: &str, card: usize) -> String {
        let token = self.token(name, "resident").await;
        let code = linli::places::seed::demo_check_codes(card)
            .pop()
            .expect("code");
        let number = linli::places::seed::card_number(card);
        self.bind_and_approve(&token, &number, &code).await;
        token
    }

    /// Ask to join a household with its card (202, pending) and have a staff member approve
    /// the request as a member; returns `GET /me` afterwards.
    pub async fn bind_and_approve(&self, token: &str, number: &str, code: &str) -> Value {
        let asked = self
            .post(
                "/api/v1/me/household",
                Some(token),
                json!({"card_number": number, "check_code": code}),
            )
            .await;
        asked.expect(202, None);
        let membership = &asked.body["membership"];
        if membership["status"] == "pending" {
            let staff = self.token("membership-approver", "staff").await;
            self.post(
                &format!(
                    "/api/v1/households/{}/members/{}/approve",
                    membership["household_id"], membership["id"]
                ),
                Some(&staff),
                json!({}),
            )
            .await
            .expect(200, None);
        }
        let me = self.get("/api/v1/me", Some(token)).await;
        me.expect(200, None);
        me.body
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}
