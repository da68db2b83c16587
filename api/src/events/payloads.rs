//! The data of each kind of domain event: what a webhook subscriber finds under `data`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::charging::dto::{BookingStatus, SocketState};

/// 预约已创建、已取消或已释放。
///
/// A booking made, cancelled or released.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"booking_id": 12, "compound_id": 1, "pile_id": 2, "socket_id": 3, "starts_at": "2026-12-01T10:00:00Z", "ends_at": "2026-12-01T11:00:00Z", "status": "confirmed", "reason": null, "sequence": 1}))]
pub struct BookingEventData {
    /// 预约。
    /// The booking.
    pub booking_id: i64,
    /// 所在小区。
    /// The compound it is in.
    pub compound_id: i64,
    /// 插座所属的充电桩。
    /// The pile of that socket.
    pub pile_id: i64,
    /// 预约的插座。
    /// The socket it holds.
    pub socket_id: i64,
    /// 预约时段的开始。
    /// Start of the booked time.
    #[serde(with = "super::millis")]
    pub starts_at: DateTime<Utc>,
    /// 预约时段的结束（不含）。
    /// End of the booked time (exclusive).
    #[serde(with = "super::millis")]
    pub ends_at: DateTime<Utc>,
    /// 事件后的状态：创建时为 `confirmed`，或 `cancelled`、`no_show`。
    /// Its status after the event: `confirmed` when created, `cancelled`, or `no_show`.
    pub status: BookingStatus,
    /// 取消或释放的原因；新预约为 `null`。
    /// Why it was cancelled or released; `null` for a new booking.
    #[schema(required = true)]
    pub reason: Option<String>,
    /// 本事件在其资源（该预约）所有事件中的序号：按发生顺序为 1、2、3……同一资源的投递按此顺序发送；接收方也可据此排序。
    /// This event's number among the events of its resource (the booking): 1, 2, 3, … in the
    /// order they happened. Deliveries of one resource are sent in this order; a receiver can
    /// also order by it.
    #[serde(default)]
    pub sequence: i64,
}

/// 插座状态已变更。
///
/// A socket's state changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"socket_id": 3, "pile_id": 2, "compound_id": 1, "previous_state": "available", "state": "faulted", "reason": "无法充电", "previous_live_state": null, "live_state": null, "sequence": 4}))]
pub struct SocketStateChangedData {
    /// 插座。
    /// The socket.
    pub socket_id: i64,
    /// 所属充电桩。
    /// Its pile.
    pub pile_id: i64,
    /// 所在小区。
    /// The compound it stands in.
    pub compound_id: i64,
    /// 变更前的状态。
    /// The state before the change.
    pub previous_state: SocketState,
    /// 当前状态。插座停止使用会取消其已确认的预约（每条另发 `booking.cancelled`）。
    /// The state now. Taking a socket out of use cancels its confirmed bookings (each with its
    /// own `booking.cancelled`).
    pub state: SocketState,
    /// 变更者给出的原因。
    /// Why, as given by whoever changed it.
    pub reason: String,
    /// 充电桩心跳报告的实时状态变化（或充电桩离线）时为变化前的实时状态（此前未知为 `null`）；工作人员或物业设置状态时为 `null`。
    /// When the pile's heartbeat (or its going offline) changed the socket's live state: the
    /// live state before (`null` when none was known); `null` for a state set by staff or a
    /// firm.
    #[serde(default)]
    #[schema(schema_with = nullable_previous_live_state, required = true)]
    pub previous_live_state: Option<crate::devices::dto::LiveState>,
    /// 充电桩报告的实时状态（此时 `state`、`previous_state` 为插座不变的设定状态）；工作人员或物业设置状态时为 `null`。
    /// The live state the pile reported (`state` and `previous_state` are then the socket's
    /// unchanged set state); `null` for a state set by staff or a firm.
    #[serde(default)]
    #[schema(schema_with = nullable_live_state, required = true)]
    pub live_state: Option<crate::devices::dto::LiveState>,
    /// 本事件在其资源（该插座）所有事件中的序号：按发生顺序为 1、2、3……同一资源的投递按此顺序发送；接收方也可据此排序。
    /// This event's number among the events of its resource (the socket): 1, 2, 3, … in the
    /// order they happened. Deliveries of one resource are sent in this order; a receiver can
    /// also order by it.
    #[serde(default)]
    pub sequence: i64,
}

