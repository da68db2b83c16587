//! Points: the balance, the ledger and staff adjustments.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::text::Text;

/// 我的积分。
///
/// My points.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"balance": 120, "service_minutes": 720}))]
pub struct PointsSummary {
    /// Balance: the sum of my ledger.
    pub balance: i64,
    /// Service time credited so far, in minutes.
    pub service_minutes: i64,
}

crate::text_enum! {
    /// 积分变动原因。
    ///
    /// Why points changed.
    pub enum PointsReason {
        /// Hours of service at an activity.
        ActivityHours = "activity_hours",
        /// A micro-wish I fulfilled was confirmed.
        WishFulfilled = "wish_fulfilled",
        /// Spent at the points supermarket.
        Redemption = "redemption",
        /// A staff adjustment (with a note).
        Adjustment = "adjustment",
    }
}

/// 积分流水中的一条记录。
///
/// One entry of the points ledger.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 40, "amount": 25, "reason": "activity_hours", "reference": "activity:12:user:5", "note": null, "created_at": "2026-12-05T03:30:00Z"}))]
pub struct LedgerEntryView {
    /// Entry id.
    pub id: i64,
    /// Points added (positive) or taken (negative).
    pub amount: i32,
    /// Why.
    pub reason: PointsReason,
    /// What it is for; each reference appears once in the whole ledger.
    pub reference: String,
    /// Staff note on adjustments.
    pub note: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// 工作人员调整用户积分。
///
/// A staff adjustment of a user's points.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount": 50, "note": "社区表彰：疫情防控志愿服务"}))]
pub struct AdjustPointsRequest {
    /// Points to add (positive) or take (negative), not zero, at most 100000 either way.
    pub amount: i32,
    /// Why, 1 to 255 characters (kept in the ledger).
    #[schema(value_type = String, min_length = 1, max_length = 255)]
    pub note: Text<1, 255>,
}

crate::text_enum! {
    /// 大额积分调整所处的状态。
    ///
    /// Where a large adjustment stands.
    pub enum AdjustmentStatus {
        /// Waits for a second staff member.
        Pending = "pending",
        /// Approved by a second staff member and written to the ledger.
        Approved = "approved",
        /// Refused; nothing was written.
        Rejected = "rejected",
    }
}

/// 超过审批阈值的积分调整，等待（或已由）另一名工作人员审批。
///
/// A staff adjustment larger than the approval threshold, waiting for (or decided by) a
/// second staff member.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 3, "user_id": 5, "amount": 800, "note": "年度优秀志愿者奖励", "status": "pending", "requested_by": 2, "decided_by": null, "created_at": "2026-12-05T03:30:00Z", "decided_at": null}))]
pub struct AdjustmentRequestView {
    /// Request id.
    pub id: i64,
    /// Whose points.
    pub user_id: i64,
    /// Points to add (positive) or take (negative).
    pub amount: i32,
    /// Why.
    pub note: String,
    /// Pending, approved or rejected.
    pub status: AdjustmentStatus,
    /// The staff member who asked.
    pub requested_by: i64,
    /// The staff member who decided.
    pub decided_by: Option<i64>,
    /// When asked.
    pub created_at: DateTime<Utc>,
    /// When decided.
    pub decided_at: Option<DateTime<Utc>>,
}
