//! Micro-wishes (微心愿): a resident posts a small need; an approved volunteer or registered
//! party member from another household claims it (one claimer at a time: a conditional update
//! `WHERE status = 'open'`), may give it back, marks it fulfilled; the resident confirms, or
//! disputes it (then staff settle it), or it confirms itself after 7 days. The claimer is paid
//! once (ledger reference `wish:<id>`), in the transaction of the confirmation, within the
//! monthly cap. Open wishes per poster and open claims per volunteer are capped by counters
//! in the database (`quotas`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::points::{self, Entry};
use super::{quotas, teams};
use crate::config::WishLimits;
use crate::db::paging::PageRequest;
use crate::db::schema::{users, wishes as w};
use crate::db::{last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::notifications::{notify, Notice, NotificationKind};
use crate::volunteering::dto::points::PointsReason;
use crate::volunteering::dto::wishes::{WishStatus, WishView};
use crate::volunteering::dto::UserRef;
use crate::volunteering::rules::{
    wish_auto_confirm_at, wish_auto_confirm_cutoff, wish_reference, WISH_AUTO_CONFIRM_DAYS,
    WISH_POINTS,
};

/// A wish as stored (what its views show).
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = w)]
struct Wish {
    id: i64,
    user_id: i64,
    community_id: Option<i64>,
    title: String,
    description: String,
    points: i32,
    status: WishStatus,
    claimer_id: Option<i64>,
    claimed_at: Option<NaiveDateTime>,
    fulfilled_at: Option<NaiveDateTime>,
    confirmed_at: Option<NaiveDateTime>,
    auto_confirmed: bool,
    created_at: NaiveDateTime,
    dispute_reason: Option<String>,
    points_paid: Option<i32>,
}

fn get(conn: &mut DbConn, id: i64) -> ApiResult<Wish> {
    w::table
        .find(id)
        .select(Wish::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)
}

fn views(conn: &mut DbConn, rows: Vec<Wish>) -> ApiResult<Vec<WishView>> {
    let mut ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
    ids.extend(rows.iter().filter_map(|r| r.claimer_id));
    let refs = teams::user_refs(conn, &ids)?;
    let unknown = |id: i64| UserRef {
        user_id: id,
        nickname: String::new(),
    };
    Ok(rows
        .into_iter()
        .map(|r| WishView {
            id: r.id,
            title: r.title,
            description: r.description,
            community_id: r.community_id,
            points: r.points,
            status: r.status,
            poster: refs
                .get(&r.user_id)
                .cloned()
                .unwrap_or_else(|| unknown(r.user_id)),
            claimer: r
                .claimer_id
                .map(|c| refs.get(&c).cloned().unwrap_or_else(|| unknown(c))),
            created_at: r.created_at.and_utc(),
            claimed_at: r.claimed_at.map(|t| t.and_utc()),
            fulfilled_at: r.fulfilled_at.map(|t| t.and_utc()),
            confirmed_at: r.confirmed_at.map(|t| t.and_utc()),
            auto_confirmed: r.auto_confirmed,
            auto_confirm_at: (r.status == WishStatus::Fulfilled)
                .then_some(r.fulfilled_at)
                .flatten()
                .map(|t| wish_auto_confirm_at(t).and_utc()),
            dispute_reason: r.dispute_reason,
            points_paid: r.points_paid,
        })
        .collect())
}

pub fn view(conn: &mut DbConn, id: i64) -> ApiResult<WishView> {
    let row = get(conn, id)?;
    views(conn, vec![row])?
        .pop()
        .ok_or_else(ApiError::not_found)
}

/// Post a wish, within the poster's cap of unsettled wishes.
pub fn create(
    conn: &mut DbConn,
    user_id: i64,
    title: &str,
    description: &str,
    community_id: Option<i64>,
    limits: WishLimits,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    teams::check_community(conn, "community_id", community_id)?;
    crate::db::transaction(conn, |conn| {
        quotas::take_post(conn, user_id, limits.open_posts)?;
        insert(conn, user_id, title, description, community_id, now)
    })
}

