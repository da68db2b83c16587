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

crate::text_enum! {
    /// 读数异常标记：读数超出合理范围的会话保留读数以备核查，但不计费。
    ///
    /// Why a session's readings are implausible: the readings are kept for audit, and the
    /// session is never billed.
    pub enum ReadingFlag {
        /// 电量超过 10 千瓦时 More than 10 kWh in one session.
        EnergyOutOfRange = "energy_out_of_range",
        /// 功率超过 3.5 千瓦 More than 3.5 kW.
        PowerOutOfRange = "power_out_of_range",
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
    "stop_reason": null, "stop_reason_code": null, "failure": null, "stop_requested_at": null,
    "reading_flag": null, "billable": true, "message": "充电中"
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
    #[schema(schema_with = nullable_stop_reason, required = true)]
    pub stop_reason: Option<StopReason>,
    /// 充电桩上报的原始停止原因码 The pile's raw stop-reason code.
    pub stop_reason_code: Option<i32>,
    /// 启动失败原因 Why the start failed.
    #[schema(schema_with = nullable_failure, required = true)]
    pub failure: Option<StartFailure>,
    /// 远程停止的请求时间（物业或工作人员） When a remote stop was asked for (by the firm or staff).
    pub stop_requested_at: Option<DateTime<Utc>>,
    /// 读数异常标记（电量或功率超出合理范围；读数照存，不计费） Set when a reading was implausible (the readings are kept, the session is not billed).
    #[schema(schema_with = nullable_reading_flag, required = true)]
    pub reading_flag: Option<ReadingFlag>,
    /// 是否计费（读数异常的会话不计费） Whether the session may be billed (never when a reading was implausible).
    pub billable: bool,
    /// 给居民看的说明 What the resident reads.
    pub message: String,
}

/// A named schema or `null`, its description on the property (where readers and the
/// Chinese-docs test look), not inside the `oneOf`.
fn nullable(name: &str, description: &str) -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    Schema::OneOf(
        OneOfBuilder::new()
            .item(utoipa::openapi::Ref::from_schema_name(name))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .description(Some(description))
            .build(),
    )
}

fn nullable_stop_reason() -> utoipa::openapi::schema::Schema {
    nullable("StopReason", "停止原因 Why it stopped.")
}

fn nullable_reading_flag() -> utoipa::openapi::schema::Schema {
    nullable(
        "ReadingFlag",
        "读数异常标记（读数照存，不计费） Set when a reading was implausible.",
    )
}

fn nullable_failure() -> utoipa::openapi::schema::Schema {
    nullable("StartFailure", "启动失败原因 Why the start failed.")
}

/// 设备编号：充电桩标签上印的 8 位十六进制数（如 `05000001`，首字节为设备类型），也可写十进制。
///
/// A device's physical id. Text of exactly 8 characters is the label's hex (`05000001`), as is
/// text after `0x`; any other run of digits is decimal (a decimal id of 8 digits is written
/// with a leading 0, `083886081`, so it is not read as the label), and so is a JSON number.
/// Shown as the label's 8 upper-case hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhysicalId(pub u32);

