//! What the inbox endpoints send, and the kinds of notice every area writes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::text_enum! {
    /// 通知的类型：应用据此决定点击后跳转到哪里。
    ///
    /// What a notification is about: the app switches on it to decide where a tap leads.
    pub enum NotificationKind {
        /// A charging booking was made.
        BookingConfirmed = "booking.confirmed",
        /// A charging booking starts soon.
        BookingReminder = "booking.reminder",
        /// A charging booking was cancelled (by the resident, maintenance or a socket fault).
        BookingCancelled = "booking.cancelled",
        /// A maintenance window that cancelled a charging booking was withdrawn or moved off
        /// its time: the time may be booked again.
        BookingMaintenanceWithdrawn = "booking.maintenance_withdrawn",
        /// A charging booking was released: not checked in within the grace period.
        BookingNoShow = "booking.no_show",
        /// Charging bookings are suspended after repeated no-shows.
        BookingSuspended = "booking.suspended",
        /// A waited-for charging time freed and is held for the resident.
        WaitlistOffer = "waitlist.offer",
        /// A waitlisted volunteer sign-up got a seat.
        SignupPromoted = "signup.promoted",
        /// Service hours (and points) were credited for an activity.
        SignupHoursCredited = "signup.hours_credited",
        /// A volunteer activity the user signed up for was cancelled.
        ActivityCancelled = "activity.cancelled",
        /// Someone claimed the user's micro-wish.
        WishClaimed = "wish.claimed",
        /// The user's micro-wish was fulfilled and waits for confirmation.
        WishFulfilled = "wish.fulfilled",
        /// A micro-wish the user fulfilled was confirmed; points were credited.
        WishConfirmed = "wish.confirmed",
        /// (Staff) a card was locked for an hour after repeated wrong check codes.
        CardLocked = "card.locked",
        /// (Owners) someone asked to join the household with its card.
        MembershipRequested = "membership.requested",
        /// The user's request to join a household was approved.
        MembershipApproved = "membership.approved",
        /// The user's request to join a household was rejected.
        MembershipRejected = "membership.rejected",
        /// A membership ended (revoked, or a tenant's end date passed): the member and the
        /// household's owners are told.
        MembershipEnded = "membership.ended",
        /// (Administrators) WeChat refused a subscription message because of how a template is
        /// configured (`LINLI_WECHAT_TEMPLATES`): residents are not reminded until it is fixed.
        WechatTemplateFailed = "wechat.template_failed",
    }
}

/// 一条通知。
///
/// One notification.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 7, "kind": "booking.confirmed", "title": "充电预约成功", "body": "天和人家 3号桩 1号口 12月1日 19:00–21:00", "data": {"booking_id": 12}, "created_at": "2026-11-30T10:00:00Z", "read_at": null}))]
pub struct NotificationView {
    /// Notification id.
    pub id: i64,
    /// Stable kind, e.g. `booking.confirmed`, `booking.cancelled`, `waitlist.offer`.
    pub kind: NotificationKind,
    /// Short title.
    pub title: String,
    /// The message.
    pub body: String,
    /// Ids to link to (e.g. `booking_id`).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
    /// When the user read it; `null` while unread.
    pub read_at: Option<DateTime<Utc>>,
}

/// Inbox filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxFilter {
    /// Only unread notifications.
    pub unread: Option<bool>,
}
