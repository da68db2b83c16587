//! A local stand-in for WeChat's `jscode2session`, so logins never leave the machine and every
//! WeChat answer (errors, garbage, slowness) can be provoked on purpose. It speaks HTTPS, as
//! WeChat does, with a certificate from the test CA ([`super::trusted_ca`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::json;

/// What the fake WeChat server saw.
#[derive(Default)]
pub struct FakeWechatLog {
    pub requests: Vec<HashMap<String, String>>,
    pub used_codes: Vec<String>,
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

impl Drop for FakeWechat {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}
