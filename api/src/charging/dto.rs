//! Request and response bodies of the charging endpoints.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::text::Text;

crate::text_enum! {
    /// 插座状态。
    ///
    /// A socket's state.
    pub enum SocketState {
        /// Can be booked and used.
        Available = "available",
        /// Being serviced.
        Maintenance = "maintenance",
        /// Broken: reported by a resident, staff or the pile.
        Faulted = "faulted",
        /// Taken out of service for good.
        Retired = "retired",
    }
}

crate::text_enum! {
    /// 预约状态。
    ///
    /// A booking's status.
    pub enum BookingStatus {
        /// Booked; waiting for check-in.
        Confirmed = "confirmed",
        /// Checked in at the socket; charging.
        CheckedIn = "checked_in",
        /// Finished (early or at the end).
        Completed = "completed",
        /// Cancelled by the resident or by maintenance.
        Cancelled = "cancelled",
        /// Released: not checked in within the grace period, or cancelled after the start.
        NoShow = "no_show",
    }
}

crate::text_enum! {
    /// 充电桩状态。
    ///
    /// A pile's status.
    pub enum PileStatus {
        /// In service (each socket has its own state).
        Active = "active",
        /// Taken out of service for good, with all its sockets.
        Retired = "retired",
    }
}

crate::text_enum! {
    /// 候补条目所处的状态。
    ///
    /// Where a waitlist entry stands.
    pub enum WaitlistStatus {
        /// In line for the time.
        Waiting = "waiting",
        /// The time freed and is held for this entry until the offer expires.
        Offered = "offered",
        /// The offer was accepted: a booking was made.
        Accepted = "accepted",
        /// The offer was declined; it passed to the next in line.
        Declined = "declined",
        /// The offer was not answered in time.
        Expired = "expired",
        /// The resident left the queue.
        Cancelled = "cancelled",
    }
}

/// 小区的预约规则。
///
/// A compound's booking rules.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"slot_minutes": 30, "days_ahead": 7, "min_notice_minutes": 0, "max_booking_minutes": 240, "grace_minutes": 15, "max_active_per_household": 1}))]
pub struct SettingsView {
    /// Length of one slot, in minutes; bookings start and end on this grid (from local midnight).
    pub slot_minutes: i64,
    /// How many days ahead a booking may start.
    pub days_ahead: i64,
    /// Minimum notice before the start, in minutes (0: the current slot may be booked).
    pub min_notice_minutes: i64,
    /// Longest booking, in minutes.
    pub max_booking_minutes: i64,
    /// Minutes after the start during which check-in is accepted.
    pub grace_minutes: i64,
    /// Active bookings a household may hold at once.
    pub max_active_per_household: i64,
}

/// 充电桩的一个插座。
///
/// One socket of a pile.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SocketView {
    /// Socket id: what a booking names.
    pub id: i64,
    /// Socket number on its pile (1 or 2).
    pub number: i32,
    /// Display label, e.g. `3号桩-1口`.
    pub label: String,
    /// Current state.
    pub state: SocketState,
}

/// 充电桩及其插座。
///
/// A charging pile with its sockets.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PileView {
    /// Pile id.
    pub id: i64,
    /// Stable code.
    pub code: String,
    /// Name, e.g. `3号桩`.
    pub name: String,
    /// Where it stands in the compound.
    pub location: String,
    /// `active` or `retired`.
    pub status: PileStatus,
    /// Its sockets.
    pub sockets: Vec<SocketView>,
}

/// 小区的充电设置。
///
/// A compound's charging set-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChargingView {
    /// Compound id.
    pub compound_id: i64,
    /// Compound name.
    pub compound_name: String,
    /// Whether every resident of the community may book here; otherwise only the households
    /// of this compound.
    pub open_to_community: bool,
    /// Booking rules.
    pub settings: SettingsView,
    /// Piles and sockets.
    pub piles: Vec<PileView>,
}

/// 向整个社区开放小区的充电，或只对本小区家庭开放。
///
/// Open a compound's charging to the whole community, or close it to its own households.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"open_to_community": true}))]
pub struct OpenToCommunityRequest {
    /// `true`: every resident of the community may book; `false`: only this compound's
    /// households.
    pub open_to_community: bool,
}

/// Which days the grid covers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// First day (local date, Asia/Shanghai). Default: today.
    pub from: Option<NaiveDate>,
    /// Number of days, 1 to 8. Default: 3 (today and the next two days).
    #[param(minimum = 1, maximum = 8, default = 3)]
    pub days: Option<i64>,
}

