//! Charging prices (issue 16, first part): a price plan per compound, set by staff and by the
//! compound's property firm, read by residents with a quote of the prepaid amount; and the fee
//! of a session under a plan ([`fee`], pure). No money moves yet: payment comes later.

pub mod dto;
pub mod fee;
pub mod handlers;
pub mod model;
pub mod rules;

use utoipa_actix_web::service_config::ServiceConfig;

/// Register this area's routes (the firm's are registered by `partners`).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::get_price_plan)
        .service(handlers::put_price_plan);
}
