//! E-bike charging: piles and sockets, the availability grid, race-proof bookings, check-in,
//! no-shows, the waitlist and maintenance.

pub mod dto;
pub mod grid;
pub mod handlers;
pub mod model;
pub mod rules;
pub mod seed;

use std::sync::Arc;

use utoipa_actix_web::service_config::ServiceConfig;

/// What the charging area keeps in each process: the rendered availability grids and the
/// grid-stamp reads in flight (see [`grid`]). Cheap to clone; safe to be stale, as every
/// answer is checked against the stamp read from the database first.
#[derive(Clone, Default)]
pub struct Charging {
    grids: Arc<grid::GridCache>,
    flights: Arc<grid::Flights>,
}

/// Register this area's routes: each handler's `#[utoipa::path]` puts it in the router and
/// in the OpenAPI document (paths appear there in this order).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::get_charging)
        .service(handlers::put_settings)
        .service(handlers::put_open_to_community)
        .service(handlers::availability)
        .service(handlers::create_booking)
        .service(handlers::my_bookings)
        .service(handlers::get_booking)
        .service(handlers::cancel_booking)
        .service(handlers::check_in)
        .service(handlers::finish)
        .service(handlers::join_waitlist)
        .service(handlers::my_waitlist)
        .service(handlers::accept_offer)
        .service(handlers::leave_waitlist)
        .service(handlers::create_maintenance)
        .service(handlers::set_socket_state);
}
