//! Subscriptions and deliveries as the partner manages them: subscribe, list, delete, see
//! deliveries and their attempts, replay.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use super::signing::new_secret;
use crate::db::paging::PageRequest;
use crate::db::schema::{
    webhook_attempts as wa, webhook_deliveries as wd, webhook_events as we,
    webhook_subscriptions as ws,
};
use crate::db::{last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult};
use crate::partners::dto::{
    AttemptView, DeliveryStatus, DeliveryView, SubscriptionStatus, SubscriptionView,
};

pub use crate::events::EVENT_TYPES;

fn subscription_view(
    row: (i64, String, String, SubscriptionStatus, NaiveDateTime),
    secret: Option<String>,
) -> SubscriptionView {
    let (id, url, events, status, created_at) = row;
    SubscriptionView {
        id,
        url,
        events: events
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        status,
        secret,
        created_at: created_at.and_utc(),
    }
}

pub fn check_events(events: &[String]) -> ApiResult<String> {
    if events.is_empty() || events.iter().any(|e| !EVENT_TYPES.contains(&e.as_str())) {
        return Err(ApiError::validation(
            "events",
            format!("choose from {}", EVENT_TYPES.join(", ")),
        ));
    }
    let mut list: Vec<&str> = events.iter().map(String::as_str).collect();
    list.sort_unstable();
    list.dedup();
    Ok(list.join(","))
}

pub fn create_subscription(
    conn: &mut DbConn,
    partner_id: i64,
    url: &str,
    events: &str,
    now: NaiveDateTime,
) -> ApiResult<SubscriptionView> {
    let secret = new_secret();
    diesel::insert_into(ws::table)
        .values((
            ws::partner_id.eq(partner_id),
            ws::url.eq(url),
            ws::events.eq(events),
            ws::secret.eq(&secret),
            ws::status.eq(SubscriptionStatus::Active),
            ws::created_at.eq(now),
        ))
        .execute(conn)?;
    let id = last_insert_id(conn)?;
    Ok(subscription_view(
        (
            id,
            url.to_owned(),
            events.to_owned(),
            SubscriptionStatus::Active,
            now,
        ),
        Some(secret),
    ))
}

/// One page of the partner's active subscriptions, oldest first, and how many it has.
pub fn subscriptions(
    conn: &mut DbConn,
    partner_id: i64,
    page: PageRequest,
) -> ApiResult<(Vec<SubscriptionView>, i64)> {
    let mine = ws::partner_id
        .eq(partner_id)
        .and(ws::status.eq(SubscriptionStatus::Active));
    let total: i64 = ws::table.filter(mine).count().get_result(conn)?;
    let rows: Vec<(i64, String, String, SubscriptionStatus, NaiveDateTime)> = ws::table
        .filter(mine)
        .order(ws::id)
        .limit(page.per_page)
        .offset(page.offset())
        .select((ws::id, ws::url, ws::events, ws::status, ws::created_at))
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|r| subscription_view(r, None))
        .collect();
    Ok((items, total))
}

/// The subscription if it is the partner's (else not found).
pub fn owned_subscription(conn: &mut DbConn, partner_id: i64, id: i64) -> ApiResult<()> {
    let n: i64 = ws::table
        .filter(ws::id.eq(id).and(ws::partner_id.eq(partner_id)))
        .count()
        .get_result(conn)?;
    if n == 0 {
        Err(ApiError::not_found())
    } else {
        Ok(())
    }
}

pub fn delete_subscription(conn: &mut DbConn, id: i64) -> ApiResult<()> {
    diesel::update(ws::table.filter(ws::id.eq(id)))
        .set(ws::status.eq(SubscriptionStatus::Deleted))
        .execute(conn)?;
    Ok(())
}

type DeliveryRow = (
    i64,
    i64,
    String,
    String,
    DeliveryStatus,
    i32,
    NaiveDateTime,
    Option<NaiveDateTime>,
    String,
);

