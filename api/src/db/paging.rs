//! The page of a list as queries take it: a validated page number and size, and the offset
//! they mean. `http::pagination` parses `?page=&per_page=` into it and shapes the answer.

/// A validated page selection (page from 1; `per_page` within the allowed bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub page: i64,
    pub per_page: i64,
}

impl PageRequest {
    /// Rows to skip before this page.
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_counts_the_pages_before() {
        let first = PageRequest {
            page: 1,
            per_page: 20,
        };
        assert_eq!(first.offset(), 0);
        let third = PageRequest {
            page: 3,
            per_page: 10,
        };
        assert_eq!(third.offset(), 20);
    }
}
