//! My points and ledger; staff adjustments.

use actix_web::{get, post, web, HttpResponse};

use crate::auth::{Resident, Staff};
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{Page, PageParams};
use crate::http::{created, Json, Path, Query};
use crate::state::AppState;
use crate::volunteering::dto::points::{AdjustPointsRequest, LedgerEntryView, PointsSummary};
use crate::volunteering::model::points as model;
use crate::volunteering::rules::MAX_ADJUSTMENT;

/// My points balance (the sum of my ledger) and service time.
#[utoipa::path(
    tag = "points",
    security(("bearer" = [])),
    responses((status = 200, description = "My points", body = PointsSummary))
)]
#[get("/me/points")]
pub async fn my_points(state: web::Data<AppState>, user: Resident) -> ApiResult<HttpResponse> {
    let uid = user.user_id;
    let s = state.db(move |c| model::summary(c, uid)).await?;
    Ok(HttpResponse::Ok().json(s))
}

/// My points history, newest first.
#[utoipa::path(
    tag = "points",
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "One page of ledger entries", body = Page<LedgerEntryView>))
)]
#[get("/me/points/ledger")]
pub async fn my_ledger(
    state: web::Data<AppState>,
    user: Resident,
    q: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let p = q.0.validate()?;
    let uid = user.user_id;
    let (items, total) = state.db(move |c| model::ledger(c, uid, p)).await?;
    Ok(HttpResponse::Ok().json(Page::new(items, p, total)))
}

/// Add or take points with a note (staff). A deduction never makes the balance negative.
#[utoipa::path(
    tag = "points",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = AdjustPointsRequest,
    responses(
        (status = 201, description = "The ledger entry", body = LedgerEntryView),
        (status = 404, description = "`not_found`", body = crate::error::ErrorBody),
        (status = 422, description = "`insufficient_points` or `validation_failed`", body = crate::error::ErrorBody),
    )
)]
#[post("/users/{id}/points/adjustments")]
pub async fn adjust(
    state: web::Data<AppState>,
    staff: Staff,
    id: Path<i64>,
    body: Json<AdjustPointsRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let amount = body.amount;
    if amount == 0 || amount.unsigned_abs() > MAX_ADJUSTMENT.unsigned_abs() {
        return Err(ApiError::validation(
            "amount",
            "must be non-zero and at most 100000 either way",
        ));
    }
    let note = body.0.note;
    let now = state.clock.now_naive();
    let sid = staff.user_id;
    let entry = state
        .db(move |c| model::adjust(c, id, amount, &note, sid, now))
        .await?;
    Ok(created(format!("/api/v1/users/{id}/points"), &entry))
}
