//! The submissions benchmark's tools, driven by `bench/submissions.sh`:
//!
//! - `setup`: creates a council (through the HTML form, signed in), an assessment and an open
//!   round (through the API) on a running selfassess, and prints the round's token and a group.
//! - `load`: N clients, each on its own keep-alive connection, post 12-answer responses with
//!   fresh idempotency keys for a fixed time; prints one JSON line (acknowledged, errors,
//!   throughput, p50, p99).
//! - `reference tx|group`: the two bare axum + SQLite references (WAL, synchronous=FULL) with
//!   the same request and the same 12 rows per submission: one transaction per request, or a
//!   single writer thread committing everything waiting (up to 256 submissions) at once.
//! - `count`: responses and answers stored in an SQLite file.

use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => runtime().block_on(setup::run(&args[1..])),
        Some("load") => runtime().block_on(load::run(&args[1..])),
        Some("reference") => runtime().block_on(reference::run(&args[1..])),
        Some("count") => count(&args[1..]),
        Some("free-port") => free_port(),
        Some("report") => report(&args[1..]),
        _ => Err("usage: selfassess-bench setup|load|reference|count …".into()),
    };
    if let Err(error) = result {
        eprintln!("selfassess-bench: {error}");
        std::process::exit(1);
    }
}

use client::Result;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a Tokio runtime")
}

/// `--name value` from the arguments.
fn arg(args: &[String], name: &str) -> Result<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .ok_or_else(|| format!("missing {name}").into())
}

fn count(args: &[String]) -> Result<()> {
    let conn = rusqlite::Connection::open(arg(args, "--db")?)?;
    let responses: i64 = conn.query_row("SELECT COUNT(*) FROM responses", [], |r| r.get(0))?;
    let answers: i64 = conn.query_row("SELECT COUNT(*) FROM answers", [], |r| r.get(0))?;
    println!("{responses} {answers}");
    Ok(())
}

fn free_port() -> Result<()> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    println!("{}", listener.local_addr()?.port());
    Ok(())
}

/// Prints the table from `--dir`'s `{app,tx,group}.json` (the load results) and
/// `{app,tx,group}.count` (rows stored); exits non-zero if stored ≠ acknowledged.
fn report(args: &[String]) -> Result<()> {
    let dir = std::path::PathBuf::from(arg(args, "--dir")?);
    let runs = [
        ("app", "selfassess (whole stack)"),
        ("tx", "reference: transaction per request"),
        ("group", "reference: single writer, group"),
    ];
    let mut results = Vec::new();
    for (name, label) in runs {
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{name}.json")))?)?;
        let counts: Vec<i64> = std::fs::read_to_string(dir.join(format!("{name}.count")))?
            .split_whitespace()
            .map(str::parse)
            .collect::<std::result::Result<_, _>>()?;
        // Server CPU time during the run: "TICKS TICKS_PER_SECOND".
        let cpu: Vec<f64> = std::fs::read_to_string(dir.join(format!("{name}.cpu")))
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        let acked = json["acknowledged"].as_f64().unwrap_or(f64::NAN);
        let cpu_us = match cpu.as_slice() {
            [ticks, hz] if acked > 0.0 => (ticks / hz * 1e6 / acked).round(),
            _ => f64::NAN,
        };
        results.push((label, json, counts, cpu_us));
    }
    let num = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    println!(
        "  {:<36} {:>10} {:>9} {:>9} {:>8} {:>16}",
        "", "subm./s", "p50 ms", "p99 ms", "errors", "server CPU us/s."
    );
    for (label, json, _, cpu_us) in &results {
        println!(
            "  {:<36} {:>10} {:>9} {:>9} {:>8} {:>16}",
            label,
            num(json, "per_second"),
            num(json, "p50_ms"),
            num(json, "p99_ms"),
            num(json, "errors"),
            cpu_us
        );
    }
    let (app, tx, group) = (
        num(&results[0].1, "per_second"),
        num(&results[1].1, "per_second"),
        num(&results[2].1, "per_second"),
    );
    let p99 = num(&results[0].1, "p99_ms");
    let verdict = |ok: bool| if ok { "met" } else { "NOT MET" };
    println!();
    println!(
        "  selfassess / transaction-per-request reference: {:>4.0} %  (target >= 100 %: {})",
        100.0 * app / tx,
        verdict(app >= tx)
    );
    println!(
        "  selfassess / group-commit reference:            {:>4.0} %  (target >= 30 %: {})",
        100.0 * app / group,
        verdict(app >= 0.3 * group)
    );
    println!(
        "  selfassess p99:                                 {p99:>4} ms (target <= 50 ms: {})",
        verdict(p99 <= 50.0)
    );
    for (label, json, _, _) in &results {
        println!("  HTTP statuses, {label}: {}", json["statuses"]);
    }
    println!();
    println!("Stored = acknowledged (nothing lost, nothing doubled):");
    let mut all_ok = true;
    for (label, json, counts, _) in &results {
        let acked = json["acknowledged"].as_i64().unwrap_or(-1);
        let ok = counts.len() == 2 && counts[0] == acked && counts[1] == acked * 12;
        all_ok &= ok;
        println!(
            "  {:<36} acknowledged {:>8}  stored {:>8}  answers {:>9}  {}",
            label,
            acked,
            counts.first().copied().unwrap_or(-1),
            counts.get(1).copied().unwrap_or(-1),
            if ok { "ok" } else { "MISMATCH" }
        );
    }
    if !all_ok {
        return Err("stored and acknowledged counts differ".into());
    }
    Ok(())
}

