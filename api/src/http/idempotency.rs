//! `Idempotency-Key` for POSTs a phone may retry on a bad network.
//!
//! The first request with a key claims it in the database (a UNIQUE key on principal + key
//! decides between racing requests), runs, and its status, body and a few headers are stored.
//! A retry with the same key and the same request gets that response again without the work
//! being done twice; the same key with a different request → 422 `idempotency_key_reused`;
//! while the first is still running → 409 `idempotency_in_progress`. A response that says
//! "try again" (5xx, 429) is not kept, so the retry does the work. Keys are scoped to the
//! caller (user or partner client) and kept `LINLI_IDEMPOTENCY_TTL_HOURS` (24 h by default).
//! Requests without a valid bearer token are passed through untouched: they cannot do work.

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpResponse};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::auth::extract::bearer_token;
use crate::db::schema::idempotency_keys as ik;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// How long a claim protects a request that is still running before another try may take it
/// over (a process that died mid-request leaves its claim behind).
const LOCK_SECS: i64 = 60;
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

    let now = state.clock.now_naive();
    let ttl = Duration::hours(state.config.idempotency_ttl_hours);
    let claim = {
        let (principal, key, hash) = (principal.clone(), key.clone(), hash.clone());
        state
            .db(move |conn| claim(conn, &principal, &key, &hash, now, ttl))
            .await
    };
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

    let res = match next.call(req).await {
        Ok(res) => res,
        Err(e) => {
            let _ = state.db(move |conn| release(conn, id)).await;
            return Err(e);
        }
    };
    let status = res.status();
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        let _ = state.db(move |conn| release(conn, id)).await;
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
    let stored = state
        .db(move |conn| store(conn, id, status.as_u16(), &stored_body, &headers))
        .await;
    if let Err(e) = stored {
        // The work is done and its answer goes out; a retry will find the claim and wait
        // for it to expire rather than repeat the work.
        tracing::warn!(error = %e, "could not store the idempotent response");
    }
    Ok(ServiceResponse::new(
        http_req,
        response.set_body(BoxBody::new(bytes)),
    ))
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
) -> ApiResult<Claim> {
    for _ in 0..3 {
        let inserted = diesel::insert_into(ik::table)
            .values((
                ik::principal.eq(principal),
                ik::idem_key.eq(key),
                ik::request_hash.eq(hash),
                ik::created_at.eq(now),
                ik::locked_until.eq(now + Duration::seconds(LOCK_SECS)),
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
        .set(ik::locked_until.eq(now + Duration::seconds(LOCK_SECS)))
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

fn release(conn: &mut DbConn, id: i64) -> ApiResult<()> {
    diesel::delete(ik::table.filter(ik::id.eq(id).and(ik::response_status.is_null())))
        .execute(conn)?;
    Ok(())
}

/// Forget keys older than their retention. Run by the background jobs.
pub fn purge_expired(conn: &mut DbConn, now: NaiveDateTime) -> ApiResult<usize> {
    Ok(diesel::delete(ik::table.filter(ik::expires_at.lt(now))).execute(conn)?)
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
