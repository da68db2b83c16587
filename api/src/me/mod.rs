//! The signed-in user: who they are and which household they belong to. Joining or leaving
//! a household goes through `households::model` (requests, approval, leaving).

pub mod dto;
pub mod handlers;
pub mod model;
pub mod privacy;

use utoipa_actix_web::service_config::ServiceConfig;

/// Register this area's routes: each handler's `#[utoipa::path]` puts it in the router and
/// in the OpenAPI document (paths appear there in this order).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::get_me)
        .service(handlers::bind_household)
        .service(handlers::unbind_household)
        .service(privacy::set_my_phone)
        .service(privacy::delete_my_phone)
        .service(privacy::export_me)
        .service(privacy::delete_me);
}
