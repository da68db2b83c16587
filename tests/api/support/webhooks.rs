//! [`Receiver`]: a webhook receiver the test starts, that records every request and can be
//! down (not listening), failing (answering 500) or redirecting on purpose. It speaks HTTPS
//! with a certificate from the test CA (or, for [`Receiver::untrusted`], from a CA no server
//! trusts).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};

use super::{trusted_ca, untrusted_ca, TestCa};

/// What the receiver saw: each request's headers and body.
pub type Seen = Arc<Mutex<Vec<(HashMap<String, String>, String)>>>;

/// Where a redirecting receiver sends its callers (307), if anywhere.
type RedirectTo = Arc<Mutex<Option<String>>>;

/// Events the receiver fails on purpose: for each event type, how many first tries of each
/// event of that type it answers 500 (`fail_first_of`), and the tries so far per `webhook-id`.
#[derive(Clone, Default)]
pub struct FailFirst {
    pub of_type: Arc<Mutex<HashMap<String, usize>>>,
    tries: Arc<Mutex<HashMap<String, usize>>>,
}

impl FailFirst {
    /// Whether this try of this event is one to fail.
    fn fails(&self, id: &str, body: &[u8]) -> bool {
        let kind = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["type"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let Some(&n) = self.of_type.lock().unwrap().get(&kind) else {
            return false;
        };
        let mut tries = self.tries.lock().unwrap();
        let t = tries.entry(id.to_owned()).or_default();
        *t += 1;
        *t <= n
    }
}

/// The receiver; answers 500 while `failing`, 307 while `redirect_to` is set, stops on drop.
pub struct Receiver {
    pub url: String,
    pub port: u16,
    pub seen: Seen,
    pub failing: Arc<AtomicBool>,
    pub redirect_to: RedirectTo,
    /// Events whose first tries fail (see [`FailFirst`]).
    pub fail_first: FailFirst,
    ca: &'static TestCa,
    handle: Option<actix_web::dev::ServerHandle>,
}

async fn receive(
    req: actix_web::HttpRequest,
    body: web::Bytes,
    seen: web::Data<Seen>,
    failing: web::Data<Arc<AtomicBool>>,
    redirect_to: web::Data<RedirectTo>,
    fail_first: web::Data<FailFirst>,
) -> HttpResponse {
    if failing.load(Ordering::SeqCst) {
        return HttpResponse::InternalServerError().finish();
    }
    let id = req
        .headers()
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if fail_first.fails(id, &body) {
        return HttpResponse::InternalServerError().finish();
    }
    if let Some(to) = redirect_to.lock().unwrap().clone() {
        return HttpResponse::TemporaryRedirect()
            .insert_header(("location", to))
            .finish();
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
        Self::reserve_with(trusted_ca())
    }

    fn reserve_with(ca: &'static TestCa) -> Receiver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Receiver {
            url: format!("https://127.0.0.1:{port}/hooks"),
            port,
            seen: Arc::default(),
            failing: Arc::default(),
            redirect_to: Arc::default(),
            fail_first: FailFirst::default(),
            ca,
            handle: None,
        }
    }

    /// Start listening.
    pub fn up(&mut self) {
        let (seen, failing, redirect_to, fail_first) = (
            web::Data::new(self.seen.clone()),
            web::Data::new(self.failing.clone()),
            web::Data::new(self.redirect_to.clone()),
            web::Data::new(self.fail_first.clone()),
        );
        let server = HttpServer::new(move || {
            App::new()
                .app_data(seen.clone())
                .app_data(failing.clone())
                .app_data(redirect_to.clone())
                .app_data(fail_first.clone())
                .route("/hooks", web::post().to(receive))
        })
        .workers(1)
        .bind_rustls_0_23(("127.0.0.1", self.port), self.ca.server_config())
        .expect("bind receiver")
        .run();
        self.handle = Some(server.handle());
        actix_web::rt::spawn(server);
    }

    /// A receiver listening at once.
    pub fn start() -> Receiver {
        let mut r = Receiver::reserve();
        r.up();
        r
    }

    /// A receiver listening at once, with a certificate no test server trusts.
    pub fn untrusted() -> Receiver {
        let mut r = Receiver::reserve_with(untrusted_ca());
        r.up();
        r
    }

    /// The bodies received (answered 2xx), in order, as JSON.
    pub fn bodies(&self) -> Vec<serde_json::Value> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| serde_json::from_str(b).unwrap())
            .collect()
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
