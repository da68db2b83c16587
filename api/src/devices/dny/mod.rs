//! The DNY (AP3000) pile protocol: framing ([`frame`]), the incremental decoder
//! ([`decoder`]), the messages Linli uses ([`messages`]) and what their codes mean
//! ([`codes`]). No crate speaks DNY; this one follows the vendor's document v8.6 and the
//! tolerances in `CHARGING-MONEY-HOUSEHOLDS.md` §1.

pub mod codes;
pub mod decoder;
pub mod frame;
pub mod messages;

pub use decoder::{Decoder, Item};
pub use frame::{Frame, MAX_FRAME};

/// Message ids for commands: a fresh one for every command, never 0 (a reply to a device's
/// own message echoes the device's id instead).
#[derive(Debug)]
pub struct MessageIds(std::sync::atomic::AtomicU16);

impl Default for MessageIds {
    fn default() -> Self {
        MessageIds(std::sync::atomic::AtomicU16::new(
            rand::random::<u16>().max(1),
        ))
    }
}

impl MessageIds {
    pub fn next(&self) -> u16 {
        loop {
            let id = self
                .0
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                .wrapping_add(1);
            if id != 0 {
                return id;
            }
        }
    }
}
