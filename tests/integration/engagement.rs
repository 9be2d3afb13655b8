//! Stage 1 over the API: assessments and rounds by script, responses from integrations.

use crate::helpers::{TestApp, backends, spawn_app};
use serde_json::{Value, json};

pub struct Setup {
    pub lead_token: String,
    pub assessment: String,
    pub round_token: String,
    pub groups: Vec<String>,
}

async fn api(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{}{}", app.address, path);
    let mut request = match method {
        "POST" => app.client.post(url),
        _ => app.client.get(url),
    };
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn in_days(days: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::days(days))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

pub async fn setup(app: &TestApp) -> (crate::helpers::World, Setup) {
    let world = app.world().await;
    let lead_token = selfassess::accounts::service::cli_token(&app.db, &world.lead, "script", 1)
        .await
        .expect("token")
        .token;
    let body = json!({"title": "2026/27", "period_start": "2026-04-01", "period_end": "2027-03-31", "framework": "cqc-la-2023"});
    let (status, assessment) = api(app, "POST", "/api/v1/assessments", Some(&lead_token), Some(body)).await;
    assert_eq!(status, 201, "{assessment}");
    let groups: Vec<String> = assessment["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(groups.len(), 5);
    assert_eq!(assessment["council"]["ons_code"], "E06000001");
    let id = assessment["id"].as_str().expect("id").to_owned();
    let body = json!({"title": "Everyone, spring", "quality_statements": ["QS1", "QS2"], "groups": groups,
        "opens_at": in_days(-1), "closes_at": in_days(14)});
    let (status, round) =
        api(app, "POST", &format!("/api/v1/assessments/{id}/rounds"), Some(&lead_token), Some(body)).await;
    assert_eq!(status, 201, "{round}");
    assert_eq!(round["state"], "open");
    let round_token = round["token"].as_str().expect("token").to_owned();
    assert!(round_token.len() >= 22, "at least 128 bits");
    (world, Setup { lead_token, assessment: id, round_token, groups })
}

fn answers(n: usize) -> Value {
    let items: Vec<Value> = (1..=n)
        .map(|i| json!({"item": format!("QS1.{i}"), "rating": (i % 5) as i64, "evidence": "Audit results", "evidence_needed": ""}))
        .collect();
    Value::Array(items)
}

async fn submit(app: &TestApp, round: &str, key: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = app.client.post(format!("{}/api/v1/rounds/{round}/responses", app.address)).json(&body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn counts(app: &TestApp, assessment: &str) -> (i64, i64) {
    let id = uuid::Uuid::parse_str(assessment).expect("uuid");
    selfassess::engagement::store::count_responses(&app.db, id).await.expect("counts")
}

#[tokio::test]
async fn responses_are_stored_once_per_key() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let (_, s) = setup(&app).await;
        let body = json!({"group": s.groups[0], "answers": answers(12)});
        let (status, first) = submit(&app, &s.round_token, Some("key-1"), body.clone()).await;
        assert_eq!(status, 201, "{first}");
        let (status, again) = submit(&app, &s.round_token, Some("key-1"), body).await;
        assert_eq!(status, 200);
        assert_eq!(first["id"], again["id"]);
        assert_eq!(first["reference"], again["reference"]);
        assert_eq!(counts(&app, &s.assessment).await, (1, 12));
        let (status, rounds) = api(
            &app,
            "GET",
            &format!("/api/v1/assessments/{}/rounds", s.assessment),
            Some(&s.lead_token),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(rounds[0]["quality_statements"], json!(["QS1", "QS2"]));
        assert_eq!(rounds[0]["link"], format!("/r/{}", s.round_token));
        let (status, list) = api(&app, "GET", "/api/v1/assessments", Some(&s.lead_token), None).await;
        assert_eq!(status, 200);
        assert_eq!(list.as_array().map(Vec::len), Some(1));
    }
}

#[tokio::test]
async fn bad_submissions_are_refused_with_a_message_each_and_nothing_stored() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let (_, s) = setup(&app).await;
    let group = s.groups[0].clone();
    let long = "x".repeat(5001);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "rating 7",
            json!({"group": group, "answers": [{"item": "QS1.1", "rating": 7}]}),
            "answers[0].rating",
        ),
        (
            "rating as text",
            json!({"group": group, "answers": [{"item": "QS1.1", "rating": "3"}]}),
            "answers[0].rating",
        ),
        (
            "unknown item",
            json!({"group": group, "answers": [{"item": "QS1.99", "rating": 3}]}),
            "answers[0].item",
        ),
        (
            "item outside the round",
            json!({"group": group, "answers": [{"item": "QS5.1", "rating": 3}]}),
            "answers[0].item",
        ),
        (
            "text over 5,000 characters",
            json!({"group": group, "answers": [{"item": "QS1.1", "rating": 3, "evidence": long}]}),
            "answers[0].evidence",
        ),
        ("missing group", json!({"answers": [{"item": "QS1.1", "rating": 3}]}), "group"),
        (
            "unknown group",
            json!({"group": uuid::Uuid::now_v7().to_string(), "answers": [{"item": "QS1.1", "rating": 3}]}),
            "group",
        ),
        ("no answers", json!({"group": group, "answers": []}), "answers"),
    ];
    for (name, body, field) in cases {
        let (status, error) = submit(&app, &s.round_token, Some(name), body).await;
        assert_eq!(status, 422, "{name}: {error}");
        assert_eq!(error["error"]["code"], "invalid", "{name}");
        let fields: Vec<&str> = error["error"]["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .filter_map(|p| p["field"].as_str())
            .collect();
        assert!(fields.contains(&field), "{name}: {fields:?}");
    }
    let (status, error) =
        submit(&app, &s.round_token, None, json!({"group": group, "answers": answers(1)})).await;
    assert_eq!(status, 422, "no Idempotency-Key");
    assert_eq!(error["error"]["problems"][0]["field"], "Idempotency-Key");
    let response = app
        .client
        .post(format!("{}/api/v1/rounds/{}/responses", app.address, s.round_token))
        .header("Idempotency-Key", "malformed")
        .header("content-type", "application/json")
        .body("{\"group\": ")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.expect("json");
    assert_eq!(error["error"]["code"], "malformed_json");
    let (status, _) =
        submit(&app, "no-such-round", Some("k"), json!({"group": group, "answers": answers(1)})).await;
    assert_eq!(status, 404);
    assert_eq!(counts(&app, &s.assessment).await, (0, 0), "nothing stored");
}

#[tokio::test]
async fn closed_and_not_yet_open_rounds_answer_410() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let (_, s) = setup(&app).await;
    for (name, opens, closes, code) in [("later", 2, 10, "round_not_open"), ("past", -10, -1, "round_closed")]
    {
        let body = json!({"title": name, "quality_statements": ["QS1"], "groups": s.groups, "opens_at": in_days(opens), "closes_at": in_days(closes)});
        let (status, round) = api(
            &app,
            "POST",
            &format!("/api/v1/assessments/{}/rounds", s.assessment),
            Some(&s.lead_token),
            Some(body),
        )
        .await;
        assert_eq!(status, 201);
        let token = round["token"].as_str().expect("token");
        let (status, error) =
            submit(&app, token, Some(name), json!({"group": s.groups[0], "answers": answers(1)})).await;
        assert_eq!(status, 410, "{name}");
        assert_eq!(error["error"]["code"], code);
    }
    assert_eq!(counts(&app, &s.assessment).await, (0, 0));
}

