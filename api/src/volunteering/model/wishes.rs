//! Micro-wishes (微心愿): a resident posts a small need; a volunteer or registered party member
//! claims it (one claimer at a time: a conditional update `WHERE status = 'open'`), may give
//! it back, marks it fulfilled; the resident confirms, or it confirms itself after 7 days;
//! the claimer is paid once (ledger reference `wish:<id>`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::points::{self, Entry};
use super::teams;
use crate::db::paging::PageRequest;
use crate::db::schema::wishes as w;
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
        })
        .collect())
}

pub fn view(conn: &mut DbConn, id: i64) -> ApiResult<WishView> {
    let row = get(conn, id)?;
    views(conn, vec![row])?
        .pop()
        .ok_or_else(ApiError::not_found)
}

pub fn create(
    conn: &mut DbConn,
    user_id: i64,
    title: &str,
    description: &str,
    community_id: Option<i64>,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    teams::check_community(conn, "community_id", community_id)?;
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

pub fn claim(conn: &mut DbConn, id: i64, user_id: i64, now: NaiveDateTime) -> ApiResult<()> {
    let wish = get(conn, id)?;
    if wish.user_id == user_id {
        return Err(ApiError::new(ErrorCode::CannotClaimOwnWish));
    }
    if !(teams::is_volunteer(conn, user_id)? || teams::is_party_member(conn, user_id)?) {
        return Err(ApiError::new(ErrorCode::VolunteerRequired));
    }
    crate::db::transaction(conn, |conn| {
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
    Ok(())
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

/// Confirm a fulfilled wish (by its poster, or by the 7-day job) and pay the claimer once.
fn confirm_inner(conn: &mut DbConn, id: i64, auto: bool, now: NaiveDateTime) -> ApiResult<bool> {
    crate::db::transaction(conn, |conn| {
        let n =
            diesel::update(w::table.filter(w::id.eq(id).and(w::status.eq(WishStatus::Fulfilled))))
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
        if let Some(claimer) = wish.claimer_id {
            let reference = wish_reference(id);
            let entry = Entry::system(
                claimer,
                wish.points,
                PointsReason::WishFulfilled,
                &reference,
            );
            points::credit(conn, &entry, now)?;
            let told = notice(
                id,
                NotificationKind::WishConfirmed,
                "微心愿已确认，积分已到账",
                format!(
                    "「{}」已确认完成，你获得 {} 积分。",
                    wish.title, wish.points
                ),
            );
            notify(conn, claimer, &told, now)?;
        }
        Ok(true)
    })
}

pub fn confirm(conn: &mut DbConn, id: i64, user_id: i64, now: NaiveDateTime) -> ApiResult<()> {
    let wish = get(conn, id)?;
    if wish.user_id != user_id {
        return Err(ApiError::forbidden());
    }
    if !confirm_inner(conn, id, false, now)? {
        return Err(ApiError::new(ErrorCode::WishNotFulfilled));
    }
    Ok(())
}

/// The poster withdraws a wish nobody has claimed.
pub fn withdraw(conn: &mut DbConn, id: i64, user_id: i64, now: NaiveDateTime) -> ApiResult<()> {
    let wish = get(conn, id)?;
    if wish.user_id != user_id {
        return Err(ApiError::forbidden());
    }
    let n = diesel::update(w::table.filter(w::id.eq(id).and(w::status.eq(WishStatus::Open))))
        .set((w::status.eq(WishStatus::Withdrawn), w::updated_at.eq(now)))
        .execute(conn)?;
    if n == 0 {
        return Err(ApiError::new(ErrorCode::WishNotOpen));
    }
    Ok(())
}

/// Background job: confirm wishes fulfilled 7 days ago that their poster did not confirm.
/// Safe in several processes: the conditional update decides, the ledger reference pays once.
pub fn auto_confirm(conn: &mut DbConn, now: NaiveDateTime) -> ApiResult<usize> {
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
        if confirm_inner(conn, id, true, now)? {
            done += 1;
        }
    }
    Ok(done)
}
