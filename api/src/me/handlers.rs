//! `GET /me`, `POST /me/household` (bind with a card), `DELETE /me/household`.

use actix_web::{delete, get, post, web, HttpResponse};

use super::dto::{BindHouseholdRequest, MeView};
use super::model::{me_view, set_household};
use crate::auth::AuthUser;
use crate::cards;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::guesses::{self, Kind};
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
/// bind to one household; binding again moves the account to the new household. Wrong codes
/// are counted per card and per account: after 5 for one card within an hour (10 for one
/// account) binding it answers 429 for an hour, and staff see it in the audit log.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = BindHouseholdRequest,
    responses(
        (status = 200, description = "Bound; the updated user", body = MeView),
        (status = 404, description = "`card_not_found`: wrong number or check code, or the card was revoked", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: too many wrong codes for this card or account; `Retry-After` says when to try again", body = crate::error::ErrorBody),
    )
)]
#[post("/me/household")]
pub async fn bind_household(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<BindHouseholdRequest>,
) -> ApiResult<HttpResponse> {
    let (number, check) = cards::model::validate_pair(&body.card_number, &body.check_code)?;
    let now = state.clock.now_naive();
    let me = state
        .db(move |conn| {
            let account = guesses::reserve(conn, Kind::Account, &user.user_id.to_string(), now)?;
            let card = match guesses::reserve(conn, Kind::Card, number.as_str(), now) {
                Ok(card) => card,
                Err(e) => {
                    guesses::succeeded(conn, &account)?;
                    return Err(e);
                }
            };
            let Some(household) = cards::model::household_of(conn, &number, &check)? else {
                guesses::failed(conn, &account, now)?;
                if guesses::failed(conn, &card, now)? {
                    tell_staff(conn, number.as_str(), user.user_id, now)?;
                }
                return Err(ApiError::new(ErrorCode::CardNotFound));
            };
            guesses::succeeded(conn, &account)?;
            guesses::succeeded(conn, &card)?;
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

/// A card locked after repeated wrong codes goes to the audit log staff read.
fn tell_staff(
    conn: &mut crate::db::DbConn,
    card_number: &str,
    user_id: i64,
    now: chrono::NaiveDateTime,
) -> crate::error::ApiResult<()> {
    let actor = format!("user:{user_id}");
    crate::partners::model::audit::record_staff(
        conn,
        crate::partners::model::audit::AuditEntry {
            partner_id: 0,
            actor: &actor,
            action: "card.bind_locked",
            target_type: "card",
            target_id: None,
            before: None,
            after: Some(serde_json::json!({
                "card_number": card_number,
                "locked_for_secs": guesses::WINDOW_SECS,
            })),
            at: now,
        },
    )
}