/// The body every client sends: 12 answers to QS1.
pub fn submission_body(group: &str) -> Vec<u8> {
    let answers: Vec<serde_json::Value> = (1..=12)
        .map(|i| {
            serde_json::json!({"item": format!("QS1.{i}"), "rating": i % 5,
                "evidence": "Monthly audit of care plans", "evidence_needed": ""})
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"group": group, "answers": answers})).expect("json")
}

/// A tiny HTTP/1.1 client on one keep-alive connection.
mod client;

mod setup {
    use super::client::{Client, csrf, form, sign_in};
    use super::{Result, arg};
    use bytes::Bytes;
    use serde_json::{Value, json};

    /// Signs in as the administrator (HTML form), creates the council, then an assessment
    /// and an open round with the administrator's API token; prints `ROUND_TOKEN GROUP_ID`.
    pub async fn run(args: &[String]) -> Result<()> {
        let host = arg(args, "--host")?;
        let email = arg(args, "--email")?;
        let password = arg(args, "--password")?;
        let token = arg(args, "--token")?;
        let mut client = Client::new(&host);
        let mut cookies = sign_in(&mut client, &email, &password).await?;
        let page =
            client.send("GET", "/admin/councils", &[("cookie", &cookies.header())], Bytes::new()).await?;
        cookies.remember(page.set_cookies);
        let body = form(&[("csrf_token", &csrf(&page.body)?), ("gss_code", "E06000001")]);
        let reply = client
            .send(
                "POST",
                "/admin/councils",
                &[("content-type", "application/x-www-form-urlencoded"), ("cookie", &cookies.header())],
                body,
            )
            .await?;
        if !matches!(reply.status, 200 | 201 | 303) {
            return Err(format!("creating the council answered {}", reply.status).into());
        }
        let bearer = format!("Bearer {token}");
        let api = |body: Value| Bytes::from(serde_json::to_vec(&body).expect("json"));
        let headers = [("authorization", bearer.as_str()), ("content-type", "application/json")];
        let reply = client
            .send(
                "POST",
                "/api/v1/assessments",
                &headers,
                api(json!({"title": "Benchmark", "period_start": "2026-04-01", "period_end": "2027-03-31",
                    "framework": "cqc-la-2023", "council": "E06000001"})),
            )
            .await?;
        let assessment: Value = serde_json::from_slice(&reply.body)?;
        if reply.status != 201 {
            return Err(format!("creating the assessment answered {}: {assessment}", reply.status).into());
        }
        let id = assessment["id"].as_str().ok_or("no assessment id")?;
        let groups: Vec<Value> = assessment["groups"].as_array().ok_or("no groups")?.to_vec();
        let group_ids: Vec<&str> = groups.iter().filter_map(|g| g["id"].as_str()).collect();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
        let rfc3339 = |secs: u64| {
            // Days since the epoch to a civil date (proleptic Gregorian), for RFC 3339.
            let days = (secs / 86_400) as i64;
            let (z, rem) = (days + 719_468, secs % 86_400);
            let era = z.div_euclid(146_097);
            let doe = z - era * 146_097;
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            let mp = (5 * doy + 2) / 153;
            let d = doy - (153 * mp + 2) / 5 + 1;
            let m = if mp < 10 { mp + 3 } else { mp - 9 };
            let y = yoe + era * 400 + i64::from(m <= 2);
            format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
        };
        let reply = client
            .send(
                "POST",
                &format!("/api/v1/assessments/{id}/rounds"),
                &headers,
                api(json!({"title": "Benchmark round", "quality_statements": ["QS1"], "groups": group_ids,
                    "opens_at": rfc3339(now - 86_400), "closes_at": rfc3339(now + 86_400 * 7)})),
            )
            .await?;
        let round: Value = serde_json::from_slice(&reply.body)?;
        if reply.status != 201 {
            return Err(format!("creating the round answered {}: {round}", reply.status).into());
        }
        println!("{} {}", round["token"].as_str().ok_or("no round token")?, group_ids[0]);
        Ok(())
    }
}

