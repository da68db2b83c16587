//! Convenience service cards (便民服务卡): printed number + check code, bound to a household.
//! The public lookup (what a scan shows), the resident's own card, staff administration of
//! cards and of the seven role contacts (三长三员一民警) each building shows.

pub mod dto;
pub mod handlers;
pub mod lookup;
pub mod model;
pub mod rules;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(handlers::my_card)
        .service(handlers::list_cards)
        .service(handlers::issue_card)
        .service(handlers::lookup_card)
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
