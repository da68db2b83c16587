//! What a charging session costs under a compound's price plan: plain functions, no database,
//! no clock. Everything is integer fen.
//!
//! - The band is chosen by the early peak power the pile reports (`band_power_w`, the peak of
//!   the first minutes; else the session's peak): a charger's draw falls as the battery fills,
//!   so an average would under-charge long sessions (CHARGING-MONEY §1.3). Bands are half-open,
//!   `[from_w, to_w)`.
//! - The duration is the one the pile reports in its settlement, never the server's clock
//!   (a lagging network must not cost the resident).
//! - The duration is rounded up to the plan's unit, the fee is at least the minimum and at most
//!   what was prepaid.
//! - A pile-side fault within the first N minutes, or a start that failed, costs nothing.

use crate::devices::dto::StopReason;

/// One power band: `[from_w, to_w)` costs `fen_per_hour`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Band {
    pub from_w: i32,
    pub to_w: i32,
    pub fen_per_hour: i32,
}

impl Band {
    /// Whether `power_w` is in this band (half-open: `to_w` belongs to the next band).
    pub fn contains(&self, power_w: i32) -> bool {
        self.from_w <= power_w && power_w < self.to_w
    }
}

/// A validated price plan (see `rules::plan`): bands sorted by `from_w`, not overlapping,
/// at least one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub bands: Vec<Band>,
    /// The billing unit: a started unit is billed whole.
    pub unit_minutes: i32,
    pub min_fee_fen: i32,
    /// The longest session, also what "until full" prepays.
    pub max_hours: i32,
    /// A pile-side fault within this many minutes of the start costs nothing.
    pub fault_waiver_minutes: i32,
}

/// How a session ended, as far as the price is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The pile never started charging: nothing is owed.
    StartFailed,
    /// The pile settled the session with this stop reason.
    Stopped(StopReason),
}

/// What the pile reported about one session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// The duration the pile reports (settlement), in seconds.
    pub duration_s: i64,
    /// The early peak the pile reports for band selection.
    pub band_power_w: Option<i32>,
    /// The session's peak, used when the pile gave no early peak.
    pub peak_power_w: Option<i32>,
    pub end: End,
}

/// The fee of one session, and how it was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fee {
    pub fee_fen: i64,
    /// `prepaid_fen - fee_fen`: what goes back to the resident.
    pub refund_fen: i64,
    /// The band charged.
    pub band: Band,
    /// The duration billed: the reported duration rounded up to the unit.
    pub billed_minutes: i64,
    /// Free because of a pile-side fault early on or a failed start.
    pub waived: bool,
}

impl Plan {
    /// The band with the highest price per hour (the earliest of equals). This is the band a
    /// power no band holds is billed at, and what the prepaid amount assumes; it is chosen by
    /// price, never as "the last row" (a plan whose last band is cheaper must not bill an
    /// unmatched power at the cheaper rate, nor an empty match at whatever came last).
    pub fn highest_band(&self) -> Band {
        self.bands
            .iter()
            .copied()
            .reduce(|best, b| {
                if b.fen_per_hour > best.fen_per_hour {
                    b
                } else {
                    best
                }
            })
            .unwrap_or(Band {
                from_w: 0,
                to_w: 0,
                fen_per_hour: 0,
            })
    }

    /// The band a session at `power_w` is billed at: the band holding it, else (no power
    /// reported, or a power outside every band) the highest band.
    pub fn band_for(&self, power_w: Option<i32>) -> Band {
        power_w
            .and_then(|p| self.bands.iter().copied().find(|b| b.contains(p)))
            .unwrap_or_else(|| self.highest_band())
    }

    /// What a resident prepays for `hours` of charging: the highest band's price × hours, so
    /// whatever power the charger draws the fee fits. "Until full" is `max_hours`.
    pub fn prepaid_fen(&self, hours: i32) -> i64 {
        i64::from(self.highest_band().fen_per_hour) * i64::from(hours.max(0))
    }

    /// The fee of a session that was prepaid `prepaid_fen`.
    pub fn fee(&self, usage: &Usage, prepaid_fen: i64) -> Fee {
        let band = self.band_for(usage.band_power_w.or(usage.peak_power_w));
        let prepaid_fen = prepaid_fen.max(0);
        let duration_s = usage.duration_s.max(0);
        let unit_s = i64::from(self.unit_minutes.max(1)) * 60;
        let billed_minutes = ceil_div(duration_s, unit_s) * unit_s / 60;
        if self.waived(usage.end, duration_s) {
            return Fee {
                fee_fen: 0,
                refund_fen: prepaid_fen,
                band,
                billed_minutes,
                waived: true,
            };
        }
        // fen per hour × minutes / 60, a part of a fen rounded up (the unit already is).
        let by_time = ceil_div(i64::from(band.fen_per_hour) * billed_minutes, 60);
        let fee_fen = by_time.max(i64::from(self.min_fee_fen)).min(prepaid_fen);
        Fee {
            fee_fen,
            refund_fen: prepaid_fen - fee_fen,
            band,
            billed_minutes,
            waived: false,
        }
    }

