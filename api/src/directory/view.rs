//! Turning cached services into what a card or a search result shows.

use chrono::{DateTime, Utc};

use super::dto::{CategoryRef, HoursView, ServiceSummary};
use super::model::categories::category_ref;
use super::model::snapshot::{Place, ServiceEntry, Snapshot};
use super::rules;

/// The place nearest to `origin` (the first when there is none) and its distance.
pub fn nearest_place(
    s: &ServiceEntry,
    origin: Option<(f64, f64)>,
) -> Option<(&Place, Option<f64>)> {
    match origin {
        None => s.places.first().map(|p| (p, None)),
        Some((lat, lon)) => s
            .places
            .iter()
            .map(|p| (p, rules::distance_m(lat, lon, p.latitude, p.longitude)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(p, d)| (p, Some(d))),
    }
}

/// A service as a list item, seen from `origin` at `now`. `None` for a service without a
/// location (it cannot be shown on a map or by distance).
pub fn summary(
    s: &ServiceEntry,
    snap: &Snapshot,
    origin: Option<(f64, f64)>,
    now: DateTime<Utc>,
) -> Option<ServiceSummary> {
    let (place, distance) = nearest_place(s, origin)?;
    let (date, _) = rules::local_date_minute(now);
    let (hours, exception) = rules::hours_on(date, &s.weekly, &s.exceptions);
    let category = snap
        .categories
        .get(&s.category_id)
        .map(category_ref)
        .unwrap_or(CategoryRef {
            id: s.category_id,
            code: String::new(),
            name: String::new(),
        });
    Some(ServiceSummary {
        id: s.id,
        name: s.name.clone(),
        category,
        organization: s.organization_name.clone(),
        address: place.address.clone(),
        latitude: place.latitude,
        longitude: place.longitude,
        distance_m: distance.map(|d| d.round() as i64),
        phone: s.phones.first().map(|p| p.0.clone()),
        open_now: rules::is_open(now, &s.weekly, &s.exceptions),
        hours_today: hours
            .iter()
            .map(|(o, c)| HoursView {
                opens_at: rules::fmt_hhmm(*o),
                closes_at: rules::fmt_hhmm(*c),
            })
            .collect(),
        today_note: exception.map(|e| e.note.clone()).filter(|n| !n.is_empty()),
        last_confirmed_at: s.last_confirmed_at.and_utc(),
    })
}
