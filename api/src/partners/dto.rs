//! Request and response bodies of the partner API and of partner administration.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::scope::Scope;
use crate::charging::dto::{BookingStatus, MaintenanceState, PileStatus, SocketState};
use crate::text::Text;

crate::text_enum! {
    /// 物业公司是否可以使用 API。
    ///
    /// Whether a property firm may use the API.
    pub enum PartnerStatus {
        /// Its clients may sign in.
        Active = "active",
    }
}

crate::text_enum! {
    /// Whether an API client's credentials work.
    pub enum ClientStatus {
        /// Its secret is accepted.
        Active = "active",
        /// Withdrawn: its tokens and secret no longer work.
        Revoked = "revoked",
    }
}

crate::text_enum! {
    /// Webhook 订阅是否接收事件。
    ///
    /// Whether a webhook subscription receives events.
    pub enum SubscriptionStatus {
        /// Events are posted to it.
        Active = "active",
        /// Deleted by the firm; its delivery history stays.
        Deleted = "deleted",
    }
}

crate::text_enum! {
    /// 事件向某个订阅的投递所处的状态。
    ///
    /// Where an event's delivery to one subscription stands.
    pub enum DeliveryStatus {
        /// Not yet accepted by the receiver; tried again at `next_attempt_at`.
        Pending = "pending",
        /// The receiver answered 2xx.
        Delivered = "delivered",
        /// Every attempt failed; no more tries.
        Failed = "failed",
    }
}

/// 登记物业公司（工作人员）。
///
/// Register a property firm (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "泾川物业服务有限公司", "compound_ids": [1, 2]}))]
pub struct CreatePartnerRequest {
    /// 公司名称，1 到 128 个字符，不可重复。
    /// Firm name, 1 to 128 characters, unique.
    #[schema(value_type = String, min_length = 1, max_length = 128)]
    pub name: Text<1, 128>,
    /// 服务的小区（一个小区至多属于一家物业公司）。
    /// Compounds the firm serves (a compound has at most one firm).
    pub compound_ids: Vec<i64>,
}

/// 替换物业公司服务的小区（工作人员）。
///
/// Replace the compounds a firm serves (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerCompoundsRequest {
    /// 小区 id 列表。
    /// Compound ids.
    pub compound_ids: Vec<i64>,
}

/// 物业公司。
///
/// A property firm.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerView {
    /// 物业公司 id。
    /// Partner id.
    pub id: i64,
    /// 公司名称。
    /// Firm name.
    pub name: String,
    /// 是否可以使用 API。
    /// Whether it may use the API.
    pub status: PartnerStatus,
    /// 服务的小区。
    /// Compounds it serves.
    pub compound_ids: Vec<i64>,
    /// 登记时间。
    /// When registered.
    pub created_at: DateTime<Utc>,
}

/// 为物业公司创建 API 客户端（工作人员）。
///
/// Create an API client for a firm (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "物业管理系统", "scopes": ["piles:read", "piles:write", "bookings:read", "webhooks:manage"]}))]
pub struct CreateClientRequest {
    /// 客户端的用途说明，1 到 128 个字符。
    /// What the client is, 1 to 128 characters.
    #[schema(value_type = String, min_length = 1, max_length = 128)]
    pub name: Text<1, 128>,
    /// 可以申请的权限范围：`piles:read`、`piles:write`、`bookings:read`、`webhooks:manage`。
    /// Scopes it may ask for: `piles:read`, `piles:write`, `bookings:read`, `webhooks:manage`.
    #[serde(deserialize_with = "super::scope::deserialize_nonempty_list")]
    pub scopes: Vec<Scope>,
}

/// API 客户端此后拥有的权限范围（工作人员）。
///
/// The scopes an API client holds from now on (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"scopes": ["piles:read"]}))]
pub struct ClientScopesRequest {
    /// 至少一个：`piles:read`、`piles:write`、`bookings:read`、`webhooks:manage`。
    /// At least one of `piles:read`, `piles:write`, `bookings:read`, `webhooks:manage`.
    #[serde(deserialize_with = "super::scope::deserialize_nonempty_list")]
    pub scopes: Vec<Scope>,
}

