//! The booking rules as plain functions over times: the slot grid, booking limits, the
//! check-in window, availability cells. Unit-tested here without a database.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};

use crate::charging::dto::{MaintenanceState, PileStatus, SocketState};
use crate::clock::LOCAL_TZ;
use crate::error::{ApiError, ErrorCode};

/// A time range `[starts_at, ends_at)` in UTC, as a booking, a waitlist entry or a
/// maintenance window asks for it (not yet checked against any rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeRange {
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
}

impl TimeRange {
    /// The range between two instants as a request gives them.
    pub fn new(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Self {
        TimeRange {
            starts_at: starts_at.naive_utc(),
            ends_at: ends_at.naive_utc(),
        }
    }
}

/// A compound's booking settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Length of one slot of the grid, in minutes (divides a day).
    pub slot_minutes: i64,
    /// How many days ahead a booking may start.
    pub days_ahead: i64,
    /// How long before its start a booking must be made (0: the current slot may be booked).
    pub min_notice_minutes: i64,
    /// Longest booking.
    pub max_booking_minutes: i64,
    /// How long after the start a check-in is accepted.
    pub grace_minutes: i64,
    /// Active bookings a household may hold at once.
    pub max_active_per_household: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            slot_minutes: 30,
            days_ahead: 7,
            min_notice_minutes: 0,
            max_booking_minutes: 240,
            grace_minutes: 15,
            max_active_per_household: 1,
        }
    }
}

/// How early before the start a check-in is accepted.
const CHECK_IN_EARLY_MINUTES: i64 = 5;

impl Settings {
    pub fn slot(&self) -> Duration {
        Duration::minutes(self.slot_minutes)
    }

    /// Check the settings a staff member proposes.
    pub fn validate(&self) -> Result<(), ApiError> {
        if !(5..=240).contains(&self.slot_minutes) || (24 * 60) % self.slot_minutes != 0 {
            return Err(ApiError::validation(
                "slot_minutes",
                "must divide a day, between 5 and 240",
            ));
        }
        if !(1..=30).contains(&self.days_ahead) {
            return Err(ApiError::validation("days_ahead", "must be 1 to 30"));
        }
        if !(0..=24 * 60).contains(&self.min_notice_minutes) {
            return Err(ApiError::validation(
                "min_notice_minutes",
                "must be 0 to 1440",
            ));
        }
        if self.max_booking_minutes < self.slot_minutes
            || self.max_booking_minutes > 24 * 60
            || self.max_booking_minutes % self.slot_minutes != 0
        {
            return Err(ApiError::validation(
                "max_booking_minutes",
                "must be a multiple of the slot length, at most 1440",
            ));
        }
        if !(1..=120).contains(&self.grace_minutes) {
            return Err(ApiError::validation("grace_minutes", "must be 1 to 120"));
        }
        if !(1..=10).contains(&self.max_active_per_household) {
            return Err(ApiError::validation(
                "max_active_per_household",
                "must be 1 to 10",
            ));
        }
        Ok(())
    }
}

/// Local midnight ([`LOCAL_TZ`]) of the day containing `t`, as UTC.
pub fn local_midnight(t: NaiveDateTime) -> NaiveDateTime {
    let local = LOCAL_TZ.from_utc_datetime(&t);
    let midnight = local.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default();
    LOCAL_TZ
        .from_local_datetime(&midnight)
        .single()
        .map(|d| d.naive_utc())
        .unwrap_or(t)
}

/// The start of the grid slot containing `t`.
pub fn slot_floor(t: NaiveDateTime, slot: Duration) -> NaiveDateTime {
    let midnight = local_midnight(t);
    let slot_ms = slot.num_milliseconds().max(1);
    let offset = (t - midnight).num_milliseconds();
    midnight + Duration::milliseconds(offset - offset.rem_euclid(slot_ms))
}

/// Whether `t` lies on the grid.
pub fn on_grid(t: NaiveDateTime, slot: Duration) -> bool {
    slot_floor(t, slot) == t
}

/// The slot starts covering `[starts_at, ends_at)`.
pub fn cells(
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    slot: Duration,
) -> Vec<NaiveDateTime> {
    let mut out = Vec::new();
    let mut t = starts_at;
    while t < ends_at {
        out.push(t);
        t += slot;
    }
    out
}

