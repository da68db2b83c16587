//! The caps of the micro-wish flow, kept as counters in the database so they hold across
//! requests and processes: a counter moves up only by `UPDATE ... WHERE counter < cap` (or
//! `points + n <= cap`), checked by its affected rows, in the transaction of the change it
//! counts. Nothing is read in Rust and then written.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::clock::LOCAL_TZ;
use crate::db::schema::{wish_month_points as wmp, wish_quotas as wq};
use crate::db::{is_unique_violation, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};

/// Make sure the user has a counter row (two first calls at once both end with one row).
fn ensure_row(conn: &mut DbConn, user_id: i64) -> ApiResult<()> {
    let n: i64 = wq::table
        .filter(wq::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    if n > 0 {
        return Ok(());
    }
    let inserted = diesel::insert_into(wq::table)
        .values((
            wq::user_id.eq(user_id),
            wq::open_wishes.eq(0),
            wq::open_claims.eq(0),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Count one more open wish of a poster, refused at `cap`.
pub fn take_post(conn: &mut DbConn, user_id: i64, cap: i32) -> ApiResult<()> {
    ensure_row(conn, user_id)?;
    let n = diesel::update(wq::table.filter(wq::user_id.eq(user_id).and(wq::open_wishes.lt(cap))))
        .set(wq::open_wishes.eq(wq::open_wishes + 1))
        .execute(conn)?;
    if n == 0 {
        return Err(ApiError::new(ErrorCode::WishPostLimitReached)
            .with_details(serde_json::json!({ "max": cap })));
    }
    Ok(())
}

/// A poster's wish is settled (confirmed, rejected or withdrawn).
pub fn give_post(conn: &mut DbConn, user_id: i64) -> ApiResult<()> {
    diesel::update(wq::table.filter(wq::user_id.eq(user_id).and(wq::open_wishes.gt(0))))
        .set(wq::open_wishes.eq(wq::open_wishes - 1))
        .execute(conn)?;
    Ok(())
}

/// Count one more open claim of a volunteer, refused at `cap`.
pub fn take_claim(conn: &mut DbConn, user_id: i64, cap: i32) -> ApiResult<()> {
    ensure_row(conn, user_id)?;
    let n = diesel::update(wq::table.filter(wq::user_id.eq(user_id).and(wq::open_claims.lt(cap))))
        .set(wq::open_claims.eq(wq::open_claims + 1))
        .execute(conn)?;
    if n == 0 {
        return Err(ApiError::new(ErrorCode::WishClaimLimitReached)
            .with_details(serde_json::json!({ "max": cap })));
    }
    Ok(())
}

/// A volunteer's claim is no longer open (given back or fulfilled).
pub fn give_claim(conn: &mut DbConn, user_id: i64) -> ApiResult<()> {
    diesel::update(wq::table.filter(wq::user_id.eq(user_id).and(wq::open_claims.gt(0))))
        .set(wq::open_claims.eq(wq::open_claims - 1))
        .execute(conn)?;
    Ok(())
}

/// The calendar month of `now` in the community's time, `YYYY-MM`.
pub fn month_of(now: NaiveDateTime) -> String {
    now.and_utc()
        .with_timezone(&LOCAL_TZ)
        .format("%Y-%m")
        .to_string()
}

/// Add `points` to the volunteer's wish points of the month if the total stays within `cap`;
/// `false` (nothing added) when it would not.
pub fn take_month_points(
    conn: &mut DbConn,
    user_id: i64,
    month: &str,
    points: i32,
    cap: i32,
) -> ApiResult<bool> {
    let exists: i64 = wmp::table
        .filter(wmp::user_id.eq(user_id).and(wmp::month.eq(month)))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        let inserted = diesel::insert_into(wmp::table)
            .values((
                wmp::user_id.eq(user_id),
                wmp::month.eq(month),
                wmp::points.eq(0),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let n = diesel::update(
        wmp::table.filter(
            wmp::user_id
                .eq(user_id)
                .and(wmp::month.eq(month))
                .and(wmp::points.le(cap - points)),
        ),
    )
    .set(wmp::points.eq(wmp::points + points))
    .execute(conn)?;
    Ok(n == 1)
}
