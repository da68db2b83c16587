//! HTTP-level hardening: security headers, slow and oversized requests, refusals in the JSON
//! shape, query parameters, tokens (refresh retries, expiry), free text, public URLs. Each
//! test is named after the protection it proves (the README's security section lists them).

use serde_json::json;

use crate::on_both;
use crate::support::*;

mod head_and_body;
mod headers;
mod text;
mod tokens;
