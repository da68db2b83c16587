//! Print sheets (打印页) for staff: the convenience cards (便民服务卡) of a building or a
//! community, and the stickers on the charging piles' sockets, as A4 SVG pages ready for a
//! browser's print dialog. Each card and sticker carries the QR code the resident app scans;
//! what the QR code says is fixed in [`qr`] (the app and the mini-program parse it).
//!
//! Printing check codes is sensitive: the endpoints are for staff only, each page printed goes
//! to the audit log (what was printed, never the codes), and the codes appear only in the
//! response body (request logs carry the path and query only, neither holds a code).

pub mod dto;
pub mod handlers;
pub mod model;
pub mod qr;
pub mod sheet;

use utoipa_actix_web::service_config::ServiceConfig;

/// Register this area's routes: each handler's `#[utoipa::path]` puts it in the router and
/// in the OpenAPI document (paths appear there in this order).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::card_sheet)
        .service(handlers::socket_sheet);
}
