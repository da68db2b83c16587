//! `GET /me`, `POST /me/household` (bind with a card), `DELETE /me/household`.

use actix_web::{delete, get, post, web, HttpResponse};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::model::User;
use crate::auth::{AuthUser, Role};
use crate::cards;
use crate::db::schema::users;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::Json;
use crate::places::dto::AddressView;
use crate::places::model::household_address;
use crate::state::AppState;

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// User id.
    pub id: i64,
    /// Display name.
    pub nickname: String,
    /// Role.
    pub role: Role,
    /// The household the user is bound to; `null` until they bind with their card.
    pub household: Option<HouseholdView>,
}

/// A household as its own members see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdView {
    /// Household id.
    pub id: i64,
    /// Where it is.
    pub address: AddressView,
    /// The household's active card number.
    pub card_number: Option<String>,
}

/// Bind to a household by its convenience card (number and check code, as on the card or in
/// its QR code).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"card_number": "JC00001", "check_code": "7QX4M2"}))]
pub struct BindHouseholdRequest {
    /// Printed card number: 1 to 16 letters or digits (case and surrounding spaces do not
    /// matter).
    #[schema(pattern = "^\\s*[A-Za-z0-9]{1,16}\\s*$")]
    pub card_number: String,
    /// Check code printed beside the number, same form.
    #[schema(pattern = "^\\s*[A-Za-z0-9]{1,16}\\s*$")]
    pub check_code: String,
}

fn me_view(conn: &mut DbConn, user_id: i64) -> ApiResult<MeView> {
    let user = User::find(conn, user_id)?.ok_or_else(|| ApiError::new(ErrorCode::InvalidToken))?;
    let household = match user.household_id {
        Some(hid) => household_address(conn, hid)?.map(|address| -> ApiResult<HouseholdView> {
            Ok(HouseholdView {
                id: hid,
                address,
                card_number: cards::model::active_card_number(conn, hid)?,
            })
        }),
        None => None,
    }
    .transpose()?;
    Ok(MeView {
        id: user.id,
        role: user.role(),
        nickname: user.nickname,
        household,
    })
}

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
            crate::db::transaction(conn, |c| {
                diesel::update(users::table.find(user.user_id))
                    .set(users::household_id.eq(Some(household)))
                    .execute(c)?;
                crate::charging::model::bump_membership(c)
            })?;
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
        .db(move |conn| {
            crate::db::transaction(conn, |c| {
                diesel::update(users::table.find(user.user_id))
                    .set(users::household_id.eq(None::<i64>))
                    .execute(c)?;
                crate::charging::model::bump_membership(c)
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
