//! Sign-ups, the roster and check-in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::activities::ActivityStatus;
use crate::text::Text;

crate::text_enum! {
    /// 报名状态。
    ///
    /// A sign-up's state.
    pub enum SignupStatus {
        /// Has a seat.
        Confirmed = "confirmed",
        /// Waiting for a seat; `position` says where in the queue.
        Waitlisted = "waitlisted",
        /// Cancelled by the volunteer.
        Cancelled = "cancelled",
    }
}

/// 一条报名。
///
/// A sign-up.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 77, "activity_id": 12, "status": "waitlisted", "position": 3, "created_at": "2026-11-30T08:00:00Z", "confirmed_at": null, "checked_in_at": null, "checked_out_at": null, "no_show": false, "service_minutes": null, "points_awarded": null}))]
pub struct SignupView {
    /// Sign-up id.
    pub id: i64,
    /// The activity.
    pub activity_id: i64,
    /// Confirmed, waitlisted or cancelled.
    pub status: SignupStatus,
    /// Place in the waitlist, from 1, while waitlisted.
    pub position: Option<i64>,
    /// When the person signed up.
    pub created_at: DateTime<Utc>,
    /// When the seat was confirmed (at sign-up or on promotion from the waitlist).
    pub confirmed_at: Option<DateTime<Utc>>,
    /// When the person was checked in.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// When the person was checked out.
    pub checked_out_at: Option<DateTime<Utc>>,
    /// Confirmed but never checked in by the close of the activity.
    pub no_show: bool,
    /// Service time credited, in minutes.
    pub service_minutes: Option<i32>,
    /// Points credited for that time.
    pub points_awarded: Option<i32>,
}

/// 我的一条报名及其活动。
///
/// One of my sign-ups with its activity.
#[derive(Debug, Serialize, ToSchema)]
pub struct MySignupEntry {
    /// The sign-up.
    #[serde(flatten)]
    pub signup: SignupView,
    /// Activity title.
    pub activity_title: String,
    /// Activity place.
    pub activity_place: String,
    /// Activity start.
    pub activity_starts_at: DateTime<Utc>,
    /// Activity end.
    pub activity_ends_at: DateTime<Utc>,
    /// Activity state.
    pub activity_status: ActivityStatus,
}

/// 队长看到的名单上的一条报名。
///
/// A sign-up on the roster a leader sees.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterEntry {
    /// The sign-up.
    #[serde(flatten)]
    pub signup: SignupView,
    /// The volunteer.
    pub user_id: i64,
    /// Their display name.
    pub nickname: String,
}

/// 用活动现场签到码签到。
///
/// Check in with the activity's on-site code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "7QX4M2"}))]
pub struct CheckInRequest {
    /// The code shown at the activity (case does not matter).
    #[schema(value_type = String, min_length = 1, max_length = 16)]
    pub code: Text<1, 16>,
}