mod load {
    use super::client::Client;
    use super::{Duration, Instant, Result, arg, submission_body};
    use bytes::Bytes;

    #[derive(Default)]
    struct Tally {
        acknowledged: u64,
        replays: u64,
        errors: u64,
        statuses: std::collections::BTreeMap<u16, u64>,
        latencies_us: Vec<u32>,
    }

    /// Posts submissions from `--clients` connections for `--seconds`; prints a JSON line.
    pub async fn run(args: &[String]) -> Result<()> {
        let host = arg(args, "--host")?;
        let path = arg(args, "--path")?;
        let group = arg(args, "--group")?;
        let clients: usize = arg(args, "--clients")?.parse()?;
        let seconds: u64 = arg(args, "--seconds")?.parse()?;
        let label = arg(args, "--label")?;
        let body = Bytes::from(submission_body(&group));
        let started = Instant::now();
        let deadline = started + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for c in 0..clients {
            let (host, path, body, label) = (host.clone(), path.clone(), body.clone(), label.clone());
            tasks.push(tokio::spawn(async move {
                let mut client = Client::new(&host);
                let mut tally = Tally::default();
                let mut n = 0u64;
                while Instant::now() < deadline {
                    n += 1;
                    let key = format!("{label}-{c}-{n}");
                    let sent = Instant::now();
                    let headers = [("content-type", "application/json"), ("idempotency-key", key.as_str())];
                    match client.send("POST", &path, &headers, body.clone()).await {
                        Ok(reply) => {
                            *tally.statuses.entry(reply.status).or_default() += 1;
                            match reply.status {
                                201 => {
                                    tally.acknowledged += 1;
                                    let us = sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                                    tally.latencies_us.push(us);
                                }
                                200 => tally.replays += 1,
                                _ => tally.errors += 1,
                            }
                        }
                        Err(_) => {
                            tally.errors += 1;
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    }
                }
                tally
            }));
        }
        let mut total = Tally::default();
        for task in tasks {
            let t = task.await?;
            total.acknowledged += t.acknowledged;
            total.replays += t.replays;
            total.errors += t.errors;
            for (s, n) in t.statuses {
                *total.statuses.entry(s).or_default() += n;
            }
            total.latencies_us.extend(t.latencies_us);
        }
        let elapsed = started.elapsed().as_secs_f64();
        total.latencies_us.sort_unstable();
        let pct = |p: f64| -> f64 {
            if total.latencies_us.is_empty() {
                return f64::NAN;
            }
            let i = ((total.latencies_us.len() as f64 * p).ceil() as usize)
                .clamp(1, total.latencies_us.len())
                - 1;
            f64::from(total.latencies_us[i]) / 1000.0
        };
        let statuses: serde_json::Map<String, serde_json::Value> =
            total.statuses.iter().map(|(s, n)| (s.to_string(), (*n).into())).collect();
        println!(
            "{}",
            serde_json::json!({
                "label": label,
                "acknowledged": total.acknowledged,
                "replays": total.replays,
                "errors": total.errors,
                "statuses": statuses,
                "seconds": (elapsed * 100.0).round() / 100.0,
                "per_second": (total.acknowledged as f64 / elapsed).round(),
                "p50_ms": (pct(0.50) * 10.0).round() / 10.0,
                "p99_ms": (pct(0.99) * 10.0).round() / 10.0,
            })
        );
        Ok(())
    }
}

/// The two references: bare axum + SQLite, same request, same rows, same durability.
mod reference {
    use super::{Result, arg};
    use axum::Json;
    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use rusqlite::{Connection, params};
    use serde::Deserialize;
    use std::sync::{Arc, Mutex, PoisonError};
    use tokio::sync::{Semaphore, mpsc, oneshot};

