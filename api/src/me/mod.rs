//! The signed-in user: who they are and which household they belong to. Joining or leaving
//! a household happens only through [`model::set_household`].

pub mod dto;
pub mod handlers;
pub mod model;

use utoipa_actix_web::service_config::ServiceConfig;

/// Register this area's routes: each handler's `#[utoipa::path]` puts it in the router and
/// in the OpenAPI document (paths appear there in this order).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::get_me)
        .service(handlers::bind_household)
        .service(handlers::unbind_household);
}
