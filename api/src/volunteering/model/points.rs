//! The points ledger: append-only entries, each with a reason and a reference that is UNIQUE
//! in the whole ledger (the same reference never pays twice), and a per-user balance row kept
//! equal to the sum of the entries in the same transaction. Spending takes the balance with a
//! conditional update (`balance >= amount`), so no balance ever goes negative.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::paging::PageRequest;
use crate::db::schema::{points_balances as pb, points_ledger as pl, users};
use crate::db::{is_unique_violation, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::volunteering::dto::points::{LedgerEntryView, PointsReason, PointsSummary};

/// One change of a user's points, as the ledger keeps it.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    pub user_id: i64,
    /// Points added (positive) or taken (negative).
    pub amount: i32,
    pub reason: PointsReason,
    /// What it is for; UNIQUE in the whole ledger, so it is paid once.
    pub reference: &'a str,
    /// A staff member's note (adjustments).
    pub note: Option<&'a str>,
    /// The staff member who made it (adjustments).
    pub created_by: Option<i64>,
}

impl<'a> Entry<'a> {
    /// An entry the system makes (hours, wishes, redemptions): no note, nobody's hand.
    pub fn system(user_id: i64, amount: i32, reason: PointsReason, reference: &'a str) -> Self {
        Entry {
            user_id,
            amount,
            reason,
            reference,
            note: None,
            created_by: None,
        }
    }
}

/// Append an entry. `false` when its reference is already in the ledger (nothing written).
pub fn record(conn: &mut DbConn, entry: &Entry, now: NaiveDateTime) -> ApiResult<bool> {
    let inserted = diesel::insert_into(pl::table)
        .values((
            pl::user_id.eq(entry.user_id),
            pl::amount.eq(entry.amount),
            pl::reason.eq(entry.reason),
            pl::reference.eq(entry.reference),
            pl::note.eq(entry.note),
            pl::created_by.eq(entry.created_by),
            pl::created_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Add to a balance, creating the row on the first credit.
fn add_to_balance(
    conn: &mut DbConn,
    user_id: i64,
    delta: i64,
    now: NaiveDateTime,
) -> ApiResult<()> {
    for _ in 0..3 {
        let n = diesel::update(pb::table.filter(pb::user_id.eq(user_id)))
            .set((pb::balance.eq(pb::balance + delta), pb::updated_at.eq(now)))
            .execute(conn)?;
        if n == 1 {
            return Ok(());
        }
        let inserted = diesel::insert_into(pb::table)
            .values((
                pb::user_id.eq(user_id),
                pb::balance.eq(delta),
                pb::updated_at.eq(now),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => return Ok(()),
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::internal("could not update the points balance"))
}

/// Take points from a balance, never below zero.
pub fn take(conn: &mut DbConn, user_id: i64, amount: i64, now: NaiveDateTime) -> ApiResult<()> {
    let n = diesel::update(pb::table.filter(pb::user_id.eq(user_id).and(pb::balance.ge(amount))))
        .set((pb::balance.eq(pb::balance - amount), pb::updated_at.eq(now)))
        .execute(conn)?;
    if n == 0 {
        let have = balance(conn, user_id)?;
        return Err(ApiError::new(ErrorCode::InsufficientPoints)
            .with_details(serde_json::json!({"balance": have, "needed": amount})));
    }
    Ok(())
}

/// Pay points once per reference (inside the caller's transaction). `false` when that
/// reference was already paid.
pub fn credit(conn: &mut DbConn, entry: &Entry, now: NaiveDateTime) -> ApiResult<bool> {
    if !record(conn, entry, now)? {
        return Ok(false);
    }
    add_to_balance(conn, entry.user_id, i64::from(entry.amount), now)?;
    Ok(true)
}

fn balance(conn: &mut DbConn, user_id: i64) -> ApiResult<i64> {
    Ok(pb::table
        .filter(pb::user_id.eq(user_id))
        .select(pb::balance)
        .first::<i64>(conn)
        .optional()?
        .unwrap_or(0))
}

pub fn summary(conn: &mut DbConn, user_id: i64) -> ApiResult<PointsSummary> {
    Ok(PointsSummary {
        balance: balance(conn, user_id)?,
        service_minutes: super::teams::service_minutes(conn, user_id)?,
    })
}

type EntryRow = (
    i64,
    i32,
    PointsReason,
    String,
    Option<String>,
    NaiveDateTime,
);

fn entry_view(r: EntryRow) -> LedgerEntryView {
    LedgerEntryView {
        id: r.0,
        amount: r.1,
        reason: r.2,
        reference: r.3,
        note: r.4,
        created_at: r.5.and_utc(),
    }
}

/// A user's ledger, newest first.
pub fn ledger(
    conn: &mut DbConn,
    user_id: i64,
    page: PageRequest,
) -> ApiResult<(Vec<LedgerEntryView>, i64)> {
    let total: i64 = pl::table
        .filter(pl::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    let rows: Vec<EntryRow> = pl::table
        .filter(pl::user_id.eq(user_id))
        .order((pl::created_at.desc(), pl::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            pl::id,
            pl::amount,
            pl::reason,
            pl::reference,
            pl::note,
            pl::created_at,
        ))
        .load(conn)?;
    Ok((rows.into_iter().map(entry_view).collect(), total))
}

/// Write an adjustment entry (inside the caller's transaction): a deduction never takes the
/// balance below zero.
pub fn apply(conn: &mut DbConn, entry: &Entry, now: NaiveDateTime) -> ApiResult<()> {
    if entry.amount < 0 {
        take(conn, entry.user_id, -i64::from(entry.amount), now)?;
        record(conn, entry, now)?;
    } else {
        credit(conn, entry, now)?;
    }
    Ok(())
}

/// 404 unless `user_id` names an account: what an adjustment, or a request for one, is for.
pub(super) fn user_must_exist(conn: &mut DbConn, user_id: i64) -> ApiResult<()> {
    let exists: i64 = users::table
        .filter(users::id.eq(user_id))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        return Err(ApiError::not_found());
    }
    Ok(())
}

/// A staff adjustment with a note; a deduction never takes the balance below zero.
pub fn adjust(
    conn: &mut DbConn,
    user_id: i64,
    amount: i32,
    note: &str,
    staff_id: i64,
    now: NaiveDateTime,
) -> ApiResult<LedgerEntryView> {
    user_must_exist(conn, user_id)?;
    let reference = format!("adjustment:{}", uuid::Uuid::new_v4().simple());
    crate::db::transaction(conn, |conn| {
        let entry = Entry {
            user_id,
            amount,
            reason: PointsReason::Adjustment,
            reference: &reference,
            note: Some(note),
            created_by: Some(staff_id),
        };
        apply(conn, &entry, now)?;
        let id = pl::table
            .filter(pl::reference.eq(&reference))
            .select(pl::id)
            .first::<i64>(conn)?;
        Ok(LedgerEntryView {
            id,
            amount,
            reason: PointsReason::Adjustment,
            reference: reference.clone(),
            note: Some(note.to_owned()),
            created_at: now.and_utc(),
        })
    })
}
