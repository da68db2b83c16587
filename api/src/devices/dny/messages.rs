//! The messages Linli uses, parsed from and built into frame data. Fields were appended to
//! the protocol over the years, so a parser reads what the frame's length holds: optional
//! trailing fields are read when present, unknown trailing bytes are kept out of the way,
//! and a frame is never refused only for being longer than its table.

/// Device → server.
pub const REGISTER: u8 = 0x20;
pub const HEARTBEAT: u8 = 0x21;
pub const SERVER_TIME: u8 = 0x22;
pub const SETTLEMENT: u8 = 0x03;
pub const POWER: u8 = 0x06;
/// Alarm push (power cut, water, smoke, heat…); no reply.
pub const ALARM: u8 = 0x42;
/// Server → device (the device replies with the same command).
pub const START_STOP: u8 = 0x82;
pub const QUERY: u8 = 0x81;

/// The 16-byte order number the server chooses for a start (the pile echoes it in its
/// power reports and settlement).
pub type OrderNo = [u8; 16];

/// Why a message could not be parsed: the frame is shorter than the fields it must carry.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("command {command:#04x}: {len} data bytes, at least {need} needed")]
pub struct Short {
    pub command: u8,
    pub len: usize,
    pub need: usize,
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(command: u8, data: &'a [u8], need: usize) -> Result<Self, Short> {
        if data.len() < need {
            return Err(Short {
                command,
                len: data.len(),
                need,
            });
        }
        Ok(Reader { data, at: 0 })
    }
    fn has(&self, n: usize) -> bool {
        self.at + n <= self.data.len()
    }
    fn u8(&mut self) -> u8 {
        let v = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        v
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let end = (self.at + n).min(self.data.len());
        let s = &self.data[self.at.min(end)..end];
        self.at += n;
        s
    }
    fn order(&mut self) -> OrderNo {
        let mut o = [0u8; 16];
        o.copy_from_slice(self.bytes(16));
        o
    }
}

/// 0x20: sent at power-up until answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Register {
    pub firmware: u16,
    pub port_count: u8,
    pub virtual_id: u8,
    pub device_type: u8,
    pub work_mode: u8,
}

