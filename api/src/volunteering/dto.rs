//! Request and response bodies of the volunteering area.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Stored UTC time → wire time.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

// ---------------------------------------------------------------- teams and profiles

/// A member's role in a team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    /// 队长: runs the team's activities.
    Leader,
    /// 队员.
    Member,
}

impl TeamRole {
    pub fn as_str(self) -> &'static str {
        match self {
            TeamRole::Leader => "leader",
            TeamRole::Member => "member",
        }
    }

    pub fn parse(s: &str) -> TeamRole {
        if s == "leader" {
            TeamRole::Leader
        } else {
            TeamRole::Member
        }
    }
}

/// A volunteer team (志愿服务队).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "name": "七彩之光志愿服务队", "description": "泾川县城区社区志愿服务队", "community_id": null, "member_count": 12, "leaders": [{"user_id": 3, "nickname": "七彩之光队长"}], "my_role": "member"}))]
pub struct TeamView {
    /// Team id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// What the team does.
    pub description: String,
    /// The community it belongs to; `null` for a county-wide team.
    pub community_id: Option<i64>,
    /// Members, leaders included.
    pub member_count: i64,
    /// The team's leaders.
    pub leaders: Vec<UserRef>,
    /// The caller's role in the team; `null` when not a member.
    pub my_role: Option<TeamRole>,
}

/// A user as others see them: id and display name only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserRef {
    /// User id.
    pub user_id: i64,
    /// Display name.
    pub nickname: String,
}

/// Create a team (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "七彩之光志愿服务队", "description": "义务理发、健康义诊、家电修理", "community_id": null}))]
pub struct CreateTeamRequest {
    /// Unique name, 1 to 64 characters.
    pub name: String,
    /// What the team does, at most 1000 characters.
    #[serde(default)]
    pub description: String,
    /// The community it belongs to, if any.
    pub community_id: Option<i64>,
}

/// A member of a team, as its leaders see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMemberView {
    /// User id.
    pub user_id: i64,
    /// Display name.
    pub nickname: String,
    /// Leader or member.
    pub role: TeamRole,
    /// Skills from the volunteer profile.
    pub skills: Vec<String>,
    /// Registered in-service party member (在职党员).
    pub is_party_member: bool,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

/// Make a member a leader or a plain member (staff). A new leader who is a resident becomes
/// a `team_leader`; the new role is in their token after the next refresh.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "leader"}))]
pub struct SetMemberRoleRequest {
    /// The new role in the team.
    pub role: TeamRole,
}

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

/// Replace my skills.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"skills": ["理发", "急救", "家电维修"]}))]
pub struct UpdateProfileRequest {
    /// Skills, each 1 to 32 characters, at most 20 (e.g. 理发, 医护, 急救, 家电维修, 电工, 宣讲).
    pub skills: Vec<String>,
}

/// Register or unregister a user as an in-service party member (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"is_party_member": true, "party_unit": "县教育局"}))]
pub struct PartyMemberRequest {
    /// Whether the user is a registered in-service party member.
    pub is_party_member: bool,
    /// Their work unit, at most 128 characters.
    pub party_unit: Option<String>,
}

// ---------------------------------------------------------------- activities

/// What kind of service an activity offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityCategory {
    /// 义务理发
    Haircut,
    /// 健康义诊
    HealthClinic,
    /// 家电修理
    ApplianceRepair,
    /// 理论宣讲
    Talk,
    /// 环境整治
    Cleanup,
    /// 上门服务 (the service menu's door-to-door help)
    DoorToDoor,
    /// 其他
    Other,
}

impl ActivityCategory {
    pub const ALL: [ActivityCategory; 7] = [
        ActivityCategory::Haircut,
        ActivityCategory::HealthClinic,
        ActivityCategory::ApplianceRepair,
        ActivityCategory::Talk,
        ActivityCategory::Cleanup,
        ActivityCategory::DoorToDoor,
        ActivityCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityCategory::Haircut => "haircut",
            ActivityCategory::HealthClinic => "health_clinic",
            ActivityCategory::ApplianceRepair => "appliance_repair",
            ActivityCategory::Talk => "talk",
            ActivityCategory::Cleanup => "cleanup",
            ActivityCategory::DoorToDoor => "door_to_door",
            ActivityCategory::Other => "other",
        }
    }

    pub fn parse(s: &str) -> ActivityCategory {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .unwrap_or(ActivityCategory::Other)
    }

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

