//! HTTP plumbing shared by every area: extractors that name the bad field, the middleware
//! that gives every response a request id and every error the one JSON shape, idempotency
//! keys, and pagination.

pub mod cached;
pub mod extract;
pub mod head;
pub mod headers;
pub mod idempotency;
pub mod methods;
pub mod middleware;
pub mod pagination;

pub use extract::{Json, OptionalJson, Path, Query};
pub use middleware::observe;
pub use pagination::{Page, PageParams};

/// 201 Created with `Location` (the new resource's path) and its view: the one answer for
/// every create.
pub fn created(
    location: impl Into<String>,
    body: &impl serde::Serialize,
) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location.into()))
        .json(body)
}
