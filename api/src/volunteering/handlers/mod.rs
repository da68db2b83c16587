//! HTTP handlers of the volunteering area, one file per sub-area: thin — extract, authorise,
//! call the model, shape the response.

pub mod activities;
pub mod points;
pub mod shop;
pub mod signups;
pub mod teams;
pub mod wishes;

use crate::error::ApiResult;
use crate::http::pagination::{PageParams, PageRequest};

/// Validate `page` / `per_page` of a filter.
pub fn page(page: Option<i64>, per_page: Option<i64>) -> ApiResult<PageRequest> {
    PageParams { page, per_page }.validate()
}

pub use crate::http::created;
