//! A price plan as a client sends it, checked field by field into a [`Plan`]: each mistake is
//! a 422 `validation_failed` naming the field (`bands[1].to_w`), never a 500 or a silent fix.

use super::dto::{PriceBandView, PricePlanRequest};
use super::fee::{Band, Plan};
use crate::error::{ApiError, ApiResult};

/// The most bands a plan may have.
pub const MAX_BANDS: usize = 10;
/// The highest power a band may name, in watts (e-bike piles deliver at most a few kW).
pub const MAX_WATTS: i64 = 20_000;
/// The highest price per hour, in fen (100 元 an hour: far above any real tariff, low enough
/// that `price × hours` and `price × minutes` stay far inside `i64` and the `INT` columns).
pub const MAX_FEN_PER_HOUR: i64 = 10_000;
/// The highest minimum fee, in fen.
pub const MAX_MIN_FEE_FEN: i64 = 10_000;

/// `value` as an `i32` when it lies in `lo..=hi`, else a validation error naming `field`.
fn bounded(field: &str, value: i64, lo: i64, hi: i64) -> ApiResult<i32> {
    if (lo..=hi).contains(&value) {
        i32::try_from(value).map_err(|_| ApiError::validation(field, "out of range"))
    } else {
        Err(ApiError::validation(field, format!("must be {lo} to {hi}")))
    }
}

/// The plan `req` describes, or the first field that is wrong.
pub fn plan(req: &PricePlanRequest) -> ApiResult<Plan> {
    if req.bands.is_empty() || req.bands.len() > MAX_BANDS {
        return Err(ApiError::validation(
            "bands",
            format!("must hold 1 to {MAX_BANDS} bands"),
        ));
    }
    let mut bands: Vec<Band> = Vec::with_capacity(req.bands.len());
    for (i, b) in req.bands.iter().enumerate() {
        let band = band(i, b)?;
        if let Some(prev) = bands.last() {
            if band.from_w < prev.to_w {
                return Err(ApiError::validation(
                    format!("bands[{i}].from_w"),
                    "bands must be sorted by from_w and must not overlap",
                ));
            }
        }
        bands.push(band);
    }
    Ok(Plan {
        bands,
        unit_minutes: bounded("unit_minutes", req.unit_minutes, 1, 60)?,
        min_fee_fen: bounded("min_fee_fen", req.min_fee_fen, 0, MAX_MIN_FEE_FEN)?,
        max_hours: bounded("max_hours", req.max_hours, 1, 24)?,
        fault_waiver_minutes: bounded("fault_waiver_minutes", req.fault_waiver_minutes, 0, 60)?,
    })
}

fn band(i: usize, b: &PriceBandView) -> ApiResult<Band> {
    let from_w = bounded(&format!("bands[{i}].from_w"), b.from_w, 0, MAX_WATTS)?;
    let to_w = bounded(&format!("bands[{i}].to_w"), b.to_w, 1, MAX_WATTS)?;
    if to_w <= from_w {
        return Err(ApiError::validation(
            format!("bands[{i}].to_w"),
            "must be greater than from_w",
        ));
    }
    let fen_per_hour = bounded(
        &format!("bands[{i}].fen_per_hour"),
        b.fen_per_hour,
        0,
        MAX_FEN_PER_HOUR,
    )?;
    Ok(Band {
        from_w,
        to_w,
        fen_per_hour,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(bands: &[(i64, i64, i64)]) -> PricePlanRequest {
        PricePlanRequest {
            bands: bands
                .iter()
                .map(|&(from_w, to_w, fen_per_hour)| PriceBandView {
                    from_w,
                    to_w,
                    fen_per_hour,
                })
                .collect(),
            unit_minutes: 30,
            min_fee_fen: 20,
            max_hours: 12,
            fault_waiver_minutes: 5,
        }
    }

    fn field(r: ApiResult<Plan>) -> Option<String> {
        r.err().and_then(|e| e.field.clone())
    }

    #[test]
    fn a_sorted_plan_with_gaps_is_accepted() {
        assert!(plan(&req(&[(0, 400, 50), (500, 700, 80)])).is_ok());
    }

    #[test]
    fn each_mistake_names_its_field() {
        assert_eq!(field(plan(&req(&[]))).as_deref(), Some("bands"));
        let overlap = req(&[(0, 400, 50), (399, 700, 80)]);
        assert_eq!(field(plan(&overlap)).as_deref(), Some("bands[1].from_w"));
        let unsorted = req(&[(400, 700, 80), (0, 400, 50)]);
        assert_eq!(field(plan(&unsorted)).as_deref(), Some("bands[1].from_w"));
        let empty = req(&[(400, 400, 80)]);
        assert_eq!(field(plan(&empty)).as_deref(), Some("bands[0].to_w"));
        let negative = req(&[(0, 400, -1)]);
        assert_eq!(
            field(plan(&negative)).as_deref(),
            Some("bands[0].fen_per_hour")
        );
        let huge = req(&[(0, 400, i64::MAX)]);
        assert_eq!(field(plan(&huge)).as_deref(), Some("bands[0].fen_per_hour"));
        let unit = PricePlanRequest {
            unit_minutes: 61,
            ..req(&[(0, 400, 50)])
        };
        assert_eq!(field(plan(&unit)).as_deref(), Some("unit_minutes"));
    }
}
