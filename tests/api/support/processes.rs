//! [`ServerProcess`]: the real `linli` binary as a process of its own, for races across
//! processes, `kill -9` and shutdown by signal; [`GatewayProcess`]: `linli gateway` likewise.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{TestDb, JWT_SECRET};

/// How many server processes the cross-process race tests run behind one database.
pub const PROCESSES: usize = 3;

/// A server running as its own process; killed on drop.
pub struct ServerProcess {
    pub base: String,
    child: Child,
}

impl ServerProcess {
    /// Start a process on `db` with the test settings and `envs` on top; returns once it
    /// accepts connections.
    pub fn start(db: &TestDb, envs: &[(&str, &str)]) -> ServerProcess {
        Self::start_logging_to(db, envs, Stdio::inherit())
    }

    /// [`start`](Self::start) with the process's log (stderr) going to `log`.
    pub fn start_logging_to(db: &TestDb, envs: &[(&str, &str)], log: Stdio) -> ServerProcess {
        let (child, port) = spawn(db, None, "LINLI_BIND", envs, log);
        ServerProcess {
            base: format!("http://127.0.0.1:{port}"),
            child,
        }
    }

    /// `n` server processes on one database, all with the same settings; on a Galera cluster
    /// each on a node of its own.
    pub fn start_many(db: &TestDb, envs: &[(&str, &str)], n: usize) -> Vec<ServerProcess> {
        (0..n)
            .map(|i| {
                let mut all = envs.to_vec();
                all.push(("LINLI_DATABASE_URL", db.url_for_process(i)));
                ServerProcess::start(db, &all)
            })
            .collect()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Send SIGTERM (what systemd sends to stop the service).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// `kill -9`: the process dies at once, mid-request, without cleaning up.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill(); // SIGKILL on Unix
        let _ = self.child.wait();
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Wait for the process to exit by itself; its exit code, or `None` on timeout.
    pub fn wait_exit(mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

/// Run `linli [command]` on `db` with the test settings and `envs` on top, listening where
/// `listen` (the variable naming its address) says, on a free port; returns once that port
/// accepts connections.
fn spawn(
    db: &TestDb,
    command: Option<&str>,
    listen: &str,
    envs: &[(&str, &str)],
    log: Stdio,
) -> (Child, u16) {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        l.local_addr().expect("addr").port()
    };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_linli"));
    cmd.args(command)
        .env(listen, format!("127.0.0.1:{port}"))
        .env("LINLI_DATABASE_URL", &db.url)
        .env("LINLI_JWT_SECRET", JWT_SECRET)
        .env("LINLI_DEV_LOGIN", "1")
        .env("LINLI_SEED_DEMO", "0")
        .env("LINLI_WORKERS", "2")
        .env("LINLI_EXTRA_CA_FILE", super::extra_ca_file())
        // `LINLI_TEST_SERVER_LOG` (a `RUST_LOG` filter) shows more of the processes' logs
        // when a race is being investigated.
        .env(
            "RUST_LOG",
            std::env::var("LINLI_TEST_SERVER_LOG").unwrap_or_else(|_| "warn".to_owned()),
        )
        .stdout(Stdio::null())
        .stderr(log);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("start linli");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "linli process did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, port)
}

/// `linli gateway` running as its own process on a free `LINLI_DEVICE_BIND` port, for piles
/// moving between gateways and a gateway killed mid-session; killed on drop.
pub struct GatewayProcess {
    /// Where piles connect (`127.0.0.1:port`).
    pub addr: String,
    child: Child,
}

impl GatewayProcess {
    /// Start a gateway on `db` with the test settings and `envs` on top; returns once it
    /// accepts piles.
    pub fn start(db: &TestDb, envs: &[(&str, &str)]) -> GatewayProcess {
        let (child, port) = spawn(
            db,
            Some("gateway"),
            "LINLI_DEVICE_BIND",
            envs,
            Stdio::inherit(),
        );
        GatewayProcess {
            addr: format!("127.0.0.1:{port}"),
            child,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`: its piles' connections drop, its leases and claims stay behind.
    pub fn kill_hard(&mut self) {
        let _ = self.child.kill(); // SIGKILL on Unix
        let _ = self.child.wait();
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        self.kill_hard();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