/// Check a requested booking range against the compound's settings at `now`.
pub fn check_range(
    s: &Settings,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let slot = s.slot();
    if ends_at <= starts_at {
        return Err(ApiError::validation("ends_at", "must be after starts_at"));
    }
    if !on_grid(starts_at, slot) {
        return Err(off_grid("starts_at", s));
    }
    if !on_grid(ends_at, slot) {
        return Err(off_grid("ends_at", s));
    }
    if ends_at - starts_at > Duration::minutes(s.max_booking_minutes) {
        return Err(ApiError::new(ErrorCode::BookingTooLong)
            .with_field("ends_at")
            .with_details(serde_json::json!({"max_minutes": s.max_booking_minutes})));
    }
    // With no minimum notice the slot already under way may still be booked.
    let earliest = if s.min_notice_minutes == 0 {
        slot_floor(now, slot)
    } else {
        now + Duration::minutes(s.min_notice_minutes)
    };
    if starts_at < slot_floor(now, slot) {
        return Err(ApiError::new(ErrorCode::BookingInPast).with_field("starts_at"));
    }
    if starts_at < earliest {
        return Err(ApiError::new(ErrorCode::BookingTooSoon)
            .with_field("starts_at")
            .with_details(serde_json::json!({"min_notice_minutes": s.min_notice_minutes})));
    }
    if starts_at >= now + Duration::days(s.days_ahead) {
        return Err(ApiError::new(ErrorCode::BookingTooFarAhead)
            .with_field("starts_at")
            .with_details(serde_json::json!({"days_ahead": s.days_ahead})));
    }
    Ok(())
}

fn off_grid(field: &str, s: &Settings) -> ApiError {
    ApiError::new(ErrorCode::BookingOffGrid)
        .with_field(field)
        .with_details(serde_json::json!({"slot_minutes": s.slot_minutes}))
}

/// When a booking's check-in opens and closes.
pub fn check_in_window(s: &Settings, starts_at: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
    (
        starts_at - Duration::minutes(CHECK_IN_EARLY_MINUTES),
        starts_at + Duration::minutes(s.grace_minutes),
    )
}

/// Check a check-in attempt's timing.
pub fn check_in_timing(
    s: &Settings,
    starts_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), ApiError> {
    let (opens, closes) = check_in_window(s, starts_at);
    if now < opens {
        return Err(ApiError::new(ErrorCode::CheckInTooEarly)
            .with_details(serde_json::json!({"opens_at": utc(opens)})));
    }
    if now >= closes {
        return Err(ApiError::new(ErrorCode::CheckInTooLate)
            .with_details(serde_json::json!({"closed_at": utc(closes)})));
    }
    Ok(())
}

pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// Suspension rule: this many no-shows within the window suspend booking.
pub const NO_SHOW_LIMIT: i64 = 3;
pub const NO_SHOW_WINDOW_DAYS: i64 = 30;
pub const SUSPENSION_DAYS: i64 = 7;
/// How long a waitlist offer is held for the person it is made to.
pub const OFFER_MINUTES: i64 = 10;
/// Reminders go out this long before a booking starts.
pub const REMINDER_MINUTES: i64 = 15;

/// One character per cell of the availability grid.
pub mod cell {
    pub const FREE: u8 = b'.';
    pub const BOOKED: u8 = b'x';
    pub const MINE: u8 = b'm';
    pub const UNAVAILABLE: u8 = b'-';
}

/// Why a pile or a socket may not move to a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveRefused {
    /// The pile is retired, and so are its sockets, for good.
    PileRetired,
    /// The socket is retired (with its pile, or alone by staff) and never returns to service.
    SocketRetired,
}

