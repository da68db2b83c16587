//! API clients of firms: their ids, hashed secrets (rotated with a grace period), scopes and
//! revocation.

use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::Rng;
use sha2::{Digest, Sha256};

use super::firms::partner_view;
use crate::db::schema::{partner_clients as pc, partners as p};
use crate::db::{self, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::partners::dto::ClientStatus;
use crate::partners::scope::Scope;

fn random_token(prefix: &str, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(buf.as_mut_slice());
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
    )
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn constant_eq(a: &str, b: &str) -> bool {
    crate::cards::rules::constant_time_eq(a.as_bytes(), b.as_bytes())
}

/// Scopes as stored. A name this build does not know is an error, never dropped: a client
/// must not quietly hold less (or, after a rename, other) than staff gave it.
pub fn stored_scopes(stored: &str) -> ApiResult<Vec<Scope>> {
    Scope::parse_list(stored)
        .map_err(|e| ApiError::internal(format!("partner_clients.scopes: {e}")))
}

/// Create a client with these scopes (the request type makes sure there is at least one);
/// returns (client_id, secret). Only the secret's hash is stored.
pub fn create_client(
    conn: &mut DbConn,
    partner_id: i64,
    name: &str,
    scopes: &[Scope],
    now: NaiveDateTime,
) -> ApiResult<(String, String)> {
    partner_view(conn, partner_id)?.ok_or_else(ApiError::not_found)?;
    let client_id = format!("pc_{}", &uuid::Uuid::new_v4().simple().to_string()[..16]);
    let secret = random_token("pcs_", 32);
    diesel::insert_into(pc::table)
        .values((
            pc::partner_id.eq(partner_id),
            pc::client_id.eq(&client_id),
            pc::name.eq(name),
            pc::scopes.eq(Scope::join(scopes)),
            pc::secret_hash.eq(hash(&secret)),
            pc::status.eq(ClientStatus::Active),
            pc::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok((client_id, secret))
}

/// Give a client a new secret; the old one keeps working until `now + grace`.
pub fn rotate_client(
    conn: &mut DbConn,
    client_id: &str,
    grace: Duration,
    now: NaiveDateTime,
) -> ApiResult<(String, Vec<Scope>, NaiveDateTime)> {
    db::transaction(conn, |c| {
        let row: Option<(String, String)> = pc::table
            .filter(
                pc::client_id
                    .eq(client_id)
                    .and(pc::status.eq(ClientStatus::Active)),
            )
            .select((pc::secret_hash, pc::scopes))
            .first(c)
            .optional()?;
        let (old, scopes) = row.ok_or_else(ApiError::not_found)?;
        let scopes = stored_scopes(&scopes)?;
        let secret = random_token("pcs_", 32);
        let until = now + grace;
        diesel::update(pc::table.filter(pc::client_id.eq(client_id).and(pc::secret_hash.eq(&old))))
            .set((
                pc::secret_hash.eq(hash(&secret)),
                pc::previous_secret_hash.eq(Some(old.clone())),
                pc::previous_valid_until.eq(Some(until)),
                pc::rotated_at.eq(Some(now)),
            ))
            .execute(c)?;
        Ok((secret, scopes, until))
    })
}

/// Revoke a client: its secrets and the tokens it holds stop working at once (its
/// `auth_version` moves on).
pub fn revoke_client(conn: &mut DbConn, client_id: &str, now: NaiveDateTime) -> ApiResult<()> {
    let n = diesel::update(pc::table.filter(pc::client_id.eq(client_id)))
        .set((
            pc::status.eq(ClientStatus::Revoked),
            pc::revoked_at.eq(Some(now)),
            pc::auth_version.eq(pc::auth_version + 1),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(ApiError::not_found());
    }
    Ok(())
}

/// Replace the scopes an active client holds (at least one, checked by the request type). Its
/// `auth_version` moves on, so tokens signed before keep only the scopes it still holds.
pub fn set_client_scopes(conn: &mut DbConn, client_id: &str, scopes: &[Scope]) -> ApiResult<()> {
    let n = diesel::update(
        pc::table.filter(
            pc::client_id
                .eq(client_id)
                .and(pc::status.eq(ClientStatus::Active)),
        ),
    )
    .set((
        pc::scopes.eq(Scope::join(scopes)),
        pc::auth_version.eq(pc::auth_version + 1),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(ApiError::not_found());
    }
    Ok(())
}

/// What a client that presented the right secret holds.
#[derive(Debug)]
pub struct ClientGrant {
    pub partner_id: i64,
    pub scopes: Vec<Scope>,
    /// Its `auth_version`, signed into the token.
    pub version: i64,
}

/// Check a client's credentials; returns its partner, the scopes it holds and its version.
pub fn authenticate_client(
    conn: &mut DbConn,
    client_id: &str,
    secret: &str,
    now: NaiveDateTime,
) -> ApiResult<ClientGrant> {
    type Row = (
        i64,
        String,
        String,
        Option<String>,
        Option<NaiveDateTime>,
        ClientStatus,
        i64,
    );
    let row: Option<Row> = pc::table
        .inner_join(p::table)
        .filter(pc::client_id.eq(client_id))
        .select((
            pc::partner_id,
            pc::scopes,
            pc::secret_hash,
            pc::previous_secret_hash,
            pc::previous_valid_until,
            pc::status,
            pc::auth_version,
        ))
        .first(conn)
        .optional()?;
    let invalid = || ApiError::new(ErrorCode::InvalidClient);
    let (partner_id, scopes, current, previous, until, status, version) =
        row.ok_or_else(invalid)?;
    if status != ClientStatus::Active {
        return Err(invalid());
    }
    let presented = hash(secret);
    let ok = constant_eq(&presented, &current)
        || previous
            .as_deref()
            .is_some_and(|prev| constant_eq(&presented, prev) && until.is_some_and(|u| u > now));
    if !ok {
        return Err(invalid());
    }
    Ok(ClientGrant {
        partner_id,
        scopes: stored_scopes(&scopes)?,
        version,
    })
}
