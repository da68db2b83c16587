//! `linli simulate-piles`: a few demo piles speaking DNY to a gateway over TCP, so a newcomer
//! sees sockets change state and a session settle without a real pile. Each pile has its own
//! connection (reconnected when it drops): it sends its SIM's ICCID, registers, heartbeats
//! with one status byte per port, answers a start (0x82) with reply 0, reports power (0x06)
//! every few seconds while charging, and when the charge ends (full after a short simulated
//! charge, the command's time, or a stop from the server) sends its settlement (0x03) and
//! resends it, with the same message id, until the gateway acknowledges it. The charge runs on
//! a simulated clock (`speed` simulated seconds per real second), so the energy grows visibly.
//!
//! Frames come from the codec in [`super::dny`]; nothing here builds bytes by hand. Logs name
//! piles by their label and ports by number: there is no personal data on a pile.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;

use super::dny::messages::{
    Heartbeat, PowerReport, Register, Settlement, StartStop, StartStopReply, HEARTBEAT, POWER,
    REGISTER, SETTLEMENT, START_STOP,
};
use super::dny::{Decoder, Frame, Item};
use super::dto::PhysicalId;

/// How the simulated piles behave.
#[derive(Clone, Debug)]
pub struct SimSettings {
    /// The gateway's address (`host:port`).
    pub gateway: String,
    /// Real time between heartbeats.
    pub heartbeat_every: Duration,
    /// Real time between power reports of a charging port.
    pub report_every: Duration,
    /// Simulated seconds per real second while charging.
    pub speed: u32,
    /// Simulated length of a charge until the battery is full.
    pub charge_for: Duration,
    /// Real time before an unacknowledged settlement is sent again (the protocol: 30 min).
    pub settle_resend: Duration,
}

/// One simulated pile.
#[derive(Clone, Debug)]
pub struct SimPile {
    pub physical_id: u32,
    pub ports: u8,
    /// Ports (0-based) with a charger plugged in at the start.
    pub plugged: Vec<u8>,
}

/// The port status bytes of a heartbeat.
const IDLE: u8 = 0;
const CHARGING: u8 = 1;
const PLUGGED: u8 = 2;

/// Stop reasons of a settlement.
const REASON_FULL: u8 = 1;
const REASON_PRESET_TIME: u8 = 3;
const REASON_SERVER: u8 = 7;

/// A charge in progress on one port, on the simulated clock.
#[derive(Debug)]
struct Charge {
    order: [u8; 16],
    /// Simulated seconds charged so far.
    elapsed_s: f64,
    energy_wh: f64,
    power_w: f64,
    max_w: f64,
    min_w: f64,
    /// Highest power in the first 5 simulated minutes.
    early_max_w: f64,
    /// The power this charger settles around.
    nominal_w: f64,
    /// Simulated seconds until it stops by itself, and the reason it will give.
    target_s: f64,
    reason_at_target: u8,
    last_step: Instant,
}

impl Charge {
    fn new(cmd: &StartStop, settings: &SimSettings) -> Charge {
        let full = settings.charge_for.as_secs_f64();
        let (target_s, reason_at_target) =
            if cmd.duration_s != 0 && f64::from(cmd.duration_s) < full {
                (f64::from(cmd.duration_s), REASON_PRESET_TIME)
            } else {
                (full, REASON_FULL)
            };
        let nominal_w = 200.0 + 200.0 * rand::random::<f64>();
        Charge {
            order: cmd.order,
            elapsed_s: 0.0,
            energy_wh: 0.0,
            power_w: nominal_w,
            max_w: nominal_w,
            min_w: nominal_w,
            early_max_w: nominal_w,
            nominal_w,
            target_s,
            reason_at_target,
            last_step: Instant::now(),
        }
    }

    /// Advance the simulated clock to now: a few watts of jitter, and the power tapering off
    /// in the last fifth as a battery fills. Returns whether the charge reached its target.
    fn step(&mut self, speed: u32) -> bool {
        let now = Instant::now();
        let dt = now.duration_since(self.last_step).as_secs_f64() * f64::from(speed);
        self.last_step = now;
        let left = (self.target_s - self.elapsed_s).max(0.0);
        let dt = dt.min(left);
        let progress = self.elapsed_s / self.target_s.max(1.0);
        let taper = if progress > 0.8 {
            1.0 - (progress - 0.8) * 2.0
        } else {
            1.0
        };
        let jitter = (rand::random::<f64>() - 0.5) * 30.0;
        self.power_w = (self.nominal_w * taper + jitter).clamp(20.0, 3000.0);
        self.energy_wh += self.power_w * dt / 3600.0;
        self.elapsed_s += dt;
        self.max_w = self.max_w.max(self.power_w);
        self.min_w = self.min_w.min(self.power_w);
        if self.elapsed_s <= 300.0 {
            self.early_max_w = self.early_max_w.max(self.power_w);
        }
        self.elapsed_s >= self.target_s
    }

