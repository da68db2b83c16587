//! Sign-ups: fair seats and a waitlist, cancellation with promotion, the roster and my
//! sign-ups. Check-in, check-out and closing are in `attendance`.
//!
//! Seats: `activities.seats_taken` is taken with `UPDATE ... SET seats_taken = seats_taken + 1
//! WHERE id = ? AND seats_taken < capacity`; the affected rows decide confirmed or waitlisted,
//! so seats are never oversold. One live sign-up per person and activity: UNIQUE
//! (activity_id, live_key), where live_key is the user id while the sign-up is live and NULL
//! once cancelled. The waitlist is ordered by `queue_no`, a per-activity counter bumped in the
//! same transaction (never by id, which is not time-ordered on distributed MySQL); positions
//! are computed, so they stay 1..N after cancellations.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{activities, local_time, teams};
use crate::db::idempotency::IdempotencyClaim;
use crate::db::paging::PageRequest;
use crate::db::schema::{activities as a, signups as s, users};
use crate::db::{is_unique_violation, last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::notifications::{notify, Notice};
use crate::volunteering::dto::activities::ActivityStatus;
use crate::volunteering::dto::signups::{MySignupEntry, RosterEntry, SignupStatus, SignupView};
use crate::volunteering::rules::{missing_skills, skills_from_text};

/// A sign-up as stored.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = s)]
pub struct Signup {
    pub id: i64,
    pub activity_id: i64,
    pub user_id: i64,
    pub status: SignupStatus,
    pub live_key: Option<i64>,
    pub queue_no: i64,
    pub created_at: NaiveDateTime,
    pub confirmed_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub checked_in_at: Option<NaiveDateTime>,
    pub checked_out_at: Option<NaiveDateTime>,
    pub no_show: bool,
    pub service_minutes: Option<i32>,
    pub points_awarded: Option<i32>,
}

fn find(conn: &mut DbConn, id: i64) -> ApiResult<Option<Signup>> {
    Ok(s::table
        .find(id)
        .select(Signup::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut DbConn, id: i64) -> ApiResult<Signup> {
    find(conn, id)?.ok_or_else(ApiError::not_found)
}

/// The user's live sign-up for an activity.
pub fn live_of(conn: &mut DbConn, activity_id: i64, user_id: i64) -> ApiResult<Option<Signup>> {
    Ok(s::table
        .filter(s::activity_id.eq(activity_id).and(s::live_key.eq(user_id)))
        .select(Signup::as_select())
        .first(conn)
        .optional()?)
}

/// The user's live sign-up, or else their latest cancelled one.
pub fn latest_of(conn: &mut DbConn, activity_id: i64, user_id: i64) -> ApiResult<Option<Signup>> {
    if let Some(live) = live_of(conn, activity_id, user_id)? {
        return Ok(Some(live));
    }
    Ok(s::table
        .filter(s::activity_id.eq(activity_id).and(s::user_id.eq(user_id)))
        .order((s::created_at.desc(), s::queue_no.desc()))
        .select(Signup::as_select())
        .first(conn)
        .optional()?)
}

/// Place in the waitlist (from 1) of a waitlisted sign-up: one more than the live waitlisted
/// sign-ups queued before it.
fn position(conn: &mut DbConn, row: &Signup) -> ApiResult<Option<i64>> {
    if row.status != SignupStatus::Waitlisted {
        return Ok(None);
    }
    let before: i64 = s::table
        .filter(
            s::activity_id
                .eq(row.activity_id)
                .and(s::status.eq(SignupStatus::Waitlisted))
                .and(s::queue_no.lt(row.queue_no)),
        )
        .count()
        .get_result(conn)?;
    Ok(Some(before + 1))
}

fn to_view(row: &Signup, position: Option<i64>) -> SignupView {
    SignupView {
        id: row.id,
        activity_id: row.activity_id,
        status: row.status,
        position,
        created_at: row.created_at.and_utc(),
        confirmed_at: row.confirmed_at.map(|t| t.and_utc()),
        checked_in_at: row.checked_in_at.map(|t| t.and_utc()),
        checked_out_at: row.checked_out_at.map(|t| t.and_utc()),
        no_show: row.no_show,
        service_minutes: row.service_minutes,
        points_awarded: row.points_awarded,
    }
}

pub fn view(conn: &mut DbConn, row: &Signup) -> ApiResult<SignupView> {
    let pos = position(conn, row)?;
    Ok(to_view(row, pos))
}

/// Sign up: a seat while seats last, else the waitlist. Refused when the activity is not
/// open, after the deadline, without a required skill, or when already signed up.
pub fn sign_up(
    conn: &mut DbConn,
    activity_id: i64,
    user_id: i64,
    now: NaiveDateTime,
    claim: IdempotencyClaim,
) -> ApiResult<Signup> {
    if let Some(id) = claim.done_before(conn, "signup")? {
        return get(conn, id);
    }
    let act = activities::get(conn, activity_id)?;
    if !act.is_open() {
        return Err(ApiError::new(ErrorCode::ActivityNotOpen));
    }
    if now > act.signup_deadline {
        return Err(ApiError::new(ErrorCode::SignupDeadlinePassed)
            .with_details(serde_json::json!({"signup_deadline": act.signup_deadline.and_utc()})));
    }
    let required = skills_from_text(&act.required_skills);
    if !required.is_empty() {
        let have = teams::skills_of(conn, user_id)?;
        let missing = missing_skills(&required, &have);
        if !missing.is_empty() {
            return Err(ApiError::new(ErrorCode::MissingRequiredSkill)
                .with_details(serde_json::json!({"missing": missing})));
        }
    }
    let id = crate::db::transaction(conn, |conn| {
        if let Some(id) = claim.begin(conn, "signup")? {
            return Ok(id);
        }
        // After `begin`: an earlier attempt of this very request that signed up is found
        // above, not refused here as a second sign-up.
        if live_of(conn, activity_id, user_id)?.is_some() {
            return Err(ApiError::new(ErrorCode::AlreadySignedUp));
        }
        // Take a queue number; this also locks the activity row until commit, so sign-ups and
        // cancellations of one activity are applied one after the other.
        let n = diesel::update(
            a::table.filter(
                a::id
                    .eq(activity_id)
                    .and(a::status.eq(ActivityStatus::Open)),
            ),
        )
        .set(a::queue_seq.eq(a::queue_seq + 1i64))
        .execute(conn)?;
        if n == 0 {
            return Err(ApiError::new(ErrorCode::ActivityNotOpen));
        }
        let queue_no: i64 = a::table
            .find(activity_id)
            .select(a::queue_seq)
            .first(conn)?;
        let seat = diesel::update(
            a::table.filter(a::id.eq(activity_id).and(a::seats_taken.lt(a::capacity))),
        )
        .set(a::seats_taken.eq(a::seats_taken + 1))
        .execute(conn)?
            == 1;
        let inserted = diesel::insert_into(s::table)
            .values((
                s::activity_id.eq(activity_id),
                s::user_id.eq(user_id),
                s::status.eq(if seat {
                    SignupStatus::Confirmed
                } else {
                    SignupStatus::Waitlisted
                }),
                s::live_key.eq(Some(user_id)),
                s::queue_no.eq(queue_no),
                s::created_at.eq(now),
                s::confirmed_at.eq(seat.then_some(now)),
                s::no_show.eq(false),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => {
                let id = last_insert_id(conn)?;
                claim.mark_done(conn, "signup", id)?;
                Ok(id)
            }
            // The transaction rolls back, seat included.
            Err(e) if is_unique_violation(&e) => Err(ApiError::new(ErrorCode::AlreadySignedUp)),
            Err(e) => Err(e.into()),
        }
    })?;
    get(conn, id)
}

/// Give the next waitlisted person the free seat, if there is one; tell them. Runs inside the
/// caller's transaction. Returns whether someone was promoted.
pub fn promote_next(conn: &mut DbConn, activity_id: i64, now: NaiveDateTime) -> ApiResult<bool> {
    loop {
        let next: Option<(i64, i64)> = s::table
            .filter(
                s::activity_id
                    .eq(activity_id)
                    .and(s::status.eq(SignupStatus::Waitlisted)),
            )
            .order(s::queue_no)
            .select((s::id, s::user_id))
            .first(conn)
            .optional()?;
        let Some((signup_id, user_id)) = next else {
            return Ok(false);
        };
        let seat = diesel::update(
            a::table.filter(
                a::id
                    .eq(activity_id)
                    .and(a::status.eq(ActivityStatus::Open))
                    .and(a::seats_taken.lt(a::capacity)),
            ),
        )
        .set(a::seats_taken.eq(a::seats_taken + 1))
        .execute(conn)?
            == 1;
        if !seat {
            return Ok(false);
        }
        let moved = diesel::update(
            s::table.filter(
                s::id
                    .eq(signup_id)
                    .and(s::status.eq(SignupStatus::Waitlisted)),
            ),
        )
        .set((
            s::status.eq(SignupStatus::Confirmed),
            s::confirmed_at.eq(Some(now)),
        ))
        .execute(conn)?;
        if moved == 1 {
            let act = activities::get(conn, activity_id)?;
            notify(
                conn,
                user_id,
                &Notice {
                    kind: crate::notifications::NotificationKind::SignupPromoted,
                    title: "候补成功，已为你保留名额".into(),
                    body: format!(
                        "「{}」有人取消报名，你已从候补转为正式报名。活动时间：{}，地点：{}。",
                        act.title,
                        local_time(act.starts_at),
                        act.place
                    ),
                    data: serde_json::json!({"activity_id": activity_id, "signup_id": signup_id}),
                    dedupe_key: Some(format!("signup.promoted:{signup_id}")),
                },
                now,
            )?;
            return Ok(true);
        }
        // That person cancelled meanwhile: hand the seat back and look again.
        diesel::update(a::table.filter(a::id.eq(activity_id)))
            .set(a::seats_taken.eq(a::seats_taken - 1))
            .execute(conn)?;
    }
}

/// Cancel my sign-up before the activity starts. A confirmed seat goes to the first
/// waitlisted person in the same transaction.
pub fn cancel(
    conn: &mut DbConn,
    signup_id: i64,
    user_id: i64,
    now: NaiveDateTime,
) -> ApiResult<Signup> {
    let row = get(conn, signup_id)?;
    if row.user_id != user_id {
        return Err(ApiError::not_found());
    }
    let act = activities::get(conn, row.activity_id)?;
    if row.live_key.is_none() {
        return Err(ApiError::new(ErrorCode::SignupNotLive));
    }
    if !act.is_open() {
        return Err(ApiError::new(ErrorCode::ActivityNotOpen));
    }
    if now >= act.starts_at {
        return Err(ApiError::new(ErrorCode::ActivityAlreadyStarted));
    }
    crate::db::transaction(conn, |conn| {
        // Lock the activity first (the order sign-ups use too), then change the sign-up.
        diesel::update(a::table.filter(a::id.eq(row.activity_id)))
            .set(a::updated_at.eq(now))
            .execute(conn)?;
        let current = get(conn, signup_id)?;
        let was = current.status;
        if current.live_key.is_none() {
            return Err(ApiError::new(ErrorCode::SignupNotLive));
        }
        let n = diesel::update(
            s::table.filter(
                s::id
                    .eq(signup_id)
                    .and(s::status.eq(was))
                    .and(s::live_key.is_not_null()),
            ),
        )
        .set((
            s::status.eq(SignupStatus::Cancelled),
            s::live_key.eq(None::<i64>),
            s::cancelled_at.eq(Some(now)),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(ApiError::new(ErrorCode::SignupNotLive));
        }
        if was == SignupStatus::Confirmed {
            diesel::update(a::table.filter(a::id.eq(row.activity_id).and(a::seats_taken.gt(0))))
                .set(a::seats_taken.eq(a::seats_taken - 1))
                .execute(conn)?;
            promote_next(conn, row.activity_id, now)?;
        }
        Ok(())
    })?;
    get(conn, signup_id)
}

/// The live roster of an activity: confirmed first, then the waitlist in order. Positions
/// follow from the order.
pub fn roster(
    conn: &mut DbConn,
    activity_id: i64,
    page: Option<PageRequest>,
) -> ApiResult<(Vec<RosterEntry>, i64)> {
    let base = || {
        s::table.inner_join(users::table).filter(
            s::activity_id
                .eq(activity_id)
                .and(s::live_key.is_not_null()),
        )
    };
    let total: i64 = base().count().get_result(conn)?;
    let confirmed: i64 = s::table
        .filter(
            s::activity_id
                .eq(activity_id)
                .and(s::status.eq(SignupStatus::Confirmed)),
        )
        .count()
        .get_result(conn)?;
    // "confirmed" sorts before "waitlisted".
    let mut q = base()
        .order((s::status, s::queue_no))
        .select((Signup::as_select(), users::nickname))
        .into_boxed();
    let offset = page.map(|p| p.offset()).unwrap_or(0);
    if let Some(p) = page {
        q = q.limit(p.per_page).offset(p.offset());
    }
    let rows: Vec<(Signup, String)> = q.load(conn)?;
    let items = rows
        .into_iter()
        .enumerate()
        .map(|(i, (row, nickname))| {
            let index = offset + i as i64;
            let pos = (row.status == SignupStatus::Waitlisted).then_some(index - confirmed + 1);
            RosterEntry {
                signup: to_view(&row, pos),
                user_id: row.user_id,
                nickname,
            }
        })
        .collect();
    Ok((items, total))
}

/// My sign-ups, newest activity first.
pub fn mine(
    conn: &mut DbConn,
    user_id: i64,
    page: PageRequest,
) -> ApiResult<(Vec<MySignupEntry>, i64)> {
    let total: i64 = s::table
        .filter(s::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    type Row = (
        Signup,
        String,
        String,
        NaiveDateTime,
        NaiveDateTime,
        ActivityStatus,
    );
    let rows: Vec<Row> = s::table
        .inner_join(a::table)
        .filter(s::user_id.eq(user_id))
        .order((a::starts_at.desc(), s::created_at.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            Signup::as_select(),
            a::title,
            a::place,
            a::starts_at,
            a::ends_at,
            a::status,
        ))
        .load(conn)?;
    let mut items = Vec::with_capacity(rows.len());
    for (row, title, place, starts, ends, status) in rows {
        items.push(MySignupEntry {
            signup: view(conn, &row)?,
            activity_title: title,
            activity_place: place,
            activity_starts_at: starts.and_utc(),
            activity_ends_at: ends.and_utc(),
            activity_status: status,
        });
    }
    Ok((items, total))
}
