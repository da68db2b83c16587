//! What tests that book a socket share: the booking body, grid-aligned times (on the test
//! clock for a [`TestApp`], on the wall clock for server processes) and a sweeper pass.

use serde_json::{json, Value};

use super::TestApp;

/// The body of `POST /api/v1/bookings`.
pub fn booking(socket: i64, starts: &str, ends: &str) -> Value {
    json!({"socket_id": socket, "starts_at": starts, "ends_at": ends})
}

/// A grid-aligned time `minutes` after the current half-hour's start on the wall clock, as
/// RFC 3339 (server processes run on real time).
pub fn slot(minutes: i64) -> String {
    let now = chrono::Utc::now().naive_utc();
    let start = linli::charging::rules::slot_floor(now, chrono::Duration::minutes(30));
    (start + chrono::Duration::minutes(minutes))
        .and_utc()
        .to_rfc3339()
}

impl TestApp {
    /// One pass of the charging sweeper at the test clock's time.
    pub fn sweep(&self) -> usize {
        linli::charging::model::sweep(&mut self.db.conn(), self.clock.now_naive()).expect("sweep")
    }

    /// A grid-aligned time `minutes` after the current slot's start on the test clock, as
    /// RFC 3339.
    pub fn slot_time(&self, minutes: i64) -> String {
        let now = self.clock.now_naive();
        let start = linli::charging::rules::slot_floor(now, chrono::Duration::minutes(30));
        (start + chrono::Duration::minutes(minutes))
            .and_utc()
            .to_rfc3339()
    }
}

impl TestApp {
    /// The first demo card (its n, for [`TestApp::resident`]) whose household lives in
    /// `compound_id`: a household books only in its own compound and in the open ones of its
    /// community.
    pub fn card_in_compound(&self, compound_id: i64) -> usize {
        use diesel::prelude::*;
        use linli::db::schema::{buildings, cards, households};
        let number: String = cards::table
            .inner_join(households::table.inner_join(buildings::table))
            .filter(buildings::compound_id.eq(compound_id))
            .order(cards::id)
            .select(cards::card_number)
            .first(&mut self.db.conn())
            .expect("a card in the compound");
        (1..=100_000)
            .find(|&n| linli::places::seed::card_number(n) == number)
            .expect("a demo card")
    }
}