/// API 客户端的凭据。密钥只在此处显示一次；邻里只保存其哈希。
///
/// An API client's credentials. The secret is shown only here, once; Linli keeps only its hash.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"client_id": "pc_3f9a1c2b7d4e5f60", "client_secret": "pcs_Jx9...", "scopes": ["piles:read"], "previous_secret_valid_until": null}))]
pub struct ClientCredentials {
    /// 客户端 id，用于 `POST /api/v1/partner/token`。
    /// Client id, for `POST /api/v1/partner/token`.
    pub client_id: String,
    /// 客户端密钥：请立即妥善保存，之后无法再次显示。
    /// Client secret: store it safely now; it cannot be shown again.
    pub client_secret: String,
    /// 客户端可以使用的权限范围。
    /// Scopes the client may use.
    pub scopes: Vec<Scope>,
    /// 轮换后：旧密钥仍然有效的截止时间。
    /// After a rotation: until when the old secret still works.
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
}

/// OAuth 2 client-credentials 令牌请求（JSON 或表单编码；客户端也可以用 HTTP Basic 认证发送其 ID 与密钥）。
///
/// OAuth 2 client-credentials token request (JSON or form-encoded; the client may also send
/// its id and secret with HTTP Basic authentication).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "pc_3f9a1c2b7d4e5f60", "client_secret": "pcs_Jx9...", "scope": "piles:read bookings:read"}))]
pub struct TokenRequest {
    /// 必须为 `client_credentials`。
    /// Must be `client_credentials`.
    pub grant_type: Option<String>,
    /// 客户端 id（或放在 HTTP Basic 中）。
    /// Client id (or in HTTP Basic).
    pub client_id: Option<String>,
    /// 客户端密钥（或放在 HTTP Basic 中）。
    /// Client secret (or in HTTP Basic).
    pub client_secret: Option<String>,
    /// 申请的权限范围，以空格分隔；默认为客户端持有的全部范围。
    /// Space-separated scopes wanted; default: all the client has.
    pub scope: Option<String>,
}

/// 物业公司访问令牌。
///
/// A partner access token.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerToken {
    /// JWT，放在 `Authorization: Bearer <token>` 头中发送。
    /// JWT to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// 总是 `Bearer`。
    /// Always `Bearer`.
    pub token_type: String,
    /// 距过期的秒数。
    /// Seconds until it expires.
    pub expires_in: i64,
    /// 授予的权限范围，以空格分隔。
    /// Space-separated scopes granted.
    pub scope: String,
}

/// 物业公司服务的小区。
///
/// A compound the firm serves.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerCompoundView {
    /// 小区 id。
    /// Compound id.
    pub id: i64,
    /// 编码。
    /// Code.
    pub code: String,
    /// 名称。
    /// Name.
    pub name: String,
    /// 充电桩数量。
    /// Piles in it.
    pub pile_count: i64,
}

/// 在小区安装充电桩。
///
/// Install a pile in a compound.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "16号桩", "location": "4号车棚", "sockets": 2}))]
pub struct CreatePileRequest {
    /// 名称，1 到 64 个字符。
    /// Name, 1 to 64 characters.
    #[schema(value_type = String, min_length = 1, max_length = 64)]
    pub name: Text<1, 64>,
    /// 安装位置，1 到 128 个字符。
    /// Where it stands, 1 to 128 characters.
    #[schema(value_type = String, min_length = 1, max_length = 128)]
    pub location: Text<1, 128>,
    /// 插座数，1 到 4。
    /// Number of sockets, 1 to 4.
    pub sockets: i32,
}

