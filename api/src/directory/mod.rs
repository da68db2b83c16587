//! The service directory (after Open Referral HSDS): organizations, locations, services with
//! phones, contacts, weekly hours and dated exceptions, a category taxonomy, search, and
//! residents' reports of wrong entries. Staff edits bump the directory stamp so every
//! process's cache ([`cache`]) follows.

pub mod cache;
pub mod dto;
pub mod handlers;
pub mod model;
pub mod reports;
pub mod roles;
pub mod rules;
pub mod search;
pub mod seed;
pub mod stamp;
pub mod view;

use utoipa_actix_web::service_config::ServiceConfig;

/// Register this area's routes: each handler's `#[utoipa::path]` puts it in the router and
/// in the OpenAPI document (paths appear there in this order).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_categories)
        .service(handlers::search_services)
        .service(handlers::get_service)
        .service(handlers::create_service)
        .service(handlers::update_service)
        .service(handlers::retire_service)
        .service(handlers::confirm_service)
        .service(handlers::list_organizations)
        .service(handlers::create_organization)
        .service(handlers::list_locations)
        .service(handlers::create_location)
        .service(handlers::create_report)
        .service(handlers::list_reports)
        .service(handlers::resolve_report);
}
