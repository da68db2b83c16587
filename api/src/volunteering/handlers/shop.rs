//! The points supermarket (积分超市).

use actix_web::{get, patch, post, web, HttpResponse};

use crate::auth::{Resident, Staff};
use crate::error::{ApiError, ApiResult};
use crate::http::idempotency::IdempotencyClaim;
use crate::http::pagination::{Page, PageParams};
use crate::http::{created, Json, Path, Query};
use crate::state::AppState;
use crate::volunteering::dto::shop::{
    CollectRequest, CreateShopItemRequest, RedeemRequest, RedemptionView, RestockRequest,
    ShopFilter, ShopItemView, UpdateShopItemRequest,
};
use crate::volunteering::model::shop::{self as model, ItemFields};
use crate::volunteering::rules::{normalize_code, MAX_REDEEM_QUANTITY};

fn check_price(p: i32) -> ApiResult<i32> {
    if (1..=100_000).contains(&p) {
        Ok(p)
    } else {
        Err(ApiError::validation(
            "price_points",
            "must be between 1 and 100000",
        ))
    }
}

/// 积分超市商品列表
///
/// 在售商品及其价格和库存。
///
/// Items on offer with price and stock.
#[utoipa::path(
    tag = "points-shop",
    security(("bearer" = [])),
    params(ShopFilter, PageParams),
    responses((status = 200, description = "One page of items", body = Page<ShopItemView>))
)]
#[get("/points-shop/items")]
pub async fn list_items(
    state: web::Data<AppState>,
    user: Resident,
    q: Query<ShopFilter>,
    page: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let p = page.0.validate()?;
    let all = q.include_inactive.unwrap_or(false) && user.is_staff();
    let (items, total) = state.db(move |c| model::list_items(c, all, p)).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, p, total)))
}

/// 新增积分超市商品（工作人员）
///
/// 添加商品（工作人员）。
///
/// Add an item (staff).
#[utoipa::path(
    tag = "points-shop",
    security(("bearer" = [])),
    request_body = CreateShopItemRequest,
    responses((status = 201, description = "Created", body = ShopItemView))
)]
#[post("/points-shop/items")]
pub async fn create_item(
    state: web::Data<AppState>,
    _staff: Staff,
    body: Json<CreateShopItemRequest>,
) -> ApiResult<HttpResponse> {
    let b = body.0;
    let price = check_price(b.price_points)?;
    if !(0..=1_000_000).contains(&b.stock) {
        return Err(ApiError::validation(
            "stock",
            "must be between 0 and 1000000",
        ));
    }
    let active = b.active.unwrap_or(true);
    let now = state.clock.now_naive();
    let item = state
        .db(move |c| {
            let fields = ItemFields {
                name: &b.name,
                description: &b.description,
                price_points: price,
                active,
            };
            let id = model::create_item(c, &fields, b.stock, now)?;
            model::item(c, id)
        })
        .await?;
    Ok(created(
        format!("/api/v1/points-shop/items/{}", item.id),
        &item,
    ))
}

