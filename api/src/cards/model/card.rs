//! Cards themselves: the public queries a lookup and a household binding make (a card is
//! found only by its number *and* its check code; a wrong code and an unknown number look the
//! same to the caller), and staff issuing, listing, revoking and reprinting cards.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{ACTIVE, REVOKED};
use crate::cards::dto::CardStatus;
use crate::cards::dto::{CardAdminView, CardFilter};
use crate::cards::rules::{self, CardNumber, CheckCode};
use crate::db::paging::PageRequest;
use crate::db::schema::{cards, households};
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, ErrorCode};

/// The household of the active card with this number and check code.
pub fn household_of(
    conn: &mut DbConn,
    number: &CardNumber,
    check: &CheckCode,
) -> ApiResult<Option<i64>> {
    let row: Option<(i64, String)> = cards::table
        .filter(
            cards::card_number
                .eq(number.as_str())
                .and(cards::status.eq(ACTIVE)),
        )
        .select((cards::household_id, cards::check_code))
        .first(conn)
        .optional()?;
    // An unknown or revoked card is compared against a dummy code, so both answers take the
    // same path and time.
    let (household, stored) = match row {
        Some((household, code)) => (Some(household), code),
        None => (None, rules::DUMMY_CHECK_CODE.to_owned()),
    };
    let matches = check.matches(&stored);
    Ok(household.filter(|_| matches))
}

/// The number of the household's active card, if it has one.
pub fn active_card_number(conn: &mut DbConn, household_id: i64) -> ApiResult<Option<String>> {
    Ok(cards::table
        .filter(
            cards::household_id
                .eq(household_id)
                .and(cards::status.eq(ACTIVE)),
        )
        .select(cards::card_number)
        .first(conn)
        .optional()?)
}

/// The check code and building of the active card with this number.
pub fn active_card(conn: &mut DbConn, number: &CardNumber) -> ApiResult<Option<(String, i64)>> {
    Ok(cards::table
        .inner_join(households::table)
        .filter(
            cards::card_number
                .eq(number.as_str())
                .and(cards::status.eq(ACTIVE)),
        )
        .select((cards::check_code, households::building_id))
        .first(conn)
        .optional()?)
}

/// Every active card: (number, check code, building), at most `limit` of them.
pub fn active_cards(conn: &mut DbConn, limit: i64) -> ApiResult<Vec<(String, String, i64)>> {
    Ok(cards::table
        .inner_join(households::table)
        .filter(cards::status.eq(ACTIVE))
        .select((
            cards::card_number,
            cards::check_code,
            households::building_id,
        ))
        .limit(limit)
        .load(conn)?)
}

/// The active card with the lowest number: (number, check code). For the demo's hint only.
pub fn first_active_card(conn: &mut DbConn) -> ApiResult<Option<(String, String)>> {
    Ok(cards::table
        .filter(cards::status.eq(ACTIVE))
        .order(cards::card_number.asc())
        .select((cards::card_number, cards::check_code))
        .first(conn)
        .optional()?)
}

/// The building of a household.
pub fn building_of_household(conn: &mut DbConn, household_id: i64) -> ApiResult<Option<i64>> {
    Ok(households::table
        .find(household_id)
        .select(households::building_id)
        .first(conn)
        .optional()?)
}

