//! Partners in the database: firms and their compounds, API clients and their secrets,
//! ownership checks that scope every partner call, pile management with an audit trail.

use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::Rng;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::auth::SCOPES;
use super::dto::{AuditView, PartnerCompoundView, PartnerPileView, PartnerSocketView, PartnerView};
use crate::charging::dto::SocketState;
use crate::db::schema::{
    audit_log as al, bookings as b, compounds, partner_clients as pc, partner_compounds as pcmp,
    partners as p, piles, sockets,
};
use crate::db::{self, last_insert_id, DbConn};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::pagination::PageRequest;

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
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

// ---------------------------------------------------------------------------------------
// Firms and their compounds (staff)

fn set_compounds(
    conn: &mut DbConn,
    partner_id: i64,
    compound_ids: &[i64],
    now: NaiveDateTime,
) -> ApiResult<()> {
    let found: i64 = compounds::table
        .filter(compounds::id.eq_any(compound_ids))
        .count()
        .get_result(conn)?;
    if usize::try_from(found).unwrap_or(0) != compound_ids.len() {
        return Err(ApiError::validation(
            "compound_ids",
            "unknown or repeated compound id",
        ));
    }
    diesel::delete(pcmp::table.filter(pcmp::partner_id.eq(partner_id))).execute(conn)?;
    for c in compound_ids {
        let r = diesel::insert_into(pcmp::table)
            .values((
                pcmp::partner_id.eq(partner_id),
                pcmp::compound_id.eq(c),
                pcmp::created_at.eq(now),
            ))
            .execute(conn);
        match r {
            Ok(_) => {}
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {
                return Err(ApiError::new(ErrorCode::ValidationFailed)
                    .with_field("compound_ids")
                    .with_reason(format!("compound {c} is served by another firm")));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

pub fn create_partner(
    conn: &mut DbConn,
    name: &str,
    compound_ids: &[i64],
    now: NaiveDateTime,
) -> ApiResult<i64> {
    db::transaction(conn, |c| {
        let r = diesel::insert_into(p::table)
            .values((
                p::name.eq(name),
                p::status.eq("active"),
                p::created_at.eq(now),
            ))
            .execute(c);
        match r {
            Ok(_) => {}
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {
                return Err(ApiError::validation("name", "a firm with this name exists"));
            }
            Err(e) => return Err(e.into()),
        }
        let id = last_insert_id(c)?;
        set_compounds(c, id, compound_ids, now)?;
        Ok(id)
    })
}

pub fn replace_compounds(
    conn: &mut DbConn,
    partner_id: i64,
    compound_ids: &[i64],
    now: NaiveDateTime,
) -> ApiResult<()> {
    db::transaction(conn, |c| {
        partner_view(c, partner_id)?.ok_or_else(ApiError::not_found)?;
        set_compounds(c, partner_id, compound_ids, now)
    })
}

pub fn partner_view(conn: &mut DbConn, id: i64) -> ApiResult<Option<PartnerView>> {
    let row: Option<(i64, String, String, NaiveDateTime)> = p::table
        .find(id)
        .select((p::id, p::name, p::status, p::created_at))
        .first(conn)
        .optional()?;
    let Some((id, name, status, created_at)) = row else {
        return Ok(None);
    };
    Ok(Some(PartnerView {
        id,
        name,
        status,
        compound_ids: compound_ids(conn, id)?,
        created_at: created_at.and_utc(),
    }))
}

pub fn list_partners(conn: &mut DbConn) -> ApiResult<Vec<PartnerView>> {
    let ids: Vec<i64> = p::table.order(p::id).select(p::id).load(conn)?;
    ids.into_iter()
        .filter_map(|id| partner_view(conn, id).transpose())
        .collect()
}

pub fn compound_ids(conn: &mut DbConn, partner_id: i64) -> ApiResult<Vec<i64>> {
    Ok(pcmp::table
        .filter(pcmp::partner_id.eq(partner_id))
        .order(pcmp::compound_id)
        .select(pcmp::compound_id)
        .load(conn)?)
}

// ---------------------------------------------------------------------------------------
// API clients

fn check_scopes(scopes: &[String]) -> ApiResult<()> {
    if scopes.is_empty() || scopes.iter().any(|s| !SCOPES.contains(&s.as_str())) {
        return Err(ApiError::validation(
            "scopes",
            format!("choose from {}", SCOPES.join(", ")),
        ));
    }
    Ok(())
}

/// Create a client; returns (client_id, secret). Only the secret's hash is stored.
pub fn create_client(
    conn: &mut DbConn,
    partner_id: i64,
    name: &str,
    scopes: &[String],
    now: NaiveDateTime,
) -> ApiResult<(String, String)> {
    check_scopes(scopes)?;
    partner_view(conn, partner_id)?.ok_or_else(ApiError::not_found)?;
    let client_id = format!("pc_{}", &uuid::Uuid::new_v4().simple().to_string()[..16]);
    let secret = random_token("pcs_", 32);
    diesel::insert_into(pc::table)
        .values((
            pc::partner_id.eq(partner_id),
            pc::client_id.eq(&client_id),
            pc::name.eq(name),
            pc::scopes.eq(scopes.join(" ")),
            pc::secret_hash.eq(hash(&secret)),
            pc::status.eq("active"),
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
) -> ApiResult<(String, Vec<String>, NaiveDateTime)> {
    db::transaction(conn, |c| {
        let row: Option<(String, String)> = pc::table
            .filter(pc::client_id.eq(client_id).and(pc::status.eq("active")))
            .select((pc::secret_hash, pc::scopes))
            .first(c)
            .optional()?;
        let (old, scopes) = row.ok_or_else(ApiError::not_found)?;
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
        Ok((
            secret,
            scopes.split(' ').map(str::to_owned).collect(),
            until,
        ))
    })
}

/// Revoke a client: its secrets and the tokens it holds stop working at once.
pub fn revoke_client(conn: &mut DbConn, client_id: &str, now: NaiveDateTime) -> ApiResult<()> {
    let n = diesel::update(pc::table.filter(pc::client_id.eq(client_id)))
        .set((pc::status.eq("revoked"), pc::revoked_at.eq(Some(now))))
        .execute(conn)?;
    if n == 0 {
        return Err(ApiError::not_found());
    }
    Ok(())
}

/// Check a client's credentials; returns (partner_id, scopes granted).
pub fn authenticate_client(
    conn: &mut DbConn,
    client_id: &str,
    secret: &str,
    now: NaiveDateTime,
) -> ApiResult<(i64, Vec<String>)> {
    type Row = (
        i64,
        String,
        String,
        Option<String>,
        Option<NaiveDateTime>,
        String,
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
        ))
        .first(conn)
        .optional()?;
    let invalid = || ApiError::new(ErrorCode::InvalidClient);
    let (partner_id, scopes, current, previous, until, status) = row.ok_or_else(invalid)?;
    if status != "active" {
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
    Ok((partner_id, scopes.split(' ').map(str::to_owned).collect()))
}

// ---------------------------------------------------------------------------------------
// Scoping: every lookup by id answers "not found" outside the partner's compounds.

pub fn owns_compound(conn: &mut DbConn, partner_id: i64, compound_id: i64) -> ApiResult<()> {
    let n: i64 = pcmp::table
        .filter(
            pcmp::partner_id
                .eq(partner_id)
                .and(pcmp::compound_id.eq(compound_id)),
        )
        .count()
        .get_result(conn)?;
    if n == 0 {
        Err(ApiError::not_found())
    } else {
        Ok(())
    }
}

pub fn owned_pile(conn: &mut DbConn, partner_id: i64, pile_id: i64) -> ApiResult<i64> {
    let compound: i64 = piles::table
        .find(pile_id)
        .select(piles::compound_id)
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    owns_compound(conn, partner_id, compound)?;
    Ok(compound)
}

pub fn owned_socket(conn: &mut DbConn, partner_id: i64, socket_id: i64) -> ApiResult<i64> {
    let compound: i64 = sockets::table
        .find(socket_id)
        .select(sockets::compound_id)
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    owns_compound(conn, partner_id, compound)?;
    Ok(compound)
}

pub fn owned_booking(conn: &mut DbConn, partner_id: i64, booking_id: i64) -> ApiResult<i64> {
    let compound: i64 = b::table
        .find(booking_id)
        .select(b::compound_id)
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    owns_compound(conn, partner_id, compound)?;
    Ok(compound)
}

pub fn partner_compounds(
    conn: &mut DbConn,
    partner_id: i64,
) -> ApiResult<Vec<PartnerCompoundView>> {
    let rows: Vec<(i64, String, String)> = compounds::table
        .inner_join(pcmp::table)
        .filter(pcmp::partner_id.eq(partner_id))
        .order(compounds::id)
        .select((compounds::id, compounds::code, compounds::name))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, code, name)| {
            let pile_count = piles::table
                .filter(piles::compound_id.eq(id))
                .count()
                .get_result(conn)?;
            Ok(PartnerCompoundView {
                id,
                code,
                name,
                pile_count,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Piles and sockets

pub fn pile_view(conn: &mut DbConn, pile_id: i64) -> ApiResult<PartnerPileView> {
    let (id, compound_id, code, name, location, status): (
        i64,
        i64,
        String,
        String,
        String,
        String,
    ) = piles::table
        .find(pile_id)
        .select((
            piles::id,
            piles::compound_id,
            piles::code,
            piles::name,
            piles::location,
            piles::status,
        ))
        .first(conn)?;
    let socket_rows: Vec<(i64, i64, i32, String, String)> = sockets::table
        .filter(sockets::pile_id.eq(id))
        .order(sockets::number)
        .select((
            sockets::id,
            sockets::pile_id,
            sockets::number,
            sockets::code,
            sockets::state,
        ))
        .load(conn)?;
    Ok(PartnerPileView {
        id,
        compound_id,
        code,
        name,
        location,
        status,
        sockets: socket_rows
            .into_iter()
            .map(|(id, pile_id, number, code, state)| PartnerSocketView {
                id,
                pile_id,
                number,
                code,
                state: SocketState::parse(&state),
            })
            .collect(),
    })
}

pub fn compound_piles(conn: &mut DbConn, compound_id: i64) -> ApiResult<Vec<PartnerPileView>> {
    let ids: Vec<i64> = piles::table
        .filter(piles::compound_id.eq(compound_id))
        .order(piles::id)
        .select(piles::id)
        .load(conn)?;
    ids.into_iter().map(|id| pile_view(conn, id)).collect()
}

fn socket_code() -> String {
    let mut rng = rand::rng();
    let alphabet = crate::cards::rules::CHECK_ALPHABET;
    (0..8)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

fn add_socket(
    conn: &mut DbConn,
    pile_id: i64,
    compound_id: i64,
    number: i32,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    for _ in 0..5 {
        let r = diesel::insert_into(sockets::table)
            .values((
                sockets::pile_id.eq(pile_id),
                sockets::compound_id.eq(compound_id),
                sockets::number.eq(number),
                sockets::code.eq(socket_code()),
                sockets::state.eq("available"),
                sockets::state_changed_at.eq(now),
                sockets::write_seq.eq(0i64),
                sockets::created_at.eq(now),
            ))
            .execute(conn);
        match r {
            Ok(_) => return Ok(last_insert_id(conn)?),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::internal("could not make a unique socket code"))
}

pub fn create_pile(
    conn: &mut DbConn,
    compound_id: i64,
    name: &str,
    location: &str,
    sockets_n: i32,
    now: NaiveDateTime,
) -> ApiResult<i64> {
    let code_prefix: String = compounds::table
        .find(compound_id)
        .select(compounds::code)
        .first(conn)?;
    let count: i64 = piles::table
        .filter(piles::compound_id.eq(compound_id))
        .count()
        .get_result(conn)?;
    let mut n = count + 1;
    loop {
        let r = diesel::insert_into(piles::table)
            .values((
                piles::compound_id.eq(compound_id),
                piles::code.eq(format!("{code_prefix}-P{n:02}")),
                piles::name.eq(name),
                piles::location.eq(location),
                piles::status.eq("active"),
                piles::created_at.eq(now),
                piles::updated_at.eq(now),
            ))
            .execute(conn);
        match r {
            Ok(_) => break,
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) if n < count + 100 => n += 1,
            Err(e) => return Err(e.into()),
        }
    }
    let pile_id = last_insert_id(conn)?;
    for number in 1..=sockets_n {
        add_socket(conn, pile_id, compound_id, number, now)?;
    }
    Ok(pile_id)
}

pub fn update_pile(
    conn: &mut DbConn,
    pile_id: i64,
    name: Option<&str>,
    location: Option<&str>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    if let Some(name) = name {
        diesel::update(piles::table.find(pile_id))
            .set((piles::name.eq(name), piles::updated_at.eq(now)))
            .execute(conn)?;
        // The name labels its sockets in the availability grid.
        crate::charging::model::touch_pile(conn, pile_id)?;
    }
    if let Some(location) = location {
        diesel::update(piles::table.find(pile_id))
            .set((piles::location.eq(location), piles::updated_at.eq(now)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn add_socket_to_pile(conn: &mut DbConn, pile_id: i64, now: NaiveDateTime) -> ApiResult<i64> {
    let (compound_id, status): (i64, String) = piles::table
        .find(pile_id)
        .select((piles::compound_id, piles::status))
        .first(conn)?;
    if status != "active" {
        return Err(ApiError::new(ErrorCode::SocketUnavailable).with_reason("pile retired"));
    }
    let max: Option<i32> = sockets::table
        .filter(sockets::pile_id.eq(pile_id))
        .select(diesel::dsl::max(sockets::number))
        .first(conn)?;
    let next = max.unwrap_or(0) + 1;
    if next > 8 {
        return Err(ApiError::validation(
            "pile_id",
            "a pile has at most 8 sockets",
        ));
    }
    add_socket(conn, pile_id, compound_id, next, now)
}

/// Retire a pile and its sockets (their bookings are cancelled, residents told).
pub fn retire_pile(
    conn: &mut DbConn,
    pile_id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let ids: Vec<i64> = sockets::table
        .filter(sockets::pile_id.eq(pile_id))
        .select(sockets::id)
        .load(conn)?;
    for id in ids {
        crate::charging::model::set_socket_state(conn, id, SocketState::Retired, reason, now)?;
    }
    diesel::update(piles::table.find(pile_id))
        .set((piles::status.eq("retired"), piles::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Audit

/// Record a partner write, in the same transaction as the write.
#[allow(clippy::too_many_arguments)]
pub fn audit(
    conn: &mut DbConn,
    partner_id: i64,
    actor: &str,
    action: &str,
    target_type: &str,
    target_id: Option<i64>,
    before: Option<Value>,
    after: Option<Value>,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::insert_into(al::table)
        .values((
            al::partner_id.eq(Some(partner_id)),
            al::actor.eq(actor),
            al::action.eq(action),
            al::target_type.eq(target_type),
            al::target_id.eq(target_id),
            al::before_json.eq(before.map(|v| v.to_string())),
            al::after_json.eq(after.map(|v| v.to_string())),
            al::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn audit_page(
    conn: &mut DbConn,
    partner_id: Option<i64>,
    page: PageRequest,
) -> ApiResult<(Vec<AuditView>, i64)> {
    let query = || {
        let mut q = al::table.into_boxed();
        if let Some(pid) = partner_id {
            q = q.filter(al::partner_id.eq(pid));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    type Row = (
        i64,
        Option<i64>,
        String,
        String,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        NaiveDateTime,
    );
    let rows: Vec<Row> = query()
        .order((al::created_at.desc(), al::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            al::id,
            al::partner_id,
            al::actor,
            al::action,
            al::target_type,
            al::target_id,
            al::before_json,
            al::after_json,
            al::created_at,
        ))
        .load(conn)?;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok((
        rows.into_iter()
            .map(
                |(
                    id,
                    partner_id,
                    actor,
                    action,
                    target_type,
                    target_id,
                    before,
                    after,
                    created_at,
                )| AuditView {
                    id,
                    partner_id,
                    actor,
                    action,
                    target_type,
                    target_id,
                    before: parse(before),
                    after: parse(after),
                    created_at: created_at.and_utc(),
                },
            )
            .collect(),
        total,
    ))
}

/// A pile's state as JSON, for the audit log.
pub fn pile_json(conn: &mut DbConn, pile_id: i64) -> ApiResult<Value> {
    let v = pile_view(conn, pile_id)?;
    Ok(json!({
        "name": v.name, "location": v.location, "status": v.status,
        "sockets": v.sockets.iter().map(|s| json!({"id": s.id, "state": s.state})).collect::<Vec<_>>(),
    }))
}
