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
