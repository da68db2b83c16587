//! One DNY frame: `"DNY"` · length u16 · physical id u32 · message id u16 · command u8 ·
//! data · checksum u16, all little-endian. The length counts everything after itself
//! (physical id, message id, command, data and checksum); the checksum is the low 16 bits of
//! the byte sum of everything before it.

/// The three bytes every frame starts with.
pub const MAGIC: [u8; 3] = *b"DNY";
/// Bytes before the length's count starts: the magic and the length itself.
pub const HEAD: usize = 5;
/// The smallest length field: physical id, message id, command and checksum, no data.
pub const MIN_LENGTH: usize = 4 + 2 + 1 + 2;
/// The largest whole frame we accept or send. The document caps a frame at 256 bytes without
/// saying whether the head counts; we count the whole frame, which every example and every
/// message Linli uses fits.
pub const MAX_FRAME: usize = 256;
/// The most data one frame can carry under [`MAX_FRAME`].
pub const MAX_DATA: usize = MAX_FRAME - HEAD - MIN_LENGTH;

/// A decoded (or to-be-encoded) frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The device the frame is from or for (little-endian on the wire).
    pub physical_id: u32,
    /// Chosen by the sender; a reply echoes it, a resend reuses it.
    pub message_id: u16,
    pub command: u8,
    pub data: Vec<u8>,
}

/// Why a frame could not be encoded.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("frame data of {0} bytes is over the {MAX_DATA}-byte limit")]
pub struct TooLong(pub usize);

/// The low 16 bits of the byte sum.
pub fn checksum(bytes: &[u8]) -> u16 {
    bytes
        .iter()
        .fold(0u16, |sum, b| sum.wrapping_add(u16::from(*b)))
}

impl Frame {
    pub fn new(physical_id: u32, message_id: u16, command: u8, data: Vec<u8>) -> Self {
        Frame {
            physical_id,
            message_id,
            command,
            data,
        }
    }

    /// The frame's bytes on the wire.
    pub fn encode(&self) -> Result<Vec<u8>, TooLong> {
        if self.data.len() > MAX_DATA {
            return Err(TooLong(self.data.len()));
        }
        let length = MIN_LENGTH + self.data.len();
        let mut out = Vec::with_capacity(HEAD + length);
        out.extend_from_slice(&MAGIC);
        // `length` is at most 251 (checked above).
        out.extend_from_slice(&(length as u16).to_le_bytes());
        out.extend_from_slice(&self.physical_id.to_le_bytes());
        out.extend_from_slice(&self.message_id.to_le_bytes());
        out.push(self.command);
        out.extend_from_slice(&self.data);
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        Ok(out)
    }

    /// A reply to this frame: same device, same message id, same command.
    pub fn reply(&self, data: Vec<u8>) -> Frame {
        Frame::new(self.physical_id, self.message_id, self.command, data)
    }
}

/// What a complete candidate frame at the start of `bytes` is.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Candidate {
    /// More bytes are needed to tell.
    Incomplete,
    /// Not a frame here (bad length or checksum).
    Invalid,
    /// A frame of this many bytes.
    Valid(Frame, usize),
}

/// Look at `bytes`, which start with [`MAGIC`] (or a prefix of it when shorter).
pub(super) fn candidate(bytes: &[u8]) -> Candidate {
    if bytes.len() < HEAD {
        return Candidate::Incomplete;
    }
    let length = usize::from(u16::from_le_bytes([bytes[3], bytes[4]]));
    if length < MIN_LENGTH || HEAD + length > MAX_FRAME {
        return Candidate::Invalid;
    }
    let total = HEAD + length;
    if bytes.len() < total {
        return Candidate::Incomplete;
    }
    let body = &bytes[..total - 2];
    let sum = u16::from_le_bytes([bytes[total - 2], bytes[total - 1]]);
    if checksum(body) != sum {
        return Candidate::Invalid;
    }
    let frame = Frame {
        physical_id: u32::from_le_bytes([bytes[5], bytes[6], bytes[7], bytes[8]]),
        message_id: u16::from_le_bytes([bytes[9], bytes[10]]),
        command: bytes[11],
        data: bytes[12..total - 2].to_vec(),
    };
    Candidate::Valid(frame, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    #[test]
    fn the_documents_heartbeat_example_decodes_and_encodes_back() {
        let bytes = hex("44 4E 59 10 00 3B 37 AB 04 01 00 21 98 08 02 00 00 09 05 EE 02");
        let Candidate::Valid(frame, n) = candidate(&bytes) else {
            panic!("not a frame")
        };
        assert_eq!(n, bytes.len());
        assert_eq!(frame.physical_id, 0x04AB_373B);
        assert_eq!(frame.message_id, 1);
        assert_eq!(frame.command, 0x21);
        assert_eq!(frame.data, hex("98 08 02 00 00 09 05"));
        assert_eq!(frame.encode().unwrap(), bytes);
    }

    #[test]
    fn the_documents_replies_encode_as_printed() {
        let reply = Frame::new(0x04AB_373B, 1, 0x21, vec![0]);
        assert_eq!(
            reply.encode().unwrap(),
            hex("44 4E 59 0A 00 3B 37 AB 04 01 00 21 00 38 02")
        );
        let settle_ack = Frame::new(0x04AB_373B, 1, 0x03, vec![0]);
        assert_eq!(
            settle_ack.encode().unwrap(),
            hex("44 4E 59 0A 00 3B 37 AB 04 01 00 03 00 1A 02")
        );
    }

    #[test]
    fn data_over_the_cap_is_refused() {
        let f = Frame::new(1, 1, 1, vec![0; MAX_DATA + 1]);
        assert_eq!(f.encode(), Err(TooLong(MAX_DATA + 1)));
        assert_eq!(
            Frame::new(1, 1, 1, vec![0; MAX_DATA])
                .encode()
                .unwrap()
                .len(),
            MAX_FRAME
        );
    }
}
