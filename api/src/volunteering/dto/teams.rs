//! Teams, their members and volunteer profiles.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::UserRef;
use crate::text::Text;
use crate::volunteering::rules::Skill;

crate::text_enum! {
    /// 成员在服务队中的角色。
    ///
    /// A member's role in a team.
    pub enum TeamRole {
        /// 队长: runs the team's activities.
        Leader = "leader",
        /// 队员.
        Member = "member",
    }
}

crate::text_enum! {
    /// 成员资格所处的状态：申请加入，由服务队队长（或工作人员）决定。
    ///
    /// Where a membership stands: joining asks, the team's leader (or staff) decides.
    pub enum MembershipStatus {
        /// Asked to join; waits for a leader or staff member.
        Pending = "pending",
        /// Approved: claims micro-wishes and earns service hours.
        Approved = "approved",
    }
}

/// A volunteer team (志愿服务队).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "name": "七彩之光志愿服务队", "description": "泾川县城区社区志愿服务队", "community_id": null, "member_count": 12, "leaders": [{"user_id": 3, "nickname": "七彩之光队长"}], "my_role": "member", "my_status": "approved"}))]
pub struct TeamView {
    /// Team id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// What the team does.
    pub description: String,
    /// The community it belongs to; `null` for a county-wide team.
    pub community_id: Option<i64>,
    /// Approved members, leaders included.
    pub member_count: i64,
    /// The team's leaders.
    pub leaders: Vec<UserRef>,
    /// The caller's role in the team; `null` when not a member.
    pub my_role: Option<TeamRole>,
    /// Whether the caller's membership is approved or still pending; `null` when not a member.
    pub my_status: Option<MembershipStatus>,
}

/// 创建服务队（工作人员）。
///
/// Create a team (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "七彩之光志愿服务队", "description": "义务理发、健康义诊、家电修理", "community_id": null}))]
pub struct CreateTeamRequest {
    /// Unique name, 1 to 64 characters.
    #[schema(value_type = String, min_length = 1, max_length = 64)]
    pub name: Text<1, 64>,
    /// What the team does, at most 1000 characters.
    #[serde(default = "super::empty_text")]
    #[schema(value_type = String, max_length = 1000)]
    pub description: Text<0, 1000>,
    /// The community it belongs to, if any.
    pub community_id: Option<i64>,
}

/// 队长看到的服务队成员。
///
/// A member of a team, as its leaders see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMemberView {
    /// User id.
    pub user_id: i64,
    /// Display name.
    pub nickname: String,
    /// Leader or member.
    pub role: TeamRole,
    /// Approved, or pending the leader's decision.
    pub status: MembershipStatus,
    /// Skills from the volunteer profile.
    pub skills: Vec<String>,
    /// Registered in-service party member (在职党员).
    pub is_party_member: bool,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

/// 设置成员为队长或普通成员（工作人员）。新任队长若是居民则成为 `team_leader`；新角色在其下次刷新令牌后生效。
///
/// Make a member a leader or a plain member (staff). A new leader who is a resident becomes
/// a `team_leader`; the new role is in their token after the next refresh.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "leader"}))]
pub struct SetMemberRoleRequest {
    /// The new role in the team.
    pub role: TeamRole,
}

/// 我的志愿者资料。
///
/// My volunteer profile.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"user_id": 5, "skills": ["理发", "急救"], "is_party_member": true, "party_unit": "县教育局", "teams": [{"id": 1, "name": "七彩之光志愿服务队", "role": "member"}], "service_minutes": 360}))]
pub struct VolunteerProfileView {
    /// User id.
    pub user_id: i64,
    /// Skills, as matched against activities' required skills.
    pub skills: Vec<String>,
    /// Registered in-service party member (在职党员), set by staff.
    pub is_party_member: bool,
    /// The party member's work unit, set by staff.
    pub party_unit: Option<String>,
    /// Teams I belong to.
    pub teams: Vec<MyTeam>,
    /// Service time credited so far, in minutes.
    pub service_minutes: i64,
}

/// 我所在的服务队。
///
/// A team I belong to.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyTeam {
    /// Team id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// My role in it.
    pub role: TeamRole,
}

/// 替换我的技能。
///
/// Replace my skills.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"skills": ["理发", "急救", "家电维修"]}))]
pub struct UpdateProfileRequest {
    /// Skills, each 1 to 32 characters, at most 20 (e.g. 理发, 医护, 急救, 家电维修, 电工, 宣讲).
    #[schema(inline)]
    pub skills: Vec<Skill>,
}

/// 登记或取消登记在职党员（工作人员）。
///
/// Register or unregister a user as an in-service party member (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"is_party_member": true, "party_unit": "县教育局"}))]
pub struct PartyMemberRequest {
    /// Whether the user is a registered in-service party member.
    pub is_party_member: bool,
    /// Their work unit, at most 128 characters.
    #[schema(value_type = Option<String>, max_length = 128)]
    pub party_unit: Option<Text<0, 128>>,
}
