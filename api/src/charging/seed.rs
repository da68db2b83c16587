//! Demo charging set-up: 240 piles over the 16 compounds with charging (15 each), 380
//! sockets (the 380 marked spaces of the report: 140 piles with two sockets, 100 with one),
//! each socket with a printed check-in code, and default booking settings.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::dto::{PileStatus, SocketState};
use crate::cards::rules::CHECK_ALPHABET;
use crate::db::schema::{charging_settings as cs, compounds, piles, sockets};
use crate::db::{last_insert_id, DbConn};
use crate::error::ApiResult;

const PILES_PER_COMPOUND: usize = 15;

fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2022, 6, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default()
}

/// A deterministic printed code for the n-th socket (8 characters, unambiguous alphabet).
pub fn socket_code(n: u64) -> String {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5DEE_CE66_D1CE_4E5B;
    (0..8)
        .map(|_| {
            x ^= x >> 29;
            x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x ^= x >> 32;
            CHECK_ALPHABET[(x % CHECK_ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

/// Load piles and sockets into the charging compounds, unless piles exist; returns (piles,
/// sockets) loaded. `scale` multiplies the piles per compound (1 for the demo; benchmarks use
/// more).
pub fn seed(conn: &mut DbConn, scale: usize) -> ApiResult<Option<(usize, usize)>> {
    let existing: i64 = piles::table.count().get_result(conn)?;
    if existing > 0 {
        return Ok(None);
    }
    let at = epoch();
    let charging: Vec<(i64, String)> = compounds::table
        .filter(compounds::has_charging.eq(true))
        .order(compounds::id)
        .select((compounds::id, compounds::code))
        .load(conn)?;
    // The demo's charging compounds are open to their whole community, so its residents book
    // anywhere in the community as the demo always showed; compounds made otherwise start
    // closed (only their own households book), and staff open or close them through the API.
    diesel::update(compounds::table.filter(compounds::has_charging.eq(true)))
        .set(compounds::open_to_community.eq(true))
        .execute(conn)?;
    let (mut pile_count, mut socket_count, mut seq) = (0usize, 0usize, 0u64);
    for (ci, (compound_id, code)) in charging.iter().enumerate() {
        diesel::insert_into(cs::table)
            .values((
                cs::compound_id.eq(compound_id),
                cs::slot_minutes.eq(30),
                cs::days_ahead.eq(7),
                cs::min_notice_minutes.eq(0),
                cs::max_booking_minutes.eq(240),
                cs::grace_minutes.eq(15),
                cs::max_active_per_household.eq(1),
                cs::updated_at.eq(at),
            ))
            .execute(conn)?;
        for p in 1..=PILES_PER_COMPOUND * scale.max(1) {
            diesel::insert_into(piles::table)
                .values((
                    piles::compound_id.eq(compound_id),
                    piles::code.eq(format!("{code}-P{p:02}")),
                    piles::name.eq(format!("{p}号桩")),
                    piles::location.eq(format!("{}号车棚", (p - 1) / 5 + 1)),
                    piles::status.eq(PileStatus::Active),
                    piles::created_at.eq(at),
                    piles::updated_at.eq(at),
                ))
                .execute(conn)?;
            let pile_id = last_insert_id(conn)?;
            pile_count += 1;
            // 140 of the 240 piles have two sockets: in each run of 15 piles the first eight,
            // and the ninth in three compounds of every four.
            let q = (p - 1) % PILES_PER_COMPOUND + 1;
            let two = q <= 8 || (q == 9 && ci % 4 != 0);
            for number in 1..=(if two { 2 } else { 1 }) {
                seq += 1;
                diesel::insert_into(sockets::table)
                    .values((
                        sockets::pile_id.eq(pile_id),
                        sockets::compound_id.eq(compound_id),
                        sockets::number.eq(number),
                        sockets::code.eq(socket_code(seq)),
                        sockets::state.eq(SocketState::Available),
                        sockets::state_changed_at.eq(at),
                        sockets::write_seq.eq(0i64),
                        sockets::created_at.eq(at),
                    ))
                    .execute(conn)?;
                socket_count += 1;
            }
        }
    }
    Ok(Some((pile_count, socket_count)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_distinct() {
        let codes: std::collections::HashSet<String> = (1..=400).map(super::socket_code).collect();
        assert_eq!(codes.len(), 400);
    }
}
