//! Card queries, one file per concept: cards themselves, what a card shows about its
//! building, role contacts and what they cover. Staff edits run through
//! [`crate::directory::stamp::edit`], so every process's card index follows.

pub mod assignments;
pub mod building;
pub mod card;
pub mod contacts;

use crate::directory::roles::ContactRole;
use crate::error::{ApiError, ApiResult};

/// What other areas ask of cards: binding a household with its card (`me/`).
pub use super::rules::validate_pair;
pub use card::{active_card_number, household_of};

use super::dto::CardStatus;
use crate::directory::dto::EntryStatus;

/// Status of a card whose QR code works.
const ACTIVE: CardStatus = CardStatus::Active;
/// Status of a card that no longer works (lost, moved out).
const REVOKED: CardStatus = CardStatus::Revoked;
/// Status of a role contact in service.
const SERVING: EntryStatus = EntryStatus::Active;
/// Status of a role contact who no longer serves.
const RETIRED: EntryStatus = EntryStatus::Retired;

/// A role as stored. The database holds only the seven; anything else is a fault, not a
/// default.
fn stored_role(s: &str) -> ApiResult<ContactRole> {
    ContactRole::parse(s).ok_or_else(|| ApiError::internal(format!("unknown stored role {s:?}")))
}