impl Register {
    pub fn parse(data: &[u8]) -> Result<Self, Short> {
        let mut r = Reader::new(REGISTER, data, 3)?;
        let firmware = r.u16();
        let port_count = r.u8();
        let virtual_id = if r.has(1) { r.u8() } else { 0 };
        let device_type = if r.has(1) { r.u8() } else { 0 };
        let work_mode = if r.has(1) { r.u8() } else { 0 };
        Ok(Register {
            firmware,
            port_count,
            virtual_id,
            device_type,
            work_mode,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut d = self.firmware.to_le_bytes().to_vec();
        d.extend([
            self.port_count,
            self.virtual_id,
            self.device_type,
            self.work_mode,
            0,
            0,
        ]);
        d
    }
}

/// 0x21: every few minutes; one status byte per port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heartbeat {
    /// 0.1 V.
    pub voltage: u16,
    pub ports: Vec<u8>,
    pub signal: u8,
    pub temperature: u8,
}

impl Heartbeat {
    pub fn parse(data: &[u8]) -> Result<Self, Short> {
        let mut r = Reader::new(HEARTBEAT, data, 3)?;
        let voltage = r.u16();
        let count = usize::from(r.u8());
        if !r.has(count) {
            return Err(Short {
                command: HEARTBEAT,
                len: data.len(),
                need: 3 + count,
            });
        }
        let ports = r.bytes(count).to_vec();
        let signal = if r.has(1) { r.u8() } else { 0 };
        let temperature = if r.has(1) { r.u8() } else { 0 };
        Ok(Heartbeat {
            voltage,
            ports,
            signal,
            temperature,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut d = self.voltage.to_le_bytes().to_vec();
        d.push(u8::try_from(self.ports.len()).unwrap_or(u8::MAX));
        d.extend(&self.ports);
        d.extend([self.signal, self.temperature]);
        d
    }
}

/// 0x06: every 5 minutes while a port charges; never resent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PowerReport {
    /// 0-based.
    pub port: u8,
    pub status: u8,
    /// Seconds since the start.
    pub elapsed_s: u16,
    /// 0.01 kWh.
    pub energy: u16,
    pub start_kind: u8,
    /// 0.1 W.
    pub power: u16,
    pub max_power: u16,
    pub min_power: u16,
    pub avg_power: u16,
    pub order: OrderNo,
    /// 0.1 W; absent on older firmware.
    pub peak_power: Option<u16>,
}

impl PowerReport {
    pub fn parse(data: &[u8]) -> Result<Self, Short> {
        let mut r = Reader::new(POWER, data, 31)?;
        let (port, status, elapsed_s, energy, start_kind) =
            (r.u8(), r.u8(), r.u16(), r.u16(), r.u8());
        let (power, max_power, min_power, avg_power) = (r.u16(), r.u16(), r.u16(), r.u16());
        let order = r.order();
        let _period_energy = if r.has(2) { r.u16() } else { 0 };
        let peak_power = if r.has(2) { Some(r.u16()) } else { None };
        Ok(PowerReport {
            port,
            status,
            elapsed_s,
            energy,
            start_kind,
            power,
            max_power,
            min_power,
            avg_power,
            order,
            peak_power,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut d = vec![self.port, self.status];
        d.extend(self.elapsed_s.to_le_bytes());
        d.extend(self.energy.to_le_bytes());
        d.push(self.start_kind);
        for p in [self.power, self.max_power, self.min_power, self.avg_power] {
            d.extend(p.to_le_bytes());
        }
        d.extend(self.order);
        if let Some(peak) = self.peak_power {
            d.extend(0u16.to_le_bytes());
            d.extend(peak.to_le_bytes());
        }
        d
    }
}

/// 0x03: the end of a charge; resent until acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    pub duration_s: u16,
    /// 0.1 W.
    pub max_power: u16,
    /// 0.01 kWh.
    pub energy: u16,
    /// 0-based.
    pub port: u8,
    pub start_kind: u8,
    pub card: u32,
    pub stop_reason: u8,
    pub order: OrderNo,
    /// 0.1 W: the highest power in the first 5 minutes; absent on older firmware.
    pub early_max_power: Option<u16>,
}

impl Settlement {
    pub fn parse(data: &[u8]) -> Result<Self, Short> {
        let mut r = Reader::new(SETTLEMENT, data, 29)?;
        let (duration_s, max_power, energy) = (r.u16(), r.u16(), r.u16());
        let (port, start_kind, card, stop_reason) = (r.u8(), r.u8(), r.u32(), r.u8());
        let order = r.order();
        let early_max_power = if r.has(2) { Some(r.u16()) } else { None };
        Ok(Settlement {
            duration_s,
            max_power,
            energy,
            port,
            start_kind,
            card,
            stop_reason,
            order,
            early_max_power,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut d = Vec::with_capacity(31);
        for v in [self.duration_s, self.max_power, self.energy] {
            d.extend(v.to_le_bytes());
        }
        d.extend([self.port, self.start_kind]);
        d.extend(self.card.to_le_bytes());
        d.push(self.stop_reason);
        d.extend(self.order);
        if let Some(p) = self.early_max_power {
            d.extend(p.to_le_bytes());
        }
        d
    }
}

/// 0x82 from the server: start (`start = true`) or stop a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartStop {
    pub port: u8,
    pub start: bool,
    /// Seconds to charge (0: until full).
    pub duration_s: u16,
    pub order: OrderNo,
    /// Per-order overload power (0: the device's setting).
    pub overload_power: u16,
}

impl StartStop {
    pub fn encode(&self) -> Vec<u8> {
        // Rate mode 0 (time), balance 0 (voice only).
        let mut d = vec![0];
        d.extend(0u32.to_le_bytes());
        d.extend([self.port, u8::from(self.start)]);
        d.extend(self.duration_s.to_le_bytes());
        d.extend(self.order);
        // Per-order max duration (0: the device's), overload power, QR light on.
        d.extend(0u16.to_le_bytes());
        d.extend(self.overload_power.to_le_bytes());
        d.push(0);
        d
    }

