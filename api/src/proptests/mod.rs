//! Property tests (proptest) of the parsers and formats of our own: card numbers and check
//! codes, time ranges and the slot grid, opening hours, the iCalendar writer, webhook
//! signatures. Each property can fail: round trips, invariants, agreement with a plain model,
//! and no panic on arbitrary input. Case counts are bounded so all of them run in seconds as
//! part of `cargo test`; `PROPTEST_CASES=10000 cargo test --lib proptests` digs deeper.

mod cards;
mod charging;
mod dny;
mod hours;
mod ical;
mod prices;
mod webhooks;

use proptest::test_runner::Config;

/// Cases per property: `PROPTEST_CASES` when set, else `default`. Failures are reported with
/// the shrunk input; nothing is written into the source tree.
fn config(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}