#[tokio::test]
async fn only_leads_set_up_and_other_councils_see_nothing() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let (world, s) = setup(&app).await;
    let viewer =
        selfassess::accounts::service::cli_token(&app.db, &world.viewer, "v", 1).await.expect("token").token;
    let other = selfassess::accounts::service::cli_token(&app.db, &world.other_lead, "o", 1)
        .await
        .expect("token")
        .token;
    let rounds = format!("/api/v1/assessments/{}/rounds", s.assessment);
    assert_eq!(api(&app, "GET", &rounds, Some(&viewer), None).await.0, 200);
    let body = json!({"title": "x", "quality_statements": ["QS1"], "groups": s.groups, "opens_at": in_days(0), "closes_at": in_days(1)});
    assert_eq!(api(&app, "POST", &rounds, Some(&viewer), Some(body.clone())).await.0, 403);
    assert_eq!(api(&app, "GET", &rounds, Some(&other), None).await.0, 404);
    assert_eq!(api(&app, "POST", &rounds, Some(&other), Some(body)).await.0, 404);
    let (_, list) = api(&app, "GET", "/api/v1/assessments", Some(&other), None).await;
    assert_eq!(list, json!([]));
    assert_eq!(api(&app, "GET", &rounds, None, None).await.0, 401);
    // A platform administrator names the council.
    let admin =
        selfassess::accounts::service::cli_token(&app.db, &world.admin, "a", 1).await.expect("token").token;
    let body = json!({"title": "2027/28", "period_start": "2027-04-01", "period_end": "2028-03-31", "framework": "cqc-la-2023"});
    let (status, error) = api(&app, "POST", "/api/v1/assessments", Some(&admin), Some(body.clone())).await;
    assert_eq!(status, 422);
    assert_eq!(error["error"]["problems"][0]["field"], "council");
    let mut body = body;
    body["council"] = json!("E06000002");
    assert_eq!(api(&app, "POST", "/api/v1/assessments", Some(&admin), Some(body)).await.0, 201);
    let bad =
        json!({"title": "", "period_start": "2027-13-01", "period_end": "2027-01-01", "framework": "nope"});
    let (status, error) = api(&app, "POST", "/api/v1/assessments", Some(&s.lead_token), Some(bad)).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = error["error"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["field"].as_str())
        .collect();
    assert_eq!(fields, ["title", "period_start", "framework"]);
}

