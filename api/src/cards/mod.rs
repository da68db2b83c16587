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

/// What the cards area keeps in each process: the card index (the per-address limit of
/// public lookups is `AppState::limits`). Cheap to clone.
#[derive(Clone, Default)]
pub struct Cards {
    pub cache: Arc<cache::CardCache>,
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