    #[derive(Deserialize)]
    struct Submission {
        group: String,
        answers: Vec<AnswerIn>,
    }

    #[derive(Deserialize)]
    struct AnswerIn {
        item: String,
        rating: i64,
        #[serde(default)]
        evidence: Option<String>,
        #[serde(default)]
        evidence_needed: Option<String>,
    }

    struct Row {
        id: [u8; 16],
        group: String,
        reference: String,
        key: String,
        submitted_at: String,
        answers: Vec<(String, i64, String, String)>,
    }

    type Stored = (String, String, bool);

    fn open(path: &str) -> rusqlite::Result<Connection> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(conn)
    }

    const SCHEMA: &str = "
        CREATE TABLE IF NOT EXISTS responses (
            id BLOB PRIMARY KEY, group_id TEXT NOT NULL, reference TEXT NOT NULL UNIQUE,
            idempotency_key TEXT NOT NULL UNIQUE, submitted_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS answers (
            response_id BLOB NOT NULL REFERENCES responses (id), item TEXT NOT NULL,
            rating INTEGER NOT NULL CHECK (rating BETWEEN 0 AND 4), evidence TEXT NOT NULL,
            evidence_needed TEXT NOT NULL, PRIMARY KEY (response_id, item));";

    /// Inserts one submission (its response and its answers) inside the caller's transaction;
    /// an idempotency key already stored gives back the stored response.
    fn insert(conn: &Connection, row: &Row) -> rusqlite::Result<Stored> {
        let inserted = conn
            .prepare_cached(
                "INSERT INTO responses (id, group_id, reference, idempotency_key, submitted_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (idempotency_key) DO NOTHING",
            )?
            .execute(params![row.id, row.group, row.reference, row.key, row.submitted_at])?;
        if inserted == 0 {
            let (id, reference): (Vec<u8>, String) = conn
                .prepare_cached("SELECT id, reference FROM responses WHERE idempotency_key = ?1")?
                .query_row([&row.key], |r| Ok((r.get(0)?, r.get(1)?)))?;
            return Ok((hex(&id), reference, false));
        }
        let mut statement = conn.prepare_cached(
            "INSERT INTO answers (response_id, item, rating, evidence, evidence_needed) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (item, rating, evidence, needed) in &row.answers {
            statement.execute(params![row.id, item, rating, evidence, needed])?;
        }
        Ok((hex(&row.id), row.reference.clone(), true))
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses and checks a request into a row, or the error response.
    fn parse(headers: &HeaderMap, body: &[u8]) -> std::result::Result<Row, (StatusCode, String)> {
        let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default();
        let submission: Submission =
            serde_json::from_slice(body).map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()))?;
        if key.is_empty()
            || submission.answers.is_empty()
            || submission.answers.iter().any(|a| !(0..=4).contains(&a.rating))
        {
            return Err((StatusCode::UNPROCESSABLE_ENTITY, "invalid".into()));
        }
        use rand::Rng;
        let mut rng = rand::rng();
        let reference: String = (0..10).map(|_| rng.random_range(b'A'..=b'Z') as char).collect();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        Ok(Row {
            id: *uuid::Uuid::now_v7().as_bytes(),
            group: submission.group,
            reference,
            key: key.to_owned(),
            submitted_at: format!("{}.{:09}", now.as_secs(), now.subsec_nanos()),
            answers: submission
                .answers
                .into_iter()
                .map(|a| {
                    (a.item, a.rating, a.evidence.unwrap_or_default(), a.evidence_needed.unwrap_or_default())
                })
                .collect(),
        })
    }

