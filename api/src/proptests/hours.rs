//! Opening hours of the directory: `HH:MM` times and the intervals they make.

use proptest::prelude::*;

use crate::directory::rules::{fmt_hhmm, parse_hhmm, valid_interval};

proptest! {
    #![proptest_config(super::config(1024))]

    /// Every minute of the day (and 24:00) prints and reads back to itself.
    #[test]
    fn minutes_round_trip(m in 0i32..=1440) {
        prop_assert_eq!(parse_hhmm(&fmt_hhmm(m)), Some(m));
    }

    /// Whatever is sent: no panic, and what is accepted is the one way to write that time
    /// (so `+1:00`, `1:00` or `01:0` are refused, not read as 01:00).
    #[test]
    fn accepted_times_are_canonical(s in prop_oneof![
        any::<String>(),
        "[-+ 0-9]{1,3}:[-+ 0-9]{1,3}",
        "[0-9]{2}:[0-9]{2}",
    ]) {
        if let Some(m) = parse_hhmm(&s) {
            prop_assert!((0..=1440).contains(&m));
            prop_assert_eq!(fmt_hhmm(m), s);
        }
    }

    /// An interval is valid exactly when it opens during the day and closes later that day.
    #[test]
    fn intervals_lie_within_one_day(opens in -100i32..1600, closes in -100i32..1600) {
        prop_assert_eq!(
            valid_interval(opens, closes),
            (0..1440).contains(&opens) && opens < closes && closes <= 1440
        );
    }
}
