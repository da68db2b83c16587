//! Request and response types of card lookups, card administration and role contacts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::rules::CheckCode;
use crate::directory::dto::{CategoryRef, EntryStatus, EntryStatusFilter, ServiceSummary};
use crate::directory::roles::ContactRole;
use crate::places::dto::NamedRef;

crate::text_enum! {
    /// 印好的服务卡是否可用。
    ///
    /// Whether a printed card works.
    pub enum CardStatus {
        /// Its QR code works.
        Active = "active",
        /// Lost, replaced or moved out: its QR code no longer works.
        Revoked = "revoked",
    }
}

/// The check code a card's QR code carries with its number.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckCodeQuery {
    /// The check code printed beside the number (case does not matter).
    #[param(inline, example = "7QX4M2")]
    pub check_code: CheckCode,
}

/// 卡所属的楼栋：社区 › 网格 › 小区 › 楼栋。从不包含家庭的单元、房号或成员。
///
/// The building a card belongs to: community › grid › compound › building. Never the unit,
/// room or people of the household.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BuildingAddress {
    /// Community (社区).
    pub community: NamedRef,
    /// Grid cell (网格).
    pub grid: NamedRef,
    /// Compound (小区).
    pub compound: NamedRef,
    /// Building (楼栋).
    pub building: NamedRef,
    /// The whole address on one line.
    pub text: String,
}

/// 七个角色之一及本楼栋的担任者（空缺时为 `null`）。
///
/// One of the seven roles and who holds it for this building (`null`s while vacant).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"role": "building_head", "title": "楼栋长", "contact_id": 31, "name": "王秀兰", "phone": "13993310031", "last_confirmed_at": "2026-11-01T00:00:00Z"}))]
pub struct RoleSlot {
    /// The role.
    pub role: ContactRole,
    /// Its title in Chinese.
    pub title: String,
    /// The role contact's id (for reporting a wrong number).
    pub contact_id: Option<i64>,
    /// Name.
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// When staff last confirmed it.
    pub last_confirmed_at: Option<DateTime<Utc>>,
}

/// 某一类别的附近服务，由近到远。
///
/// Nearby services of one category, nearest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NearbyGroup {
    /// The (top-level) category.
    pub category: CategoryRef,
    /// Its services, nearest first.
    pub services: Vec<ServiceSummary>,
}

/// 紧急情况下拨打的号码。
///
/// A number to call in an emergency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmergencyNumber {
    /// Who answers.
    pub name: String,
    /// The number.
    pub number: String,
}

/// 扫描便民服务卡显示的内容：楼栋地址、七个角色联系人、社区服务中心、按类别的15分钟生活圈与紧急电话。
///
/// What scanning a convenience card shows: the building's address, its seven role contacts,
/// the community service centre, the 15-minute circle by category and emergency numbers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CardView {
    /// Where the card's building is.
    pub address: BuildingAddress,
    /// The seven role contacts, always in the same order.
    pub role_contacts: Vec<RoleSlot>,
    /// The community's service centre.
    pub service_centre: Option<ServiceSummary>,
    /// Services of the community's 15-minute circle, by category.
    pub nearby: Vec<NearbyGroup>,
    /// 110, 119, 120, 12345 and the service centre.
    pub emergency_numbers: Vec<EmergencyNumber>,
}

/// 工作人员看到的服务卡（含校验码，用于打印）。
///
/// A card as staff see it (with its check code, for printing).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"card_number": "JC10001", "check_code": "K7M2QX", "household_id": 42, "status": "active", "issued_at": "2026-11-30T02:00:00Z", "revoked_at": null}))]
pub struct CardAdminView {
    /// Printed number.
    pub card_number: String,
    /// Check code (in the QR code and printed).
    pub check_code: String,
    /// The household it belongs to.
    pub household_id: i64,
    /// Whether it works.
    pub status: CardStatus,
    /// When this code was issued.
    pub issued_at: DateTime<Utc>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// 为没有有效卡的家庭发卡。
///
/// Issue a card to a household that has none active.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"household_id": 42}))]
pub struct IssueCard {
    /// The household.
    pub household_id: i64,
}

/// Card list filter (staff).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CardFilter {
    /// Only this household's cards.
    pub household_id: Option<i64>,
    /// Only cards with this status.
    pub status: Option<CardStatus>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}

/// 角色联系人及其负责范围。
///
/// A role contact with what they cover.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoleContactView {
    /// Id.
    pub id: i64,
    /// Community they serve.
    pub community_id: i64,
    /// Role.
    pub role: ContactRole,
    /// Its title in Chinese.
    pub title: String,
    /// Name.
    pub name: String,
    /// Public phone.
    pub phone: String,
    /// Serving or retired.
    pub status: EntryStatus,
    /// When staff last confirmed it.
    pub last_confirmed_at: DateTime<Utc>,
    /// Compounds and buildings they are assigned to.
    pub assignments: Vec<AssignmentView>,
}

/// 创建角色联系人。
///
/// Create a role contact.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"community_id": 1, "role": "building_head", "name": "王秀兰", "phone": "13993310031"}))]
pub struct CreateRoleContact {
    /// Community they serve.
    pub community_id: i64,
    /// Role.
    pub role: ContactRole,
    /// Name, 1 to 64 characters.
    pub name: String,
    /// Public phone.
    pub phone: String,
}

/// 修改角色联系人的姓名或电话（同时标记为现已确认）。
///
/// Change a role contact's name or phone (marks it confirmed now).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phone": "13993319999"}))]
pub struct UpdateRoleContact {
    /// New name.
    pub name: Option<String>,
    /// New phone.
    pub phone: Option<String>,
}

/// Role contact filter (staff).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoleContactFilter {
    /// Only this community.
    pub community_id: Option<i64>,
    /// Only this role.
    pub role: Option<ContactRole>,
    /// Name contains this text.
    #[param(max_length = 64)]
    pub q: Option<String>,
    /// Contacts with this status (default `active`).
    #[param(inline)]
    pub status: Option<EntryStatusFilter>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}

/// 负责某个小区（其中没有本角色专人的所有楼栋）或某一楼栋的角色联系人。
///
/// A role contact covering a compound (every building in it without its own holder of the
/// role) or one building.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentView {
    /// Assignment id.
    pub id: i64,
    /// The role contact.
    pub role_contact_id: i64,
    /// The role.
    pub role: ContactRole,
    /// The compound covered, when it is a compound.
    pub compound_id: Option<i64>,
    /// The building covered, when it is a building.
    pub building_id: Option<i64>,
}

/// 为小区或楼栋（二者恰好其一）指定角色联系人。原先担任该角色的人被替换。
///
/// Assign a role contact to a compound or a building (exactly one). Whoever held the role
/// there before is replaced.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role_contact_id": 31, "building_id": 7}))]
pub struct CreateAssignment {
    /// The role contact.
    pub role_contact_id: i64,
    /// A compound to cover.
    #[serde(default)]
    pub compound_id: Option<i64>,
    /// A building to cover.
    #[serde(default)]
    pub building_id: Option<i64>,
}
