//! A local stand-in for WeChat's `jscode2session`, `cgi-bin/stable_token` and
//! `cgi-bin/message/subscribe/send`, so logins and subscription messages never leave the
//! machine and every WeChat answer (errors, garbage, slowness) can be provoked on purpose. It speaks HTTPS, as
//! WeChat does, with a certificate from the test CA ([`super::trusted_ca`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::json;

/// What the fake WeChat server saw.
#[derive(Default)]
pub struct FakeWechatLog {
    pub requests: Vec<HashMap<String, String>>,
    pub used_codes: Vec<String>,
    /// Bodies of the `stable_token` calls.
    pub token_calls: Vec<serde_json::Value>,
    /// Generation of the token in force (`fake-token-<n>`); [`FakeWechat::rotate_token`]
    /// moves it on (the old one then answers 40001).
    pub token_generation: u32,
    /// Every send request: its body plus the `access_token` used (`"_token"`) and the errcode
    /// answered (`"_errcode"`).
    pub sends: Vec<serde_json::Value>,
    /// Errcodes the next sends answer with, in order (then the normal checks apply).
    pub send_script: VecDeque<i64>,
}

impl FakeWechatLog {
    fn token(&self) -> String {
        format!("fake-token-{}", self.token_generation)
    }

    /// The sends WeChat accepted.
    pub fn delivered(&self) -> Vec<&serde_json::Value> {
        self.sends.iter().filter(|s| s["_errcode"] == 0).collect()
    }
}

async fn stable_token(
    body: web::Json<serde_json::Value>,
    log: web::Data<Arc<Mutex<FakeWechatLog>>>,
) -> HttpResponse {
    let mut log = log.lock().unwrap();
    log.token_calls.push(body.0.clone());
    if body["grant_type"] != "client_credential"
        || body["appid"] != "wx-test-app"
        || body["secret"] != "wx-test-secret"
    {
        return HttpResponse::Ok().json(json!({"errcode": 40013, "errmsg": "invalid appid"}));
    }
    if body["force_refresh"] == true {
        log.token_generation += 1;
    }
    // Normal mode: the token in force, whoever asks.
    HttpResponse::Ok().json(json!({"access_token": log.token(), "expires_in": 7200}))
}

/// WeChat's value rules (the ones Linli's templates use), as `47003` answers them.
fn value_error(key: &str, value: &str) -> bool {
    let ty = key.trim_end_matches(|c: char| c.is_ascii_digit());
    let n = value.chars().count();
    value.is_empty()
        || value.chars().any(char::is_control)
        || match ty {
            "thing" => n > 20,
            "phrase" | "symbol" => n > 5,
            "character_string" => n > 32 || !value.chars().all(|c| c.is_ascii_graphic()),
            "time" | "date" => n > 32,
            _ => n > 20,
        }
}

async fn subscribe_send(
    query: web::Query<HashMap<String, String>>,
    body: web::Json<serde_json::Value>,
    log: web::Data<Arc<Mutex<FakeWechatLog>>>,
) -> HttpResponse {
    let mut log = log.lock().unwrap();
    let token = query.get("access_token").cloned().unwrap_or_default();
    let bad_value = body["data"].as_object().is_none_or(|d| {
        d.is_empty()
            || d.iter()
                .any(|(k, v)| v["value"].as_str().is_none_or(|s| value_error(k, s)))
    });
    let scripted = log.send_script.pop_front();
    if scripted == Some(500) {
        log.sends.push(json!({"_errcode": "http500"}));
        return HttpResponse::InternalServerError().finish();
    }
    let errcode = if let Some(code) = scripted {
        code
    } else if token != log.token() {
        40001
    } else if body["touser"].as_str().is_none_or(str::is_empty) {
        40003
    } else if body["template_id"]
        .as_str()
        .is_none_or(|t| !t.starts_with("tmpl-"))
    {
        40037
    } else if bad_value {
        47003
    } else {
        0
    };
    let mut seen = body.0.clone();
    seen["_token"] = json!(token);
    seen["_errcode"] = json!(errcode);
    log.sends.push(seen);
    HttpResponse::Ok().content_type("text/plain").body(
        json!({"errcode": errcode, "errmsg": if errcode == 0 { "ok" } else { "refused" }})
            .to_string(),
    )
}

/// The fake server. Codes: `ok-<openid>` → that openid (single use, like WeChat's),
/// `invalid` → 40029, `ratelimit` → 45011, `busy` → -1, `slow` → answers after 3 s,
/// `garbage` → not JSON, `http500` → HTTP 500.
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
    /// A fake WeChat with a certificate the test servers trust.
    pub fn start() -> FakeWechat {
        Self::start_with(super::trusted_ca())
    }

    /// A fake WeChat whose certificate comes from a CA no test server trusts.
    pub fn start_untrusted() -> FakeWechat {
        Self::start_with(super::untrusted_ca())
    }

    fn start_with(ca: &super::TestCa) -> FakeWechat {
        let log = Arc::new(Mutex::new(FakeWechatLog::default()));
        let data = web::Data::new(log.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/sns/jscode2session", web::get().to(code2session))
                .route("/cgi-bin/stable_token", web::post().to(stable_token))
                .route(
                    "/cgi-bin/message/subscribe/send",
                    web::post().to(subscribe_send),
                )
        })
        .workers(1)
        .bind_rustls_0_23("127.0.0.1:0", ca.server_config())
        .expect("bind fake wechat");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        FakeWechat {
            base: format!("https://127.0.0.1:{port}"),
            log,
            handle,
        }
    }
}

impl FakeWechat {
    /// The next sends answer these errcodes, in order (500: an HTTP 500 instead).
    pub fn script_sends(&self, codes: &[i64]) {
        self.log.lock().unwrap().send_script.extend(codes);
    }

    /// WeChat renews the token (the old one answers 40001 from now on).
    pub fn rotate_token(&self) {
        self.log.lock().unwrap().token_generation += 1;
    }
}

impl Drop for FakeWechat {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}
