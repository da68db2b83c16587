//! Running a test on the 3-node Galera cluster `scripts/galera up` starts (`scripts/test`
//! starts it and names its nodes in `LINLI_TEST_GALERA_URLS`): inside [`on_galera`], every
//! MySQL [`super::TestDb`] is created on the cluster and
//! [`super::ServerProcess::start_many`] puts each process on a node of its own.

use std::cell::RefCell;

thread_local! {
    static NODES: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// The node URLs (`mysql://root@127.0.0.1:PORT`) while a test runs [`on_galera`].
pub fn galera_nodes() -> Option<Vec<String>> {
    NODES.with(|n| n.borrow().clone())
}

/// The cluster's node URLs from `LINLI_TEST_GALERA_URLS` (comma-separated).
pub fn galera_urls() -> Vec<String> {
    let urls = std::env::var("LINLI_TEST_GALERA_URLS").unwrap_or_default();
    let urls: Vec<String> = urls
        .split(',')
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| !u.is_empty())
        .collect();
    assert!(
        urls.len() >= 3,
        "the Galera tests need a 3-node cluster: run them through scripts/test (e.g. \
         `scripts/test -- galera::`), which starts one with scripts/galera up"
    );
    urls
}

/// Run `test` (an `#[actix_web::test]` of another group: a plain function) with its
/// databases on the Galera cluster and its server processes spread over the nodes.
///
/// One test at a time: three nodes and three server processes per test on a small CI machine
/// are load enough. Suites sharing the cluster pushed each other's transactions past the
/// retry budget (a 503 a resident would see only under that artificial load), and a node-kill
/// test beside another suite would make that suite count the 503s as its own failures.
pub fn on_galera(test: fn()) {
    let _alone = CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
    run_on_galera(test);
}

static CLUSTER: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run_on_galera(test: fn()) {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            NODES.with(|n| *n.borrow_mut() = None);
        }
    }
    let urls = galera_urls();
    NODES.with(|n| *n.borrow_mut() = Some(urls));
    let _reset = Reset;
    test();
}
