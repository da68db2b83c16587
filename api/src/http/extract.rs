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

/// How long a client may take to send a body (`LINLI_REQUEST_TIMEOUT_SECS`).
fn body_deadline(req: &HttpRequest) -> std::time::Duration {
    let secs = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.config.request_timeout_secs)
        .unwrap_or(30);
    std::time::Duration::from_secs(secs)
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge)
        .with_field("body")
        .with_reason(format!("at most {limit} bytes"))
}

/// Read the whole body, refusing more than `limit` bytes (checked against `Content-Length`
/// first, then while reading) and a body that does not arrive within the request timeout
/// (408 `request_timeout`; the connection is then closed, so a client trickling one byte at
/// a time cannot hold a worker).
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
        return Err(too_large(limit));
    }
    let read = async {
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk
                .map_err(|e| ApiError::new(ErrorCode::InvalidJson).with_reason(e.to_string()))?;
            if body.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    actix_web::rt::time::timeout(body_deadline(req), read)
        .await
        .unwrap_or_else(|_| Err(ApiError::new(ErrorCode::RequestTimeout).with_field("body")))
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
    refuse_id_numbers(bytes)?;
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = strip_position(&inner.to_string());
                let field = field_name(&path, &message);
                ApiError::validation(field, plain_words(&message))
            }
            _ => ApiError::new(ErrorCode::InvalidJson)
                .with_reason(strip_position(&inner.to_string())),
        }
    })
}

/// Linli never takes an identity-card number: a body with an `id_card` / `id_number` key (any
/// case, `_` or `-`, at any depth) is refused with 422 `id_number_not_accepted` naming the
/// field, before the body is read into its type. Only bodies that mention `id` are parsed twice.
fn refuse_id_numbers(bytes: &[u8]) -> Result<(), ApiError> {
    if !bytes.windows(2).any(|w| w.eq_ignore_ascii_case(b"id")) {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(());
    };
    match crate::pii::forbidden_field(&value) {
        Some(field) => Err(ApiError::new(ErrorCode::IdNumberNotAccepted).with_field(field)),
        None => Ok(()),
    }
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

/// Parse a query string. Each parameter may be given once (a repeated one is refused naming
/// it, as is a value holding control or bidirectional-override characters: no parameter
/// takes them, and refusing them here makes every search answer the same on both databases).
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let mut seen = std::collections::HashSet::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if crate::text::has_forbidden_char(&value, false) {
            return Err(ApiError::validation(
                name.into_owned(),
                "must not contain control characters",
            ));
        }
        if !seen.insert(name.clone()) {
            return Err(ApiError::validation(
                name.into_owned(),
                "must be given once",
            ));
        }
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        ApiError::validation(field_name(&path, &message), plain_words(&message))
    })
}

/// A deserialisation error in words a client developer reads, without Rust type names:
/// "invalid type: string \"x\", expected u32" becomes "must be a whole number, 0 or more".
pub fn plain_words(message: &str) -> String {
    if message.starts_with("missing field") {
        return "is required".to_owned();
    }
    if message.starts_with("duplicate field") {
        return "must be given once".to_owned();
    }
    if message.starts_with("unknown field") {
        return match message.split_once(", expected ") {
            Some((_, allowed)) => {
                format!("is not a known field (known: {})", allowed.replace('`', ""))
            }
            None => "is not a known field".to_owned(),
        };
    }
    let lower = message.to_ascii_lowercase();
    if lower.contains("invalid digit")
        || lower.contains("cannot parse integer")
        || lower.contains("number too large")
        || lower.contains("number too small")
    {
        return "must be a whole number".to_owned();
    }
    if lower.contains("invalid float literal") {
        return "must be a number".to_owned();
    }
    if lower.contains("`true` or `false`") {
        return "must be true or false".to_owned();
    }
    match message.rsplit_once("expected ") {
        Some((_, expected)) => format!("must be {}", describe(expected.trim())),
        None => message.replace('`', ""),
    }
}

/// What serde says it expected, in words.
fn describe(expected: &str) -> String {
    let unsigned = ["u8", "u16", "u32", "u64", "u128", "usize"];
    let signed = ["i8", "i16", "i32", "i64", "i128", "isize"];
    if unsigned.contains(&expected) {
        return "a whole number, 0 or more".to_owned();
    }
    if signed.contains(&expected) {
        return "a whole number".to_owned();
    }
    match expected {
        "f32" | "f64" => return "a number".to_owned(),
        "a boolean" | "bool" => return "true or false".to_owned(),
        "a string" | "a borrowed string" | "string" => return "text".to_owned(),
        "a sequence" => return "a list".to_owned(),
        "a map" => return "an object".to_owned(),
        "char" | "a character" => return "one character".to_owned(),
        _ => {}
    }
    if expected.starts_with("struct ") || expected.starts_with("a map") {
        return "an object".to_owned();
    }
    if expected.starts_with("enum ") {
        return "one of the allowed values".to_owned();
    }
    if let Some(rest) = expected.strip_prefix("one of ") {
        return format!("one of {}", rest.replace('`', ""));
    }
    if let Some(rest) = expected.strip_prefix("variant identifier") {
        return format!("one of the allowed values{}", rest.replace('`', ""));
    }
    expected.replace('`', "")
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
                ApiError::validation(field, plain_words(&err.into_inner().to_string()))
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
        let e = parse_query::<Params>("page=1&page=2").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("page"));
        assert_eq!(e.reason.as_deref(), Some("must be given once"));
        let e = parse_query::<Params>("page=%00").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("page"));
    }

    #[test]
    fn messages_carry_no_rust_type_names() {
        for (raw, plain) in [
            (
                "invalid type: string \"x\", expected u32",
                "must be a whole number, 0 or more",
            ),
            (
                "invalid type: string \"x\", expected i64",
                "must be a whole number",
            ),
            ("invalid digit found in string", "must be a whole number"),
            (
                "invalid type: integer `5`, expected a string",
                "must be text",
            ),
            ("invalid type: map, expected f64", "must be a number"),
            (
                "invalid type: string \"x\", expected struct Inner",
                "must be an object",
            ),
            (
                "unknown variant `x`, expected one of `a`, `b`",
                "must be one of a, b",
            ),
            ("missing field `code`", "is required"),
        ] {
            assert_eq!(plain_words(raw), plain, "{raw}");
        }
    }
}
