//! Attendance: check-in (with the on-site code or by a leader), check-out, and closing an
//! activity (no-shows, service hours and points). Hours and points go only to approved
//! members of the activity's team.
//!
//! Each volunteer is settled once: the conditional update on `service_minutes IS NULL` and
//! the ledger's UNIQUE reference both stand guard; closing is decided by the conditional
//! update of the activity's status, so only one process closes each activity.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::activities::{self, Activity};
use super::points::{self, Entry};
use super::signups::{get, live_of, Signup};
use crate::db::schema::{activities as a, signups as s};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::guesses::{self, Kind};
use crate::notifications::{notify, Notice};
use crate::volunteering::dto::activities::{ActivityStatus, CloseReport};
use crate::volunteering::dto::points::PointsReason;
use crate::volunteering::dto::signups::SignupStatus;
use crate::volunteering::dto::teams::MembershipStatus;
use crate::volunteering::rules::{
    activity_reference, normalize_code, points_for, AUTO_CLOSE_AFTER_END_HOURS,
};

fn check_in_row(
    conn: &mut DbConn,
    act: &Activity,
    row: &Signup,
    now: NaiveDateTime,
) -> ApiResult<()> {
    if !act.is_open() {
        return Err(ApiError::new(ErrorCode::ActivityNotOpen));
    }
    let schedule = act.schedule();
    if !schedule.checkin_open(now) {
        let (opens, closes) = schedule.checkin_window();
        return Err(ApiError::new(ErrorCode::CheckinWindowClosed).with_details(
            serde_json::json!({"opens_at": opens.and_utc(), "closes_at": closes.and_utc()}),
        ));
    }
    if row.status != SignupStatus::Confirmed {
        return Err(ApiError::new(ErrorCode::SignupNotConfirmed));
    }
    // Checking in twice is harmless: the first time stands.
    diesel::update(
        s::table.filter(
            s::id
                .eq(row.id)
                .and(s::status.eq(SignupStatus::Confirmed))
                .and(s::checked_in_at.is_null())
                .and(s::no_show.eq(false)),
        ),
    )
    .set(s::checked_in_at.eq(Some(now)))
    .execute(conn)?;
    Ok(())
}

/// The volunteer checks in with the on-site code, within the window.
pub fn self_check_in(
    conn: &mut DbConn,
    activity_id: i64,
    user_id: i64,
    code: &str,
    now: NaiveDateTime,
) -> ApiResult<Signup> {
    let act = activities::get(conn, activity_id)?;
    if !act.is_open() {
        return Err(ApiError::new(ErrorCode::ActivityNotOpen));
    }
    // The sign-up first: nobody tests codes for an activity they are not signed up to.
    let row = live_of(conn, activity_id, user_id)?.ok_or_else(|| {
        ApiError::new(ErrorCode::SignupNotConfirmed).with_reason("你没有报名这个活动")
    })?;
    if row.status != SignupStatus::Confirmed {
        return Err(ApiError::new(ErrorCode::SignupNotConfirmed));
    }
    // Then the code, with wrong ones counted per sign-up (5 an hour) and compared in constant
    // time.
    let attempt = guesses::reserve(conn, Kind::CheckIn, &format!("signup:{}", row.id), now)?;
    let given = normalize_code(code);
    if !crate::cards::rules::constant_time_eq(given.as_bytes(), act.checkin_code.as_bytes()) {
        guesses::failed(conn, &attempt, now)?;
        return Err(ApiError::new(ErrorCode::CheckinCodeWrong).with_field("code"));
    }
    guesses::succeeded(conn, &attempt)?;
    check_in_row(conn, &act, &row, now)?;
    get(conn, row.id)
}

/// A leader checks a volunteer in.
pub fn leader_check_in(conn: &mut DbConn, row: &Signup, now: NaiveDateTime) -> ApiResult<Signup> {
    let act = activities::get(conn, row.activity_id)?;
    check_in_row(conn, &act, row, now)?;
    get(conn, row.id)
}

