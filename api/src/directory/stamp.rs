//! The directory stamp: one row whose version goes up in the same transaction as every staff
//! edit of cards, role contacts or the directory. Each process compares it with the version its
//! cache was filled under (see [`super::cache`]).

use diesel::prelude::*;

use crate::db::schema::directory_stamp;
use crate::db::{self, DbConn};
use crate::error::ApiResult;
use crate::state::AppState;

const ROW: i64 = 1;

/// The current version.
pub fn current(conn: &mut DbConn) -> ApiResult<i64> {
    Ok(directory_stamp::table
        .find(ROW)
        .select(directory_stamp::version)
        .first(conn)?)
}

/// Bump the version inside the caller's transaction; returns the new version. Call it last in
/// the transaction: the row lock it takes is held until commit.
pub fn bump(conn: &mut DbConn, now: chrono::NaiveDateTime) -> ApiResult<i64> {
    diesel::update(directory_stamp::table.find(ROW))
        .set((
            directory_stamp::version.eq(directory_stamp::version + 1),
            directory_stamp::updated_at.eq(now),
        ))
        .execute(conn)?;
    current(conn)
}

/// Run a staff edit: `f` in a retried transaction, the stamp bumped in the same transaction,
/// and this process's cache moved to the new version as soon as it commits (other processes
/// follow within a refresh interval).
pub async fn edit<T, F>(state: &AppState, mut f: F) -> ApiResult<T>
where
    F: FnMut(&mut DbConn) -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    let now = state.clock.now_naive();
    let (out, version) = state
        .db(move |conn| {
            db::transaction(conn, |c| {
                let out = f(c)?;
                let version = bump(c, now)?;
                Ok((out, version))
            })
        })
        .await?;
    state.directory.observe(version);
    Ok(out)
}
