//! Domain events: the facts other parts of the system react to — a booking made, cancelled
//! or released as a no-show, a socket's state changed, maintenance scheduled. A feature
//! describes what happened as a typed [`DomainEvent`] and calls [`record`] inside the
//! transaction of the change; the event then exists exactly when the change was committed.
//!
//! Consumers read the outbox (`domain_events`, [`outbox`]) and claim what they handle with
//! conditional updates: the partners' webhook worker fans each event out into webhook
//! deliveries once, whatever the number of server processes. Subscribers receive an event as
//! a [`WebhookEvent`] (type, timestamp, data), documented in the OpenAPI document.

pub mod envelope;
pub mod outbox;
pub mod payloads;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use envelope::WebhookEvent;
pub use outbox::{record, StoredEvent};
pub use payloads::{BookingEventData, MaintenanceScheduledData, SocketStateChangedData};

use crate::error::{ApiError, ApiResult};

/// Something that happened, with its data. Serialized adjacently tagged: `{"type":
/// "booking.created", "data": {...}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", content = "data")]
pub enum DomainEvent {
    /// A resident booked a socket.
    #[serde(rename = "booking.created")]
    BookingCreated(BookingEventData),
    /// A booking was cancelled: by its resident before the start, or because its socket was
    /// taken out of use (maintenance, a state change).
    #[serde(rename = "booking.cancelled")]
    BookingCancelled(BookingEventData),
    /// A booking was released: not checked in within the grace period, or cancelled after its
    /// start.
    #[serde(rename = "booking.no_show")]
    BookingNoShow(BookingEventData),
    /// A socket's state changed (available, maintenance, faulted, retired).
    #[serde(rename = "socket.state_changed")]
    SocketStateChanged(SocketStateChangedData),
    /// A maintenance window was set on a pile or a socket.
    #[serde(rename = "maintenance.scheduled")]
    MaintenanceScheduled(MaintenanceScheduledData),
}

crate::text_enum! {
    /// The kinds of [`DomainEvent`], as the outbox stores them and partners subscribe to them.
    pub enum EventType {
        /// A resident booked a socket.
        BookingCreated = "booking.created",
        /// A booking was cancelled.
        BookingCancelled = "booking.cancelled",
        /// A booking was released as a no-show.
        BookingNoShow = "booking.no_show",
        /// A socket's state changed.
        SocketStateChanged = "socket.state_changed",
        /// A maintenance window was set.
        MaintenanceScheduled = "maintenance.scheduled",
    }
}

crate::text_enum! {
    /// What an event is about, as the outbox stores it.
    pub enum ResourceType {
        /// A booking (`resource_id` is its id).
        Booking = "booking",
        /// A socket.
        Socket = "socket",
        /// A maintenance window.
        MaintenanceWindow = "maintenance_window",
    }
}

/// The names of every kind of event (what a webhook subscription may list).
pub const EVENT_TYPES: [&str; EventType::ALL.len()] = {
    let mut names = [""; EventType::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = EventType::ALL[i].as_str();
        i += 1;
    }
    names
};

impl DomainEvent {
    pub fn event_type(&self) -> EventType {
        match self {
            DomainEvent::BookingCreated(_) => EventType::BookingCreated,
            DomainEvent::BookingCancelled(_) => EventType::BookingCancelled,
            DomainEvent::BookingNoShow(_) => EventType::BookingNoShow,
            DomainEvent::SocketStateChanged(_) => EventType::SocketStateChanged,
            DomainEvent::MaintenanceScheduled(_) => EventType::MaintenanceScheduled,
        }
    }

    /// The compound the event happened in: whose property firm hears of it.
    pub fn compound_id(&self) -> Option<i64> {
        Some(match self {
            DomainEvent::BookingCreated(d)
            | DomainEvent::BookingCancelled(d)
            | DomainEvent::BookingNoShow(d) => d.compound_id,
            DomainEvent::SocketStateChanged(d) => d.compound_id,
            DomainEvent::MaintenanceScheduled(d) => d.compound_id,
        })
    }

    /// What the event is about: `(resource type, id)`.
    pub fn resource(&self) -> (ResourceType, i64) {
        match self {
            DomainEvent::BookingCreated(d)
            | DomainEvent::BookingCancelled(d)
            | DomainEvent::BookingNoShow(d) => (ResourceType::Booking, d.booking_id),
            DomainEvent::SocketStateChanged(d) => (ResourceType::Socket, d.socket_id),
            DomainEvent::MaintenanceScheduled(d) => {
                (ResourceType::MaintenanceWindow, d.maintenance_id)
            }
        }
    }

    /// The event's data as JSON text, as the outbox keeps it.
    pub fn data_json(&self) -> ApiResult<String> {
        let tagged = serde_json::to_value(self).map_err(ApiError::internal)?;
        let data = tagged
            .get("data")
            .ok_or_else(|| ApiError::internal("an event without data"))?;
        Ok(data.to_string())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::charging::dto::BookingStatus;

    fn booking() -> BookingEventData {
        BookingEventData {
            booking_id: 12,
            compound_id: 1,
            socket_id: 3,
            starts_at: Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2026, 12, 1, 11, 0, 0).unwrap(),
            status: BookingStatus::Cancelled,
            reason: None,
        }
    }

    #[test]
    fn type_names_are_the_serialized_tags() {
        let event = DomainEvent::BookingCancelled(booking());
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], event.event_type().as_str());
        assert_eq!(EVENT_TYPES.len(), EventType::ALL.len());
        for (name, kind) in EVENT_TYPES.iter().zip(EventType::ALL) {
            assert_eq!(EventType::parse(name), Ok(*kind));
        }
        assert!(EventType::parse("booking.deleted").is_err());
    }

    #[test]
    fn data_is_the_payload_alone() {
        let event = DomainEvent::BookingNoShow(booking());
        let data: serde_json::Value = serde_json::from_str(&event.data_json().unwrap()).unwrap();
        assert_eq!(data["booking_id"], 12);
        assert_eq!(data["status"], "cancelled");
        assert!(data["reason"].is_null(), "an absent reason is sent as null");
        assert!(data.get("type").is_none());
        assert_eq!(event.resource(), (ResourceType::Booking, 12));
        assert_eq!(event.compound_id(), Some(1));
    }
}
