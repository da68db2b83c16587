//! The [`TokenGrant`] extractor: an OAuth 2 client-credentials request to the token endpoint,
//! read the ways OAuth 2 clients send it — a form, JSON, or the id and secret in HTTP Basic
//! authentication. It checks only the shape; the credentials are checked against the
//! database by the token handler.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{web, FromRequest, HttpRequest};
use base64::Engine;

use super::dto::TokenRequest;
use crate::config::Secret;
use crate::error::{ApiError, ErrorCode};
use crate::http::extract::{parse_json, parse_query, read_body};
use crate::state::AppState;

/// Longest client id and secret looked up; anything longer is no client of ours.
const MAX_CLIENT_ID: usize = 64;
const MAX_CLIENT_SECRET: usize = 128;

/// A client-credentials grant: who asks, with what secret, for which scopes.
#[derive(Debug)]
pub struct TokenGrant {
    pub client_id: String,
    /// Never printed (`Debug` shows `***`).
    pub client_secret: Secret,
    /// The OAuth 2 `scope` parameter as sent: names separated by spaces.
    pub scope: Option<String>,
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// The body's fields: none for an empty body, a form when it says so, else JSON (clients
/// often send JSON without a content type).
fn parse_body(headers: &HeaderMap, bytes: &[u8]) -> Result<TokenRequest, ApiError> {
    if bytes.is_empty() {
        return Ok(TokenRequest {
            grant_type: None,
            client_id: None,
            client_secret: None,
            scope: None,
        });
    }
    if is_form(headers) {
        let text = std::str::from_utf8(bytes).map_err(|_| ApiError::new(ErrorCode::InvalidJson))?;
        return parse_query(text);
    }
    parse_json(bytes)
}

/// `(id, secret)` from `Authorization: Basic base64(id:secret)`, if present and well formed.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let encoded = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let pair = String::from_utf8(decoded).ok()?;
    let (id, secret) = pair.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// The grant in a request: a `grant_type` other than `client_credentials` → 422 naming it;
/// no usable credentials (the body's pair first, then Basic) → 401 `invalid_client`.
fn grant(headers: &HeaderMap, body: TokenRequest) -> Result<TokenGrant, ApiError> {
    if body
        .grant_type
        .as_deref()
        .is_some_and(|g| g != "client_credentials")
    {
        return Err(ApiError::validation(
            "grant_type",
            "must be client_credentials",
        ));
    }
    let (client_id, secret) = match (body.client_id, body.client_secret) {
        (Some(id), Some(secret)) => (id, secret),
        _ => basic_credentials(headers).ok_or_else(|| ApiError::new(ErrorCode::InvalidClient))?,
    };
    if client_id.len() > MAX_CLIENT_ID || secret.len() > MAX_CLIENT_SECRET {
        return Err(ApiError::new(ErrorCode::InvalidClient));
    }
    Ok(TokenGrant {
        client_id,
        client_secret: Secret::new(secret),
        scope: body.scope,
    })
}

impl FromRequest for TokenGrant {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let limit = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| ApiError::internal("application state missing"))?
                .config
                .max_body_bytes;
            let bytes = read_body(&req, &mut payload, limit).await?;
            grant(req.headers(), parse_body(req.headers(), &bytes)?)
        })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(pairs: &[(HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        h
    }

    fn basic(id: &str, secret: &str) -> String {
        let raw = format!("{id}:{secret}");
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }

    fn read(h: &HeaderMap, body: &str) -> Result<TokenGrant, ApiError> {
        grant(h, parse_body(h, body.as_bytes())?)
    }

    #[test]
    fn a_form_is_read_as_a_form() {
        let h = headers(&[(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=utf-8",
        )]);
        let g = read(
            &h,
            "grant_type=client_credentials&client_id=pc_a&client_secret=pcs_b&scope=piles%3Aread",
        )
        .unwrap();
        assert_eq!(g.client_id, "pc_a");
        assert_eq!(g.client_secret.expose(), "pcs_b");
        assert_eq!(g.scope.as_deref(), Some("piles:read"));
    }

    #[test]
    fn json_is_read_with_or_without_a_content_type() {
        let body = r#"{"client_id": "pc_a", "client_secret": "pcs_b"}"#;
        for h in [
            headers(&[]),
            headers(&[(header::CONTENT_TYPE, "application/json")]),
        ] {
            let g = read(&h, body).unwrap();
            assert_eq!(
                (g.client_id.as_str(), g.client_secret.expose()),
                ("pc_a", "pcs_b")
            );
            assert_eq!(g.scope, None);
        }
    }

    #[test]
    fn basic_authentication_is_used_when_the_body_has_no_pair() {
        let h = headers(&[(header::AUTHORIZATION, &basic("pc_a", "pcs:with:colons"))]);
        for body in ["", r#"{"client_id": "pc_other"}"#] {
            let g = read(&h, body).unwrap();
            assert_eq!(g.client_id, "pc_a");
            assert_eq!(g.client_secret.expose(), "pcs:with:colons");
        }
    }

    #[test]
    fn the_bodys_pair_wins_over_basic() {
        let h = headers(&[(header::AUTHORIZATION, &basic("pc_a", "pcs_a"))]);
        let g = read(&h, r#"{"client_id": "pc_b", "client_secret": "pcs_b"}"#).unwrap();
        assert_eq!(g.client_id, "pc_b");
    }

    #[test]
    fn no_usable_credentials_is_invalid_client() {
        let no_colon = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("pc_a")
        );
        let cases = [
            (headers(&[]), ""),
            (headers(&[]), r#"{"client_id": "pc_a"}"#),
            (headers(&[(header::AUTHORIZATION, "Basic !!!")]), ""),
            (headers(&[(header::AUTHORIZATION, &no_colon)]), ""),
            (headers(&[(header::AUTHORIZATION, "Bearer abc")]), ""),
        ];
        for (h, body) in cases {
            let e = read(&h, body).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidClient, "{body:?}");
        }
    }

    #[test]
    fn overlong_credentials_are_invalid_client() {
        let long_id = "i".repeat(65);
        let long_secret = "s".repeat(129);
        for (id, secret) in [(long_id.as_str(), "s"), ("pc_a", long_secret.as_str())] {
            let body = serde_json::json!({"client_id": id, "client_secret": secret}).to_string();
            let e = read(&headers(&[]), &body).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidClient);
        }
        let at_limit =
            serde_json::json!({"client_id": "i".repeat(64), "client_secret": "s".repeat(128)});
        assert!(read(&headers(&[]), &at_limit.to_string()).is_ok());
    }

    #[test]
    fn another_grant_type_is_refused_naming_the_field() {
        let e = read(
            &headers(&[]),
            r#"{"grant_type": "password", "client_id": "a", "client_secret": "b"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationFailed);
        assert_eq!(e.field.as_deref(), Some("grant_type"));
    }
}
