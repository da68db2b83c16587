//! The partner extractor: a valid partner access token of a client that is still active,
//! with the scopes it still holds (see [`crate::auth::current`]).
//! User tokens are refused with 403, as partner tokens are by the user extractors.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde_json::json;

use super::scope::Scope;
use crate::auth::current::effective_scopes;
use crate::auth::extract::claims;
use crate::auth::jwt::TokenKind;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// A property firm's API client, authenticated.
#[derive(Clone, Debug)]
pub struct Partner {
    pub partner_id: i64,
    pub client_id: String,
    pub scopes: Vec<Scope>,
}

impl Partner {
    /// 403 `insufficient_scope` unless the token carries `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::new(ErrorCode::InsufficientScope)
                .with_details(json!({"required": scope})))
        }
    }

    /// How the audit log names this caller.
    pub fn actor(&self) -> String {
        format!("client:{}", self.client_id)
    }
}

impl FromRequest for Partner {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let claims = claims(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let claims = claims?;
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            if claims.typ != TokenKind::Partner {
                return Err(ApiError::forbidden());
            }
            let partner_id = claims
                .partner_id
                .ok_or_else(|| ApiError::new(ErrorCode::InvalidToken))?;
            let client_id = claims.sub.clone();
            // Revocation and withdrawn scopes take effect on the next request (within
            // `LINLI_AUTH_CACHE_MS` in other processes), not when the token expires.
            let now = state
                .auth
                .client(&state, &client_id)
                .await?
                .filter(|c| c.active)
                .ok_or_else(|| ApiError::new(ErrorCode::InvalidToken))?;
            let scopes = effective_scopes(claims.scopes, claims.ver, &now);
            state.limits.partner.enforce(&client_id).await?;
            Ok(Partner {
                partner_id,
                client_id,
                scopes,
            })
        })
    }
}
