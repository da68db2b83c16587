//! Request and response bodies of the partner API and of partner administration.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::scope::Scope;
use crate::charging::dto::{BookingStatus, PileStatus, SocketState};
use crate::text::Text;

crate::text_enum! {
    /// Whether a property firm may use the API.
    pub enum PartnerStatus {
        /// Its clients may sign in.
        Active = "active",
    }
}

crate::text_enum! {
    /// Whether an API client's credentials work.
    pub enum ClientStatus {
        /// Its secret is accepted.
        Active = "active",
        /// Withdrawn: its tokens and secret no longer work.
        Revoked = "revoked",
    }
}

crate::text_enum! {
    /// Whether a webhook subscription receives events.
    pub enum SubscriptionStatus {
        /// Events are posted to it.
        Active = "active",
        /// Deleted by the firm; its delivery history stays.
        Deleted = "deleted",
    }
}

crate::text_enum! {
    /// Where an event's delivery to one subscription stands.
    pub enum DeliveryStatus {
        /// Not yet accepted by the receiver; tried again at `next_attempt_at`.
        Pending = "pending",
        /// The receiver answered 2xx.
        Delivered = "delivered",
        /// Every attempt failed; no more tries.
        Failed = "failed",
    }
}

/// Register a property firm (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "泾川物业服务有限公司", "compound_ids": [1, 2]}))]
pub struct CreatePartnerRequest {
    /// Firm name, 1 to 128 characters, unique.
    #[schema(value_type = String, min_length = 1, max_length = 128)]
    pub name: Text<1, 128>,
    /// Compounds the firm serves (a compound has at most one firm).
    pub compound_ids: Vec<i64>,
}

/// Replace the compounds a firm serves (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerCompoundsRequest {
    /// Compound ids.
    pub compound_ids: Vec<i64>,
}

/// A property firm.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerView {
    /// Partner id.
    pub id: i64,
    /// Firm name.
    pub name: String,
    /// Whether it may use the API.
    pub status: PartnerStatus,
    /// Compounds it serves.
    pub compound_ids: Vec<i64>,
    /// When registered.
    pub created_at: DateTime<Utc>,
}

/// Create an API client for a firm (staff).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "物业管理系统", "scopes": ["piles:read", "piles:write", "bookings:read", "webhooks:manage"]}))]
pub struct CreateClientRequest {
    /// What the client is, 1 to 128 characters.
    #[schema(value_type = String, min_length = 1, max_length = 128)]
    pub name: Text<1, 128>,
    /// Scopes it may ask for: `piles:read`, `piles:write`, `bookings:read`, `webhooks:manage`.
    #[serde(deserialize_with = "super::scope::deserialize_nonempty_list")]
    pub scopes: Vec<Scope>,
}

/// An API client's credentials. The secret is shown only here, once; Linli keeps only its hash.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"client_id": "pc_3f9a1c2b7d4e5f60", "client_secret": "pcs_Jx9...", "scopes": ["piles:read"], "previous_secret_valid_until": null}))]
pub struct ClientCredentials {
    /// Client id, for `POST /api/v1/partner/token`.
    pub client_id: String,
    /// Client secret: store it safely now; it cannot be shown again.
    pub client_secret: String,
    /// Scopes the client may use.
    pub scopes: Vec<Scope>,
    /// After a rotation: until when the old secret still works.
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
}

/// OAuth 2 client-credentials token request (JSON or form-encoded; the client may also send
/// its id and secret with HTTP Basic authentication).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "pc_3f9a1c2b7d4e5f60", "client_secret": "pcs_Jx9...", "scope": "piles:read bookings:read"}))]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    pub grant_type: Option<String>,
    /// Client id (or in HTTP Basic).
    pub client_id: Option<String>,
    /// Client secret (or in HTTP Basic).
    pub client_secret: Option<String>,
    /// Space-separated scopes wanted; default: all the client has.
    pub scope: Option<String>,
}

/// A partner access token.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerToken {
    /// JWT to send as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// Space-separated scopes granted.
    pub scope: String,
}

/// A compound the firm serves.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerCompoundView {
    /// Compound id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Piles in it.
    pub pile_count: i64,
}

/// Install a pile in a compound.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "16号桩", "location": "4号车棚", "sockets": 2}))]
pub struct CreatePileRequest {
    /// Name, 1 to 64 characters.
    #[schema(value_type = String, min_length = 1, max_length = 64)]
    pub name: Text<1, 64>,
    /// Where it stands, 1 to 128 characters.
    #[schema(value_type = String, min_length = 1, max_length = 128)]
    pub location: Text<1, 128>,
    /// Number of sockets, 1 to 4.
    pub sockets: i32,
}

/// Change a pile's name or location.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePileRequest {
    /// New name, 1 to 64 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 64)]
    pub name: Option<Text<1, 64>>,
    /// New location, 1 to 128 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 128)]
    pub location: Option<Text<1, 128>>,
}

/// A pile as the firm sees it, with its sockets and their printed codes.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerPileView {
    /// Pile id.
    pub id: i64,
    /// Compound.
    pub compound_id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Location.
    pub location: String,
    /// In service or retired.
    pub status: PileStatus,
    /// Sockets.
    pub sockets: Vec<PartnerSocketView>,
}

