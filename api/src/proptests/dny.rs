//! The DNY pile codec: every valid frame round-trips; a stream of frames, ICCIDs and
//! keep-alives cut at any points decodes to the same items; garbage, wrong checksums and
//! oversized lengths never panic and never keep the decoder out of step for good.

use proptest::prelude::*;

use crate::devices::dny::frame::MAX_DATA;
use crate::devices::dny::{Decoder, Frame, Item};

fn frame() -> impl Strategy<Value = Frame> {
    (
        any::<u32>(),
        any::<u16>(),
        any::<u8>(),
        proptest::collection::vec(any::<u8>(), 0..=MAX_DATA),
    )
        .prop_map(|(p, m, c, d)| Frame::new(p, m, c, d))
}

/// What a pile's modem sends: frames, now and then the keep-alive or the ICCID (20 digits
/// here: a 19-digit one is told apart only by the byte after it, see the decoder's tests).
fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        8 => frame().prop_map(Item::Frame),
        1 => Just(Item::Link),
        1 => "89[0-9]{18}".prop_map(Item::Iccid),
    ]
}

fn bytes_of(item: &Item) -> Vec<u8> {
    match item {
        Item::Frame(f) => f.encode().expect("within the cap"),
        Item::Link => b"link".to_vec(),
        Item::Iccid(s) => s.as_bytes().to_vec(),
        Item::Skipped(_) => Vec::new(),
    }
}

/// Feed `bytes` in pieces ending at `cuts` (positions, any order, any number).
fn decode_in_pieces(bytes: &[u8], cuts: &[usize]) -> Vec<Item> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.push(bytes.len());
    points.sort_unstable();
    let mut d = Decoder::new();
    let mut out = Vec::new();
    let mut from = 0;
    for p in points {
        d.feed(&bytes[from..p]);
        from = p;
        out.extend(std::iter::from_fn(|| d.next()));
    }
    out
}

fn frames(items: &[Item]) -> Vec<Frame> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Frame(f) => Some(f.clone()),
            _ => None,
        })
        .collect()
}

proptest! {
    #![proptest_config(super::config(256))]

    /// Encoding then decoding gives the frame back, whole and alone.
    #[test]
    fn every_valid_frame_round_trips(f in frame()) {
        let bytes = f.encode().expect("within the cap");
        prop_assert!(bytes.len() <= crate::devices::dny::MAX_FRAME);
        let mut d = Decoder::new();
        d.feed(&bytes);
        prop_assert_eq!(d.next(), Some(Item::Frame(f)));
        prop_assert_eq!(d.next(), None);
        prop_assert_eq!(d.buffered(), 0);
    }

    /// However the stream is split into reads, the same items come out, in order, and
    /// nothing is skipped.
    #[test]
    fn a_stream_cut_anywhere_decodes_the_same(
        items in proptest::collection::vec(item(), 1..12),
        cuts in proptest::collection::vec(any::<usize>(), 0..20),
    ) {
        let bytes: Vec<u8> = items.iter().flat_map(bytes_of).collect();
        let decoded = decode_in_pieces(&bytes, &cuts);
        prop_assert_eq!(decoded, items);
    }

    /// Any bytes at all: no panic, and the buffer never grows without bound.
    #[test]
    fn garbage_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..2000),
        cuts in proptest::collection::vec(any::<usize>(), 0..20),
    ) {
        let _ = decode_in_pieces(&bytes, &cuts);
        let mut d = Decoder::new();
        for chunk in bytes.chunks(7) {
            d.feed(chunk);
            while d.next().is_some() {}
            prop_assert!(d.buffered() <= 4 * crate::devices::dny::MAX_FRAME + 7);
        }
    }

    /// Garbage, a frame with a wrong checksum, or a start claiming an oversized or long
    /// length, followed by valid frames: the valid frames all come out, cut anywhere.
    #[test]
    fn the_decoder_resynchronises_after_bad_input(
        garbage in proptest::collection::vec(any::<u8>(), 0..300),
        bad in frame(),
        flip in any::<u16>(),
        claimed in any::<u16>(),
        good in proptest::collection::vec(frame(), 1..6),
        cuts in proptest::collection::vec(any::<usize>(), 0..20),
    ) {
        let mut bytes = garbage;
        let mut wrong = bad.encode().expect("within the cap");
        let at = wrong.len() - 1 - usize::from(flip % 2);
        wrong[at] = wrong[at].wrapping_add(1 + (flip >> 8) as u8 % 255);
        bytes.extend(wrong);
        let stray = bytes.len();
        bytes.extend(b"DNY");
        bytes.extend(claimed.to_le_bytes());
        let expected: Vec<Frame> = good.clone();
        for f in &good {
            bytes.extend(f.encode().expect("within the cap"));
        }
        // A stray start whose claimed bytes happen to sum right is a frame (one in 65,536):
        // not the case this property is about.
        let mut alone = Decoder::new();
        alone.feed(&bytes[stray..]);
        prop_assume!(!matches!(alone.next(), Some(Item::Frame(_))));
        let decoded = frames(&decode_in_pieces(&bytes, &cuts));
        prop_assert!(
            decoded.ends_with(&expected),
            "decoded {} frames, the last {} expected", decoded.len(), expected.len()
        );
    }
}
