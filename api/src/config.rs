//! One typed configuration, read from `LINLI_*` environment variables (and the command line).
//!
//! Defaults make a first run work on a laptop: bind 127.0.0.1:8080, an embedded SQLite file in
//! `data/`. In production mode missing secrets are a start-up error. Secrets are wrapped in
//! [`Secret`], whose `Debug` never prints the value, so they cannot leak into logs.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};
use rand::Rng;

/// A value that must never be printed: `Debug`/`Display` show `***`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "<unset>" } else { "***" })
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

/// Deployment mode: development allows conveniences (generated JWT secret, dev login).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

/// Whether write transactions on MySQL check, before `COMMIT`, that the server still holds
/// them (see `db::transaction`): `auto` on a Galera node, `on` everywhere, `off` never.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TxGuard {
    Auto,
    On,
    Off,
}

/// Every setting of the server. Built by clap from flags or `LINLI_*` variables.
#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Deployment mode. In production, missing secrets stop the server at start-up.
    #[arg(
        long = "env",
        env = "LINLI_ENV",
        value_enum,
        default_value = "development"
    )]
    pub environment: Environment,

    /// Address and port the HTTP server listens on (port 0 picks a free port).
    #[arg(long, env = "LINLI_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Database URL: `sqlite://path/to/file.db` (embedded) or `mysql://user:pass@host:port/db`.
    #[arg(
        long,
        env = "LINLI_DATABASE_URL",
        default_value = "sqlite://data/linli.db",
        hide_env_values = true
    )]
    pub database_url: Secret,

    /// Connections kept in the database pool.
    #[arg(long, env = "LINLI_DB_POOL_SIZE", default_value_t = 6)]
    pub db_pool_size: u32,

    /// How long a request waits for a pooled connection before answering 503, in milliseconds.
    #[arg(long, env = "LINLI_DB_TIMEOUT_MS", default_value_t = 2000)]
    pub db_timeout_ms: u64,

    /// MySQL: how long opening a connection may take, in seconds (the client's connect timeout).
    #[arg(long, env = "LINLI_DB_CONNECT_TIMEOUT_SECS", default_value_t = 5)]
    pub db_connect_timeout_secs: u32,

    /// MySQL: how long the client waits for the server's answer to one statement, and for a
    /// write to the server to go through, in seconds. A connection whose server never answers
    /// (a transaction killed by a replicated write, a dropped network) fails after this and is
    /// discarded instead of hanging the request.
    #[arg(long, env = "LINLI_DB_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub db_read_timeout_secs: u32,

    /// How long a transaction refused by a transient conflict (deadlock, lock wait timeout,
    /// Galera certification conflict, a node not yet ready) is tried again, in milliseconds,
    /// with jittered backoff. Beyond it the request answers 503 with `Retry-After`.
    #[arg(long, env = "LINLI_DB_RETRY_MS", default_value_t = 5000)]
    pub db_retry_ms: u64,

    /// Whether each write transaction on MySQL proves, just before `COMMIT`, that it is still
    /// the transaction it began (a marker row in a session-local table): `auto` (on a Galera
    /// node, where a transaction aborted by a replicated write can go unreported), `on`, `off`.
    #[arg(long, env = "LINLI_DB_TX_GUARD", value_enum, default_value = "auto")]
    pub db_tx_guard: TxGuard,

    /// Folder for local state: the SQLite file and the generated development JWT secret.
    #[arg(long, env = "LINLI_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// HS256 secret for access tokens (at least 32 bytes). Required in production; in
    /// development one is generated once and kept in the data folder.
    #[arg(
        long,
        env = "LINLI_JWT_SECRET",
        default_value = "",
        hide_env_values = true,
        hide_default_value = true
    )]
    pub jwt_secret: Secret,

    /// Issuer (`iss`) and audience (`aud`) written into and required of access tokens.
    #[arg(long, env = "LINLI_JWT_ISSUER", default_value = "linli")]
    pub jwt_issuer: String,

    /// Audience of resident/staff access tokens.
    #[arg(long, env = "LINLI_JWT_AUDIENCE", default_value = "linli-api")]
    pub jwt_audience: String,

    /// Access token lifetime in seconds.
    #[arg(long, env = "LINLI_ACCESS_TTL_SECS", default_value_t = 900)]
    pub access_ttl_secs: i64,

    /// Refresh token lifetime in days.
    #[arg(long, env = "LINLI_REFRESH_TTL_DAYS", default_value_t = 30)]
    pub refresh_ttl_days: i64,

    /// Base URL of the WeChat-style API that exchanges login codes (`/sns/jscode2session`).
    #[arg(
        long,
        env = "LINLI_WECHAT_API_BASE",
        default_value = "https://api.weixin.qq.com"
    )]
    pub wechat_api_base: String,

    /// Mini-program app id used in the code exchange. Required in production.
    #[arg(long, env = "LINLI_WECHAT_APPID", default_value = "")]
    pub wechat_appid: String,

    /// Mini-program app secret used in the code exchange. Required in production.
    #[arg(
        long,
        env = "LINLI_WECHAT_SECRET",
        default_value = "",
        hide_env_values = true,
        hide_default_value = true
    )]
    pub wechat_secret: Secret,

    /// Timeout of the outbound code exchange, in milliseconds.
    #[arg(long, env = "LINLI_WECHAT_TIMEOUT_MS", default_value_t = 5000)]
    pub wechat_timeout_ms: u64,

    /// The current key of personal data (phone numbers): `VERSION:BASE64`, VERSION 1 to 255
    /// and 32 key bytes in standard Base64 (a bare key is version 1). Required in production;
    /// without it a public development key is used, only when the development login is on.
    #[arg(
        long,
        env = "LINLI_PII_KEY",
        default_value = "",
        hide_env_values = true,
        hide_default_value = true
    )]
    pub pii_key: Secret,

    /// Former personal-data keys, `VERSION:BASE64` comma-separated: kept to read rows the key
    /// rotation (`linli rotate-pii-key`) has not re-encrypted yet.
    #[arg(
        long,
        env = "LINLI_PII_KEYS",
        default_value = "",
        hide_env_values = true,
        hide_default_value = true
    )]
    pub pii_old_keys: Secret,

    /// Key of the phone numbers' blind index (HMAC-SHA256; 32 bytes in standard Base64),
    /// separate from the encryption keys and not rotated with them. Required in production.
    #[arg(
        long,
        env = "LINLI_PII_INDEX_KEY",
        default_value = "",
        hide_env_values = true,
        hide_default_value = true
    )]
    pub pii_index_key: Secret,
    /// WeChat subscription-message templates per notification kind: a JSON object, or the path
    /// of a file holding one, e.g. `{"booking.reminder": {"template_id": "…", "page":
    /// "pages/bookings/index", "fields": {"thing1": "title", "time2": "data.starts_at"},
    /// "drop_after": "starts_at"}}`. Written into `wechat_templates` at start-up; kinds
    /// without a template go to the in-app inbox only.
    #[arg(long, env = "LINLI_WECHAT_TEMPLATES")]
    pub wechat_templates: Option<String>,

    /// `miniprogram_state` of subscription messages: `formal`, `trial` or `developer`.
    #[arg(long, env = "LINLI_WECHAT_MESSAGE_STATE", default_value = "formal")]
    pub wechat_message_state: String,

    /// Most subscription-message grants kept per resident and template (each accept adds one).
    #[arg(long, env = "LINLI_WECHAT_GRANT_CAP", default_value_t = 20)]
    pub wechat_grant_cap: i32,

    /// How often the subscription-message worker looks for messages to send, in milliseconds.
    #[arg(long, env = "LINLI_WECHAT_MESSAGE_POLL_MS", default_value_t = 1000)]
    pub wechat_message_poll_ms: u64,

    /// Multiplies the subscription-message retry delays after network errors (5 s, 30 s,
    /// 2 min, 10 min, 30 min); tests shorten them.
    #[arg(long, env = "LINLI_WECHAT_RETRY_SCALE", default_value_t = 1.0)]
    pub wechat_retry_scale: f64,

    /// Enable `POST /api/v1/auth/dev` (log in as any user without WeChat). Development only.
    #[arg(long, env = "LINLI_DEV_LOGIN", default_value = "0", value_parser = parse_flag)]
    pub dev_login: bool,

    /// Load the demo data set on start-up when the database is empty. Defaults to on for the
    /// embedded SQLite database in development.
    #[arg(long, env = "LINLI_SEED_DEMO", value_parser = parse_flag)]
    pub seed_demo: Option<bool>,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "LINLI_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,

    /// How long idempotency keys are remembered, in hours.
    #[arg(long, env = "LINLI_IDEMPOTENCY_TTL_HOURS", default_value_t = 24)]
    pub idempotency_ttl_hours: i64,

    /// How long an `Idempotency-Key` claim protects a request that is still running, in
    /// seconds. A retry of a request whose process died mid-way (no answer sent, nothing
    /// stored) may take the key over after this. Must exceed the longest request.
    #[arg(long, env = "LINLI_IDEMPOTENCY_LOCK_SECS", default_value_t = 60)]
    pub idempotency_lock_secs: i64,

    /// Most `Idempotency-Key`s one account (user or partner client) keeps at once; beyond it
    /// the oldest answered ones are dropped first, so a client cannot fill the table.
    #[arg(long, env = "LINLI_IDEMPOTENCY_MAX_KEYS", default_value_t = 1000)]
    pub idempotency_max_keys: i64,

    /// The public address of this service as residents reach it (scheme, host, optional
    /// port, no trailing slash). Links the server hands out (the calendar feed URL) are built
    /// from it, never from the request's `Host` or `X-Forwarded-*` headers.
    #[arg(
        long,
        env = "LINLI_PUBLIC_BASE_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_base_url: String,

    /// Seconds within which a refresh token presented again (a phone retrying on a bad
    /// network) gets the same new tokens instead of revoking its login.
    #[arg(long, env = "LINLI_REFRESH_GRACE_SECS", default_value_t = 30)]
    pub refresh_grace_secs: i64,

    /// Milliseconds a process keeps a user's role or a partner client's scopes and status as
    /// read from the database (a demotion or revocation made through another process takes
    /// effect within this time; 0 reads the database on every request).
    #[arg(long, env = "LINLI_AUTH_CACHE_MS", default_value_t = 2000)]
    pub auth_cache_ms: u64,

    /// A request's headers and body must arrive within this many seconds (a client trickling
    /// bytes is answered 408 and dropped).
    #[arg(long, env = "LINLI_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Where `linli gateway` listens for the charging piles' TCP connections (DNY protocol),
    /// e.g. `0.0.0.0:7070`; unset, the gateway does not start. Port 0 picks a free one.
    #[arg(long, env = "LINLI_DEVICE_BIND")]
    pub device_bind: Option<String>,

    /// The piles' heartbeat interval, in milliseconds (the protocol's default is 3 minutes).
    /// A pile silent for two intervals plus `LINLI_DEVICE_OFFLINE_MARGIN_MS` is offline.
    #[arg(long, env = "LINLI_DEVICE_HEARTBEAT_MS", default_value_t = 180_000)]
    pub device_heartbeat_ms: u64,

    /// The margin added to two heartbeat intervals before a silent pile is offline, in ms.
    #[arg(long, env = "LINLI_DEVICE_OFFLINE_MARGIN_MS", default_value_t = 60_000)]
    pub device_offline_margin_ms: u64,

    /// How long the gateway waits for a pile's reply to a command before sending it once more
    /// with the same message id, and again before giving up, in ms (the protocol says 15 s).
    #[arg(long, env = "LINLI_DEVICE_REPLY_TIMEOUT_MS", default_value_t = 15_000)]
    pub device_reply_timeout_ms: u64,

    /// How long a session that started charging may go without a settlement once its pile
    /// reports the socket idle, in seconds; then it is settled from the last power report
    /// (`settled_unconfirmed`) for staff to check.
    #[arg(long, env = "LINLI_DEVICE_SETTLE_WAIT_SECS", default_value_t = 86_400)]
    pub device_settle_wait_secs: u64,

    /// How often the gateway looks for commands to send, in milliseconds.
    #[arg(long, env = "LINLI_DEVICE_COMMAND_POLL_MS", default_value_t = 200)]
    pub device_command_poll_ms: u64,

    /// The least time between two commands to one pile, in ms (the protocol says 0.5 s).
    #[arg(long, env = "LINLI_DEVICE_COMMAND_GAP_MS", default_value_t = 500)]
    pub device_command_gap_ms: u64,

    /// Connections the gateway holds at once from one source address; more are closed as
    /// they arrive. A host carries several piles, and several hosts may share a carrier's
    /// NAT address, so the default leaves room (the protocol has no device authentication).
    #[arg(long, env = "LINLI_DEVICE_MAX_CONN_PER_ADDR", default_value_t = 16)]
    pub device_max_conn_per_addr: u32,

    /// Frames one connection may send per second (a token bucket holding two seconds' worth);
    /// frames beyond it are dropped unread, and a connection still over it after a few
    /// seconds is closed. A host with many sub-units sends far fewer in normal work.
    #[arg(long, env = "LINLI_DEVICE_MAX_FRAMES_PER_SEC", default_value_t = 20)]
    pub device_max_frames_per_sec: u32,

    /// Run background jobs (sweepers, clean-ups) in this process.
    #[arg(long, env = "LINLI_BACKGROUND_JOBS", default_value = "1", value_parser = parse_flag)]
    pub background_jobs: bool,

    /// Card lookups (`GET /cards/{number}`) allowed per client address and minute, after a
    /// burst of as many; beyond it 429 `rate_limited`. 0 turns the limit off (benchmarks).
    /// With six-character check codes (31^6 combinations) this makes guessing hopeless while
    /// leaving room for many phones behind one carrier-grade NAT address.
    #[arg(long, env = "LINLI_CARD_LOOKUPS_PER_MINUTE", default_value_t = 60)]
    pub card_lookups_per_minute: u32,

    /// A reverse proxy is in front: take the client address from `Forwarded` /
    /// `X-Forwarded-For` (otherwise those headers are ignored for rate limits).
    #[arg(long, env = "LINLI_TRUST_PROXY", default_value = "0", value_parser = parse_flag)]
    pub trust_proxy: bool,

    /// HTTP worker threads (0: one per core).
    #[arg(long, env = "LINLI_WORKERS", default_value_t = 0)]
    pub workers: usize,

    /// WeChat code exchanges per client address per minute (429 beyond; protects WeChat's quota).
    #[arg(long, env = "LINLI_WECHAT_LOGINS_PER_MINUTE", default_value_t = 120)]
    pub wechat_logins_per_minute: u32,

    /// Booking attempts per user per minute (429 beyond).
    #[arg(long, env = "LINLI_BOOKINGS_PER_MINUTE", default_value_t = 30)]
    pub bookings_per_minute: u32,

    /// Active members a household may have at most (owners, members and tenants together):
    /// approving one more is refused with 409 `household_full`.
    #[arg(long, env = "LINLI_HOUSEHOLD_MEMBERS_MAX", default_value_t = 6)]
    pub household_members_max: i32,

    /// Token requests (`POST /partner/token`) per client id and minute, right secret or
    /// wrong (429 beyond): one client's secret cannot be tried at speed.
    #[arg(long, env = "LINLI_PARTNER_TOKEN_PER_MINUTE", default_value_t = 20)]
    pub partner_token_per_minute: u32,

    /// Token requests per client address and minute, whatever client id they name (429
    /// beyond): one address cannot walk through client ids.
    #[arg(
        long,
        env = "LINLI_PARTNER_TOKEN_PER_ADDRESS_PER_MINUTE",
        default_value_t = 60
    )]
    pub partner_token_per_address_per_minute: u32,

    /// Redis holding the rate limits' counters, shared by every process of the deployment
    /// (e.g. `redis://127.0.0.1:6379/0`). Empty: each process counts in its own memory.
    #[arg(
        long,
        env = "LINLI_REDIS_URL",
        default_value = "",
        hide_env_values = true,
        hide_default_value = true
    )]
    pub redis_url: Secret,

    /// Prefix of every Redis key Linli writes (several deployments may share one Redis).
    #[arg(long, env = "LINLI_REDIS_PREFIX", default_value = "linli:")]
    pub redis_prefix: String,

    /// How long a rate-limit check waits for Redis before the limit falls back (milliseconds).
    #[arg(long, env = "LINLI_REDIS_TIMEOUT_MS", default_value_t = 100)]
    pub redis_timeout_ms: u64,

    /// Lifetime of partner API-client access tokens, in seconds.
    #[arg(long, env = "LINLI_PARTNER_TOKEN_TTL_SECS", default_value_t = 600)]
    pub partner_token_ttl_secs: i64,

    /// After a partner client's secret is rotated, the old one keeps working this many hours.
    #[arg(long, env = "LINLI_PARTNER_SECRET_GRACE_HOURS", default_value_t = 24)]
    pub partner_secret_grace_hours: i64,

    /// Requests per minute one partner API client may make (429 beyond).
    #[arg(long, env = "LINLI_PARTNER_RATE_PER_MIN", default_value_t = 600)]
    pub partner_rate_per_min: u32,

    /// Allow webhook URLs on loopback, private and other non-public addresses, on any port
    /// (tests and closed networks only). Off, only globally routable unicast addresses on port
    /// 443 (80 for plain http, when allowed) are posted to.
    #[arg(long, env = "LINLI_WEBHOOK_ALLOW_PRIVATE", default_value = "0", value_parser = parse_flag)]
    pub webhook_allow_private: bool,

    /// Allow plain `http://` webhook URLs (port 80 unless private addresses are allowed).
    #[arg(long, env = "LINLI_WEBHOOK_ALLOW_HTTP", default_value = "0", value_parser = parse_flag)]
    pub webhook_allow_http: bool,

    /// Names answered from this setting instead of DNS when delivering webhooks,
    /// `name=address[,name=address…]` (split-horizon set-ups; the tests). The address rules
    /// apply to these answers too.
    #[arg(long, env = "LINLI_WEBHOOK_RESOLVE", default_value = "")]
    pub webhook_resolve: String,

    /// A PEM file of CA certificates trusted for outbound HTTPS besides the public roots
    /// compiled in (private deployments, tests).
    #[arg(long, env = "LINLI_EXTRA_CA_FILE")]
    pub extra_ca_file: Option<PathBuf>,

    /// Timeout of one webhook delivery attempt, in milliseconds.
    #[arg(long, env = "LINLI_WEBHOOK_TIMEOUT_MS", default_value_t = 5000)]
    pub webhook_timeout_ms: u64,

    /// Multiplies the webhook retry delays (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h); tests
    /// shorten them with e.g. 0.001.
    #[arg(long, env = "LINLI_WEBHOOK_RETRY_SCALE", default_value_t = 1.0)]
    pub webhook_retry_scale: f64,

    /// How long a webhook worker owns the deliveries it claimed, in seconds: when its process
    /// dies mid-send, another process sends them again after this (at least once). Must
    /// exceed `LINLI_WEBHOOK_TIMEOUT_MS`.
    #[arg(long, env = "LINLI_WEBHOOK_CLAIM_SECS", default_value_t = 60)]
    pub webhook_claim_secs: i64,

    /// Multiplies the intervals of the background jobs (the charging sweeper runs every 30 s,
    /// clean-ups every few minutes); tests shorten them with e.g. 0.01.
    #[arg(long, env = "LINLI_JOB_INTERVAL_SCALE", default_value_t = 1.0)]
    pub job_interval_scale: f64,

    /// How often the webhook worker looks for due deliveries, in milliseconds.
    #[arg(long, env = "LINLI_WEBHOOK_POLL_MS", default_value_t = 1000)]
    pub webhook_poll_ms: u64,

    /// Where `GET /metrics` (Prometheus text format) is served, e.g. `127.0.0.1:9090`. Empty:
    /// not served. Keep it off the public network.
    #[arg(long, env = "LINLI_METRICS_BIND", default_value = "")]
    pub metrics_bind: String,

    /// After SIGTERM, how long requests in flight (and a webhook attempt under way) may take
    /// to finish before the process exits anyway, in seconds.
    #[arg(long, env = "LINLI_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,

    /// Log format: `pretty` for people, `json` for machines (one JSON object a line). Unset:
    /// `json` in production, `pretty` otherwise.
    #[arg(long, env = "LINLI_LOG_FORMAT", default_value = "")]
    pub log_format: String,

    /// Micro-wishes one volunteer may hold claimed and not yet fulfilled at once.
    #[arg(long, env = "LINLI_WISH_OPEN_CLAIMS_MAX", default_value_t = 3)]
    pub wish_open_claims_max: i32,

    /// Micro-wishes one resident may have posted and not yet settled (open, claimed,
    /// fulfilled or disputed) at once.
    #[arg(long, env = "LINLI_WISH_OPEN_POSTS_MAX", default_value_t = 5)]
    pub wish_open_posts_max: i32,

    /// Points one volunteer may earn from micro-wishes per calendar month (Asia/Shanghai);
    /// a wish confirmed beyond it is recorded but not paid.
    #[arg(long, env = "LINLI_WISH_POINTS_MONTH_CAP", default_value_t = 200)]
    pub wish_points_month_cap: i32,

    /// A staff points adjustment larger than this (either way) waits for a second staff
    /// member's approval.
    #[arg(long, env = "LINLI_POINTS_APPROVAL_OVER", default_value_t = 500)]
    pub points_approval_over: i32,
}

