//! The outermost middleware: a request id on every request and response (taken from
//! `X-Request-Id` or made), one log line per request inside a span carrying that id, the
//! request's metrics, the one JSON error shape for every error response, in the client's
//! language, and the security headers of every response ([`super::headers`]).
//!
//! The log line names the route template (`/api/v1/calendar/{token}.ics`), the path with
//! secrets cut out ([`redact_path`]), the status, the latency and who called (`user:12`,
//! `client:pc_…`): never a token, secret, openid or phone number.
//!
//! Heads larger than the app accepts (URL, headers) are refused here with the JSON shape and
//! a request id. Actix's HTTP/1 codec answers before the app sees a request only for heads
//! beyond its own buffer (128 KiB or 96 headers: 431), a head that does not arrive within
//! the client request timeout (408) and unparseable heads (400); those bodies are empty.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;

use crate::error::{ApiError, Lang};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Who made the request (`user:<id>` or `client:<client id>`), set by the authenticating
/// extractors for the request's log line.
#[derive(Clone, Debug)]
pub struct Caller(pub String);

/// Query parameters whose values are never logged.
const SECRET_PARAMS: &[&str] = &[
    "token",
    "access_token",
    "refresh_token",
    "key",
    "secret",
    "client_secret",
    "code",
    "check_code",
    "js_code",
    "signature",
    "phone",
    "openid",
];

/// The path and query as logged: the calendar feed's token and the values of secret-looking
/// query parameters become `***`.
pub fn redact_path(path: &str, query: &str) -> String {
    let mut out = match path.strip_prefix("/api/v1/calendar/") {
        Some(rest) if rest.ends_with(".ics") => "/api/v1/calendar/***.ics".to_owned(),
        _ => path.to_owned(),
    };
    if !query.is_empty() {
        let parts: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str()) => {
                    format!("{k}=***")
                }
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&parts.join("&"));
    }
    out
}

/// A client-supplied id is kept when it is short and plain; otherwise a new one is made.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = request_id(&req);
    let lang = Lang::from_accept_language(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let method = req.method().clone();
    let path = redact_path(req.path(), req.query_string());
    let raw_path = req.path().to_owned();
    // The template, worked out from the routes (not the match), so it is known even when an
    // inner layer answers with an error.
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let started = Instant::now();
    let res = match super::headers::refuse_oversized_head(&req) {
        Some(refusal) => req.error_response(refusal),
        None => match next.call(req).instrument(span.clone()).await {
            Ok(res) => res.map_into_boxed_body(),
            Err(e) => {
                crate::ops::metrics::request(
                    &route,
                    method.as_str(),
                    e.as_response_error().status_code().as_u16(),
                    started.elapsed(),
                );
                return Err(e);
            }
        },
    };
    let status = res.status();
    let caller = res
        .request()
        .extensions()
        .get::<Caller>()
        .map(|c| c.0.clone())
        .unwrap_or_default();
    crate::ops::metrics::request(&route, method.as_str(), status.as_u16(), started.elapsed());
    let cause = status
        .is_server_error()
        .then(|| res.response().error().map(|e| e.to_string()))
        .flatten()
        .unwrap_or_default();
    let mut res = shape_error(res, lang);
    super::headers::secure(&raw_path, res.headers_mut());
    let _entered = span.enter();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status.is_server_error() {
        tracing::error!(status = status.as_u16(), %route, %caller, elapsed_ms, error = %cause, "request failed");
    } else {
        tracing::info!(status = status.as_u16(), %route, %caller, elapsed_ms, "request");
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

/// Give an error response the API's shape: an [`ApiError`] is rendered in the client's
/// language; any other error (router 404/405, framework errors) becomes the matching code.
fn shape_error(res: ServiceResponse<BoxBody>, lang: Lang) -> ServiceResponse<BoxBody> {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    if let Some(api) = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
    {
        if lang == Lang::Zh {
            return res; // already rendered in Chinese by ResponseError
        }
        let rendered = api.render(lang);
        return res.into_response(rendered);
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let mut api = ApiError::from_status(status);
    if let Some(e) = res.response().error() {
        api.internal = Some(e.to_string());
        if status.is_client_error() {
            api.reason = Some(e.to_string());
        }
    }
    let rendered = api.render(lang);
    let (req, old) = res.into_parts();
    let mut new = rendered;
    // Keep headers the framework set for a reason (e.g. Allow on 405).
    if let Some(allow) = old.headers().get(header::ALLOW) {
        new.headers_mut().insert(header::ALLOW, allow.clone());
    }
    ServiceResponse::new(req, new)
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn feed_tokens_and_secret_parameters_are_cut_from_logged_paths() {
        assert_eq!(
            redact_path("/api/v1/calendar/abcDEF123.ics", ""),
            "/api/v1/calendar/***.ics"
        );
        assert_eq!(
            redact_path("/api/v1/cards/JC00001", "check_code=ABC234&x=1"),
            "/api/v1/cards/JC00001?check_code=***&x=1"
        );
        assert_eq!(
            redact_path("/api/v1/places", "token=s3cret&page=2"),
            "/api/v1/places?token=***&page=2"
        );
    }
}
