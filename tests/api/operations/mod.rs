//! What operators rely on, tried on the real binary: `GET /metrics` on its own address, JSON
//! request logs without secrets, and a clean stop on SIGTERM with work in flight.

mod logs;
mod metrics;
mod shutdown;

/// A free TCP port on 127.0.0.1 (for a second listener of a server process).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    l.local_addr().expect("addr").port()
}
