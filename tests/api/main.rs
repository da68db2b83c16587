//! The integration suite: one binary, a module per area. Every test starts the real server on
//! a real port over its own database (MySQL, and SQLite where marked `on_both!`).

mod support;

mod auth;
mod errors;
mod idempotency;
mod notifications;
mod places;
// charging (issue 3)
mod charging;
// partners (issue 6)
mod partners;
// cards and directory (issue 4)
mod cards;
mod directory;
// volunteering (issue 5)
mod platform;
mod security;
mod volunteering;
// mobile clients (issue 7)
mod mobile;
// proof under load (issue 8)
mod faults;