/// Where an activity stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityStatus {
    /// Published; sign-up open until the deadline.
    Open,
    /// Cancelled by its team or staff; everyone signed up was told.
    Cancelled,
    /// Over and settled: no-shows recorded, hours and points credited.
    Closed,
}

impl ActivityStatus {
    pub fn parse(s: &str) -> ActivityStatus {
        match s {
            "cancelled" => ActivityStatus::Cancelled,
            "closed" => ActivityStatus::Closed,
            _ => ActivityStatus::Open,
        }
    }
}

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
    pub title: String,
    /// Kind of service.
    pub category: ActivityCategory,
    /// Details, at most 5000 characters.
    #[serde(default)]
    pub description: String,
    /// Where to go, 1 to 255 characters.
    pub place: String,
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
    pub required_skills: Vec<String>,
    /// Points per hour of service, 0 to 1000.
    pub points_per_hour: i32,
}

/// Edit an activity before it starts; absent fields stay as they are. Raising the capacity
/// promotes people from the waitlist at once.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capacity": 40, "place": "东街社区服务中心二楼"}))]
pub struct UpdateActivityRequest {
    /// Title, 1 to 128 characters.
    pub title: Option<String>,
    /// Kind of service.
    pub category: Option<ActivityCategory>,
    /// Details, at most 5000 characters.
    pub description: Option<String>,
    /// Where to go.
    pub place: Option<String>,
    /// Start.
    pub starts_at: Option<DateTime<Utc>>,
    /// End.
    pub ends_at: Option<DateTime<Utc>>,
    /// Last moment to sign up.
    pub signup_deadline: Option<DateTime<Utc>>,
    /// Seats; not below the number already confirmed.
    pub capacity: Option<i32>,
    /// Skills required for new sign-ups.
    pub required_skills: Option<Vec<String>>,
    /// Points per hour of service.
    pub points_per_hour: Option<i32>,
}

/// Cancel an activity; everyone signed up is told.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "因降雪改期"}))]
pub struct CancelActivityRequest {
    /// Why, shown to those signed up (at most 255 characters).
    pub reason: Option<String>,
}

/// Filters for the activity list (upcoming, open activities, soonest first).
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
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}

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

// ---------------------------------------------------------------- sign-ups

/// A sign-up's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignupStatus {
    /// Has a seat.
    Confirmed,
    /// Waiting for a seat; `position` says where in the queue.
    Waitlisted,
    /// Cancelled by the volunteer.
    Cancelled,
}

impl SignupStatus {
    pub fn parse(s: &str) -> SignupStatus {
        match s {
            "confirmed" => SignupStatus::Confirmed,
            "waitlisted" => SignupStatus::Waitlisted,
            _ => SignupStatus::Cancelled,
        }
    }
}

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

/// Check in with the activity's on-site code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "7QX4M2"}))]
pub struct CheckInRequest {
    /// The code shown at the activity (case does not matter).
    pub code: String,
}

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

// ---------------------------------------------------------------- points

/// My points.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"balance": 120, "service_minutes": 720}))]
pub struct PointsSummary {
    /// Balance: the sum of my ledger.
    pub balance: i64,
    /// Service time credited so far, in minutes.
    pub service_minutes: i64,
}

/// Why points changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PointsReason {
    /// Hours of service at an activity.
    ActivityHours,
    /// A micro-wish I fulfilled was confirmed.
    WishFulfilled,
    /// Spent at the points supermarket.
    Redemption,
    /// A staff adjustment (with a note).
    Adjustment,
}

impl PointsReason {
    pub fn as_str(self) -> &'static str {
        match self {
            PointsReason::ActivityHours => "activity_hours",
            PointsReason::WishFulfilled => "wish_fulfilled",
            PointsReason::Redemption => "redemption",
            PointsReason::Adjustment => "adjustment",
        }
    }

    pub fn parse(s: &str) -> PointsReason {
        match s {
            "activity_hours" => PointsReason::ActivityHours,
            "wish_fulfilled" => PointsReason::WishFulfilled,
            "redemption" => PointsReason::Redemption,
            _ => PointsReason::Adjustment,
        }
    }
}

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

/// A staff adjustment of a user's points.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount": 50, "note": "社区表彰：疫情防控志愿服务"}))]
pub struct AdjustPointsRequest {
    /// Points to add (positive) or take (negative), not zero, at most 100000 either way.
    pub amount: i32,
    /// Why, 1 to 255 characters (kept in the ledger).
    pub note: String,
}

// ---------------------------------------------------------------- points supermarket

