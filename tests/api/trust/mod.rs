//! Trust (issue 20, the rest): roles and partner scopes checked against the database, booking
//! only in the household's compounds, the card lookup's one path, staff told of a locked card,
//! and the clean-up of code attempts. Each test is named after the protection it proves (the
//! README's security section lists them).

use crate::on_both;
use crate::support::*;

mod attempts_cleanup;
mod compounds;
mod lock_notice;
mod lookup;
mod roles;

/// Card `n`'s check code (demo data).
fn code(n: usize) -> String {
    linli::places::seed::demo_check_codes(n)
        .pop()
        .expect("code")
}

/// A check code of the right shape that is not card `n`'s.
fn wrong_code(n: usize) -> String {
    let right = code(n);
    ["222222", "333333"]
        .into_iter()
        .find(|c| *c != right)
        .unwrap()
        .to_owned()
}

fn bind_body(number: &str, check: &str) -> serde_json::Value {
    serde_json::json!({"card_number": number, "check_code": check})
}
