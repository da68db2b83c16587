//! The signed-in user: who they are and which household they belong to.

pub mod handlers;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(handlers::get_me)
        .service(handlers::bind_household)
        .service(handlers::unbind_household);
}
