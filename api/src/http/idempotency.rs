//! `Idempotency-Key` for POSTs a phone may retry on a bad network.
//!
//! The first request with a key claims it in the database (a UNIQUE key on principal + key
//! decides between racing requests), runs, and its status, body and a few headers are stored.
//! A retry with the same key and the same request gets that response again without the work
//! being done twice; the same key with a different request → 422 `idempotency_key_reused`;
//! while the first is still running → 409 `idempotency_in_progress`. Only what a retry needs
//! is kept: the answer of a request that succeeded (2xx: status, body, `Content-Type`,
//! `Location`, `ETag`). A failed request (4xx, 5xx) did no work, so its key is forgotten and
//! a retry runs afresh (a retry after a 409 or a 429 may well succeed). Keys are scoped to the
//! caller (user or partner client) and kept `LINLI_IDEMPOTENCY_TTL_HOURS` (24 h by default);
//! one caller keeps at most `LINLI_IDEMPOTENCY_MAX_KEYS` (its oldest answered keys go first),
//! and the background jobs purge expired keys in batches.
//! Requests without a valid bearer token are passed through untouched: they cannot do work.
//!
//! When the outcome is unknown — the database went away at `COMMIT`, or the process died
//! after committing and before answering — a retry must not do the work again. Handlers that
//! create something (a booking, a sign-up, a redemption) take the [`IdempotencyClaim`] (its
//! database half lives in `db::idempotency`, so models need nothing of HTTP) and write what
//! they created into the key's row *in the same transaction as the work*
//! ([`IdempotencyClaim::mark_done`]); a retry that takes the key over finds it
//! ([`IdempotencyClaim::done_before`]) and answers with that object. A claim that failed with
//! a 5xx is released (or, when its work was recorded, unlocked for the retry) — later, in the
//! background, when the database is not reachable at that moment.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, HttpResponse};
use chrono::{Duration, NaiveDateTime, Timelike};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::auth::extract::bearer_token;
pub use crate::db::idempotency::IdempotencyClaim;
use crate::db::schema::idempotency_keys as ik;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// How often a release or a response that could not be written is tried again.
const FINISH_RETRY: std::time::Duration = std::time::Duration::from_millis(300);
/// Response headers worth replaying.
const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// What the claim found.
enum Claim {
    /// This request owns the key: run it.
    Run { id: i64 },
    /// A finished response to send again.
    Replay {
        status: u16,
        body: String,
        headers: Vec<(String, String)>,
    },
}

fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if req.method() != Method::POST || !req.headers().contains_key(&IDEMPOTENCY_KEY) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    // Without a valid token the handler answers 401 (or does work needing no login): the key
    // is not looked at, so a missing login is never reported as a bad key.
    let principal = match bearer_token(req.headers()).map(|t| state.jwt.verify(t, &state.clock)) {
        Some(Ok(claims)) => claims.principal(),
        _ => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
    };
    let key = req
        .headers()
        .get(&IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .filter(|k| valid_key(k))
        .map(str::to_owned);
    let Some(key) = key else {
        return Ok(req.error_response(ApiError::new(ErrorCode::InvalidIdempotencyKey)));
    };

    let (http_req, payload) = req.parts_mut();
    let body = match super::extract::read_body(http_req, payload, state.config.max_body_bytes).await
    {
        Ok(b) => b,
        Err(e) => return Ok(req.error_response(e)),
    };
    let hash = request_hash(req.method(), req.path(), req.query_string(), &body);
    req.set_payload(bytes_to_payload(body));

    // Whole microseconds, as the database keeps them: `locked_until` names this attempt.
    let now = state.clock.now_naive();
    let now = now
        .with_nanosecond(now.nanosecond() / 1000 * 1000)
        .unwrap_or(now);
    let ttl = Duration::hours(state.config.idempotency_ttl_hours);
    let lock = Duration::seconds(state.config.idempotency_lock_secs);
    let max_keys = state.config.idempotency_max_keys;
    let claim = {
        let (principal, key, hash) = (principal.clone(), key.clone(), hash.clone());
        state
            .db(move |conn| {
                // One transaction, retried on conflicts: on Galera two copies claiming the key
                // on two nodes both insert it, and one of them is refused at `COMMIT`.
                crate::db::transaction(conn, |conn| {
                    let claim = claim(conn, &principal, &key, &hash, now, ttl, lock)?;
                    if matches!(claim, Claim::Run { .. }) {
                        cap_keys(conn, &principal, max_keys)?;
                    }
                    Ok(claim)
                })
            })
            .await
    };
    if claim
        .as_ref()
        .is_err_and(|e| e.code == ErrorCode::ServiceUnavailable)
    {
        // The database went away while claiming: the claim may have been written without
        // this request hearing of it. Give it up, so the retry is not locked out.
        let (principal, key, until) = (principal.clone(), key.clone(), now + lock);
        finish(&state, move |conn| {
            release_unconfirmed(conn, &principal, &key, until)
        })
        .await;
    }
    let id = match claim {
        Ok(Claim::Run { id }) => id,
        Ok(Claim::Replay {
            status,
            body,
            headers,
        }) => {
            return Ok(req.into_response(replay(status, body, headers)));
        }
        Err(e) => return Ok(req.error_response(e)),
    };
    req.extensions_mut().insert(IdempotencyClaim::on_key(id));

    let res = match next.call(req).await {
        Ok(res) => res,
        Err(e) => {
            finish(&state, move |conn| release(conn, id)).await;
            return Err(e);
        }
    };
    let status = res.status();
    if !status.is_success() {
        finish(&state, move |conn| release(conn, id)).await;
        return Ok(res.map_into_boxed_body());
    }
    let (http_req, response) = res.into_parts();
    let headers: Vec<(String, String)> = KEPT_HEADERS
        .iter()
        .filter_map(|h| {
            let v = response.headers().get(h)?.to_str().ok()?;
            Some((h.as_str().to_owned(), v.to_owned()))
        })
        .collect();
    let (response, body) = response.map_into_boxed_body().into_parts();
    let bytes = to_bytes(body).await.map_err(|e| {
        actix_web::error::ErrorInternalServerError(format!("reading response body: {e}"))
    })?;
    let stored_body = String::from_utf8_lossy(&bytes).into_owned();
    // The work is done and its answer goes out; until the answer is stored, a retry finds the
    // claim locked and waits rather than repeat the work.
    finish(&state, move |conn| {
        store(conn, id, status.as_u16(), &stored_body, &headers)
    })
    .await;
    Ok(ServiceResponse::new(
        http_req,
        response.set_body(BoxBody::new(bytes)),
    ))
}

/// Run the closing step of a claim (store the answer, or release the key). When the database
/// cannot be reached now, keep trying in the background for as long as the claim's lock
/// lasts, so a retry is not left waiting for the lock to expire once the database is back.
async fn finish<F>(state: &AppState, step: F)
where
    F: Fn(&mut DbConn) -> ApiResult<()> + Clone + Send + 'static,
{
    // Each step in a transaction retried on conflicts (a Galera certification conflict on the
    // key's row reaches an autocommitted statement too).
    let in_transaction =
        |step: F| move |conn: &mut DbConn| crate::db::transaction(conn, |c| step(c));
    let Err(e) = state.db(in_transaction(step.clone())).await else {
        return;
    };
    tracing::warn!(error = %e, "could not close an idempotency claim; retrying");
    let state = state.clone();
    let deadline = std::time::Instant::now()
        + std::time::Duration::from_secs(state.config.idempotency_lock_secs.unsigned_abs());
    actix_web::rt::spawn(async move {
        while std::time::Instant::now() < deadline {
            actix_web::rt::time::sleep(FINISH_RETRY).await;
            if state.db(in_transaction(step.clone())).await.is_ok() {
                return;
            }
        }
        tracing::warn!("gave up closing an idempotency claim; its lock expires");
    });
}

impl actix_web::FromRequest for IdempotencyClaim {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(req
            .extensions()
            .get::<IdempotencyClaim>()
            .copied()
            .unwrap_or_default()))
    }
}

