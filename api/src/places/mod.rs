//! Places: community › grid › compound › building › household. Read endpoints for the app's
//! pickers and for staff; the demo data set lives in `seed`.

pub mod dto;
pub mod handlers;
pub mod model;
pub mod seed;

use utoipa_actix_web::service_config::ServiceConfig;

/// Register this area's routes: each handler's `#[utoipa::path]` puts it in the router and
/// in the OpenAPI document (paths appear there in this order).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_communities)
        .service(handlers::list_compounds)
        .service(handlers::get_compound);
}