/// 修改积分超市商品（工作人员）
///
/// 修改商品的名称、说明、价格或是否上架（工作人员）。
///
/// Change an item's name, description, price or whether it is offered (staff).
#[utoipa::path(
    tag = "points-shop",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Item id")),
    request_body = UpdateShopItemRequest,
    responses((status = 200, description = "The item", body = ShopItemView), (status = 404, description = "`not_found`", body = crate::error::ErrorBody))
)]
#[patch("/points-shop/items/{id}")]
pub async fn update_item(
    state: web::Data<AppState>,
    _staff: Staff,
    id: Path<i64>,
    body: Json<UpdateShopItemRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let b = body.0;
    let price = b.price_points.map(check_price).transpose()?;
    let now = state.clock.now_naive();
    let item = state
        .db(move |c| {
            let cur = model::item(c, id)?;
            let fields = ItemFields {
                name: b.name.as_deref().unwrap_or(&cur.name),
                description: b.description.as_deref().unwrap_or(&cur.description),
                price_points: price.unwrap_or(cur.price_points),
                active: b.active.unwrap_or(cur.active),
            };
            model::update_item(c, id, &fields, now)?;
            model::item(c, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// 商品补货（工作人员）
///
/// 补充库存（工作人员）。
///
/// Add stock (staff).
#[utoipa::path(
    tag = "points-shop",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Item id")),
    request_body = RestockRequest,
    responses((status = 200, description = "The item", body = ShopItemView))
)]
#[post("/points-shop/items/{id}/restock")]
pub async fn restock(
    state: web::Data<AppState>,
    _staff: Staff,
    id: Path<i64>,
    body: Json<RestockRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let q = body.quantity;
    if !(1..=100_000).contains(&q) {
        return Err(ApiError::validation(
            "quantity",
            "must be between 1 and 100000",
        ));
    }
    let now = state.clock.now_naive();
    let item = state
        .db(move |c| {
            model::restock(c, id, q, now)?;
            model::item(c, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(item))
}

/// 积分兑换商品
///
/// 兑换商品：库存和积分同时扣减或都不扣减；应答带有在柜台出示的取货码。请发送 `Idempotency-Key`。
///
/// Redeem an item: stock and points are taken together or not at all; the answer carries the
/// pickup code to show at the counter. Send an `Idempotency-Key`.
#[utoipa::path(
    tag = "points-shop",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Item id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A random key per tap; resend it on retries"),
    ),
    request_body = RedeemRequest,
    responses(
        (status = 201, description = "Redeemed", body = RedemptionView),
        (status = 409, description = "`out_of_stock` (`details.stock`) or `item_unavailable`", body = crate::error::ErrorBody),
        (status = 422, description = "`insufficient_points` (`details.balance`, `details.needed`)", body = crate::error::ErrorBody),
    )
)]
#[post("/points-shop/items/{id}/redeem")]
pub async fn redeem(
    state: web::Data<AppState>,
    user: Resident,
    claim: IdempotencyClaim,
    id: Path<i64>,
    body: Json<RedeemRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let q = body.quantity.unwrap_or(1);
    if !(1..=MAX_REDEEM_QUANTITY).contains(&q) {
        return Err(ApiError::validation("quantity", "must be between 1 and 10"));
    }
    let uid = user.user_id;
    let now = state.clock.now_naive();
    let r = state
        .db(move |c| model::redeem(c, id, uid, q, now, claim))
        .await?;
    Ok(created(format!("/api/v1/me/redemptions/{}", r.id), &r))
}

/// 我的兑换记录与取货码
///
/// 我的兑换及其取货码，最新在前。
///
/// My redemptions with their pickup codes, newest first.
#[utoipa::path(
    tag = "points-shop",
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "One page of redemptions", body = Page<RedemptionView>))
)]
#[get("/me/redemptions")]
pub async fn my_redemptions(
    state: web::Data<AppState>,
    user: Resident,
    q: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let p = q.0.validate()?;
    let uid = user.user_id;
    let (items, total) = state.db(move |c| model::my_redemptions(c, uid, p)).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, p, total)))
}

/// 凭取货码领取兑换商品（工作人员）
///
/// 凭取货码交付兑换的商品（柜台工作人员）。
///
/// Hand over a redemption by its pickup code (staff at the counter).
#[utoipa::path(
    tag = "points-shop",
    security(("bearer" = [])),
    request_body = CollectRequest,
    responses(
        (status = 200, description = "Collected", body = RedemptionView),
        (status = 404, description = "`pickup_code_not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`redemption_already_collected`", body = crate::error::ErrorBody),
    )
)]
#[post("/points-shop/redemptions/collect")]
pub async fn collect(
    state: web::Data<AppState>,
    staff: Staff,
    body: Json<CollectRequest>,
) -> ApiResult<HttpResponse> {
    let code = normalize_code(&body.pickup_code);
    let sid = staff.user_id;
    let now = state.clock.now_naive();
    let r = state
        .db(move |c| model::collect(c, &code, sid, now))
        .await?;
    Ok(HttpResponse::Ok().json(r))
}