    fn elapsed(&self) -> u16 {
        clamp_u16(self.elapsed_s)
    }

    /// 0.01 kWh.
    fn energy(&self) -> u16 {
        clamp_u16(self.energy_wh / 10.0)
    }

    fn report(&self, port: u8) -> PowerReport {
        let avg = if self.elapsed_s > 0.0 {
            self.energy_wh * 3600.0 / self.elapsed_s
        } else {
            self.power_w
        };
        PowerReport {
            port,
            status: CHARGING,
            elapsed_s: self.elapsed(),
            energy: self.energy(),
            start_kind: 1,
            power: deci(self.power_w),
            max_power: deci(self.max_w),
            min_power: deci(self.min_w),
            avg_power: deci(avg),
            order: self.order,
            peak_power: Some(deci(self.early_max_w)),
        }
    }

    fn settlement(&self, port: u8, stop_reason: u8) -> Settlement {
        Settlement {
            duration_s: self.elapsed(),
            max_power: deci(self.max_w),
            energy: self.energy(),
            port,
            start_kind: 1,
            card: 0,
            stop_reason,
            order: self.order,
            early_max_power: Some(deci(self.early_max_w)),
        }
    }
}

fn clamp_u16(v: f64) -> u16 {
    // Saturating: the value is clamped into u16's range first.
    v.clamp(0.0, f64::from(u16::MAX)) as u16
}

/// Watts → 0.1 W.
fn deci(w: f64) -> u16 {
    clamp_u16(w * 10.0)
}

/// A settlement waiting for its acknowledgement (kept across reconnections, as a pile keeps
/// it in EEPROM).
#[derive(Debug)]
struct Pending {
    frame: Frame,
    sent: Option<Instant>,
}

/// Everything a pile remembers, whether or not it is connected.
#[derive(Debug)]
struct PileState {
    pile: SimPile,
    label: String,
    status: Vec<u8>,
    charges: Vec<Option<Charge>>,
    pending: Vec<Pending>,
    next_id: u16,
}

impl PileState {
    /// The settlements to send now, marked sent: those never sent and, with `resend_after`,
    /// those still unacknowledged that long after they were last sent.
    fn take_due(&mut self, resend_after: Option<Duration>) -> Vec<Frame> {
        self.pending
            .iter_mut()
            .filter(|p| match (p.sent, resend_after) {
                (None, _) => true,
                (Some(sent), Some(after)) => sent.elapsed() >= after,
                (Some(_), None) => false,
            })
            .map(|p| {
                p.sent = Some(Instant::now());
                p.frame.clone()
            })
            .collect()
    }

    fn new(pile: SimPile) -> Self {
        let n = usize::from(pile.ports);
        let mut status = vec![IDLE; n];
        for p in &pile.plugged {
            if let Some(s) = status.get_mut(usize::from(*p)) {
                *s = PLUGGED;
            }
        }
        PileState {
            label: PhysicalId(pile.physical_id).label(),
            status,
            charges: (0..n).map(|_| None).collect(),
            pending: Vec::new(),
            next_id: 1,
            pile,
        }
    }