/// The one table of a socket's state changes, given its pile's status. Every change goes
/// through it (`model::set_socket_state`), whoever asks: staff, a property firm, the pile.
///
/// - Retiring is always allowed (retiring a pile retires its sockets first).
/// - A retired pile's sockets stay retired.
/// - On a pile in service, `available`, `maintenance` and `faulted` move freely among
///   themselves (and to themselves: setting the same state again is allowed), and a retired
///   socket stays retired.
pub fn socket_move(
    pile: PileStatus,
    from: SocketState,
    to: SocketState,
) -> Result<(), MoveRefused> {
    use SocketState::{Available, Faulted, Maintenance, Retired};
    match (pile, from, to) {
        (_, _, Retired) => Ok(()),
        (PileStatus::Retired, _, _) => Err(MoveRefused::PileRetired),
        (PileStatus::Active, Retired, _) => Err(MoveRefused::SocketRetired),
        (
            PileStatus::Active,
            Available | Maintenance | Faulted,
            Available | Maintenance | Faulted,
        ) => Ok(()),
    }
}

/// The one table of a pile's status changes: in service → retired, once and for good
/// (retiring again is the same answer).
pub fn pile_move(from: PileStatus, to: PileStatus) -> Result<(), MoveRefused> {
    match (from, to) {
        (PileStatus::Active, _) | (PileStatus::Retired, PileStatus::Retired) => Ok(()),
        (PileStatus::Retired, PileStatus::Active) => Err(MoveRefused::PileRetired),
    }
}

/// The longest a maintenance window may last.
pub const MAX_MAINTENANCE_DAYS: i64 = 31;

/// A maintenance window's time as asked for: it ends after it starts, at most
/// [`MAX_MAINTENANCE_DAYS`] later (422 on `ends_at` otherwise).
pub fn check_maintenance_range(range: TimeRange) -> Result<(), ApiError> {
    let length = range.ends_at - range.starts_at;
    if length <= Duration::zero() || length > Duration::days(MAX_MAINTENANCE_DAYS) {
        return Err(ApiError::validation(
            "ends_at",
            "must be after starts_at, at most 31 days later",
        ));
    }
    Ok(())
}