fn delivery_view(r: DeliveryRow, attempts: Option<Vec<AttemptView>>) -> DeliveryView {
    let pending = r.4 == DeliveryStatus::Pending;
    DeliveryView {
        id: r.0,
        subscription_id: r.1,
        event_id: r.2,
        event_type: r.3,
        status: r.4,
        attempts: r.5,
        next_attempt_at: pending.then(|| r.6.and_utc()),
        delivered_at: r.7.map(|t| t.and_utc()),
        payload: serde_json::from_str(&r.8).unwrap_or(Value::Null),
        attempt_log: attempts,
    }
}

pub fn deliveries(
    conn: &mut DbConn,
    subscription_id: i64,
    status: Option<DeliveryStatus>,
    page: PageRequest,
) -> ApiResult<(Vec<DeliveryView>, i64)> {
    let query = || {
        let mut q = wd::table
            .inner_join(we::table)
            .filter(wd::subscription_id.eq(subscription_id))
            .into_boxed();
        if let Some(s) = status {
            q = q.filter(wd::status.eq(s));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<DeliveryRow> = query()
        .order((wd::created_at.desc(), wd::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            wd::id,
            wd::subscription_id,
            we::event_id,
            we::event_type,
            wd::status,
            wd::attempts,
            wd::next_attempt_at,
            wd::delivered_at,
            we::payload,
        ))
        .load(conn)?;
    Ok((
        rows.into_iter().map(|r| delivery_view(r, None)).collect(),
        total,
    ))
}

/// One of the partner's deliveries with every attempt (else not found).
pub fn delivery(conn: &mut DbConn, partner_id: i64, id: i64) -> ApiResult<DeliveryView> {
    let row: DeliveryRow = wd::table
        .inner_join(we::table)
        .filter(wd::id.eq(id).and(wd::partner_id.eq(partner_id)))
        .select((
            wd::id,
            wd::subscription_id,
            we::event_id,
            we::event_type,
            wd::status,
            wd::attempts,
            wd::next_attempt_at,
            wd::delivered_at,
            we::payload,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    let attempts: Vec<(NaiveDateTime, Option<i32>, Option<String>, i32)> = wa::table
        .filter(wa::delivery_id.eq(id))
        .order((wa::attempted_at, wa::id))
        .select((
            wa::attempted_at,
            wa::status_code,
            wa::error,
            wa::duration_ms,
        ))
        .load(conn)?;
    let log = attempts
        .into_iter()
        .map(|(at, status_code, error, duration_ms)| AttemptView {
            attempted_at: at.and_utc(),
            status_code,
            error,
            duration_ms,
        })
        .collect();
    Ok(delivery_view(row, Some(log)))
}

/// Send an event again: a new delivery of the same event (same `webhook-id`) to the same
/// subscription, due now.
pub fn replay(conn: &mut DbConn, partner_id: i64, id: i64, now: NaiveDateTime) -> ApiResult<i64> {
    let (event_row, subscription, resource_type, resource_id, sequence): (
        i64,
        i64,
        String,
        i64,
        i64,
    ) = wd::table
        .filter(wd::id.eq(id).and(wd::partner_id.eq(partner_id)))
        .select((
            wd::event_row_id,
            wd::subscription_id,
            wd::resource_type,
            wd::resource_id,
            wd::sequence,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    diesel::insert_into(wd::table)
        .values((
            wd::event_row_id.eq(event_row),
            wd::subscription_id.eq(subscription),
            wd::partner_id.eq(partner_id),
            wd::status.eq(DeliveryStatus::Pending),
            wd::attempts.eq(0),
            wd::next_attempt_at.eq(now),
            wd::created_at.eq(now),
            wd::resource_type.eq(resource_type),
            wd::resource_id.eq(resource_id),
            wd::sequence.eq(sequence),
        ))
        .execute(conn)?;
    Ok(last_insert_id(conn)?)
}
