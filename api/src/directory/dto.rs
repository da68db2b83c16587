//! Request and response types of the service directory (after Open Referral HSDS).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::text::Text;

crate::text_enum! {
    /// 目录条目（服务、机构、角色联系人）是否展示。
    ///
    /// Whether a directory entry (a service, an organization, a role contact) is listed.
    pub enum EntryStatus {
        /// Listed: on cards and in search.
        Active = "active",
        /// Taken off cards and search; its history stays.
        Retired = "retired",
    }
}

crate::text_enum! {
    /// Which entries a staff list shows.
    pub enum EntryStatusFilter {
        /// Listed entries.
        Active = "active",
        /// Retired entries.
        Retired = "retired",
        /// Both.
        All = "all",
    }
}

crate::text_enum! {
    /// 居民纠错报告所处的状态。
    ///
    /// Where a resident's report of a wrong entry stands.
    pub enum ReportStatus {
        /// Waiting for staff.
        Open = "open",
        /// Staff corrected the entry.
        Fixed = "fixed",
        /// Staff found nothing wrong.
        Dismissed = "dismissed",
    }
}

crate::text_enum! {
    /// Which reports a staff list shows.
    pub enum ReportStatusFilter {
        /// Waiting for staff.
        Open = "open",
        /// Corrected.
        Fixed = "fixed",
        /// Dismissed.
        Dismissed = "dismissed",
        /// All of them.
        All = "all",
    }
}

/// 分类及其在分类树中的位置。
///
/// A category with its place in the tree.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": 3, "code": "elderly_care", "name": "养老服务", "parent_id": 1, "depth": 1}))]
pub struct CategoryView {
    /// Category id.
    pub id: i64,
    /// Stable code, e.g. `legal_aid`.
    pub code: String,
    /// Name in Chinese.
    pub name: String,
    /// Parent category; `null` at the top.
    pub parent_id: Option<i64>,
    /// 0 at the top, 1 below it, ...
    pub depth: i32,
}

/// 服务上标注的分类。
///
/// A category named on a service.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryRef {
    /// Category id.
    pub id: i64,
    /// Stable code.
    pub code: String,
    /// Name in Chinese.
    pub name: String,
}

/// 营业时段，当地时间（Asia/Shanghai）。
///
/// Opening interval, local time (Asia/Shanghai).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HoursView {
    /// Opens at `HH:MM`.
    pub opens_at: String,
    /// Closes at `HH:MM` (`24:00` for midnight).
    pub closes_at: String,
}

/// 列表或服务卡上的服务：地点、联系电话、当前是否营业。
///
/// A service in a list or on a card: where, how to call, whether it is open now.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": 12, "name": "东街社区日间照料中心", "category": {"id": 4, "code": "day_care", "name": "日间照料"}, "organization": "东街社区居委会", "address": "泾川县城关镇东街社区天和人家南门", "latitude": 35.3301, "longitude": 107.3601, "distance_m": 180, "phone": "0933-3312001", "open_now": true, "hours_today": [{"opens_at": "08:00", "closes_at": "18:00"}], "today_note": null, "last_confirmed_at": "2026-11-01T00:00:00Z"}))]
pub struct ServiceSummary {
    /// Service id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Its category.
    pub category: CategoryRef,
    /// The organization offering it.
    pub organization: String,
    /// Address of the (nearest) location.
    pub address: String,
    /// Latitude of that location (WGS-84).
    pub latitude: f64,
    /// Longitude of that location (WGS-84).
    pub longitude: f64,
    /// Metres from the place asked about (the building, the compound); `null` without one.
    pub distance_m: Option<i64>,
    /// First phone number.
    pub phone: Option<String>,
    /// Open at this moment, local time, holidays considered.
    pub open_now: bool,
    /// Today's opening hours (empty: closed today).
    pub hours_today: Vec<HoursView>,
    /// Why today differs from the usual week (e.g. `元旦休息`), when it does.
    pub today_note: Option<String>,
    /// When staff last confirmed the entry.
    pub last_confirmed_at: DateTime<Utc>,
}

/// Search filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceFilter {
    /// Text inside the name or description (Chinese, even one or two characters: `理发`).
    #[param(max_length = 64)]
    pub q: Option<String>,
    /// Only this category and the categories below it.
    pub category_id: Option<i64>,
    /// Only services of this community's 15-minute circle.
    pub community_id: Option<i64>,
    /// Sort by distance from this compound (nearest first) and report `distance_m`.
    pub near_compound_id: Option<i64>,
    /// With `near_compound_id`: only services within this many metres (1 to 20000).
    pub radius_m: Option<i64>,
    /// Only services open at this moment.
    pub open_now: Option<bool>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}