/// Where a maintenance window `[starts_at, ends_at)` stands at `now`: a withdrawn window is
/// `cancelled` whatever its time; otherwise by its time.
pub fn maintenance_state(
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    cancelled_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> MaintenanceState {
    if cancelled_at.is_some() {
        MaintenanceState::Cancelled
    } else if now < starts_at {
        MaintenanceState::Upcoming
    } else if now < ends_at {
        MaintenanceState::Active
    } else {
        MaintenanceState::Ended
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
        // UTC times; Shanghai is UTC+8.
        NaiveDate::from_ymd_opt(2026, 12, d)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    #[test]
    fn grid_is_aligned_to_local_midnight() {
        // 2026-12-01 16:00 UTC is local midnight of 12-02.
        assert_eq!(local_midnight(at(1, 17, 10)), at(1, 16, 0));
        assert_eq!(
            local_midnight(at(1, 15, 59)),
            at(1, 16, 0) - Duration::days(1)
        );
        let slot = Duration::minutes(30);
        assert_eq!(slot_floor(at(1, 10, 47), slot), at(1, 10, 30));
        assert!(on_grid(at(1, 10, 30), slot));
        assert!(!on_grid(at(1, 10, 31), slot));
        // A 90-minute grid counts from local midnight, not from UTC midnight.
        let ninety = Duration::minutes(90);
        assert!(on_grid(at(1, 17, 30), ninety)); // 01:30 local
        assert!(!on_grid(at(1, 1, 30), ninety)); // 09:30 local
        assert_eq!(cells(at(1, 10, 0), at(1, 11, 30), slot).len(), 3);
    }

    #[test]
    fn range_rules_each_have_their_code() {
        let s = Settings::default();
        let now = at(1, 10, 10);
        let code = |a, b| check_range(&s, a, b, now).err().map(|e| e.code);
        assert_eq!(code(at(1, 11, 0), at(1, 12, 0)), None);
        assert_eq!(
            code(at(1, 10, 0), at(1, 10, 30)),
            None,
            "the current slot may be booked"
        );
        assert_eq!(
            code(at(1, 11, 5), at(1, 12, 0)),
            Some(ErrorCode::BookingOffGrid)
        );
        assert_eq!(
            code(at(1, 11, 0), at(1, 11, 45)),
            Some(ErrorCode::BookingOffGrid)
        );
        assert_eq!(
            code(at(1, 9, 30), at(1, 10, 30)),
            Some(ErrorCode::BookingInPast)
        );
        assert_eq!(
            code(at(1, 11, 0), at(1, 15, 30)),
            Some(ErrorCode::BookingTooLong)
        );
        assert_eq!(
            code(at(8, 10, 30), at(8, 11, 0)),
            Some(ErrorCode::BookingTooFarAhead)
        );
        assert_eq!(
            code(at(1, 12, 0), at(1, 11, 0)),
            Some(ErrorCode::ValidationFailed)
        );
        let notice = Settings {
            min_notice_minutes: 60,
            ..s
        };
        let e = check_range(&notice, at(1, 10, 30), at(1, 11, 0), now).unwrap_err();
        assert_eq!(e.code, ErrorCode::BookingTooSoon);
        assert!(check_range(&notice, at(1, 11, 30), at(1, 12, 0), now).is_ok());
    }

    #[test]
    fn check_in_window_has_early_and_late_edges() {
        let s = Settings::default();
        let start = at(1, 12, 0);
        let code = |now| check_in_timing(&s, start, now).err().map(|e| e.code);
        assert_eq!(code(at(1, 11, 54)), Some(ErrorCode::CheckInTooEarly));
        assert_eq!(code(at(1, 11, 55)), None);
        assert_eq!(code(at(1, 12, 14)), None);
        assert_eq!(code(at(1, 12, 15)), Some(ErrorCode::CheckInTooLate));
    }

    #[test]
    fn settings_validation_names_the_field() {
        let bad = Settings {
            slot_minutes: 7,
            ..Settings::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().field.as_deref(),
            Some("slot_minutes")
        );
        let bad = Settings {
            max_booking_minutes: 45,
            ..Settings::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().field.as_deref(),
            Some("max_booking_minutes")
        );
        assert!(Settings::default().validate().is_ok());
    }
    /// The whole table, written out: every pile status × every socket state × every target.
    #[test]
    fn socket_and_pile_moves_as_a_table() {
        use crate::charging::dto::{PileStatus as P, SocketState as S};
        let live = [S::Available, S::Maintenance, S::Faulted];
        for pile in P::ALL {
            for from in S::ALL {
                for to in S::ALL {
                    let expected = match (pile, from, to) {
                        (_, _, S::Retired) => Ok(()),
                        (P::Retired, _, _) => Err(MoveRefused::PileRetired),
                        (P::Active, S::Retired, _) => Err(MoveRefused::SocketRetired),
                        (P::Active, f, t) if live.contains(f) && live.contains(t) => Ok(()),
                        _ => unreachable!("every case is listed"),
                    };
                    assert_eq!(
                        socket_move(*pile, *from, *to),
                        expected,
                        "{pile} {from} → {to}"
                    );
                }
            }
        }
        // Spelled out, the moves that matter most.
        assert_eq!(
            socket_move(P::Retired, S::Retired, S::Available),
            Err(MoveRefused::PileRetired)
        );
        assert_eq!(
            socket_move(P::Retired, S::Maintenance, S::Available),
            Err(MoveRefused::PileRetired)
        );
        assert_eq!(socket_move(P::Active, S::Faulted, S::Available), Ok(()));
        assert_eq!(pile_move(P::Active, P::Retired), Ok(()));
        assert_eq!(pile_move(P::Retired, P::Retired), Ok(()));
        assert_eq!(
            pile_move(P::Retired, P::Active),
            Err(MoveRefused::PileRetired)
        );
        assert_eq!(pile_move(P::Active, P::Active), Ok(()));
    }

    #[test]
    fn a_maintenance_window_is_upcoming_then_active_then_ended_unless_cancelled() {
        let (from, to) = (at(2, 1, 0), at(2, 3, 0));
        let state = |now| maintenance_state(from, to, None, now);
        assert_eq!(state(at(2, 0, 59)), MaintenanceState::Upcoming);
        assert_eq!(state(from), MaintenanceState::Active);
        assert_eq!(state(at(2, 2, 59)), MaintenanceState::Active);
        assert_eq!(state(to), MaintenanceState::Ended);
        for now in [at(2, 0, 0), from, to] {
            assert_eq!(
                maintenance_state(from, to, Some(at(1, 0, 0)), now),
                MaintenanceState::Cancelled
            );
        }
    }
}
