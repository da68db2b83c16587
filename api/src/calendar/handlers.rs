//! The private calendar feed: show, rotate, revoke, and serve it as iCalendar.

use actix_web::{delete, get, post, web, HttpResponse};

use super::dto::CalendarFeedView;
use super::feeds as model;
use super::{events_for_user, ical};
use crate::auth::Resident;
use crate::error::{ApiError, ApiResult};
use crate::http::Path;
use crate::state::AppState;

/// The feed's view. Its URL is built from `LINLI_PUBLIC_BASE_URL` only: the request's `Host`
/// and `X-Forwarded-*` headers are the client's to forge, and a forged one would hand the
/// resident a link to someone else's server carrying their secret token.
fn feed_view(state: &AppState, feed: Option<(String, chrono::NaiveDateTime)>) -> CalendarFeedView {
    match feed {
        Some((token, created_at)) => {
            let path = format!("/api/v1/calendar/{token}.ics");
            CalendarFeedView {
                active: true,
                url: Some(format!("{}{path}", state.config.public_base_url)),
                path: Some(path),
                created_at: Some(created_at.and_utc()),
            }
        }
        None => CalendarFeedView {
            active: false,
            url: None,
            path: None,
            created_at: None,
        },
    }
}

/// 我的日历订阅地址
///
/// 我的日历订阅 URL（我报名的活动），若已创建。
///
/// My calendar feed URL (activities I signed up for), if I made one.
#[utoipa::path(
    tag = "calendar",
    security(("bearer" = [])),
    responses((status = 200, description = "My feed", body = CalendarFeedView))
)]
#[get("/me/calendar")]
pub async fn get_feed(state: web::Data<AppState>, user: Resident) -> ApiResult<HttpResponse> {
    let uid = user.user_id;
    let feed = state.db(move |c| model::current(c, uid)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(feed_view(&state, feed)))
}

/// 生成新的日历订阅地址
///
/// 生成新的私密订阅 URL（首次创建或替换：旧 URL 随即失效）。
///
/// Make a new secret feed URL (the first one, or a replacement: the old URL stops working).
#[utoipa::path(
    tag = "calendar",
    security(("bearer" = [])),
    responses((status = 200, description = "My new feed", body = CalendarFeedView))
)]
#[post("/me/calendar/rotate")]
pub async fn rotate_feed(state: web::Data<AppState>, user: Resident) -> ApiResult<HttpResponse> {
    let uid = user.user_id;
    let now = state.clock.now_naive();
    let feed = state
        .db(move |c| {
            model::rotate(c, uid, now)?;
            model::current(c, uid)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(feed_view(&state, feed)))
}

/// 停用我的日历订阅地址
///
/// 吊销我的日历订阅 URL。
///
/// Revoke my feed URL.
#[utoipa::path(
    tag = "calendar",
    security(("bearer" = [])),
    responses((status = 204, description = "Revoked (also when there was none)"))
)]
#[delete("/me/calendar")]
pub async fn revoke_feed(state: web::Data<AppState>, user: Resident) -> ApiResult<HttpResponse> {
    let uid = user.user_id;
    state.db(move |c| model::revoke(c, uid)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 日历订阅源（iCalendar）
///
/// 日历订阅本身，供日历应用读取（无需登录：URL 中的密钥即凭据）。
///
/// The feed itself, for calendar apps (no login: the secret in the URL is the key).
#[utoipa::path(
    tag = "calendar",
    security(),
    params(("token" = String, Path, description = "The feed's secret")),
    responses(
        (status = 200, description = "iCalendar (RFC 5545)", content_type = "text/calendar", body = String),
        (status = 404, description = "`not_found`: unknown or revoked", body = crate::error::ErrorBody),
    )
)]
#[get("/calendar/{token}.ics")]
pub async fn serve_feed(
    state: web::Data<AppState>,
    token: Path<String>,
) -> ApiResult<HttpResponse> {
    let token = token.into_inner();
    let now = state.clock.now_naive();
    let events = state
        .db(move |c| {
            let user = model::user_of(c, &token)?.ok_or_else(ApiError::not_found)?;
            events_for_user(c, user, now)
        })
        .await?;
    let body = ical::render("邻里 · 我的日程", &events, now);
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("Cache-Control", "private, max-age=300"))
        .body(body))
}
