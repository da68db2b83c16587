//! Response bodies of the calendar endpoints.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// 我的私人日历订阅。
///
/// My private calendar feed.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"active": true, "url": "https://linli.example.cn/api/v1/calendar/3q2-Xf...Zk.ics", "path": "/api/v1/calendar/3q2-Xf...Zk.ics", "created_at": "2026-11-30T08:00:00Z"}))]
pub struct CalendarFeedView {
    /// Whether a feed URL exists (create one with `POST /me/calendar/rotate`).
    pub active: bool,
    /// The secret feed URL to subscribe to in a calendar app; anyone with it can read the
    /// feed, so rotate it if it leaks.
    pub url: Option<String>,
    /// The same, as a path on this server.
    pub path: Option<String>,
    /// When this URL was made.
    pub created_at: Option<DateTime<Utc>>,
}
