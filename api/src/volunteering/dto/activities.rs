//! Activities: what they are, where they stand, creating and editing them, the list filter.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::signups::SignupView;
use crate::text::Text;
use crate::volunteering::rules::Skill;

crate::text_enum! {
    /// 活动提供的服务类别。
    ///
    /// What kind of service an activity offers.
    pub enum ActivityCategory {
        /// 义务理发
        Haircut = "haircut",
        /// 健康义诊
        HealthClinic = "health_clinic",
        /// 家电修理
        ApplianceRepair = "appliance_repair",
        /// 理论宣讲
        Talk = "talk",
        /// 环境整治
        Cleanup = "cleanup",
        /// 上门服务 (the service menu's door-to-door help)
        DoorToDoor = "door_to_door",
        /// 其他
        Other = "other",
    }
}

impl ActivityCategory {
    /// The name residents know.
    pub fn label(self) -> &'static str {
        match self {
            ActivityCategory::Haircut => "义务理发",
            ActivityCategory::HealthClinic => "健康义诊",
            ActivityCategory::ApplianceRepair => "家电修理",
            ActivityCategory::Talk => "理论宣讲",
            ActivityCategory::Cleanup => "环境整治",
            ActivityCategory::DoorToDoor => "上门服务",
            ActivityCategory::Other => "其他",
        }
    }
}

crate::text_enum! {
    /// 活动所处的状态。
    ///
    /// Where an activity stands.
    pub enum ActivityStatus {
        /// Published; sign-up open until the deadline.
        Open = "open",
        /// Cancelled by its team or staff; everyone signed up was told.
        Cancelled = "cancelled",
        /// Over and settled: no-shows recorded, hours and points credited.
        Closed = "closed",
    }
}

/// 创建活动（服务队队长或工作人员）。
///
/// Create an activity (the team's leaders or staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"team_id": 1, "community_id": 1, "title": "东街社区义务理发", "category": "haircut", "description": "为辖区老人免费理发", "place": "东街社区服务中心一楼", "starts_at": "2026-12-05T09:00:00+08:00", "ends_at": "2026-12-05T11:30:00+08:00", "signup_deadline": "2026-12-04T20:00:00+08:00", "capacity": 30, "required_skills": [], "points_per_hour": 10}))]
pub struct CreateActivityRequest {
    /// The team that runs it.
    pub team_id: i64,
    /// The community where it happens.
    pub community_id: i64,
    /// Title, 1 to 128 characters.
    #[schema(value_type = String, min_length = 1, max_length = 128)]
    pub title: Text<1, 128>,
    /// Kind of service.
    pub category: ActivityCategory,
    /// Details, at most 5000 characters.
    #[serde(default = "super::empty_text")]
    #[schema(value_type = String, max_length = 5000)]
    pub description: Text<0, 5000>,
    /// Where to go, 1 to 255 characters.
    #[schema(value_type = String, min_length = 1, max_length = 255)]
    pub place: Text<1, 255>,
    /// Start (RFC 3339, in the future).
    pub starts_at: DateTime<Utc>,
    /// End, after the start, at most 24 hours later.
    pub ends_at: DateTime<Utc>,
    /// Last moment to sign up; defaults to the start.
    pub signup_deadline: Option<DateTime<Utc>>,
    /// Seats, 1 to 10000.
    pub capacity: i32,
    /// Skills a volunteer's profile must list to sign up.
    #[serde(default)]
    #[schema(inline)]
    pub required_skills: Vec<Skill>,
    /// Points per hour of service, 0 to 1000.
    pub points_per_hour: i32,
}

/// 活动开始前修改活动；未提供的字段保持不变。提高名额会立即从候补名单中递补。
///
/// Edit an activity before it starts; absent fields stay as they are. Raising the capacity
/// promotes people from the waitlist at once.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capacity": 40, "place": "东街社区服务中心二楼"}))]
pub struct UpdateActivityRequest {
    /// Title, 1 to 128 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 128)]
    pub title: Option<Text<1, 128>>,
    /// Kind of service.
    pub category: Option<ActivityCategory>,
    /// Details, at most 5000 characters.
    #[schema(value_type = Option<String>, max_length = 5000)]
    pub description: Option<Text<0, 5000>>,
    /// Where to go.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 255)]
    pub place: Option<Text<1, 255>>,
    /// Start.
    pub starts_at: Option<DateTime<Utc>>,
    /// End.
    pub ends_at: Option<DateTime<Utc>>,
    /// Last moment to sign up.
    pub signup_deadline: Option<DateTime<Utc>>,
    /// Seats; not below the number already confirmed.
    pub capacity: Option<i32>,
    /// Skills required for new sign-ups.
    #[schema(inline)]
    pub required_skills: Option<Vec<Skill>>,
    /// Points per hour of service.
    pub points_per_hour: Option<i32>,
}