impl PhysicalId {
    /// The id written as on the label (8 hex digits), with `0x`, or in decimal.
    pub fn parse(text: &str) -> Result<PhysicalId, &'static str> {
        let t = text.trim();
        let hex = |h: &str| {
            if h.is_empty() || h.len() > 8 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err("8 hex digits as on the label (e.g. 05000001), or decimal");
            }
            u32::from_str_radix(h, 16).map_err(|_| "not a physical id")
        };
        let id = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            hex(h)?
        } else if t.len() == 8 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex(t)?
        } else if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            t.parse::<u32>()
                .map_err(|_| "a decimal physical id must fit in 4 bytes (at most 4294967295)")?
        } else {
            return Err("8 hex digits as on the label (e.g. 05000001), or decimal");
        };
        if id == 0 {
            return Err("0 is not a device's physical id");
        }
        Ok(PhysicalId(id))
    }

    /// As printed on the label.
    pub fn label(self) -> String {
        format!("{:08X}", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for PhysicalId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => u32::try_from(n)
                .ok()
                .filter(|n| *n != 0)
                .map(PhysicalId)
                .ok_or_else(|| serde::de::Error::custom("not a physical id")),
            Raw::Text(t) => PhysicalId::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

/// 登记一台设备（白名单）：把充电桩标签上的设备编号绑定到一个充电桩。
///
/// Register a device (the whitelist): bind the physical id printed on the pile's label to a
/// pile, with its port count.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"physical_id": "05000001", "pile_id": 3, "port_count": 10}))]
pub struct RegisterDeviceRequest {
    /// 设备编号：标签上的 8 位十六进制（如 `05000001`），或十进制（数字，或 8 位以外的数字串；8 位十进制前加 0） The physical id: the label's 8 hex digits, or decimal (a JSON number, or digits of another length than 8; an 8-digit decimal id takes a leading 0).
    #[schema(value_type = String, example = "05000001")]
    pub physical_id: PhysicalId,
    /// 充电桩 The pile it drives.
    pub pile_id: i64,
    /// 端口数（1 到 16） Its number of ports (1 to 16).
    pub port_count: i32,
}

/// 设备列表的筛选条件。
///
/// Which devices to list.
#[derive(Clone, Copy, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeviceFilter {
    /// 只看这个充电桩的设备 Only this pile's devices.
    pub pile_id: Option<i64>,
    /// 包括已解绑的设备（默认不包括） Include retired devices (not by default).
    pub include_retired: Option<bool>,
}

/// 一个故障中的充电口：充电桩上报的故障码及其说明。
///
/// A faulted socket: the pile's code and what it means.
#[derive(Debug, Serialize, ToSchema)]
pub struct FaultedSocket {
    /// 充电口 Socket id.
    pub socket_id: i64,
    /// 在充电桩上的编号 Its number on the pile.
    pub number: i32,
    /// 充电桩上报的状态码 The pile's status code.
    pub code: i32,
    /// 故障说明 What the code means.
    pub message: String,
}

/// 一台登记在白名单上的设备：在线状态、最后上报时间、固件、SIM 卡号和故障。
///
/// A whitelisted device: online state, last heard from, firmware, ICCID, faulted sockets.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 1, "physical_id": "05000001", "pile_id": 3, "compound_id": 1, "port_count": 10,
    "online": true, "last_seen_at": "2026-12-01T11:01:00Z", "firmware": 126,
    "iccid": "89860412345678901234", "registered_at": "2026-11-30T08:00:00Z", "retired_at": null,
    "faulted_sockets": [{"socket_id": 12, "number": 2, "code": 8, "message": "接触不良或保险丝熔断"}]
}))]
pub struct DeviceView {
    /// 设备 id Device id.
    pub id: i64,
    /// 设备编号，同标签（8 位十六进制） The physical id as on the label (8 hex digits).
    pub physical_id: String,
    /// 充电桩 The pile.
    pub pile_id: i64,
    /// 小区 The pile's compound.
    pub compound_id: i64,
    /// 端口数 Number of ports.
    pub port_count: i32,
    /// 是否在线（两个心跳周期内有上报） Heard from within two heartbeat intervals.
    pub online: bool,
    /// 最后一次收到上报的时间 When it was last heard from.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// 固件版本（来自注册帧） Firmware version (from its register frame).
    pub firmware: Option<i32>,
    /// SIM 卡 ICCID The SIM's ICCID.
    pub iccid: Option<String>,
    /// 登记时间 When it was registered.
    pub registered_at: DateTime<Utc>,
    /// 解绑时间 When it was retired.
    pub retired_at: Option<DateTime<Utc>>,
    /// 故障中的充电口 Its faulted sockets.
    pub faulted_sockets: Vec<FaultedSocket>,
}

#[cfg(test)]
mod tests {
    use super::PhysicalId;

    #[test]
    fn physical_ids_parse_from_the_label_or_decimal() {
        assert_eq!(PhysicalId::parse("05000001"), Ok(PhysicalId(0x0500_0001)));
        assert_eq!(PhysicalId::parse("0a00ff01"), Ok(PhysicalId(0x0A00_FF01)));
        assert_eq!(PhysicalId::parse("0x0500abcd"), Ok(PhysicalId(0x0500_ABCD)));
        assert_eq!(
            PhysicalId::parse("83886081"),
            Ok(PhysicalId(0x8388_6081)),
            "8 digits are the label"
        );
        assert_eq!(
            PhysicalId::parse("083886081"),
            Ok(PhysicalId(0x0500_0001)),
            "decimal"
        );
        assert_eq!(PhysicalId::parse(" 05000001 "), Ok(PhysicalId(0x0500_0001)));
        assert_eq!(PhysicalId::parse("838860810"), Ok(PhysicalId(838_860_810)));
        assert_eq!(PhysicalId::parse("1234567"), Ok(PhysicalId(1_234_567)));
        for bad in [
            "",
            "0500000G",
            "4294967296",
            "0",
            "00000000",
            "0x",
            "-5",
            "0x123456789",
        ] {
            assert!(PhysicalId::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(PhysicalId(0x0A00_0001).label(), "0A000001");
        let from_number: PhysicalId = serde_json::from_str("83886081").unwrap();
        assert_eq!(from_number, PhysicalId(83_886_081));
        assert!(serde_json::from_str::<PhysicalId>("4294967296").is_err());
    }
}
