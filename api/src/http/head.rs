//! `HEAD` for every `GET` (RFC 9110 §9.3.2): a `HEAD` request is routed as a `GET`, so it gets
//! the same status and headers, including `Content-Length` and `ETag`. The body is left out by
//! actix-http's HTTP/1 encoder, which marks a connection's response to a `HEAD` request when it
//! parses the request (before any middleware runs) and then writes the head with the body's
//! length and drops the body's bytes. (HTTP/2 is not enabled; see Cargo.toml.)
//!
//! Routes declare `GET` only; no route declares `HEAD`, so this one rewrite serves them all
//! (the API, `/app/`, `/docs/`, `/healthz`) without a second registration per route.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

/// Route a `HEAD` request as the `GET` of the same path.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}