#[tokio::test]
async fn concurrent_clients_with_replays_store_exact_counts() {
    for backend in backends() {
        let app = std::sync::Arc::new(spawn_app(backend).await);
        let (_, s) = setup(&app).await;
        let s = std::sync::Arc::new(s);
        let mut tasks = Vec::new();
        for client in 0..64 {
            let app = app.clone();
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut created = 0;
                for n in 0..10 {
                    let key = format!("c{client}-n{n}");
                    let body = json!({"group": s.groups[client % 5], "answers": answers(12)});
                    let (status, first) = submit(&app, &s.round_token, Some(&key), body.clone()).await;
                    assert_eq!(status, 201, "{first}");
                    created += 1;
                    // About 5 % of submissions are sent twice.
                    if (client * 10 + n) % 20 == 0 {
                        let (status, again) = submit(&app, &s.round_token, Some(&key), body).await;
                        assert_eq!(status, 200);
                        assert_eq!(again["id"], first["id"]);
                    }
                }
                created
            }));
        }
        let mut acknowledged = 0;
        for task in tasks {
            acknowledged += task.await.expect("task");
        }
        assert_eq!(acknowledged, 640);
        assert_eq!(counts(&app, &s.assessment).await, (640, 640 * 12), "{backend:?}");
    }
}

/// Changes a round as another process sharing the database would: behind this process's back,
/// so nothing it caches is told. `$1` in `set` is the current time, `$2` the round's token.
async fn change_round_elsewhere(app: &TestApp, token: &str, set: &str) {
    let sql = format!("UPDATE rounds SET {set}, created_at = COALESCE($1, created_at) WHERE token = $2");
    selfassess::on_db!(&app.db, pool => {
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(time::OffsetDateTime::now_utc())
            .bind(token)
            .execute(pool)
            .await
            .expect("update the round");
        assert_eq!(done.rows_affected(), 1);
    });
}