/// 地点（HSDS `location`）。
///
/// A location (HSDS `location`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LocationView {
    /// Location id.
    pub id: i64,
    /// Name, e.g. `东街社区党群服务中心`.
    pub name: String,
    /// Street address.
    pub address: String,
    /// Latitude (WGS-84).
    pub latitude: f64,
    /// Longitude (WGS-84).
    pub longitude: f64,
    /// Community it lies in, if recorded.
    pub community_id: Option<i64>,
    /// Organization it belongs to, if recorded.
    pub organization_id: Option<i64>,
}

/// 服务的电话号码。
///
/// A phone number of a service.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneView {
    /// The number, e.g. `0933-3312001`.
    pub number: String,
    /// What it is for, e.g. `值班电话`.
    #[serde(default)]
    pub description: String,
}

/// 服务的具名联系人（HSDS `contact`）。
///
/// A named person for a service (HSDS `contact`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactView {
    /// Name.
    pub name: String,
    /// Title, e.g. `中心主任`.
    #[serde(default)]
    pub title: String,
    /// Phone, if public.
    #[serde(default)]
    pub phone: Option<String>,
}

/// 某个星期几的常规营业时间。
///
/// Regular hours on a weekday.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHoursView {
    /// 1 (Monday) to 7 (Sunday).
    #[schema(minimum = 1, maximum = 7)]
    pub weekday: i32,
    /// Opens at `HH:MM`, local time.
    pub opens_at: String,
    /// Closes at `HH:MM` (`24:00` for midnight), after `opens_at`.
    pub closes_at: String,
}

/// 某一日期的特殊营业时间（节假日、停业）。
///
/// Other hours on one date (a holiday, a closure).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionView {
    /// Local date `YYYY-MM-DD`.
    pub date: String,
    /// Closed all day.
    pub closed: bool,
    /// When not closed: opens at `HH:MM`.
    #[serde(default)]
    pub opens_at: Option<String>,
    /// When not closed: closes at `HH:MM`.
    #[serde(default)]
    pub closes_at: Option<String>,
    /// Why, e.g. `元旦休息`.
    #[serde(default)]
    pub note: String,
}

/// 列表中的机构。
///
/// An organization in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationView {
    /// Organization id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Web address, if any.
    pub url: Option<String>,
    /// Listed or retired.
    pub status: EntryStatus,
    /// When staff last confirmed the entry.
    pub last_confirmed_at: DateTime<Utc>,
}

/// 单个服务的完整信息。
///
/// One service in full.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceDetail {
    /// Service id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// What it offers.
    pub description: String,
    /// Listed or retired.
    pub status: EntryStatus,
    /// Its category.
    pub category: CategoryRef,
    /// From the top category down to its own.
    pub category_path: Vec<CategoryRef>,
    /// The organization offering it.
    pub organization: OrganizationView,
    /// The community whose 15-minute circle it belongs to; `null` for county-wide services.
    pub community_id: Option<i64>,
    /// Where it is offered.
    pub locations: Vec<LocationView>,
    /// Phone numbers.
    pub phones: Vec<PhoneView>,
    /// Named people.
    pub contacts: Vec<ContactView>,
    /// Regular weekly hours.
    pub schedule: Vec<WeeklyHoursView>,
    /// Dated exceptions (holidays, closures).
    pub exceptions: Vec<ExceptionView>,
    /// Open at this moment (always `false` once retired).
    pub open_now: bool,
    /// When staff last confirmed the entry.
    pub last_confirmed_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// 创建服务。电话、联系人、营业时间与例外日期都是可选的列表。
///
/// Create a service. Phones, contacts, schedule and exceptions are optional lists.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organization_id": 1, "category_id": 9, "community_id": 1, "name": "东街义务理发点", "description": "每周三上午为老人义务理发", "location_ids": [3], "phones": [{"number": "0933-3312009", "description": "预约电话"}], "schedule": [{"weekday": 3, "opens_at": "08:30", "closes_at": "11:30"}]}))]
pub struct CreateService {
    /// The organization offering it.
    pub organization_id: i64,
    /// Its category.
    pub category_id: i64,
    /// Community whose 15-minute circle it belongs to (omit for county-wide).
    #[serde(default)]
    pub community_id: Option<i64>,
    /// Name, 1 to 128 characters.
    #[schema(value_type = String, min_length = 1, max_length = 128)]
    pub name: Text<1, 128>,
    /// What it offers, up to 2000 characters.
    #[serde(default)]
    #[schema(value_type = String, max_length = 2000)]
    pub description: Text<0, 2000>,
    /// Where it is offered (at least one location id).
    pub location_ids: Vec<i64>,
    /// Phone numbers.
    #[serde(default)]
    pub phones: Vec<PhoneView>,
    /// Named people.
    #[serde(default)]
    pub contacts: Vec<ContactView>,
    /// Weekly hours.
    #[serde(default)]
    pub schedule: Vec<WeeklyHoursView>,
    /// Dated exceptions.
    #[serde(default)]
    pub exceptions: Vec<ExceptionView>,
}

