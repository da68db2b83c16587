//! Micro-wishes (微心愿).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::UserRef;
use crate::text::Text;

crate::text_enum! {
    /// A micro-wish's state.
    pub enum WishStatus {
        /// Waiting for someone to claim it.
        Open = "open",
        /// Claimed by one volunteer or party member.
        Claimed = "claimed",
        /// The claimer says it is done; the resident confirms (or it confirms itself after 7 days).
        Fulfilled = "fulfilled",
        /// Done and confirmed; the claimer got the points.
        Confirmed = "confirmed",
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

/// A micro-wish.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 7, "title": "帮忙修理收音机", "description": "家里老人的收音机没有声音了", "community_id": 1, "points": 20, "status": "claimed", "poster": {"user_id": 9, "nickname": "居民a1b2c3"}, "claimer": {"user_id": 5, "nickname": "党员小李"}, "created_at": "2026-11-30T08:00:00Z", "claimed_at": "2026-11-30T09:00:00Z", "fulfilled_at": null, "confirmed_at": null, "auto_confirmed": false, "auto_confirm_at": null}))]
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
