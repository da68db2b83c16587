//! Private calendar feeds: every user may have a secret URL serving their activities as
//! iCalendar. The feed is built from [`events_for_user`], an aggregator of event sources
//! (volunteer activities and charging bookings).

pub mod ical;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{activities as a, signups as s};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::volunteering::dto::ActivityCategory;

/// How an event stands, as calendars understand it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalStatus {
    Confirmed,
    Tentative,
    Cancelled,
}

/// One event of a user's calendar, from any area.
#[derive(Clone, Debug)]
pub struct CalEvent {
    /// Stable across feed fetches, unique across sources, e.g. `signup-77@linli`.
    pub uid: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub status: CalStatus,
    pub last_modified: NaiveDateTime,
}

/// Events older than this are left out of the feed.
const PAST_DAYS: i64 = 30;

/// A user's activities: live sign-ups (waitlisted ones as tentative; cancelled activities as
/// cancelled, so calendar apps remove them), from 30 days ago on.
pub fn activity_events(
    conn: &mut DbConn,
    user_id: i64,
    now: NaiveDateTime,
) -> ApiResult<Vec<CalEvent>> {
    type Row = (
        i64,
        String,
        i64,
        String,
        String,
        String,
        NaiveDateTime,
        NaiveDateTime,
        String,
        NaiveDateTime,
    );
    let rows: Vec<Row> = s::table
        .inner_join(a::table)
        .filter(
            s::user_id
                .eq(user_id)
                .and(s::live_key.is_not_null())
                .and(a::ends_at.ge(now - Duration::days(PAST_DAYS))),
        )
        .order((a::starts_at, a::id))
        .select((
            s::id,
            s::status,
            a::id,
            a::title,
            a::category,
            a::place,
            a::starts_at,
            a::ends_at,
            a::status,
            a::updated_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                signup_id,
                signup_status,
                activity_id,
                title,
                category,
                place,
                starts,
                ends,
                status,
                updated,
            )| {
                let waitlisted = signup_status == "waitlisted";
                let cal_status = if status == "cancelled" {
                    CalStatus::Cancelled
                } else if waitlisted {
                    CalStatus::Tentative
                } else {
                    CalStatus::Confirmed
                };
                let summary = if waitlisted {
                    format!("{title}（候补）")
                } else {
                    title
                };
                CalEvent {
                    uid: format!("signup-{signup_id}@linli"),
                    starts_at: starts,
                    ends_at: ends,
                    summary,
                    location: Some(place),
                    description: Some(format!(
                        "志愿活动 · {}（活动编号 {activity_id}）",
                        ActivityCategory::parse(&category).label()
                    )),
                    status: cal_status,
                    last_modified: updated,
                }
            },
        )
        .collect())
}

/// Every event of a user's calendar, soonest first.
pub fn events_for_user(
    conn: &mut DbConn,
    user_id: i64,
    now: NaiveDateTime,
) -> ApiResult<Vec<CalEvent>> {
    let mut events = activity_events(conn, user_id, now)?;
    events.extend(crate::charging::model::calendar_events(conn, user_id, now)?);
    events.sort_by(|x, y| {
        x.starts_at
            .cmp(&y.starts_at)
            .then_with(|| x.uid.cmp(&y.uid))
    });
    Ok(events)
}
