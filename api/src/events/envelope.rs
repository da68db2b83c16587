//! An event as webhook subscribers receive it: `{"type", "timestamp", "data"}`. The typed
//! [`WebhookEvent`] documents it in the OpenAPI document (a schema, and one OpenAPI 3.1
//! `webhooks` entry per kind of event); [`webhook_body`] writes it from an outbox row.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder, ResponsesBuilder};
use utoipa::ToSchema;

use super::{DomainEvent, EventType, StoredEvent};
use crate::error::{ApiError, ApiResult};

/// 发送给 Webhook 订阅者的事件：`type` 为事件名，`data` 为其类型化数据，`timestamp` 为发生时间（UTC）。请按请求头 `webhook-id`（事件 ID，每次重试都相同）去重。
///
/// An event as sent to a webhook subscriber: `type` names it, `data` carries its typed data,
/// and `timestamp` is when it happened (UTC). Deduplicate on the `webhook-id` header (the
/// event's id, the same on every retry).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"type": "booking.created", "data": {"booking_id": 12, "compound_id": 1, "pile_id": 2, "socket_id": 3, "starts_at": "2026-12-01T10:00:00Z", "ends_at": "2026-12-01T11:00:00Z", "status": "confirmed", "reason": null, "sequence": 1}, "timestamp": "2026-11-30T08:00:00.000Z"}))]
pub struct WebhookEvent {
    #[serde(flatten)]
    pub event: DomainEvent,
    /// When it happened (UTC, at most millisecond precision).
    #[serde(with = "super::millis")]
    pub timestamp: DateTime<Utc>,
}

/// The JSON body a subscriber receives for a stored event. The data is passed on as stored,
/// so an event whose data a newer release extended is still delivered as it was written.
pub fn webhook_body(event: &StoredEvent) -> ApiResult<String> {
    let data: Value = serde_json::from_str(&event.payload).map_err(ApiError::internal)?;
    Ok(json!({
        "type": event.event_type,
        "timestamp": super::millis::text(&event.occurred_at.and_utc()),
        "data": data,
    })
    .to_string())
}

/// The schema of the data of one kind of event.
fn data_schema(kind: EventType) -> &'static str {
    match kind {
        EventType::BookingCreated | EventType::BookingCancelled | EventType::BookingNoShow => {
            "BookingEventData"
        }
        EventType::SocketStateChanged => "SocketStateChangedData",
        EventType::MaintenanceScheduled => "MaintenanceScheduledData",
        EventType::MaintenanceChanged => "MaintenanceChangedData",
        EventType::MaintenanceCancelled => "MaintenanceCancelledData",
        EventType::SessionStarted | EventType::SessionSettled => "SessionEventData",
        EventType::PileOffline | EventType::PileOnline => "PileEventData",
    }
}

/// One OpenAPI 3.1 `webhooks` entry per kind of event: the request Linli sends, signed as the
/// README and the partner API describe (Standard Webhooks headers).
pub fn webhook_items() -> Vec<(String, PathItem)> {
    EventType::ALL
        .iter()
        .map(|&kind| {
            let body = ObjectBuilder::new()
                .property(
                    "type",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some([kind.as_str()])),
                )
                .required("type")
                .property(
                    "timestamp",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                            utoipa::openapi::KnownFormat::DateTime,
                        )))
                        .description(Some("When it happened (UTC).")),
                )
                .required("timestamp")
                .property("data", Ref::from_schema_name(data_schema(kind)))
                .required("data")
                .build();
            let operation = OperationBuilder::new()
                .summary(Some(format!("`{}` sent to a subscription", kind.as_str())))
                .description(Some(
                    "POSTed as JSON to each active subscription of the compound's property firm \
                     that lists this event. Headers: `webhook-id` (the event's id, the same on \
                     every retry: deduplicate on it), `webhook-timestamp` (Unix seconds) and \
                     `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` \
                     keyed with the subscription's secret). Any answer but 2xx within the \
                     timeout is retried (8 tries over about a day).",
                ))
                .tag("partner")
                .request_body(Some(
                    RequestBodyBuilder::new()
                        .content(
                            "application/json",
                            ContentBuilder::new().schema(Some(body)).build(),
                        )
                        .required(Some(utoipa::openapi::Required::True))
                        .build(),
                ))
                .responses(
                    ResponsesBuilder::new()
                        .response(
                            "2XX",
                            ResponseBuilder::new().description("Received; not sent again"),
                        )
                        .build(),
                )
                .build();
            (
                kind.as_str().to_owned(),
                PathItem::new(HttpMethod::Post, operation),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::charging::dto::SocketState;
    use crate::events::SocketStateChangedData;

    #[test]
    fn the_body_sent_is_the_documented_webhook_event() {
        let event = DomainEvent::SocketStateChanged(SocketStateChangedData {
            socket_id: 3,
            pile_id: 2,
            compound_id: 1,
            previous_state: SocketState::Available,
            state: SocketState::Faulted,
            reason: "无法充电".into(),
            previous_live_state: None,
            live_state: None,
            sequence: 4,
        });
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        let stored = StoredEvent {
            event_id: "msg_1".into(),
            event_type: event.event_type(),
            compound_id: event.compound_id(),
            resource_type: crate::events::ResourceType::Socket,
            resource_id: 3,
            payload: event.data_json().unwrap(),
            occurred_at: at.naive_utc(),
            sequence: 4,
        };
        let sent: WebhookEvent = serde_json::from_str(&webhook_body(&stored).unwrap()).unwrap();
        assert_eq!(
            sent,
            WebhookEvent {
                event,
                timestamp: at
            }
        );
    }

    #[test]
    fn every_kind_has_a_webhook_entry() {
        let names: Vec<String> = webhook_items().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, crate::events::EVENT_TYPES);
    }
}
