//! Household membership: who lives in a household as owner, member or tenant. Binding with
//! the card asks to join (pending); an active owner or community staff decides; owners list
//! and remove members and set tenants' end dates; tenancies expire at 00:00 China time on
//! their end date (a background job). `users.household_id` follows the active membership.

pub mod dto;
pub mod handlers;
pub mod model;

use utoipa_actix_web::service_config::ServiceConfig;

/// Register this area's routes (paths appear in the OpenAPI document in this order).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_household_members)
        .service(handlers::approve_household_member)
        .service(handlers::reject_household_member)
        .service(handlers::revoke_household_member)
        .service(handlers::update_household_member)
        .service(handlers::list_membership_requests);
}
