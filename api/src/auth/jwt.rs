//! Access tokens: JWT, HS256 only, with issuer, audience, subject, role and a short expiry.

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::config::Config;
use crate::error::{ApiError, ErrorCode};
use crate::partners::Scope;

use super::Role;

/// What kind of caller a token stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A person: resident, team leader, staff or admin.
    User,
    /// A property firm's API client (server to server).
    Partner,
}

/// The claims of an access token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// User id (or partner client id for partner tokens).
    pub sub: String,
    pub typ: TokenKind,
    /// The user's role (absent on partner tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Partner id and scopes, on partner tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<Scope>,
    /// The user's or client's `auth_version` when the token was signed: while it is still the
    /// current one, the token's role and scopes are too (see [`super::current`]).
    #[serde(default)]
    pub ver: i64,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

impl Claims {
    /// Who is calling, for scoping stored state such as idempotency keys.
    pub fn principal(&self) -> String {
        match self.typ {
            TokenKind::User => format!("u:{}", self.sub),
            TokenKind::Partner => format!("p:{}", self.sub),
        }
    }
}

/// Keys and rules for signing and checking access tokens.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: i64,
}

/// Tolerated clock difference between servers, in seconds: NTP keeps servers far closer; a
/// token past its expiry by more than this is refused.
pub const LEEWAY_SECS: i64 = 3;

impl JwtKeys {
    pub fn new(config: &Config) -> Result<Self, jsonwebtoken::errors::Error> {
        let secret = config.jwt_secret.expose().as_bytes();
        // Pinned to HS256: a token claiming `none` or an RSA algorithm is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked against the server's clock below, not the system's.
        validation.validate_exp = false;
        validation.leeway = 0;
        Ok(JwtKeys {
            encoding: EncodingKey::from_secret(secret)?,
            decoding: DecodingKey::from_secret(secret)?,
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            ttl_secs: config.access_ttl_secs,
        })
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// Sign an access token for a user.
    pub fn issue_user(
        &self,
        user_id: i64,
        role: Role,
        ver: i64,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        self.issue_user_as(user_id, role, ver, now, uuid::Uuid::new_v4().to_string())
    }

    /// Sign an access token for a user with a given issue time and id: the same inputs give
    /// the same token (HS256 is deterministic), which lets a retried refresh get the very
    /// token the first answer carried.
    pub fn issue_user_as(
        &self,
        user_id: i64,
        role: Role,
        ver: i64,
        now: DateTime<Utc>,
        jti: String,
    ) -> Result<String, ApiError> {
        self.sign(Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_string(),
            typ: TokenKind::User,
            role: Some(role),
            partner_id: None,
            scopes: Vec::new(),
            ver,
            iat: now.timestamp(),
            exp: now.timestamp() + self.ttl_secs,
            jti,
        })
    }

    /// Sign an access token for a partner's API client.
    pub fn issue_partner(
        &self,
        client_id: &str,
        partner_id: i64,
        scopes: Vec<Scope>,
        ver: i64,
        ttl_secs: i64,
        now: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        self.sign(Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: client_id.to_owned(),
            typ: TokenKind::Partner,
            role: None,
            partner_id: Some(partner_id),
            scopes,
            ver,
            iat: now.timestamp(),
            exp: now.timestamp() + ttl_secs,
            jti: uuid::Uuid::new_v4().to_string(),
        })
    }

    pub fn sign(&self, claims: Claims) -> Result<String, ApiError> {
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(ApiError::internal)
    }

    /// Check signature, algorithm, issuer, audience and expiry.
    pub fn verify(&self, token: &str, clock: &Clock) -> Result<Claims, ApiError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| ApiError::new(ErrorCode::InvalidToken))?;
        let claims = data.claims;
        if claims.exp + LEEWAY_SECS < clock.now().timestamp() {
            return Err(ApiError::new(ErrorCode::TokenExpired));
        }
        Ok(claims)
    }
}