/// 修改充电桩名称或位置。
///
/// Change a pile's name or location.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePileRequest {
    /// 新名称，1 到 64 个字符。
    /// New name, 1 to 64 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 64)]
    pub name: Option<Text<1, 64>>,
    /// 新位置，1 到 128 个字符。
    /// New location, 1 to 128 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 128)]
    pub location: Option<Text<1, 128>>,
}

/// 物业公司看到的充电桩，含插座及其印制编码。
///
/// A pile as the firm sees it, with its sockets and their printed codes.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerPileView {
    /// 充电桩 id。
    /// Pile id.
    pub id: i64,
    /// 小区。
    /// Compound.
    pub compound_id: i64,
    /// 编码。
    /// Code.
    pub code: String,
    /// 名称。
    /// Name.
    pub name: String,
    /// 位置。
    /// Location.
    pub location: String,
    /// 在用或已停用。
    /// In service or retired.
    pub status: PileStatus,
    /// 插座。
    /// Sockets.
    pub sockets: Vec<PartnerSocketView>,
    /// 充电桩设备是否在线（两个心跳周期内有上报）；未接入网关的充电桩为 `null`。
    /// Whether the pile's device is online (heard from within two heartbeat intervals);
    /// `null` for a pile no device drives.
    pub online: Option<bool>,
    /// 充电桩设备最后一次上报的时间。
    /// When the pile's device was last heard from.
    pub last_seen_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// 物业公司看到的插座。
///
/// A socket as the firm sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerSocketView {
    /// 插座 id。
    /// Socket id.
    pub id: i64,
    /// 充电桩。
    /// Pile.
    pub pile_id: i64,
    /// 在充电桩上的编号。
    /// Number on the pile.
    pub number: i32,
    /// 插座上印制的编码（用于二维码标签）。
    /// The code printed on it (for its QR label).
    pub code: String,
    /// 状态。
    /// State.
    pub state: SocketState,
    /// 充电桩心跳报告的实时状态（空闲、已插充电器、充电中、故障、离线）；从未上报时为 `null`。
    /// The live state the pile's heartbeat reported; `null` when it never did.
    #[schema(schema_with = nullable_live_state, required = true)]
    pub live_state: Option<crate::devices::dto::LiveState>,
    /// 充电桩上报的端口状态码（故障时为故障码）。
    /// The pile's status code for the port (the fault code when faulted).
    pub live_code: Option<i32>,
}

/// `LiveState` or `null`, described on the property.
fn nullable_live_state() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    Schema::OneOf(
        OneOfBuilder::new()
            .item(utoipa::openapi::Ref::from_schema_name("LiveState"))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .description(Some(
                "充电桩心跳报告的实时状态；从未上报时为 `null`。\nThe live state the pile's heartbeat reported; `null` when it never did.",
            ))
            .build(),
    )
}

/// 设置一个插座的状态。
///
/// Set one socket's state.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"state": "faulted", "reason": "模块故障"}))]
pub struct PartnerSocketStateRequest {
    /// `available`、`faulted` 或 `maintenance`（停用插座请停用充电桩）。
    /// `available`, `faulted` or `maintenance` (retire piles to retire sockets).
    pub state: SocketState,
    /// 告知预约被取消的住户的原因，1 到 200 个字符。
    /// Told to residents whose bookings are cancelled, 1 to 200 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub reason: Option<Text<1, 200>>,
}

/// 批量更新中的一项变更。
///
/// One change of a bulk update.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SocketStateChange {
    /// 插座 id。
    /// Socket id.
    pub socket_id: i64,
    /// 新状态。
    /// New state.
    pub state: SocketState,
}

/// 一次设置多个插座的状态；全部成功或全部不变。
///
/// Set many sockets' states at once; all or nothing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"changes": [{"socket_id": 11, "state": "maintenance"}, {"socket_id": 12, "state": "maintenance"}], "reason": "年度检修"}))]
pub struct BulkSocketStateRequest {
    /// 1 到 200 项变更。
    /// 1 to 200 changes.
    pub changes: Vec<SocketStateChange>,
    /// 告知预约被取消的住户的原因，1 到 200 个字符。
    /// Told to residents whose bookings are cancelled, 1 to 200 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub reason: Option<Text<1, 200>>,
}

