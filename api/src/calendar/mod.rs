//! The personal calendar feed: every user may have a secret URL serving, as iCalendar, what
//! they have planned in any area — charging bookings and volunteer sign-ups. The areas expose
//! plain model functions (`charging::model::bookings_on_calendar`,
//! `volunteering::model::agenda::signups_on_calendar`); this module turns their answers into
//! [`CalEvent`]s, renders them ([`ical`]), and owns the feed tokens ([`feeds`]) and endpoints
//! ([`handlers`]).

pub mod dto;
pub mod feeds;
pub mod handlers;
pub mod ical;

use chrono::{Duration, NaiveDateTime};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db::DbConn;
use crate::error::ApiResult;

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

/// Register this area's routes: each handler's `#[utoipa::path]` puts it in the router and
/// in the OpenAPI document (paths appear there in this order).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::get_feed)
        .service(handlers::rotate_feed)
        .service(handlers::revoke_feed)
        .service(handlers::serve_feed);
}

/// A user's activities: live sign-ups (waitlisted ones as tentative; cancelled activities as
/// cancelled, so calendar apps remove them).
fn activity_events(
    conn: &mut DbConn,
    user_id: i64,
    since: NaiveDateTime,
) -> ApiResult<Vec<CalEvent>> {
    let signups = crate::volunteering::model::agenda::signups_on_calendar(conn, user_id, since)?;
    Ok(signups
        .into_iter()
        .map(|s| CalEvent {
            uid: format!("signup-{}@linli", s.signup_id),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            summary: if s.waitlisted {
                format!("{}（候补）", s.title)
            } else {
                s.title
            },
            location: Some(s.place),
            description: Some(format!(
                "志愿活动 · {}（活动编号 {}）",
                s.category_label, s.activity_id
            )),
            status: if s.activity_cancelled {
                CalStatus::Cancelled
            } else if s.waitlisted {
                CalStatus::Tentative
            } else {
                CalStatus::Confirmed
            },
            last_modified: s.updated_at,
        })
        .collect())
}

/// A user's own charging bookings. Cancelled and released bookings stay in the feed as
/// cancelled, so calendar apps remove them.
fn booking_events(
    conn: &mut DbConn,
    user_id: i64,
    since: NaiveDateTime,
) -> ApiResult<Vec<CalEvent>> {
    let bookings = crate::charging::model::bookings_on_calendar(conn, user_id, since)?;
    Ok(bookings
        .into_iter()
        .map(|b| CalEvent {
            uid: format!("booking-{}@linli", b.id),
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            summary: format!("电动车充电 {}", b.socket_label),
            location: Some(b.compound_name),
            description: Some(format!(
                "充电预约 {}，请在开始后{}分钟内扫码签到",
                b.id, b.grace_minutes
            )),
            status: if b.cancelled {
                CalStatus::Cancelled
            } else {
                CalStatus::Confirmed
            },
            last_modified: b.changed_at,
        })
        .collect())
}

/// Every event of a user's calendar from 30 days ago on, soonest first.
pub fn events_for_user(
    conn: &mut DbConn,
    user_id: i64,
    now: NaiveDateTime,
) -> ApiResult<Vec<CalEvent>> {
    let since = now - Duration::days(PAST_DAYS);
    let mut events = activity_events(conn, user_id, since)?;
    events.extend(booking_events(conn, user_id, since)?);
    events.sort_by(|x, y| {
        x.starts_at
            .cmp(&y.starts_at)
            .then_with(|| x.uid.cmp(&y.uid))
    });
    Ok(events)
}