/// 已设定维护时段。该时段被占用：不能预约。
///
/// A maintenance window was set. Its time is taken: nothing can be booked in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"maintenance_id": 5, "compound_id": 1, "pile_id": null, "socket_id": 3, "starts_at": "2026-12-01T10:00:00Z", "ends_at": "2026-12-01T12:00:00Z", "reason": "检修", "cancelled_bookings": [12], "sequence": 1}))]
pub struct MaintenanceScheduledData {
    /// 维护时段。
    /// The window.
    pub maintenance_id: i64,
    /// 小区。
    /// The compound.
    pub compound_id: i64,
    /// 维护整个充电桩时为该充电桩（否则为 `null`）。
    /// The pile, when the window covers a whole pile (else `null`).
    #[schema(required = true)]
    pub pile_id: Option<i64>,
    /// 维护一个插座时为该插座（否则为 `null`）。
    /// The socket, when the window covers one socket (else `null`).
    #[schema(required = true)]
    pub socket_id: Option<i64>,
    /// 开始，向下取整到时段网格。
    /// Start, rounded down to the slot grid.
    #[serde(with = "super::millis")]
    pub starts_at: DateTime<Utc>,
    /// 结束，向上取整到时段网格。
    /// End, rounded up to the slot grid.
    #[serde(with = "super::millis")]
    pub ends_at: DateTime<Utc>,
    /// 原因。
    /// Why.
    pub reason: String,
    /// 因维护取消的预约（每条也会作为 `booking.cancelled` 发送）。
    /// Bookings the window cancelled (each also sent as `booking.cancelled`).
    pub cancelled_bookings: Vec<i64>,
    /// 本事件在其资源（该维护时段）所有事件中的序号：按发生顺序为 1、2、3……同一资源的投递按此顺序发送；接收方也可据此排序。
    /// This event's number among the events of its resource (the maintenance window): 1, 2, 3, … in the
    /// order they happened. Deliveries of one resource are sent in this order; a receiver can
    /// also order by it.
    #[serde(default)]
    pub sequence: i64,
}

/// 维护时段在开始前改期或修改了原因：新时段被占用，原时段重新空出。
///
/// A maintenance window was moved or its reason changed (before it started). Its new time is
/// taken; the time it left is free again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"maintenance_id": 5, "compound_id": 1, "pile_id": null, "socket_id": 3, "previous_starts_at": "2026-12-01T10:00:00Z", "previous_ends_at": "2026-12-01T12:00:00Z", "starts_at": "2026-12-02T10:00:00Z", "ends_at": "2026-12-02T12:00:00Z", "reason": "检修（改期）", "cancelled_bookings": [14], "released_bookings": [12], "sequence": 2}))]
pub struct MaintenanceChangedData {
    /// 维护时段。
    /// The window.
    pub maintenance_id: i64,
    /// 小区。
    /// The compound.
    pub compound_id: i64,
    /// 维护整个充电桩时为该充电桩（否则为 `null`）。
    /// The pile, when the window covers a whole pile (else `null`).
    #[schema(required = true)]
    pub pile_id: Option<i64>,
    /// 维护一个插座时为该插座（否则为 `null`）。
    /// The socket, when the window covers one socket (else `null`).
    #[schema(required = true)]
    pub socket_id: Option<i64>,
    /// 改动前的开始时间。
    /// Start before the change.
    #[serde(with = "super::millis")]
    pub previous_starts_at: DateTime<Utc>,
    /// 改动前的结束时间。
    /// End before the change.
    #[serde(with = "super::millis")]
    pub previous_ends_at: DateTime<Utc>,
    /// 新的开始时间，向下取整到时段网格。
    /// New start, rounded down to the slot grid.
    #[serde(with = "super::millis")]
    pub starts_at: DateTime<Utc>,
    /// 新的结束时间，向上取整到时段网格。
    /// New end, rounded up to the slot grid.
    #[serde(with = "super::millis")]
    pub ends_at: DateTime<Utc>,
    /// 原因（改动后）。
    /// Why (as changed).
    pub reason: String,
    /// 因新时段被取消的预约（每条也会作为 `booking.cancelled` 发送）。
    /// Bookings the new time cancelled (each also sent as `booking.cancelled`).
    pub cancelled_bookings: Vec<i64>,
    /// 维护时段曾取消、而新时段不再覆盖的预约；会通知住户可以重新预约（预约本身仍为已取消）。
    /// Bookings the window had cancelled whose time it no longer covers; their residents are
    /// told they may book it again (the bookings stay cancelled).
    pub released_bookings: Vec<i64>,
    /// 本事件在其资源（该维护时段）所有事件中的序号：按发生顺序为 1、2、3……
    /// This event's number among the events of its resource (the maintenance window): 1, 2,
    /// 3, … in the order they happened.
    #[serde(default)]
    pub sequence: i64,
}

