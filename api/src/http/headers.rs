//! Security headers on every response, and the app's own limits on a request's head.
//!
//! - `X-Content-Type-Options: nosniff` everywhere.
//! - `Cache-Control: no-store` on every API response (`/api/...`) whose handler did not choose
//!   its caching itself. The rule is "no-store unless a handler opts in" rather than a list of
//!   personal routes, because a personal or token answer must never be cached by mistake,
//!   while the few answers worth caching (ETag'd reads: the directory search, the availability
//!   grid, card lookups, the calendar feed) say so explicitly, `private` when they are
//!   personal. Errors are always `no-store` (see [`crate::error::ApiError::render`]).
//! - `Content-Security-Policy` (with `frame-ancestors 'none'`), `Referrer-Policy:
//!   no-referrer` and `X-Frame-Options: DENY` on the resident app (`/app/`) and the docs
//!   (`/docs/`). The docs' Swagger UI loads only its own files and the OpenAPI document but
//!   sets inline styles and draws data: images, hence `style-src 'unsafe-inline'` there (no
//!   inline scripts are allowed anywhere).

use actix_web::dev::ServiceRequest;
use actix_web::http::header::{self, HeaderMap, HeaderValue};

use crate::error::{ApiError, ErrorCode};

/// Longest accepted URL (path and query), in bytes. Far beyond any URL the API builds.
pub const MAX_URL_BYTES: usize = 8 * 1024;
/// Largest accepted header section (names and values), in bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

const APP_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// 414 for a URL longer than [`MAX_URL_BYTES`], 431 for headers beyond [`MAX_HEADER_BYTES`].
pub fn refuse_oversized_head(req: &ServiceRequest) -> Option<ApiError> {
    let uri = req.uri();
    let url_len = uri.path().len() + uri.query().map_or(0, |q| q.len() + 1);
    if url_len > MAX_URL_BYTES {
        return Some(
            ApiError::new(ErrorCode::UriTooLong)
                .with_reason(format!("at most {MAX_URL_BYTES} bytes")),
        );
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Some(
            ApiError::new(ErrorCode::HeadersTooLarge)
                .with_reason(format!("at most {MAX_HEADER_BYTES} bytes")),
        );
    }
    None
}

/// Add the security headers for a response to `path`.
pub fn secure(path: &str, headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if path.starts_with("/api/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let csp = if path == "/app" || path.starts_with("/app/") {
        APP_CSP
    } else if path == "/docs" || path.starts_with("/docs/") {
        DOCS_CSP
    } else {
        return;
    };
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}