/// A socket as the firm sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerSocketView {
    /// Socket id.
    pub id: i64,
    /// Pile.
    pub pile_id: i64,
    /// Number on the pile.
    pub number: i32,
    /// The code printed on it (for its QR label).
    pub code: String,
    /// State.
    pub state: SocketState,
}

/// Set one socket's state.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"state": "faulted", "reason": "模块故障"}))]
pub struct PartnerSocketStateRequest {
    /// `available`, `faulted` or `maintenance` (retire piles to retire sockets).
    pub state: SocketState,
    /// Told to residents whose bookings are cancelled, 1 to 200 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub reason: Option<Text<1, 200>>,
}

/// One change of a bulk update.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SocketStateChange {
    /// Socket id.
    pub socket_id: i64,
    /// New state.
    pub state: SocketState,
}

/// Set many sockets' states at once; all or nothing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"changes": [{"socket_id": 11, "state": "maintenance"}, {"socket_id": 12, "state": "maintenance"}], "reason": "年度检修"}))]
pub struct BulkSocketStateRequest {
    /// 1 to 200 changes.
    pub changes: Vec<SocketStateChange>,
    /// Told to residents whose bookings are cancelled, 1 to 200 characters.
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub reason: Option<Text<1, 200>>,
}

/// Filters for the partner's bookings report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnerBookingFilter {
    /// Bookings starting on or after this local date.
    pub from: Option<NaiveDate>,
    /// Bookings starting on or before this local date.
    pub to: Option<NaiveDate>,
    /// One compound of the firm's.
    pub compound_id: Option<i64>,
    /// One socket.
    pub socket_id: Option<i64>,
    /// One status.
    pub status: Option<BookingStatus>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}

/// A booking as the firm sees it: no resident or household identity.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerBookingView {
    /// Booking id.
    pub id: i64,
    /// Compound.
    pub compound_id: i64,
    /// Pile.
    pub pile_id: i64,
    /// Socket.
    pub socket_id: i64,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Status.
    pub status: BookingStatus,
    /// When checked in.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// When finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// When cancelled or released.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// When booked.
    pub created_at: DateTime<Utc>,
}

/// Utilisation report range and format.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UtilisationQuery {
    /// First local date (default: 6 days before `to`).
    pub from: Option<NaiveDate>,
    /// Last local date (default: today). At most 62 days in all.
    pub to: Option<NaiveDate>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// One pile on one day.
#[derive(Debug, Serialize, ToSchema)]
pub struct UtilisationRow {
    /// Local date.
    pub date: NaiveDate,
    /// Compound.
    pub compound_id: i64,
    /// Pile.
    pub pile_id: i64,
    /// Pile name.
    pub pile_name: String,
    /// Hours booked (bookings not cancelled).
    pub booked_hours: f64,
    /// Hours charged (from check-in to finish).
    pub used_hours: f64,
    /// Bookings released as no-shows.
    pub no_shows: i64,
    /// Bookings cancelled.
    pub cancellations: i64,
}

/// Subscribe a URL to events.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://wuye.example.com/linli/webhooks", "events": ["booking.created", "booking.cancelled", "booking.no_show", "socket.state_changed", "maintenance.scheduled"]}))]
pub struct CreateSubscriptionRequest {
    /// HTTPS (or HTTP) URL on a public address.
    pub url: String,
    /// Event types: `booking.created`, `booking.cancelled`, `booking.no_show`,
    /// `socket.state_changed`, `maintenance.scheduled`.
    pub events: Vec<String>,
}

/// A webhook subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    /// Subscription id.
    pub id: i64,
    /// Where events are posted.
    pub url: String,
    /// Event types.
    pub events: Vec<String>,
    /// Receiving events or deleted.
    pub status: SubscriptionStatus,
    /// Signing secret (`whsec_...`): returned only when the subscription is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// When created.
    pub created_at: DateTime<Utc>,
}

/// Delivery filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    /// Only deliveries in this state.
    pub status: Option<DeliveryStatus>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}

/// One try to deliver an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// When.
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<i32>,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: i32,
}

/// An event's delivery to one subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Delivery id.
    pub id: i64,
    /// Subscription.
    pub subscription_id: i64,
    /// The event's `webhook-id`.
    pub event_id: String,
    /// Event type.
    pub event_type: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i32,
    /// Next try, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// The event body as sent.
    #[schema(value_type = crate::events::WebhookEvent)]
    pub payload: serde_json::Value,
    /// Every attempt, oldest first (in single-delivery answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt_log: Option<Vec<AttemptView>>,
}

/// An audit log entry of a partner write.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    /// Entry id.
    pub id: i64,
    /// Partner.
    pub partner_id: Option<i64>,
    /// Who: `client:<id>`.
    pub actor: String,
    /// What, e.g. `pile.create`, `socket.state`.
    pub action: String,
    /// Kind of object.
    pub target_type: String,
    /// Its id.
    pub target_id: Option<i64>,
    /// State before (JSON).
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// State after (JSON).
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Audit log filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// One partner.
    pub partner_id: Option<i64>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}
