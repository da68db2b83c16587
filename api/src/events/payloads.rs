//! The data of each kind of domain event: what a webhook subscriber finds under `data`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::charging::dto::{BookingStatus, SocketState};

/// A booking made, cancelled or released.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"booking_id": 12, "compound_id": 1, "socket_id": 3, "starts_at": "2026-12-01T10:00:00Z", "ends_at": "2026-12-01T11:00:00Z", "status": "confirmed", "reason": null}))]
pub struct BookingEventData {
    /// The booking.
    pub booking_id: i64,
    /// The compound it is in.
    pub compound_id: i64,
    /// The socket it holds.
    pub socket_id: i64,
    /// Start of the booked time.
    pub starts_at: DateTime<Utc>,
    /// End of the booked time (exclusive).
    pub ends_at: DateTime<Utc>,
    /// Its status after the event: `confirmed` when created, `cancelled`, or `no_show`.
    pub status: BookingStatus,
    /// Why it was cancelled or released; `null` for a new booking.
    #[schema(required = true)]
    pub reason: Option<String>,
}

/// A socket's state changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"socket_id": 3, "pile_id": 2, "compound_id": 1, "previous_state": "available", "state": "faulted", "reason": "无法充电"}))]
pub struct SocketStateChangedData {
    /// The socket.
    pub socket_id: i64,
    /// Its pile.
    pub pile_id: i64,
    /// The compound it stands in.
    pub compound_id: i64,
    /// The state before the change.
    pub previous_state: SocketState,
    /// The state now. Taking a socket out of use cancels its confirmed bookings (each with its
    /// own `booking.cancelled`).
    pub state: SocketState,
    /// Why, as given by whoever changed it.
    pub reason: String,
}

/// A maintenance window was set. Its time is taken: nothing can be booked in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"maintenance_id": 5, "compound_id": 1, "pile_id": null, "socket_id": 3, "starts_at": "2026-12-01T10:00:00Z", "ends_at": "2026-12-01T12:00:00Z", "reason": "检修", "cancelled_bookings": [12]}))]
pub struct MaintenanceScheduledData {
    /// The window.
    pub maintenance_id: i64,
    /// The compound.
    pub compound_id: i64,
    /// The pile, when the window covers a whole pile (else `null`).
    #[schema(required = true)]
    pub pile_id: Option<i64>,
    /// The socket, when the window covers one socket (else `null`).
    #[schema(required = true)]
    pub socket_id: Option<i64>,
    /// Start, rounded down to the slot grid.
    pub starts_at: DateTime<Utc>,
    /// End, rounded up to the slot grid.
    pub ends_at: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Bookings the window cancelled (each also sent as `booking.cancelled`).
    pub cancelled_bookings: Vec<i64>,
}
