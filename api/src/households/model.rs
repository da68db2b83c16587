//! Household membership in the database. The invariants are the database's to keep:
//!
//! - **One live membership per user**: `live_user_id` is the user's id while the membership is
//!   pending or active and NULL otherwise, under a UNIQUE key.
//! - **Member cap**: `households.active_members` moves only by conditional updates
//!   (`... WHERE active_members < cap` on approval), checked by affected rows, in the
//!   transaction that activates the membership.
//! - **Decisions once**: every status change is conditional on the status it expects, so a
//!   request approved twice at once (or a tenancy expired by several processes) changes once;
//!   the loser gets 409 (or does nothing).
//! - `users.household_id` is the household of the user's active membership, set and cleared
//!   in the same transactions (booking, waitlist, volunteering and card rules read it), and the
//!   membership version moves with every change.

use chrono::{Months, NaiveDate, NaiveDateTime, TimeZone};
use diesel::prelude::*;
use serde_json::json;

use super::dto::{MemberRole, MemberStatus, MembershipView, RequestFilter};
use crate::auth::AuthUser;
use crate::clock::LOCAL_TZ;
use crate::db::paging::PageRequest;
use crate::db::schema::{buildings, compounds, households, memberships as m, users};
use crate::db::{self, is_unique_violation, last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::me::model::{bump_membership_version, set_active_household};
use crate::notifications::{notify, Notice, NotificationKind};

/// A membership row.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = m)]
pub struct MembershipRow {
    pub id: i64,
    pub household_id: i64,
    pub user_id: i64,
    pub role: MemberRole,
    pub status: MemberStatus,
    pub valid_from: NaiveDateTime,
    pub valid_until: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// What the audit log keeps of a membership: ids, role, status and end, nothing personal.
fn audit_state(r: &MembershipRow) -> serde_json::Value {
    json!({
        "household_id": r.household_id,
        "user_id": r.user_id,
        "role": r.role,
        "status": r.status,
        "valid_until": r.valid_until.map(|t| t.and_utc()),
    })
}

/// Record a decision on a membership (`membership.approve`, `.reject`, `.revoke`, `.expire`,
/// `.update`) by `actor` (`user:<id>`, or `system:<job>`), in the transaction of the change.
fn audit(
    c: &mut DbConn,
    actor: &str,
    action: &str,
    before: &MembershipRow,
    after: Option<&MembershipRow>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    crate::partners::model::audit::record_staff(
        c,
        crate::partners::model::audit::AuditEntry {
            partner_id: 0,
            actor,
            action,
            target_type: "membership",
            target_id: Some(before.id),
            before: Some(audit_state(before)),
            after: after.map(audit_state),
            at: now,
        },
    )
}

/// The audit actor of a signed-in user.
fn actor_of(user_id: i64) -> String {
    format!("user:{user_id}")
}

/// The instant a tenancy ending on `date` ends: 00:00 China time that day, as stored (UTC).
pub fn end_instant(date: NaiveDate) -> NaiveDateTime {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    LOCAL_TZ
        .from_local_datetime(&midnight)
        .earliest()
        .map_or(midnight, |t| t.naive_utc())
}

/// The China date of a stored end instant.
fn end_date(at: NaiveDateTime) -> NaiveDate {
    at.and_utc().with_timezone(&LOCAL_TZ).date_naive()
}

/// A tenant's end date checked: after today (China time) and at most a year ahead.
fn check_end(date: NaiveDate, now: NaiveDateTime) -> ApiResult<NaiveDateTime> {
    let today = end_date(now);
    let latest = today.checked_add_months(Months::new(12)).unwrap_or(today);
    if date <= today || date > latest {
        return Err(ApiError::validation(
            "valid_until",
            format!("must be after {today} and no later than {latest}"),
        ));
    }
    Ok(end_instant(date))
}

/// The role and end a decision gives: tenants need an end date, the others take none.
fn role_and_end(
    role: MemberRole,
    valid_until: Option<NaiveDate>,
    now: NaiveDateTime,
) -> ApiResult<Option<NaiveDateTime>> {
    match (role, valid_until) {
        (MemberRole::Tenant, Some(d)) => Ok(Some(check_end(d, now)?)),
        (MemberRole::Tenant, None) => Err(ApiError::validation(
            "valid_until",
            "is required for a tenant",
        )),
        (_, Some(_)) => Err(ApiError::validation(
            "valid_until",
            "only a tenant has an end date",
        )),
        (_, None) => Ok(None),
    }
}

fn row(conn: &mut DbConn, id: i64) -> ApiResult<Option<MembershipRow>> {
    Ok(m::table
        .find(id)
        .select(MembershipRow::as_select())
        .first(conn)
        .optional()?)
}

/// The membership `id` of household `household_id`, or 404.
fn row_of(conn: &mut DbConn, household_id: i64, id: i64) -> ApiResult<MembershipRow> {
    row(conn, id)?
        .filter(|r| r.household_id == household_id)
        .ok_or_else(ApiError::not_found)
}

/// The user's live (pending or active) membership.
pub fn live_membership(conn: &mut DbConn, user_id: i64) -> ApiResult<Option<MembershipRow>> {
    Ok(m::table
        .filter(m::live_user_id.eq(user_id))
        .select(MembershipRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether `user_id` is an active owner of `household_id`.
fn is_owner(conn: &mut DbConn, user_id: i64, household_id: i64) -> ApiResult<bool> {
    Ok(live_membership(conn, user_id)?.is_some_and(|r| {
        r.household_id == household_id
            && r.status == MemberStatus::Active
            && r.role == MemberRole::Owner
    }))
}

/// Who may manage a household's members: staff, or one of its active owners. Anyone else is
/// told the household's members do not exist (404), as for any resource not theirs.
fn require_manager(conn: &mut DbConn, actor: &AuthUser, household_id: i64) -> ApiResult<()> {
    if actor.is_staff() || is_owner(conn, actor.user_id, household_id)? {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// Active owners of a household.
fn owners(conn: &mut DbConn, household_id: i64) -> ApiResult<Vec<i64>> {
    Ok(m::table
        .filter(m::household_id.eq(household_id))
        .filter(m::status.eq(MemberStatus::Active))
        .filter(m::role.eq(MemberRole::Owner))
        .select(m::user_id)
        .load(conn)?)
}

fn nickname(conn: &mut DbConn, user_id: i64) -> ApiResult<String> {
    Ok(users::table
        .find(user_id)
        .select(users::nickname)
        .first(conn)?)
}

/// A membership as the API shows it.
pub fn view(conn: &mut DbConn, r: MembershipRow) -> ApiResult<MembershipView> {
    Ok(MembershipView {
        id: r.id,
        household_id: r.household_id,
        user_id: r.user_id,
        nickname: nickname(conn, r.user_id)?,
        role: r.role,
        status: r.status,
        valid_from: r.valid_from.and_utc(),
        valid_until: r.valid_until.map(end_date),
        ends_at: r.valid_until.map(|t| t.and_utc()),
        created_at: r.created_at.and_utc(),
        decided_at: r.decided_at.map(|t| t.and_utc()),
    })
}

fn views(conn: &mut DbConn, rows: Vec<MembershipRow>) -> ApiResult<Vec<MembershipView>> {
    rows.into_iter().map(|r| view(conn, r)).collect()
}

fn tell(
    conn: &mut DbConn,
    users: &[i64],
    kind: NotificationKind,
    title: &str,
    body: String,
    r: &MembershipRow,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let notice = Notice {
        kind,
        title: title.into(),
        body,
        data: json!({"household_id": r.household_id, "membership_id": r.id}),
        dedupe_key: Some(format!("{}:{}", kind.as_str(), r.id)),
    };
    for u in users {
        notify(conn, *u, &notice, now)?;
    }
    Ok(())
}

/// Ask to join `household_id` (the card's number and check code were right): a pending
/// membership, or the user's live one there already (asking again changes nothing). A live
/// membership elsewhere is refused (409 `membership_exists`): leave it first. The household's
/// owners are told.
pub fn request(
    conn: &mut DbConn,
    user_id: i64,
    household_id: i64,
    now: NaiveDateTime,
) -> ApiResult<MembershipRow> {
    let existing = |c: &mut DbConn| -> ApiResult<Option<MembershipRow>> {
        match live_membership(c, user_id)? {
            Some(r) if r.household_id == household_id => Ok(Some(r)),
            Some(r) => Err(ApiError::new(ErrorCode::MembershipExists)
                .with_details(json!({"household_id": r.household_id, "status": r.status}))),
            None => Ok(None),
        }
    };
    if let Some(r) = existing(conn)? {
        return Ok(r);
    }
    let inserted = db::transaction(conn, |c| {
        let insert = diesel::insert_into(m::table)
            .values((
                m::household_id.eq(household_id),
                m::user_id.eq(user_id),
                m::role.eq(MemberRole::Member),
                m::status.eq(MemberStatus::Pending),
                m::live_user_id.eq(Some(user_id)),
                m::valid_from.eq(now),
                m::created_at.eq(now),
                m::updated_at.eq(now),
            ))
            .execute(c);
        match insert {
            Ok(_) => {}
            // A request of the same user won the race for the live key.
            Err(e) if is_unique_violation(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        let id = last_insert_id(c)?;
        let r = row(c, id)?.ok_or_else(ApiError::not_found)?;
        bump_membership_version(c)?;
        let owners = owners(c, household_id)?;
        let who = nickname(c, user_id)?;
        tell(
            c,
            &owners,
            NotificationKind::MembershipRequested,
            "有人申请加入您家",
            format!("{who} 用服务卡申请加入您家，请在“家庭成员”中确认或拒绝。"),
            &r,
            now,
        )?;
        Ok::<_, ApiError>(Some(r))
    })?;
    match inserted {
        Some(r) => Ok(r),
        None => existing(conn)?.ok_or_else(|| ApiError::new(ErrorCode::MembershipExists)),
    }
}

/// Approve a pending request as `role` (tenants until `valid_until`): by an active owner of
/// the household (members and tenants) or staff (any role). Conditional on the request still
/// pending (409 `member_request_not_pending` for the second of two approvals) and on the
/// household being below `cap` active members (409 `household_full`).
#[allow(clippy::too_many_arguments)]
pub fn approve(
    conn: &mut DbConn,
    actor: &AuthUser,
    household_id: i64,
    id: i64,
    role: MemberRole,
    valid_until: Option<NaiveDate>,
    cap: i32,
    now: NaiveDateTime,
) -> ApiResult<MembershipView> {
    require_manager(conn, actor, household_id)?;
    let r = row_of(conn, household_id, id)?;
    if r.user_id == actor.user_id {
        // Nobody decides their own request, a staff member included: a second person checks.
        return Err(ApiError::forbidden().with_reason("不能审批自己的入户申请"));
    }
    if role == MemberRole::Owner && !actor.is_staff() {
        return Err(ApiError::forbidden().with_reason("只有社区工作人员核验后可以设为户主"));
    }
    let end = role_and_end(role, valid_until, now)?;
    let r = db::transaction(conn, |c| {
        let changed = diesel::update(
            m::table.filter(m::id.eq(r.id).and(m::status.eq(MemberStatus::Pending))),
        )
        .set((
            m::status.eq(MemberStatus::Active),
            m::role.eq(role),
            m::valid_until.eq(end),
            m::decided_by.eq(Some(actor.user_id)),
            m::decided_at.eq(Some(now)),
            m::updated_at.eq(now),
        ))
        .execute(c)?;
        if changed == 0 {
            return Err(ApiError::new(ErrorCode::MemberRequestNotPending));
        }
        let room = diesel::update(
            households::table.filter(
                households::id
                    .eq(household_id)
                    .and(households::active_members.lt(cap)),
            ),
        )
        .set(households::active_members.eq(households::active_members + 1))
        .execute(c)?;
        if room == 0 {
            return Err(ApiError::new(ErrorCode::HouseholdFull).with_details(json!({"max": cap})));
        }
        set_active_household(c, r.user_id, Some(household_id))?;
        let before = &r;
        let r = row(c, before.id)?.ok_or_else(ApiError::not_found)?;
        audit(
            c,
            &actor_of(actor.user_id),
            "membership.approve",
            before,
            Some(&r),
            now,
        )?;
        tell(
            c,
            &[r.user_id],
            NotificationKind::MembershipApproved,
            "入户申请已通过",
            "您已成为该住户的成员，可以预约充电等服务。".into(),
            &r,
            now,
        )?;
        Ok(r)
    })?;
    view(conn, r)
}

/// Reject a pending request (an active owner of the household, or staff).
pub fn reject(
    conn: &mut DbConn,
    actor: &AuthUser,
    household_id: i64,
    id: i64,
    now: NaiveDateTime,
) -> ApiResult<MembershipView> {
    require_manager(conn, actor, household_id)?;
    let r = row_of(conn, household_id, id)?;
    let r = db::transaction(conn, |c| {
        let changed = diesel::update(
            m::table.filter(m::id.eq(r.id).and(m::status.eq(MemberStatus::Pending))),
        )
        .set((
            m::status.eq(MemberStatus::Rejected),
            m::live_user_id.eq(None::<i64>),
            m::decided_by.eq(Some(actor.user_id)),
            m::decided_at.eq(Some(now)),
            m::updated_at.eq(now),
        ))
        .execute(c)?;
        if changed == 0 {
            return Err(ApiError::new(ErrorCode::MemberRequestNotPending));
        }
        bump_membership_version(c)?;
        let before = &r;
        let r = row(c, before.id)?.ok_or_else(ApiError::not_found)?;
        audit(
            c,
            &actor_of(actor.user_id),
            "membership.reject",
            before,
            Some(&r),
            now,
        )?;
        tell(
            c,
            &[r.user_id],
            NotificationKind::MembershipRejected,
            "入户申请未通过",
            "您的入户申请未通过，如有疑问请联系户主或社区。".into(),
            &r,
            now,
        )?;
        Ok(r)
    })?;
    view(conn, r)
}

/// End a live membership (`to` is `revoked` or `expired`), conditional on the status it had.
/// An active one gives back its place under the cap, clears the user's household, cancels
/// their bookings that have not started (the quota released) and closes their waitlist
/// entries; the member and the household's owners are told. Returns false when another
/// request or process ended it first.
fn end(
    conn: &mut DbConn,
    r: &MembershipRow,
    to: MemberStatus,
    actor: &str,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    db::transaction(conn, |c| {
        let changed = diesel::update(m::table.filter(m::id.eq(r.id).and(m::status.eq(r.status))))
            .set((
                m::status.eq(to),
                m::live_user_id.eq(None::<i64>),
                m::updated_at.eq(now),
            ))
            .execute(c)?;
        if changed == 0 {
            return Ok(false);
        }
        let action = if to == MemberStatus::Expired {
            "membership.expire"
        } else {
            "membership.revoke"
        };
        let after = row(c, r.id)?;
        audit(c, actor, action, r, after.as_ref(), now)?;
        if r.status != MemberStatus::Active {
            bump_membership_version(c)?;
            return Ok(true);
        }
        diesel::update(
            households::table.filter(
                households::id
                    .eq(r.household_id)
                    .and(households::active_members.gt(0)),
            ),
        )
        .set(households::active_members.eq(households::active_members - 1))
        .execute(c)?;
        set_active_household(c, r.user_id, None)?;
        let reason = if to == MemberStatus::Expired {
            "租期已到，已退出该住户"
        } else {
            "已退出该住户"
        };
        let cancelled =
            crate::charging::model::end_member_bookings(c, r.user_id, r.household_id, reason, now)?;
        let who = nickname(c, r.user_id)?;
        let mut told = owners(c, r.household_id)?;
        told.retain(|u| *u != r.user_id);
        let (title, body) = if to == MemberStatus::Expired {
            (
                "租户租期已到",
                format!("{who} 的租期已到，已自动退出您家；其未开始的充电预约（{cancelled} 个）已取消。"),
            )
        } else {
            (
                "成员已退出",
                format!("{who} 已退出您家；其未开始的充电预约（{cancelled} 个）已取消。"),
            )
        };
        tell(
            c,
            &told,
            NotificationKind::MembershipEnded,
            title,
            body,
            r,
            now,
        )?;
        tell(
            c,
            &[r.user_id],
            NotificationKind::MembershipEnded,
            "您已退出住户",
            format!("{reason}；未开始的充电预约（{cancelled} 个）已取消。"),
            r,
            now,
        )?;
        Ok(true)
    })
}

/// Revoke a membership (pending or active): an active owner of the household (not another
/// owner), staff, or the member themselves.
pub fn revoke(
    conn: &mut DbConn,
    actor: &AuthUser,
    household_id: i64,
    id: i64,
    now: NaiveDateTime,
) -> ApiResult<MembershipView> {
    let r = row(conn, id)?
        .filter(|r| r.household_id == household_id)
        .ok_or_else(ApiError::not_found)?;
    if r.user_id != actor.user_id {
        require_manager(conn, actor, household_id)?;
        if r.role == MemberRole::Owner && !actor.is_staff() {
            return Err(ApiError::forbidden().with_reason("只有社区工作人员可以移除户主"));
        }
    }
    if !matches!(r.status, MemberStatus::Pending | MemberStatus::Active)
        || !end(
            conn,
            &r,
            MemberStatus::Revoked,
            &actor_of(actor.user_id),
            now,
        )?
    {
        return Err(ApiError::new(ErrorCode::MembershipNotActive));
    }
    let r = row(conn, id)?.ok_or_else(ApiError::not_found)?;
    view(conn, r)
}

/// Leave my household, or withdraw my request (nothing to do when there is none).
pub fn leave(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> ApiResult<()> {
    if let Some(r) = live_membership(conn, user_id)? {
        end(conn, &r, MemberStatus::Revoked, &actor_of(user_id), now)?;
    }
    Ok(())
}

/// Change an active membership: a tenant's end date (owners and staff), the role (staff only;
/// becoming a tenant needs an end date, leaving tenancy drops it).
pub fn update(
    conn: &mut DbConn,
    actor: &AuthUser,
    household_id: i64,
    id: i64,
    role: Option<MemberRole>,
    valid_until: Option<NaiveDate>,
    now: NaiveDateTime,
) -> ApiResult<MembershipView> {
    require_manager(conn, actor, household_id)?;
    let r = row_of(conn, household_id, id)?;
    if role.is_some_and(|x| x != r.role) && !actor.is_staff() {
        return Err(ApiError::forbidden().with_reason("只有社区工作人员可以变更成员身份"));
    }
    if r.status != MemberStatus::Active {
        return Err(ApiError::new(ErrorCode::MembershipNotActive));
    }
    let role = role.unwrap_or(r.role);
    let end = match (role, valid_until) {
        (MemberRole::Tenant, None) if r.role == MemberRole::Tenant => r.valid_until,
        _ => role_and_end(role, valid_until, now)?,
    };
    let r = db::transaction(conn, |c| {
        let changed =
            diesel::update(m::table.filter(m::id.eq(r.id).and(m::status.eq(MemberStatus::Active))))
                .set((
                    m::role.eq(role),
                    m::valid_until.eq(end),
                    m::updated_at.eq(now),
                ))
                .execute(c)?;
        if changed == 0 {
            return Err(ApiError::new(ErrorCode::MembershipNotActive));
        }
        bump_membership_version(c)?;
        let after = row(c, r.id)?.ok_or_else(ApiError::not_found)?;
        audit(
            c,
            &actor_of(actor.user_id),
            "membership.update",
            &r,
            Some(&after),
            now,
        )?;
        Ok(after)
    })?;
    view(conn, r)
}

/// The live (pending and active) members of a household, oldest first: for its active owners
/// and staff.
pub fn members(
    conn: &mut DbConn,
    actor: &AuthUser,
    household_id: i64,
) -> ApiResult<Vec<MembershipView>> {
    require_manager(conn, actor, household_id)?;
    let rows = m::table
        .filter(m::household_id.eq(household_id))
        .filter(m::live_user_id.is_not_null())
        .order(m::id)
        .select(MembershipRow::as_select())
        .load(conn)?;
    views(conn, rows)
}

/// Pending requests (staff), oldest first, of a community or grid.
pub fn pending_requests(
    conn: &mut DbConn,
    f: &RequestFilter,
    p: PageRequest,
) -> ApiResult<(Vec<MembershipView>, i64)> {
    let query = |f: &RequestFilter| {
        let mut q = m::table
            .inner_join(households::table.inner_join(buildings::table.inner_join(compounds::table)))
            .filter(m::status.eq(MemberStatus::Pending))
            .into_boxed();
        if let Some(c) = f.community_id {
            q = q.filter(compounds::community_id.eq(c));
        }
        if let Some(g) = f.grid_id {
            q = q.filter(compounds::grid_id.eq(g));
        }
        q
    };
    let total: i64 = query(f).count().get_result(conn)?;
    let rows = query(f)
        .order(m::id)
        .limit(p.per_page)
        .offset(p.offset())
        .select(MembershipRow::as_select())
        .load(conn)?;
    Ok((views(conn, rows)?, total))
}

/// Expire active tenancies whose end has come (the background job). Each ends once whatever
/// the number of processes running this: the status change is conditional.
pub fn expire_tenancies(conn: &mut DbConn, now: NaiveDateTime) -> ApiResult<usize> {
    let due: Vec<MembershipRow> = m::table
        .filter(m::status.eq(MemberStatus::Active))
        .filter(m::valid_until.le(now))
        .order(m::valid_until)
        .limit(200)
        .select(MembershipRow::as_select())
        .load(conn)?;
    let mut n = 0;
    for r in due {
        if end(
            conn,
            &r,
            MemberStatus::Expired,
            "system:tenancy-expiry",
            now,
        )? {
            n += 1;
        }
    }
    Ok(n)
}
