//! Webhook subscriptions as a firm manages them: subscribe, list, delete, see deliveries and
//! their attempts, replay.

use actix_web::http::header;
use actix_web::{delete, get, post, web, HttpResponse};
use serde_json::json;

use super::Writer;
use crate::db;
use crate::error::ApiResult;
use crate::http::pagination::{Page, PageParams};
use crate::http::{Json, Path, Query};
use crate::partners::dto::{
    CreateSubscriptionRequest, DeliveryFilter, DeliveryView, SubscriptionView,
};
use crate::partners::model::audit::{self, AuditEntry};
use crate::partners::webhooks::{subscriptions, url_policy};
use crate::partners::{Partner, Scope};
use crate::state::AppState;

/// 为一个 URL 订阅事件，应答中包含签名密钥，仅此一次（Subscribe to webhooks）。
///
/// 订阅 URL 必须是 443 端口上的 HTTPS 公网地址（不接受内网、回环等地址）。事件按 Standard Webhooks 签名（`webhook-id`、
/// `webhook-timestamp`、`webhook-signature` 头），签名密钥只在这次应答中返回，请立即保存。投递失败会按退避计划重试约一天。
/// 需要权限范围 `webhooks:manage`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    request_body = CreateSubscriptionRequest,
    responses(
        (status = 201, description = "已订阅", body = SubscriptionView),
        (status = 422, description = "`webhook_url_not_allowed` 或 `validation_failed`", body = crate::error::ErrorBody),
    )
)]
#[post("/partner/webhooks")]
pub async fn create_subscription(
    state: web::Data<AppState>,
    partner: Partner,
    body: Json<CreateSubscriptionRequest>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::WebhooksManage)?;
    let b = body.0;
    let events = subscriptions::check_events(&b.events)?;
    let url = url_policy::check_url(
        b.url.trim(),
        &url_policy::Policy::from_config(&state.config),
    )
    .await?;
    let w = Writer::new(&partner, &state);
    let view = state
        .db(move |conn| {
            db::transaction(conn, |c| {
                let v = subscriptions::create_subscription(
                    c,
                    w.partner_id,
                    url.as_str(),
                    &events,
                    w.now,
                )?;
                audit::record(
                    c,
                    AuditEntry {
                        after: Some(json!({"url": v.url, "events": v.events})),
                        ..w.entry("webhook.create", "webhook_subscription", Some(v.id))
                    },
                )?;
                Ok(v)
            })
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(view))
}

/// 本物业的 webhook 订阅（My subscriptions）。
///
/// 本物业的全部 webhook 订阅及其状态（不含签名密钥）。需要权限范围 `webhooks:manage`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    params(PageParams),
    responses((status = 200, description = "一页订阅，按创建顺序", body = Page<SubscriptionView>))
)]
#[get("/partner/webhooks")]
pub async fn list_subscriptions(
    state: web::Data<AppState>,
    partner: Partner,
    page: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::WebhooksManage)?;
    let page = page.0.validate()?;
    let pid = partner.partner_id;
    let (items, total) = state
        .db(move |conn| subscriptions::subscriptions(conn, pid, page))
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// 删除本物业的一个订阅（Delete a subscription）。
///
/// 删除订阅：此后不再为它投递事件。不属于本物业时返回 404 `not_found`。操作写入审计日志。需要权限范围 `webhooks:manage`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    params(("id" = i64, Path, description = "订阅 id")),
    responses((status = 204, description = "已删除"), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[delete("/partner/webhooks/{id}")]
pub async fn delete_subscription(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::WebhooksManage)?;
    let (id, w) = (id.into_inner(), Writer::new(&partner, &state));
    state
        .db(move |conn| {
            subscriptions::owned_subscription(conn, w.partner_id, id)?;
            db::transaction(conn, |c| {
                subscriptions::delete_subscription(c, id)?;
                audit::record(
                    c,
                    w.entry("webhook.delete", "webhook_subscription", Some(id)),
                )
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 本物业某订阅的投递记录，最新在前（Deliveries）。
///
/// 某个订阅的事件投递记录，最新在前，可按投递状态筛选。需要权限范围 `webhooks:manage`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    params(("id" = i64, Path, description = "订阅 id"), DeliveryFilter),
    responses((status = 200, description = "一页投递记录", body = Page<DeliveryView>), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/partner/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
    filter: Query<DeliveryFilter>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::WebhooksManage)?;
    let page = PageParams {
        page: filter.page,
        per_page: filter.per_page,
    }
    .validate()?;
    let status = filter.0.status;
    let (pid, id) = (partner.partner_id, id.into_inner());
    let (items, total) = state
        .db(move |conn| {
            subscriptions::owned_subscription(conn, pid, id)?;
            subscriptions::deliveries(conn, id, status, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::new(items, page, total)))
}

/// 本物业的一条投递记录及其每次尝试（One delivery）。
///
/// 一条投递记录，含每次尝试的时间、HTTP 状态和错误。需要权限范围 `webhooks:manage`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    params(("id" = i64, Path, description = "投递 id")),
    responses((status = 200, description = "该投递记录", body = DeliveryView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[get("/partner/deliveries/{id}")]
pub async fn get_delivery(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::WebhooksManage)?;
    let (pid, id) = (partner.partner_id, id.into_inner());
    Ok(HttpResponse::Ok().json(
        state
            .db(move |conn| subscriptions::delivery(conn, pid, id))
            .await?,
    ))
}

/// 重新发送某条投递的事件（`webhook-id` 不变），作为一条新的投递（Replay a delivery）。
///
/// 把同一事件（`webhook-id` 相同，接收方可据此去重）作为新的投递立即排队，发给同一订阅；用于接收方故障修复之后。
/// 需要权限范围 `webhooks:manage`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    params(("id" = i64, Path, description = "投递 id")),
    responses((status = 202, description = "已重新排队", body = DeliveryView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[post("/partner/deliveries/{id}/replay")]
pub async fn replay_delivery(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::WebhooksManage)?;
    let (pid, id, now) = (partner.partner_id, id.into_inner(), state.clock.now_naive());
    let view = state
        .db(move |conn| {
            let new = subscriptions::replay(conn, pid, id, now)?;
            subscriptions::delivery(conn, pid, new)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(view))
}