/// Credit a checked-in volunteer's hours and points, once: the conditional update on
/// `service_minutes IS NULL` and the ledger's UNIQUE reference both stand guard.
fn settle_one(
    conn: &mut DbConn,
    act: &Activity,
    row: &Signup,
    checked_out: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> ApiResult<Option<i32>> {
    let Some(checked_in) = row.checked_in_at else {
        return Ok(None);
    };
    // Only approved members of the activity's team earn hours (and points from them); others
    // who attended are recorded with none.
    let approved = super::teams::membership(conn, act.team_id, row.user_id)?
        == Some(MembershipStatus::Approved);
    let minutes = if approved {
        act.schedule().service_minutes(checked_in, checked_out)
    } else {
        0
    };
    let pts = points_for(minutes, act.points_per_hour);
    let n = diesel::update(
        s::table.filter(
            s::id
                .eq(row.id)
                .and(s::checked_in_at.is_not_null())
                .and(s::service_minutes.is_null()),
        ),
    )
    .set((
        s::checked_out_at.eq(checked_out),
        s::service_minutes.eq(Some(minutes)),
        s::points_awarded.eq(Some(pts)),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    if pts > 0 {
        let reference = activity_reference(act.id, row.user_id);
        let entry = Entry::system(row.user_id, pts, PointsReason::ActivityHours, &reference);
        points::credit(conn, &entry, now)?;
    }
    notify(
        conn,
        row.user_id,
        &Notice {
            kind: crate::notifications::NotificationKind::SignupHoursCredited,
            title: "志愿服务时长已记录".into(),
            body: format!(
                "「{}」服务时长 {} 分钟，获得 {} 积分。",
                act.title, minutes, pts
            ),
            data: serde_json::json!({"activity_id": act.id, "signup_id": row.id, "service_minutes": minutes, "points": pts}),
            dedupe_key: Some(format!("signup.hours:{}", row.id)),
        },
        now,
    )?;
    Ok(Some(pts))
}

/// A leader checks a volunteer out: their hours (capped at the schedule) and points are
/// credited at once.
pub fn check_out(conn: &mut DbConn, signup_id: i64, now: NaiveDateTime) -> ApiResult<Signup> {
    let row = get(conn, signup_id)?;
    let act = activities::get(conn, row.activity_id)?;
    if !act.is_open() {
        return Err(ApiError::new(ErrorCode::ActivityNotOpen));
    }
    if row.status != SignupStatus::Confirmed {
        return Err(ApiError::new(ErrorCode::SignupNotConfirmed));
    }
    if row.checked_in_at.is_none() {
        return Err(ApiError::new(ErrorCode::NotCheckedIn));
    }
    if row.service_minutes.is_some() {
        return Err(ApiError::new(ErrorCode::AlreadyCheckedOut));
    }
    let settled =
        crate::db::transaction(conn, |conn| settle_one(conn, &act, &row, Some(now), now))?;
    if settled.is_none() {
        return Err(ApiError::new(ErrorCode::AlreadyCheckedOut));
    }
    get(conn, signup_id)
}

/// Close an ended activity: confirmed people never checked in become no-shows (each once),
/// checked-in people not yet checked out are credited until the end. The conditional update
/// of the activity's status decides which process does it.
pub fn close(conn: &mut DbConn, activity_id: i64, now: NaiveDateTime) -> ApiResult<CloseReport> {
    crate::db::transaction(conn, |conn| {
        let act = activities::get(conn, activity_id)?;
        let n = diesel::update(
            a::table.filter(
                a::id
                    .eq(activity_id)
                    .and(a::status.eq(ActivityStatus::Open))
                    .and(a::ends_at.le(now)),
            ),
        )
        .set((
            a::status.eq(ActivityStatus::Closed),
            a::closed_at.eq(Some(now)),
            a::updated_at.eq(now),
        ))
        .execute(conn)?;
        if n == 0 {
            if !act.is_open() {
                return Err(ApiError::new(ErrorCode::ActivityNotOpen));
            }
            return Err(ApiError::new(ErrorCode::ActivityNotEnded)
                .with_details(serde_json::json!({"ends_at": act.ends_at.and_utc()})));
        }
        let no_shows = diesel::update(
            s::table.filter(
                s::activity_id
                    .eq(activity_id)
                    .and(s::status.eq(SignupStatus::Confirmed))
                    .and(s::checked_in_at.is_null())
                    .and(s::no_show.eq(false)),
            ),
        )
        .set(s::no_show.eq(true))
        .execute(conn)?;
        let pending: Vec<Signup> = s::table
            .filter(
                s::activity_id
                    .eq(activity_id)
                    .and(s::status.eq(SignupStatus::Confirmed))
                    .and(s::checked_in_at.is_not_null())
                    .and(s::service_minutes.is_null()),
            )
            .select(Signup::as_select())
            .load(conn)?;
        let mut settled = 0;
        let mut points_paid = 0;
        for row in &pending {
            if let Some(p) = settle_one(conn, &act, row, None, now)? {
                settled += 1;
                points_paid += i64::from(p);
            }
        }
        Ok(CloseReport {
            activity_id,
            no_shows: no_shows as i64,
            settled,
            points_paid,
        })
    })
}

/// Background job: close activities whose leader did not, two hours after their end. Safe
/// in several processes: only one wins each activity's conditional update.
pub fn close_ended_activities(conn: &mut DbConn, now: NaiveDateTime) -> ApiResult<usize> {
    let due: Vec<i64> = a::table
        .filter(
            a::status
                .eq(ActivityStatus::Open)
                .and(a::ends_at.le(now - Duration::hours(AUTO_CLOSE_AFTER_END_HOURS))),
        )
        .order(a::ends_at)
        .limit(100)
        .select(a::id)
        .load(conn)?;
    let mut closed = 0;
    for id in due {
        match close(conn, id, now) {
            Ok(_) => closed += 1,
            Err(e) if e.code == ErrorCode::ActivityNotOpen => {}
            Err(e) => return Err(e),
        }
    }
    Ok(closed)
}
