//! A minimal HTTP/1.1 keep-alive client that drives one scenario, at full speed or paced.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::SeedableRng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::scenarios::{Builder, Ctx, Scenario};
use crate::Opts;
/// Results of one measured run.
pub struct Outcome {
    pub rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    p999_ms: f64,
    pub errors: u64,
}

impl Outcome {
    pub fn row(&self, name: &str, connections: usize, db_qps: f64, peak: Option<f64>) -> String {
        format!(
            "| {name} | {connections} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {:.2} | {} |",
            self.rps,
            self.p50_ms,
            self.p99_ms,
            self.p999_ms,
            peak.map_or_else(|| "?".to_owned(), |m| format!("{m:.0}")),
            self.rps / db_qps,
            self.errors
        )
    }
}

#[derive(Default)]
pub struct ConnStats {
    pub latencies_us: Vec<u32>,
    pub errors: u64,
}

/// Run a scenario: warm-up, then `seconds` measured; paced at `rate` req/s in total when set
/// (latency then counts from the scheduled send time, so a slow server is not hidden).
pub fn drive(
    ctx: &Ctx,
    s: &Scenario,
    opts: &Opts,
    connections: usize,
    rate: Option<f64>,
) -> Result<Outcome, String> {
    let threads = opts.client_threads.max(1);
    let per_thread = connections.div_ceil(threads);
    let start = Instant::now() + Duration::from_millis(200);
    let measure_from = start + Duration::from_secs(opts.warmup);
    let until = measure_from + Duration::from_secs(opts.seconds);
    let interval = rate.map(|r| Duration::from_secs_f64(connections as f64 / r.max(1.0)));
    let mut handles = Vec::new();
    for t in 0..threads {
        let build = s.build.clone();
        let port = ctx.port;
        let n = per_thread.min(connections.saturating_sub(t * per_thread));
        handles.push(std::thread::spawn(
            move || -> Result<Vec<ConnStats>, String> {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                rt.block_on(async move {
                    let local = tokio::task::LocalSet::new();
                    local
                        .run_until(async move {
                            let mut tasks = Vec::new();
                            for c in 0..n {
                                let build = build.clone();
                                let seed = (t * 10_000 + c) as u64;
                                tasks.push(tokio::task::spawn_local(connection(
                                    port,
                                    build,
                                    seed,
                                    start,
                                    measure_from,
                                    until,
                                    interval,
                                )));
                            }
                            let mut out = Vec::new();
                            for task in tasks {
                                out.push(task.await.map_err(|e| e.to_string())??);
                            }
                            Ok(out)
                        })
                        .await
                })
            },
        ));
    }
    let mut all: Vec<u32> = Vec::new();
    let mut errors = 0;
    for h in handles {
        for c in h
            .join()
            .map_err(|_| "client thread panicked".to_owned())??
        {
            all.extend(c.latencies_us);
            errors += c.errors;
        }
    }
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 - 1.0) * p).round() as usize;
        f64::from(all[i]) / 1000.0
    };
    Ok(Outcome {
        rps: all.len() as f64 / opts.seconds as f64,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        p999_ms: pct(0.999),
        errors,
    })
}

pub async fn connection(
    port: u16,
    build: Builder,
    seed: u64,
    start: Instant,
    measure_from: Instant,
    until: Instant,
    interval: Option<Duration>,
) -> Result<ConnStats, String> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut stats = ConnStats::default();
    let mut stream = None;
    let mut buf = Vec::with_capacity(16 * 1024);
    tokio::time::sleep_until(start.into()).await;
    // Spread paced connections over one interval so they do not fire together.
    let mut next = interval.map(|i| start + i.mul_f64((seed % 997) as f64 / 997.0));
    loop {
        let scheduled = match next {
            Some(at) => {
                // The timer has millisecond steps: sleep only when the send is ahead.
                if at > Instant::now() {
                    tokio::time::sleep_until(at.into()).await;
                }
                at
            }
            None => Instant::now(),
        };
        if scheduled >= until {
            break;
        }
        let req = build(&mut rng);
        let mut wire = format!(
            "{} {} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n",
            req.method, req.path
        );
        for (k, v) in &req.headers {
            let _ = write!(wire, "{k}: {v}\r\n");
        }
        if let Some(b) = &req.body {
            let _ = write!(
                wire,
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                b.len()
            );
        }
        wire.push_str("\r\n");
        let mut bytes = wire.into_bytes();
        if let Some(b) = &req.body {
            bytes.extend_from_slice(b);
        }
        if stream.is_none() {
            let s = TcpStream::connect(("127.0.0.1", port))
                .await
                .map_err(|e| e.to_string())?;
            let _ = s.set_nodelay(true);
            stream = Some(s);
        }
        let Some(s) = stream.as_mut() else { continue };
        let result = exchange(s, &bytes, &mut buf).await;
        let done = Instant::now();
        let ok = matches!(result, Ok(status) if (200..400).contains(&status));
        if result.is_err() {
            stream = None; // reconnect next time
        }
        if scheduled >= measure_from {
            if ok {
                let us = done
                    .duration_since(scheduled)
                    .as_micros()
                    .min(u128::from(u32::MAX));
                stats.latencies_us.push(us as u32);
            } else {
                stats.errors += 1;
            }
        }
        if let (Some(at), Some(i)) = (next.as_mut(), interval) {
            *at += i;
        }
    }
    Ok(stats)
}

/// Send one request and read one response (Content-Length or chunked); the status code.
pub async fn exchange(s: &mut TcpStream, request: &[u8], buf: &mut Vec<u8>) -> Result<u16, String> {
    s.write_all(request).await.map_err(|e| e.to_string())?;
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let status: u16 = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or("bad status line")?;
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    if let Some(len) = length {
        while buf.len() < head_end + len {
            let n = s.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("connection closed".into());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    } else if head.contains("transfer-encoding: chunked") {
        while find(&buf[head_end..], b"0\r\n\r\n").is_none() {
            let n = s.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("connection closed".into());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }
    Ok(status)
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
