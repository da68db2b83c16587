//! The gateway scenarios' piles: one tokio task and one TCP connection per pile, speaking DNY
//! through the library's codec (`linli::devices::dny`). Lean on purpose (no simulated charge:
//! the demo simulator's clock, power reports and logs would cost the shared CPU the gateway is
//! measured on); what they record is what the bench reports:
//!
//! - registered: the gateway acknowledged the pile's register (0x20), which is sent again
//!   every 5 s until it is (a storm of connections may find the gateway's pool busy);
//! - heartbeats: round trip of each heartbeat (0x21) to its acknowledgement;
//! - starts: when each start (0x82) first reached the pile, per port, and how many arrived more
//!   than once (a command must reach the pile once);
//! - settlements: once [`Shared::settle`] is set, every port that was started sends its
//!   settlement (0x03) and resends it with the same message id every 15 s until acknowledged;
//!   the time from the first send to the acknowledgement, and the acknowledgement's time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use linli::devices::dny::messages::{
    Heartbeat, Register, Settlement, StartStop, StartStopReply, HEARTBEAT, REGISTER, SETTLEMENT,
    START_STOP,
};
use linli::devices::dny::{Decoder, Frame, Item};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

/// A pile to simulate: its physical id and number of ports.
#[derive(Clone, Copy, Debug)]
pub struct BenchPile {
    pub physical_id: u32,
    pub ports: u8,
}

/// What every pile records, read by the scenarios.
#[derive(Default)]
pub struct Shared {
    pub registered: AtomicUsize,
    pub connect_failures: AtomicU64,
    /// Registers sent again because the first went unacknowledged.
    pub register_resends: AtomicU64,
    /// Heartbeat round trips (µs) and when each was acknowledged.
    pub heartbeats: Mutex<Vec<(Instant, u32)>>,
    /// When a start first reached each (physical id, port).
    pub starts: Mutex<HashMap<(u32, u8), Instant>>,
    /// Start frames that reached a port that had one already.
    pub start_repeats: AtomicU64,
    /// Settlements: (first sent, acknowledged).
    pub settled: Mutex<Vec<(Instant, Instant)>>,
    pub settlement_copies: AtomicU64,
}

const RESEND: Duration = Duration::from_secs(15);
const REGISTER_AGAIN: Duration = Duration::from_secs(5);

/// Run every pile until `stop` turns true; settlements go once `settle` turns true.
pub async fn run(
    piles: Vec<BenchPile>,
    gateway: String,
    heartbeat_every: Duration,
    shared: std::sync::Arc<Shared>,
    settle: watch::Receiver<bool>,
    stop: watch::Receiver<bool>,
) {
    let n = piles.len().max(1) as u32;
    let tasks: Vec<_> = piles
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            // Heartbeats spread over one interval, as real piles' are.
            let offset = heartbeat_every.mul_f64(f64::from(i as u32 % n) / f64::from(n));
            tokio::task::spawn_local(pile(
                p,
                gateway.clone(),
                heartbeat_every,
                offset,
                shared.clone(),
                settle.clone(),
                stop.clone(),
            ))
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
}

struct State {
    pile: BenchPile,
    next_id: u16,
    /// The order started on each port.
    orders: HashMap<u8, [u8; 16]>,
    /// Settlements waiting for their acknowledgement: message id → (frame, first sent, last sent).
    pending: HashMap<u16, (Frame, Instant, Instant)>,
    settled: bool,
    registered: bool,
    /// Heartbeats waiting for their acknowledgement: message id → sent.
    heartbeats: HashMap<u16, Instant>,
}

impl State {
    fn frame(&mut self, command: u8, data: Vec<u8>) -> Frame {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        Frame::new(self.pile.physical_id, id, command, data)
    }

    fn heartbeat(&mut self) -> Frame {
        let ports = (0..self.pile.ports)
            .map(|p| u8::from(self.orders.contains_key(&p) && !self.settled))
            .collect();
        let data = Heartbeat {
            voltage: 2200,
            ports,
            signal: 25,
            temperature: 77,
        }
        .encode();
        let f = self.frame(HEARTBEAT, data);
        self.heartbeats
            .retain(|_, sent| sent.elapsed() < Duration::from_secs(60));
        self.heartbeats.insert(f.message_id, Instant::now());
        f
    }
}

