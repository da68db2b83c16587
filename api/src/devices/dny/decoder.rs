//! The incremental decoder: fed whatever the socket read (frames split and merged at any
//! byte), it yields frames, the SIM's ICCID sent once on connect, the `link` keep-alive, and
//! a note of every run of bytes it skipped. It never panics and never stays out of step: a
//! bad length or checksum skips one byte and looks for the next start, and a start that
//! claims more bytes than have come is given up as soon as a complete valid frame is found
//! after it, so a stray `"DNY"` cannot hold back the frames behind it.

use super::frame::{candidate, Candidate, Frame, MAGIC, MAX_FRAME};

/// The keep-alive a pile's modem sends after 30 s without traffic.
pub const LINK: &[u8] = b"link";
/// An ICCID: 19 or 20 digits starting `89` (only digits, so the `D` of a frame right after
/// it is never taken for part of it).
pub const ICCID_MIN: usize = 19;
pub const ICCID_MAX: usize = 20;

/// One thing the decoder found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Frame(Frame),
    /// The SIM's ICCID (sent once per connection, outside the framing).
    Iccid(String),
    /// The modem's keep-alive.
    Link,
    /// This many bytes were not part of anything (logged and counted, never fatal).
    Skipped(usize),
}

/// The decoder's state: the bytes not yet decoded.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
}

/// Most bytes kept waiting: a full frame and change. More means garbage is being streamed.
const MAX_BUFFERED: usize = 4 * MAX_FRAME;

fn is_iccid_char(b: u8) -> bool {
    b.is_ascii_digit()
}

/// What sits at the start of `bytes`.
enum Head {
    Item(Item, usize),
    Incomplete,
    Nothing,
}

fn head(bytes: &[u8]) -> Head {
    let n = bytes.len();
    if bytes[..n.min(3)] == MAGIC[..n.min(3)] {
        return match candidate(bytes) {
            Candidate::Valid(frame, used) => Head::Item(Item::Frame(frame), used),
            Candidate::Invalid => Head::Nothing,
            Candidate::Incomplete => Head::Incomplete,
        };
    }
    if bytes[..n.min(4)] == LINK[..n.min(4)] {
        return if n >= 4 {
            Head::Item(Item::Link, 4)
        } else {
            Head::Incomplete
        };
    }
    if bytes[..n.min(2)] == b"89"[..n.min(2)] {
        let run = bytes.iter().take_while(|b| is_iccid_char(**b)).count();
        if run >= ICCID_MAX || (run >= ICCID_MIN && run < n) {
            let len = run.min(ICCID_MAX);
            let text = String::from_utf8_lossy(&bytes[..len]).into_owned();
            return Head::Item(Item::Iccid(text), len);
        }
        if run == n {
            return Head::Incomplete;
        }
    }
    Head::Nothing
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add bytes read from the connection.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes waiting for the rest of a frame.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next item, or `None` when more bytes are needed.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Item> {
        if self.buf.is_empty() {
            return None;
        }
        match head(&self.buf) {
            Head::Item(item, used) => {
                self.buf.drain(..used);
                Some(item)
            }
            Head::Incomplete => {
                // A start that is still waiting: give it up when a complete valid frame
                // follows inside what it claims, or when far too much is buffered.
                match self.next_valid_start(1) {
                    Some(at) => self.skip(at),
                    None if self.buf.len() > MAX_BUFFERED => self.skip(1),
                    None => None,
                }
            }
            Head::Nothing => {
                let at = self.next_start(1);
                self.skip(at)
            }
        }
    }

    fn skip(&mut self, n: usize) -> Option<Item> {
        let n = n.min(self.buf.len());
        self.buf.drain(..n);
        Some(Item::Skipped(n))
    }

    /// The first offset from `from` where something could start (the whole buffer when
    /// nothing can).
    fn next_start(&self, from: usize) -> usize {
        (from..self.buf.len())
            .find(|&i| matches!(self.buf[i], b'D' | b'l' | b'8'))
            .unwrap_or(self.buf.len())
    }

    /// The first offset from `from` where a complete, valid frame sits.
    fn next_valid_start(&self, from: usize) -> Option<usize> {
        let mut i = from;
        while i + 3 <= self.buf.len() {
            if self.buf[i..i + 3] == MAGIC
                && matches!(candidate(&self.buf[i..]), Candidate::Valid(..))
            {
                return Some(i);
            }
            i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(d: &mut Decoder) -> Vec<Item> {
        std::iter::from_fn(|| d.next()).collect()
    }

    fn frame(id: u16) -> Frame {
        Frame::new(0x0500_0001, id, 0x21, vec![1, 2, 3])
    }

    #[test]
    fn iccid_link_and_frames_in_one_read() {
        let mut d = Decoder::new();
        let mut bytes = b"89860412345678901234".to_vec();
        bytes.extend(frame(1).encode().unwrap());
        bytes.extend_from_slice(b"link");
        bytes.extend(frame(2).encode().unwrap());
        d.feed(&bytes);
        assert_eq!(
            drain(&mut d),
            vec![
                Item::Iccid("89860412345678901234".into()),
                Item::Frame(frame(1)),
                Item::Link,
                Item::Frame(frame(2)),
            ]
        );
    }

    #[test]
    fn a_19_digit_iccid_ends_at_the_next_byte_that_is_no_digit() {
        let mut d = Decoder::new();
        d.feed(b"8986041234567890123");
        assert_eq!(d.next(), None, "it may still become a 20-digit one");
        d.feed(&frame(3).encode().unwrap());
        assert_eq!(
            drain(&mut d),
            vec![
                Item::Iccid("8986041234567890123".into()),
                Item::Frame(frame(3))
            ]
        );
    }

    #[test]
    fn a_stray_start_claiming_a_long_frame_does_not_hold_back_what_follows() {
        let mut d = Decoder::new();
        let mut bytes = vec![b'D', b'N', b'Y', 200, 0, 9, 9];
        bytes.extend(frame(7).encode().unwrap());
        d.feed(&bytes);
        let items = drain(&mut d);
        assert_eq!(items.last(), Some(&Item::Frame(frame(7))));
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn a_wrong_checksum_is_skipped_and_the_next_frame_read() {
        let mut bad = frame(1).encode().unwrap();
        let last = bad.len() - 1;
        bad[last] ^= 0xFF;
        bad.extend(frame(2).encode().unwrap());
        let mut d = Decoder::new();
        d.feed(&bad);
        let items = drain(&mut d);
        assert!(!items.contains(&Item::Frame(frame(1))));
        assert_eq!(items.last(), Some(&Item::Frame(frame(2))));
    }
}
