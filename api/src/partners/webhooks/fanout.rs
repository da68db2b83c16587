//! Fan-out: domain events (`crate::events`) become webhook deliveries. The webhook worker
//! runs a pass before each delivery pass: it claims each event not yet fanned out with a
//! conditional update (`events::outbox::claim_fan_out`: one process wins, however many try)
//! and, in the same transaction, writes the event for the compound's property firm
//! (`webhook_events`, keeping the event's id, which subscribers see as `webhook-id`) and a
//! pending delivery for each of the firm's active subscriptions to its type. An event in a
//! compound no firm serves is claimed and ends there. An event waits while an earlier event
//! of its resource is not fanned out yet, so each delivery of a resource is written after
//! those of its earlier events (the worker's order rests on that).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    partner_compounds as pcmp, webhook_deliveries as wd, webhook_events as we,
    webhook_subscriptions as ws,
};
use crate::db::{self, last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::events::envelope::webhook_body;
use crate::events::outbox::{claim_fan_out, earlier_waiting, not_fanned_out};
use crate::events::StoredEvent;
use crate::partners::dto::{DeliveryStatus, SubscriptionStatus};
use crate::state::AppState;

/// Events fanned out per pass (the worker runs passes back to back while there are more).
const BATCH: i64 = 100;

/// Fan out up to [`BATCH`] events, oldest first. Returns how many this call claimed.
pub fn fan_out(conn: &mut DbConn, now: NaiveDateTime) -> ApiResult<usize> {
    let mut claimed = 0;
    for event in not_fanned_out(conn, BATCH)? {
        let body = match webhook_body(&event) {
            Ok(body) => Some(body),
            Err(e) => {
                // Unreadable data would fail on every pass: claim the event without sending
                // it, once, and say so (the row stays in the outbox to look at).
                tracing::error!(event_id = %event.event_id, error = %e,
                    "domain event with unreadable data: not sent to webhooks");
                None
            }
        };
        let won = db::transaction(conn, |c| {
            if earlier_waiting(c, &event)? || !claim_fan_out(c, &event.event_id, now)? {
                return Ok::<_, ApiError>(false);
            }
            if let Some(body) = &body {
                deliveries_for(c, &event, body, now)?;
            }
            Ok(true)
        })?;
        claimed += usize::from(won);
    }
    Ok(claimed)
}

/// Write the event for the firm serving its compound and a delivery per matching
/// subscription. No firm, nothing to write.
fn deliveries_for(
    conn: &mut DbConn,
    event: &StoredEvent,
    body: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let Some(compound_id) = event.compound_id else {
        return Ok(());
    };
    let partner: Option<i64> = pcmp::table
        .filter(pcmp::compound_id.eq(compound_id))
        .select(pcmp::partner_id)
        .first(conn)
        .optional()?;
    let Some(partner_id) = partner else {
        return Ok(());
    };
    let subs: Vec<(i64, String)> = ws::table
        .filter(
            ws::partner_id
                .eq(partner_id)
                .and(ws::status.eq(SubscriptionStatus::Active)),
        )
        .select((ws::id, ws::events))
        .load(conn)?;
    diesel::insert_into(we::table)
        .values((
            we::event_id.eq(&event.event_id),
            we::partner_id.eq(partner_id),
            we::compound_id.eq(compound_id),
            we::event_type.eq(&event.event_type),
            we::payload.eq(body),
            we::created_at.eq(event.occurred_at),
        ))
        .execute(conn)?;
    let event_row = last_insert_id(conn)?;
    let subscribed = subs
        .into_iter()
        .filter(|(_, events)| events.split(',').any(|e| e == event.event_type.as_str()));
    for (sub, _) in subscribed {
        diesel::insert_into(wd::table)
            .values((
                wd::event_row_id.eq(event_row),
                wd::subscription_id.eq(sub),
                wd::partner_id.eq(partner_id),
                wd::status.eq(DeliveryStatus::Pending),
                wd::attempts.eq(0),
                wd::next_attempt_at.eq(now),
                wd::created_at.eq(now),
                wd::resource_type.eq(event.resource_type),
                wd::resource_id.eq(event.resource_id),
                wd::sequence.eq(event.sequence),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// One fan-out pass of the webhook worker. A failure is logged; the next pass tries again.
pub async fn fan_out_pass(state: &AppState) -> usize {
    let now = state.clock.now_naive();
    match state.db(move |conn| fan_out(conn, now)).await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "webhook fan-out pass failed");
            0
        }
    }
}
