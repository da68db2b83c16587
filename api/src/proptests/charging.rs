//! Booking time ranges and the slot grid (`charging::rules`), against plain models.

use chrono::{Duration, NaiveDateTime, Timelike};
use proptest::prelude::*;

use crate::charging::rules::{
    cells, check_in_timing, check_in_window, check_range, local_midnight, on_grid, slot_floor,
    Settings,
};
use crate::clock::LOCAL_TZ;
use crate::error::ErrorCode;

/// Slot lengths a compound may choose: divisors of a day from 5 to 240 minutes.
const SLOTS: [i64; 14] = [5, 6, 8, 9, 10, 12, 15, 16, 18, 20, 24, 30, 60, 240];

fn time_between(from_year: i32, to_year: i32) -> impl Strategy<Value = NaiveDateTime> {
    let lo = chrono::NaiveDate::from_ymd_opt(from_year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(0);
    let hi = chrono::NaiveDate::from_ymd_opt(to_year, 12, 31)
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(0);
    (lo..=hi).prop_map(|ms| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.naive_utc())
            .unwrap_or_default()
    })
}

/// Times around now (Shanghai has had no daylight saving since 1991).
fn recent() -> impl Strategy<Value = NaiveDateTime> {
    time_between(1995, 2100)
}

/// Any time chrono can hold, as a request body may carry.
fn any_time() -> impl Strategy<Value = NaiveDateTime> {
    let lo = NaiveDateTime::MIN.and_utc().timestamp_millis();
    let hi = NaiveDateTime::MAX.and_utc().timestamp_millis();
    (lo..=hi).prop_map(|ms| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.naive_utc())
            .unwrap_or_default()
    })
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        proptest::sample::select(SLOTS.to_vec()),
        1i64..=30,
        0i64..=1440,
        1i64..=12,
        1i64..=120,
        1i64..=10,
    )
        .prop_map(|(slot, days, notice, slots_long, grace, active)| Settings {
            slot_minutes: slot,
            days_ahead: days,
            min_notice_minutes: notice,
            max_booking_minutes: (slot * slots_long).min(1440 / slot * slot),
            grace_minutes: grace,
            max_active_per_household: active,
        })
}