#[tokio::test]
async fn a_round_changed_by_another_process_is_checked_when_the_response_is_stored() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let (_, s) = setup(&app).await;
        let body = json!({"group": s.groups[0], "answers": answers(12)});
        let (status, first) = submit(&app, &s.round_token, Some("a"), body.clone()).await;
        assert_eq!(status, 201, "{first}");
        // Closed by another process: this one still has the round cached as open, but the
        // writer reads the round again in the transaction that would store the response.
        change_round_elsewhere(&app, &s.round_token, "closed_at = $1").await;
        let (status, error) = submit(&app, &s.round_token, Some("b"), body.clone()).await;
        assert_eq!((status, &error["error"]["code"]), (410, &json!("round_closed")), "{backend:?}");
        let (status, again) = submit(&app, &s.round_token, Some("a"), body.clone()).await;
        assert_eq!((status, &again["id"]), (200, &first["id"]), "a replay still gets its response");
        // Reopened elsewhere: open here at once.
        change_round_elsewhere(&app, &s.round_token, "closed_at = NULL").await;
        let (status, _) = submit(&app, &s.round_token, Some("c"), body.clone()).await;
        assert_eq!(status, 201, "{backend:?}");
        // The link replaced elsewhere: the old one takes nothing.
        change_round_elsewhere(&app, &s.round_token, "token = 'replaced-elsewhere'").await;
        let (status, _) = submit(&app, &s.round_token, Some("d"), body.clone()).await;
        assert_eq!(status, 404, "{backend:?}");
        let (status, _) = submit(&app, "replaced-elsewhere", Some("d"), body).await;
        assert_eq!(status, 201, "{backend:?}");
        assert_eq!(counts(&app, &s.assessment).await, (3, 36), "{backend:?}");
    }
}

/// A submission with its headers: status, `Retry-After`, body.
async fn submit_with_headers(
    app: &TestApp,
    round: &str,
    key: &str,
    body: Value,
) -> (u16, Option<String>, Value) {
    let response = app
        .client
        .post(format!("{}/api/v1/rounds/{round}/responses", app.address))
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (status, retry_after, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_storage_failure_answers_503_with_retry_after_and_the_app_recovers_by_itself() {
    use sqlx::Connection;
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let (_, s) = setup(&app).await;
    let body = json!({"group": s.groups[0], "answers": answers(12)});
    // Another process holds the database's write lock past the busy time-out: a real storage
    // failure (SQLITE_BUSY), not a mock. Reads go on (WAL), so the link still resolves.
    let db_url = format!("sqlite:{}", app.data_dir().join("selfassess.db").display());
    let mut blocker = sqlx::SqliteConnection::connect(&db_url).await.expect("open");
    sqlx::query("BEGIN IMMEDIATE").execute(&mut blocker).await.expect("take the write lock");
    let (submitted, ready) =
        tokio::join!(submit_with_headers(&app, &s.round_token, "during", body.clone()), app.get("/readyz"));
    let (status, retry_after, error) = submitted;
    assert_eq!(status, 503, "{error}");
    assert_eq!(error["error"]["code"], "unavailable");
    let seconds: u64 = retry_after.expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&seconds));
    assert_eq!(ready.status(), 503, "/readyz reports the failure meanwhile");
    assert_eq!(app.get("/healthz").await.status(), 200, "the process itself is alive");
    assert_eq!(counts(&app, &s.assessment).await, (0, 0), "nothing stored");
    // The cause goes away; nobody restarts anything.
    sqlx::query("ROLLBACK").execute(&mut blocker).await.expect("release the write lock");
    drop(blocker);
    assert_eq!(app.get("/readyz").await.status(), 200);
    let (status, _, first) = submit_with_headers(&app, &s.round_token, "during", body.clone()).await;
    assert_eq!(status, 201, "the retry with the same key is stored: {first}");
    let (status, _, again) = submit_with_headers(&app, &s.round_token, "during", body.clone()).await;
    assert_eq!((status, &again["id"]), (200, &first["id"]));
    let (status, _, _) = submit_with_headers(&app, &s.round_token, "after", body).await;
    assert_eq!(status, 201);
    assert_eq!(counts(&app, &s.assessment).await, (2, 24));
}

