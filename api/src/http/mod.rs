//! HTTP plumbing shared by every area: extractors that name the bad field, the middleware
//! that gives every response a request id and every error the one JSON shape, idempotency
//! keys, and pagination.

pub mod cached;
pub mod extract;
pub mod idempotency;
pub mod methods;
pub mod middleware;
pub mod pagination;
pub mod ratelimit;

pub use extract::{Json, OptionalJson, Path, Query};
pub use middleware::observe;
pub use pagination::{Page, PageParams};
