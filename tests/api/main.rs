//! The integration suite: one binary, a module per area (a folder where the area has
//! sub-areas). Every test starts the real server on a real port over its own database (MySQL,
//! and SQLite too where marked `on_both!`); see `support`.

mod support;

mod auth;
mod cards;
mod charging;
mod devices;
mod directory;
mod errors;
mod faults;
mod galera;
mod hardening;
mod households;
mod idempotency;
mod limits;
mod mobile;
mod notifications;
mod operations;
mod outbound;
mod partners;
mod places;
mod platform;
mod prices;
mod printing;
mod privacy;
mod security;
mod trust;
mod volunteering;
mod wechat_messages;
