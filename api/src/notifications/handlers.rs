//! The inbox: `GET /me/notifications`, mark one or all read.

use actix_web::{get, post, web, HttpResponse};

use super::dto::{InboxFilter, NotificationView};
use super::model;
use crate::auth::Resident;
use crate::error::ApiResult;
use crate::http::pagination::{Page, PageParams};
use crate::http::{Path, Query};
use crate::state::AppState;

/// 我的消息通知
///
/// 我的通知，最新在前。
///
/// My notifications, newest first.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(InboxFilter, PageParams),
    responses((status = 200, description = "One page of notifications", body = Page<NotificationView>))
)]
#[get("/me/notifications")]
pub async fn list(
    state: web::Data<AppState>,
    user: Resident,
    filter: Query<InboxFilter>,
    page: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = page.0.validate()?;
    let (uid, unread) = (user.user_id, filter.unread.unwrap_or(false));
    let (items, total) = state
        .db(move |conn| model::inbox(conn, uid, unread, page))
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// 一条消息标为已读
///
/// 将我的一条通知标为已读。
///
/// Mark one of my notifications read.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Notification id")),
    responses(
        (status = 204, description = "Marked read"),
        (status = 404, description = "`not_found` (also for another user's notification)", body = crate::error::ErrorBody),
    )
)]
#[post("/me/notifications/{id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    user: Resident,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    let (id, uid, now) = (id.into_inner(), user.user_id, state.clock.now_naive());
    state
        .db(move |conn| model::mark_read(conn, id, uid, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 全部消息标为已读
///
/// 将我的所有通知标为已读。
///
/// Mark all my notifications read.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    responses((status = 204, description = "All marked read"))
)]
#[post("/me/notifications/read-all")]
pub async fn mark_all_read(state: web::Data<AppState>, user: Resident) -> ApiResult<HttpResponse> {
    let (uid, now) = (user.user_id, state.clock.now_naive());
    state
        .db(move |conn| model::mark_all_read(conn, uid, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
