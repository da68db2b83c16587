//! The gateway's limits: connections per source address, and frames per second per
//! connection. A connection flooding ~10,000 frames a second (from its own OS thread, so it
//! really competes) is throttled and then closed, while another pile on the same gateway
//! starts, reports and settles a session with prompt answers.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use super::{booked, pile_online, session_until, start, PILE};
use crate::on_both;
use crate::support::*;
use linli::devices::dny::messages::HEARTBEAT;
use linli::devices::dny::{Decoder, Frame, Item};

/// Whether the gateway closes a fresh connection within `wait` without a word.
async fn refused(addr: &str, wait: Duration) -> bool {
    let mut s = tokio::net::TcpStream::connect(addr)
        .await
        .expect("the TCP handshake itself succeeds");
    let mut buf = [0u8; 64];
    matches!(
        tokio::time::timeout(wait, tokio::io::AsyncReadExt::read(&mut s, &mut buf)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

on_both!(
    connections_beyond_the_limit_per_address_are_refused,
    |app| {
        app.seed_demo();
        app.bind_device(app.pile_of(1), PILE, 10);
        let gw = TestGateway::start(&app, |c| c.device_max_conn_per_addr = 2).await;
        let mut a = PileSim::connect(&gw.addr).await;
        a.register(PILE, 10).await;
        let mut b = PileSim::connect(&gw.addr).await;
        b.heartbeat(PILE, &[0; 10]).await;
        assert!(
            refused(&gw.addr, Duration::from_secs(3)).await,
            "a third connection from 127.0.0.1 is closed at once"
        );
        // The two held ones keep working.
        a.heartbeat(PILE, &[0; 10]).await;
        b.heartbeat(PILE, &[0; 10]).await;
        // One goes away: its place is free again (once the gateway saw it close).
        drop(b);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            assert!(
                Instant::now() < deadline,
                "the freed place was never given back"
            );
            let Some(mut c) = PileSim::try_connect(&gw.addr).await else {
                continue;
            };
            let hb = Frame::new(PILE, 1, HEARTBEAT, heartbeat(&[0; 10]));
            if c.try_raw(&hb.encode().unwrap()).await
                && c.recv(Duration::from_millis(500))
                    .await
                    .is_some_and(|f| f.command == HEARTBEAT)
            {
                break;
            }
        }
    }
);

/// What a flooding connection saw.
struct Flood {
    sent: u64,
    replies: u64,
    /// The gateway closed the connection.
    closed: bool,
    /// From the first frame to the close (or the end of the flood).
    lasted: Duration,
}

/// Flood heartbeats of `physical_id` at about 10,000 frames a second (100 every 10 ms) for
/// at most `max`, from OS threads (a writer and a reader of the replies).
fn flood(addr: String, physical_id: u32, max: Duration) -> std::thread::JoinHandle<Flood> {
    std::thread::spawn(move || {
        let stream = std::net::TcpStream::connect(&addr).expect("connect the flood");
        let mut reader = stream.try_clone().expect("clone");
        reader
            .set_read_timeout(Some(max + Duration::from_secs(5)))
            .unwrap();
        let counting = std::thread::spawn(move || {
            let mut decoder = Decoder::new();
            let (mut replies, mut buf) = (0u64, [0u8; 4096]);
            let closed = loop {
                match reader.read(&mut buf) {
                    Ok(0) => break true,
                    Ok(n) => {
                        decoder.feed(&buf[..n]);
                        while let Some(item) = decoder.next() {
                            if matches!(item, Item::Frame(ref f) if f.command == HEARTBEAT) {
                                replies += 1;
                            }
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break false,
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => break false,
                    Err(_) => break true,
                }
            };
            (replies, closed, Instant::now())
        });
        let mut writer = stream;
        let mut batch = Vec::new();
        for i in 0..100u16 {
            batch.extend(
                Frame::new(physical_id, i + 1, HEARTBEAT, heartbeat(&[0, 0]))
                    .encode()
                    .unwrap(),
            );
        }
        let started = Instant::now();
        let mut sent = 0u64;
        let mut write_failed = false;
        while started.elapsed() < max {
            if writer.write_all(&batch).is_err() {
                write_failed = true;
                break;
            }
            sent += 100;
            std::thread::sleep(Duration::from_millis(10));
        }
        let gave_up = Instant::now();
        let _ = writer.shutdown(std::net::Shutdown::Write);
        let (replies, eof, at) = counting.join().expect("reader");
        Flood {
            sent,
            replies,
            // Closed by the gateway, not because this side stopped.
            closed: write_failed || (eof && at < gave_up),
            lasted: at.min(gave_up).saturating_duration_since(started),
        }
    })
}

on_both!(
    a_flooding_connection_is_throttled_and_closed_without_starving_another_pile,
    |app| {
        let (token, booking_id) = booked(&app, "gw-flood").await;
        let (gw, mut sim) = pile_online(&app, |c| c.device_max_frames_per_sec = 20).await;
        // A second whitelisted pile's id is the flooder's: its frames are the costly kind.
        let other_pile: i64 = {
            use diesel::prelude::*;
            use linli::db::schema::piles;
            piles::table
                .filter(piles::id.ne(app.pile_of(1)))
                .order(piles::id)
                .select(piles::id)
                .first(&mut app.db.conn())
                .unwrap()
        };
        const FLOODER: u32 = 0x0500_0042;
        app.bind_device(other_pile, FLOODER, 10);
        let flooding = flood(gw.addr.clone(), FLOODER, Duration::from_secs(10));
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;

        // Meanwhile the normal pile's whole session goes through, every answer prompt.
        let prompt = Duration::from_secs(2);
        let t = Instant::now();
        sim.heartbeat(PILE, &[0; 10]).await;
        assert!(
            t.elapsed() < prompt,
            "heartbeat answered in {:?}",
            t.elapsed()
        );
        start(&app, &token, booking_id).await.expect(201, None);
        let (frame, cmd) = sim.command().await;
        sim.reply(&frame, &cmd, 0).await;
        session_until(&app, &token, "charging", |s| s["state"] == "charging").await;
        sim.power(PILE, &cmd, 300, 3, 1800).await;
        session_until(&app, &token, "30 Wh", |s| s["energy_wh"] == 30).await;
        for _ in 0..5 {
            let t = Instant::now();
            sim.heartbeat(PILE, &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0]).await;
            assert!(
                t.elapsed() < prompt,
                "heartbeat answered in {:?}",
                t.elapsed()
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        let t = Instant::now();
        sim.settle(PILE, &settlement(&cmd, 40, 1)).await;
        assert!(
            t.elapsed() < prompt,
            "settlement acknowledged in {:?}",
            t.elapsed()
        );
        session_until(&app, &token, "settled", |s| s["state"] == "settled").await;

        let f = tokio::task::spawn_blocking(move || flooding.join().expect("flood thread"))
            .await
            .unwrap();
        assert!(f.closed, "the flooding connection is closed");
        assert!(
            f.sent >= 10_000,
            "the flood really flooded ({} frames)",
            f.sent
        );
        // Two seconds' burst, then 20 a second until the close (with a second's slack).
        let allowed = 40 + 20 * (f.lasted.as_secs() + 1);
        assert!(
            f.replies <= allowed,
            "{} of {} frames answered in {:?}; at most {allowed} may be",
            f.replies,
            f.sent,
            f.lasted
        );
        assert!(f.replies > 0, "frames within the budget are still served");
        assert!(
            f.lasted < Duration::from_secs(9),
            "closed while the flood went on ({:?})",
            f.lasted
        );
        // The normal pile's connection is untouched.
        sim.heartbeat(PILE, &[0; 10]).await;
    }
);