#[tokio::test]
async fn the_demo_council_has_a_person_per_role_and_patterned_responses() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let frameworks = selfassess::framework::Frameworks::shipped().expect("frameworks");
    let demo = selfassess::engagement::demo::create(&app.db, &frameworks, 60, 1).await.expect("demo");
    assert_eq!(demo.people.len(), 6);
    assert_eq!(demo.responses, 60);
    let (responses, answers) = counts(&app, &demo.assessment_id.to_string()).await;
    assert_eq!((responses, answers), (60, 60 * 95));
    // Every person can sign in with the printed password.
    for (_, email, password) in &demo.people {
        app.sign_in_with(&crate::helpers::browser(), email, password).await;
    }
    // Groups really differ on a "groups disagree" item (QS1.3): staff agree, people do not.
    let rows: Vec<(String, i64)> = selfassess::on_db!(&app.db, pool => sqlx::query_as(
        "SELECT g.evidence_category, a.rating FROM answers a JOIN responses r ON r.id = a.response_id \
         JOIN respondent_groups g ON g.id = r.group_id WHERE a.item = 'QS1.3' AND a.rating > 0")
        .fetch_all(pool).await.expect("rows"));
    let share = |staff: bool| {
        let picked: Vec<i64> =
            rows.iter().filter(|(c, _)| (c != "peoples_experience") == staff).map(|(_, r)| *r).collect();
        picked.iter().filter(|r| **r >= 3).count() as f64 / picked.len() as f64
    };
    assert!(share(true) > 0.6 && share(false) < 0.4, "staff {} people {}", share(true), share(false));
    assert!(matches!(
        selfassess::engagement::demo::create(&app.db, &frameworks, 1, 1).await,
        Err(selfassess::engagement::demo::DemoError::Exists)
    ));
}

/// Sends a request by hand with a chunked body of `size` bytes (no Content-Length, so the
/// server counts as it reads); returns the status line and the body of the answer.
async fn chunked_post(app: &TestApp, path: &str, size: usize) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.address.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&host).await.expect("connect");
    let (mut read, mut write) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nIdempotency-Key: big\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let sender = tokio::spawn(async move {
        write.write_all(head.as_bytes()).await?;
        let chunk = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < size {
            write.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await?;
            write.write_all(&chunk).await?;
            write.write_all(b"\r\n").await?;
            sent += chunk.len();
        }
        write.write_all(b"0\r\n\r\n").await?;
        // Kept open (held by the task's result) until the answer has been read: a closed
        // half would end the exchange early.
        Ok::<_, std::io::Error>(write)
    });
    let mut answer = Vec::new();
    let _ = read.read_to_end(&mut answer).await;
    sender.abort();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (head.lines().next().unwrap_or_default().to_owned(), body.to_owned())
}

#[tokio::test]
async fn api_bodies_over_the_limit_get_a_structured_413() {
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let (_, s) = setup(&app).await;
    let path = format!("/api/v1/rounds/{}/responses", s.round_token);
    // Declared too large: refused before it is read.
    let padding = " ".repeat(2 * 1024 * 1024);
    let body = format!("{{\"group\": \"{}\", \"answers\": []{padding}}}", s.groups[0]);
    let response = app
        .client
        .post(format!("{}{path}", app.address))
        .header("Idempotency-Key", "big")
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 413);
    let error: Value = response.json().await.expect("json");
    assert_eq!(error["error"]["code"], "payload_too_large");
    let message = error["error"]["message"].as_str().expect("message");
    assert!(message.contains("at most 2 MB (2097152 bytes)"), "{message}");
    // Not declared, counted as it comes: cut off at the limit, the same answer.
    let (status, body) = chunked_post(&app, &path, 3 * 1024 * 1024).await;
    assert!(status.contains(" 413 "), "{status}");
    assert!(body.contains("payload_too_large"), "{body}");
    assert_eq!(counts(&app, &s.assessment).await, (0, 0));
    // Within the limit, chunked too: read as usual (and found not to be JSON).
    let (status, body) = chunked_post(&app, &path, 0).await;
    assert!(status.contains(" 400 ") && body.contains("malformed_json"), "{status} {body}");
}
