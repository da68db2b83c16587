//! [`ThrowawayMariadb`]: a MariaDB server of the test's own, on a free port with its data in a
//! temporary folder, that the test may kill (`kill -9`) and start again on the same data.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;

/// The server; killed and its folder removed on drop.
pub struct ThrowawayMariadb {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

fn mariadb_program(name: &str) -> std::path::PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] {
        let p = std::path::Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!(
        "this test needs MariaDB's `{name}` (in /usr/sbin or /usr/bin): install the \
         mariadb-server package (scripts/test does on a fresh machine)"
    );
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A free TCP port outside the kernel's range for outgoing connections, so no client socket
/// takes it while the server is down between a kill and a restart.
fn free_port_below_ephemeral() -> u16 {
    use rand::Rng;
    let mut rng = rand::rng();
    for _ in 0..200 {
        let port = rng.random_range(20_000..32_000);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port for MariaDB");
}

impl ThrowawayMariadb {
    /// Install a data folder (`mariadb-install-db`, root without a password over TCP) and start
    /// the server; returns once it answers.
    pub fn start() -> ThrowawayMariadb {
        let install = mariadb_program("mariadb-install-db");
        let dir = tempfile::Builder::new()
            .prefix("linli-mariadb-")
            .tempdir()
            .expect("temp dir");
        let mut cmd = Command::new(install);
        cmd.arg("--no-defaults")
            .arg("--auth-root-authentication-method=normal")
            .arg(format!("--datadir={}", dir.path().join("data").display()))
            .arg("--skip-test-db")
            .arg("--innodb-log-file-size=8M");
        if running_as_root() {
            cmd.arg("--user=root");
        }
        let out = cmd.output().expect("run mariadb-install-db");
        assert!(
            out.status.success(),
            "mariadb-install-db failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut db = ThrowawayMariadb {
            port: free_port_below_ephemeral(),
            dir,
            child: None,
        };
        db.start_again();
        db
    }

    /// `mysql://root@127.0.0.1:<port>`, without a database.
    pub fn base_url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}", self.port)
    }

    /// Start the server on the existing data (after [`ThrowawayMariadb::kill`]); returns once
    /// it answers.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "MariaDB is already running");
        let d = self.dir.path();
        let mut cmd = Command::new(mariadb_program("mariadbd"));
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", d.join("data").display()))
            .arg(format!("--port={}", self.port))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--socket={}", d.join("mariadb.sock").display()))
            .arg(format!("--pid-file={}", d.join("mariadb.pid").display()))
            .arg(format!("--log-error={}", d.join("error.log").display()))
            .arg("--skip-log-bin")
            .arg("--innodb-log-file-size=8M")
            .arg("--innodb-buffer-pool-size=32M")
            .arg("--max-connections=300")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if running_as_root() {
            cmd.arg("--user=root");
        }
        let mut child = cmd.spawn().expect("start mariadbd");
        let url = format!("{}/mysql", self.base_url());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if MysqlConnection::establish(&url).is_ok() {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(d.join("error.log")).unwrap_or_default();
                panic!("mariadbd exited with {status}: {log}");
            }
            assert!(Instant::now() < deadline, "mariadbd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child = Some(child);
    }

    /// `kill -9` the server: connections break mid-query, nothing is flushed politely.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for ThrowawayMariadb {
    fn drop(&mut self) {
        self.kill();
    }
}