    fn message_id(&mut self) -> u16 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        id
    }

    fn frame(&mut self, command: u8, data: Vec<u8>) -> Frame {
        let id = self.message_id();
        Frame::new(self.pile.physical_id, id, command, data)
    }

    fn heartbeat(&mut self) -> Frame {
        let data = Heartbeat {
            voltage: 2200 + rand::random::<u16>() % 60,
            ports: self.status.clone(),
            signal: 25,
            temperature: 65 + 12,
        }
        .encode();
        self.frame(HEARTBEAT, data)
    }

    /// End the charge on `port` with `reason`: its settlement is queued, the port idle (the
    /// resident unplugs and leaves).
    fn finish(&mut self, port: u8, reason: u8) {
        let Some(charge) = self
            .charges
            .get_mut(usize::from(port))
            .and_then(Option::take)
        else {
            return;
        };
        let s = charge.settlement(port, reason);
        tracing::info!(
            pile = %self.label,
            port = port + 1,
            energy_kwh = f64::from(s.energy) / 100.0,
            duration_s = s.duration_s,
            stop_reason = reason,
            "charge ended: sending the settlement until it is acknowledged"
        );
        let frame = self.frame(SETTLEMENT, s.encode());
        self.pending.push(Pending { frame, sent: None });
        if let Some(st) = self.status.get_mut(usize::from(port)) {
            *st = IDLE;
        }
    }

    /// A 0x82 command: the reply to send.
    fn command(&mut self, f: &Frame, settings: &SimSettings) -> Frame {
        let Ok(cmd) = StartStop::parse(&f.data) else {
            return f.reply(
                StartStopReply {
                    code: 0x0E,
                    order: None,
                    port: None,
                }
                .encode(),
            );
        };
        let i = usize::from(cmd.port);
        let code = if i >= self.charges.len() {
            4
        } else if cmd.start {
            match &self.charges[i] {
                Some(c) if c.order == cmd.order => 2,
                Some(_) => 2,
                None => {
                    let charge = Charge::new(&cmd, settings);
                    tracing::info!(
                        pile = %self.label,
                        port = cmd.port + 1,
                        power_w = charge.nominal_w.round(),
                        "start received: charging"
                    );
                    self.charges[i] = Some(charge);
                    self.status[i] = CHARGING;
                    0
                }
            }
        } else {
            match &self.charges[i] {
                Some(c) if c.order == cmd.order => {
                    tracing::info!(pile = %self.label, port = cmd.port + 1, "stop received");
                    self.finish(cmd.port, REASON_SERVER);
                    0
                }
                _ => 2,
            }
        };
        f.reply(
            StartStopReply {
                code,
                order: Some(cmd.order),
                port: Some(cmd.port),
            }
            .encode(),
        )
    }
}

/// Run the piles until `stop` turns true.
pub async fn run(piles: Vec<SimPile>, settings: SimSettings, stop: watch::Receiver<bool>) {
    let tasks: Vec<_> = piles
        .into_iter()
        .map(|p| tokio::spawn(pile(PileState::new(p), settings.clone(), stop.clone())))
        .collect();
    for t in tasks {
        let _ = t.await;
    }
}

