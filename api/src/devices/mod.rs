//! Charging piles driven over the DNY (AP3000) protocol: the codec ([`dny`]), the device
//! gateway process ([`gateway`], `linli gateway`), devices, commands and charging sessions in
//! the database ([`model`]), and the residents' session endpoints ([`handlers`]) and staff's ([`staff`]).
//!
//! API processes never talk to piles: a start is a row in the command outbox, which the
//! gateway holding the pile's lease claims and sends.

pub mod dny;
pub mod dto;
pub mod gateway;
pub mod handlers;
pub mod limits;
pub mod model;
pub mod simulator;
pub mod staff;

use utoipa_actix_web::service_config::ServiceConfig;

/// Register this area's routes.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::start_charging)
        .service(handlers::walk_up)
        .service(handlers::my_sessions)
        .service(staff::register_device)
        .service(staff::list_devices)
        .service(staff::get_device)
        .service(staff::retire_device)
        .service(staff::staff_pile_sessions)
        .service(staff::staff_stop_session);
}
