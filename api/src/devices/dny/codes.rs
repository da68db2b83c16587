//! The protocol's codes in Linli's terms: a port's status byte (0x21) as a live socket
//! state, a settlement's stop reason (0x03) and a start reply (0x82) as a normalised value
//! with the Chinese text residents see.

use crate::devices::dto::{LiveState, StartFailure, StopReason};

/// A heartbeat's status byte for one port.
pub fn live_state(status: u8) -> LiveState {
    match status {
        0 => LiveState::Available,
        1 | 5 => LiveState::InUse,
        2 | 3 => LiveState::Plugged,
        _ => LiveState::Faulted,
    }
}

/// What a faulted port's status byte means, in the Chinese staff and residents read.
pub fn fault_message(status: u8) -> &'static str {
    match status {
        4 => "无法计量",
        6 => "存储器损坏",
        7 => "插座触点粘连",
        8 => "接触不良或保险丝熔断",
        9 => "继电器粘连",
        0x0A => "插头感应器损坏",
        0x0B => "自检故障：继电器或保险丝",
        0x0D => "自检故障：短路",
        0x0E => "自检故障：继电器粘连",
        0x0F => "刷卡芯片损坏",
        0x10 => "检测电路故障",
        _ => "端口故障",
    }
}

/// A settlement's stop reason.
pub fn stop_reason(code: u8) -> StopReason {
    match code {
        1 => StopReason::Full,
        2..=4 => StopReason::TimeOrEnergyReached,
        5 | 0x0D => StopReason::Unplugged,
        6 | 8 | 0x0C => StopReason::Overload,
        7 | 0x15..=0x17 => StopReason::StoppedRemotely,
        9 | 0x1C => StopReason::PowerTooLow,
        0x0A | 0x0B => StopReason::OverTemperature,
        0x0E | 0x0F | 0x19 => StopReason::Fault,
        0x10..=0x12 | 0x18 => StopReason::Emergency,
        0x1A | 0x1B => StopReason::SupplyVoltage,
        _ => StopReason::Other,
    }
}

/// A 0x82 reply code other than 0 (done) or 2 (already in that state).
pub fn start_failure(code: u8) -> StartFailure {
    match code {
        1 => StartFailure::NoCharger,
        3 | 7 | 8 | 9 | 0x0A => StartFailure::PortFault,
        4 => StartFailure::NoSuchPort,
        6 => StartFailure::PowerExceeded,
        0x0B => StartFailure::SmokeAlarm,
        0x0C | 0x0D => StartFailure::SupplyVoltage,
        _ => StartFailure::NoResponse,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_maps() {
        for b in 0..=u8::MAX {
            let _ = (live_state(b), stop_reason(b), start_failure(b));
        }
        assert_eq!(live_state(2), LiveState::Plugged);
        assert_eq!(start_failure(1).message(), "未插充电器");
        assert_eq!(start_failure(3).message(), "端口故障");
        assert_eq!(fault_message(8), "接触不良或保险丝熔断");
        assert_eq!(fault_message(0x11), "端口故障");
    }
}
