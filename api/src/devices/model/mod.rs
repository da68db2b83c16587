//! Devices in the database. Every change a gateway or an API process makes is a conditional
//! statement the database arbitrates, so any number of both work side by side:
//!
//! - [`devices`]: the whitelist (a physical id is known only when staff bound it to a pile),
//!   when each was last heard from, the sockets' live states, the offline sweep, the lease
//!   that says which gateway holds a device;
//! - [`registry`]: the whitelist as staff read it (online, last seen, firmware, faults);
//! - [`frames`]: raw frames of settlements and faults, kept 90 days for audit;
//! - [`commands`]: the outbox API processes write and the lease holder claims;
//! - [`sessions`]: a charging session from the resident's request to the pile's settlement,
//!   which only moves forward.

pub mod commands;
pub mod devices;
pub mod frames;
pub mod registry;
pub mod sessions;

/// An order number as stored: its 16 bytes in lower-case hex.
pub fn order_hex(order: &[u8; 16]) -> String {
    hex::encode(order)
}

/// The 16 bytes of a stored order number (all zero when it is not 32 hex digits).
pub fn order_bytes(hex_text: &str) -> [u8; 16] {
    let mut out = [0u8; 16];
    if let Ok(v) = hex::decode(hex_text) {
        if v.len() == 16 {
            out.copy_from_slice(&v);
        }
    }
    out
}
