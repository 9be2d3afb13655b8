//! The analysis benchmark's reader, driven by `bench/analysis.sh`: signs in, then for each
//! path in turn, `--clients` connections GET it as fast as they can for `--seconds`; prints one
//! JSON line per path (requests, errors, throughput, p50/p95/p99, bytes of a response).
//!
//!   reads --host H --email E --password P --token T --clients 16 --seconds 10 PATH…
//!
//! Paths under `/api/` are sent with the bearer token; others with the session's cookies.

#[path = "../client.rs"]
mod client;

use bytes::Bytes;
use client::{Client, Result, sign_in};
use std::time::{Duration, Instant};

fn arg(args: &[String], name: &str) -> Result<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .ok_or_else(|| format!("missing {name}").into())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("reads: cannot start the runtime: {error}");
            std::process::exit(1);
        }
    };
    if let Err(error) = runtime.block_on(run(&args)) {
        eprintln!("reads: {error}");
        std::process::exit(1);
    }
}

async fn run(args: &[String]) -> Result<()> {
    let host = arg(args, "--host")?;
    let token = arg(args, "--token")?;
    let clients: usize = arg(args, "--clients")?.parse()?;
    let seconds: u64 = arg(args, "--seconds")?.parse()?;
    let mut signing_in = Client::new(&host);
    let cookies = sign_in(&mut signing_in, &arg(args, "--email")?, &arg(args, "--password")?).await?;
    // Paths are the arguments that are not options or their values.
    let mut paths = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
        } else if a.starts_with("--") {
            skip = true;
        } else {
            paths.push(a.clone());
        }
    }
    for path in paths {
        let header = if path.starts_with("/api/") {
            ("authorization", format!("Bearer {token}"))
        } else {
            ("cookie", cookies.header())
        };
        measure(&host, &path, header, clients, seconds).await?;
    }
    Ok(())
}

async fn measure(
    host: &str,
    path: &str,
    header: (&'static str, String),
    clients: usize,
    seconds: u64,
) -> Result<()> {
    // One request first: it must succeed, and its size is reported.
    let mut probe = Client::new(host);
    let first = probe.send("GET", path, &[(header.0, header.1.as_str())], Bytes::new()).await?;
    if first.status != 200 {
        return Err(format!("{path} answered {}", first.status).into());
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (host, path, header) = (host.to_owned(), path.to_owned(), header.clone());
        tasks.push(tokio::spawn(async move {
            let mut client = Client::new(&host);
            let (mut latencies_us, mut errors) = (Vec::new(), 0u64);
            while Instant::now() < deadline {
                let sent = Instant::now();
                match client.send("GET", &path, &[(header.0, header.1.as_str())], Bytes::new()).await {
                    Ok(reply) if reply.status == 200 => {
                        latencies_us.push(sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32)
                    }
                    _ => errors += 1,
                }
            }
            (latencies_us, errors)
        }));
    }
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for task in tasks {
        let (l, e) = task.await?;
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        (f64::from(latencies[i]) / 100.0).round() / 10.0
    };
    println!(
        "{}",
        serde_json::json!({
            "path": path,
            "requests": latencies.len(),
            "errors": errors,
            "per_second": (latencies.len() as f64 / elapsed).round(),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "bytes": first.body.len(),
        })
    );
    Ok(())
}