fn request_hash(method: &Method, path: &str, query: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_str().as_bytes());
    h.update(b" ");
    h.update(path.as_bytes());
    h.update(b"?");
    h.update(query.as_bytes());
    h.update(b"\n");
    h.update(body);
    hex::encode(h.finalize())
}

fn bytes_to_payload(buf: web::Bytes) -> Payload {
    let (_, mut pl) = actix_http::h1::Payload::create(true);
    pl.unread_data(buf);
    Payload::from(pl)
}

fn replay(status: u16, body: String, headers: Vec<(String, String)>) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            res.insert_header((n, v));
        }
    }
    res.insert_header((IDEMPOTENT_REPLAYED, "true"));
    res.body(body)
}

#[derive(Queryable)]
struct Row {
    id: i64,
    request_hash: String,
    response_status: Option<i32>,
    response_body: Option<String>,
    response_headers: Option<String>,
    locked_until: NaiveDateTime,
    expires_at: NaiveDateTime,
}

fn claim(
    conn: &mut DbConn,
    principal: &str,
    key: &str,
    hash: &str,
    now: NaiveDateTime,
    ttl: Duration,
    lock: Duration,
) -> ApiResult<Claim> {
    for _ in 0..3 {
        let inserted = diesel::insert_into(ik::table)
            .values((
                ik::principal.eq(principal),
                ik::idem_key.eq(key),
                ik::request_hash.eq(hash),
                ik::created_at.eq(now),
                ik::locked_until.eq(now + lock),
                ik::expires_at.eq(now + ttl),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => {
                let id = ik::table
                    .filter(ik::principal.eq(principal).and(ik::idem_key.eq(key)))
                    .select(ik::id)
                    .first(conn)?;
                return Ok(Claim::Run { id });
            }
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {}
            Err(e) => return Err(e.into()),
        }
        let row: Option<Row> = ik::table
            .filter(ik::principal.eq(principal).and(ik::idem_key.eq(key)))
            .select((
                ik::id,
                ik::request_hash,
                ik::response_status,
                ik::response_body,
                ik::response_headers,
                ik::locked_until,
                ik::expires_at,
            ))
            .first(conn)
            .optional()?;
        let Some(row) = row else { continue };
        if row.expires_at <= now {
            // An expired key may be used afresh.
            diesel::delete(ik::table.filter(ik::id.eq(row.id))).execute(conn)?;
            continue;
        }
        if row.request_hash != hash {
            return Err(
                ApiError::new(ErrorCode::IdempotencyKeyReused).with_field("Idempotency-Key")
            );
        }
        if let Some(status) = row.response_status {
            let headers = row
                .response_headers
                .as_deref()
                .and_then(|h| serde_json::from_str(h).ok())
                .unwrap_or_default();
            return Ok(Claim::Replay {
                status: u16::try_from(status).unwrap_or(200),
                body: row.response_body.unwrap_or_default(),
                headers,
            });
        }
        if row.locked_until > now {
            return Err(ApiError::new(ErrorCode::IdempotencyInProgress).with_retry_after(1));
        }
        // The first attempt died without an answer: take the claim over, once.
        let taken = diesel::update(
            ik::table.filter(ik::id.eq(row.id).and(ik::locked_until.eq(row.locked_until))),
        )
        .set(ik::locked_until.eq(now + lock))
        .execute(conn)?;
        if taken == 1 {
            return Ok(Claim::Run { id: row.id });
        }
        return Err(ApiError::new(ErrorCode::IdempotencyInProgress).with_retry_after(1));
    }
    Err(ApiError::new(ErrorCode::IdempotencyInProgress).with_retry_after(1))
}

fn store(
    conn: &mut DbConn,
    id: i64,
    status: u16,
    body: &str,
    headers: &[(String, String)],
) -> ApiResult<()> {
    let headers = serde_json::to_string(headers).map_err(ApiError::internal)?;
    diesel::update(ik::table.filter(ik::id.eq(id)))
        .set((
            ik::response_status.eq(Some(i32::from(status))),
            ik::response_body.eq(Some(body)),
            ik::response_headers.eq(Some(headers)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Give up a claim whose request failed (5xx, 429): forget the key, so a retry runs afresh —
/// unless the work was recorded as done (its transaction committed although the request
/// failed afterwards): then keep the key and only unlock it, so a retry takes it over at once
/// and answers with what was done.
fn release(conn: &mut DbConn, id: i64) -> ApiResult<()> {
    let unanswered = ik::table.filter(ik::id.eq(id).and(ik::response_status.is_null()));
    let deleted = diesel::delete(unanswered.filter(ik::effect.is_null())).execute(conn)?;
    if deleted == 0 {
        // Any time in the past unlocks it; `claim` compares against the retry's clock.
        let past = chrono::DateTime::UNIX_EPOCH.naive_utc();
        diesel::update(unanswered)
            .set(ik::locked_until.eq(past))
            .execute(conn)?;
    }
    Ok(())
}

/// Give up a claim this attempt may have written (or taken over) without hearing back: the
/// one locked until exactly `until`, with no answer. As in [`release`], a recorded effect
/// keeps the key (unlocked).
fn release_unconfirmed(
    conn: &mut DbConn,
    principal: &str,
    key: &str,
    until: NaiveDateTime,
) -> ApiResult<()> {
    let id: Option<i64> = ik::table
        .filter(ik::principal.eq(principal).and(ik::idem_key.eq(key)))
        .filter(
            ik::locked_until
                .eq(until)
                .and(ik::response_status.is_null()),
        )
        .select(ik::id)
        .first(conn)
        .optional()?;
    match id {
        Some(id) => release(conn, id),
        None => Ok(()),
    }
}

/// Rows deleted by one statement: short deletes keep locks short on a large table.
const PURGE_BATCH: i64 = 500;

/// Keep at most `max` keys for `principal` (the one just claimed and `max - 1` answered
/// ones): its oldest answered keys beyond that are forgotten, a batch at a time. Keys of
/// requests still running are never dropped.
fn cap_keys(conn: &mut DbConn, principal: &str, max: i64) -> ApiResult<usize> {
    let beyond: Vec<i64> = ik::table
        .filter(
            ik::principal
                .eq(principal)
                .and(ik::response_status.is_not_null()),
        )
        .order((ik::created_at.desc(), ik::id.desc()))
        .select(ik::id)
        .limit(PURGE_BATCH)
        .offset((max - 1).max(0))
        .load(conn)?;
    if beyond.is_empty() {
        return Ok(0);
    }
    Ok(diesel::delete(ik::table.filter(ik::id.eq_any(&beyond))).execute(conn)?)
}

/// Forget keys older than their retention, in batches of [`PURGE_BATCH`] (each its own short
/// statement). Run by the background jobs.
pub fn purge_expired(conn: &mut DbConn, now: NaiveDateTime) -> ApiResult<usize> {
    let mut purged = 0;
    loop {
        let ids: Vec<i64> = ik::table
            .filter(ik::expires_at.lt(now))
            .select(ik::id)
            .limit(PURGE_BATCH)
            .load(conn)?;
        if ids.is_empty() {
            return Ok(purged);
        }
        purged += diesel::delete(ik::table.filter(ik::id.eq_any(&ids).and(ik::expires_at.lt(now))))
            .execute(conn)?;
        if ids.len() < PURGE_BATCH as usize {
            return Ok(purged);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_up_to_255() {
        assert!(valid_key("a1b2-c3"));
        assert!(!valid_key(""));
        assert!(!valid_key("has space"));
        assert!(!valid_key(&"x".repeat(256)));
        assert!(!valid_key("中文"));
    }

    #[test]
    fn hash_covers_path_and_body() {
        let a = request_hash(&Method::POST, "/a", "", b"{}");
        assert_ne!(a, request_hash(&Method::POST, "/b", "", b"{}"));
        assert_ne!(a, request_hash(&Method::POST, "/a", "", b"{ }"));
        assert_eq!(a, request_hash(&Method::POST, "/a", "", b"{}"));
    }
}