/// 维护时段在结束前被撤销，其时段重新空出。
///
/// A maintenance window was withdrawn (before it ended). Its time is free again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"maintenance_id": 5, "compound_id": 1, "pile_id": null, "socket_id": 3, "starts_at": "2026-12-01T10:00:00Z", "ends_at": "2026-12-01T12:00:00Z", "reason": "检修", "released_bookings": [12], "sequence": 3}))]
pub struct MaintenanceCancelledData {
    /// 维护时段。
    /// The window.
    pub maintenance_id: i64,
    /// 小区。
    /// The compound.
    pub compound_id: i64,
    /// 维护整个充电桩时为该充电桩（否则为 `null`）。
    /// The pile, when the window covered a whole pile (else `null`).
    #[schema(required = true)]
    pub pile_id: Option<i64>,
    /// 维护一个插座时为该插座（否则为 `null`）。
    /// The socket, when the window covered one socket (else `null`).
    #[schema(required = true)]
    pub socket_id: Option<i64>,
    /// 开始时间。
    /// Its start.
    #[serde(with = "super::millis")]
    pub starts_at: DateTime<Utc>,
    /// 结束时间。
    /// Its end.
    #[serde(with = "super::millis")]
    pub ends_at: DateTime<Utc>,
    /// 原因。
    /// Its reason.
    pub reason: String,
    /// 维护时段曾取消且尚未结束的预约；会通知住户可以重新预约（预约本身仍为已取消）。
    /// Bookings the window had cancelled (not yet over); their residents are told they may
    /// book the time again (the bookings stay cancelled).
    pub released_bookings: Vec<i64>,
    /// 本事件在其资源（该维护时段）所有事件中的序号：按发生顺序为 1、2、3……
    /// This event's number among the events of its resource (the maintenance window): 1, 2,
    /// 3, … in the order they happened.
    #[serde(default)]
    pub sequence: i64,
}

/// 充电会话开始或结算（来自充电桩）。
///
/// A charging session started (the pile confirmed it) or settled (the pile's settlement, or,
/// without one, its last power report).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"session_id": 7, "compound_id": 1, "pile_id": 2, "socket_id": 3, "booking_id": 12, "state": "settled", "energy_wh": 480, "duration_s": 3600, "stop_reason": "full", "sequence": 2}))]
pub struct SessionEventData {
    /// 充电会话。
    /// The session.
    pub session_id: i64,
    /// 所在小区。
    /// The compound it is in.
    pub compound_id: i64,
    /// 充电桩。
    /// The pile.
    pub pile_id: i64,
    /// 充电口。
    /// The socket.
    pub socket_id: i64,
    /// 对应的预约（无预约时为 `null`）。
    /// The booking it charges for (`null` without one).
    #[schema(required = true)]
    pub booking_id: Option<i64>,
    /// 事件后的状态：`charging`、`settled` 或 `settled_unconfirmed`。
    /// Its state after the event: `charging`, `settled` or `settled_unconfirmed`.
    pub state: crate::devices::dto::SessionState,
    /// 累计电量（瓦时）。
    /// Energy so far, in Wh.
    pub energy_wh: i32,
    /// 时长（秒）。
    /// Duration so far, in seconds.
    pub duration_s: i32,
    /// 停止原因（结算时；开始时为 `null`）。
    /// Why it stopped (when settled; `null` when started).
    #[schema(schema_with = nullable_stop_reason, required = true)]
    pub stop_reason: Option<crate::devices::dto::StopReason>,
    /// 本事件在其资源（该会话）所有事件中的序号。
    /// This event's number among the events of its resource (the session).
    #[serde(default)]
    pub sequence: i64,
}

/// 充电桩上线或离线（按心跳判断）。
///
/// A pile came online or went offline (by its heartbeats).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"pile_id": 2, "compound_id": 1, "online": false, "last_seen_at": "2026-12-01T10:00:00.000Z", "sequence": 5}))]
pub struct PileEventData {
    /// 充电桩。
    /// The pile.
    pub pile_id: i64,
    /// 所在小区。
    /// The compound it stands in.
    pub compound_id: i64,
    /// 事件后是否在线。
    /// Whether it is online after the event.
    pub online: bool,
    /// 最后一次收到它的消息的时间。
    /// When it was last heard from.
    #[serde(with = "super::millis")]
    pub last_seen_at: DateTime<Utc>,
    /// 本事件在其资源（该充电桩）所有事件中的序号。
    /// This event's number among the events of its resource (the pile).
    #[serde(default)]
    pub sequence: i64,
}

/// `StopReason` or `null`, with its description where readers (and the Chinese-docs test)
/// look for it: on the property, not inside the `oneOf`.
fn nullable_stop_reason() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    Schema::OneOf(OneOfBuilder::new()
        .item(utoipa::openapi::Ref::from_schema_name("StopReason"))
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some(
            "停止原因（结算时；开始时为 `null`）。\nWhy it stopped (when settled; `null` when started).",
        ))
        .build())
}

fn nullable_live(description: &str) -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    Schema::OneOf(
        OneOfBuilder::new()
            .item(utoipa::openapi::Ref::from_schema_name("LiveState"))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .description(Some(description))
            .build(),
    )
}

/// `LiveState` or `null`, described on the property.
fn nullable_previous_live_state() -> utoipa::openapi::schema::Schema {
    nullable_live("变化前的实时状态（充电桩上报时；否则为 `null`）。\nThe live state before (when the pile reported the change; otherwise `null`).")
}

/// `LiveState` or `null`, described on the property.
fn nullable_live_state() -> utoipa::openapi::schema::Schema {
    nullable_live("充电桩上报的实时状态（工作人员或物业设置状态时为 `null`）。\nThe live state the pile reported (`null` for a state set by staff or a firm).")
}
