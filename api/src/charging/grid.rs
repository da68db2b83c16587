//! The availability grid, the hottest read: rendered once per change and served from memory.
//!
//! Every change a grid shows (a booking, a freed cell, maintenance, a held offer, a socket's
//! state, the compound's settings, a pile's name) bumps `sockets.write_seq` of the sockets
//! concerned in the transaction that makes it ([`super::model::touch_sockets`]), and joining
//! or leaving a household bumps the membership version. The stamp of a compound,
//! `(COUNT(*), SUM(write_seq), membership)`, therefore moves with every committed change, for
//! every process at once.
//!
//! Each request needs the stamp as of some moment after it arrived. Concurrent requests for
//! one compound share stamp reads: a request joins the next read that has not started yet
//! (never one already running, which might predate a write the client has seen complete), so
//! under load one read answers many requests, and it is still never stale ([`Flights`]). The
//! rendered answer is served when the stamp and the cells open at this moment are those it
//! was rendered for; otherwise the grid is read again (stamp first, then cells, so a grid is
//! never filed under a newer stamp than its data).
//!
//! The cached answer shows every booked cell as `x`, with its gzip form ready. A viewer in a
//! household holding cells gets a copy with those bytes turned into `m` (their offsets in the
//! JSON are kept per user), and its own ETag.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use sha2::{Digest, Sha256};

use super::model::{self, GridData};
use super::rules::{cell, Settings};
use crate::error::{ApiError, ApiResult};
use crate::http::cached::{self, Rendered};
use crate::state::AppState;

/// Rendered grids kept per process before the map is emptied (compounds × date ranges).
const MAX_ENTRIES: usize = 4096;
const CACHE_CONTROL: &str = "private, no-cache";
const VARY: &str = "authorization, accept-encoding";

/// Which grid: a compound, the first local day, how many days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct GridKey {
    pub compound_id: i64,
    pub from: NaiveDate,
    pub days: i64,
}

/// `(sockets in the compound, SUM(write_seq), membership version)`.
type Stamp = (i64, i64, i64);

/// One rendered grid and what it holds for.
#[derive(Debug)]
struct GridEntry {
    stamp: Stamp,
    start: NaiveDateTime,
    settings: Settings,
    cells: usize,
    /// The cells open when it was rendered (see [`model::open_cells`]).
    open: (usize, usize),
    rendered: Rendered,
    /// User → byte offsets in the body of the cells their household's bookings hold.
    mine: HashMap<i64, Arc<Vec<usize>>>,
}

impl GridEntry {
    /// Render a grid read under `stamp` at `now`; `members` are `(user, household)` of the
    /// households holding cells.
    fn build(
        stamp: Stamp,
        data: GridData,
        members: &[(i64, i64)],
        now: NaiveDateTime,
    ) -> ApiResult<GridEntry> {
        let cells = data.view.slots;
        let rendered = Rendered::json(&data.view, 0, i64::MAX)?;
        // Where each socket's cell string starts: the n-th `"cells":"` in the body. Labels
        // are JSON strings, where a quote is always escaped, so the pattern cannot occur
        // inside one; cell strings are ASCII, so offsets count bytes and characters alike.
        let body = &rendered.body;
        let pattern = br#""cells":""#;
        let mut starts = Vec::with_capacity(data.view.sockets.len());
        let mut at = 0;
        while let Some(i) = find(&body[at..], pattern) {
            starts.push(at + i + pattern.len());
            at += i + pattern.len();
        }
        if starts.len() != data.view.sockets.len() {
            return Err(ApiError::internal("grid rendering: cell strings not found"));
        }
        let mut by_household: HashMap<i64, Vec<usize>> = HashMap::new();
        for &(row, pos, household) in &data.households {
            let offset = starts[row] + pos;
            if body.get(offset) == Some(&cell::BOOKED) {
                by_household.entry(household).or_default().push(offset);
            }
        }
        let by_household: HashMap<i64, Arc<Vec<usize>>> = by_household
            .into_iter()
            .map(|(h, offsets)| (h, Arc::new(offsets)))
            .collect();
        let mine = members
            .iter()
            .filter_map(|(user, h)| by_household.get(h).map(|o| (*user, o.clone())))
            .collect();
        Ok(GridEntry {
            stamp,
            open: model::open_cells(data.start, &data.settings, cells, now),
            start: data.start,
            settings: data.settings,
            cells,
            rendered,
            mine,
        })
    }

    /// Whether this answer is the one to give for `stamp` at `now`.
    fn holds(&self, stamp: Stamp, now: NaiveDateTime) -> bool {
        self.stamp == stamp
            && model::open_cells(self.start, &self.settings, self.cells, now) == self.open
    }

