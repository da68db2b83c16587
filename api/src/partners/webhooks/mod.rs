//! Webhooks to property firms: the outbox, signing, the URL policy, the delivery worker with
//! its retries, and the subscriptions partners manage.
//!
//! An event is written to the outbox ([`outbox`]) in the transaction of the change that
//! caused it, with one delivery per subscription to its type; the worker ([`worker`]) sends
//! due deliveries, signed ([`signing`]), to URLs the policy allowed when the subscription was
//! made ([`url_policy`]), and retries on failure for about a day.

pub mod outbox;
pub mod signing;
pub mod subscriptions;
pub mod url_policy;
pub mod worker;

// What other areas, the tests and the proptests use.
pub use outbox::emit;
pub use signing::{new_secret, sign, verify};
pub use subscriptions::{create_subscription, EVENT_TYPES};
pub use worker::spawn_worker;
