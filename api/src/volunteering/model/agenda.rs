//! A user's sign-ups with their activities' times and places: what the personal calendar feed
//! (`crate::calendar`) shows of volunteering.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{activities as a, signups as s};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::volunteering::dto::activities::{ActivityCategory, ActivityStatus};
use crate::volunteering::dto::signups::SignupStatus;

/// One live sign-up and its activity.
#[derive(Clone, Debug)]
pub struct SignupOnCalendar {
    pub signup_id: i64,
    /// On the waitlist rather than confirmed.
    pub waitlisted: bool,
    pub activity_id: i64,
    pub title: String,
    /// The kind of service in words, e.g. `义务理发`.
    pub category_label: String,
    pub place: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    /// The activity was cancelled.
    pub activity_cancelled: bool,
    /// When the activity last changed.
    pub updated_at: NaiveDateTime,
}

/// The user's live sign-ups (confirmed or waitlisted) of activities ending at `since` or
/// later, soonest first.
pub fn signups_on_calendar(
    conn: &mut DbConn,
    user_id: i64,
    since: NaiveDateTime,
) -> ApiResult<Vec<SignupOnCalendar>> {
    type Row = (
        i64,
        SignupStatus,
        i64,
        String,
        ActivityCategory,
        String,
        NaiveDateTime,
        NaiveDateTime,
        ActivityStatus,
        NaiveDateTime,
    );
    let rows: Vec<Row> = s::table
        .inner_join(a::table)
        .filter(
            s::user_id
                .eq(user_id)
                .and(s::live_key.is_not_null())
                .and(a::ends_at.ge(since)),
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
                SignupOnCalendar {
                    signup_id,
                    waitlisted: signup_status == SignupStatus::Waitlisted,
                    activity_id,
                    title,
                    category_label: category.label().to_owned(),
                    place,
                    starts_at: starts,
                    ends_at: ends,
                    activity_cancelled: status == ActivityStatus::Cancelled,
                    updated_at: updated,
                }
            },
        )
        .collect())
}
