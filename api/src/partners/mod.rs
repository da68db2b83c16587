//! Property-firm partners: API clients scoped to their compounds, pile management, reports,
//! signed webhooks from an outbox, rate limits and an audit log.

pub mod admin;
pub mod auth;
pub mod dto;
pub mod fanout;
pub mod handlers;
pub mod model;
pub mod reports;
pub mod webhooks;

use actix_web::web;

pub use auth::Partner;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(admin::create_partner)
        .service(admin::list_partners)
        .service(admin::set_partner_compounds)
        .service(admin::create_client)
        .service(admin::rotate_client)
        .service(admin::revoke_client)
        .service(admin::audit_log)
        .service(handlers::token)
        .service(handlers::compounds)
        .service(handlers::compound_piles)
        .service(handlers::create_pile)
        .service(handlers::get_pile)
        .service(handlers::update_pile)
        .service(handlers::retire_pile)
        .service(handlers::add_socket)
        .service(handlers::bulk_socket_state)
        .service(handlers::socket_state)
        .service(handlers::maintenance)
        .service(handlers::bookings)
        .service(handlers::booking)
        .service(handlers::utilisation)
        .service(handlers::create_subscription)
        .service(handlers::list_subscriptions)
        .service(handlers::delete_subscription)
        .service(handlers::list_deliveries)
        .service(handlers::get_delivery)
        .service(handlers::replay_delivery);
}
