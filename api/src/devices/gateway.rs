//! `linli gateway`: holds the piles' long-lived TCP connections (DNY protocol) on
//! `LINLI_DEVICE_BIND`. API processes never talk to piles; they write commands to the
//! outbox, and the gateway holding a device's lease claims and sends them.
//!
//! Per connection: a reader (frames split and merged anywhere; unknown physical ids logged
//! and ignored, never bound; a connection that only sends unknown ids or garbage is closed)
//! and a writer fed through a bounded channel, so a slow pile never blocks anything else.
//! One connection may carry frames of several devices (a host and its sub-units). A dispatch
//! loop claims commands for the devices bound here, resends once after the reply timeout
//! with the same message id (also a command another gateway sent before it died: overdue
//! commands follow the pile's lease), gives up after that, and marks silent piles offline. Every
//! wait has a timeout: reads (two heartbeat intervals plus the margin), writes, database
//! calls (the pool's wait).
//!
//! Trust: connections per source address and frames per second per connection are limited
//! ([`super::limits`]); raw frames of settlements and faults are kept for audit
//! ([`super::model::frames`]); a pile that speaks on a new connection without registering
//! first (a network-only reconnect, which may not resend 0x20) is asked for its state with
//! 0x81, so its sockets' live states, and the open sessions on them, are current at once.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, NaiveDateTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use super::dny::messages::{
    Heartbeat, PowerReport, Register, Settlement, StartStop, StartStopReply, ALARM, HEARTBEAT,
    POWER, QUERY, REGISTER, SERVER_TIME, SETTLEMENT, START_STOP,
};
use super::dny::{codes, Decoder, Frame, Item, MessageIds};
use super::dto::LiveState;
use super::limits::{AddressSlots, FrameBudget, Slot, Verdict};
use super::model::commands::{self, Command, CommandKind};
use super::model::devices::{self, Device};
use super::model::frames;
use super::model::{order_bytes, sessions};
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{DbConn, Pool};
use crate::devices::dto::StartFailure;
use crate::error::{ApiError, ApiResult};

/// Frames of unknown devices (or undecodable bytes) a connection may send before it is closed.
const MAX_STRANGER_FRAMES: u32 = 20;
/// Frames waiting to be written to one connection.
const WRITE_QUEUE: usize = 64;
/// How long one write may take.
const WRITE_TIMEOUT: StdDuration = StdDuration::from_secs(10);

struct Bound {
    conn: u64,
    tx: mpsc::Sender<Vec<u8>>,
    physical_id: u32,
    last_command: Option<Instant>,
    /// When this connection last wrote the device's last-seen time and lease.
    recorded_at: NaiveDateTime,
}

/// How often, at most, a device's frames on one connection write its last-seen time and renew
/// its lease: a busy pile's every power report and heartbeat no longer costs three writes
/// before its own. Never more than a quarter of the offline limit (two heartbeat intervals and
/// a margin), so a pile that speaks is never swept offline meanwhile.
const RECORD_EVERY: chrono::Duration = chrono::Duration::seconds(10);

struct Inner {
    pool: Pool,
    config: Arc<Config>,
    clock: Clock,
    name: String,
    ids: MessageIds,
    next_conn: AtomicU64,
    /// Devices whose connection is here, by device id.
    bound: Mutex<HashMap<i64, Bound>>,
    /// Connections held per source address.
    slots: AddressSlots,
}

/// A gateway: cheap to clone.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

/// A name for this gateway process (host and process id plus a random part).
pub fn gateway_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "gateway".into());
    let host: String = host.chars().take(32).collect();
    format!(
        "{host}-{}-{:04x}",
        std::process::id(),
        rand::random::<u16>()
    )
}

impl Gateway {
    pub fn new(pool: Pool, config: Arc<Config>, clock: Clock, name: String) -> Self {
        Gateway {
            inner: Arc::new(Inner {
                pool,
                slots: AddressSlots::new(config.device_max_conn_per_addr),
                config,
                clock,
                name,
                ids: MessageIds::default(),
                next_conn: AtomicU64::new(1),
                bound: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// This gateway's name (its leases and claims carry it).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    fn now(&self) -> NaiveDateTime {
        self.inner.clock.now_naive()
    }

    /// Run blocking database work on the blocking pool, with the pool's wait as timeout.
    async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.inner.pool.clone();
        let wait = self.inner.config.db_timeout();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get_timeout(wait).map_err(ApiError::unavailable)?;
            f(&mut conn)
        })
        .await
        .map_err(ApiError::internal)?
    }