async fn pile(mut state: PileState, settings: SimSettings, mut stop: watch::Receiver<bool>) {
    let mut backoff = Duration::from_millis(500);
    while !*stop.borrow() {
        let connect = tokio::time::timeout(
            Duration::from_secs(5),
            TcpStream::connect(&settings.gateway),
        );
        match connect.await {
            Ok(Ok(stream)) => {
                backoff = Duration::from_millis(500);
                tracing::info!(pile = %state.label, gateway = %settings.gateway, "connected");
                if let Err(e) = connection(&mut state, stream, &settings, &mut stop).await {
                    tracing::warn!(pile = %state.label, error = %e, "connection lost");
                }
            }
            Ok(Err(e)) => {
                tracing::warn!(pile = %state.label, gateway = %settings.gateway, error = %e, "cannot reach the gateway");
            }
            Err(_) => tracing::warn!(pile = %state.label, "connecting to the gateway timed out"),
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = stop.changed() => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

async fn write(stream: &mut TcpStream, frame: &Frame) -> std::io::Result<()> {
    let bytes = frame.encode().map_err(std::io::Error::other)?;
    tokio::time::timeout(Duration::from_secs(10), stream.write_all(&bytes))
        .await
        .map_err(|_| std::io::Error::other("write timed out"))?
}

async fn connection(
    state: &mut PileState,
    mut stream: TcpStream,
    settings: &SimSettings,
    stop: &mut watch::Receiver<bool>,
) -> std::io::Result<()> {
    // The modem's SIM ICCID, once, outside the framing.
    let iccid = format!("898604{:014}", state.pile.physical_id);
    tokio::time::timeout(Duration::from_secs(10), stream.write_all(iccid.as_bytes()))
        .await
        .map_err(|_| std::io::Error::other("write timed out"))??;
    let reg = Register {
        firmware: 126,
        port_count: state.pile.ports,
        virtual_id: 0,
        device_type: u8::try_from(state.pile.physical_id >> 24).unwrap_or(0),
        work_mode: 0,
    };
    let f = state.frame(REGISTER, reg.encode());
    write(&mut stream, &f).await?;
    let hb = state.heartbeat();
    write(&mut stream, &hb).await?;
    // Settlements kept from before go again 2 s after the connection comes up.
    let resend_at = Instant::now() + Duration::from_secs(2);
    for p in &mut state.pending {
        p.sent = Some(resend_at - settings.settle_resend);
    }
    let mut heartbeat = tokio::time::interval_at(
        Instant::now() + settings.heartbeat_every,
        settings.heartbeat_every,
    );
    let mut report = tokio::time::interval(settings.report_every);
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let mut decoder = Decoder::new();
    let mut buf = vec![0u8; 1024];
    loop {
        tokio::select! {
            read = stream.read(&mut buf) => {
                let n = read?;
                if n == 0 {
                    return Err(std::io::Error::other("the gateway closed the connection"));
                }
                decoder.feed(&buf[..n]);
                while let Some(item) = decoder.next() {
                    let Item::Frame(f) = item else { continue };
                    for out in incoming(state, &f, settings) {
                        write(&mut stream, &out).await?;
                    }
                }
            }
            _ = heartbeat.tick() => {
                let hb = state.heartbeat();
                write(&mut stream, &hb).await?;
            }
            _ = report.tick() => {
                for out in reports(state, settings) {
                    write(&mut stream, &out).await?;
                }
            }
            _ = tick.tick() => {
                for f in state.take_due(Some(settings.settle_resend)) {
                    tracing::info!(pile = %state.label, message_id = f.message_id, "settlement sent");
                    write(&mut stream, &f).await?;
                }
            }
            _ = stop.changed() => return Ok(()),
        }
    }
}

/// What a frame from the gateway makes the pile send.
fn incoming(state: &mut PileState, f: &Frame, settings: &SimSettings) -> Vec<Frame> {
    if f.physical_id != state.pile.physical_id {
        return Vec::new();
    }
    match f.command {
        REGISTER => {
            tracing::info!(pile = %state.label, ports = state.pile.ports, "registered");
            Vec::new()
        }
        SETTLEMENT => {
            let before = state.pending.len();
            state.pending.retain(|p| p.frame.message_id != f.message_id);
            if state.pending.len() < before {
                tracing::info!(pile = %state.label, "settlement acknowledged");
            }
            Vec::new()
        }
        START_STOP => {
            let reply = state.command(f, settings);
            // A heartbeat right after, so the socket's live state changes at once.
            let hb = state.heartbeat();
            let mut out = vec![reply, hb];
            out.extend(state.take_due(None));
            out
        }
        _ => Vec::new(),
    }
}

/// A power report for every charging port; the settlement of each charge that reached its end.
fn reports(state: &mut PileState, settings: &SimSettings) -> Vec<Frame> {
    let mut out = Vec::new();
    let mut ended = Vec::new();
    for port in 0..state.charges.len() {
        let Some(charge) = state.charges[port].as_mut() else {
            continue;
        };
        let done = charge.step(settings.speed);
        let report = charge.report(u8::try_from(port).unwrap_or(u8::MAX));
        let reason = charge.reason_at_target;
        tracing::info!(
            pile = %state.label,
            port = port + 1,
            power_w = report.power / 10,
            energy_kwh = f64::from(report.energy) / 100.0,
            elapsed_s = report.elapsed_s,
            "power report"
        );
        out.push(report);
        if done {
            ended.push((u8::try_from(port).unwrap_or(u8::MAX), reason));
        }
    }
    let mut frames: Vec<Frame> = out
        .into_iter()
        .map(|r| state.frame(POWER, r.encode()))
        .collect();
    for (port, reason) in ended {
        state.finish(port, reason);
    }
    if !frames.is_empty() && state.charges.iter().all(Option::is_none) {
        frames.push(state.heartbeat());
    }
    frames.extend(state.take_due(None));
    frames
}

/// The first `count` in-service piles of a compound, as piles to simulate: each with the
/// physical id registered for it. A pile without a device is skipped, or with `register`
/// whitelisted first (as staff would, audited as `simulator`) under a demo physical id: the
/// device type (03 single socket, 04 dual, 05 10-port, 06 16-port) and the pile's id.
pub fn compound_piles(
    conn: &mut crate::db::DbConn,
    compound_id: i64,
    count: i64,
    register: bool,
    now: chrono::NaiveDateTime,
) -> crate::error::ApiResult<Vec<SimPile>> {
    use crate::db::schema::{devices as d, piles, sockets};
    use diesel::prelude::*;
    let rows: Vec<i64> = piles::table
        .filter(piles::compound_id.eq(compound_id))
        .filter(piles::status.ne("retired"))
        .order(piles::id)
        .limit(count)
        .select(piles::id)
        .load(conn)?;
    let mut out = Vec::new();
    for pile_id in rows {
        let bound: Option<(i64, i32)> = d::table
            .filter(d::bound_pile_id.eq(pile_id))
            .select((d::physical_id, d::port_count))
            .first(conn)
            .optional()?;
        let (physical_id, ports) = match bound {
            Some(b) => b,
            None if register => {
                let n: i64 = sockets::table
                    .filter(sockets::pile_id.eq(pile_id))
                    .count()
                    .get_result(conn)?;
                let ports = i32::try_from(n.clamp(1, 16)).unwrap_or(1);
                let kind: u32 = match ports {
                    1 => 0x03,
                    2 => 0x04,
                    3..=10 => 0x05,
                    _ => 0x06,
                };
                let id = (kind << 24) | (u32::try_from(pile_id).unwrap_or(0) & 0x00FF_FFFF);
                super::model::registry::register_as(
                    conn,
                    PhysicalId(id),
                    pile_id,
                    ports,
                    "simulator",
                    now,
                )?;
                tracing::info!(pile_id, physical_id = %PhysicalId(id).label(), ports, "demo pile registered");
                (i64::from(id), ports)
            }
            None => {
                tracing::warn!(
                    pile_id,
                    "no device registered for this pile: skipped (--register whitelists one)"
                );
                continue;
            }
        };
        out.push(SimPile {
            physical_id: u32::try_from(physical_id).unwrap_or(0),
            ports: u8::try_from(ports).unwrap_or(1),
            plugged: Vec::new(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> SimSettings {
        SimSettings {
            gateway: String::new(),
            heartbeat_every: Duration::from_secs(30),
            report_every: Duration::from_secs(1),
            speed: 60,
            charge_for: Duration::from_secs(1800),
            settle_resend: Duration::from_secs(10),
        }
    }

    fn start(port: u8, duration_s: u16) -> Frame {
        let cmd = StartStop {
            port,
            start: true,
            duration_s,
            order: [7; 16],
            overload_power: 0,
        };
        Frame::new(0x0400_0001, 9, START_STOP, cmd.encode())
    }

    #[test]
    fn a_start_is_answered_with_0_and_the_port_charges() {
        let mut s = PileState::new(SimPile {
            physical_id: 0x0400_0001,
            ports: 2,
            plugged: vec![1],
        });
        let out = incoming(&mut s, &start(0, 1800), &settings());
        let reply = StartStopReply::parse(&out[0].data).unwrap();
        assert_eq!((out[0].message_id, reply.code), (9, 0));
        let hb = Heartbeat::parse(&out[1].data).unwrap();
        assert_eq!(hb.ports, vec![CHARGING, PLUGGED]);
        let again = incoming(&mut s, &start(5, 1800), &settings());
        assert_eq!(StartStopReply::parse(&again[0].data).unwrap().code, 4);
    }

    #[test]
    fn power_stays_in_range_and_energy_grows_until_the_settlement() {
        let mut s = PileState::new(SimPile {
            physical_id: 0x0400_0001,
            ports: 1,
            plugged: vec![],
        });
        incoming(&mut s, &start(0, 600), &settings());
        let mut last = 0;
        for _ in 0..20 {
            if let Some(c) = s.charges[0].as_mut() {
                c.last_step -= Duration::from_secs(1);
            }
            for f in reports(&mut s, &settings()) {
                if f.command == POWER {
                    let r = PowerReport::parse(&f.data).unwrap();
                    assert!((1000..=4500).contains(&r.power), "{}", r.power);
                    assert!(r.energy >= last);
                    last = r.energy;
                }
            }
        }
        assert_eq!(s.pending.len(), 1, "one settlement waits for its ack");
        let st = Settlement::parse(&s.pending[0].frame.data).unwrap();
        assert_eq!((st.duration_s, st.stop_reason), (600, REASON_PRESET_TIME));
        assert!(st.energy >= last && st.energy > 0);
        let ack = s.pending[0].frame.reply(vec![0]);
        incoming(&mut s, &ack, &settings());
        assert!(s.pending.is_empty());
    }
}