    /// A failed start is free; so is a stop for a fault of the pile or its supply (not of the
    /// resident's charger) within the first `fault_waiver_minutes`. The DNY stop reasons
    /// 0x0E, 0x0F and 0x19 are `Fault` (`devices::dny::codes::stop_reason`); an emergency
    /// cut and a supply voltage fault are the site's, not the resident's. Overload, over-
    /// temperature and low power come from the resident's charger and are billed.
    fn waived(&self, end: End, duration_s: i64) -> bool {
        match end {
            End::StartFailed => true,
            End::Stopped(reason) => {
                is_site_fault(reason) && duration_s < i64::from(self.fault_waiver_minutes) * 60
            }
        }
    }
}

/// `n / d` rounded up, for `n >= 0` and `d > 0`.
fn ceil_div(n: i64, d: i64) -> i64 {
    (n + d - 1) / d
}

/// Stop reasons that are the pile's or the site's fault.
pub fn is_site_fault(reason: StopReason) -> bool {
    matches!(
        reason,
        StopReason::Fault | StopReason::Emergency | StopReason::SupplyVoltage
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan {
            bands: vec![
                Band {
                    from_w: 0,
                    to_w: 400,
                    fen_per_hour: 50,
                },
                Band {
                    from_w: 400,
                    to_w: 700,
                    fen_per_hour: 80,
                },
                Band {
                    from_w: 700,
                    to_w: 1200,
                    fen_per_hour: 120,
                },
            ],
            unit_minutes: 30,
            min_fee_fen: 20,
            max_hours: 12,
            fault_waiver_minutes: 5,
        }
    }

    fn usage(duration_s: i64, power: i32, end: End) -> Usage {
        Usage {
            duration_s,
            band_power_w: Some(power),
            peak_power_w: Some(power + 100),
            end,
        }
    }

    /// The worked example: 10 h prepaid, 3 h 10 min at a 450 W early peak in a
    /// 400–700 W band with a 30-minute unit → 3.5 h of that band, the rest refunded.
    #[test]
    fn ten_hours_prepaid_three_hours_ten_minutes_at_450_w() {
        let p = plan();
        let prepaid = p.prepaid_fen(10);
        assert_eq!(prepaid, 1200);
        let fee = p.fee(
            &usage(3 * 3600 + 600, 450, End::Stopped(StopReason::Full)),
            prepaid,
        );
        assert_eq!(fee.band.fen_per_hour, 80);
        assert_eq!(fee.billed_minutes, 210);
        assert_eq!(fee.fee_fen, 80 * 7 / 2);
        assert_eq!(fee.refund_fen, prepaid - 280);
    }

    #[test]
    fn the_early_peak_chooses_the_band_not_the_later_peak() {
        let u = Usage {
            band_power_w: Some(399),
            peak_power_w: Some(900),
            ..usage(3600, 0, End::Stopped(StopReason::Full))
        };
        assert_eq!(plan().fee(&u, 10_000).band.fen_per_hour, 50);
        let u = Usage {
            band_power_w: None,
            ..u
        };
        assert_eq!(plan().fee(&u, 10_000).band.fen_per_hour, 120);
    }

    #[test]
    fn a_power_outside_every_band_is_billed_at_the_highest_price_not_the_last_row() {
        let mut p = plan();
        p.bands[2].fen_per_hour = 10; // the last row is now the cheapest
        assert_eq!(p.band_for(Some(5000)).fen_per_hour, 80);
        assert_eq!(p.band_for(None).fen_per_hour, 80);
        assert_eq!(p.prepaid_fen(2), 160);
    }

    #[test]
    fn a_short_session_pays_the_minimum_and_never_more_than_prepaid() {
        let p = plan();
        let fee = p.fee(&usage(60, 100, End::Stopped(StopReason::Unplugged)), 1000);
        assert_eq!(fee.fee_fen, 25); // 30 min at 50 fen/h, above the 20 fen minimum
        let fee = p.fee(&usage(0, 100, End::Stopped(StopReason::Unplugged)), 1000);
        assert_eq!(fee.fee_fen, 20);
        let fee = p.fee(&usage(20 * 3600, 1000, End::Stopped(StopReason::Full)), 300);
        assert_eq!((fee.fee_fen, fee.refund_fen), (300, 0));
    }

    #[test]
    fn an_early_pile_fault_or_a_failed_start_is_free_a_late_one_or_an_overload_is_not() {
        let p = plan();
        let early = p.fee(&usage(299, 450, End::Stopped(StopReason::Fault)), 800);
        assert!(early.waived);
        assert_eq!((early.fee_fen, early.refund_fen), (0, 800));
        let late = p.fee(&usage(300, 450, End::Stopped(StopReason::Fault)), 800);
        assert!(!late.waived);
        let overload = p.fee(&usage(10, 450, End::Stopped(StopReason::Overload)), 800);
        assert_eq!(overload.fee_fen, 40);
        let failed = p.fee(&usage(0, 450, End::StartFailed), 800);
        assert_eq!(failed.fee_fen, 0);
    }
}
