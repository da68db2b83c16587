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

/// Subscribe a URL to events. The answer carries the signing secret, once.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    request_body = CreateSubscriptionRequest,
    responses(
        (status = 201, description = "Subscribed", body = SubscriptionView),
        (status = 422, description = "`webhook_url_not_allowed` or `validation_failed`", body = crate::error::ErrorBody),
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

/// My subscriptions.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    responses((status = 200, description = "Subscriptions", body = Vec<SubscriptionView>))
)]
#[get("/partner/webhooks")]
pub async fn list_subscriptions(
    state: web::Data<AppState>,
    partner: Partner,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::WebhooksManage)?;
    let pid = partner.partner_id;
    Ok(HttpResponse::Ok().json(
        state
            .db(move |conn| subscriptions::subscriptions(conn, pid))
            .await?,
    ))
}

/// Delete one of my subscriptions.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
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

/// Deliveries of one of my subscriptions, newest first.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    params(("id" = i64, Path, description = "Subscription id"), DeliveryFilter),
    responses((status = 200, description = "One page of deliveries", body = Page<DeliveryView>), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
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

/// One of my deliveries with every attempt.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    params(("id" = i64, Path, description = "Delivery id")),
    responses((status = 200, description = "The delivery", body = DeliveryView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
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

/// Send one of my deliveries' event again (same `webhook-id`), as a new delivery.
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["webhooks:manage"])),
    params(("id" = i64, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued again", body = DeliveryView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
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
