//! Convenience service cards (便民服务卡): printed number + check code, bound to a household.
//! The public lookup (what a scan shows, served from the card index in [`cache`]), the
//! resident's own card, staff administration of cards and of the seven role contacts
//! (三长三员一民警) each building shows.

pub mod cache;
pub mod dto;
pub mod handlers;
pub mod lookup;
pub mod model;
pub mod rules;

use std::sync::Arc;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::http::ratelimit::{RateLimiter, DEFAULT_MAX_KEYS};

/// What the cards area keeps in each process: the card index and the per-address limit of
/// public lookups. Cheap to clone.
#[derive(Clone)]
pub struct Cards {
    pub cache: Arc<cache::CardCache>,
    /// Card lookups per client address (what keeps the printed sequence from being walked).
    pub lookup_limit: Arc<RateLimiter>,
}

impl Cards {
    /// An empty index and a limit of `lookups_per_minute` per address (as a burst, then
    /// evenly; 0 turns it off).
    pub fn new(lookups_per_minute: u32) -> Self {
        Cards {
            cache: Arc::default(),
            lookup_limit: Arc::new(RateLimiter::new(
                lookups_per_minute,
                lookups_per_minute,
                DEFAULT_MAX_KEYS,
            )),
        }
    }
}

/// Register this area's routes: each handler's `#[utoipa::path]` puts it in the router and
/// in the OpenAPI document (paths appear there in this order).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::lookup_card)
        .service(handlers::my_card)
        .service(handlers::list_cards)
        .service(handlers::issue_card)
        .service(handlers::revoke_card)
        .service(handlers::reissue_card)
        .service(handlers::list_role_contacts)
        .service(handlers::create_role_contact)
        .service(handlers::update_role_contact)
        .service(handlers::retire_role_contact)
        .service(handlers::list_assignments)
        .service(handlers::create_assignment)
        .service(handlers::delete_assignment);
}
