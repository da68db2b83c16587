//! Directory search: the database picks the services (substring match on Chinese text,
//! category with its sub-categories, community); the cached snapshot adds places, phones and
//! hours, and the distance and "open now" filters, which need local time and geometry.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::cache::{self, SearchKey};
use super::dto::{ServiceFilter, ServiceSummary};
use super::{model, stamp, view};
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::{Page, PageParams};
use crate::state::AppState;

/// One page of matching services, and the directory version it was worked out at (the
/// rendered page is kept under it).
pub async fn search(
    state: &AppState,
    filter: ServiceFilter,
    now: DateTime<Utc>,
) -> ApiResult<(Page<ServiceSummary>, i64)> {
    let page = PageParams {
        page: filter.page,
        per_page: filter.per_page,
    }
    .validate()?;
    let q = filter
        .q
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    if q.as_deref().is_some_and(|t| t.chars().count() > 64) {
        return Err(ApiError::validation("q", "must be at most 64 characters"));
    }
    if let Some(r) = filter.radius_m {
        if filter.near_compound_id.is_none() {
            return Err(ApiError::validation(
                "radius_m",
                "needs near_compound_id (distance from where?)",
            ));
        }
        if !(1..=20_000).contains(&r) {
            return Err(ApiError::validation("radius_m", "must be 1 to 20000"));
        }
    }
    let key = SearchKey {
        q,
        category: filter.category_id,
        community: filter.community_id,
    };
    let near = filter.near_compound_id;
    // The database answers each distinct question once per directory version; distance,
    // "open now" and pages are worked out here from the snapshot.
    let hit = match state.directory.current() {
        Some((v, Some(snapshot))) => state
            .directory
            .search_ids(&key)
            .map(|ids| (snapshot, ids, v)),
        _ => None,
    };
    crate::ops::metrics::cache("search", hit.is_some());
    let (snapshot, ids, version) = match hit {
        Some(hit) => hit,
        None => {
            let (shared, k) = (state.directory.clone(), key.clone());
            let (version, snapshot, fresh, ids) = state
                .db(move |conn| {
                    // The stamp first: what is read after it is filed under it, never newer.
                    let version = stamp::current(conn)?;
                    let (snapshot, fresh) = cache::snapshot_in(conn, &shared, version)?;
                    let categories = match k.category {
                        Some(c) if snapshot.categories.contains_key(&c) => {
                            Some(snapshot.with_descendants(c))
                        }
                        Some(_) => {
                            return Err(ApiError::validation("category_id", "no such category"))
                        }
                        None => None,
                    };
                    let ids = model::services::matching_service_ids(
                        conn,
                        k.q.as_deref(),
                        categories.as_deref(),
                        k.community,
                    )?;
                    Ok((version, snapshot, fresh, Arc::new(ids)))
                })
                .await?;
            state.directory.observe(version);
            if fresh {
                state.directory.put_snapshot(version, snapshot.clone());
            }
            state.directory.put_search(version, key, ids.clone());
            (snapshot, ids, version)
        }
    };
    let origin = match near {
        Some(id) => Some(
            *snapshot
                .compounds
                .get(&id)
                .ok_or_else(|| ApiError::validation("near_compound_id", "no such compound"))?,
        ),
        None => None,
    };
    let mut items: Vec<ServiceSummary> = ids
        .iter()
        .filter_map(|id| snapshot.services.get(id))
        .filter_map(|s| view::summary(s, &snapshot, origin, now))
        .filter(|s| filter.open_now != Some(true) || s.open_now)
        .filter(|s| match (filter.radius_m, s.distance_m) {
            (Some(r), Some(d)) => d <= r,
            _ => true,
        })
        .collect();
    if origin.is_some() {
        items.sort_by_key(|s| (s.distance_m, s.id));
    }
    let total = items.len() as i64;
    let items = items
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.per_page as usize)
        .collect();
    Ok((Page::new(items, page, total), version))
}