    /// 200 (or 304 for a matching `If-None-Match`) for `viewer` (a user id).
    fn respond(&self, req: &HttpRequest, viewer: Option<i64>) -> HttpResponse {
        let Some(offsets) = viewer.and_then(|u| self.mine.get(&u)) else {
            return cached::respond_with(req, &self.rendered, CACHE_CONTROL, VARY);
        };
        let mut digest = Sha256::new();
        for o in offsets.iter() {
            digest.update(o.to_le_bytes());
        }
        let etag = format!(
            "{}-m{}\"",
            self.rendered.etag.trim_end_matches('"'),
            hex::encode(&digest.finalize()[..6])
        );
        let fresh = cached::etag_matches(req, &[&etag]);
        let mut res = if fresh {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        res.insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
            .insert_header((header::VARY, VARY));
        if fresh {
            return res.finish();
        }
        let mut body = self.rendered.body.to_vec();
        for &o in offsets.iter() {
            body[o] = cell::MINE;
        }
        res.content_type("application/json").body(body)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The process's rendered grids.
#[derive(Default)]
pub(super) struct GridCache {
    entries: RwLock<HashMap<GridKey, Arc<GridEntry>>>,
}

impl GridCache {
    fn get(&self, key: &GridKey) -> Option<Arc<GridEntry>> {
        self.entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    fn put(&self, key: GridKey, entry: Arc<GridEntry>) {
        let mut map = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES && !map.contains_key(&key) {
            map.clear();
        }
        map.insert(key, entry);
    }
}

type Waiter = tokio::sync::oneshot::Sender<Result<Stamp, String>>;

/// Stamp reads in flight, per compound. A compound with an entry has a reader running; its
/// list holds the requests waiting for the reader's next read.
#[derive(Default)]
pub(super) struct Flights {
    waiting: Mutex<HashMap<i64, Vec<Waiter>>>,
}

impl Flights {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Vec<Waiter>>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The stamp of a compound as of a read that started after this call.
async fn stamp(state: &AppState, compound_id: i64) -> ApiResult<Stamp> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let lead = {
        let mut waiting = state.charging.flights.lock();
        match waiting.get_mut(&compound_id) {
            Some(list) => {
                list.push(tx);
                false
            }
            None => {
                waiting.insert(compound_id, vec![tx]);
                true
            }
        }
    };
    if lead {
        let state = state.clone();
        actix_web::rt::spawn(async move { read_for_waiters(state, compound_id).await });
    }
    match rx.await {
        Ok(Ok(stamp)) => Ok(stamp),
        Ok(Err(e)) => Err(ApiError::unavailable(e)),
        Err(_) => Err(ApiError::unavailable("stamp reader stopped")),
    }
}

/// The reader of one compound: takes everyone waiting, reads, answers them; again until
/// nobody waits.
async fn read_for_waiters(state: AppState, compound_id: i64) {
    loop {
        let batch = {
            let mut waiting = state.charging.flights.lock();
            let list = waiting.get_mut(&compound_id).map(std::mem::take);
            match list {
                Some(list) if !list.is_empty() => list,
                _ => {
                    waiting.remove(&compound_id);
                    return;
                }
            }
        };
        let read = state
            .db(move |conn| model::grid_stamp(conn, compound_id))
            .await
            .map_err(|e| e.to_string());
        for w in batch {
            let _ = w.send(read.clone());
        }
    }
}

/// The grid answer for `key` seen by `viewer` (a user id) at `now`; `None` when the compound
/// does not exist.
pub(super) async fn answer(
    state: &AppState,
    req: &HttpRequest,
    key: GridKey,
    viewer: Option<i64>,
    now: NaiveDateTime,
) -> ApiResult<Option<HttpResponse>> {
    let stamp = stamp(state, key.compound_id).await?;
    let cached = state
        .charging
        .grids
        .get(&key)
        .filter(|e| e.holds(stamp, now));
    crate::ops::metrics::cache("availability_grid", cached.is_some());
    if let Some(e) = cached {
        return Ok(Some(e.respond(req, viewer)));
    }
    let Some(entry) = state
        .db(move |conn| {
            // Read the stamp again on this connection, before the cells: the grid is filed
            // under a stamp no newer than its data.
            let stamp = model::grid_stamp(conn, key.compound_id)?;
            let Some(data) = model::availability(conn, key.compound_id, key.from, key.days, now)?
            else {
                return Ok(None);
            };
            let mut households: Vec<i64> = data.households.iter().map(|h| h.2).collect();
            households.sort_unstable();
            households.dedup();
            let members = model::members_of(conn, &households)?;
            Ok(Some(Arc::new(GridEntry::build(
                stamp, data, &members, now,
            )?)))
        })
        .await?
    else {
        return Ok(None);
    };
    state.charging.grids.put(key, entry.clone());
    Ok(Some(entry.respond(req, viewer)))
}
