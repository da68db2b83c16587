//! Micro-wishes (微心愿).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::UserRef;
use crate::text::Text;

crate::text_enum! {
    /// 微心愿状态。
    ///
    /// A micro-wish's state.
    pub enum WishStatus {
        /// Waiting for someone to claim it.
        Open = "open",
        /// Claimed by one volunteer or party member.
        Claimed = "claimed",
        /// The claimer says it is done; the resident confirms (or it confirms itself after 7 days).
        Fulfilled = "fulfilled",
        /// The poster says it was not done; automatic confirmation stops and staff settle it.
        Disputed = "disputed",
        /// Done and confirmed (by the poster, after 7 days, or by staff settling a dispute);
        /// the claimer was paid unless a cap or rule held the points back (`points_paid`).
        Confirmed = "confirmed",
        /// Staff settled a dispute without paying.
        Rejected = "rejected",
        /// Withdrawn by the resident.
        Withdrawn = "withdrawn",
    }
}

/// Post a micro-wish (微心愿).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "帮忙修理收音机", "description": "家里老人的收音机没有声音了，希望有人帮忙看看", "community_id": 1}))]
pub struct CreateWishRequest {
    /// What is needed, 1 to 64 characters.
    #[schema(value_type = String, min_length = 1, max_length = 64)]
    pub title: Text<1, 64>,
    /// Details, at most 1000 characters.
    #[serde(default = "super::empty_text")]
    #[schema(value_type = String, max_length = 1000)]
    pub description: Text<0, 1000>,
    /// The community, if the resident wants to say.
    pub community_id: Option<i64>,
}

/// 一个微心愿。
///
/// A micro-wish.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 7, "title": "帮忙修理收音机", "description": "家里老人的收音机没有声音了", "community_id": 1, "points": 20, "status": "claimed", "poster": {"user_id": 9, "nickname": "居民a1b2c3"}, "claimer": {"user_id": 5, "nickname": "党员小李"}, "created_at": "2026-11-30T08:00:00Z", "claimed_at": "2026-11-30T09:00:00Z", "fulfilled_at": null, "confirmed_at": null, "auto_confirmed": false, "auto_confirm_at": null, "dispute_reason": null, "points_paid": null}))]
pub struct WishView {
    /// Wish id.
    pub id: i64,
    /// What is needed.
    pub title: String,
    /// Details.
    pub description: String,
    /// The community, if given.
    pub community_id: Option<i64>,
    /// Points the claimer gets once it is confirmed.
    pub points: i32,
    /// Where it stands.
    pub status: WishStatus,
    /// Who posted it.
    pub poster: UserRef,
    /// Who claimed it, while claimed or after.
    pub claimer: Option<UserRef>,
    /// When posted.
    pub created_at: DateTime<Utc>,
    /// When claimed.
    pub claimed_at: Option<DateTime<Utc>>,
    /// When marked fulfilled.
    pub fulfilled_at: Option<DateTime<Utc>>,
    /// When confirmed.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Confirmed by the 7-day rule rather than by the resident.
    pub auto_confirmed: bool,
    /// When a fulfilled wish will confirm itself.
    pub auto_confirm_at: Option<DateTime<Utc>>,
    /// Why the poster disputed it, if they did.
    pub dispute_reason: Option<String>,
    /// Points the claimer actually received (0 when the monthly cap or the household rule
    /// held them back); `null` until settled.
    pub points_paid: Option<i32>,
}

/// 发布者对已完成的心愿提出异议：不会自动确认，由工作人员裁定。
///
/// The poster disputes a fulfilled wish: it will not confirm itself; staff settle it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "收音机还是没有声音"}))]
pub struct DisputeWishRequest {
    /// What is wrong, 1 to 255 characters.
    #[schema(value_type = String, min_length = 1, max_length = 255)]
    pub reason: Text<1, 255>,
}

/// 工作人员裁定有争议的心愿：向认领者发放积分（确认）或不发放（驳回）。
///
/// Staff settle a disputed wish: pay the claimer (it is confirmed) or not (it is rejected).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"pay": false, "reason": "回访居民，确认未完成"}))]
pub struct SettleWishRequest {
    /// Whether the claimer is paid.
    pub pay: bool,
    /// Why, 1 to 255 characters (kept in the audit log).
    #[schema(value_type = String, min_length = 1, max_length = 255)]
    pub reason: Text<1, 255>,
}

/// The month of the wish-points report.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WishReportQuery {
    /// The month, `YYYY-MM` in the community's time (default: this month).
    #[param(pattern = r"^\d{4}-\d{2}$", example = "2026-12")]
    pub month: Option<String>,
}

/// 一名志愿者当月的心愿积分收入。
///
/// One volunteer's wish earnings in the month.
#[derive(Debug, Serialize, ToSchema)]
pub struct WishEarner {
    /// The volunteer.
    pub user: UserRef,
    /// Points paid for wishes confirmed in the month.
    pub points: i64,
    /// Wishes confirmed in the month.
    pub wishes: i64,
}

/// 当月彼此交易心愿超过一次的两个账号（任一方为另一方发布）。
///
/// Two accounts that traded wishes with each other more than once in the month (either
/// posting for the other).
#[derive(Debug, Serialize, ToSchema)]
pub struct WishPair {
    /// One account (the lower id).
    pub a: UserRef,
    /// The other account.
    pub b: UserRef,
    /// Wishes confirmed between them in the month.
    pub wishes: i64,
    /// Points paid between them in the month.
    pub points: i64,
}

/// 工作人员查看的某月心愿积分报告。
///
/// The staff report on wish points of a month.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"month": "2026-12", "top_earners": [{"user": {"user_id": 5, "nickname": "党员小李"}, "points": 120, "wishes": 6}], "trading_pairs": [{"a": {"user_id": 5, "nickname": "党员小李"}, "b": {"user_id": 9, "nickname": "居民a1b2c3"}, "wishes": 4, "points": 80}]}))]
pub struct WishReport {
    /// The month reported, `YYYY-MM`.
    pub month: String,
    /// Up to 20 volunteers who earned most from wishes, most first.
    pub top_earners: Vec<WishEarner>,
    /// Pairs of accounts with two or more wishes between them, most first.
    pub trading_pairs: Vec<WishPair>,
}

/// Filters for the micro-wish list. The page is chosen with
/// [`PageParams`](crate::http::PageParams).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WishFilter {
    /// Only wishes in this state (default `open`).
    pub status: Option<WishStatus>,
    /// Only wishes of this community.
    pub community_id: Option<i64>,
}
