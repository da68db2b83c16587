//! Activities: create, edit, cancel, list, show.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime, TimeZone};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::signups;
use super::teams::{can_manage, check_community};
use crate::auth::AuthUser;
use crate::clock::LOCAL_TZ;
use crate::db::paging::PageRequest;
use crate::db::schema::{activities as a, communities, signups as s, volunteer_teams as vt};
use crate::db::{last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::notifications::{notify, Notice};
use crate::volunteering::dto::activities::{
    ActivityCategory, ActivityDetail, ActivityFilter, ActivityStatus, ActivitySummary,
};
use crate::volunteering::dto::signups::SignupStatus;
use crate::volunteering::rules::{random_code, skills_from_text, skills_to_text, Schedule};

/// An activity as stored.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = a)]
pub struct Activity {
    pub id: i64,
    pub team_id: i64,
    pub community_id: i64,
    pub title: String,
    pub category: ActivityCategory,
    pub description: String,
    pub place: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub signup_deadline: NaiveDateTime,
    pub capacity: i32,
    pub seats_taken: i32,
    pub queue_seq: i64,
    pub required_skills: String,
    pub points_per_hour: i32,
    pub checkin_code: String,
    pub status: ActivityStatus,
    pub cancel_reason: Option<String>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
}

impl Activity {
    pub fn schedule(&self) -> Schedule {
        Schedule {
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            signup_deadline: self.signup_deadline,
        }
    }

    pub fn is_open(&self) -> bool {
        self.status == ActivityStatus::Open
    }
}

fn find(conn: &mut DbConn, id: i64) -> ApiResult<Option<Activity>> {
    Ok(a::table
        .find(id)
        .select(Activity::as_select())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut DbConn, id: i64) -> ApiResult<Activity> {
    find(conn, id)?.ok_or_else(ApiError::not_found)
}

/// A new activity, validated.
#[derive(Clone, Debug)]
pub struct NewActivity {
    pub team_id: i64,
    pub community_id: i64,
    pub title: String,
    pub category: ActivityCategory,
    pub description: String,
    pub place: String,
    pub schedule: Schedule,
    pub capacity: i32,
    pub required_skills: Vec<String>,
    pub points_per_hour: i32,
}

pub fn create(
    conn: &mut DbConn,
    new: &NewActivity,
    created_by: i64,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    check_community(conn, "community_id", Some(new.community_id))?;
    diesel::insert_into(a::table)
        .values((
            a::team_id.eq(new.team_id),
            a::community_id.eq(new.community_id),
            a::title.eq(&new.title),
            a::category.eq(new.category),
            a::description.eq(&new.description),
            a::place.eq(&new.place),
            a::starts_at.eq(new.schedule.starts_at),
            a::ends_at.eq(new.schedule.ends_at),
            a::signup_deadline.eq(new.schedule.signup_deadline),
            a::capacity.eq(new.capacity),
            a::seats_taken.eq(0),
            a::queue_seq.eq(0i64),
            a::required_skills.eq(skills_to_text(&new.required_skills)),
            a::points_per_hour.eq(new.points_per_hour),
            a::checkin_code.eq(random_code(6)),
            a::status.eq(ActivityStatus::Open),
            a::created_by.eq(created_by),
            a::created_at.eq(now),
            a::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(last_insert_id(conn)?)
}

/// An edit of an activity: every field already merged with the stored values and validated.
pub type Edit = NewActivity;

/// Apply an edit before the start. The capacity never goes below the confirmed seats (a
/// conditional update decides); raising it promotes waitlisted people in the same
/// transaction.
pub fn update(conn: &mut DbConn, id: i64, edit: &Edit, now: NaiveDateTime) -> ApiResult<usize> {
    check_community(conn, "community_id", Some(edit.community_id))?;
    crate::db::transaction(conn, |conn| {
        let current = get(conn, id)?;
        if !current.is_open() {
            return Err(ApiError::new(ErrorCode::ActivityNotOpen));
        }
        if now >= current.starts_at {
            return Err(ApiError::new(ErrorCode::ActivityAlreadyStarted));
        }
        let n = diesel::update(
            a::table.filter(
                a::id
                    .eq(id)
                    .and(a::status.eq(ActivityStatus::Open))
                    .and(a::seats_taken.le(edit.capacity)),
            ),
        )
        .set((
            a::community_id.eq(edit.community_id),
            a::title.eq(&edit.title),
            a::category.eq(edit.category),
            a::description.eq(&edit.description),
            a::place.eq(&edit.place),
            a::starts_at.eq(edit.schedule.starts_at),
            a::ends_at.eq(edit.schedule.ends_at),
            a::signup_deadline.eq(edit.schedule.signup_deadline),
            a::capacity.eq(edit.capacity),
            a::required_skills.eq(skills_to_text(&edit.required_skills)),
            a::points_per_hour.eq(edit.points_per_hour),
            a::updated_at.eq(now),
        ))
        .execute(conn)?;
        if n == 0 {
            let again = get(conn, id)?;
            if !again.is_open() {
                return Err(ApiError::new(ErrorCode::ActivityNotOpen));
            }
            return Err(ApiError::new(ErrorCode::CapacityBelowConfirmed)
                .with_field("capacity")
                .with_details(serde_json::json!({"seats_taken": again.seats_taken})));
        }
        let mut promoted = 0;
        while signups::promote_next(conn, id, now)? {
            promoted += 1;
        }
        Ok(promoted)
    })
}

/// Cancel an activity that has not started; everyone signed up (confirmed or waitlisted) is
/// told in the same transaction. Returns how many were told.
pub fn cancel(
    conn: &mut DbConn,
    id: i64,
    reason: Option<&str>,
    now: NaiveDateTime,
) -> ApiResult<usize> {
    crate::db::transaction(conn, |conn| {
        let act = get(conn, id)?;
        if !act.is_open() {
            return Err(ApiError::new(ErrorCode::ActivityNotOpen));
        }
        if now >= act.starts_at {
            return Err(ApiError::new(ErrorCode::ActivityAlreadyStarted));
        }
        let n =
            diesel::update(a::table.filter(a::id.eq(id).and(a::status.eq(ActivityStatus::Open))))
                .set((
                    a::status.eq(ActivityStatus::Cancelled),
                    a::cancel_reason.eq(reason),
                    a::updated_at.eq(now),
                ))
                .execute(conn)?;
        if n == 0 {
            return Err(ApiError::new(ErrorCode::ActivityNotOpen));
        }
        let people: Vec<i64> = s::table
            .filter(s::activity_id.eq(id).and(s::live_key.is_not_null()))
            .select(s::user_id)
            .load(conn)?;
        let body = match reason {
            Some(r) => format!(
                "你报名的「{}」（{}）已取消。原因：{r}",
                act.title,
                super::local_time(act.starts_at)
            ),
            None => format!(
                "你报名的「{}」（{}）已取消。",
                act.title,
                super::local_time(act.starts_at)
            ),
        };
        for user_id in &people {
            notify(
                conn,
                *user_id,
                &Notice {
                    kind: crate::notifications::NotificationKind::ActivityCancelled,
                    title: "志愿活动已取消".into(),
                    body: body.clone(),
                    data: serde_json::json!({"activity_id": id}),
                    dedupe_key: Some(format!("activity.cancelled:{id}")),
                },
                now,
            )?;
        }
        Ok(people.len())
    })
}

/// Summaries of these activities, in the same order.
fn summaries(conn: &mut DbConn, rows: &[Activity]) -> ApiResult<Vec<ActivitySummary>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let team_ids: Vec<i64> = rows.iter().map(|r| r.team_id).collect();
    let community_ids: Vec<i64> = rows.iter().map(|r| r.community_id).collect();
    let teams: HashMap<i64, String> = vt::table
        .filter(vt::id.eq_any(&team_ids))
        .select((vt::id, vt::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let communities: HashMap<i64, String> = communities::table
        .filter(communities::id.eq_any(&community_ids))
        .select((communities::id, communities::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let waiting: HashMap<i64, i64> = s::table
        .filter(
            s::activity_id
                .eq_any(&ids)
                .and(s::status.eq(SignupStatus::Waitlisted)),
        )
        .group_by(s::activity_id)
        .select((s::activity_id, count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .iter()
        .map(|r| {
            let category = r.category;
            ActivitySummary {
                id: r.id,
                team_id: r.team_id,
                team_name: teams.get(&r.team_id).cloned().unwrap_or_default(),
                community_id: r.community_id,
                community_name: communities
                    .get(&r.community_id)
                    .cloned()
                    .unwrap_or_default(),
                title: r.title.clone(),
                category,
                category_label: category.label().to_owned(),
                place: r.place.clone(),
                starts_at: r.starts_at.and_utc(),
                ends_at: r.ends_at.and_utc(),
                signup_deadline: r.signup_deadline.and_utc(),
                capacity: r.capacity,
                seats_taken: r.seats_taken,
                seats_left: (r.capacity - r.seats_taken).max(0),
                waitlist_count: waiting.get(&r.id).copied().unwrap_or(0),
                required_skills: skills_from_text(&r.required_skills),
                points_per_hour: r.points_per_hour,
                status: r.status,
            }
        })
        .collect())
}

/// The UTC range of a local (Asia/Shanghai) calendar day.
fn local_day(date: chrono::NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    let start = LOCAL_TZ
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.naive_utc())
        .unwrap_or(midnight - Duration::hours(8));
    (start, start + Duration::days(1))
}

/// Upcoming open activities (not yet ended), soonest first.
pub fn list(
    conn: &mut DbConn,
    filter: &ActivityFilter,
    now: NaiveDateTime,
    page: PageRequest,
) -> ApiResult<(Vec<ActivitySummary>, i64)> {
    let query = || {
        let mut q = a::table
            .filter(a::status.eq(ActivityStatus::Open).and(a::ends_at.gt(now)))
            .into_boxed();
        if let Some(c) = filter.community_id {
            q = q.filter(a::community_id.eq(c));
        }
        if let Some(c) = filter.category {
            q = q.filter(a::category.eq(c));
        }
        if let Some(t) = filter.team_id {
            q = q.filter(a::team_id.eq(t));
        }
        if let Some(date) = filter.date {
            let (from, to) = local_day(date);
            q = q.filter(a::starts_at.ge(from).and(a::starts_at.lt(to)));
        }
        match filter.has_seats {
            Some(true) => q = q.filter(a::seats_taken.lt(a::capacity)),
            Some(false) => q = q.filter(a::seats_taken.ge(a::capacity)),
            None => {}
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<Activity> = query()
        .order((a::starts_at, a::id))
        .limit(page.per_page)
        .offset(page.offset())
        .select(Activity::as_select())
        .load(conn)?;
    Ok((summaries(conn, &rows)?, total))
}

/// One activity with the viewer's sign-up; the check-in code only for those who manage it.
pub fn detail(conn: &mut DbConn, id: i64, viewer: AuthUser) -> ApiResult<ActivityDetail> {
    let act = get(conn, id)?;
    let summary = summaries(conn, std::slice::from_ref(&act))?
        .pop()
        .ok_or_else(ApiError::not_found)?;
    let my_signup = match signups::latest_of(conn, id, viewer.user_id)? {
        Some(row) => Some(signups::view(conn, &row)?),
        None => None,
    };
    let manage = can_manage(conn, viewer, act.team_id)?;
    Ok(ActivityDetail {
        activity: summary,
        description: act.description,
        cancel_reason: act.cancel_reason,
        my_signup,
        can_manage: manage,
        checkin_code: manage.then_some(act.checkin_code),
    })
}
