//! The outbox: [`emit`] writes an event and one delivery per matching subscription in the
//! caller's transaction, so an event exists exactly when its change was committed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::db::schema::{
    partner_compounds as pcmp, webhook_deliveries as wd, webhook_events as we,
    webhook_subscriptions as ws,
};
use crate::db::{last_insert_id, DbConn};
use crate::error::ApiResult;

/// Write an event for the partner serving `compound_id`, and a delivery for each of its
/// subscriptions to this type. Call inside the transaction of the change. No partner, no event.
pub fn emit(
    conn: &mut DbConn,
    compound_id: i64,
    event_type: &str,
    data: Value,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let partner: Option<i64> = pcmp::table
        .filter(pcmp::compound_id.eq(compound_id))
        .select(pcmp::partner_id)
        .first(conn)
        .optional()?;
    let Some(partner_id) = partner else {
        return Ok(());
    };
    let subs: Vec<(i64, String)> = ws::table
        .filter(ws::partner_id.eq(partner_id).and(ws::status.eq("active")))
        .select((ws::id, ws::events))
        .load(conn)?;
    let subs: Vec<i64> = subs
        .into_iter()
        .filter(|(_, events)| events.split(',').any(|e| e == event_type))
        .map(|(id, _)| id)
        .collect();
    let event_id = format!("msg_{}", uuid::Uuid::now_v7().simple());
    let payload = json!({
        "type": event_type,
        "timestamp": now.and_utc(),
        "data": data,
    });
    diesel::insert_into(we::table)
        .values((
            we::event_id.eq(&event_id),
            we::partner_id.eq(partner_id),
            we::compound_id.eq(compound_id),
            we::event_type.eq(event_type),
            we::payload.eq(payload.to_string()),
            we::created_at.eq(now),
        ))
        .execute(conn)?;
    let event_row = last_insert_id(conn)?;
    for sub in subs {
        diesel::insert_into(wd::table)
            .values((
                wd::event_row_id.eq(event_row),
                wd::subscription_id.eq(sub),
                wd::partner_id.eq(partner_id),
                wd::status.eq("pending"),
                wd::attempts.eq(0),
                wd::next_attempt_at.eq(now),
                wd::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}
