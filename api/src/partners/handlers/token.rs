//! The token endpoint: client credentials in, a short-lived partner access token out.

use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::limits::client_key;
use crate::partners::credentials::TokenGrant;
use crate::partners::dto::{PartnerToken, TokenRequest};
use crate::partners::model;
use crate::partners::rules::{grant_scopes, NotGranted};
use crate::partners::scope::Scope;
use crate::state::AppState;

/// Exchange client credentials for an access token (OAuth 2 client-credentials grant).
///
/// Send `client_id` and `client_secret` as JSON, as a form, or with HTTP Basic
/// authentication. The token lasts `expires_in` seconds (10 minutes by default).
#[utoipa::path(
    tag = "partner",
    security(),
    request_body(content = TokenRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "A token", body = PartnerToken),
        (status = 401, description = "`invalid_client`", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`, with `Retry-After`: too many token requests for this client id or from this address", body = crate::error::ErrorBody),
        (status = 503, description = "`service_unavailable`: the shared rate-limit store does not answer", body = crate::error::ErrorBody),
    )
)]
#[post("/partner/token")]
pub async fn token(
    req: HttpRequest,
    grant: TokenGrant,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now_naive();
    let TokenGrant {
        client_id,
        client_secret,
        scope,
    } = grant;
    // Counted before the secret is checked: every attempt, right or wrong, uses allowance.
    let addr = client_key(&req, state.config.trust_proxy);
    state.limits.partner_token_addr.enforce(&addr).await?;
    state
        .limits
        .partner_token_client
        .enforce(&client_id)
        .await?;
    let id = client_id.clone();
    let (partner_id, held) = state
        .db(move |conn| model::clients::authenticate_client(conn, &id, client_secret.expose(), now))
        .await?;
    let granted = grant_scopes(&held, scope.as_deref()).map_err(|NotGranted(name)| {
        ApiError::new(ErrorCode::InsufficientScope)
            .with_field("scope")
            .with_details(json!({ "not_allowed": name }))
    })?;
    let ttl = state.config.partner_token_ttl_secs;
    let scope = Scope::join(&granted);
    let access_token =
        state
            .jwt
            .issue_partner(&client_id, partner_id, granted, ttl, state.clock.now())?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PartnerToken {
            access_token,
            token_type: "Bearer".into(),
            expires_in: ttl,
            scope,
        }))
}
