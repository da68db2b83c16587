//! Domain events: the facts other parts of the system react to — a booking made, cancelled
//! or released as a no-show, a socket's state changed, maintenance scheduled, moved or withdrawn. A feature
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
pub use payloads::{
    BookingEventData, MaintenanceCancelledData, MaintenanceChangedData, MaintenanceScheduledData,
    PileEventData, SessionEventData, SocketStateChangedData,
};

use crate::error::{ApiError, ApiResult};

/// Times in events as RFC 3339 UTC with at most millisecond precision
/// (`2026-12-01T10:00:00.123Z`): some receivers cannot parse more digits.
pub mod millis {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn text(at: &DateTime<Utc>) -> String {
        at.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&text(at))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        DateTime::<Utc>::deserialize(d)
    }
}

/// 发生的事件及其数据。序列化为相邻标记格式：`{"type": "booking.created", "data": {...}}`。
///
/// Something that happened, with its data. Serialized adjacently tagged: `{"type":
/// "booking.created", "data": {...}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", content = "data")]
pub enum DomainEvent {
    /// 住户预约了插座。
    /// A resident booked a socket.
    #[serde(rename = "booking.created")]
    BookingCreated(BookingEventData),
    /// 预约被取消：住户在开始前取消，或其插座停止使用（维护、状态变更）。
    /// A booking was cancelled: by its resident before the start, or because its socket was
    /// taken out of use (maintenance, a state change).
    #[serde(rename = "booking.cancelled")]
    BookingCancelled(BookingEventData),
    /// 预约被释放：宽限期内未签到，或开始后被取消。
    /// A booking was released: not checked in within the grace period, or cancelled after its
    /// start.
    #[serde(rename = "booking.no_show")]
    BookingNoShow(BookingEventData),
    /// 插座状态已变更（available、maintenance、faulted、retired）。
    /// A socket's state changed (available, maintenance, faulted, retired).
    #[serde(rename = "socket.state_changed")]
    SocketStateChanged(SocketStateChangedData),
    /// 为充电桩或插座设定了维护时段。
    /// A maintenance window was set on a pile or a socket.
    #[serde(rename = "maintenance.scheduled")]
    MaintenanceScheduled(MaintenanceScheduledData),
    /// A maintenance window was moved or its reason changed.
    #[serde(rename = "maintenance.changed")]
    MaintenanceChanged(MaintenanceChangedData),
    /// A maintenance window was withdrawn.
    #[serde(rename = "maintenance.cancelled")]
    MaintenanceCancelled(MaintenanceCancelledData),
    /// 充电桩确认开始充电。
    /// The pile confirmed a charging session's start.
    #[serde(rename = "session.started")]
    SessionStarted(SessionEventData),
    /// 充电会话已结算。
    /// A charging session settled.
    #[serde(rename = "session.settled")]
    SessionSettled(SessionEventData),
    /// 充电桩离线：两个心跳周期加余量内没有消息。
    /// A pile went offline: silent for two heartbeat intervals plus a margin.
    #[serde(rename = "pile.offline")]
    PileOffline(PileEventData),
    /// 充电桩重新上线。
    /// A pile came back online.
    #[serde(rename = "pile.online")]
    PileOnline(PileEventData),
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
        /// A maintenance window was moved or its reason changed.
        MaintenanceChanged = "maintenance.changed",
        /// A maintenance window was withdrawn.
        MaintenanceCancelled = "maintenance.cancelled",
        /// A charging session started.
        SessionStarted = "session.started",
        /// A charging session settled.
        SessionSettled = "session.settled",
        /// A pile went offline.
        PileOffline = "pile.offline",
        /// A pile came back online.
        PileOnline = "pile.online",
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
        /// A charging session.
        ChargingSession = "charging_session",
        /// A pile.
        Pile = "pile",
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
            DomainEvent::MaintenanceChanged(_) => EventType::MaintenanceChanged,
            DomainEvent::MaintenanceCancelled(_) => EventType::MaintenanceCancelled,
            DomainEvent::SessionStarted(_) => EventType::SessionStarted,
            DomainEvent::SessionSettled(_) => EventType::SessionSettled,
            DomainEvent::PileOffline(_) => EventType::PileOffline,
            DomainEvent::PileOnline(_) => EventType::PileOnline,
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
            DomainEvent::MaintenanceChanged(d) => d.compound_id,
            DomainEvent::MaintenanceCancelled(d) => d.compound_id,
            DomainEvent::SessionStarted(d) | DomainEvent::SessionSettled(d) => d.compound_id,
            DomainEvent::PileOffline(d) | DomainEvent::PileOnline(d) => d.compound_id,
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
            DomainEvent::MaintenanceChanged(d) => {
                (ResourceType::MaintenanceWindow, d.maintenance_id)
            }
            DomainEvent::MaintenanceCancelled(d) => {
                (ResourceType::MaintenanceWindow, d.maintenance_id)
            }
            DomainEvent::SessionStarted(d) | DomainEvent::SessionSettled(d) => {
                (ResourceType::ChargingSession, d.session_id)
            }
            DomainEvent::PileOffline(d) | DomainEvent::PileOnline(d) => {
                (ResourceType::Pile, d.pile_id)
            }
        }
    }

    /// Number the event among its resource's events (see [`outbox::record`]).
    pub fn set_sequence(&mut self, sequence: i64) {
        match self {
            DomainEvent::BookingCreated(d)
            | DomainEvent::BookingCancelled(d)
            | DomainEvent::BookingNoShow(d) => d.sequence = sequence,
            DomainEvent::SocketStateChanged(d) => d.sequence = sequence,
            DomainEvent::MaintenanceScheduled(d) => d.sequence = sequence,
            DomainEvent::MaintenanceChanged(d) => d.sequence = sequence,
            DomainEvent::MaintenanceCancelled(d) => d.sequence = sequence,
            DomainEvent::SessionStarted(d) | DomainEvent::SessionSettled(d) => {
                d.sequence = sequence
            }
            DomainEvent::PileOffline(d) | DomainEvent::PileOnline(d) => d.sequence = sequence,
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
            pile_id: 2,
            socket_id: 3,
            starts_at: Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2026, 12, 1, 11, 0, 0).unwrap(),
            status: BookingStatus::Cancelled,
            reason: None,
            sequence: 0,
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
