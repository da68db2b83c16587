//! A service's opening hours as stored: regular weekly intervals and dated exceptions
//! (holidays, closures), read for one service or all, and replaced as a whole by staff edits.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{schedule_exceptions, schedules};
use crate::db::DbConn;
use crate::directory::rules::{DatedException, WeeklyHours};
use crate::error::ApiResult;

/// Weekly hours by service id, of one service or every one.
pub fn weekly(conn: &mut DbConn, service: Option<i64>) -> ApiResult<Vec<(i64, WeeklyHours)>> {
    let mut q = schedules::table.into_boxed();
    if let Some(id) = service {
        q = q.filter(schedules::service_id.eq(id));
    }
    let rows: Vec<(i64, i32, i32, i32)> = q
        .order((
            schedules::service_id,
            schedules::weekday,
            schedules::opens_minute,
        ))
        .select((
            schedules::service_id,
            schedules::weekday,
            schedules::opens_minute,
            schedules::closes_minute,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(sid, weekday, opens, closes)| {
            (
                sid,
                WeeklyHours {
                    weekday,
                    opens,
                    closes,
                },
            )
        })
        .collect())
}

type ExceptionRow = (i64, String, bool, Option<i32>, Option<i32>, String);

/// Dated exceptions by service id, of one service or every one. A stored date that does not
/// parse is skipped.
pub fn exceptions(
    conn: &mut DbConn,
    service: Option<i64>,
) -> ApiResult<Vec<(i64, DatedException)>> {
    let mut q = schedule_exceptions::table.into_boxed();
    if let Some(id) = service {
        q = q.filter(schedule_exceptions::service_id.eq(id));
    }
    let rows: Vec<ExceptionRow> = q
        .order((
            schedule_exceptions::service_id,
            schedule_exceptions::on_date,
        ))
        .select((
            schedule_exceptions::service_id,
            schedule_exceptions::on_date,
            schedule_exceptions::closed,
            schedule_exceptions::opens_minute,
            schedule_exceptions::closes_minute,
            schedule_exceptions::note,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(sid, date, closed, opens, closes, note)| {
            let date = NaiveDate::parse_from_str(&date, "%Y-%m-%d").ok()?;
            Some((
                sid,
                DatedException {
                    date,
                    closed,
                    opens,
                    closes,
                    note,
                },
            ))
        })
        .collect())
}

/// Replace a service's weekly hours.
pub fn replace_weekly(
    conn: &mut DbConn,
    service_id: i64,
    list: &[WeeklyHours],
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::delete(schedules::table.filter(schedules::service_id.eq(service_id))).execute(conn)?;
    for h in list {
        diesel::insert_into(schedules::table)
            .values((
                schedules::service_id.eq(service_id),
                schedules::weekday.eq(h.weekday),
                schedules::opens_minute.eq(h.opens),
                schedules::closes_minute.eq(h.closes),
                schedules::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replace a service's dated exceptions.
pub fn replace_exceptions(
    conn: &mut DbConn,
    service_id: i64,
    list: &[DatedException],
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::delete(
        schedule_exceptions::table.filter(schedule_exceptions::service_id.eq(service_id)),
    )
    .execute(conn)?;
    for e in list {
        diesel::insert_into(schedule_exceptions::table)
            .values((
                schedule_exceptions::service_id.eq(service_id),
                schedule_exceptions::on_date.eq(e.date.format("%Y-%m-%d").to_string()),
                schedule_exceptions::closed.eq(e.closed),
                schedule_exceptions::opens_minute.eq(e.opens),
                schedule_exceptions::closes_minute.eq(e.closes),
                schedule_exceptions::note.eq(&e.note),
                schedule_exceptions::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}