/// The caps of the micro-wish flow, from the settings.
#[derive(Clone, Copy, Debug)]
pub struct WishLimits {
    pub open_claims: i32,
    pub open_posts: i32,
    pub month_points: i32,
}

impl Config {
    pub fn wish_limits(&self) -> WishLimits {
        WishLimits {
            open_claims: self.wish_open_claims_max,
            open_posts: self.wish_open_posts_max,
            month_points: self.wish_points_month_cap,
        }
    }
}

fn parse_flag(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => Err(format!("expected 1/0/true/false, got {other:?}")),
    }
}

/// Which database the URL points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseTarget {
    Mysql(String),
    Sqlite(PathBuf),
}

/// A configuration problem that stops the server at start-up.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Invalid(String),
    #[error("could not use the data folder {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Config {
    /// A configuration with every default, as a first run gets it.
    pub fn defaults() -> Self {
        use clap::Parser;
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            config: Config,
        }
        // Parse with no arguments and no environment influence beyond what is set.
        Only::parse_from(["linli"]).config
    }

    /// Whether logs are JSON lines (`LINLI_LOG_FORMAT`, by default only in production).
    pub fn json_logs(&self) -> bool {
        match self.log_format.trim() {
            "" => self.is_production(),
            format => format.eq_ignore_ascii_case("json"),
        }
    }

    /// The personal-data keys of these settings (after [`Config::finalize`]).
    pub fn pii_keys(&self) -> Result<crate::pii::PiiKeys, String> {
        crate::pii::PiiKeys::parse(
            self.pii_key.expose(),
            self.pii_old_keys.expose(),
            self.pii_index_key.expose(),
        )
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    /// How long a pile may stay silent before it is offline: two heartbeat intervals plus
    /// the margin.
    pub fn device_offline_after(&self) -> chrono::Duration {
        let ms = self
            .device_heartbeat_ms
            .saturating_mul(2)
            .saturating_add(self.device_offline_margin_ms);
        chrono::Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX / 2))
    }

    /// How long a start may wait for a gateway to claim it: the reply timeout twice (a send
    /// and its resend) plus a minute, then it fails (`no_response`).
    pub fn device_start_wait(&self) -> chrono::Duration {
        let ms = self
            .device_reply_timeout_ms
            .saturating_mul(2)
            .saturating_add(60_000);
        chrono::Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX / 2))
    }

    /// See `LINLI_DEVICE_SETTLE_WAIT_SECS`.
    pub fn device_settle_wait(&self) -> chrono::Duration {
        chrono::Duration::seconds(
            i64::try_from(self.device_settle_wait_secs).unwrap_or(i64::MAX / 2000),
        )
    }

    pub fn db_timeout(&self) -> Duration {
        Duration::from_millis(self.db_timeout_ms)
    }

    /// Parse the database URL into a backend choice, with a clear message when it is neither.
    pub fn database_target(&self) -> Result<DatabaseTarget, ConfigError> {
        let url = self.database_url.expose();
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(ConfigError::Invalid(
                    "LINLI_DATABASE_URL: sqlite:// needs a file path, e.g. sqlite://data/linli.db"
                        .into(),
                ));
            }
            Ok(DatabaseTarget::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("mysql://") {
            Ok(DatabaseTarget::Mysql(url.to_owned()))
        } else {
            Err(ConfigError::Invalid(
                "LINLI_DATABASE_URL must start with sqlite:// or mysql://".into(),
            ))
        }
    }

    /// Whether demo data is loaded when the database is empty.
    pub fn should_seed_demo(&self) -> bool {
        self.seed_demo.unwrap_or_else(|| {
            !self.is_production() && matches!(self.database_target(), Ok(DatabaseTarget::Sqlite(_)))
        })
    }

    /// Check the settings and fill in what development may generate. Errors say which
    /// variable is wrong and never print a secret.
    pub fn finalize(mut self) -> Result<Self, ConfigError> {
        self.database_target()?;
        if self.idempotency_lock_secs < 1 {
            return Err(ConfigError::Invalid(
                "LINLI_IDEMPOTENCY_LOCK_SECS must be at least 1".into(),
            ));
        }
        if self.webhook_claim_secs < 1 {
            return Err(ConfigError::Invalid(
                "LINLI_WEBHOOK_CLAIM_SECS must be at least 1".into(),
            ));
        }
        if !matches!(
            self.wechat_message_state.as_str(),
            "formal" | "trial" | "developer"
        ) {
            return Err(ConfigError::Invalid(
                "LINLI_WECHAT_MESSAGE_STATE must be formal, trial or developer".into(),
            ));
        }
        if self.wechat_grant_cap < 1 {
            return Err(ConfigError::Invalid(
                "LINLI_WECHAT_GRANT_CAP must be at least 1".into(),
            ));
        }
        if !(self.wechat_retry_scale.is_finite() && self.wechat_retry_scale >= 0.0) {
            return Err(ConfigError::Invalid(
                "LINLI_WECHAT_RETRY_SCALE must be a number of at least 0".into(),
            ));
        }
        if let Some(t) = self.wechat_templates.as_deref() {
            crate::notifications::wechat::templates::parse(t)
                .map_err(|e| ConfigError::Invalid(format!("LINLI_WECHAT_TEMPLATES: {e}")))?;
        }
        if !(self.job_interval_scale.is_finite() && self.job_interval_scale > 0.0) {
            return Err(ConfigError::Invalid(
                "LINLI_JOB_INTERVAL_SCALE must be a positive number".into(),
            ));
        }
        let base = self.public_base_url.trim_end_matches('/');
        match url::Url::parse(base) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                self.public_base_url = base.to_owned();
            }
            _ => {
                return Err(ConfigError::Invalid(
                    "LINLI_PUBLIC_BASE_URL must be an http(s) URL such as https://linli.example.cn"
                        .into(),
                ))
            }
        }
        if self.db_connect_timeout_secs == 0 || self.db_read_timeout_secs == 0 {
            return Err(ConfigError::Invalid(
                "LINLI_DB_CONNECT_TIMEOUT_SECS and LINLI_DB_READ_TIMEOUT_SECS must be at least 1"
                    .into(),
            ));
        }
        if self.request_timeout_secs == 0
            || self.refresh_grace_secs < 0
            || self.idempotency_max_keys < 1
        {
            return Err(ConfigError::Invalid(
                "LINLI_REQUEST_TIMEOUT_SECS and LINLI_IDEMPOTENCY_MAX_KEYS must be at least 1, LINLI_REFRESH_GRACE_SECS at least 0"
                    .into(),
            ));
        }
        crate::partners::webhooks::url_policy::parse_resolve(&self.webhook_resolve)
            .map_err(|e| ConfigError::Invalid(format!("LINLI_WEBHOOK_RESOLVE: {e}")))?;
        if self.device_max_conn_per_addr == 0 || self.device_max_frames_per_sec == 0 {
            return Err(ConfigError::Invalid(
                "LINLI_DEVICE_MAX_CONN_PER_ADDR and LINLI_DEVICE_MAX_FRAMES_PER_SEC must be at least 1"
                    .into(),
            ));
        }
        if self.db_pool_size == 0 {
            return Err(ConfigError::Invalid(
                "LINLI_DB_POOL_SIZE must be at least 1".into(),
            ));
        }
        if self.is_production() {
            let mut missing = Vec::new();
            if self.jwt_secret.is_empty() {
                missing.push("LINLI_JWT_SECRET");
            }
            if self.wechat_appid.is_empty() {
                missing.push("LINLI_WECHAT_APPID");
            }
            if self.wechat_secret.is_empty() {
                missing.push("LINLI_WECHAT_SECRET");
            }
            if self.pii_key.is_empty() {
                missing.push("LINLI_PII_KEY");
            }
            if self.pii_index_key.is_empty() {
                missing.push("LINLI_PII_INDEX_KEY");
            }
            if !missing.is_empty() {
                return Err(ConfigError::Invalid(format!(
                    "production mode (LINLI_ENV=production) needs these settings: {}",
                    missing.join(", ")
                )));
            }
            if self.dev_login {
                return Err(ConfigError::Invalid(
                    "LINLI_DEV_LOGIN cannot be enabled in production mode".into(),
                ));
            }
        } else if self.jwt_secret.is_empty() {
            self.jwt_secret = load_or_create_dev_secret(&self.data_dir)?;
        }
        if self.pii_key.is_empty() || self.pii_index_key.is_empty() {
            if !self.dev_login {
                return Err(ConfigError::Invalid(
                    "LINLI_PII_KEY and LINLI_PII_INDEX_KEY are required (the public development keys are used only with LINLI_DEV_LOGIN=1)".into(),
                ));
            }
            if self.pii_key.is_empty() {
                self.pii_key = Secret::new(crate::pii::keys::DEV_KEY);
            }
            if self.pii_index_key.is_empty() {
                self.pii_index_key = Secret::new(crate::pii::keys::DEV_INDEX_KEY);
            }
        }
        self.pii_keys().map_err(ConfigError::Invalid)?;
        if self.jwt_secret.expose().len() < 32 {
            return Err(ConfigError::Invalid(
                "LINLI_JWT_SECRET must be at least 32 bytes long".into(),
            ));
        }
        Ok(self)
    }
}

