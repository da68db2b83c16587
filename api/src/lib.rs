//! Linli (邻里): the back end of a county town's neighbourhood services.
//!
//! `Application::build` is shared by `main` and the tests: it opens the database, applies the
//! migrations, loads demo data when asked, and binds the HTTP server.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod auth;
pub mod calendar;
pub mod cards;
pub mod charging;
pub mod clock;
pub mod config;
pub mod csv_export;
pub mod db;
pub mod devices;
pub mod directory;
pub mod error;
pub mod events;
pub mod guesses;
pub mod households;
pub mod http;
pub mod jobs;
pub mod limits;
pub mod me;
pub mod notifications;
pub mod openapi;
pub mod ops;
pub mod outbound;
pub mod partners;
pub mod pii;
pub mod places;
pub mod prices;
pub mod printing;
#[cfg(test)]
mod proptests;
pub mod seed;
pub mod state;
pub mod text;
pub mod volunteering;
pub mod webapp;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServiceFactory, ServiceRequest};
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpResponse, HttpServer};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::jwt::JwtKeys;
use crate::clock::Clock;
use crate::config::Config;
use crate::state::AppState;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("database: {0}")]
    Database(String),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("outbound HTTPS: {0}")]
    Outbound(#[from] outbound::OutboundError),
}

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

/// Open the pool, apply migrations, seed the demo set when configured.
pub fn prepare_database(config: &Config) -> Result<db::Pool, StartError> {
    prepare_watched_database(config, db::DbHealth::default())
}

/// [`prepare_database`], reporting the database's reachability to `health`.
pub fn prepare_watched_database(
    config: &Config,
    health: db::DbHealth,
) -> Result<db::Pool, StartError> {
    let pool = db::build_watched_pool(config, health)?;
    let mut conn = pool
        .get()
        .map_err(|e| StartError::Database(format!("cannot connect: {e}")))?;
    let applied = db::run_migrations(&mut conn).map_err(StartError::Database)?;
    for m in &applied {
        tracing::info!(migration = %m, "applied migration");
    }
    notifications::wechat::load_templates(&mut conn, config, chrono::Utc::now().naive_utc())
        .map_err(|e| StartError::Config(config::ConfigError::Invalid(e)))?;
    if config.should_seed_demo() {
        for line in seed::demo(&mut conn, 1).map_err(|e| StartError::Database(e.to_string()))? {
            tracing::info!("{line}");
        }
    }
    Ok(pool)
}

impl Application {
    /// Build the application from a finalized configuration.
    pub fn build(config: Config) -> Result<Self, StartError> {
        Self::build_with_clock(config, Clock::default())
    }

    /// Build with a given clock (tests move it forward).
    pub fn build_with_clock(config: Config, clock: Clock) -> Result<Self, StartError> {
        let outbound = Arc::new(outbound::Outbound::new(&config)?);
        let db_health = db::DbHealth::default();
        let pool = prepare_watched_database(&config, db_health.clone())?;
        let limits = limits::Limits::from_config(&config)
            .map_err(|e| StartError::Config(config::ConfigError::Invalid(e)))?;
        let jwt = JwtKeys::new(&config).map_err(|e| {
            StartError::Config(config::ConfigError::Invalid(format!(
                "LINLI_JWT_SECRET: {e}"
            )))
        })?;
        let pii = config
            .pii_keys()
            .map_err(|e| StartError::Config(config::ConfigError::Invalid(e)))?;
        let cards = cards::Cards::default();
        let state = AppState {
            pii: Arc::new(pii),
            jwt: Arc::new(jwt),
            pool,
            db_health,
            outbound,
            clock,
            directory: Arc::default(),
            cards,
            charging: charging::Charging::default(),
            auth: Arc::new(auth::current::AuthCache::new(config.auth_cache_ms)),
            config: Arc::new(config),
            limits: Arc::new(limits),
        };
        let listener =
            TcpListener::bind(&state.config.bind).map_err(|source| StartError::Bind {
                addr: state.config.bind.clone(),
                source,
            })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let workers = match state.config.workers {
            0 => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            n => n,
        };
        let app_state = state.clone();
        let request_timeout = state.config.request_timeout_secs;
        let server = HttpServer::new(move || {
            let dev_login = app_state.config.dev_login;
            let (app, doc) = with_api(App::new(), dev_login);
            let mut methods = http::methods::MethodTable::from_openapi(&doc);
            if !dev_login {
                methods = methods.without("/api/v1/auth/dev");
            }
            app.app_data(web::Data::new(app_state.clone()))
                .configure(|cfg| site(cfg, doc))
                .default_service(web::to(move |req: actix_web::HttpRequest| {
                    let res = methods.unrouted(&req);
                    async move { res }
                }))
                .wrap(from_fn(http::head::head_as_get))
                .wrap(Compress::default())
                .wrap(from_fn(http::observe))
        })
        .workers(workers)
        // A request's head must arrive within the request timeout (else actix answers 408
        // and closes); its body within the same time (`http::extract::read_body`); a closing
        // connection gets a second to go.
        .client_request_timeout(std::time::Duration::from_secs(request_timeout))
        .client_disconnect_timeout(std::time::Duration::from_secs(1))
        .shutdown_timeout(state.config.shutdown_grace_secs)
        .disable_signals()
        .listen(listener)
        .map_err(|source| StartError::Bind {
            addr: state.config.bind.clone(),
            source,
        })?
        .run();
        Ok(Application {
            port,
            server,
            state,
        })
    }