    pub fn parse(data: &[u8]) -> Result<Self, Short> {
        let mut r = Reader::new(START_STOP, data, 25)?;
        let _rate = r.u8();
        let _balance = r.u32();
        let (port, start, duration_s) = (r.u8(), r.u8() == 1, r.u16());
        let order = r.order();
        let _max_duration = if r.has(2) { r.u16() } else { 0 };
        let overload_power = if r.has(2) { r.u16() } else { 0 };
        Ok(StartStop {
            port,
            start,
            duration_s,
            order,
            overload_power,
        })
    }
}

/// The device's reply to 0x82.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartStopReply {
    /// 0 done; see [`super::codes::start_failure`] for the rest.
    pub code: u8,
    pub order: Option<OrderNo>,
    pub port: Option<u8>,
}

impl StartStopReply {
    pub fn parse(data: &[u8]) -> Result<Self, Short> {
        let mut r = Reader::new(START_STOP, data, 1)?;
        let code = r.u8();
        let order = if r.has(16) { Some(r.order()) } else { None };
        let port = if r.has(1) { Some(r.u8()) } else { None };
        Ok(StartStopReply { code, order, port })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut d = vec![self.code];
        if let Some(o) = self.order {
            d.extend(o);
            d.push(self.port.unwrap_or(0));
            d.extend(0u16.to_le_bytes());
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::dny::frame::{candidate, Candidate};

    fn data_of(hex_frame: &str) -> Vec<u8> {
        let bytes = hex::decode(hex_frame.replace(' ', "")).unwrap();
        match candidate(&bytes) {
            Candidate::Valid(f, _) => f.data,
            other => panic!("not a frame: {other:?}"),
        }
    }

    #[test]
    fn the_documents_examples_parse() {
        let hb = Heartbeat::parse(&data_of(
            "44 4E 59 10 00 3B 37 AB 04 01 00 21 98 08 02 00 00 09 05 EE 02",
        ))
        .unwrap();
        assert_eq!((hb.voltage, hb.ports.clone()), (2200, vec![0, 0]));
        let reg = Register::parse(&data_of(
            "44 4E 59 13 00 3B 37 AB 04 B9 00 20 7E 00 02 14 21 00 00 00 E4 00 91 04",
        ))
        .unwrap();
        assert_eq!((reg.firmware, reg.port_count), (126, 2));
        let s = Settlement::parse(&data_of("44 4E 59 28 00 3B 37 AB 04 01 00 03 10 0E E8 03 30 00 01 01 00 00 00 00 01 20 19 09 01 18 00 00 13 00 30 38 01 02 03 04 05 E8 03 44 05")).unwrap();
        assert_eq!(
            (s.duration_s, s.energy, s.port, s.stop_reason),
            (3600, 48, 1, 1)
        );
        assert_eq!(s.early_max_power, Some(1000));
        let p = PowerReport::parse(&data_of("44 4E 59 32 00 3B 37 AB 04 0A 00 06 01 01 10 0E 30 00 01 E8 03 B0 04 20 03 E8 03 20 19 09 01 18 00 00 13 00 30 38 01 02 03 04 05 01 00 E8 03 98 08 C7 01 55 00 DA 08")).unwrap();
        assert_eq!((p.port, p.status, p.energy, p.power), (1, 1, 48, 1000));
        let reply = StartStopReply::parse(&data_of("44 4E 59 1D 00 3B 37 AB 04 02 00 82 00 12 34 56 78 12 34 56 78 12 34 56 78 12 34 56 78 01 00 00 FE 06")).unwrap();
        assert_eq!((reply.code, reply.port), (0, Some(1)));
        let cmd = StartStop::parse(&data_of("44 4E 59 26 00 3B 37 AB 04 02 00 82 00 64 01 00 00 01 01 00 00 12 34 56 78 12 34 56 78 12 34 56 78 12 34 56 78 80 70 88 13 F8 08")).unwrap();
        assert_eq!((cmd.port, cmd.start), (1, true));
    }

    #[test]
    fn a_short_frame_is_an_error_not_a_panic() {
        assert!(Settlement::parse(&[1, 2, 3]).is_err());
        assert!(PowerReport::parse(&[]).is_err());
        assert!(Heartbeat::parse(&[0, 0, 16, 1]).is_err());
        assert!(StartStopReply::parse(&[]).is_err());
    }
}