type CardRow = (
    String,
    String,
    i64,
    CardStatus,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

fn card_view(r: CardRow) -> CardAdminView {
    CardAdminView {
        card_number: r.0,
        check_code: r.1,
        household_id: r.2,
        status: r.3,
        issued_at: r.4.and_utc(),
        revoked_at: r.5.map(|t| t.and_utc()),
    }
}

fn card_columns() -> (
    cards::card_number,
    cards::check_code,
    cards::household_id,
    cards::status,
    cards::issued_at,
    cards::revoked_at,
) {
    (
        cards::card_number,
        cards::check_code,
        cards::household_id,
        cards::status,
        cards::issued_at,
        cards::revoked_at,
    )
}

/// One card as staff see it.
pub fn card_admin(conn: &mut DbConn, number: &str) -> ApiResult<Option<CardAdminView>> {
    Ok(cards::table
        .filter(cards::card_number.eq(number))
        .select(card_columns())
        .first::<CardRow>(conn)
        .optional()?
        .map(card_view))
}

/// Cards by household and status, one page.
pub fn list_cards(
    conn: &mut DbConn,
    filter: &CardFilter,
    page: PageRequest,
) -> ApiResult<(Vec<CardAdminView>, i64)> {
    let query = || {
        let mut q = cards::table.into_boxed();
        if let Some(h) = filter.household_id {
            q = q.filter(cards::household_id.eq(h));
        }
        if let Some(s) = filter.status {
            q = q.filter(cards::status.eq(s));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<CardRow> = query()
        .order(cards::id)
        .limit(page.per_page)
        .offset(page.offset())
        .select(card_columns())
        .load(conn)?;
    Ok((rows.into_iter().map(card_view).collect(), total))
}

/// Issue a card with the next free number and a random check code to a household without an
/// active card (the UNIQUE active-household key decides between two staff members at once).
pub fn issue_card(conn: &mut DbConn, household_id: i64, now: NaiveDateTime) -> ApiResult<String> {
    let exists: i64 = households::table
        .filter(households::id.eq(household_id))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        return Err(ApiError::validation("household_id", "no such household"));
    }
    for _ in 0..5 {
        let highest: Option<String> = cards::table
            .filter(cards::card_number.like("JC%"))
            .order((
                diesel::dsl::sql::<diesel::sql_types::Integer>("LENGTH(card_number)").desc(),
                cards::card_number.desc(),
            ))
            .select(cards::card_number)
            .first(conn)
            .optional()?;
        let number = rules::next_card_number(highest.as_deref());
        let code = rules::new_check_code().map_err(ApiError::internal)?;
        let inserted = diesel::insert_into(cards::table)
            .values((
                cards::household_id.eq(household_id),
                cards::card_number.eq(&number),
                cards::check_code.eq(&code),
                cards::status.eq(ACTIVE),
                cards::issued_at.eq(now),
                cards::active_household_id.eq(Some(household_id)),
            ))
            .execute(conn);
        match inserted {
            Ok(_) => return Ok(number),
            Err(e) if crate::db::is_unique_violation(&e) => {
                let active: i64 = cards::table
                    .filter(cards::active_household_id.eq(household_id))
                    .count()
                    .get_result(conn)?;
                if active > 0 {
                    return Err(ApiError::new(ErrorCode::HouseholdHasActiveCard)
                        .with_details(serde_json::json!({"household_id": household_id})));
                }
                // Another issue took this number at the same moment: take the next.
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::unavailable("card numbers contended"))
}

fn card_missing_or_revoked(conn: &mut DbConn, number: &str) -> ApiResult<ApiError> {
    let exists: i64 = cards::table
        .filter(cards::card_number.eq(number))
        .count()
        .get_result(conn)?;
    Ok(if exists == 0 {
        ApiError::not_found()
    } else {
        ApiError::new(ErrorCode::CardNotActive)
    })
}

/// Revoke an active card: its QR code stops working at once.
pub fn revoke_card(conn: &mut DbConn, number: &CardNumber, now: NaiveDateTime) -> ApiResult<()> {
    let changed = diesel::update(
        cards::table.filter(
            cards::card_number
                .eq(number.as_str())
                .and(cards::status.eq(ACTIVE)),
        ),
    )
    .set((
        cards::status.eq(REVOKED),
        cards::revoked_at.eq(Some(now)),
        cards::active_household_id.eq(None::<i64>),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(card_missing_or_revoked(conn, number.as_str())?);
    }
    Ok(())
}

/// Reprint an active card: same number, new random check code; the old QR code stops working.
pub fn reissue_card(conn: &mut DbConn, number: &CardNumber, now: NaiveDateTime) -> ApiResult<()> {
    let code = rules::new_check_code().map_err(ApiError::internal)?;
    let changed = diesel::update(
        cards::table.filter(
            cards::card_number
                .eq(number.as_str())
                .and(cards::status.eq(ACTIVE)),
        ),
    )
    .set((cards::check_code.eq(&code), cards::issued_at.eq(now)))
    .execute(conn)?;
    if changed == 0 {
        return Err(card_missing_or_revoked(conn, number.as_str())?);
    }
    Ok(())
}
