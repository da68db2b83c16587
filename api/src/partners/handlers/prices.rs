//! A firm's price plans: read and set the plan of one of its own compounds (another firm's
//! compound answers 404, as every partner call does). Writes are audited against the firm.

use actix_web::{get, put, web, HttpResponse};

use super::Writer;
use crate::error::ApiResult;
use crate::http::{Json, Path};
use crate::partners::model::scoping;
use crate::partners::{Partner, Scope};
use crate::prices::dto::{PricePlanRequest, PricePlanView};
use crate::prices::model::{self as prices, Author};
use crate::prices::rules;
use crate::state::AppState;

/// 本物业小区的充电收费方案（Price plan of a compound）。
///
/// 本物业某小区当前的收费方案。小区不属于本物业时返回 404；尚未设置时返回 404 `price_plan_missing`。
/// 需要权限范围 `piles:read`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:read"])),
    params(("id" = i64, Path, description = "小区 id")),
    responses(
        (status = 200, description = "当前方案", body = PricePlanView),
        (status = 404, description = "`not_found`, `price_plan_missing`", body = crate::error::ErrorBody),
    )
)]
#[get("/partner/compounds/{id}/price-plan")]
pub async fn partner_get_price_plan(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesRead)?;
    let (pid, id) = (partner.partner_id, id.into_inner());
    let current = state
        .db(move |conn| {
            scoping::owns_compound(conn, pid, id)?;
            prices::current_or_missing(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(current.view()))
}

/// 设置本物业小区的充电收费方案（Set the price plan of a compound）。
///
/// 功率档 `[from_w, to_w)`（按下限排序、互不重叠）→ 每小时价格（分），计费单位（分钟，向上取整），最低收费（分），
/// 单次最长小时数，开始后几分钟内充电桩故障免费。每次修改生成新版本并写入审计日志；与当前方案相同时不做改动（可安全重试）。
/// 错误的字段在 `field` 中指出。需要权限范围 `piles:write`。
#[utoipa::path(
    tag = "partner",
    security(("partner" = ["piles:write"])),
    params(("id" = i64, Path, description = "小区 id")),
    request_body = PricePlanRequest,
    responses(
        (status = 200, description = "当前方案", body = PricePlanView),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`price_plan_changed`", body = crate::error::ErrorBody),
        (status = 422, description = "`validation_failed`", body = crate::error::ErrorBody),
    )
)]
#[put("/partner/compounds/{id}/price-plan")]
pub async fn partner_put_price_plan(
    state: web::Data<AppState>,
    partner: Partner,
    id: Path<i64>,
    body: Json<PricePlanRequest>,
) -> ApiResult<HttpResponse> {
    partner.require(Scope::PilesWrite)?;
    let (id, w) = (id.into_inner(), Writer::new(&partner, &state));
    let plan = rules::plan(&body.0)?;
    let saved = state
        .db(move |conn| {
            scoping::owns_compound(conn, w.partner_id, id)?;
            let author = Author {
                partner_id: Some(w.partner_id),
                actor: w.actor.clone(),
            };
            prices::save(conn, id, &plan, &author, w.now)
        })
        .await?;
    Ok(HttpResponse::Ok().json(saved.view()))
}
