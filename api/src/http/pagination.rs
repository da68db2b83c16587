//! One list shape for every endpoint: `?page=1&per_page=20` →
//! `{"items": [...], "page": 1, "per_page": 20, "total": 123}`.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use crate::db::paging::PageRequest;
use crate::error::{ApiError, ApiResult};

/// The largest page a client may ask for.
pub const MAX_PER_PAGE: u32 = 100;
const DEFAULT_PER_PAGE: u32 = 20;

/// Page selection, shared by every list endpoint.
#[derive(Clone, Copy, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 页码，从 1 开始。
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// 每页条数，1 到 100。
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}

impl PageParams {
    pub fn validate(self) -> ApiResult<PageRequest> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(i64::from(DEFAULT_PER_PAGE));
        if !(1..=1_000_000).contains(&page) {
            return Err(ApiError::validation(
                "page",
                "must be between 1 and 1000000",
            ));
        }
        if !(1..=i64::from(MAX_PER_PAGE)).contains(&per_page) {
            return Err(ApiError::validation(
                "per_page",
                "must be between 1 and 100",
            ));
        }
        Ok(PageRequest { page, per_page })
    }
}

/// 列表的一页。
///
/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    /// 本页的条目。
    /// The items on this page.
    pub items: Vec<T>,
    /// 本页页码，从 1 开始。
    /// This page's number, from 1.
    pub page: i64,
    /// 使用的每页条数。
    /// The page size used.
    pub per_page: i64,
    /// 所有页中符合条件的条目总数。
    /// How many items match in all pages.
    pub total: i64,
}

impl<T: ToSchema> Page<T> {
    pub fn new(items: Vec<T>, request: PageRequest, total: i64) -> Self {
        Page {
            items,
            page: request.page,
            per_page: request.per_page,
            total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        let p = PageParams::default().validate().unwrap();
        assert_eq!((p.page, p.per_page, p.offset()), (1, 20, 0));
        let e = PageParams {
            page: Some(1),
            per_page: Some(101),
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("per_page"));
        let e = PageParams {
            page: Some(0),
            per_page: None,
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("page"));
        let p = PageParams {
            page: Some(3),
            per_page: Some(10),
        }
        .validate()
        .unwrap();
        assert_eq!(p.offset(), 20);
    }
}