/// Filters for the partner's bookings report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnerBookingFilter {
    /// 开始日期不早于此当地日期的预约。
    /// Bookings starting on or after this local date.
    pub from: Option<NaiveDate>,
    /// 开始日期不晚于此当地日期的预约。
    /// Bookings starting on or before this local date.
    pub to: Option<NaiveDate>,
    /// 本物业的某个小区。
    /// One compound of the firm's.
    pub compound_id: Option<i64>,
    /// 某个插座。
    /// One socket.
    pub socket_id: Option<i64>,
    /// 某个状态。
    /// One status.
    pub status: Option<BookingStatus>,
    /// 页码，从 1 开始。
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// 每页条数，1 到 100。
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}

/// 物业公司看到的预约：不含居民或家庭身份信息。
///
/// A booking as the firm sees it: no resident or household identity.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerBookingView {
    /// 预约 id。
    /// Booking id.
    pub id: i64,
    /// 小区。
    /// Compound.
    pub compound_id: i64,
    /// 充电桩。
    /// Pile.
    pub pile_id: i64,
    /// 插座。
    /// Socket.
    pub socket_id: i64,
    /// 开始。
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// 结束。
    /// End.
    pub ends_at: DateTime<Utc>,
    /// 状态。
    /// Status.
    pub status: BookingStatus,
    /// 签到时间。
    /// When checked in.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// 结束充电时间。
    /// When finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// 取消或释放时间。
    /// When cancelled or released.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// 预约时间。
    /// When booked.
    pub created_at: DateTime<Utc>,
}

/// Utilisation report range and format.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UtilisationQuery {
    /// 起始当地日期（默认为 `to` 之前 6 天）。
    /// First local date (default: 6 days before `to`).
    pub from: Option<NaiveDate>,
    /// 截止当地日期（默认为今天）。总共至多 62 天。
    /// Last local date (default: today). At most 62 days in all.
    pub to: Option<NaiveDate>,
    /// `json`（默认）或 `csv`。
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// 一个充电桩一天的使用情况。
///
/// One pile on one day.
#[derive(Debug, Serialize, ToSchema)]
pub struct UtilisationRow {
    /// 当地日期。
    /// Local date.
    pub date: NaiveDate,
    /// 小区。
    /// Compound.
    pub compound_id: i64,
    /// 充电桩。
    /// Pile.
    pub pile_id: i64,
    /// 充电桩名称。
    /// Pile name.
    pub pile_name: String,
    /// 预约小时数（不含已取消的预约）。
    /// Hours booked (bookings not cancelled).
    pub booked_hours: f64,
    /// 充电小时数（从签到到结束）。
    /// Hours charged (from check-in to finish).
    pub used_hours: f64,
    /// 因未签到而释放的预约数。
    /// Bookings released as no-shows.
    pub no_shows: i64,
    /// 取消的预约数。
    /// Bookings cancelled.
    pub cancellations: i64,
}

/// 为某个 URL 订阅事件。
///
/// Subscribe a URL to events.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://wuye.example.com/linli/webhooks", "events": ["booking.created", "booking.cancelled", "booking.no_show", "socket.state_changed", "maintenance.scheduled", "maintenance.changed", "maintenance.cancelled"]}))]
pub struct CreateSubscriptionRequest {
    /// 公网地址上的 HTTPS（或 HTTP）URL。
    /// HTTPS (or HTTP) URL on a public address.
    pub url: String,
    /// 订阅的事件类型。
    /// Event types: `booking.created`, `booking.cancelled`, `booking.no_show`,
    /// `socket.state_changed`, `maintenance.scheduled`.
    pub events: Vec<String>,
}

