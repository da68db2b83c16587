//! `GET /me`, `POST /me/household` (bind with a card), `DELETE /me/household`.

use actix_web::{delete, get, post, web, HttpResponse};

use super::dto::{BindHouseholdRequest, MeView};
use super::model::{me_view, set_household};
use crate::auth::AuthUser;
use crate::cards;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::Json;
use crate::state::AppState;

/// Who am I: user, role and household.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses((status = 200, description = "The signed-in user", body = MeView))
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, user: AuthUser) -> ApiResult<HttpResponse> {
    let me = state.db(move |conn| me_view(conn, user.user_id)).await?;
    Ok(HttpResponse::Ok().json(me))
}

/// Bind my account to a household with its card. Several accounts (a family's phones) may
/// bind to one household; binding again moves the account to the new household.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = BindHouseholdRequest,
    responses(
        (status = 200, description = "Bound; the updated user", body = MeView),
        (status = 404, description = "`card_not_found`: wrong number or check code, or the card was revoked", body = crate::error::ErrorBody),
    )
)]
#[post("/me/household")]
pub async fn bind_household(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<BindHouseholdRequest>,
) -> ApiResult<HttpResponse> {
    let (number, check) = cards::model::validate_pair(&body.card_number, &body.check_code)?;
    let me = state
        .db(move |conn| {
            let household = cards::model::household_of(conn, &number, &check)?
                .ok_or_else(|| ApiError::new(ErrorCode::CardNotFound))?;
            set_household(conn, user.user_id, Some(household))?;
            me_view(conn, user.user_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(me))
}

/// Leave my household (for example after moving out).
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses((status = 204, description = "Unbound"))
)]
#[delete("/me/household")]
pub async fn unbind_household(
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<HttpResponse> {
    state
        .db(move |conn| set_household(conn, user.user_id, None))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
