//! Reports for a firm: its bookings, and utilisation per pile and day (JSON or CSV).

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Asia::Shanghai;
use diesel::prelude::*;

use super::dto::{PartnerBookingView, UtilisationRow};
use crate::charging::dto::BookingStatus;
use crate::db::schema::{bookings as b, partner_compounds as pcmp, piles, sockets};
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::http::pagination::PageRequest;

/// UTC instant of local midnight starting `date`.
pub fn local_day_start(date: NaiveDate) -> NaiveDateTime {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    Shanghai
        .from_local_datetime(&midnight)
        .single()
        .map(|d| d.naive_utc())
        .unwrap_or(midnight - Duration::hours(8))
}

fn local_date(t: NaiveDateTime) -> NaiveDate {
    Shanghai.from_utc_datetime(&t).date_naive()
}

/// Filters after validation.
pub struct BookingQuery {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub compound_id: Option<i64>,
    pub socket_id: Option<i64>,
    pub status: Option<BookingStatus>,
}

type Row = (
    i64,
    i64,
    i64,
    i64,
    NaiveDateTime,
    NaiveDateTime,
    BookingStatus,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    NaiveDateTime,
);

/// The firm's bookings, newest start first.
pub fn bookings(
    conn: &mut DbConn,
    partner_id: i64,
    f: &BookingQuery,
    page: PageRequest,
) -> ApiResult<(Vec<PartnerBookingView>, i64)> {
    let owned: Vec<i64> = pcmp::table
        .filter(pcmp::partner_id.eq(partner_id))
        .select(pcmp::compound_id)
        .load(conn)?;
    let query = || {
        let mut q = b::table
            .inner_join(sockets::table)
            .filter(b::compound_id.eq_any(owned.clone()))
            .into_boxed();
        if let Some(t) = f.from {
            q = q.filter(b::starts_at.ge(t));
        }
        if let Some(t) = f.to {
            q = q.filter(b::starts_at.lt(t));
        }
        if let Some(c) = f.compound_id {
            q = q.filter(b::compound_id.eq(c));
        }
        if let Some(s) = f.socket_id {
            q = q.filter(b::socket_id.eq(s));
        }
        if let Some(s) = f.status {
            q = q.filter(b::status.eq(s.as_str()));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<Row> = query()
        .order((b::starts_at.desc(), b::id.desc()))
        .limit(page.per_page)
        .offset(page.offset())
        .select((
            b::id,
            b::compound_id,
            sockets::pile_id,
            b::socket_id,
            b::starts_at,
            b::ends_at,
            b::status,
            b::checked_in_at,
            b::finished_at,
            b::cancelled_at,
            b::created_at,
        ))
        .load(conn)?;
    Ok((rows.into_iter().map(view).collect(), total))
}

fn view(r: Row) -> PartnerBookingView {
    PartnerBookingView {
        id: r.0,
        compound_id: r.1,
        pile_id: r.2,
        socket_id: r.3,
        starts_at: r.4.and_utc(),
        ends_at: r.5.and_utc(),
        status: r.6,
        checked_in_at: r.7.map(|t| t.and_utc()),
        finished_at: r.8.map(|t| t.and_utc()),
        cancelled_at: r.9.map(|t| t.and_utc()),
        created_at: r.10.and_utc(),
    }
}

/// One booking, if it is the firm's.
pub fn booking(conn: &mut DbConn, booking_id: i64) -> ApiResult<PartnerBookingView> {
    let r: Row = b::table
        .inner_join(sockets::table)
        .filter(b::id.eq(booking_id))
        .select((
            b::id,
            b::compound_id,
            sockets::pile_id,
            b::socket_id,
            b::starts_at,
            b::ends_at,
            b::status,
            b::checked_in_at,
            b::finished_at,
            b::cancelled_at,
            b::created_at,
        ))
        .first(conn)?;
    Ok(view(r))
}

type UsageRow = (
    i64,
    i64,
    String,
    NaiveDateTime,
    NaiveDateTime,
    BookingStatus,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

/// Utilisation per pile and local day for bookings starting in `[from, to]`.
pub fn utilisation(
    conn: &mut DbConn,
    partner_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Vec<UtilisationRow>> {
    let owned: Vec<i64> = pcmp::table
        .filter(pcmp::partner_id.eq(partner_id))
        .select(pcmp::compound_id)
        .load(conn)?;
    let start = local_day_start(from);
    let end = local_day_start(to + Duration::days(1));
    let rows: Vec<UsageRow> = b::table
        .inner_join(sockets::table.inner_join(piles::table))
        .filter(b::compound_id.eq_any(&owned))
        .filter(b::starts_at.ge(start).and(b::starts_at.lt(end)))
        .select((
            b::compound_id,
            piles::id,
            piles::name,
            b::starts_at,
            b::ends_at,
            b::status,
            b::checked_in_at,
            b::finished_at,
        ))
        .load(conn)?;
    let mut out: BTreeMap<(NaiveDate, i64), UtilisationRow> = BTreeMap::new();
    for (compound_id, pile_id, pile_name, starts, ends, status, checked_in, finished) in rows {
        let date = local_date(starts);
        let row = out
            .entry((date, pile_id))
            .or_insert_with(|| UtilisationRow {
                date,
                compound_id,
                pile_id,
                pile_name: pile_name.clone(),
                booked_hours: 0.0,
                used_hours: 0.0,
                no_shows: 0,
                cancellations: 0,
            });
        let hours = |a: NaiveDateTime, b: NaiveDateTime| (b - a).num_minutes().max(0) as f64 / 60.0;
        match status {
            BookingStatus::Cancelled => row.cancellations += 1,
            BookingStatus::NoShow => {
                row.no_shows += 1;
                row.booked_hours += hours(starts, ends);
            }
            BookingStatus::Confirmed => row.booked_hours += hours(starts, ends),
            BookingStatus::CheckedIn | BookingStatus::Completed => {
                row.booked_hours += hours(starts, ends);
                if let Some(c) = checked_in {
                    row.used_hours += hours(c.max(starts), finished.unwrap_or(ends).min(ends));
                }
            }
        }
    }
    Ok(out
        .into_values()
        .map(|mut r| {
            r.booked_hours = (r.booked_hours * 100.0).round() / 100.0;
            r.used_hours = (r.used_hours * 100.0).round() / 100.0;
            r
        })
        .collect())
}

/// The report as CSV (UTF-8, header row, RFC 4180 quoting).
pub fn utilisation_csv(rows: &[UtilisationRow]) -> crate::error::ApiResult<Vec<u8>> {
    let mut out = crate::csv_export::CsvExport::new(
        [
            "date",
            "compound_id",
            "pile_id",
            "pile_name",
            "booked_hours",
            "used_hours",
            "no_shows",
            "cancellations",
        ],
        false,
    )?;
    for r in rows {
        out.row([
            r.date.to_string(),
            r.compound_id.to_string(),
            r.pile_id.to_string(),
            r.pile_name.clone(),
            format!("{:.2}", r.booked_hours),
            format!("{:.2}", r.used_hours),
            r.no_shows.to_string(),
            r.cancellations.to_string(),
        ])?;
    }
    out.finish()
}
