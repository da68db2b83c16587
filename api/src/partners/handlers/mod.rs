//! The partner API (`/api/v1/partner/...`), one file per sub-area: the token, piles (with
//! sockets and their states), maintenance windows, bookings and reports, webhooks. Every call is
//! scoped to the firm's compounds; an id outside them answers 404 whatever it is.

pub mod bookings;
pub mod maintenance;
pub mod piles;
pub mod prices;
pub mod sessions;
pub mod token;
pub mod webhooks;

use chrono::NaiveDateTime;

use super::model::audit::AuditEntry;
use super::Partner;
use crate::state::AppState;

/// Who makes a partner write, and when: what its audit entry records besides the object.
struct Writer {
    partner_id: i64,
    actor: String,
    now: NaiveDateTime,
}

impl Writer {
    fn new(partner: &Partner, state: &AppState) -> Self {
        Writer {
            partner_id: partner.partner_id,
            actor: partner.actor(),
            now: state.clock.now_naive(),
        }
    }

    /// The audit entry of this write to an object, without its state before or after.
    fn entry<'a>(
        &'a self,
        action: &'a str,
        target_type: &'a str,
        target_id: Option<i64>,
    ) -> AuditEntry<'a> {
        AuditEntry {
            partner_id: self.partner_id,
            actor: &self.actor,
            action,
            target_type,
            target_id,
            before: None,
            after: None,
            at: self.now,
        }
    }
}
