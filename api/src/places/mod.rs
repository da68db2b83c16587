//! Places: community › grid › compound › building › household. Read endpoints for the app's
//! pickers and for staff; the demo data set lives in `seed`.

pub mod dto;
pub mod handlers;
pub mod model;
pub mod seed;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(handlers::list_communities)
        .service(handlers::list_compounds)
        .service(handlers::get_compound);
}
