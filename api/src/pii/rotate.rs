//! Key rotation: re-encrypt every stored phone number under the current key.
//!
//! Resumable and safe on several processes: progress is one row of `pii_rotations` per target
//! key version (`last_user_id`, `rows_done`). Each batch is one transaction that first moves
//! the progress row on conditionally (`WHERE last_user_id = <what this runner read>`): a second
//! runner that read the same position changes nothing and reads the progress again. Each user
//! row is rewritten only while it still holds the ciphertext the job read (`phone_cipher` and
//! `phone_key_version` unchanged), so a number the resident changed meanwhile is never
//! overwritten. Reads keep working throughout: every kept key opens the rows sealed under it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::PiiKeys;
use crate::db::schema::{pii_rotations as pr, users};
use crate::db::{self, DbConn};
use crate::error::ApiResult;

/// What a run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Rows re-encrypted by this run.
    pub rewritten: u64,
    /// Batches this run committed.
    pub batches: u64,
    /// Whether every row now holds the current key version.
    pub finished: bool,
}

/// Run the rotation to the current key version, `batch` rows per transaction, until done or
/// until `max_batches` (for tests that stop it half-way; `None` runs to the end).
pub fn run(
    conn: &mut DbConn,
    keys: &PiiKeys,
    batch: i64,
    max_batches: Option<u64>,
    now: NaiveDateTime,
) -> ApiResult<Progress> {
    let target = i64::from(keys.current_version());
    let inserted = diesel::insert_into(pr::table)
        .values((pr::key_version.eq(target), pr::started_at.eq(now)))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        Err(e) if db::is_unique_violation(&e) => {}
        Err(e) => return Err(e.into()),
    }
    let mut progress = Progress::default();
    loop {
        if max_batches.is_some_and(|max| progress.batches >= max) {
            return Ok(progress);
        }
        let (last, finished): (i64, Option<NaiveDateTime>) = pr::table
            .filter(pr::key_version.eq(target))
            .select((pr::last_user_id, pr::finished_at))
            .first(conn)?;
        if finished.is_some() {
            // A row sealed under an older key after the job finished (a process still on the
            // old settings) is picked up by the next rotation; say so by not claiming done.
            progress.finished = !stale_rows_left(conn, target)?;
            return Ok(progress);
        }
        let step = db::transaction(conn, |c| -> ApiResult<Option<u64>> {
            let rows: Vec<(i64, Option<Vec<u8>>, Option<i64>)> = users::table
                .filter(users::id.gt(last))
                .filter(users::phone_cipher.is_not_null())
                .order(users::id)
                .limit(batch.max(1))
                .select((users::id, users::phone_cipher, users::phone_key_version))
                .load(c)?;
            let end = rows.last().map(|r| r.0);
            let claimed = diesel::update(
                pr::table
                    .filter(pr::key_version.eq(target))
                    .filter(pr::last_user_id.eq(last))
                    .filter(pr::finished_at.is_null()),
            )
            .set(match end {
                Some(end) => (
                    pr::last_user_id.eq(end),
                    pr::finished_at.eq(None::<NaiveDateTime>),
                ),
                None => (pr::last_user_id.eq(last), pr::finished_at.eq(Some(now))),
            })
            .execute(c)?;
            if claimed == 0 {
                return Ok(None);
            }
            let mut rewritten = 0u64;
            for (id, sealed, version) in rows {
                let Some(sealed) = sealed else { continue };
                if version == Some(target) && PiiKeys::version_of(&sealed) == Some(target as u8) {
                    continue;
                }
                let phone = keys.open(&sealed, id)?;
                rewritten += diesel::update(
                    users::table
                        .find(id)
                        .filter(users::phone_cipher.eq(&sealed))
                        .filter(users::phone_key_version.ne(target)),
                )
                .set((
                    users::phone_cipher.eq(Some(keys.seal(&phone, id)?)),
                    users::phone_key_version.eq(Some(target)),
                ))
                .execute(c)? as u64;
            }
            diesel::update(pr::table.filter(pr::key_version.eq(target)))
                .set(pr::rows_done.eq(pr::rows_done + rewritten as i64))
                .execute(c)?;
            Ok(Some(rewritten))
        })?;
        if let Some(rewritten) = step {
            progress.rewritten += rewritten;
            progress.batches += 1;
        }
    }
}

/// Whether any stored number is still under another key version than `target`.
pub fn stale_rows_left(conn: &mut DbConn, target: i64) -> ApiResult<bool> {
    let n: i64 = users::table
        .filter(users::phone_cipher.is_not_null())
        .filter(
            users::phone_key_version
                .ne(target)
                .or(users::phone_key_version.is_null()),
        )
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
