//! Webhooks to property firms: the outbox, signing, the URL policy, the delivery worker with
//! its retries, and the subscriptions partners manage.
//!
//! Events are written to the domain-event outbox (`crate::events`) in the transaction of the
//! change that caused them; [`fanout`] turns each into one delivery per subscription of the
//! compound's firm to its type; the worker ([`worker`]) sends due deliveries, signed
//! ([`signing`]), to URLs the policy allows ([`url_policy`], [`ip_ranges`]), checked when the
//! subscription is made and again, on the resolved address, at every attempt, and retries on
//! failure for about a day.

pub mod fanout;
pub mod ip_ranges;
pub mod signing;
pub mod subscriptions;
pub mod url_policy;
pub mod worker;

// What other areas, the tests and the proptests use.
pub use signing::{new_secret, sign, verify};
pub use subscriptions::{create_subscription, EVENT_TYPES};
pub use worker::spawn_worker;