proptest! {
    #![proptest_config(super::config(512))]

    /// Local midnight is 00:00 in Shanghai, at or before `t`, less than a day before it.
    #[test]
    fn local_midnight_starts_the_local_day(t in recent()) {
        let m = local_midnight(t);
        prop_assert!(m <= t && t - m < Duration::days(1));
        let local = m.and_utc().with_timezone(&LOCAL_TZ);
        prop_assert_eq!((local.hour(), local.minute(), local.second()), (0, 0, 0));
        prop_assert_eq!(local.date_naive(), t.and_utc().with_timezone(&LOCAL_TZ).date_naive());
    }

    /// The slot containing `t` starts at or before it, less than a slot before, on the grid;
    /// flooring twice changes nothing; moving by whole slots moves the floor alike.
    #[test]
    fn slot_floor_is_the_grid_point_below(t in recent(), s in settings(), k in -500i64..500) {
        let slot = s.slot();
        let f = slot_floor(t, slot);
        prop_assert!(f <= t && t - f < slot);
        prop_assert!(on_grid(f, slot));
        prop_assert_eq!(slot_floor(f, slot), f);
        prop_assert_eq!(on_grid(t, slot), f == t);
        prop_assert_eq!(slot_floor(t + slot * k as i32, slot), f + slot * k as i32);
        // The grid counts from local midnight.
        prop_assert_eq!((f - local_midnight(f)).num_milliseconds() % slot.num_milliseconds(), 0);
    }

    /// The cells of a range are the slot starts from its start up to (not including) its end.
    #[test]
    fn cells_cover_the_range(t in recent(), s in settings(), n in 0i64..60, extra in 0i64..1000) {
        let slot = s.slot();
        let start = slot_floor(t, slot);
        let end = start + Duration::minutes(s.slot_minutes * n) + Duration::seconds(extra);
        let c = cells(start, end, slot);
        let slot_secs = s.slot_minutes * 60;
        let total = n * slot_secs + extra;
        let expected = (total + slot_secs - 1) / slot_secs;
        prop_assert_eq!(c.len() as i64, expected);
        prop_assert!(c.windows(2).all(|w| w[1] - w[0] == slot));
        prop_assert!(c.first().is_none_or(|f| *f == start));
        prop_assert!(c.last().is_none_or(|l| *l < end && *l + slot >= end));
        prop_assert!(c.iter().all(|x| on_grid(*x, slot)));
        // Empty and backward ranges have no cells.
        prop_assert!(cells(end, start, slot).is_empty());
    }

    /// Whatever the request says: no panic, and an accepted range keeps every rule.
    #[test]
    fn accepted_ranges_keep_every_rule(
        s in settings(),
        now in recent(),
        starts in prop_oneof![recent(), any_time()],
        ends in prop_oneof![recent(), any_time()],
    ) {
        if check_range(&s, starts, ends, now).is_ok() {
            let slot = s.slot();
            prop_assert!(ends > starts);
            prop_assert!(on_grid(starts, slot) && on_grid(ends, slot));
            prop_assert!(ends - starts <= Duration::minutes(s.max_booking_minutes));
            prop_assert!(starts >= slot_floor(now, slot));
            prop_assert!(starts >= now + Duration::minutes(s.min_notice_minutes) || s.min_notice_minutes == 0);
            prop_assert!(starts < now + Duration::days(s.days_ahead));
        }
    }

    /// Any grid-aligned range within the limits, from the current slot on, is accepted; the
    /// same range shifted off the grid is refused as off-grid.
    #[test]
    fn ranges_within_the_rules_are_accepted(
        s in settings(),
        now in recent(),
        first in 0i64..2000,
        len in 1i64..=12,
        off in 1i64..5,
    ) {
        let s = Settings { min_notice_minutes: 0, ..s };
        let slot = s.slot();
        let slots_ahead = s.days_ahead * 1440 / s.slot_minutes;
        let first = first % slots_ahead;
        let len = len.min(s.max_booking_minutes / s.slot_minutes).max(1);
        let starts = slot_floor(now, slot) + slot * first as i32;
        prop_assume!(starts < now + Duration::days(s.days_ahead));
        let ends = starts + slot * len as i32;
        prop_assert!(check_range(&s, starts, ends, now).is_ok(), "{} → {}", starts, ends);
        let shifted = starts + Duration::minutes(off);
        prop_assert_eq!(
            check_range(&s, shifted, ends + Duration::minutes(off), now).err().map(|e| e.code),
            Some(ErrorCode::BookingOffGrid)
        );
        // A range that ends where it starts, or before, is refused naming ends_at.
        let e = check_range(&s, starts, starts, now).unwrap_err();
        prop_assert_eq!(e.field.as_deref(), Some("ends_at"));
    }

    /// Check-in is accepted exactly from 5 minutes before the start until the grace period
    /// ends.
    #[test]
    fn check_in_timing_follows_the_window(s in settings(), starts in recent(), delta in -3600i64..3600) {
        let now = starts + Duration::seconds(delta);
        let (opens, closes) = check_in_window(&s, starts);
        prop_assert_eq!(check_in_timing(&s, starts, now).is_ok(), opens <= now && now < closes);
    }

    /// Settings that pass validation make a usable grid.
    #[test]
    fn valid_settings_make_a_grid(
        slot in -10i64..300, days in -2i64..40, notice in -10i64..2000,
        max in -10i64..2000, grace in -5i64..200, active in -2i64..20,
    ) {
        let s = Settings {
            slot_minutes: slot,
            days_ahead: days,
            min_notice_minutes: notice,
            max_booking_minutes: max,
            grace_minutes: grace,
            max_active_per_household: active,
        };
        if s.validate().is_ok() {
            prop_assert!(slot > 0 && 1440 % slot == 0);
            prop_assert!(max >= slot && max % slot == 0 && max <= 1440);
            prop_assert!(days >= 1 && grace >= 1 && active >= 1 && notice >= 0);
        } else {
            prop_assert!(s.validate().unwrap_err().field.is_some());
        }
    }
}