    /// What a newcomer needs to bind a card in the demo without reading the database: one
    /// card's number and check code, and the app link its QR code carries. Only when the
    /// development login is on (never in production, which refuses it); `None` otherwise or
    /// when there is no active card. The caller prints it to the terminal, never to the log.
    pub fn demo_card_hint(&self) -> Option<String> {
        if !self.state.config.dev_login {
            return None;
        }
        let mut conn = self.state.pool.get().ok()?;
        let (number, code) = cards::model::card::first_active_card(&mut conn).ok()??;
        let link = printing::qr::card_payload(&self.state.config.public_base_url, &number, &code);
        Some(format!(
            "试用 (demo): 服务卡号 {number}，校验码 {code}；在 App 的“绑定我家”输入，或打开 {link}"
        ))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle to stop the server (tests stop theirs when they end).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serve until SIGTERM/SIGINT or [`handle`](Self::handle)'s stop, running the background
    /// jobs when configured, and `GET /metrics` on `LINLI_METRICS_BIND` when set.
    ///
    /// On SIGTERM/SIGINT: stop accepting connections, let requests in flight finish and the
    /// webhook worker finish the attempts under way, both within `LINLI_SHUTDOWN_GRACE_SECS`;
    /// deliveries still claimed then are handed back for another process. Then return.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let state = self.state;
        // Not background jobs: every serving process keeps its own caches current.
        directory::cache::spawn_refresher(state.clone());
        cards::cache::spawn_preloader(state.clone());
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let worker = partners::webhooks::worker::worker_name();
        let mut webhooks = None;
        if state.config.background_jobs {
            jobs::spawn_all(state.clone());
            notifications::wechat::worker::spawn_worker(
                state.clone(),
                worker.clone(),
                stop_rx.clone(),
            );
            webhooks = Some(partners::webhooks::spawn_worker(
                state.clone(),
                worker.clone(),
                stop_rx,
            ));
        }
        let metrics = ops::metrics::serve(&state)?;
        let metrics_handle = metrics.as_ref().map(|m| m.handle());
        if let Some(m) = metrics {
            actix_web::rt::spawn(m);
        }
        let api = self.server.handle();
        let mut serving = actix_web::rt::spawn(self.server);
        let result = tokio::select! {
            served = &mut serving => served,
            signal = shutdown_signal() => {
                tracing::info!(signal, "stopping: finishing requests in flight");
                let _ = stop_tx.send(true);
                api.stop(true).await;
                serving.await
            }
        };
        let _ = stop_tx.send(true);
        let grace = std::time::Duration::from_secs(state.config.shutdown_grace_secs);
        if let Some(w) = webhooks {
            if tokio::time::timeout(grace, w).await.is_err() {
                match partners::webhooks::worker::hand_back(&state, &worker).await {
                    Ok(n) => tracing::warn!(handed_back = n, "webhook attempts cut short"),
                    Err(e) => tracing::warn!(error = %e, "webhook claims left to expire"),
                }
            }
        }
        if let Some(m) = metrics_handle {
            m.stop(false).await;
        }
        tracing::info!("stopped");
        result.map_err(std::io::Error::other)?
    }
}

/// The first SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        },
        _ => {
            tracing::warn!("no signal handlers: stop with the server handle only");
            std::future::pending().await
        }
    }
}

/// The API's routes on `app` and the OpenAPI document they declare, built together: each
/// handler's `#[utoipa::path]` registers it in the router and in the document. The server and
/// `linli openapi` ([`openapi::document`]) both build the document here.
pub fn with_api<T>(app: App<T>, dev_login: bool) -> (App<T>, utoipa::openapi::OpenApi)
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    let (app, mut doc) = app
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(|cfg| routes(cfg, dev_login))
        .split_for_parts();
    openapi::Conventions.modify(&mut doc);
    (app, doc)
}

/// Every route of the API, each area's in one place (its `routes`). The registration order is
/// the order of the document's paths; routing does not depend on it, as no two routes of one
/// method take the same path (checked by a test in `http::methods`).
fn routes(cfg: &mut ServiceConfig, dev_login: bool) {
    cfg.service(ops::healthz).service(ops::readyz).service(
        scope("/api/v1")
            .wrap(from_fn(http::idempotency::idempotency))
            .configure(|c| auth::routes(c, dev_login))
            .configure(me::routes)
            .configure(households::routes)
            .configure(pii::routes)
            .configure(places::routes)
            .configure(notifications::routes)
            .configure(charging::routes)
            .configure(devices::routes)
            .configure(prices::routes)
            .configure(partners::routes)
            .configure(cards::routes)
            .configure(directory::routes)
            .configure(volunteering::routes)
            .configure(calendar::routes)
            .configure(printing::routes),
    );
}

/// What is served besides the API: the resident web app and the interactive docs of `doc`.
fn site(cfg: &mut web::ServiceConfig, doc: utoipa::openapi::OpenApi) {
    cfg.configure(webapp::routes)
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("Location", "/docs/"))
                    .finish()
            }),
        )
        .service(SwaggerUi::new("/docs/{_:.*}").url(
            "/api/openapi.json",
            openapi::with_future_examples(doc, chrono::Utc::now().date_naive()),
        ));
}
