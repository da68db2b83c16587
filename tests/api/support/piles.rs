//! Charging piles for the tests: [`TestGateway`], the real device gateway on `127.0.0.1:0`
//! over the test's database and clock, and [`PileSim`], a pile (or a host carrying several)
//! speaking DNY to it over real TCP. Every wait has a timeout.

use std::collections::VecDeque;
use std::time::Duration;

use linli::config::Config;
use linli::devices::dny::messages::{
    Heartbeat, PowerReport, Register, Settlement, StartStop, StartStopReply, HEARTBEAT, POWER,
    REGISTER, SETTLEMENT, START_STOP,
};
use linli::devices::dny::{Decoder, Frame, Item};
use linli::devices::gateway::Gateway;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::TestApp;

/// A running gateway; stopped when dropped.
pub struct TestGateway {
    pub addr: String,
    stop: tokio::sync::watch::Sender<bool>,
}

impl TestGateway {
    /// A gateway over `app`'s database and clock, its configuration changed by `tweak`.
    pub async fn start(app: &TestApp, tweak: impl FnOnce(&mut Config)) -> TestGateway {
        let mut config: Config = (*app.state.config).clone();
        tweak(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the gateway");
        let addr = listener.local_addr().expect("address").to_string();
        let name = format!("test-gw-{}", rand::random::<u32>());
        let gateway = Gateway::new(
            app.state.pool.clone(),
            std::sync::Arc::new(config),
            app.clock.clone(),
            name,
        );
        let (stop, rx) = tokio::sync::watch::channel(false);
        actix_web::rt::spawn(gateway.run(listener, rx));
        TestGateway { addr, stop }
    }
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// How long a test waits for one frame from the gateway.
pub const WAIT: Duration = Duration::from_secs(5);

/// A pile's (or a host's) connection.
pub struct PileSim {
    stream: TcpStream,
    decoder: Decoder,
    inbox: VecDeque<Frame>,
    next_id: u16,
}

impl PileSim {
    /// Connect, sending the SIM's ICCID first as a real modem does.
    pub async fn connect(addr: &str) -> PileSim {
        let stream = tokio::time::timeout(WAIT, TcpStream::connect(addr))
            .await
            .expect("connect in time")
            .expect("connect");
        let mut sim = PileSim {
            stream,
            decoder: Decoder::new(),
            inbox: VecDeque::new(),
            next_id: 1,
        };
        sim.raw(b"89860412345678901234").await;
        sim
    }

    /// Connect and send the ICCID, or `None` when the gateway refused the connection.
    pub async fn try_connect(addr: &str) -> Option<PileSim> {
        let stream = tokio::time::timeout(WAIT, TcpStream::connect(addr))
            .await
            .ok()?
            .ok()?;
        let mut sim = PileSim {
            stream,
            decoder: Decoder::new(),
            inbox: VecDeque::new(),
            next_id: 1,
        };
        sim.try_raw(b"89860412345678901234").await.then_some(sim)
    }

    /// Write bytes; `false` when the gateway closed the connection.
    pub async fn try_raw(&mut self, bytes: &[u8]) -> bool {
        matches!(
            tokio::time::timeout(WAIT, self.stream.write_all(bytes)).await,
            Ok(Ok(()))
        )
    }

    pub async fn raw(&mut self, bytes: &[u8]) {
        tokio::time::timeout(WAIT, self.stream.write_all(bytes))
            .await
            .expect("write in time")
            .expect("write");
    }

    /// Send a frame with a fresh message id; returns the id.
    pub async fn send(&mut self, physical_id: u32, command: u8, data: Vec<u8>) -> u16 {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.send_with_id(physical_id, id, command, data).await;
        id
    }

    pub async fn send_with_id(&mut self, physical_id: u32, id: u16, command: u8, data: Vec<u8>) {
        let bytes = Frame::new(physical_id, id, command, data)
            .encode()
            .expect("frame");
        self.raw(&bytes).await;
    }

    /// The next frame from the gateway, or `None` after `wait` (or when it closed).
    pub async fn recv(&mut self, wait: Duration) -> Option<Frame> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(f) = self.inbox.pop_front() {
                return Some(f);
            }
            while let Some(item) = self.decoder.next() {
                if let Item::Frame(f) = item {
                    self.inbox.push_back(f);
                }
            }
            if !self.inbox.is_empty() {
                continue;
            }
            let mut buf = [0u8; 1024];
            match tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return None,
                Ok(Ok(n)) => self.decoder.feed(&buf[..n]),
            }
        }
    }

    /// Whether the gateway closed the connection within `wait`.
    pub async fn closed_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        let mut buf = [0u8; 1024];
        loop {
            match tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => continue,
                Err(_) => return false,
            }
        }
    }

    /// The next frame with this command (others are dropped), within [`WAIT`].
    pub async fn expect(&mut self, command: u8) -> Frame {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.recv(left).await {
                Some(f) if f.command == command => return f,
                Some(_) => continue,
                None => panic!("no frame {command:#04x} from the gateway in time"),
            }
        }
    }

    /// Register (0x20) and wait for the answer.
    pub async fn register(&mut self, physical_id: u32, ports: u8) {
        let reg = Register {
            firmware: 126,
            port_count: ports,
            virtual_id: 0,
            device_type: 0x20,
            work_mode: 0,
        };
        let id = self.send(physical_id, REGISTER, reg.encode()).await;
        let reply = self.expect(REGISTER).await;
        assert_eq!(
            (reply.physical_id, reply.message_id, reply.data.clone()),
            (physical_id, id, vec![0])
        );
    }

    /// A heartbeat (0x21) with these port statuses; waits for the answer.
    pub async fn heartbeat(&mut self, physical_id: u32, ports: &[u8]) {
        let id = self.send(physical_id, HEARTBEAT, heartbeat(ports)).await;
        let reply = self.expect(HEARTBEAT).await;
        assert_eq!((reply.physical_id, reply.message_id), (physical_id, id));
    }

    /// The next start/stop command (0x82), parsed.
    pub async fn command(&mut self) -> (Frame, StartStop) {
        let f = self.expect(START_STOP).await;
        let cmd = StartStop::parse(&f.data).expect("a 0x82 command");
        (f, cmd)
    }

    /// Answer a 0x82 command with `code`.
    pub async fn reply(&mut self, to: &Frame, cmd: &StartStop, code: u8) {
        let body = StartStopReply {
            code,
            order: Some(cmd.order),
            port: Some(cmd.port),
        };
        self.send_with_id(to.physical_id, to.message_id, START_STOP, body.encode())
            .await;
    }

    /// A power report (0x06): energy in 0.01 kWh, power in 0.1 W.
    pub async fn power(
        &mut self,
        physical_id: u32,
        cmd: &StartStop,
        elapsed_s: u16,
        energy: u16,
        power: u16,
    ) {
        let report = PowerReport {
            port: cmd.port,
            status: 1,
            elapsed_s,
            energy,
            start_kind: 1,
            power,
            max_power: power,
            min_power: power,
            avg_power: power,
            order: cmd.order,
            peak_power: Some(power),
        };
        self.send(physical_id, POWER, report.encode()).await;
    }

    /// A settlement (0x03) with a fresh message id; waits for its acknowledgement.
    pub async fn settle(&mut self, physical_id: u32, s: &Settlement) {
        let id = self.send(physical_id, SETTLEMENT, s.encode()).await;
        let ack = self.expect(SETTLEMENT).await;
        assert_eq!(
            (ack.message_id, ack.data.clone()),
            (id, vec![0]),
            "every copy is acknowledged"
        );
    }
}