fn insert(
    conn: &mut DbConn,
    user_id: i64,
    title: &str,
    description: &str,
    community_id: Option<i64>,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    diesel::insert_into(w::table)
        .values((
            w::user_id.eq(user_id),
            w::community_id.eq(community_id),
            w::title.eq(title),
            w::description.eq(description),
            w::points.eq(WISH_POINTS),
            w::status.eq(WishStatus::Open),
            w::auto_confirmed.eq(false),
            w::created_at.eq(now),
            w::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(last_insert_id(conn)?)
}

/// Wishes in a state (open by default), newest first.
pub fn list(
    conn: &mut DbConn,
    status: WishStatus,
    community_id: Option<i64>,
    page: PageRequest,
) -> ApiResult<(Vec<WishView>, i64)> {
    let query = || {
        let mut q = w::table.filter(w::status.eq(status)).into_boxed();
        if let Some(c) = community_id {
            q = q.filter(w::community_id.eq(c));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<Wish> = query()
        .order((w::created_at.desc(), w::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select(Wish::as_select())
        .load(conn)?;
    Ok((views(conn, rows)?, total))
}

/// Wishes I posted or claimed, newest first.
pub fn mine(conn: &mut DbConn, user_id: i64, page: PageRequest) -> ApiResult<(Vec<WishView>, i64)> {
    let query = || {
        w::table
            .filter(w::user_id.eq(user_id).or(w::claimer_id.eq(user_id)))
            .into_boxed()
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<Wish> = query()
        .order((w::created_at.desc(), w::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select(Wish::as_select())
        .load(conn)?;
    Ok((views(conn, rows)?, total))
}

/// A notice about a wish, for its poster or its claimer.
fn notice(wish_id: i64, kind: NotificationKind, title: &str, body: String) -> Notice {
    Notice {
        kind,
        title: title.to_owned(),
        body,
        data: serde_json::json!({"wish_id": wish_id}),
        dedupe_key: None,
    }
}

/// The household of a user, if bound.
fn household_of(conn: &mut DbConn, user_id: i64) -> ApiResult<Option<i64>> {
    Ok(users::table
        .find(user_id)
        .select(users::household_id)
        .first::<Option<i64>>(conn)
        .optional()?
        .flatten())
}

/// Whether two users live in the same (bound) household.
fn same_household(conn: &mut DbConn, a: i64, b: i64) -> ApiResult<bool> {
    Ok(match (household_of(conn, a)?, household_of(conn, b)?) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    })
}

/// Claim an open wish: an approved volunteer or party member, not its poster nor of the
/// poster's household, within their cap of open claims.
pub fn claim(
    conn: &mut DbConn,
    id: i64,
    user_id: i64,
    limits: WishLimits,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let wish = get(conn, id)?;
    if wish.user_id == user_id {
        return Err(ApiError::new(ErrorCode::CannotClaimOwnWish));
    }
    if !(teams::is_volunteer(conn, user_id)? || teams::is_party_member(conn, user_id)?) {
        return Err(ApiError::new(ErrorCode::VolunteerRequired));
    }
    if same_household(conn, wish.user_id, user_id)? {
        return Err(ApiError::new(ErrorCode::SameHousehold));
    }
    crate::db::transaction(conn, |conn| {
        quotas::take_claim(conn, user_id, limits.open_claims)?;
        let n = diesel::update(w::table.filter(w::id.eq(id).and(w::status.eq(WishStatus::Open))))
            .set((
                w::status.eq(WishStatus::Claimed),
                w::claimer_id.eq(Some(user_id)),
                w::claimed_at.eq(Some(now)),
                w::updated_at.eq(now),
            ))
            .execute(conn)?;
        if n == 0 {
            let again = get(conn, id)?;
            return Err(
                if again.status == WishStatus::Claimed && again.claimer_id != Some(user_id) {
                    ApiError::new(ErrorCode::WishAlreadyClaimed)
                } else {
                    ApiError::new(ErrorCode::WishNotOpen)
                },
            );
        }
        let told = notice(
            id,
            NotificationKind::WishClaimed,
            "你的微心愿有人认领了",
            format!("「{}」已被认领，对方会尽快联系你。", wish.title),
        );
        notify(conn, wish.user_id, &told, now)
    })
}

/// The claimer gives the wish back; it is open again.
pub fn release(conn: &mut DbConn, id: i64, user_id: i64, now: NaiveDateTime) -> ApiResult<()> {
    get(conn, id)?;
    crate::db::transaction(conn, |conn| release_inner(conn, id, user_id, now))
}

fn release_inner(conn: &mut DbConn, id: i64, user_id: i64, now: NaiveDateTime) -> ApiResult<()> {
    let n = diesel::update(
        w::table.filter(
            w::id
                .eq(id)
                .and(w::status.eq(WishStatus::Claimed))
                .and(w::claimer_id.eq(user_id)),
        ),
    )
    .set((
        w::status.eq(WishStatus::Open),
        w::claimer_id.eq(None::<i64>),
        w::claimed_at.eq(None::<NaiveDateTime>),
        w::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(ApiError::new(ErrorCode::WishNotClaimedByYou));
    }
    quotas::give_claim(conn, user_id)
}

pub fn fulfil(conn: &mut DbConn, id: i64, user_id: i64, now: NaiveDateTime) -> ApiResult<()> {
    let wish = get(conn, id)?;
    crate::db::transaction(conn, |conn| {
        let n = diesel::update(
            w::table.filter(
                w::id
                    .eq(id)
                    .and(w::status.eq(WishStatus::Claimed))
                    .and(w::claimer_id.eq(user_id)),
            ),
        )
        .set((
            w::status.eq(WishStatus::Fulfilled),
            w::fulfilled_at.eq(Some(now)),
            w::updated_at.eq(now),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(ApiError::new(ErrorCode::WishNotClaimedByYou));
        }
        quotas::give_claim(conn, user_id)?;
        let told = notice(
            id,
            NotificationKind::WishFulfilled,
            "你的微心愿已完成，请确认",
            format!(
                "「{}」已标记为完成。请确认；{}天后将自动确认。",
                wish.title, WISH_AUTO_CONFIRM_DAYS
            ),
        );
        notify(conn, wish.user_id, &told, now)
    })
}

/// Pay the claimer of a wish being confirmed (inside the confirming transaction): once (the
/// ledger reference), never within one household, and within the monthly cap. Returns the
/// points paid.
fn pay_claimer(
    conn: &mut DbConn,
    wish: &Wish,
    claimer: i64,
    month_cap: i32,
    now: NaiveDateTime,
) -> ApiResult<i32> {
    let payable = !same_household(conn, wish.user_id, claimer)?
        && quotas::take_month_points(
            conn,
            claimer,
            &quotas::month_of(now),
            wish.points,
            month_cap,
        )?;
    let reference = wish_reference(wish.id);
    let entry = Entry::system(
        claimer,
        wish.points,
        PointsReason::WishFulfilled,
        &reference,
    );
    let paid = if payable && points::credit(conn, &entry, now)? {
        wish.points
    } else {
        0
    };
    let body = if paid > 0 {
        format!("「{}」已确认完成，你获得 {} 积分。", wish.title, paid)
    } else {
        format!(
            "「{}」已确认完成。本月微心愿积分已达上限（或双方为同一户），本次不计积分。",
            wish.title
        )
    };
    let told = notice(
        wish.id,
        NotificationKind::WishConfirmed,
        "微心愿已确认",
        body,
    );
    notify(conn, claimer, &told, now)?;
    Ok(paid)
}

/// Confirm a wish in state `from` (fulfilled: by its poster or the 7-day job; disputed: by
/// staff) and pay the claimer, all in one transaction. `false` when the wish was not in
/// `from` (nothing done).
fn confirm_inner(
    conn: &mut DbConn,
    id: i64,
    from: WishStatus,
    auto: bool,
    month_cap: i32,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let n = diesel::update(w::table.filter(w::id.eq(id).and(w::status.eq(from))))
        .set((
            w::status.eq(WishStatus::Confirmed),
            w::confirmed_at.eq(Some(now)),
            w::auto_confirmed.eq(auto),
            w::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        return Ok(false);
    }
    let wish = get(conn, id)?;
    let paid = match wish.claimer_id {
        Some(claimer) => pay_claimer(conn, &wish, claimer, month_cap, now)?,
        None => 0,
    };
    diesel::update(w::table.find(id))
        .set(w::points_paid.eq(Some(paid)))
        .execute(conn)?;
    quotas::give_post(conn, wish.user_id)?;
    Ok(true)
}

pub fn confirm(
    conn: &mut DbConn,
    id: i64,
    user_id: i64,
    limits: WishLimits,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let wish = get(conn, id)?;
    if wish.user_id != user_id {
        return Err(ApiError::forbidden());
    }
    let done = crate::db::transaction(conn, |conn| {
        confirm_inner(
            conn,
            id,
            WishStatus::Fulfilled,
            false,
            limits.month_points,
            now,
        )
    })?;
    if !done {
        return Err(ApiError::new(ErrorCode::WishNotFulfilled));
    }
    Ok(())
}

/// The poster disputes a fulfilled wish: it stops waiting for the automatic confirmation and
/// waits for staff. The claimer is told.
pub fn dispute(
    conn: &mut DbConn,
    id: i64,
    user_id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let wish = get(conn, id)?;
    if wish.user_id != user_id {
        return Err(ApiError::forbidden());
    }
    crate::db::transaction(conn, |conn| {
        let n =
            diesel::update(w::table.filter(w::id.eq(id).and(w::status.eq(WishStatus::Fulfilled))))
                .set((
                    w::status.eq(WishStatus::Disputed),
                    w::disputed_at.eq(Some(now)),
                    w::dispute_reason.eq(Some(reason)),
                    w::updated_at.eq(now),
                ))
                .execute(conn)?;
        if n == 0 {
            return Err(ApiError::new(ErrorCode::WishNotFulfilled));
        }
        if let Some(claimer) = wish.claimer_id {
            let told = notice(
                id,
                NotificationKind::WishFulfilled,
                "微心愿有异议，等待社区处理",
                format!(
                    "「{}」的发布人对完成情况有异议，社区工作人员会核实处理。",
                    wish.title
                ),
            );
            notify(conn, claimer, &told, now)?;
        }
        Ok(())
    })
}

/// Staff settle a disputed wish: pay (it is confirmed, the claimer paid as on any
/// confirmation) or not (it is rejected). The decision and its reason go to the audit log in
/// the same transaction. Staff never settle a wish they posted or claimed.
pub fn settle(
    conn: &mut DbConn,
    id: i64,
    staff_id: i64,
    pay: bool,
    reason: &str,
    limits: WishLimits,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let wish = get(conn, id)?;
    if wish.user_id == staff_id || wish.claimer_id == Some(staff_id) {
        return Err(ApiError::new(ErrorCode::SelfActionForbidden));
    }
    crate::db::transaction(conn, |conn| {
        let done = if pay {
            confirm_inner(
                conn,
                id,
                WishStatus::Disputed,
                false,
                limits.month_points,
                now,
            )?
        } else {
            let n = diesel::update(
                w::table.filter(w::id.eq(id).and(w::status.eq(WishStatus::Disputed))),
            )
            .set((
                w::status.eq(WishStatus::Rejected),
                w::points_paid.eq(Some(0)),
                w::updated_at.eq(now),
            ))
            .execute(conn)?;
            if n == 1 {
                quotas::give_post(conn, wish.user_id)?;
            }
            n == 1
        };
        if !done {
            return Err(ApiError::new(ErrorCode::WishNotDisputed));
        }
        diesel::update(w::table.find(id))
            .set((
                w::settled_by.eq(Some(staff_id)),
                w::settle_reason.eq(Some(reason)),
            ))
            .execute(conn)?;
        let after = get(conn, id)?;
        let actor = format!("user:{staff_id}");
        crate::partners::model::audit::record_staff(
            conn,
            crate::partners::model::audit::AuditEntry {
                partner_id: 0,
                actor: &actor,
                action: "wish.settle",
                target_type: "wish",
                target_id: Some(id),
                before: Some(serde_json::json!({
                    "status": WishStatus::Disputed,
                    "dispute_reason": wish.dispute_reason,
                })),
                after: Some(serde_json::json!({
                    "status": after.status,
                    "pay": pay,
                    "points_paid": after.points_paid,
                    "reason": reason,
                })),
                at: now,
            },
        )
    })
}

/// The poster withdraws a wish nobody has claimed.
pub fn withdraw(conn: &mut DbConn, id: i64, user_id: i64, now: NaiveDateTime) -> ApiResult<()> {
    let wish = get(conn, id)?;
    if wish.user_id != user_id {
        return Err(ApiError::forbidden());
    }
    crate::db::transaction(conn, |conn| {
        let n = diesel::update(w::table.filter(w::id.eq(id).and(w::status.eq(WishStatus::Open))))
            .set((w::status.eq(WishStatus::Withdrawn), w::updated_at.eq(now)))
            .execute(conn)?;
        if n == 0 {
            return Err(ApiError::new(ErrorCode::WishNotOpen));
        }
        quotas::give_post(conn, user_id)
    })
}

/// Background job: confirm wishes fulfilled 7 days ago that their poster neither confirmed
/// nor disputed. Safe in several processes: the conditional update decides, the ledger
/// reference pays once.
pub fn auto_confirm(conn: &mut DbConn, now: NaiveDateTime, month_cap: i32) -> ApiResult<usize> {
    let due: Vec<i64> = w::table
        .filter(
            w::status
                .eq(WishStatus::Fulfilled)
                .and(w::fulfilled_at.le(wish_auto_confirm_cutoff(now))),
        )
        .order(w::fulfilled_at)
        .limit(100)
        .select(w::id)
        .load(conn)?;
    let mut done = 0;
    for id in due {
        let confirmed = crate::db::transaction(conn, |conn| {
            confirm_inner(conn, id, WishStatus::Fulfilled, true, month_cap, now)
        })?;
        if confirmed {
            done += 1;
        }
    }
    Ok(done)
}
