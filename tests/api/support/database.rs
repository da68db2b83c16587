//! The database a test owns.
//!
//! On MySQL a fresh schema `linli_t_<time>_<random>`, created here and dropped when the test
//! ends; leftovers of crashed runs older than an hour are swept once per test process. On
//! SQLite a file in a temporary folder, removed with the folder.

use std::sync::Once;

use diesel::prelude::*;
use linli::config::{Config, Secret};
use linli::db::DbConn;

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Mysql,
    Sqlite,
}

/// The MySQL server tests use (override with `LINLI_TEST_MYSQL_URL`).
pub fn mysql_base_url() -> String {
    std::env::var("LINLI_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".to_owned())
}

/// An administrative connection to a MySQL server (its `mysql` schema).
fn admin_conn(base: &str) -> MysqlConnection {
    let url = format!("{base}/mysql");
    MysqlConnection::establish(&url)
        .unwrap_or_else(|e| panic!("tests need MySQL/MariaDB at {url} (run scripts/test): {e}"))
}

#[derive(QueryableByName)]
struct DbName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Drop test databases left by crashed runs (older than an hour).
fn sweep_leftovers(conn: &mut MysqlConnection) {
    let now = chrono::Utc::now().timestamp();
    let names: Vec<DbName> = diesel::sql_query(
        "SELECT CAST(schema_name AS CHAR) AS name FROM information_schema.schemata WHERE schema_name LIKE 'linli\\_t\\_%'",
    )
    .load(conn)
    .unwrap_or_default();
    for n in names {
        let ts = n.name.split('_').nth(2).and_then(|t| t.parse::<i64>().ok());
        if ts.is_some_and(|t| now - t > 3600) {
            let _ =
                diesel::sql_query(format!("DROP DATABASE IF EXISTS `{}`", n.name)).execute(conn);
        }
    }
}

/// A database owned by one test.
pub struct TestDb {
    pub url: String,
    /// On a Galera cluster: the URL of this database on each node (`url` is the first).
    pub node_urls: Vec<String>,
    mysql_name: Option<String>,
    /// The MySQL server's URL without a database (to drop it at the end).
    mysql_base: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Mysql => {
                if let Some(nodes) = super::galera_nodes() {
                    return Self::create_mysql_on_nodes(&nodes);
                }
                static SWEEP: Once = Once::new();
                let mut conn = admin_conn(&mysql_base_url());
                SWEEP.call_once(|| sweep_leftovers(&mut conn));
                Self::create_mysql(&mysql_base_url(), conn)
            }
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("linli.db").display());
                TestDb {
                    url,
                    node_urls: Vec::new(),
                    mysql_name: None,
                    mysql_base: String::new(),
                    _dir: Some(dir),
                }
            }
        }
    }

    /// A fresh database on another MySQL server (`mysql://user@host:port`), e.g. a
    /// [`super::ThrowawayMariadb`].
    pub fn mysql_on(base: &str) -> TestDb {
        Self::create_mysql(base, admin_conn(base))
    }

    /// A MySQL database, migrated and loaded with the demo data set.
    pub fn seeded_mysql() -> TestDb {
        let db = TestDb::new(Backend::Mysql);
        db.migrate_and_seed();
        db
    }

    pub fn migrate_and_seed(&self) {
        let mut conn = self.conn();
        linli::db::run_migrations(&mut conn).expect("migrate");
        linli::seed::demo(&mut conn, 1).expect("seed");
    }

    fn create_mysql(base: &str, mut conn: MysqlConnection) -> TestDb {
        let name = format!(
            "linli_t_{}_{}",
            chrono::Utc::now().timestamp(),
            uuid::Uuid::new_v4()
                .simple()
                .to_string()
                .get(..10)
                .unwrap_or("x")
        );
        diesel::sql_query(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        ))
        .execute(&mut conn)
        .expect("create test database");
        TestDb {
            url: format!("{base}/{name}"),
            node_urls: Vec::new(),
            mysql_name: Some(name),
            mysql_base: base.to_owned(),
            _dir: None,
        }
    }

    /// The database on each node of a Galera cluster (`nodes` are server URLs): created
    /// through the first, replicated to the others.
    fn create_mysql_on_nodes(nodes: &[String]) -> TestDb {
        let mut db = Self::create_mysql(&nodes[0], admin_conn(&nodes[0]));
        let name = db.mysql_name.clone().unwrap_or_default();
        db.node_urls = nodes.iter().map(|n| format!("{n}/{name}")).collect();
        db
    }

    /// The URL the `i`-th server process uses: on a Galera cluster each process has a node of
    /// its own (round robin), otherwise all share `url`.
    pub fn url_for_process(&self, i: usize) -> &str {
        if self.node_urls.is_empty() {
            &self.url
        } else {
            &self.node_urls[i % self.node_urls.len()]
        }
    }

    /// A direct connection, for setting up state and checking what is stored.
    pub fn conn(&self) -> DbConn {
        let mut config = Config::defaults();
        config.database_url = Secret::new(self.url.clone());
        let mut conn = linli::db::Manager::new(config.database_target().expect("url"))
            .connect()
            .expect("connect");
        if !self.node_urls.is_empty() {
            // Galera interleaves auto-increment values across nodes (1, 4, 7, ... here); the
            // tests' fixtures (the demo data's households 1..N) are loaded through this one
            // connection with consecutive ids. The server processes keep the interleaving.
            use diesel::connection::SimpleConnection;
            conn.batch_execute(
                "SET SESSION auto_increment_increment = 1, auto_increment_offset = 1",
            )
            .expect("consecutive ids for the fixtures");
        }
        conn
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.mysql_name {
            // Never panic here (a failing test is unwinding, or the server is gone).
            let url = format!("{}/mysql", self.mysql_base);
            if let Ok(mut conn) = MysqlConnection::establish(&url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS `{name}`"))
                    .execute(&mut conn);
            }
        }
    }
}
