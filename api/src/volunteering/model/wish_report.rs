//! The staff report on wish points of a month: who earned most, and which pairs of accounts
//! keep trading wishes with each other (in either direction), the pattern two phones farming
//! points leave behind.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use diesel::prelude::*;

use super::teams;
use crate::clock::LOCAL_TZ;
use crate::db::schema::wishes as w;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::volunteering::dto::wishes::{WishEarner, WishPair, WishReport, WishStatus};
use crate::volunteering::dto::UserRef;

/// Earners listed at most.
const TOP: usize = 20;
/// Wishes between two accounts in a month from which the pair is listed.
const PAIR_MIN: i64 = 2;

/// The first day of `YYYY-MM`, or a validation error on `month`.
pub fn parse_month(month: &str) -> ApiResult<NaiveDate> {
    let bad = || ApiError::validation("month", "must be a month as YYYY-MM, e.g. 2026-12");
    if month.len() != 7 {
        return Err(bad());
    }
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| bad())
}

/// The month's bounds in UTC, from its first local midnight to the next month's.
fn bounds(first: NaiveDate) -> ApiResult<(NaiveDateTime, NaiveDateTime)> {
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| ApiError::validation("month", "out of range"))?;
    let utc = |d: NaiveDate| -> ApiResult<NaiveDateTime> {
        LOCAL_TZ
            .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
            .single()
            .map(|t| t.naive_utc())
            .ok_or_else(|| ApiError::validation("month", "out of range"))
    };
    Ok((utc(first)?, utc(next)?))
}

pub fn report(conn: &mut DbConn, first: NaiveDate) -> ApiResult<WishReport> {
    let (from, to) = bounds(first)?;
    let rows: Vec<(i64, Option<i64>, Option<i32>)> = w::table
        .filter(
            w::status
                .eq(WishStatus::Confirmed)
                .and(w::confirmed_at.ge(from))
                .and(w::confirmed_at.lt(to)),
        )
        .select((w::user_id, w::claimer_id, w::points_paid))
        .load(conn)?;
    let mut earners: HashMap<i64, (i64, i64)> = HashMap::new();
    let mut pairs: HashMap<(i64, i64), (i64, i64)> = HashMap::new();
    for (poster, claimer, paid) in rows {
        let Some(claimer) = claimer else { continue };
        let paid = i64::from(paid.unwrap_or(0));
        let e = earners.entry(claimer).or_default();
        e.0 += paid;
        e.1 += 1;
        let p = pairs
            .entry((poster.min(claimer), poster.max(claimer)))
            .or_default();
        p.0 += 1;
        p.1 += paid;
    }
    let mut top: Vec<(i64, (i64, i64))> = earners.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(TOP);
    let mut traded: Vec<((i64, i64), (i64, i64))> =
        pairs.into_iter().filter(|p| p.1 .0 >= PAIR_MIN).collect();
    traded.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut ids: Vec<i64> = top.iter().map(|t| t.0).collect();
    ids.extend(traded.iter().flat_map(|p| [p.0 .0, p.0 .1]));
    let refs = teams::user_refs(conn, &ids)?;
    let user = |id: i64| {
        refs.get(&id).cloned().unwrap_or(UserRef {
            user_id: id,
            nickname: String::new(),
        })
    };
    Ok(WishReport {
        month: first.format("%Y-%m").to_string(),
        top_earners: top
            .into_iter()
            .map(|(id, (points, wishes))| WishEarner {
                user: user(id),
                points,
                wishes,
            })
            .collect(),
        trading_pairs: traded
            .into_iter()
            .map(|((a, b), (wishes, points))| WishPair {
                a: user(a),
                b: user(b),
                wishes,
                points,
            })
            .collect(),
    })
}
