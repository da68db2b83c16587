//! Telling users what happened: an in-app inbox, behind one small interface.
//!
//! Every area calls [`notify`] inside the transaction that caused the news, so a notification
//! exists exactly when its cause was committed. [`notify`] is the one interface areas use:
//! delivery beyond the inbox (a WeChat subscription message, say) belongs behind it as a
//! worker that reads the committed rows — the table doubles as an outbox, as partner webhooks
//! do — never as a network call inside the transaction. What a notice is about is one of the
//! [`NotificationKind`]s.

pub mod dto;
pub mod handlers;
pub mod model;
pub mod wechat;

use utoipa_actix_web::service_config::ServiceConfig;

pub use dto::NotificationKind;
pub use model::{notify, Notice};

/// Register this area's routes: each handler's `#[utoipa::path]` puts it in the router and
/// in the OpenAPI document (paths appear there in this order).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list)
        .service(handlers::mark_read)
        .service(handlers::mark_all_read)
        .service(wechat::handlers::list_wechat_subscriptions)
        .service(wechat::handlers::report_wechat_subscriptions);
}