    fn reply(result: std::result::Result<Stored, String>) -> Response {
        match result {
            Ok((id, reference, created)) => (
                if created { StatusCode::CREATED } else { StatusCode::OK },
                Json(serde_json::json!({"id": id, "reference": reference})),
            )
                .into_response(),
            Err(error) => (StatusCode::SERVICE_UNAVAILABLE, error).into_response(),
        }
    }

    /// One transaction per request on a pool of 8 connections (as the application's pool).
    struct PerRequest {
        path: String,
        idle: Mutex<Vec<Connection>>,
        permits: Semaphore,
    }

    async fn per_request(State(state): State<Arc<PerRequest>>, headers: HeaderMap, body: Bytes) -> Response {
        let row = match parse(&headers, &body) {
            Ok(row) => row,
            Err(refused) => return refused.into_response(),
        };
        let Ok(_permit) = state.permits.acquire().await else {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        };
        let conn = state.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let path = state.path.clone();
        let done = tokio::task::spawn_blocking(move || {
            let mut conn = match conn {
                Some(conn) => conn,
                None => open(&path).map_err(|e| e.to_string())?,
            };
            let result = (|| {
                let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let stored = insert(&tx, &row)?;
                tx.commit()?;
                Ok::<_, rusqlite::Error>(stored)
            })();
            Ok::<_, String>((conn, result.map_err(|e| e.to_string())))
        })
        .await;
        match done {
            Ok(Ok((conn, result))) => {
                state.idle.lock().unwrap_or_else(PoisonError::into_inner).push(conn);
                reply(result)
            }
            Ok(Err(error)) => reply(Err(error)),
            Err(error) => reply(Err(error.to_string())),
        }
    }

    struct Job {
        row: Row,
        reply: oneshot::Sender<std::result::Result<Stored, String>>,
    }

    /// A single writer thread: takes everything waiting (up to 256), one transaction, commit,
    /// then answers each.
    fn writer(conn: Connection, mut jobs: mpsc::Receiver<Job>) {
        let mut conn = conn;
        let mut batch = Vec::with_capacity(256);
        while let Some(job) = jobs.blocking_recv() {
            batch.push(job);
            while batch.len() < 256 {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            let result = (|| {
                let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let mut stored = Vec::with_capacity(batch.len());
                for job in &batch {
                    stored.push(insert(&tx, &job.row)?);
                }
                tx.commit()?;
                Ok::<_, rusqlite::Error>(stored)
            })();
            match result {
                Ok(stored) => {
                    for (job, s) in batch.drain(..).zip(stored) {
                        let _ = job.reply.send(Ok(s));
                    }
                }
                Err(error) => {
                    for job in batch.drain(..) {
                        let _ = job.reply.send(Err(error.to_string()));
                    }
                }
            }
        }
    }

    async fn group_commit(
        State(jobs): State<mpsc::Sender<Job>>,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        let row = match parse(&headers, &body) {
            Ok(row) => row,
            Err(refused) => return refused.into_response(),
        };
        let (tx, rx) = oneshot::channel();
        if jobs.send(Job { row, reply: tx }).await.is_err() {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        reply(rx.await.unwrap_or_else(|_| Err("the writer dropped the job".into())))
    }

    /// `reference tx|group --addr A --db PATH`: serves until killed.
    pub async fn run(args: &[String]) -> Result<()> {
        let mode = args.first().cloned().unwrap_or_default();
        let addr = arg(args, "--addr")?;
        let path = arg(args, "--db")?;
        let conn = open(&path)?;
        conn.execute_batch(SCHEMA)?;
        let route = "/api/v1/rounds/{token}/responses";
        let app = match mode.as_str() {
            "tx" => {
                let mut idle = vec![conn];
                for _ in 1..8 {
                    idle.push(open(&path)?);
                }
                let state = Arc::new(PerRequest {
                    path: path.clone(),
                    idle: Mutex::new(idle),
                    permits: Semaphore::new(8),
                });
                axum::Router::new().route(route, axum::routing::post(per_request)).with_state(state)
            }
            "group" => {
                let (jobs, queue) = mpsc::channel(4096);
                std::thread::spawn(move || writer(conn, queue));
                axum::Router::new().route(route, axum::routing::post(group_commit)).with_state(jobs)
            }
            _ => return Err("reference tx|group".into()),
        };
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        axum::serve(listener, app).await?;
        Ok(())
    }
}
