//! Staff's and residents' price plan endpoints (the firm's are in `partners::handlers::prices`).

use actix_web::{get, put, web, HttpResponse};

use super::dto::{PricePlanRequest, PricePlanView, PriceQuote, QuoteQuery, ResidentPricePlanView};
use super::model::{self, Author};
use super::rules;
use crate::auth::{AuthUser, Staff};
use crate::charging::model::user_may_book_in;
use crate::error::{ApiError, ApiResult};
use crate::http::{Json, Path, Query};
use crate::state::AppState;

/// 小区的充电收费方案与预付金额
///
/// 小区当前的收费方案（按功率分档、计费单位、最低收费、最长时长、故障免费时长），以及选择 `hours` 小时或“充满为止”时需预付的金额（最高档价格 × 小时数；结束后按充电桩上报的实际时长结算，多付的退回）。居民只能查看可预约的小区（本小区或向全社区开放的小区），工作人员可查看任何小区。尚未开通支付。
///
/// A compound's current price plan and the prepaid amount for `hours` or "until full" (the
/// highest band's price × hours; the fee is settled from the duration the pile reports and
/// the rest refunded). Residents see compounds they may book in; staff see any. Payment is
/// not open yet.
#[utoipa::path(
    tag = "prices",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "小区 id Compound id"), QuoteQuery),
    responses(
        (status = 200, description = "收费方案与预付金额 The plan and the quotes", body = ResidentPricePlanView),
        (status = 403, description = "`compound_not_yours`", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`, `price_plan_missing`", body = crate::error::ErrorBody),
        (status = 422, description = "`validation_failed` (`hours`), `household_required`", body = crate::error::ErrorBody),
    )
)]
#[get("/compounds/{id}/price-plan")]
pub async fn get_price_plan(
    state: web::Data<AppState>,
    user: AuthUser,
    id: Path<i64>,
    query: Query<QuoteQuery>,
) -> ApiResult<HttpResponse> {
    let (id, hours) = (id.into_inner(), query.0.hours);
    let current = state
        .db(move |conn| {
            if !user.is_staff() {
                user_may_book_in(conn, user.user_id, id)?;
            }
            model::current_or_missing(conn, id)
        })
        .await?;
    let plan = &current.plan;
    let quote = match hours {
        None => None,
        Some(h) if (1..=i64::from(plan.max_hours)).contains(&h) => Some(PriceQuote {
            hours: h,
            prepaid_fen: plan.prepaid_fen(i32::try_from(h).unwrap_or_default()),
        }),
        Some(_) => {
            return Err(ApiError::validation(
                "hours",
                format!("must be 1 to {}", plan.max_hours),
            ))
        }
    };
    Ok(HttpResponse::Ok().json(ResidentPricePlanView {
        plan: current.view(),
        quote,
        until_full: PriceQuote {
            hours: plan.max_hours.into(),
            prepaid_fen: plan.prepaid_fen(plan.max_hours),
        },
    }))
}

/// 设置小区的充电收费方案（工作人员）
///
/// 设置小区的收费方案：功率档 `[from_w, to_w)`（按下限排序、互不重叠）→ 每小时价格（分），计费单位（分钟，不足一个单位按一个单位计），最低收费（分），单次最长小时数，开始后几分钟内充电桩故障免费。每次修改生成新版本并写入审计日志；与当前方案相同时不做任何改动（可安全重试）。错误的字段在 `field` 中指出。
///
/// Set a compound's price plan (staff): bands `[from_w, to_w)` (sorted, not overlapping) →
/// fen per hour, the billing unit, the minimum fee, the longest session, the fault waiver.
/// Each change is a new version, audited; the current plan sent again changes nothing. A
/// wrong value is named in `field`.
#[utoipa::path(
    tag = "prices",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "小区 id Compound id")),
    request_body = PricePlanRequest,
    responses(
        (status = 200, description = "当前方案 The current plan", body = PricePlanView),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 409, description = "`price_plan_changed`", body = crate::error::ErrorBody),
        (status = 422, description = "`validation_failed`", body = crate::error::ErrorBody),
    )
)]
#[put("/compounds/{id}/price-plan")]
pub async fn put_price_plan(
    state: web::Data<AppState>,
    staff: Staff,
    id: Path<i64>,
    body: Json<PricePlanRequest>,
) -> ApiResult<HttpResponse> {
    let plan = rules::plan(&body.0)?;
    let id = id.into_inner();
    let author = Author {
        partner_id: None,
        actor: format!("user:{}", staff.user_id),
    };
    let now = state.clock.now_naive();
    let saved = state
        .db(move |conn| model::save(conn, id, &plan, &author, now))
        .await?;
    Ok(HttpResponse::Ok().json(saved.view()))
}
