//! Property-firm partners: API clients scoped to their compounds, pile management, reports,
//! signed webhooks from an outbox, rate limits and an audit log.

pub mod admin;
pub mod auth;
pub mod credentials;
pub mod dto;
pub mod handlers;
pub mod model;
pub mod reports;
pub mod rules;
pub mod scope;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

pub use auth::Partner;
pub use scope::Scope;

/// Register this area's routes: each handler's `#[utoipa::path]` puts it in the router and
/// in the OpenAPI document (paths appear there in this order).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(admin::create_partner)
        .service(admin::list_partners)
        .service(admin::set_partner_compounds)
        .service(admin::create_client)
        .service(admin::rotate_client)
        .service(admin::revoke_client)
        .service(admin::set_client_scopes)
        .service(admin::audit_log)
        .service(handlers::token::token)
        .service(handlers::piles::compounds)
        .service(handlers::piles::compound_piles)
        .service(handlers::piles::create_pile)
        .service(handlers::piles::get_pile)
        .service(handlers::piles::update_pile)
        .service(handlers::piles::retire_pile)
        .service(handlers::piles::add_socket)
        .service(handlers::piles::socket_state)
        .service(handlers::piles::bulk_socket_state)
        .service(handlers::prices::partner_get_price_plan)
        .service(handlers::prices::partner_put_price_plan)
        .service(handlers::sessions::pile_sessions)
        .service(handlers::sessions::stop_session)
        .service(handlers::maintenance::maintenance)
        .service(handlers::maintenance::list_maintenance)
        .service(handlers::maintenance::get_maintenance)
        .service(handlers::maintenance::change_maintenance)
        .service(handlers::maintenance::cancel_maintenance)
        .service(handlers::bookings::bookings)
        .service(handlers::bookings::booking)
        .service(handlers::bookings::utilisation)
        .service(handlers::webhooks::create_subscription)
        .service(handlers::webhooks::list_subscriptions)
        .service(handlers::webhooks::delete_subscription)
        .service(handlers::webhooks::list_deliveries)
        .service(handlers::webhooks::get_delivery)
        .service(handlers::webhooks::replay_delivery);
}
