//! Raw frames kept for audit: every copy of a settlement (0x03), every alarm (0x42) and every
//! heartbeat that reports a port fault as it first arrives on a connection, as the pile sent
//! them (hex), for [`RETENTION_DAYS`]. The protocol has no device authentication, so what a
//! pile said about money and faults stays checkable; the purge job deletes older frames.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::device_frames as df;
use crate::db::DbConn;
use crate::error::ApiResult;

/// How long raw frames are kept.
pub const RETENTION_DAYS: i64 = 90;

/// One stored frame.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = df)]
pub struct StoredFrame {
    pub id: i64,
    pub device_id: i64,
    pub physical_id: i64,
    pub command: i32,
    pub raw_hex: String,
    pub received_at: NaiveDateTime,
}

/// Keep a frame of this device.
pub fn record(
    conn: &mut DbConn,
    device_id: i64,
    physical_id: u32,
    command: u8,
    raw_hex: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::insert_into(df::table)
        .values((
            df::device_id.eq(device_id),
            df::physical_id.eq(i64::from(physical_id)),
            df::command.eq(i32::from(command)),
            df::raw_hex.eq(raw_hex),
            df::received_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A device's stored frames, oldest first.
pub fn of_device(conn: &mut DbConn, device_id: i64) -> ApiResult<Vec<StoredFrame>> {
    Ok(df::table
        .filter(df::device_id.eq(device_id))
        .order((df::received_at.asc(), df::id.asc()))
        .select(StoredFrame::as_select())
        .load(conn)?)
}

/// Rows deleted per statement, so a large backlog never holds one long lock.
const PURGE_BATCH: i64 = 1000;

/// Delete frames older than [`RETENTION_DAYS`] (a job; safe in several processes at once:
/// each batch deletes by id what it read, and a row another process took is simply gone).
/// Returns how many went.
pub fn purge_expired(conn: &mut DbConn, now: NaiveDateTime) -> ApiResult<usize> {
    let cutoff = now - Duration::days(RETENTION_DAYS);
    let mut purged = 0;
    loop {
        let ids: Vec<i64> = df::table
            .filter(df::received_at.lt(cutoff))
            .select(df::id)
            .order(df::id)
            .limit(PURGE_BATCH)
            .load(conn)?;
        if ids.is_empty() {
            return Ok(purged);
        }
        let last = ids.len() < usize::try_from(PURGE_BATCH).unwrap_or(usize::MAX);
        purged += diesel::delete(df::table.filter(df::id.eq_any(ids))).execute(conn)?;
        if last {
            return Ok(purged);
        }
    }
}