/// 取消活动；通知所有已报名的人。
///
/// Cancel an activity; everyone signed up is told.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "因降雪改期"}))]
pub struct CancelActivityRequest {
    /// Why, shown to those signed up (at most 255 characters).
    #[schema(value_type = Option<String>, max_length = 255)]
    pub reason: Option<Text<0, 255>>,
}

/// Filters for the activity list (upcoming, open activities, soonest first). The page is
/// chosen with [`PageParams`](crate::http::PageParams).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityFilter {
    /// Only activities in this community.
    pub community_id: Option<i64>,
    /// Only this kind of service.
    pub category: Option<ActivityCategory>,
    /// Only activities starting on this local date (Asia/Shanghai), `YYYY-MM-DD`.
    #[param(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
    /// `true`: only activities with seats left; `false`: only full ones.
    pub has_seats: Option<bool>,
    /// Only this team's activities.
    pub team_id: Option<i64>,
}

/// 列表中的活动。
///
/// An activity in a list.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 12, "team_id": 1, "team_name": "七彩之光志愿服务队", "community_id": 1, "community_name": "东街社区", "title": "东街社区义务理发", "category": "haircut", "category_label": "义务理发", "place": "东街社区服务中心一楼", "starts_at": "2026-12-05T01:00:00Z", "ends_at": "2026-12-05T03:30:00Z", "signup_deadline": "2026-12-04T12:00:00Z", "capacity": 30, "seats_taken": 28, "seats_left": 2, "waitlist_count": 0, "required_skills": [], "points_per_hour": 10, "status": "open"}))]
pub struct ActivitySummary {
    /// Activity id.
    pub id: i64,
    /// The team that runs it.
    pub team_id: i64,
    /// That team's name.
    pub team_name: String,
    /// Community where it happens.
    pub community_id: i64,
    /// That community's name.
    pub community_name: String,
    /// Title.
    pub title: String,
    /// Kind of service.
    pub category: ActivityCategory,
    /// The kind's name in Chinese.
    pub category_label: String,
    /// Where to go.
    pub place: String,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Last moment to sign up.
    pub signup_deadline: DateTime<Utc>,
    /// Seats.
    pub capacity: i32,
    /// Confirmed sign-ups.
    pub seats_taken: i32,
    /// Seats still free.
    pub seats_left: i32,
    /// People waiting for a seat.
    pub waitlist_count: i64,
    /// Skills a volunteer must have.
    pub required_skills: Vec<String>,
    /// Points per hour of service.
    pub points_per_hour: i32,
    /// Open, cancelled or closed.
    pub status: ActivityStatus,
}

/// 单个活动，含调用者本人的报名。
///
/// One activity with the caller's own sign-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityDetail {
    /// The activity.
    #[serde(flatten)]
    pub activity: ActivitySummary,
    /// Details.
    pub description: String,
    /// Why it was cancelled, when it was.
    pub cancel_reason: Option<String>,
    /// My live sign-up (confirmed or waitlisted with my position), if any.
    pub my_signup: Option<SignupView>,
    /// Whether I may manage it (its team's leader or staff).
    pub can_manage: bool,
    /// The on-site check-in code, shown only to those who manage it (display it as a QR code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkin_code: Option<String>,
}

/// 结束活动时结算的内容。
///
/// What closing an activity settled.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"activity_id": 12, "no_shows": 2, "settled": 26, "points_paid": 520}))]
pub struct CloseReport {
    /// The activity.
    pub activity_id: i64,
    /// Confirmed volunteers recorded as no-shows now.
    pub no_shows: i64,
    /// Checked-in volunteers whose hours were credited now.
    pub settled: i64,
    /// Points paid now.
    pub points_paid: i64,
}
