//! Request and response bodies of household membership.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::text_enum! {
    /// 家庭成员的身份：户主、家庭成员或租户。
    ///
    /// A member's role in a household.
    pub enum MemberRole {
        /// 户主: approves and removes members; only staff make someone an owner.
        Owner = "owner",
        /// 家庭成员.
        Member = "member",
        /// 租户: until `valid_until` (required, at most a year ahead).
        Tenant = "tenant",
    }
}

crate::text_enum! {
    /// 成员资格所处的状态：待审批、有效、已拒绝、已解除或已到期。
    ///
    /// Where a membership stands.
    pub enum MemberStatus {
        /// Asked with the card; waiting for an owner or staff.
        Pending = "pending",
        /// A member: books, queues and is shown the household's card.
        Active = "active",
        /// The request was turned down.
        Rejected = "rejected",
        /// Ended by an owner, staff or the member (moving out, withdrawing the request).
        Revoked = "revoked",
        /// A tenancy whose end date passed.
        Expired = "expired",
    }
}

/// 家庭的一条成员资格。
///
/// One membership of a household.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 3, "household_id": 12, "user_id": 42, "nickname": "居民3fa2c1", "role": "tenant", "status": "active", "valid_from": "2026-12-01T04:00:00Z", "valid_until": "2027-06-01", "ends_at": "2027-05-31T16:00:00Z", "created_at": "2026-12-01T04:00:00Z", "decided_at": "2026-12-01T05:00:00Z"}))]
pub struct MembershipView {
    /// 成员资格 id。
    /// Membership id.
    pub id: i64,
    /// 家庭。
    /// The household.
    pub household_id: i64,
    /// 成员的用户 id。
    /// The member's user id.
    pub user_id: i64,
    /// 成员的昵称。
    /// The member's display name.
    pub nickname: String,
    pub role: MemberRole,
    pub status: MemberStatus,
    /// 开始时间（提出申请时）。
    /// When it began (the request).
    pub valid_from: DateTime<Utc>,
    /// 租户在该日期（中国时间）00:00 到期，即最后一天是前一天；户主和家庭成员为 `null`。
    /// A tenant's last day is the day before this date (China time): the membership ends at
    /// 00:00 Asia/Shanghai on it. `null` for owners and members.
    pub valid_until: Option<NaiveDate>,
    /// 同一到期时刻（UTC 时间点）。
    /// The same end as an instant.
    pub ends_at: Option<DateTime<Utc>>,
    /// 申请时间。
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// 批准或拒绝的时间；待审批时为 `null`。
    /// When it was approved or rejected; `null` while pending.
    pub decided_at: Option<DateTime<Utc>>,
}

/// 批准入户申请，并指定身份：户主可批准家庭成员和租户；只有社区工作人员可设为户主。
///
/// Approve a request: as which role. Owners approve members and tenants; only staff approve
/// owners.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "tenant", "valid_until": "2027-06-01"}))]
pub struct ApproveRequest {
    /// 身份（默认 `member` 家庭成员）。
    /// The role (default `member`).
    pub role: Option<MemberRole>,
    /// 租户必填：租约在该日期（中国时间）00:00 结束，最多一年以后。
    /// Required for tenants: the date (China time) the tenancy ends at 00:00, at most a year
    /// ahead.
    pub valid_until: Option<NaiveDate>,
}

/// 修改有效的成员资格：租户的到期日（户主和工作人员），身份（仅工作人员）。
///
/// Change an active membership: a tenant's end date (owners and staff), the role (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"valid_until": "2027-06-01"}))]
pub struct UpdateMembershipRequest {
    /// 新的身份（仅工作人员）。
    /// A new role (staff only).
    pub role: Option<MemberRole>,
    /// 租户新的到期日（中国时间 00:00），须晚于今天且最多一年以后。
    /// A tenant's new end date (China time, 00:00), after today and at most a year ahead.
    pub valid_until: Option<NaiveDate>,
}

/// Which pending requests staff list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestFilter {
    /// Only households of this community.
    pub community_id: Option<i64>,
    /// Only households of this grid.
    pub grid_id: Option<i64>,
}