/// 网格中一个插座的一行。
///
/// One socket's row of the grid.
#[derive(Debug, Serialize, ToSchema)]
pub struct SocketCells {
    /// Socket id.
    pub socket_id: i64,
    /// Display label.
    pub label: String,
    /// Current state.
    pub state: SocketState,
    /// One character per slot from `starts_at`: `.` free, `x` booked, `m` mine (my
    /// household's booking), `-` unavailable (past, too far ahead, maintenance, out of service).
    pub cells: String,
    /// 充电桩心跳报告的实时状态；未接入网关或从未上报时为 `null`。
    /// The live state the pile's heartbeat reported; `null` when it never did.
    #[schema(value_type = Option<crate::devices::dto::LiveState>)]
    pub live_state: Option<crate::devices::dto::LiveState>,
    /// 现在不能预约的原因（充电桩离线，或充电口故障及故障说明）；此时当前时段显示为 `-`。可以预约时为 `null`。
    /// Why it cannot be booked now (the pile is offline, or the socket is faulted, with what
    /// the fault code means); the current cell then shows `-`. `null` when it can.
    pub unavailable_now: Option<String>,
}

/// 小区每个插座逐时段的可预约情况。有意做得紧凑：每个插座一串格子状态。
///
/// Availability of every socket of a compound, slot by slot. Compact on purpose: one string
/// of cell states per socket.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "compound_id": 1, "open_to_community": false, "starts_at": "2026-11-30T16:00:00Z", "slot_minutes": 30, "slots": 144,
    "legend": {".": "free", "x": "booked", "m": "mine", "-": "unavailable"},
    "sockets": [{"socket_id": 11, "label": "1号桩-1口", "state": "available", "cells": "------------------....xxxx..mm...."}]
}))]
pub struct AvailabilityView {
    /// Compound id.
    pub compound_id: i64,
    /// Whether every resident of the community may book here; otherwise only the households
    /// of this compound (others get 403 `compound_not_yours`).
    pub open_to_community: bool,
    /// Start of the first cell (local midnight of `from`), in UTC.
    pub starts_at: DateTime<Utc>,
    /// Minutes per cell.
    pub slot_minutes: i64,
    /// Cells per socket.
    pub slots: usize,
    /// Meaning of each cell character.
    #[schema(value_type = Object)]
    pub legend: serde_json::Value,
    /// One row per socket.
    pub sockets: Vec<SocketCells>,
}

/// 预约插座的 `[starts_at, ends_at)` 时段。
///
/// Book a socket for `[starts_at, ends_at)`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"socket_id": 11, "starts_at": "2026-12-01T19:00:00+08:00", "ends_at": "2026-12-01T21:00:00+08:00"}))]
pub struct CreateBookingRequest {
    /// The socket to book.
    pub socket_id: i64,
    /// Start, on the slot grid (RFC 3339 with offset).
    pub starts_at: DateTime<Utc>,
    /// End, on the slot grid, after the start.
    pub ends_at: DateTime<Utc>,
}

/// 一条预约。
///
/// A booking.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 12, "socket_id": 11, "socket_label": "1号桩-1口", "compound_id": 1, "compound_name": "天和人家",
    "user_id": 5, "household_id": 3, "starts_at": "2026-12-01T11:00:00Z", "ends_at": "2026-12-01T13:00:00Z",
    "status": "confirmed", "check_in_opens_at": "2026-12-01T10:55:00Z", "check_in_closes_at": "2026-12-01T11:15:00Z",
    "created_at": "2026-11-30T08:00:00Z", "checked_in_at": null, "finished_at": null, "cancelled_at": null, "cancel_reason": null
}))]
pub struct BookingView {
    /// Booking id.
    pub id: i64,
    /// Booked socket.
    pub socket_id: i64,
    /// Its label.
    pub socket_label: String,
    /// Compound of the socket.
    pub compound_id: i64,
    /// Compound name.
    pub compound_name: String,
    /// Who booked.
    pub user_id: i64,
    /// For which household.
    pub household_id: i64,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Status.
    pub status: BookingStatus,
    /// Earliest check-in.
    pub check_in_opens_at: DateTime<Utc>,
    /// Check-in closes (grace period end); after it an unchecked booking is released.
    pub check_in_closes_at: DateTime<Utc>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When checked in.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// When finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// When cancelled or released.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why it was cancelled or released.
    pub cancel_reason: Option<String>,
}

/// Filters for my bookings.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BookingFilter {
    /// Only bookings with this status.
    pub status: Option<BookingStatus>,
}

/// 取消预约。
///
/// Cancel a booking.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "临时有事"}))]
pub struct CancelRequest {
    /// Why (kept with the booking), at most 200 characters.
    #[schema(value_type = Option<String>)]
    pub reason: Option<Text<0, 200>>,
}

/// 扫描插座上印制的编码签到。
///
/// Check in by scanning the socket's printed code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SocketCheckInRequest, example = json!({"socket_code": "K7M2Q9PX"}))]
pub struct CheckInRequest {
    /// The code printed on the socket (from its QR code).
    #[schema(value_type = String)]
    pub socket_code: Text<1, 32>,
}

/// 为已被占用的时段排队候补。
///
/// Queue for a taken time.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"socket_id": null, "starts_at": "2026-12-01T19:00:00+08:00", "ends_at": "2026-12-01T20:00:00+08:00"}))]
pub struct JoinWaitlistRequest {
    /// One socket, or `null` for any socket of the compound.
    pub socket_id: Option<i64>,
    /// Start, on the slot grid.
    pub starts_at: DateTime<Utc>,
    /// End, on the slot grid.
    pub ends_at: DateTime<Utc>,
}

