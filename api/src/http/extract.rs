//! Extractors that answer bad input in the API's error shape and name the field at fault:
//! [`Json`] for bodies, [`Query`] for query strings, [`Path`] for path segments.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// A JSON body. Wrong content type → 415, too large → 413, bad syntax → 400 `invalid_json`,
/// a missing or ill-typed field → 422 `validation_failed` naming the field.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn body_limit(req: &HttpRequest) -> usize {
    req.app_data::<web::Data<AppState>>()
        .map(|s| s.config.max_body_bytes)
        .unwrap_or(64 * 1024)
}

/// Read the whole body, refusing more than `limit` bytes (checked against `Content-Length`
/// first, then while reading).
pub async fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::new(ErrorCode::PayloadTooLarge));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::new(ErrorCode::InvalidJson).with_reason(e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::new(ErrorCode::PayloadTooLarge));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Parse JSON bytes, naming the field on a data error. Every request body is a JSON object:
/// anything else (an array, which serde would take as the fields in order, a string, a
/// number) is refused.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) => Err(ApiError::validation("body", "must be a JSON object")),
            Err(e) => {
                Err(ApiError::new(ErrorCode::InvalidJson)
                    .with_reason(strip_position(&e.to_string())))
            }
        };
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = strip_position(&inner.to_string());
                let field = field_name(&path, &message);
                ApiError::validation(field, message)
            }
            _ => ApiError::new(ErrorCode::InvalidJson)
                .with_reason(strip_position(&inner.to_string())),
        }
    })
}

/// serde_json appends " at line 1 column 7": useful for syntax, noise for field errors.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// The field a deserialisation error is about: its path, or for "missing field `x`" the
/// missing name under that path.
fn field_name(path: &str, message: &str) -> String {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next());
    match (path, missing) {
        (".", Some(name)) => name.to_owned(),
        (p, Some(name)) => format!("{p}.{name}"),
        (".", None) => "body".to_owned(),
        (p, None) => p.to_owned(),
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json(&req) {
                return Err(ApiError::new(ErrorCode::UnsupportedMediaType));
            }
            let bytes = read_body(&req, &mut payload, body_limit(&req)).await?;
            parse_json(&bytes).map(Json)
        })
    }
}

/// An optional JSON body: an empty body is `None`; anything else must be valid JSON of the
/// type (a bad or oversized body is an error, never silently ignored).
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let bytes = read_body(&req, &mut payload, body_limit(&req)).await?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(None));
            }
            if !is_json(&req) {
                return Err(ApiError::new(ErrorCode::UnsupportedMediaType));
            }
            parse_json(&bytes).map(|v| OptionalJson(Some(v)))
        })
    }
}

/// Query-string parameters. A bad value → 422 `validation_failed` naming the parameter.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        ApiError::validation(field_name(&path, &message), message)
    })
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

/// Path parameters. A bad segment (e.g. `/compounds/abc`) → 422 `validation_failed` naming it.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T> Path<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Path<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let info = req.match_info();
        let de = actix_router::PathDeserializer::new(info);
        let result = serde_path_to_error::deserialize(de)
            .map(Path)
            .map_err(|err| {
                let names: Vec<&str> = info.iter().map(|(name, _)| name).collect();
                let field = match err.path().iter().next() {
                    Some(serde_path_to_error::Segment::Seq { index }) => names.get(*index).copied(),
                    Some(serde_path_to_error::Segment::Map { key }) => {
                        names.iter().find(|n| **n == key.as_str()).copied()
                    }
                    _ => names.first().copied(),
                }
                .unwrap_or("path")
                .to_owned();
                ApiError::validation(field, err.into_inner().to_string())
            });
        std::future::ready(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[expect(
        dead_code,
        reason = "only deserialised, to see which field an error names"
    )]
    struct Body {
        code: String,
        inner: Option<Inner>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[expect(
        dead_code,
        reason = "only deserialised, to see which field an error names"
    )]
    struct Inner {
        n: i64,
    }

    #[test]
    fn json_errors_name_the_field() {
        let e = parse_json::<Body>(br#"{"inner": {"n": 1}}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationFailed);
        assert_eq!(e.field.as_deref(), Some("code"));
        let e = parse_json::<Body>(br#"{"code": "x", "inner": {"n": "one"}}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("inner.n"));
        let e = parse_json::<Body>(br#"{"code": 5}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("code"));
        let e = parse_json::<Body>(br#"{"code": "#).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidJson);
        // serde would read an array as the fields in order: a body is an object or nothing.
        let e = parse_json::<Body>(br#"["x", null]"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::ValidationFailed);
        assert_eq!(e.field.as_deref(), Some("body"));
        let e = parse_json::<Body>(b"").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidJson);
        assert!(parse_json::<Body>(br#" {"code": "x"}"#).is_ok());
    }

    #[derive(serde::Deserialize, Debug)]
    #[expect(
        dead_code,
        reason = "only deserialised, to see which field an error names"
    )]
    struct Params {
        page: Option<u32>,
    }

    #[test]
    fn query_errors_name_the_parameter() {
        let e = parse_query::<Params>("page=abc").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("page"));
        assert!(parse_query::<Params>("page=2").is_ok());
    }
}
