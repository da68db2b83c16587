//! Whether a pile's readings are plausible: the protocol has no device authentication, so a
//! pile's word is bounded before anyone is billed by it.

use diesel::prelude::*;

use crate::db::schema::charging_sessions as cs;
use crate::db::DbConn;
use crate::devices::dto::{ReadingFlag, SessionState};
use crate::error::ApiResult;

/// The most energy one session may plausibly take, in Wh (an e-bike battery holds 1–2 kWh).
pub const MAX_ENERGY_WH: i32 = 10_000;
/// The most power one socket may plausibly draw, in W.
pub const MAX_POWER_W: i32 = 3_500;

/// Whether readings are out of range: energy first, then any of the powers. The protocol
/// has no device authentication, so a pile's word is bounded before anyone is billed by it.
pub fn reading_flag(energy_wh: i32, powers_w: &[i32]) -> Option<ReadingFlag> {
    if energy_wh > MAX_ENERGY_WH {
        Some(ReadingFlag::EnergyOutOfRange)
    } else if powers_w.iter().any(|p| *p > MAX_POWER_W) {
        Some(ReadingFlag::PowerOutOfRange)
    } else {
        None
    }
}

/// Flag a session's readings (the first flag stays) and take it out of billing; the
/// readings themselves are stored as the pile sent them, for audit. Only while `states`.
pub(super) fn flag_readings(
    conn: &mut DbConn,
    session_id: i64,
    flag: ReadingFlag,
    states: &[SessionState],
) -> ApiResult<()> {
    let n = diesel::update(
        cs::table
            .find(session_id)
            .filter(cs::reading_flag.is_null())
            .filter(cs::state.eq_any(states.to_vec())),
    )
    .set((cs::reading_flag.eq(flag), cs::billable.eq(false)))
    .execute(conn)?;
    if n == 1 {
        tracing::warn!(
            session_id,
            flag = flag.as_str(),
            "implausible readings: the session is flagged and will not be billed"
        );
    }
    Ok(())
}

/// 0.01 kWh → Wh.
pub(super) fn wh(energy: u16) -> i32 {
    i32::from(energy) * 10
}

/// 0.1 W → W.
pub(super) fn watts(p: u16) -> i32 {
    i32::from(p) / 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_beyond_ten_kwh_or_three_and_a_half_kw_are_flagged() {
        assert_eq!(reading_flag(10_000, &[3_500, 0]), None);
        assert_eq!(
            reading_flag(10_010, &[200]),
            Some(ReadingFlag::EnergyOutOfRange)
        );
        assert_eq!(
            reading_flag(480, &[200, 3_501]),
            Some(ReadingFlag::PowerOutOfRange)
        );
        assert_eq!(
            reading_flag(20_000, &[9_000]),
            Some(ReadingFlag::EnergyOutOfRange),
            "energy named first"
        );
    }
}