/// 一个 Webhook 订阅。
///
/// A webhook subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    /// 订阅 id。
    /// Subscription id.
    pub id: i64,
    /// 事件发送到的地址。
    /// Where events are posted.
    pub url: String,
    /// 事件类型。
    /// Event types.
    pub events: Vec<String>,
    /// 接收事件中或已删除。
    /// Receiving events or deleted.
    pub status: SubscriptionStatus,
    /// 签名密钥（`whsec_...`）：只在创建订阅时返回。
    /// Signing secret (`whsec_...`): returned only when the subscription is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// 创建时间。
    /// When created.
    pub created_at: DateTime<Utc>,
}

/// Delivery filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    /// 只看此状态的投递。
    /// Only deliveries in this state.
    pub status: Option<DeliveryStatus>,
    /// 页码，从 1 开始。
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// 每页条数，1 到 100。
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}

/// 一次事件投递尝试。
///
/// One try to deliver an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// 尝试时间。
    /// When.
    pub attempted_at: DateTime<Utc>,
    /// 接收方返回的 HTTP 状态（若有应答）。
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<i32>,
    /// 出错原因（若有）。
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// 耗时（毫秒）。
    /// How long it took.
    pub duration_ms: i32,
}

/// 事件向某个订阅的一次投递。
///
/// An event's delivery to one subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// 投递 id。
    /// Delivery id.
    pub id: i64,
    /// 订阅。
    /// Subscription.
    pub subscription_id: i64,
    /// 事件的 `webhook-id`。
    /// The event's `webhook-id`.
    pub event_id: String,
    /// 事件类型。
    /// Event type.
    pub event_type: String,
    /// 投递状态。
    /// Where it stands.
    pub status: DeliveryStatus,
    /// 已尝试次数。
    /// Attempts made.
    pub attempts: i32,
    /// 下次尝试时间（待投递时）。
    /// Next try, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// 投递成功时间。
    /// When delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// 发送的事件正文。
    /// The event body as sent.
    #[schema(value_type = crate::events::WebhookEvent)]
    pub payload: serde_json::Value,
    /// 每次尝试，最早在前（单条投递的应答中）。
    /// Every attempt, oldest first (in single-delivery answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt_log: Option<Vec<AttemptView>>,
}

/// 物业公司一次写操作的审计日志条目。
///
/// An audit log entry of a partner write.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    /// 条目 id。
    /// Entry id.
    pub id: i64,
    /// 物业公司。
    /// Partner.
    pub partner_id: Option<i64>,
    /// 操作者：`client:<id>`。
    /// Who: `client:<id>`.
    pub actor: String,
    /// 操作，例如 `pile.create`、`socket.state`。
    /// What, e.g. `pile.create`, `socket.state`.
    pub action: String,
    /// 对象类型。
    /// Kind of object.
    pub target_type: String,
    /// 对象 id。
    /// Its id.
    pub target_id: Option<i64>,
    /// 修改前的状态（JSON）。
    /// State before (JSON).
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// 修改后的状态（JSON）。
    /// State after (JSON).
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    /// 时间。
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Audit log filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// 某家物业公司。
    /// One partner.
    pub partner_id: Option<i64>,
    /// 页码，从 1 开始。
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// 每页条数，1 到 100。
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}

/// Which of the firm's maintenance windows to list (with `page` and `per_page`).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MaintenanceFilter {
    /// 本物业的一个小区。
    /// One compound of the firm's.
    pub compound_id: Option<i64>,
    /// 该充电桩上的维护（整桩的，或其某个插座的）。
    /// Windows on this pile: on the whole pile or on one of its sockets.
    pub pile_id: Option<i64>,
    /// 该插座上的维护（单独该插座的，或其整个充电桩的）。
    /// Windows on this socket: on it alone or on its whole pile.
    pub socket_id: Option<i64>,
    /// 只列出当前处于该状态的维护：`upcoming`（未开始）、`active`（进行中）、`ended`（已结束）或 `cancelled`（已撤销）。
    /// Only windows in this state now: `upcoming`, `active`, `ended` or `cancelled`.
    pub state: Option<MaintenanceState>,
}
