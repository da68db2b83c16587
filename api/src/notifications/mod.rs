//! Telling users what happened: an in-app inbox, behind one small interface.
//!
//! Every area calls [`notify`] inside the transaction that caused the news, so a notification
//! exists exactly when its cause was committed. [`notify`] is the one interface areas use:
//! delivery beyond the inbox (a WeChat subscription message, say) belongs behind it as a
//! worker that reads the committed rows — the table doubles as an outbox, as partner webhooks
//! do — never as a network call inside the transaction.

pub mod handlers;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db::schema::notifications as n;
use crate::db::DbConn;
use crate::error::ApiResult;

/// Register this area's routes: each handler's `#[utoipa::path]` puts it in the router and
/// in the OpenAPI document (paths appear there in this order).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list)
        .service(handlers::mark_read)
        .service(handlers::mark_all_read);
}

/// One message to one user.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    /// Stable kind the app can switch on, e.g. `booking.confirmed`.
    pub kind: &'a str,
    /// Short title (Chinese).
    pub title: String,
    /// The message (Chinese).
    pub body: String,
    /// Ids and facts for the app to link to, e.g. `{"booking_id": 12}`.
    pub data: serde_json::Value,
    /// When set, a second notice with the same key to the same user is dropped (e.g. one
    /// reminder per booking even if two sweeper processes race).
    pub dedupe_key: Option<String>,
}

/// Record a notice in the user's inbox, inside the caller's transaction. A duplicate
/// `dedupe_key` is silently ignored.
pub fn notify(
    conn: &mut DbConn,
    user_id: i64,
    notice: &Notice<'_>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let result = diesel::insert_into(n::table)
        .values((
            n::user_id.eq(user_id),
            n::kind.eq(notice.kind),
            n::title.eq(&notice.title),
            n::body.eq(&notice.body),
            n::data.eq(notice.data.to_string()),
            n::dedupe_key.eq(notice.dedupe_key.as_deref()),
            n::created_at.eq(now),
        ))
        .execute(conn);
    match result {
        Ok(_) => Ok(()),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
