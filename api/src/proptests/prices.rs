//! The fee of a charging session (`prices::fee`): never more than prepaid, never less for a
//! longer session, band edges half-open, against any valid plan.

use proptest::prelude::*;

use crate::devices::dto::StopReason;
use crate::prices::fee::{Band, End, Plan, Usage};

/// A valid plan: 1 to 6 sorted, non-overlapping bands (gaps allowed), prices 0..=10 000 fen.
fn plan() -> impl Strategy<Value = Plan> {
    (
        prop::collection::vec((0i32..300, 1i32..800, 0i32..=10_000), 1..=6),
        1i32..=60,
        0i32..=10_000,
        1i32..=24,
        0i32..=60,
    )
        .prop_map(
            |(raw, unit_minutes, min_fee_fen, max_hours, fault_waiver_minutes)| {
                let mut from = 0;
                let bands = raw
                    .into_iter()
                    .map(|(gap, width, fen_per_hour)| {
                        let band = Band {
                            from_w: from + gap,
                            to_w: from + gap + width,
                            fen_per_hour,
                        };
                        from = band.to_w;
                        band
                    })
                    .collect();
                Plan {
                    bands,
                    unit_minutes,
                    min_fee_fen,
                    max_hours,
                    fault_waiver_minutes,
                }
            },
        )
}

fn end() -> impl Strategy<Value = End> {
    prop_oneof![
        Just(End::StartFailed),
        Just(End::Stopped(StopReason::Full)),
        Just(End::Stopped(StopReason::Unplugged)),
        Just(End::Stopped(StopReason::Fault)),
        Just(End::Stopped(StopReason::Overload)),
        Just(End::Stopped(StopReason::Emergency)),
    ]
}

fn usage() -> impl Strategy<Value = Usage> {
    (
        -10i64..=30 * 3600,
        prop::option::of(-10i32..5000),
        prop::option::of(0i32..5000),
        end(),
    )
        .prop_map(|(duration_s, band_power_w, peak_power_w, end)| Usage {
            duration_s,
            band_power_w,
            peak_power_w,
            end,
        })
}

proptest! {
    #![proptest_config(super::config(512))]

    #[test]
    fn the_fee_never_exceeds_the_prepaid_amount(p in plan(), u in usage(), hours in 0i32..=24) {
        let prepaid = p.prepaid_fen(hours);
        let fee = p.fee(&u, prepaid);
        prop_assert!(0 <= fee.fee_fen && fee.fee_fen <= prepaid);
        prop_assert_eq!(fee.fee_fen + fee.refund_fen, prepaid);
    }

    #[test]
    fn a_longer_session_never_costs_less(p in plan(), u in usage(), more in 0i64..=10 * 3600, hours in 1i32..=24) {
        let prepaid = p.prepaid_fen(hours);
        let longer = Usage { duration_s: u.duration_s + more, ..u };
        prop_assert!(p.fee(&longer, prepaid).fee_fen >= p.fee(&u, prepaid).fee_fen);
    }

    #[test]
    fn a_band_holds_its_lower_edge_and_not_its_upper(p in plan(), i in any::<prop::sample::Index>()) {
        let band = p.bands[i.index(p.bands.len())];
        prop_assert_eq!(p.band_for(Some(band.from_w)), band);
        prop_assert_eq!(p.band_for(Some(band.to_w - 1)), band);
        let next = p.bands.iter().find(|b| b.from_w == band.to_w).copied();
        prop_assert_eq!(p.band_for(Some(band.to_w)), next.unwrap_or_else(|| p.highest_band()));
    }

}
