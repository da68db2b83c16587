//! Responses rendered once and served many times: the JSON body, the same gzip-compressed
//! (phones send `Accept-Encoding: gzip`; compressing once costs far less than compressing
//! every response, which the `Compress` middleware would do), and a strong ETag per
//! encoding. [`respond`] answers 200 or, for a matching `If-None-Match`, 304.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};

/// A rendered JSON answer.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub body: Bytes,
    pub gzip: Bytes,
    pub etag: String,
    /// The Unix minutes it holds for, `[from_minute, until_minute)`: answers that say
    /// "open now" are rendered again when it may have changed.
    pub from_minute: i64,
    pub until_minute: i64,
}

impl Rendered {
    /// Serialize `value` and compress it; it holds for the Unix minutes `[from, until)`.
    pub fn json<T: Serialize>(value: &T, from: i64, until: i64) -> ApiResult<Rendered> {
        use std::io::Write;
        let body = serde_json::to_vec(value).map_err(ApiError::internal)?;
        let digest = Sha256::digest(&body);
        let mut enc = flate2::write::GzEncoder::new(
            Vec::with_capacity(body.len() / 3),
            flate2::Compression::default(),
        );
        enc.write_all(&body).map_err(ApiError::internal)?;
        Ok(Rendered {
            etag: format!("\"{}\"", hex::encode(&digest[..16])),
            gzip: Bytes::from(enc.finish().map_err(ApiError::internal)?),
            body: Bytes::from(body),
            from_minute: from,
            until_minute: until,
        })
    }

    /// Whether it still holds in this Unix minute.
    pub fn holds_at(&self, minute: i64) -> bool {
        (self.from_minute..self.until_minute).contains(&minute)
    }

    /// The ETag of the gzip representation.
    pub fn gzip_etag(&self) -> String {
        format!("{}-gz\"", self.etag.trim_end_matches('"'))
    }
}

/// Whether the client accepts gzip (`Accept-Encoding: gzip` or `*`, not with `q=0`).
pub fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|part| {
                let mut it = part.split(';');
                let coding = it.next().unwrap_or("").trim();
                let q_zero = it.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !q_zero
            })
        })
}

/// Whether `If-None-Match` names one of `etags` (or `*`); weak tags compare by their value.
pub fn etag_matches(req: &HttpRequest, etags: &[&str]) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == "*" || etags.contains(&t))
        })
}

/// 200 with the answer (gzip when accepted), or 304 when `If-None-Match` names either ETag.
pub fn respond(req: &HttpRequest, r: &Rendered, cache_control: &'static str) -> HttpResponse {
    respond_with(req, r, cache_control, "accept-encoding")
}

/// [`respond`] with a `Vary` of the caller's (it must name `accept-encoding`).
pub fn respond_with(
    req: &HttpRequest,
    r: &Rendered,
    cache_control: &'static str,
    vary: &'static str,
) -> HttpResponse {
    let gzip = accepts_gzip(req);
    let gzip_etag = r.gzip_etag();
    let fresh = etag_matches(req, &[&r.etag, &gzip_etag]);
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, if gzip { gzip_etag } else { r.etag.clone() }))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::VARY, vary));
    if fresh {
        return res.finish();
    }
    res.content_type("application/json");
    if gzip {
        // Already encoded: the Compress middleware leaves it alone.
        res.insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(r.gzip.clone())
    } else {
        res.body(r.body.clone())
    }
}
