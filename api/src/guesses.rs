//! Limits on guessing printed codes: a card's check code when binding a household, an
//! activity's check-in code. Failures are counted per subject (a card, an account, a sign-up)
//! in the database, so the count holds across server processes.
//!
//! Each attempt first reserves a place with a conditional update (`failures < max`, outside
//! any transaction, so concurrent guesses see each other at once); a right code gives the
//! place back. When the places of a window (an hour) are used up the subject is locked for an
//! hour from then: every attempt answers 429 with `Retry-After`, right code or not. The one
//! attempt whose conditional update sets the lock writes the audit row staff read.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::code_attempts as ca;
use crate::db::{is_unique_violation, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};

/// The window failures are counted in, and how long a lock lasts.
pub const WINDOW_SECS: i64 = 3600;

/// What is being guessed at, and how many wrong codes a window allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One card (by its number, known or not): 5 wrong codes an hour.
    Card,
    /// One account binding any cards: 10 wrong codes an hour.
    Account,
    /// One volunteer's check-in to one activity: 5 wrong codes an hour.
    CheckIn,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Card => "card",
            Kind::Account => "account",
            Kind::CheckIn => "checkin",
        }
    }

    pub fn max_failures(self) -> i32 {
        match self {
            Kind::Card | Kind::CheckIn => 5,
            Kind::Account => 10,
        }
    }
}

/// A reserved attempt: give it back with [`succeeded`] when the code was right, or settle
/// it with [`failed`].
#[derive(Debug)]
pub struct Attempt {
    kind: Kind,
    subject: String,
}

fn locked(retry_after: i64) -> ApiError {
    ApiError::new(ErrorCode::RateLimited)
        .with_retry_after(u64::try_from(retry_after.max(1)).unwrap_or(1))
        .with_reason("错误次数过多，请一小时后再试")
}

/// Reserve one attempt for `subject`, or answer 429 while it is locked.
pub fn reserve(
    conn: &mut DbConn,
    kind: Kind,
    subject: &str,
    now: NaiveDateTime,
) -> ApiResult<Attempt> {
    let (kind_s, subj) = (kind.as_str(), subject.to_owned());
    let this = || ca::kind.eq(kind_s).and(ca::subject.eq(subj.clone()));
    // Twice at most: the clean-up job may delete the row between our reads (see
    // [`purge_expired`]); the second round inserts it again.
    for _ in 0..2 {
        if ca::table.filter(this()).count().get_result::<i64>(conn)? == 0 {
            let inserted = diesel::insert_into(ca::table)
                .values((
                    ca::kind.eq(kind.as_str()),
                    ca::subject.eq(subject),
                    ca::failures.eq(0),
                    ca::window_start.eq(now),
                ))
                .execute(conn);
            match inserted {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let cutoff = now - Duration::seconds(WINDOW_SECS);
        let unlocked = || ca::locked_until.is_null().or(ca::locked_until.le(now));
        // A window that has passed (and no lock standing) starts again.
        diesel::update(ca::table.filter(this().and(ca::window_start.le(cutoff)).and(unlocked())))
            .set((
                ca::failures.eq(0),
                ca::window_start.eq(now),
                ca::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        let n = diesel::update(
            ca::table.filter(
                this()
                    .and(ca::failures.lt(kind.max_failures()))
                    .and(unlocked()),
            ),
        )
        .set(ca::failures.eq(ca::failures + 1))
        .execute(conn)?;
        if n == 1 {
            return Ok(Attempt {
                kind,
                subject: subject.to_owned(),
            });
        }
        let row: Option<(NaiveDateTime, Option<NaiveDateTime>)> = ca::table
            .filter(this())
            .select((ca::window_start, ca::locked_until))
            .first(conn)
            .optional()?;
        if let Some((start, until)) = row {
            let end = until.unwrap_or(start + Duration::seconds(WINDOW_SECS));
            return Err(locked((end - now).num_seconds()));
        }
    }
    // Deleted under us twice: practically never; the client may simply try again.
    let mut e = ApiError::unavailable("code_attempts row deleted twice during an attempt");
    e.retryable = true;
    Err(e)
}

/// The code was right: the reserved place is given back.
pub fn succeeded(conn: &mut DbConn, attempt: &Attempt) -> ApiResult<()> {
    diesel::update(
        ca::table.filter(
            ca::kind
                .eq(attempt.kind.as_str())
                .and(ca::subject.eq(&attempt.subject))
                .and(ca::failures.gt(0)),
        ),
    )
    .set(ca::failures.eq(ca::failures - 1))
    .execute(conn)?;
    Ok(())
}

/// The code was wrong: the failure stands. `true` for the one attempt that locked the
/// subject (the caller tells staff).
pub fn failed(conn: &mut DbConn, attempt: &Attempt, now: NaiveDateTime) -> ApiResult<bool> {
    let n = diesel::update(
        ca::table.filter(
            ca::kind
                .eq(attempt.kind.as_str())
                .and(ca::subject.eq(&attempt.subject))
                .and(ca::failures.ge(attempt.kind.max_failures()))
                .and(ca::locked_until.is_null()),
        ),
    )
    .set(ca::locked_until.eq(Some(now + Duration::seconds(WINDOW_SECS))))
    .execute(conn)?;
    Ok(n == 1)
}

/// Rows deleted per statement by [`purge_expired`].
pub const PURGE_BATCH: i64 = 500;

/// Delete the attempt rows that no longer count: their window ended and no lock stands (a
/// new attempt would start them afresh anyway). In batches of [`PURGE_BATCH`], each a
/// statement of its own, so no statement holds many rows; run by the background jobs, safe
/// in several processes at once (a row deleted twice is deleted once).
pub fn purge_expired(conn: &mut DbConn, now: NaiveDateTime) -> ApiResult<usize> {
    let cutoff = now - Duration::seconds(WINDOW_SECS);
    let expired = || {
        ca::window_start
            .le(cutoff)
            .and(ca::locked_until.is_null().or(ca::locked_until.le(now)))
    };
    let mut purged = 0;
    loop {
        let ids: Vec<i64> = ca::table
            .filter(expired())
            .select(ca::id)
            .order(ca::id)
            .limit(PURGE_BATCH)
            .load(conn)?;
        if ids.is_empty() {
            return Ok(purged);
        }
        purged +=
            diesel::delete(ca::table.filter(ca::id.eq_any(&ids).and(expired()))).execute(conn)?;
        if ids.len() < PURGE_BATCH as usize {
            return Ok(purged);
        }
    }
}
