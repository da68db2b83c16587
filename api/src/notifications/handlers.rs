//! The inbox: `GET /me/notifications`, mark one or all read.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Resident;
use crate::db::schema::notifications as n;
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{Page, PageParams};
use crate::http::{Path, Query};
use crate::state::AppState;

/// One notification.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": 7, "kind": "booking.confirmed", "title": "充电预约成功", "body": "天和人家 3号桩 1号口 12月1日 19:00–21:00", "data": {"booking_id": 12}, "created_at": "2026-11-30T10:00:00Z", "read_at": null}))]
pub struct NotificationView {
    /// Notification id.
    pub id: i64,
    /// Stable kind, e.g. `booking.confirmed`, `booking.cancelled`, `waitlist.offer`.
    pub kind: String,
    /// Short title.
    pub title: String,
    /// The message.
    pub body: String,
    /// Ids to link to (e.g. `booking_id`).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
    /// When the user read it; `null` while unread.
    pub read_at: Option<DateTime<Utc>>,
}

/// Inbox filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxFilter {
    /// Only unread notifications.
    pub unread: Option<bool>,
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000, default = 1)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub per_page: Option<i64>,
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

/// My notifications, newest first.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(InboxFilter),
    responses((status = 200, description = "One page of notifications", body = Page<NotificationView>))
)]
#[get("/me/notifications")]
pub async fn list(
    state: web::Data<AppState>,
    user: Resident,
    filter: Query<InboxFilter>,
) -> ApiResult<HttpResponse> {
    let page = PageParams {
        page: filter.page,
        per_page: filter.per_page,
    }
    .validate()?;
    let unread = filter.unread.unwrap_or(false);
    let uid = user.user_id;
    let (rows, total) = state
        .db(move |conn| {
            let query = || {
                let mut q = n::table.filter(n::user_id.eq(uid)).into_boxed();
                if unread {
                    q = q.filter(n::read_at.is_null());
                }
                q
            };
            let total: i64 = query().count().get_result(conn)?;
            let rows: Vec<Row> = query()
                .order((n::created_at.desc(), n::id.desc()))
                .limit(page.per_page)
                .offset(page.offset())
                .select((
                    n::id,
                    n::kind,
                    n::title,
                    n::body,
                    n::data,
                    n::created_at,
                    n::read_at,
                ))
                .load(conn)?;
            Ok((rows, total))
        })
        .await?;
    let items = rows
        .into_iter()
        .map(
            |(id, kind, title, body, data, created_at, read_at)| NotificationView {
                id,
                kind,
                title,
                body,
                data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
                created_at: created_at.and_utc(),
                read_at: read_at.map(|t| t.and_utc()),
            },
        )
        .collect();
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

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
        .db(move |conn| {
            let mine: i64 = n::table
                .filter(n::id.eq(id).and(n::user_id.eq(uid)))
                .count()
                .get_result(conn)?;
            if mine == 0 {
                return Err(ApiError::not_found());
            }
            diesel::update(n::table.filter(n::id.eq(id).and(n::read_at.is_null())))
                .set(n::read_at.eq(now))
                .execute(conn)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

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
        .db(move |conn| {
            diesel::update(n::table.filter(n::user_id.eq(uid).and(n::read_at.is_null())))
                .set(n::read_at.eq(now))
                .execute(conn)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
