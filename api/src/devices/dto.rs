//! What the devices area stores as text and shows: socket live states, session states, stop
//! reasons and start failures (each with the Chinese text a resident sees), and the session
//! view.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

crate::text_enum! {
    /// 充电口的实时状态（来自充电桩心跳）。
    ///
    /// A socket's live state, as the pile's heartbeat reports it.
    pub enum LiveState {
        /// 空闲 Idle, nothing plugged.
        Available = "available",
        /// 已插充电器，未在充电 A charger is plugged in, not charging (not started or full).
        Plugged = "plugged",
        /// 充电中 Charging.
        InUse = "in_use",
        /// 故障（`status_code` 为桩上报的故障码） Faulted; the pile's code is kept.
        Faulted = "faulted",
        /// 充电桩离线 The pile has not been heard from in two heartbeat intervals.
        Offline = "offline",
    }
}

crate::text_enum! {
    /// 充电会话状态：只会向前推进，不会倒退。
    ///
    /// A charging session's state; it only ever moves forward.
    pub enum SessionState {
        /// 已请求，等待网关下发 Requested; waiting for the gateway to send the start.
        Requested = "requested",
        /// 已下发开始指令，等待充电桩应答 The start was sent; waiting for the pile.
        Starting = "starting",
        /// 充电中 Charging.
        Charging = "charging",
        /// 已结算 Settled by the pile's settlement.
        Settled = "settled",
        /// 启动失败（见 `failure`） The start failed (see `failure`).
        StartFailed = "start_failed",
        /// 未收到结算，按最后一次功率上报结算，待工作人员核对；充电桩的结算之后到达时改为 `settled` No settlement came; settled from the last power report and flagged for staff (the pile's settlement, arriving later, makes it `settled`).
        SettledUnconfirmed = "settled_unconfirmed",
    }
}

crate::text_enum! {
    /// 充电停止原因（归一化）。
    ///
    /// Why charging stopped (normalised from the pile's code).
    pub enum StopReason {
        /// 已充满 Full.
        Full = "full",
        /// 达到预设时长或电量 The set time or energy was reached.
        TimeOrEnergyReached = "time_or_energy_reached",
        /// 充电器被拔出 Unplugged.
        Unplugged = "unplugged",
        /// 功率过大 Overload.
        Overload = "overload",
        /// 远程停止 Stopped by the server.
        StoppedRemotely = "stopped_remotely",
        /// 功率过小 Power too low.
        PowerTooLow = "power_too_low",
        /// 温度过高 Over-temperature.
        OverTemperature = "over_temperature",
        /// 充电口故障 A fault of the port.
        Fault = "fault",
        /// 紧急断电（水浸、消防等） An emergency stop (water, fire system).
        Emergency = "emergency",
        /// 电网电压异常 Supply over- or under-voltage.
        SupplyVoltage = "supply_voltage",
        /// 其他原因 Another reason.
        Other = "other",
    }
}

impl StopReason {
    /// What the resident reads.
    pub fn message(self) -> &'static str {
        match self {
            StopReason::Full => "已充满，充电结束",
            StopReason::TimeOrEnergyReached => "已到预约结束时间，充电结束",
            StopReason::Unplugged => "充电器已拔出，充电结束",
            StopReason::Overload => "充电功率过大，已自动断电，请检查充电器",
            StopReason::StoppedRemotely => "充电已被远程停止",
            StopReason::PowerTooLow => "充电功率过小，已自动断电",
            StopReason::OverTemperature => "温度过高，已自动断电",
            StopReason::Fault => "充电口故障，已断电，请联系物业",
            StopReason::Emergency => "紧急断电（水浸或消防），请联系物业",
            StopReason::SupplyVoltage => "供电电压异常，已自动断电",
            StopReason::Other => "充电结束",
        }
    }
}

crate::text_enum! {
    /// 启动失败原因。
    ///
    /// Why a start failed.
    pub enum StartFailure {
        /// 未插充电器 No charger plugged in.
        NoCharger = "no_charger",
        /// 端口故障 The port is faulted.
        PortFault = "port_fault",
        /// 无此端口 No such port on the pile.
        NoSuchPort = "no_such_port",
        /// 充电桩总功率超限 The pile's total power is exceeded.
        PowerExceeded = "power_exceeded",
        /// 烟感报警 Smoke alarm.
        SmokeAlarm = "smoke_alarm",
        /// 电压异常 Supply voltage out of range.
        SupplyVoltage = "supply_voltage",
        /// 充电桩未响应 The pile did not answer.
        NoResponse = "no_response",
    }
}

impl StartFailure {
    /// What the resident reads.
    pub fn message(self) -> &'static str {
        match self {
            StartFailure::NoCharger => "未插充电器",
            StartFailure::PortFault => "端口故障",
            StartFailure::NoSuchPort => "充电口不存在",
            StartFailure::PowerExceeded => "充电桩总功率超限，请稍后再试",
            StartFailure::SmokeAlarm => "烟感报警，暂停充电",
            StartFailure::SupplyVoltage => "供电电压异常，暂时无法充电",
            StartFailure::NoResponse => "充电桩未响应，请稍后再试",
        }
    }
}

/// 一次充电会话：充电中显示实时功率和电量，结束后显示结果。
///
/// One charging session: live power and energy while charging, the result after.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 7, "booking_id": 12, "socket_id": 11, "state": "charging",
    "requested_at": "2026-12-01T11:01:00Z", "started_at": "2026-12-01T11:01:02Z", "ended_at": null,
    "power_w": 180, "energy_wh": 120, "duration_s": 1500, "peak_power_w": 210,
    "stop_reason": null, "stop_reason_code": null, "failure": null, "message": "充电中"
}))]
pub struct SessionView {
    /// 会话编号 Session id.
    pub id: i64,
    /// 对应的预约 The booking it charges for.
    pub booking_id: Option<i64>,
    /// 充电口 The socket.
    pub socket_id: i64,
    /// 状态 State.
    pub state: SessionState,
    /// 请求时间 When it was asked for.
    pub requested_at: DateTime<Utc>,
    /// 开始充电时间 When charging started.
    pub started_at: Option<DateTime<Utc>>,
    /// 结束时间 When it ended (settled or failed).
    pub ended_at: Option<DateTime<Utc>>,
    /// 实时功率（瓦），仅充电中 Power now, in W (while charging).
    pub power_w: Option<i32>,
    /// 累计电量（瓦时），只增不减 Energy so far, in Wh; never decreases.
    pub energy_wh: i32,
    /// 已充电时长（秒） Duration so far, in seconds.
    pub duration_s: i32,
    /// 峰值功率（瓦） Peak power, in W.
    pub peak_power_w: Option<i32>,
    /// 停止原因 Why it stopped.
    pub stop_reason: Option<StopReason>,
    /// 充电桩上报的原始停止原因码 The pile's raw stop-reason code.
    pub stop_reason_code: Option<i32>,
    /// 启动失败原因 Why the start failed.
    pub failure: Option<StartFailure>,
    /// 给居民看的说明 What the resident reads.
    pub message: String,
}