/// Development only: a random JWT secret generated once and kept in `data/jwt-secret`, so
/// tokens survive restarts without anyone having to pick a secret.
fn load_or_create_dev_secret(dir: &Path) -> Result<Secret, ConfigError> {
    let path = dir.join("jwt-secret");
    let err = |source| ConfigError::DataDir {
        path: dir.to_owned(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(s) if s.trim().len() >= 32 => return Ok(Secret::new(s.trim())),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e)),
    }
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    let secret = hex::encode(bytes);
    write_private(&path, &secret).map_err(err)?;
    Ok(Secret::new(secret))
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_hides_value() {
        let s = Secret::new("hunter2-hunter2");
        assert_eq!(format!("{s:?}"), "***");
        assert!(!format!("{:?}", Config::defaults()).contains("hunter2"));
    }

    #[test]
    fn database_url_selects_backend() {
        let mut c = Config::defaults();
        c.database_url = Secret::new("mysql://root@127.0.0.1:3306/test");
        assert!(matches!(c.database_target(), Ok(DatabaseTarget::Mysql(_))));
        c.database_url = Secret::new("postgres://x");
        assert!(c.database_target().is_err());
        c.database_url = Secret::new("sqlite://data/x.db");
        assert_eq!(
            c.database_target().ok(),
            Some(DatabaseTarget::Sqlite(PathBuf::from("data/x.db")))
        );
    }

    #[test]
    fn production_requires_secrets_and_forbids_dev_login() {
        let mut c = Config::defaults();
        c.environment = Environment::Production;
        let msg = c.clone().finalize().unwrap_err().to_string();
        assert!(
            msg.contains("LINLI_JWT_SECRET") && msg.contains("LINLI_WECHAT_SECRET"),
            "{msg}"
        );
        c.jwt_secret = Secret::new("x".repeat(40));
        c.wechat_appid = "wx1".into();
        c.wechat_secret = Secret::new("s");
        let msg = c.clone().finalize().unwrap_err().to_string();
        assert!(
            msg.contains("LINLI_PII_KEY") && msg.contains("LINLI_PII_INDEX_KEY"),
            "{msg}"
        );
        c.pii_key = Secret::new(format!("2:{}", "A".repeat(43) + "="));
        c.pii_index_key = Secret::new("E".repeat(43) + "=");
        c.dev_login = true;
        let msg = c.clone().finalize().unwrap_err().to_string();
        assert!(msg.contains("LINLI_DEV_LOGIN"), "{msg}");
        c.dev_login = false;
        assert!(c.finalize().is_ok());
    }

    #[test]
    fn device_limits_must_be_at_least_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Config::defaults();
        c.data_dir = dir.path().to_owned();
        c.dev_login = true;
        assert_eq!(
            (c.device_max_conn_per_addr, c.device_max_frames_per_sec),
            (16, 20)
        );
        assert!(c.clone().finalize().is_ok());
        let mut zero = c.clone();
        zero.device_max_conn_per_addr = 0;
        let msg = zero.finalize().unwrap_err().to_string();
        assert!(msg.contains("LINLI_DEVICE_MAX_CONN_PER_ADDR"), "{msg}");
        c.device_max_frames_per_sec = 0;
        let msg = c.finalize().unwrap_err().to_string();
        assert!(msg.contains("LINLI_DEVICE_MAX_FRAMES_PER_SEC"), "{msg}");
    }

    #[test]
    fn development_generates_and_keeps_a_secret() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Config::defaults();
        c.data_dir = dir.path().to_owned();
        c.dev_login = true;
        let first = c.clone().finalize().unwrap().jwt_secret;
        let second = c.finalize().unwrap().jwt_secret;
        assert_eq!(first, second);
        assert!(first.expose().len() >= 32);
    }
}
