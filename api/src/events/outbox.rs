//! The outbox table `domain_events`: writing an event in the caller's transaction, and what
//! consumers need to claim events one by one.
//!
//! Claims are conditional updates checked by affected rows (no `SELECT ... FOR UPDATE SKIP
//! LOCKED`, which neither SQLite nor TiDB has), and the outbox is read in order of
//! `occurred_at`, then `event_id` (a UUIDv7), never by the auto-increment id.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DomainEvent;
use crate::db::schema::domain_events as de;
use crate::db::DbConn;
use crate::error::ApiResult;

/// Write `event` to the outbox. Call it inside the transaction of the change it describes.
/// Returns the event's id (`msg_` + a UUIDv7), which subscribers see as `webhook-id`.
pub fn record(conn: &mut DbConn, event: &DomainEvent, now: NaiveDateTime) -> ApiResult<String> {
    let event_id = format!("msg_{}", uuid::Uuid::now_v7().simple());
    let (resource_type, resource_id) = event.resource();
    diesel::insert_into(de::table)
        .values((
            de::event_id.eq(&event_id),
            de::event_type.eq(event.event_type().as_str()),
            de::compound_id.eq(event.compound_id()),
            de::resource_type.eq(resource_type),
            de::resource_id.eq(resource_id),
            de::payload.eq(event.data_json()?),
            de::occurred_at.eq(now),
        ))
        .execute(conn)?;
    Ok(event_id)
}

/// An event as the outbox keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct StoredEvent {
    pub event_id: String,
    pub event_type: String,
    pub compound_id: Option<i64>,
    pub resource_type: String,
    pub resource_id: i64,
    /// The event's data as JSON text.
    pub payload: String,
    pub occurred_at: NaiveDateTime,
}

const COLUMNS: (
    de::event_id,
    de::event_type,
    de::compound_id,
    de::resource_type,
    de::resource_id,
    de::payload,
    de::occurred_at,
) = (
    de::event_id,
    de::event_type,
    de::compound_id,
    de::resource_type,
    de::resource_id,
    de::payload,
    de::occurred_at,
);

/// Up to `limit` events not yet fanned out, oldest first.
pub fn not_fanned_out(conn: &mut DbConn, limit: i64) -> ApiResult<Vec<StoredEvent>> {
    Ok(de::table
        .filter(de::fanned_out_at.is_null())
        .order((de::occurred_at, de::event_id))
        .limit(limit)
        .select(COLUMNS)
        .load(conn)?)
}

/// Claim an event for fan-out, inside the transaction that fans it out: true for exactly one
/// caller, however many processes try (the conditional update decides; a transaction rolled
/// back gives the event back).
pub fn claim_fan_out(conn: &mut DbConn, event_id: &str, now: NaiveDateTime) -> ApiResult<bool> {
    let claimed = diesel::update(
        de::table.filter(de::event_id.eq(event_id).and(de::fanned_out_at.is_null())),
    )
    .set(de::fanned_out_at.eq(Some(now)))
    .execute(conn)?;
    Ok(claimed == 1)
}
