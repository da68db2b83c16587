//! The grid stamp: every change the availability grid shows bumps `sockets.write_seq` of the
//! sockets it concerns, inside the transaction that makes the change, and joining or leaving
//! a household bumps the membership version (`households::model`); `charging::grid`
//! keys its cache on both.

use diesel::prelude::*;

use crate::db::schema::sockets;
use crate::db::DbConn;
use crate::error::ApiResult;

/// Mark sockets as changed for the availability grid.
pub fn touch_sockets(conn: &mut DbConn, ids: &[i64]) -> ApiResult<()> {
    if !ids.is_empty() {
        diesel::update(sockets::table.filter(sockets::id.eq_any(ids)))
            .set(sockets::write_seq.eq(sockets::write_seq + 1))
            .execute(conn)?;
    }
    Ok(())
}

/// Mark every socket of a compound as changed (its settings changed).
pub(in crate::charging::model) fn touch_compound(
    conn: &mut DbConn,
    compound_id: i64,
) -> ApiResult<()> {
    diesel::update(sockets::table.filter(sockets::compound_id.eq(compound_id)))
        .set(sockets::write_seq.eq(sockets::write_seq + 1))
        .execute(conn)?;
    Ok(())
}

/// Mark every socket of a pile as changed (its name, which labels its sockets, changed).
pub fn touch_pile(conn: &mut DbConn, pile_id: i64) -> ApiResult<()> {
    diesel::update(sockets::table.filter(sockets::pile_id.eq(pile_id)))
        .set(sockets::write_seq.eq(sockets::write_seq + 1))
        .execute(conn)?;
    Ok(())
}

/// The grid stamp of a compound: `(sockets, SUM(write_seq))` over its sockets (read from the
/// `(compound_id, write_seq)` index) and the membership version. Two cached statements.
pub fn grid_stamp(conn: &mut DbConn, compound_id: i64) -> ApiResult<(i64, i64, i64)> {
    let seqs: Vec<i64> = sockets::table
        .filter(sockets::compound_id.eq(compound_id))
        .select(sockets::write_seq)
        .load(conn)?;
    let members = crate::me::model::membership_version(conn)?;
    let count = i64::try_from(seqs.len()).unwrap_or(i64::MAX);
    Ok((
        count,
        seqs.iter().fold(0i64, |a, s| a.wrapping_add(*s)),
        members,
    ))
}
