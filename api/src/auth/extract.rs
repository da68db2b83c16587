//! Extractors that authenticate the caller and check the role the caller holds now (see
//! [`super::current`]). Handlers ask for exactly what
//! they need (`Resident`, `Staff`, ...); a partner's API-client token is refused by all of
//! them with 403, so partner routes can get their own extractor without touching these.

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderMap, AUTHORIZATION};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::jwt::{Claims, TokenKind};
use super::Role;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The token in `Authorization: Bearer <token>`, if any.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Verified claims of the request's access token, whatever kind of caller it is.
pub fn claims(req: &HttpRequest) -> Result<Claims, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let token =
        bearer_token(req.headers()).ok_or_else(|| ApiError::new(ErrorCode::Unauthorized))?;
    let claims = state.jwt.verify(token, &state.clock)?;
    let caller = match claims.typ {
        TokenKind::Partner => format!("client:{}", claims.sub),
        _ => format!("user:{}", claims.sub),
    };
    req.extensions_mut()
        .insert(crate::http::middleware::Caller(caller));
    Ok(claims)
}

/// Any logged-in person.
#[derive(Clone, Copy, Debug)]
pub struct AuthUser {
    pub user_id: i64,
    pub role: Role,
}

impl AuthUser {
    fn from_claims(claims: &Claims) -> Result<Self, ApiError> {
        if claims.typ != TokenKind::User {
            return Err(ApiError::forbidden());
        }
        let user_id = claims
            .sub
            .parse()
            .map_err(|_| ApiError::new(ErrorCode::InvalidToken))?;
        let role = claims
            .role
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidToken))?;
        Ok(AuthUser { user_id, role })
    }

    /// This user, if their role is at least `min`; otherwise 403.
    pub fn require(self, min: Role) -> Result<Self, ApiError> {
        if self.role >= min {
            Ok(self)
        } else {
            Err(ApiError::forbidden())
        }
    }

    pub fn is_staff(&self) -> bool {
        self.role >= Role::Staff
    }
}

/// The caller of a user token with the role they hold now: the token's while the user's
/// `auth_version` is the one it was signed at, the database's after a change (read through the
/// short-lived [`super::current::AuthCache`]). A user who no longer exists is 401.
async fn current_user(
    claims: Result<Claims, ApiError>,
    state: Option<web::Data<AppState>>,
) -> Result<AuthUser, ApiError> {
    let claims = claims?;
    let user = AuthUser::from_claims(&claims)?;
    let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
    let now = state
        .auth
        .user(&state, user.user_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidToken))?;
    Ok(AuthUser {
        role: super::current::effective_role(user.role, claims.ver, &now),
        ..user
    })
}

type Pending<T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, ApiError>>>>;

fn pending_user(req: &HttpRequest) -> Pending<AuthUser> {
    let claims = claims(req);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    Box::pin(current_user(claims, state))
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pending<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        pending_user(req)
    }
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $min:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name(pub AuthUser);

        impl std::ops::Deref for $name {
            type Target = AuthUser;
            fn deref(&self) -> &AuthUser {
                &self.0
            }
        }

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Pending<Self>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let user = pending_user(req);
                Box::pin(async move { user.await?.require($min).map($name) })
            }
        }
    };
}

role_extractor!(
    /// A resident (every logged-in person is one).
    Resident,
    Role::Resident
);
role_extractor!(
    /// A volunteer team leader, staff member or admin.
    TeamLeader,
    Role::TeamLeader
);
role_extractor!(
    /// Community staff or an admin.
    Staff,
    Role::Staff
);
role_extractor!(
    /// An administrator.
    Admin,
    Role::Admin
);

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    #[test]
    fn bearer_parsing() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer_token(&h), None);
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert_eq!(bearer_token(&h), Some("abc"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("bearer  abc "));
        assert_eq!(bearer_token(&h), Some("abc"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer_token(&h), None);
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer_token(&h), None);
    }

    #[test]
    fn roles_are_ordered() {
        let u = AuthUser {
            user_id: 1,
            role: Role::TeamLeader,
        };
        assert!(u.require(Role::Resident).is_ok());
        assert!(u.require(Role::TeamLeader).is_ok());
        assert!(u.require(Role::Staff).is_err());
    }
}