/// 一条候补。
///
/// A waitlist entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaitlistView {
    /// Entry id.
    pub id: i64,
    /// Compound.
    pub compound_id: i64,
    /// The socket asked for, or `null` for any.
    pub socket_id: Option<i64>,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// `waiting`, `offered`, `accepted`, `declined`, `expired` or `cancelled`.
    pub status: WaitlistStatus,
    /// Place in line while waiting (1 = next).
    pub position: Option<i64>,
    /// The socket held for me, while an offer is open.
    pub offered_socket_id: Option<i64>,
    /// Until when the offer is held.
    pub offer_expires_at: Option<DateTime<Utc>>,
    /// The booking made by accepting.
    pub booking_id: Option<i64>,
}

/// 插座或整个充电桩的维护时段。
///
/// A maintenance window on a socket or a whole pile.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"pile_id": 3, "socket_id": null, "starts_at": "2026-12-02T09:00:00+08:00", "ends_at": "2026-12-02T12:00:00+08:00", "reason": "更换充电模块"}))]
pub struct MaintenanceRequest {
    /// 整个充电桩（其全部插座）……
    /// A whole pile (all its sockets)...
    pub pile_id: Option<i64>,
    /// ……或一个插座。二者恰好其一。
    /// ...or one socket. Exactly one of the two.
    pub socket_id: Option<i64>,
    /// 开始（向下取整到时段网格）。
    /// Start (rounded down to the slot grid).
    pub starts_at: DateTime<Utc>,
    /// 结束（向上取整到时段网格）。
    /// End (rounded up to the slot grid).
    pub ends_at: DateTime<Utc>,
    /// 告知预约被取消的住户的原因；1 到 200 个字符。
    /// Told to residents whose bookings are cancelled; 1 to 200 characters.
    #[schema(value_type = String)]
    pub reason: Text<1, 200>,
}

/// 维护时段所处的状态（以应答时刻为准）。
///
/// Where a maintenance window stands, at the time of the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceState {
    /// 尚未开始：时间和原因仍可修改。
    /// Not started yet: its time and reason may still be changed.
    Upcoming,
    /// 进行中：仍可撤销。
    /// Under way: it may still be cancelled.
    Active,
    /// 已结束。
    /// Over.
    Ended,
    /// 已撤销：其时段重新空出。
    /// Withdrawn: its time is free again.
    Cancelled,
}

/// 调整维护时段的时间或原因（仅限开始之前）。
///
/// Move a maintenance window or change its reason (before it starts).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"starts_at": "2026-12-03T09:00:00+08:00", "ends_at": "2026-12-03T12:00:00+08:00", "reason": "更换充电模块（改期）"}))]
pub struct MaintenanceChangeRequest {
    /// 新的开始时间（向下对齐时段网格）；不填则不变。
    /// New start (rounded down to the slot grid); the old one when absent.
    pub starts_at: Option<DateTime<Utc>>,
    /// 新的结束时间（向上对齐时段网格）；不填则不变。
    /// New end (rounded up to the slot grid); the old one when absent.
    pub ends_at: Option<DateTime<Utc>>,
    /// 新的原因，1 到 200 个字符；不填则不变。
    /// New reason, 1 to 200 characters; the old one when absent.
    #[schema(value_type = Option<String>)]
    pub reason: Option<Text<1, 200>>,
}

/// 维护时段及其影响。
///
/// A maintenance window and what it did.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MaintenanceView {
    /// 维护时段 id。
    /// Window id.
    pub id: i64,
    /// 小区。
    /// Compound.
    pub compound_id: i64,
    /// 维护整个充电桩时为该充电桩。
    /// Pile, when the whole pile is serviced.
    pub pile_id: Option<i64>,
    /// 维护一个插座时为该插座。
    /// Socket, when one socket is serviced.
    pub socket_id: Option<i64>,
    /// 开始（对齐时段网格）。
    /// Start (on the grid).
    pub starts_at: DateTime<Utc>,
    /// 结束（对齐时段网格）。
    /// End (on the grid).
    pub ends_at: DateTime<Utc>,
    /// 原因。
    /// Reason.
    pub reason: String,
    /// 因时间重叠而取消的预约（含改期前取消的）。
    /// Bookings cancelled because they overlapped (also those cancelled before a move).
    pub cancelled_bookings: Vec<i64>,
    /// 状态：`upcoming`（未开始）、`active`（进行中）、`ended`（已结束）或 `cancelled`（已撤销）。
    /// `upcoming`, `active`, `ended` or `cancelled`.
    pub state: MaintenanceState,
    /// 撤销时间（若已撤销）。
    /// When it was withdrawn, if it was.
    #[schema(required = true)]
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// 变更插座状态。
///
/// Change a socket's state.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"state": "faulted", "reason": "无法供电"}))]
pub struct SocketStateRequest {
    /// New state.
    pub state: SocketState,
    /// Why (told to residents whose bookings are cancelled).
    #[schema(value_type = Option<String>)]
    pub reason: Option<Text<0, 200>>,
}