/// An item of the points supermarket (积分超市).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "name": "食用油 5L", "description": "压榨菜籽油", "price_points": 300, "stock": 20, "active": true}))]
pub struct ShopItemView {
    /// Item id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Details.
    pub description: String,
    /// Price in points.
    pub price_points: i32,
    /// Items left.
    pub stock: i32,
    /// Offered now.
    pub active: bool,
}

/// Add an item (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "毛巾", "description": "纯棉毛巾一条", "price_points": 30, "stock": 100}))]
pub struct CreateShopItemRequest {
    /// Name, 1 to 64 characters.
    pub name: String,
    /// Details, at most 500 characters.
    #[serde(default)]
    pub description: String,
    /// Price in points, 1 to 100000.
    #[schema(minimum = 1, maximum = 100_000)]
    pub price_points: i32,
    /// Items in stock, 0 to 1000000.
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub stock: i32,
    /// Offered now (default true).
    pub active: Option<bool>,
}

/// Change an item (staff). Stock changes go through restock, so that redemptions running at
/// the same time are never overwritten.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"price_points": 25, "active": true}))]
pub struct UpdateShopItemRequest {
    /// Name.
    pub name: Option<String>,
    /// Details.
    pub description: Option<String>,
    /// Price in points, 1 to 100000.
    #[schema(minimum = 1, maximum = 100_000)]
    pub price_points: Option<i32>,
    /// Offered or withdrawn.
    pub active: Option<bool>,
}

/// Add stock (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"quantity": 50}))]
pub struct RestockRequest {
    /// Items to add, 1 to 100000.
    pub quantity: i32,
}

/// Redeem an item for points.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"quantity": 1}))]
pub struct RedeemRequest {
    /// How many, 1 to 10 (default 1).
    pub quantity: Option<i32>,
}

/// A redemption's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RedemptionStatus {
    /// Waiting at the counter; show the pickup code.
    Pending,
    /// Handed over.
    Collected,
}

/// A redemption.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 33, "item_id": 1, "item_name": "食用油 5L", "quantity": 1, "points": 300, "pickup_code": "K7M2Q9TX", "status": "pending", "created_at": "2026-12-05T04:00:00Z", "collected_at": null}))]
pub struct RedemptionView {
    /// Redemption id.
    pub id: i64,
    /// The item.
    pub item_id: i64,
    /// Its name.
    pub item_name: String,
    /// How many.
    pub quantity: i32,
    /// Points spent.
    pub points: i32,
    /// Code to show at the counter.
    pub pickup_code: String,
    /// Pending or collected.
    pub status: RedemptionStatus,
    /// When redeemed.
    pub created_at: DateTime<Utc>,
    /// When collected.
    pub collected_at: Option<DateTime<Utc>>,
}

/// Hand over a redemption (staff at the counter).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"pickup_code": "K7M2Q9TX"}))]
pub struct CollectRequest {
    /// The code the resident shows.
    pub pickup_code: String,
}

// ---------------------------------------------------------------- micro-wishes

/// A micro-wish's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WishStatus {
    /// Waiting for someone to claim it.
    Open,
    /// Claimed by one volunteer or party member.
    Claimed,
    /// The claimer says it is done; the resident confirms (or it confirms itself after 7 days).
    Fulfilled,
    /// Done and confirmed; the claimer got the points.
    Confirmed,
    /// Withdrawn by the resident.
    Withdrawn,
}

impl WishStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WishStatus::Open => "open",
            WishStatus::Claimed => "claimed",
            WishStatus::Fulfilled => "fulfilled",
            WishStatus::Confirmed => "confirmed",
            WishStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> WishStatus {
        match s {
            "claimed" => WishStatus::Claimed,
            "fulfilled" => WishStatus::Fulfilled,
            "confirmed" => WishStatus::Confirmed,
            "withdrawn" => WishStatus::Withdrawn,
            _ => WishStatus::Open,
        }
    }
}

/// Post a micro-wish (微心愿).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "帮忙修理收音机", "description": "家里老人的收音机没有声音了，希望有人帮忙看看", "community_id": 1}))]
pub struct CreateWishRequest {
    /// What is needed, 1 to 64 characters.
    pub title: String,
    /// Details, at most 1000 characters.
    #[serde(default)]
    pub description: String,
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

/// Filters for the micro-wish list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WishFilter {
    /// Only wishes in this state (default `open`).
    pub status: Option<WishStatus>,
    /// Only wishes of this community.
    pub community_id: Option<i64>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}

/// Filters for the shop's item list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShopFilter {
    /// Staff only: include items no longer offered.
    pub include_inactive: Option<bool>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}