/// A heartbeat's data: 220.0 V, these port statuses.
pub fn heartbeat(ports: &[u8]) -> Vec<u8> {
    Heartbeat {
        voltage: 2200,
        ports: ports.to_vec(),
        signal: 0,
        temperature: 90,
    }
    .encode()
}

/// A settlement of the order `cmd` started: full after an hour, 0.48 kWh.
pub fn settlement(cmd: &StartStop, energy: u16, reason: u8) -> Settlement {
    Settlement {
        duration_s: 3600,
        max_power: 2100,
        energy,
        port: cmd.port,
        start_kind: 1,
        card: 0,
        stop_reason: reason,
        order: cmd.order,
        early_max_power: Some(2000),
    }
}

impl TestApp {
    /// Whitelist a pile by physical id (as staff would); returns the device id.
    pub fn bind_device(&self, pile_id: i64, physical_id: u32, ports: i32) -> i64 {
        linli::devices::model::devices::register(
            &mut self.db.conn(),
            physical_id,
            pile_id,
            ports,
            self.clock.now_naive(),
        )
        .expect("register the device")
    }

    /// The pile a socket belongs to.
    pub fn pile_of(&self, socket_id: i64) -> i64 {
        use diesel::prelude::*;
        use linli::db::schema::sockets;
        sockets::table
            .find(socket_id)
            .select(sockets::pile_id)
            .first(&mut self.db.conn())
            .expect("socket")
    }

    /// A socket's live state, as the heartbeats set it.
    pub fn live_state(&self, socket_id: i64) -> Option<(String, i32)> {
        linli::devices::model::devices::live_state(&mut self.db.conn(), socket_id)
            .expect("live state")
            .map(|(s, c)| (s.as_str().to_owned(), c))
    }
}