    fn bound_ids(&self) -> Vec<i64> {
        self.lock().keys().copied().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Bound>> {
        self.inner
            .bound
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Accept connections and run the dispatch loop until `stop` turns true.
    pub async fn run(self, listener: TcpListener, mut stop: watch::Receiver<bool>) {
        tracing::info!(gateway = %self.inner.name, "device gateway accepting piles");
        let dispatch = tokio::spawn(self.clone().dispatch_loop(stop.clone()));
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let Some(slot) = self.inner.slots.admit(peer.ip()) else {
                            // Closed as it arrives: no read, no database work.
                            tracing::warn!(peer = %peer.ip(), "too many connections from one address: refused");
                            crate::ops::metrics::device_connection_refused("per_address");
                            drop(stream);
                            continue;
                        };
                        let g = self.clone();
                        let stop = stop.clone();
                        tokio::spawn(async move { g.connection(stream, stop, slot).await });
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "accepting a pile's connection failed");
                        tokio::time::sleep(StdDuration::from_millis(100)).await;
                    }
                },
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        break;
                    }
                }
            }
        }
        dispatch.abort();
        tracing::info!(gateway = %self.inner.name, "device gateway stopped");
    }

    async fn connection(self, stream: TcpStream, mut stop: watch::Receiver<bool>, _slot: Slot) {
        let conn = self.inner.next_conn.fetch_add(1, Ordering::Relaxed);
        let (mut rd, mut wr) = stream.into_split();
        let (tx, mut rx) = mpsc::channel::<Vec<u8>>(WRITE_QUEUE);
        let writer = tokio::spawn(async move {
            while let Some(bytes) = rx.recv().await {
                match tokio::time::timeout(WRITE_TIMEOUT, wr.write_all(&bytes)).await {
                    Ok(Ok(())) => {}
                    _ => break,
                }
            }
        });
        let idle = self
            .inner
            .config
            .device_offline_after()
            .to_std()
            .unwrap_or(StdDuration::from_secs(420));
        let mut decoder = Decoder::new();
        let mut known: HashMap<u32, Option<Device>> = HashMap::new();
        let mut iccid: Option<String> = None;
        let mut strangers = 0u32;
        let mut budget =
            FrameBudget::new(self.inner.config.device_max_frames_per_sec, Instant::now());
        // Physical ids that spoke on this connection, and the faults last kept of each.
        let mut spoke: HashSet<u32> = HashSet::new();
        let mut faults: HashMap<u32, Vec<(usize, u8)>> = HashMap::new();
        let mut buf = vec![0u8; 4096];
        'read: loop {
            let read = tokio::select! {
                r = tokio::time::timeout(idle, rd.read(&mut buf)) => r,
                _ = stop.changed() => break 'read,
            };
            let n = match read {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => n,
                Err(_) => {
                    tracing::info!(conn, "closing a silent pile connection");
                    break;
                }
            };
            decoder.feed(&buf[..n]);
            while let Some(item) = decoder.next() {
                if !matches!(item, Item::Skipped(_)) {
                    match budget.take(Instant::now()) {
                        Verdict::Pass => {}
                        Verdict::Drop => {
                            crate::ops::metrics::device_frame_dropped();
                            continue;
                        }
                        Verdict::Close => {
                            tracing::warn!(conn, "closing a connection that keeps flooding");
                            crate::ops::metrics::device_connection_closed("flood");
                            break 'read;
                        }
                    }
                }
                match item {
                    Item::Frame(frame) => {
                        let device = match known.get(&frame.physical_id) {
                            Some(d) => d.clone(),
                            None => {
                                let pid = frame.physical_id;
                                let found =
                                    match self.db(move |c| devices::by_physical_id(c, pid)).await {
                                        Ok(d) => d,
                                        Err(e) => {
                                            tracing::warn!(error = %e, "device lookup failed");
                                            continue;
                                        }
                                    };
                                if found.is_none() {
                                    tracing::warn!(
                                        physical_id = format_args!("{pid:08x}"),
                                        "frame from an unknown physical id ignored"
                                    );
                                }
                                known.insert(pid, found.clone());
                                found
                            }
                        };
                        let Some(device) = device else {
                            strangers += 1;
                            if strangers > MAX_STRANGER_FRAMES {
                                tracing::warn!(conn, "closing a connection of unknown devices");
                                crate::ops::metrics::device_connection_closed("strangers");
                                break 'read;
                            }
                            continue;
                        };
                        let held = self
                            .bind(conn, &tx, &device, frame.physical_id, iccid.take())
                            .await;
                        let last_faults = faults.entry(frame.physical_id).or_default();
                        if let Err(e) = self.frame(&device, &frame, &tx, last_faults).await {
                            tracing::warn!(device_id = device.id, command = frame.command, error = %e, "handling a frame failed");
                        }
                        if spoke.insert(frame.physical_id) && held && frame.command != REGISTER {
                            self.query_status(device.id, frame.physical_id, &tx).await;
                        }
                    }
                    Item::Iccid(i) => iccid = Some(i),
                    Item::Link => {}
                    Item::Skipped(n) => {
                        tracing::debug!(conn, skipped = n, "bytes outside any frame skipped");
                    }
                }
            }
        }
        drop(tx);
        writer.abort();
        let mine: Vec<i64> = {
            let mut bound = self.lock();
            let ids: Vec<i64> = bound
                .iter()
                .filter(|(_, b)| b.conn == conn)
                .map(|(id, _)| *id)
                .collect();
            for id in &ids {
                bound.remove(id);
            }
            ids
        };
        if !mine.is_empty() {
            let name = self.inner.name.clone();
            if let Err(e) = self
                .db(move |c| devices::release_leases(c, &mine, &name))
                .await
            {
                tracing::warn!(error = %e, "leases left to expire");
            }
        }
    }

    /// The device spoke on this connection: it is seen now, this gateway takes (or renews)
    /// its lease, and commands for it go to this connection.
    async fn bind(
        &self,
        conn: u64,
        tx: &mpsc::Sender<Vec<u8>>,
        device: &Device,
        physical_id: u32,
        iccid: Option<String>,
    ) -> bool {
        let (id, name, now) = (device.id, self.inner.name.clone(), self.now());
        let until = now + self.inner.config.device_offline_after();
        let every = RECORD_EVERY.min(self.inner.config.device_offline_after() / 4);
        let recent = self
            .lock()
            .get(&id)
            .is_some_and(|b| b.conn == conn && now >= b.recorded_at && now - b.recorded_at < every);
        if recent && iccid.is_none() {
            return true;
        }
        let result = self
            .db(move |c| {
                devices::seen(c, id, now)?;
                if iccid.is_some() {
                    devices::describe(c, id, None, None, iccid.as_deref())?;
                }
                devices::take_lease(c, id, &name, now, until)
            })
            .await;
        match result {
            Ok(true) => {
                let mut bound = self.lock();
                let entry = bound.entry(id).or_insert_with(|| Bound {
                    conn,
                    tx: tx.clone(),
                    physical_id,
                    last_command: None,
                    recorded_at: now,
                });
                if entry.conn != conn {
                    // The pile reconnected: its new connection takes over.
                    entry.conn = conn;
                    entry.tx = tx.clone();
                }
                entry.recorded_at = now;
                true
            }
            Ok(false) => {
                tracing::warn!(device_id = id, "another gateway holds this pile's lease");
                false
            }
            Err(e) => {
                tracing::warn!(device_id = id, error = %e, "could not record the pile");
                false
            }
        }
    }

    /// Ask a pile for its state (0x81: it answers with a heartbeat, and may register again).
    /// Sent when a pile speaks on a new connection without registering first: after a
    /// network-only reconnect it may never resend 0x20, and its sockets may have changed
    /// (a charge ended, a fault) while no one listened. Counts as a command for the gap.
    async fn query_status(&self, device_id: i64, physical_id: u32, tx: &mpsc::Sender<Vec<u8>>) {
        if let Some(b) = self.lock().get_mut(&device_id) {
            b.last_command = Some(Instant::now());
        }
        let frame = Frame::new(physical_id, self.inner.ids.next(), QUERY, Vec::new());
        tracing::info!(
            device_id,
            "pile reconnected without registering: asking its state"
        );
        self.send(tx, frame).await;
    }

    async fn send(&self, tx: &mpsc::Sender<Vec<u8>>, frame: Frame) {
        match frame.encode() {
            Ok(bytes) => {
                if tokio::time::timeout(WRITE_TIMEOUT, tx.send(bytes))
                    .await
                    .is_err()
                {
                    tracing::warn!("a pile's write queue stayed full");
                }
            }
            Err(e) => tracing::warn!(error = %e, "frame not sent"),
        }
    }

    async fn frame(
        &self,
        device: &Device,
        frame: &Frame,
        tx: &mpsc::Sender<Vec<u8>>,
        last_faults: &mut Vec<(usize, u8)>,
    ) -> ApiResult<()> {
        let now = self.now();
        let (id, pid) = (device.id, frame.physical_id);
        let raw = || hex::encode(frame.encode().unwrap_or_default());
        match frame.command {
            REGISTER => {
                let reg = Register::parse(&frame.data).map_err(ApiError::internal)?;
                let (fw, ports) = (i32::from(reg.firmware), i32::from(reg.port_count));
                self.db(move |c| devices::describe(c, id, Some(fw), Some(ports), None))
                    .await?;
                self.send(tx, frame.reply(vec![0])).await;
            }
            HEARTBEAT => {
                let hb = Heartbeat::parse(&frame.data).map_err(ApiError::internal)?;
                // A fault is kept as it first shows on this connection (not every heartbeat
                // that repeats it).
                let now_faulted: Vec<(usize, u8)> = hb
                    .ports
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| codes::live_state(**s) == LiveState::Faulted)
                    .map(|(i, s)| (i, *s))
                    .collect();
                let keep = (!now_faulted.is_empty() && now_faulted != *last_faults).then(raw);
                *last_faults = now_faulted;
                let d = device.clone();
                self.db(move |c| {
                    if let Some(raw) = keep {
                        frames::record(c, id, pid, HEARTBEAT, &raw, now)?;
                    }
                    devices::apply_heartbeat(c, &d, &hb.ports, now)
                })
                .await?;
                self.send(tx, frame.reply(vec![0])).await;
            }
            SERVER_TIME => {
                let t = u32::try_from(self.inner.clock.now().timestamp()).unwrap_or(0);
                self.send(tx, frame.reply(t.to_le_bytes().to_vec())).await;
            }
            POWER => {
                let report = PowerReport::parse(&frame.data).map_err(ApiError::internal)?;
                self.db(move |c| sessions::power_report(c, id, &report, now))
                    .await?;
            }
            SETTLEMENT => {
                let s = Settlement::parse(&frame.data).map_err(ApiError::internal)?;
                let raw = raw();
                // Persist first (every copy's frame for audit); then acknowledge every copy.
                self.db(move |c| {
                    frames::record(c, id, pid, SETTLEMENT, &raw, now)?;
                    sessions::settle(c, id, &s, &raw, now)
                })
                .await?;
                self.send(tx, frame.reply(vec![0])).await;
            }
            START_STOP => {
                let reply = StartStopReply::parse(&frame.data).map_err(ApiError::internal)?;
                let message_id = frame.message_id;
                self.db(move |c| {
                    if let Some(cmd) = commands::replied(c, id, message_id, reply.code, now)? {
                        sessions::apply_reply(c, &cmd, reply.code, now)?;
                    }
                    Ok(())
                })
                .await?;
            }
            ALARM => {
                let raw = raw();
                self.db(move |c| frames::record(c, id, pid, ALARM, &raw, now))
                    .await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn dispatch_loop(self, mut stop: watch::Receiver<bool>) {
        let poll = StdDuration::from_millis(self.inner.config.device_command_poll_ms.max(10));
        while !*stop.borrow() {
            if let Err(e) = self.dispatch_once().await {
                tracing::warn!(error = %e, "device command pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                changed = stop.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
    }

    /// One pass: send due commands to the devices bound here, resend or give up overdue
    /// ones, and mark silent piles offline.
    pub async fn dispatch_once(&self) -> ApiResult<()> {
        let now = self.now();
        let gap = StdDuration::from_millis(self.inner.config.device_command_gap_ms);
        let reply_timeout = Duration::milliseconds(
            i64::try_from(self.inner.config.device_reply_timeout_ms).unwrap_or(15_000),
        );
        let ready: Vec<i64> = {
            let bound = self.lock();
            bound
                .iter()
                .filter(|(_, b)| b.last_command.is_none_or(|t| t.elapsed() >= gap))
                .map(|(id, _)| *id)
                .collect()
        };
        let name = self.inner.name.clone();
        let all = self.bound_ids();
        let (fresh, overdue) = self
            .db(move |c| {
                let held = devices::leased(c, &all, &name, now)?;
                let due: Vec<i64> = held.iter().copied().filter(|d| ready.contains(d)).collect();
                let fresh = commands::claim(c, &due, &name, now, reply_timeout)?;
                // Overdue commands go with the lease: the gateway that sent them may be gone.
                let overdue = commands::overdue(c, &held, &name, now, reply_timeout)?;
                Ok((fresh, overdue))
            })
            .await?;
        for cmd in fresh {
            let message_id = self.inner.ids.next();
            self.transmit(&cmd, message_id, 1, now + reply_timeout)
                .await?;
        }
        for cmd in overdue {
            if cmd.attempts < 2 {
                let message_id = cmd
                    .message_id
                    .and_then(|m| u16::try_from(m).ok())
                    .unwrap_or_else(|| self.inner.ids.next());
                self.transmit(&cmd, message_id, cmd.attempts + 1, now + reply_timeout)
                    .await?;
            } else {
                // A stop the pile never answered fails alone: its session settles (or is
                // settled from its last report) as the pile decides.
                let (cid, session) = (
                    cmd.id,
                    cmd.session_id.filter(|_| cmd.kind == CommandKind::Start),
                );
                self.db(move |c| {
                    if commands::fail(c, cid, now)? {
                        if let Some(s) = session {
                            sessions::start_failed(c, s, StartFailure::NoResponse, None, now)?;
                        }
                    }
                    Ok(())
                })
                .await?;
            }
        }
        let cutoff = now - self.inner.config.device_offline_after();
        self.db(move |c| devices::sweep_offline(c, cutoff, now))
            .await?;
        Ok(())
    }

    async fn transmit(
        &self,
        cmd: &Command,
        message_id: u16,
        attempts: i32,
        retry_at: NaiveDateTime,
    ) -> ApiResult<()> {
        let target = {
            let mut bound = self.lock();
            bound.get_mut(&cmd.device_id).map(|b| {
                b.last_command = Some(Instant::now());
                (b.tx.clone(), b.physical_id)
            })
        };
        let Some((tx, physical_id)) = target else {
            return Ok(());
        };
        let body = StartStop {
            port: u8::try_from(cmd.port).unwrap_or(u8::MAX),
            start: cmd.kind == CommandKind::Start,
            duration_s: u16::try_from(cmd.duration_s).unwrap_or(u16::MAX),
            order: order_bytes(&cmd.order_no),
            overload_power: 0,
        };
        let frame = Frame::new(physical_id, message_id, START_STOP, body.encode());
        let (cid, session, kind, name, now) = (
            cmd.id,
            cmd.session_id,
            cmd.kind,
            self.inner.name.clone(),
            self.now(),
        );
        let marked = self
            .db(move |c| {
                let marked =
                    commands::mark_sent(c, cid, &name, message_id, attempts, now, retry_at)?;
                if let (true, Some(s), CommandKind::Start) = (marked, session, kind) {
                    sessions::starting(c, s)?;
                }
                Ok(marked)
            })
            .await?;
        if marked {
            self.send(&tx, frame).await;
        }
        Ok(())
    }
}

/// Bind `LINLI_DEVICE_BIND` and serve until SIGTERM/SIGINT (the `linli gateway` command).
pub async fn serve(pool: Pool, config: Arc<Config>) -> std::io::Result<()> {
    let Some(bind) = config.device_bind.clone() else {
        return Err(std::io::Error::other(
            "LINLI_DEVICE_BIND is not set: the gateway has nowhere to listen",
        ));
    };
    let listener = TcpListener::bind(&bind).await?;
    let addr = listener.local_addr()?;
    // Its own counters on `LINLI_METRICS_BIND`; an address another process already holds
    // (the API beside it) leaves the gateway without metrics rather than without piles.
    let metrics = match crate::ops::metrics::serve_counters(&config.metrics_bind) {
        Ok(server) => server.map(|s| {
            let handle = s.handle();
            actix_web::rt::spawn(s);
            handle
        }),
        Err(e) => {
            tracing::warn!(error = %e, "gateway metrics not served");
            None
        }
    };
    let gateway = Gateway::new(pool, config, Clock::default(), gateway_name());
    tracing::info!(%addr, gateway = gateway.name(), "device gateway listening");
    let (stop_tx, stop_rx) = watch::channel(false);
    let run = tokio::spawn(gateway.run(listener, stop_rx));
    let signal = crate::shutdown_signal().await;
    tracing::info!(signal, "stopping the device gateway");
    let _ = stop_tx.send(true);
    let _ = run.await;
    if let Some(m) = metrics {
        m.stop(true).await;
    }
    Ok(())
}