/// 修改服务：只改动提供的字段；提供的列表替换整个列表。任何修改也会将条目标记为现已确认。
///
/// Change a service: only the fields sent change; a list sent replaces the whole list. Any
/// change also marks the entry confirmed now.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"phones": [{"number": "0933-3312099", "description": "值班电话"}]}))]
pub struct UpdateService {
    /// New category.
    pub category_id: Option<i64>,
    /// New name, 1 to 128 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 128)]
    pub name: Option<Text<1, 128>>,
    /// New description, up to 2000 characters.
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Option<Text<0, 2000>>,
    /// New locations (replaces).
    pub location_ids: Option<Vec<i64>>,
    /// New phones (replaces).
    pub phones: Option<Vec<PhoneView>>,
    /// New contacts (replaces).
    pub contacts: Option<Vec<ContactView>>,
    /// New weekly hours (replaces).
    pub schedule: Option<Vec<WeeklyHoursView>>,
    /// New exceptions (replaces).
    pub exceptions: Option<Vec<ExceptionView>>,
}

/// 创建机构。
///
/// Create an organization.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "泾川县法律援助中心", "description": "免费法律咨询与援助"}))]
pub struct CreateOrganization {
    /// Name, unique, 1 to 128 characters.
    #[schema(value_type = String, min_length = 1, max_length = 128)]
    pub name: Text<1, 128>,
    /// What it does, up to 2000 characters.
    #[serde(default)]
    #[schema(value_type = String, max_length = 2000)]
    pub description: Text<0, 2000>,
    /// Web address.
    #[serde(default)]
    pub url: Option<String>,
}

/// 创建地点。
///
/// Create a location.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "东街社区党群服务中心", "address": "泾川县城关镇东街社区", "latitude": 35.3301, "longitude": 107.3601, "community_id": 1}))]
pub struct CreateLocation {
    /// Name.
    pub name: String,
    /// Street address.
    pub address: String,
    /// Latitude (WGS-84).
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub latitude: f64,
    /// Longitude (WGS-84).
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub longitude: f64,
    /// Community it lies in.
    #[serde(default)]
    pub community_id: Option<i64>,
    /// Organization it belongs to.
    #[serde(default)]
    pub organization_id: Option<i64>,
}

/// Filters for organizations and locations.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlaceFilter {
    /// Only locations of this community (locations only).
    pub community_id: Option<i64>,
    /// Name contains this text.
    #[param(max_length = 64)]
    pub q: Option<String>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}

/// 条目的错误类型。
///
/// What is wrong with an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// The phone number is wrong or nobody answers.
    WrongPhone,
    /// The service has closed or moved.
    Closed,
    /// The opening hours are wrong.
    WrongHours,
    /// Something else (say what in `message`).
    Other,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::WrongPhone => "wrong_phone",
            ReportKind::Closed => "closed",
            ReportKind::WrongHours => "wrong_hours",
            ReportKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> ReportKind {
        match s {
            "wrong_phone" => ReportKind::WrongPhone,
            "closed" => ReportKind::Closed,
            "wrong_hours" => ReportKind::WrongHours,
            _ => ReportKind::Other,
        }
    }
}

/// 报告错误条目：服务或角色联系人（二者恰好其一）。
///
/// Report a wrong entry: a service or a role contact (exactly one of the two).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"service_id": 12, "kind": "wrong_phone", "message": "电话是空号"}))]
pub struct CreateReport {
    /// The service that is wrong.
    #[serde(default)]
    pub service_id: Option<i64>,
    /// The role contact that is wrong.
    #[serde(default)]
    pub role_contact_id: Option<i64>,
    /// What is wrong.
    pub kind: ReportKind,
    /// Details, up to 500 characters (required when the kind is `other`).
    #[serde(default)]
    #[schema(value_type = String, max_length = 500)]
    pub message: Text<0, 500>,
}

/// 工作人员看到的纠错报告。
///
/// A report as staff see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportView {
    /// Report id.
    pub id: i64,
    /// The service reported, if it is one.
    pub service_id: Option<i64>,
    /// The role contact reported, if it is one.
    pub role_contact_id: Option<i64>,
    /// Name of what was reported.
    pub subject: String,
    /// What is wrong.
    pub kind: ReportKind,
    /// Details.
    pub message: String,
    /// Where it stands.
    pub status: ReportStatus,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When staff resolved it.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Staff's note.
    pub resolution_note: Option<String>,
}

/// Report list filter.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportFilter {
    /// Reports in this state (default `open`).
    #[param(inline)]
    pub status: Option<ReportStatusFilter>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}

/// 工作人员关闭报告的方式。
///
/// How staff close a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// The entry was corrected (or checked and is right): it is marked confirmed now.
    Fixed,
    /// The report was wrong.
    Dismissed,
}

/// 处理纠错报告。
///
/// Resolve a report.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"resolution": "fixed", "note": "已更正值班电话"}))]
pub struct ResolveReport {
    /// Fixed or dismissed.
    pub resolution: Resolution,
    /// Note for the record, up to 500 characters.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub note: Option<Text<0, 500>>,
}