async fn pile(
    pile: BenchPile,
    gateway: String,
    heartbeat_every: Duration,
    offset: Duration,
    shared: std::sync::Arc<Shared>,
    mut settle: watch::Receiver<bool>,
    mut stop: watch::Receiver<bool>,
) {
    // 2,400 connecting at once may overflow the listen backlog: retry for a while.
    let mut stream = None;
    for attempt in 0..30u32 {
        match tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(&gateway)).await {
            Ok(Ok(s)) => {
                stream = Some(s);
                break;
            }
            _ => {
                shared.connect_failures.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt + 1))).await;
            }
        }
    }
    let Some(stream) = stream else { return };
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    let mut state = State {
        pile,
        next_id: 1,
        orders: HashMap::new(),
        pending: HashMap::new(),
        settled: false,
        registered: false,
        heartbeats: HashMap::new(),
    };
    let iccid = format!("898604{:014}", pile.physical_id);
    let reg = Register {
        firmware: 126,
        port_count: pile.ports,
        virtual_id: 0,
        device_type: u8::try_from(pile.physical_id >> 24).unwrap_or(0),
        work_mode: 0,
    };
    let mut out = iccid.into_bytes();
    out.extend(
        state
            .frame(REGISTER, reg.encode())
            .encode()
            .unwrap_or_default(),
    );
    out.extend(state.heartbeat().encode().unwrap_or_default());
    if wr.write_all(&out).await.is_err() {
        return;
    }
    // Sent again every few seconds until acknowledged, as the piles' firmware does.
    let mut register =
        tokio::time::interval_at((Instant::now() + REGISTER_AGAIN).into(), REGISTER_AGAIN);
    let mut heartbeat = tokio::time::interval_at(
        (Instant::now() + offset + heartbeat_every).into(),
        heartbeat_every,
    );
    let mut resend = tokio::time::interval(Duration::from_secs(1));
    let mut decoder = Decoder::new();
    let mut buf = vec![0u8; 1024];
    loop {
        let mut out: Vec<Frame> = Vec::new();
        tokio::select! {
            read = rd.read(&mut buf) => {
                let n = match read { Ok(0) | Err(_) => return, Ok(n) => n };
                decoder.feed(&buf[..n]);
                while let Some(item) = decoder.next() {
                    if let Item::Frame(f) = item {
                        incoming(&mut state, &f, &shared, &mut out);
                    }
                }
            }
            _ = heartbeat.tick() => out.push(state.heartbeat()),
            _ = register.tick(), if !state.registered => {
                shared.register_resends.fetch_add(1, Ordering::Relaxed);
                out.push(state.frame(REGISTER, reg.encode()));
            }
            _ = resend.tick() => {
                for (f, _, last) in state.pending.values_mut() {
                    if last.elapsed() >= RESEND {
                        *last = Instant::now();
                        shared.settlement_copies.fetch_add(1, Ordering::Relaxed);
                        out.push(f.clone());
                    }
                }
            }
            changed = settle.changed(), if !state.settled => {
                if changed.is_err() || !*settle.borrow() { continue; }
                state.settled = true;
                let mut orders: Vec<(u8, [u8; 16])> = state.orders.iter().map(|(p, o)| (*p, *o)).collect();
                orders.sort_unstable();
                for (port, order) in orders {
                    let s = Settlement {
                        duration_s: 1800,
                        max_power: 2500,
                        energy: 12,
                        port,
                        start_kind: 1,
                        card: 0,
                        stop_reason: 1,
                        order,
                        early_max_power: Some(2500),
                    };
                    let f = state.frame(SETTLEMENT, s.encode());
                    let now = Instant::now();
                    state.pending.insert(f.message_id, (f.clone(), now, now));
                    shared.settlement_copies.fetch_add(1, Ordering::Relaxed);
                    out.push(f);
                }
            }
            _ = stop.changed() => return,
        }
        if !out.is_empty() {
            let bytes: Vec<u8> = out
                .iter()
                .flat_map(|f| f.encode().unwrap_or_default())
                .collect();
            if wr.write_all(&bytes).await.is_err() {
                return;
            }
        }
    }
}

/// A frame from the gateway: record it, and queue the pile's answer in `out`.
fn incoming(state: &mut State, f: &Frame, shared: &Shared, out: &mut Vec<Frame>) {
    let now = Instant::now();
    match f.command {
        REGISTER if !state.registered => {
            state.registered = true;
            shared.registered.fetch_add(1, Ordering::Relaxed);
        }
        HEARTBEAT => {
            if let Some(sent) = state.heartbeats.remove(&f.message_id) {
                let us = now
                    .duration_since(sent)
                    .as_micros()
                    .min(u128::from(u32::MAX));
                lock(&shared.heartbeats).push((now, us as u32));
            }
        }
        SETTLEMENT => {
            if let Some((_, first, _)) = state.pending.remove(&f.message_id) {
                lock(&shared.settled).push((first, now));
            }
        }
        START_STOP => {
            let Ok(cmd) = StartStop::parse(&f.data) else {
                return;
            };
            if cmd.start {
                let key = (state.pile.physical_id, cmd.port);
                let mut starts = lock(&shared.starts);
                match starts.entry(key) {
                    std::collections::hash_map::Entry::Occupied(_) => {
                        shared.start_repeats.fetch_add(1, Ordering::Relaxed);
                    }
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(now);
                    }
                }
                drop(starts);
                state.orders.insert(cmd.port, cmd.order);
            }
            out.push(
                f.reply(
                    StartStopReply {
                        code: 0,
                        order: Some(cmd.order),
                        port: Some(cmd.port),
                    }
                    .encode(),
                ),
            );
        }
        _ => {}
    }
}

pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
