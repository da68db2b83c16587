//! The outbox table `domain_events`: writing an event in the caller's transaction, and what
//! consumers need to claim events one by one.
//!
//! Claims are conditional updates checked by affected rows (no `SELECT ... FOR UPDATE SKIP
//! LOCKED`, which neither SQLite nor TiDB has), and the outbox is read in order of
//! `occurred_at`, then `event_id` (a UUIDv7), never by the auto-increment id.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{DomainEvent, EventType, ResourceType};
use crate::db::schema::{domain_events as de, event_sequences as es};
use crate::db::{is_unique_violation, DbConn};
use crate::error::ApiResult;

/// Write `event` to the outbox. Call it inside the transaction of the change it describes.
/// Returns the event's id (`msg_` + a UUIDv7), which subscribers see as `webhook-id`.
///
/// The event gets the next number of its resource ([`next_sequence`]), in its data as
/// `sequence`.
pub fn record(conn: &mut DbConn, event: &DomainEvent, now: NaiveDateTime) -> ApiResult<String> {
    let event_id = format!("msg_{}", uuid::Uuid::now_v7().simple());
    let (resource_type, resource_id) = event.resource();
    let sequence = next_sequence(conn, resource_type, resource_id)?;
    let mut event = event.clone();
    event.set_sequence(sequence);
    diesel::insert_into(de::table)
        .values((
            de::event_id.eq(&event_id),
            de::event_type.eq(event.event_type()),
            de::compound_id.eq(event.compound_id()),
            de::resource_type.eq(resource_type),
            de::resource_id.eq(resource_id),
            de::payload.eq(event.data_json()?),
            de::occurred_at.eq(now),
            de::sequence.eq(sequence),
        ))
        .execute(conn)?;
    Ok(event_id)
}

/// The next number of a resource's events: 1 for its first. Bumping the counter row locks it
/// until the caller's transaction ends, so two changes of one resource are numbered in the
/// order they commit (a rolled-back change gives its number back).
pub fn next_sequence(
    conn: &mut DbConn,
    resource_type: ResourceType,
    resource_id: i64,
) -> ApiResult<i64> {
    let this = || {
        es::table.filter(
            es::resource_type
                .eq(resource_type)
                .and(es::resource_id.eq(resource_id)),
        )
    };
    let bump = |c: &mut DbConn| {
        diesel::update(this())
            .set(es::last_sequence.eq(es::last_sequence + 1))
            .execute(c)
    };
    if bump(conn)? == 0 {
        let inserted = diesel::insert_into(es::table)
            .values((
                es::resource_type.eq(resource_type),
                es::resource_id.eq(resource_id),
                es::last_sequence.eq(1),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => return Ok(1),
            // Another transaction numbered this resource's first event meanwhile.
            Err(e) if is_unique_violation(&e) => {
                bump(conn)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(this().select(es::last_sequence).first(conn)?)
}

/// An event as the outbox keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct StoredEvent {
    pub event_id: String,
    pub event_type: EventType,
    pub compound_id: Option<i64>,
    pub resource_type: ResourceType,
    pub resource_id: i64,
    /// The event's data as JSON text.
    pub payload: String,
    pub occurred_at: NaiveDateTime,
    /// Its number among its resource's events (0: recorded before events were numbered).
    pub sequence: i64,
}

const COLUMNS: (
    de::event_id,
    de::event_type,
    de::compound_id,
    de::resource_type,
    de::resource_id,
    de::payload,
    de::occurred_at,
    de::sequence,
) = (
    de::event_id,
    de::event_type,
    de::compound_id,
    de::resource_type,
    de::resource_id,
    de::payload,
    de::occurred_at,
    de::sequence,
);

/// Up to `limit` events not yet fanned out, oldest first. Events of a kind this release does
/// not know (written by a newer one, before a rollback) are left in the outbox for a release
/// that knows them, rather than stopping every pass.
pub fn not_fanned_out(conn: &mut DbConn, limit: i64) -> ApiResult<Vec<StoredEvent>> {
    Ok(de::table
        .filter(de::fanned_out_at.is_null())
        .filter(de::event_type.eq_any(EventType::ALL))
        .order((de::occurred_at, de::event_id))
        .limit(limit)
        .select(COLUMNS)
        .load(conn)?)
}

/// Whether an earlier event of `event`'s resource still waits for fan-out. Then `event` waits
/// too: a resource's deliveries are written in the order of its events. Inside the fan-out
/// transaction, an earlier event another process is fanning out (not committed yet) still
/// counts as waiting.
pub fn earlier_waiting(conn: &mut DbConn, event: &StoredEvent) -> ApiResult<bool> {
    let waiting: i64 = de::table
        .filter(de::resource_type.eq(event.resource_type))
        .filter(de::resource_id.eq(event.resource_id))
        .filter(de::sequence.lt(event.sequence))
        .filter(de::fanned_out_at.is_null())
        .filter(de::event_type.eq_any(EventType::ALL))
        .count()
        .get_result(conn)?;
    Ok(waiting > 0)
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

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use diesel::Connection;

    use super::*;
    use crate::charging::dto::SocketState;
    use crate::events::SocketStateChangedData;

    fn outbox() -> DbConn {
        let mut conn = DbConn::Sqlite(diesel::SqliteConnection::establish(":memory:").unwrap());
        crate::db::run_migrations(&mut conn).unwrap();
        conn
    }

    #[test]
    fn events_of_a_kind_this_release_does_not_know_wait_without_blocking_the_others() {
        let mut conn = outbox();
        let at = |h| {
            NaiveDate::from_ymd_opt(2026, 12, 1)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .unwrap()
        };
        // The oldest event is of a kind only a newer release knows.
        diesel::insert_into(de::table)
            .values((
                de::event_id.eq("msg_newer"),
                de::event_type.eq("pile.installed"),
                de::compound_id.eq(Some(1)),
                de::resource_type.eq("pile"),
                de::resource_id.eq(9),
                de::payload.eq("{}"),
                de::occurred_at.eq(at(8)),
            ))
            .execute(&mut conn)
            .unwrap();
        let event = DomainEvent::SocketStateChanged(SocketStateChangedData {
            socket_id: 3,
            pile_id: 2,
            compound_id: 1,
            previous_state: SocketState::Available,
            state: SocketState::Faulted,
            reason: "无法充电".into(),
            previous_live_state: None,
            live_state: None,
            sequence: 0,
        });
        let id = record(&mut conn, &event, at(9)).unwrap();
        let pending = not_fanned_out(&mut conn, 10).unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].event_id, id);
        assert_eq!(pending[0].event_type, EventType::SocketStateChanged);
        assert_eq!(pending[0].resource_type, ResourceType::Socket);
        assert_eq!(
            pending[0].occurred_at.and_utc(),
            Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
        );
        assert!(claim_fan_out(&mut conn, &id, at(10)).unwrap());
        assert!(!claim_fan_out(&mut conn, &id, at(10)).unwrap());
        assert!(not_fanned_out(&mut conn, 10).unwrap().is_empty());
        // Still there for a release that knows it.
        let left: i64 = de::table
            .filter(de::fanned_out_at.is_null())
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(left, 1);
    }
}
