//! The evidence library: uploads of every allowed type and refusals (a disguised program, a zip
//! bomb, hostile names, files too large), downloads by members only as attachments, the
//! personal-information flags that keep an item from "ready" until reviewed, coverage, the API
//! contracts; on SQLite and PostgreSQL. And the file store against a real S3-compatible server
//! (moto, from PyPI), started by the test.

use selfassess::evidence::samples;
use selfassess::evidence::storage::{EvidenceConfig, FileStore, S3Config};
use uuid::Uuid;

use crate::helpers::{Backend, PASSWORD, TestApp, World, backends, browser, spawn_app, spawn_app_configured};

const FRAMEWORK: &str = "cqc-la-2023";

async fn assessment(app: &TestApp, world: &World, council: Uuid) -> Uuid {
    let frameworks = selfassess::framework::Frameworks::shipped().expect("frameworks");
    let lead = app.actor(if council == world.council { &world.lead } else { &world.other_lead }).await;
    let input = selfassess::engagement::service::NewAssessment {
        council_id: council,
        title: "2025/26",
        period_start: "2025-04-01",
        period_end: "2026-03-31",
        framework_key: FRAMEWORK,
    };
    selfassess::engagement::service::create_assessment(&app.db, &frameworks, &lead, input)
        .await
        .expect("assessment")
        .id
}

async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let client = browser();
    app.sign_in_with(&client, email, PASSWORD).await;
    client
}

/// Posts the add-an-item form (multipart, the form token in the action's query string).
async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    assessment: Uuid,
    title: &str,
    file: Option<(&str, Vec<u8>)>,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let token = app.csrf_with(client, &format!("/assessments/{assessment}/evidence/new")).await;
    let mut form = reqwest::multipart::Form::new()
        .text("title", title.to_owned())
        .text("document_type", "performance_report")
        .text("ir_items", "IR5")
        .text("quality_statements", "QS1");
    for (name, value) in extra {
        form = form.text(name.to_string(), value.to_string());
    }
    if let Some((name, bytes)) = file {
        form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
    }
    let url = format!("{}/assessments/{assessment}/evidence/new?csrf_token={token}", app.address);
    client.post(url).multipart(form).send().await.expect("upload")
}

fn item_id(response: &reqwest::Response) -> Uuid {
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).expect("a redirect");
    location.rsplit('/').next().and_then(|id| Uuid::parse_str(id).ok()).expect("an item id")
}

async fn error_summary(response: reqwest::Response) -> String {
    let body = response.text().await.expect("body");
    let html = scraper::Html::parse_document(&body);
    crate::helpers::select_texts(&html, ".govuk-error-summary").join(" ")
}

async fn api_items(app: &TestApp, token: &str, assessment: Uuid) -> serde_json::Value {
    reqwest::Client::new()
        .get(format!("{}/api/v1/assessments/{assessment}/evidence", app.address))
        .bearer_auth(token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json")
}

fn item(items: &serde_json::Value, id: Uuid) -> &serde_json::Value {
    items.as_array().and_then(|a| a.iter().find(|i| i["id"] == id.to_string())).expect("the item is listed")
}

#[tokio::test]
async fn every_allowed_type_is_taken_and_dangerous_files_are_refused() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let world = app.world().await;
        let id = assessment(&app, &world, world.council).await;
        let contributor = signed_in(&app, &world.contributor).await;
        let token = selfassess::accounts::service::cli_token(&app.db, &world.contributor, "t", 1)
            .await
            .expect("token")
            .token;

        let files: Vec<(&str, Vec<u8>, &str)> = vec![
            ("waiting-times.pdf", samples::pdf(&[&["Waiting times fell to 28 days."]], true), "pdf"),
            ("pathway.docx", samples::docx(&["Assessment pathway from first contact."]), "docx"),
            ("appeals.xlsx", samples::xlsx("Appeals", &[&["Quarter", "Appeals"], &["Q1", "12"]]), "xlsx"),
            ("direct-payments.csv", b"quarter,people\nQ1,340\n".to_vec(), "csv"),
            ("notes.txt", "Plain notes on the market position statement.\n".as_bytes().to_vec(), "txt"),
            ("chart.png", samples::png(), "png"),
            ("photo.jpg", samples::jpeg(), "jpeg"),
        ];
        for (name, bytes, kind) in files {
            let response = upload(&app, &contributor, id, name, Some((name, bytes.clone())), &[]).await;
            assert_eq!(response.status(), 303, "{backend:?} {name}: {}", error_summary(response).await);
            let item_id = item_id(&response);
            let items = api_items(&app, &token, id).await;
            let listed = item(&items, item_id);
            assert_eq!(listed["file"]["type"], kind, "{name}");
            assert_eq!(listed["file"]["name"], name);
            // The file comes back, byte for byte, as an attachment.
            let download = contributor
                .get(format!("{}/assessments/{id}/evidence/{item_id}/file", app.address))
                .send()
                .await
                .expect("download");
            assert_eq!(download.status(), 200);
            let disposition = download.headers()["content-disposition"].to_str().expect("ascii").to_owned();
            assert!(disposition.starts_with("attachment; filename=\""), "{disposition}");
            assert_eq!(download.headers()["x-content-type-options"], "nosniff");
            assert_eq!(download.bytes().await.expect("bytes").as_ref(), bytes.as_slice(), "{name}");
            // Images cannot be read, so someone must look.
            let unreadable = listed["personal_information_findings"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["kind"] == "unreadable"));
            assert_eq!(unreadable, matches!(kind, "png" | "jpeg"), "{name}");
        }

        let long = format!("{}.pdf", "long".repeat(40));
        let refusals: Vec<(&str, Vec<u8>, &str)> = vec![
            ("strategy.pdf", samples::windows_program(), "Windows program"),
            ("report.docx", samples::docx_bomb(20), "zip bomb"),
            ("../../etc/passwd.pdf", samples::pdf(&[&["x"]], false), "path"),
            ("report\u{202E}fdp.exe.pdf", samples::pdf(&[&["x"]], false), "control characters"),
            (&long, samples::pdf(&[&["x"]], false), "characters long"),
            ("chart.pdf", samples::png(), "PNG image"),
            ("empty.txt", vec![], "empty"),
        ];
        for (name, bytes, message) in refusals {
            let response = upload(&app, &contributor, id, "Refused", Some((name, bytes)), &[]).await;
            assert_eq!(response.status(), 422, "{name}");
            let summary = error_summary(response).await;
            assert!(summary.contains(message), "{name}: {summary}");
        }
        // Nothing refused was stored.
        let items = api_items(&app, &token, id).await;
        assert_eq!(items.as_array().map(Vec::len), Some(7), "{backend:?}");
    }
}

#[tokio::test]
async fn files_over_the_limit_are_refused() {
    let app = spawn_app_configured(Backend::Sqlite, |config| {
        config.evidence = EvidenceConfig { max_upload_bytes: 1024 * 1024, ..EvidenceConfig::default() };
    })
    .await;
    let world = app.world().await;
    let id = assessment(&app, &world, world.council).await;
    let lead = signed_in(&app, &world.lead).await;
    // Just over the file limit (inside the body's allowance for the form): the form says so.
    let mut text = "x".repeat(1024 * 1024 + 1000);
    text.push('\n');
    let response = upload(&app, &lead, id, "Big", Some(("big.txt", text.into_bytes())), &[]).await;
    assert_eq!(response.status(), 422);
    assert!(error_summary(response).await.contains("larger than 1 MB"));
    // Far over: 413 before the body is read, with a page that says the limit.
    let response =
        upload(&app, &lead, id, "Huge", Some(("huge.txt", vec![b'x'; 3 * 1024 * 1024])), &[]).await;
    assert_eq!(response.status(), 413);
    let body = response.text().await.expect("body");
    assert!(body.contains("1 MB or smaller") && body.contains("evidence library"), "{body}");
}

#[tokio::test]
async fn files_are_served_to_members_of_the_council_only() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let world = app.world().await;
        let id = assessment(&app, &world, world.council).await;
        let lead = signed_in(&app, &world.lead).await;
        let response = upload(
            &app,
            &lead,
            id,
            "Plan",
            Some(("Carers plan 2025–26.pdf", samples::pdf(&[&["Plan"]], false))),
            &[],
        )
        .await;
        assert_eq!(response.status(), 303);
        let file = format!("/assessments/{id}/evidence/{}/file", item_id(&response));
        let viewer = signed_in(&app, &world.viewer).await;
        let response = app.get_with(&viewer, &file).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-disposition"],
            "attachment; filename=\"Carers-plan-2025-26.pdf\"; filename*=UTF-8''Carers%20plan%202025%E2%80%9326.pdf"
        );
        assert_eq!(response.headers()["cache-control"], "private, no-store");
        let other = signed_in(&app, &world.other_lead).await;
        assert_eq!(app.get_with(&other, &file).await.status(), 404, "another council's lead");
        let anonymous = browser();
        let response = app.get_with(&anonymous, &file).await;
        assert_eq!(response.status(), 303);
        assert!(response.headers()["location"].to_str().unwrap_or_default().starts_with("/sign-in"));
        // Another council's assessment with this council's item: not found.
        let elsewhere = assessment(&app, &world, world.other_council).await;
        let wrong = file.replace(&id.to_string(), &elsewhere.to_string());
        assert_eq!(app.get_with(&other, &wrong).await.status(), 404);
    }
}

#[tokio::test]
async fn personal_information_keeps_an_item_from_ready_until_reviewed() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let world = app.world().await;
        let id = assessment(&app, &world, world.council).await;
        let qs_lead = signed_in(&app, &world.qs_lead).await;
        let pdf = samples::pdf(
            &[
                &["Complaints summary"],
                &["Mrs Patel (NHS 943 476 5919) complained.", "Switchboard 01632 960000"],
            ],
            true,
        );
        let response =
            upload(&app, &qs_lead, id, "Complaints 2025", Some(("complaints.pdf", pdf)), &[]).await;
        assert_eq!(response.status(), 303, "{}", error_summary(response).await);
        let item_id = item_id(&response);
        let token = selfassess::accounts::service::cli_token(&app.db, &world.qs_lead, "t", 1)
            .await
            .expect("token")
            .token;
        let items = api_items(&app, &token, id).await;
        let listed = item(&items, item_id);
        assert_eq!(listed["state"], "needs_redaction");
        let findings = listed["personal_information_findings"].as_array().cloned().unwrap_or_default();
        let kinds: Vec<&str> = findings.iter().filter_map(|f| f["kind"].as_str()).collect();
        assert!(
            kinds.contains(&"nhs_number")
                && kinds.contains(&"name_after_title")
                && kinds.contains(&"phone_number"),
            "{kinds:?}"
        );
        let nhs = findings.iter().find(|f| f["kind"] == "nhs_number").expect("nhs");
        assert!(nhs["location"].as_str().is_some_and(|l| l.starts_with("page 2, line ")), "{nhs}");
        assert_eq!(nhs["text"], "943 476 5919");

        let page = format!("/assessments/{id}/evidence/{item_id}");
        let ready =
            app.post_form_with(&qs_lead, &page, &format!("{page}/state"), &[("state", "ready")]).await;
        assert_eq!(ready.status(), 422);
        assert!(error_summary(ready).await.contains("not been reviewed"));
        // A viewer may not review or move it.
        let viewer = signed_in(&app, &world.viewer).await;
        let finding = nhs["id"].as_str().expect("id");
        let review = format!("{page}/findings/{finding}/review");
        assert_eq!(app.post_form_with(&viewer, &page, &review, &[("reason", "fine")]).await.status(), 403);
        // A reason is needed.
        assert_eq!(app.post_form_with(&qs_lead, &page, &review, &[("reason", " ")]).await.status(), 422);
        for f in &findings {
            let review = format!("{page}/findings/{}/review", f["id"].as_str().expect("id"));
            let response = app
                .post_form_with(
                    &qs_lead,
                    &page,
                    &review,
                    &[("reason", "Published with consent in the annual report")],
                )
                .await;
            assert_eq!(response.status(), 303);
        }
        let ready =
            app.post_form_with(&qs_lead, &page, &format!("{page}/state"), &[("state", "ready")]).await;
        assert_eq!(ready.status(), 303);
        let items = api_items(&app, &token, id).await;
        let listed = item(&items, item_id);
        assert_eq!(listed["state"], "ready");
        assert!(
            listed["personal_information_findings"]
                .as_array()
                .is_some_and(|f| f.iter().all(|f| f["reviewed"] == true))
        );
        // The audit trail holds no found text, only masked.
        let entries = selfassess::audit::list(
            &app.db,
            &selfassess::audit::AuditFilter {
                council_id: Some(world.council),
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .expect("audit");
        let text =
            serde_json::to_string(&entries.iter().map(|e| &e.summary).collect::<Vec<_>>()).expect("json");
        assert!(
            !text.contains("943 476 5919") && !text.contains("Patel") && !text.contains("01632 960000"),
            "{text}"
        );
        assert!(entries.iter().any(|e| e.entity == "evidence_finding" && e.action == "review"));
        assert!(entries.iter().any(|e| e.entity == "evidence_item" && e.action == "create"));
        // Withdrawing is audited too.
        let withdraw =
            app.post_form_with(&qs_lead, &page, &format!("{page}/state"), &[("state", "withdrawn")]).await;
        assert_eq!(withdraw.status(), 303);
    }
}

#[tokio::test]
async fn the_api_contracts_and_coverage() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let world = app.world().await;
        let id = assessment(&app, &world, world.council).await;
        let lead = selfassess::accounts::service::cli_token(&app.db, &world.lead, "t", 1)
            .await
            .expect("token")
            .token;
        let viewer = selfassess::accounts::service::cli_token(&app.db, &world.viewer, "t", 1)
            .await
            .expect("token")
            .token;
        let other = selfassess::accounts::service::cli_token(&app.db, &world.other_lead, "t", 1)
            .await
            .expect("token")
            .token;
        let api = reqwest::Client::new();
        let url = format!("{}/api/v1/assessments/{id}/evidence", app.address);
        let post =
            |token: &str, body: serde_json::Value| api.post(&url).bearer_auth(token).json(&body).send();

        let coverage: serde_json::Value = api
            .get(format!("{url}/coverage"))
            .bearer_auth(&viewer)
            .send()
            .await
            .expect("coverage")
            .json()
            .await
            .expect("json");
        let ir_count: usize = coverage["themes"]
            .as_array()
            .expect("themes")
            .iter()
            .map(|t| t["ir_items"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(ir_count, 35);
        assert_eq!(coverage["totals"]["ir_missing"], 35);
        assert_eq!(coverage["quality_statements"].as_array().map(Vec::len), Some(9));

        let good = serde_json::json!({
            "title": "Carers strategy 2024 to 2027",
            "document_type": "strategy_and_plans",
            "link": "https://www.example.gov.uk/carers-strategy",
            "pointer": "section 3",
            "effective_from": "2024-04-01",
            "effective_to": "2027-03-31",
            "ir_items": ["IR33"],
            "quality_statements": ["QS7"]
        });
        let created = post(&lead, good.clone()).await.expect("post");
        assert_eq!(created.status(), 201);
        let created: serde_json::Value = created.json().await.expect("json");
        assert_eq!(created["state"], "draft");
        assert_eq!(created["ir_items"], serde_json::json!(["IR33"]));
        assert_eq!(created["currency"], "current");
        assert_eq!(created["personal_information_findings"], serde_json::json!([]));
        // An old item is flagged out of date.
        let old = serde_json::json!({"title": "Old plan", "document_type": "joint_plans",
            "link": "https://www.example.gov.uk/old", "effective_from": "2020-01-01", "ir_items": ["IR22"]});
        let old: serde_json::Value = post(&lead, old).await.expect("post").json().await.expect("json");
        assert_eq!(old["currency"], "out_of_date");

        let invalid = post(&lead, serde_json::json!({"title": "", "document_type": "memo", "link": "ftp://x", "ir_items": ["IR99"]}))
            .await
            .expect("post");
        assert_eq!(invalid.status(), 422);
        let invalid: serde_json::Value = invalid.json().await.expect("json");
        assert_eq!(invalid["error"]["code"], "invalid");
        let fields: Vec<&str> = invalid["error"]["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .filter_map(|p| p["field"].as_str())
            .collect();
        assert_eq!(fields, ["title", "document_type", "link", "ir_items"]);
        let malformed = api.post(&url).bearer_auth(&lead).body("{not json").send().await.expect("post");
        assert_eq!(malformed.status(), 400);
        assert_eq!(post(&viewer, good.clone()).await.expect("post").status(), 403);
        assert_eq!(post(&other, good.clone()).await.expect("post").status(), 404);
        assert_eq!(api.post(&url).json(&good).send().await.expect("post").status(), 401);
        assert_eq!(api.get(&url).bearer_auth(&other).send().await.expect("get").status(), 404);

        // A file item through the API (multipart).
        let form = reqwest::multipart::Form::new()
            .text("title", "Appeals")
            .text("document_type", "performance_report")
            .text("ir_items", "IR6")
            .part(
                "file",
                reqwest::multipart::Part::bytes(samples::xlsx("Appeals", &[&["Q1", "12"]]))
                    .file_name("appeals.xlsx"),
            );
        let response = api.post(&url).bearer_auth(&lead).multipart(form).send().await.expect("post");
        assert_eq!(response.status(), 201);
        let form = reqwest::multipart::Form::new()
            .text("title", "Bomb")
            .text("document_type", "other")
            .part("file", reqwest::multipart::Part::bytes(samples::docx_bomb(20)).file_name("bomb.docx"));
        let response = api.post(&url).bearer_auth(&lead).multipart(form).send().await.expect("post");
        assert_eq!(response.status(), 422);

        // Marking the strategy ready changes the matrix.
        let lead_browser = signed_in(&app, &world.lead).await;
        let page = format!("/assessments/{id}/evidence/{}", created["id"].as_str().expect("id"));
        let response =
            app.post_form_with(&lead_browser, &page, &format!("{page}/state"), &[("state", "ready")]).await;
        assert_eq!(response.status(), 303);
        let coverage: serde_json::Value = api
            .get(format!("{url}/coverage"))
            .bearer_auth(&lead)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        let ir33 = coverage["themes"]
            .as_array()
            .expect("themes")
            .iter()
            .flat_map(|t| t["ir_items"].as_array().cloned().unwrap_or_default())
            .find(|ir| ir["code"] == "IR33")
            .expect("IR33");
        assert_eq!(ir33["status"], "ready");
        assert_eq!(ir33["evidence"][0]["title"], "Carers strategy 2024 to 2027");
        assert_eq!(coverage["totals"]["ir_ready"], 1);
        assert_eq!(coverage["totals"]["ir_draft_only"], 2, "IR22 and IR6");
        assert_eq!(coverage["totals"]["out_of_date"], 1);
        let qs7 = coverage["quality_statements"]
            .as_array()
            .expect("qs")
            .iter()
            .find(|q| q["id"] == "QS7")
            .expect("QS7");
        assert_eq!(qs7["status"], "ready");

        // The pages show the same.
        let (status, html) =
            app.get_html_with(&lead_browser, &format!("/assessments/{id}/evidence/coverage")).await;
        assert_eq!(status, 200);
        let rows = crate::helpers::select_texts(&html, "tbody tr");
        assert!(
            rows.iter()
                .any(|r| r.starts_with("IR33") && r.contains("Ready") && r.contains("Carers strategy")),
            "{rows:?}"
        );
        let (status, html) = app.get_html_with(&lead_browser, &format!("/assessments/{id}/evidence")).await;
        assert_eq!(status, 200);
        assert!(
            crate::helpers::select_texts(&html, "td").iter().any(|t| t.contains("More than 12 months old"))
        );
        // Section D downloads.
        let csv = app.get_with(&lead_browser, &format!("/assessments/{id}/evidence.csv")).await;
        assert_eq!(csv.status(), 200);
        let csv = csv.text().await.expect("csv");
        assert!(
            csv.contains("IR33,Strategy for supporting unpaid carers.,Carers strategy 2024 to 2027"),
            "{csv}"
        );
        let xlsx = app.get_with(&lead_browser, &format!("/assessments/{id}/evidence.xlsx")).await;
        assert_eq!(xlsx.status(), 200);
    }
}

#[tokio::test]
async fn leads_set_how_old_evidence_may_be() {
    let app = spawn_app(Backend::Sqlite).await;
    let world = app.world().await;
    let id = assessment(&app, &world, world.council).await;
    let lead = signed_in(&app, &world.lead).await;
    let settings = format!("/assessments/{id}/evidence/settings");
    assert_eq!(
        app.post_form_with(&lead, &settings, &settings, &[("currency_months", "0")]).await.status(),
        422
    );
    assert_eq!(
        app.post_form_with(&lead, &settings, &settings, &[("currency_months", "72")]).await.status(),
        303
    );
    let token =
        selfassess::accounts::service::cli_token(&app.db, &world.lead, "t", 1).await.expect("token").token;
    let coverage: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/assessments/{id}/evidence/coverage", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(coverage["currency_months"], 72);
    let contributor = signed_in(&app, &world.contributor).await;
    assert_eq!(app.get_with(&contributor, &settings).await.status(), 403);
}

// ---------------------------------------------------------------------------------------------
// S3, against moto's server.

/// A moto S3 server on a free local port, stopped when dropped.
struct Moto {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `python3 -m moto.server`; `None` (with a notice) when moto is not installed.
async fn start_moto() -> Option<Moto> {
    selfassess::evidence::storage::install_crypto_provider();
    let installed = std::process::Command::new("python3")
        .args(["-c", "import moto.server, flask, werkzeug"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        eprintln!(
            "NOTICE: the S3 tests are skipped: moto is not installed (python3 -m pip install 'moto[server]', as .ci/run does)"
        );
        return None;
    }
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("addr").port();
    let child = std::process::Command::new("python3")
        .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start moto");
    let moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
    for _ in 0..200 {
        if reqwest::get(format!("{}/", moto.endpoint)).await.is_ok() {
            return Some(moto);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("moto did not start on port {port} within 20 seconds");
}

async fn create_bucket(moto: &Moto, bucket: &str) {
    let response = reqwest::Client::new()
        .put(format!("{}/{bucket}", moto.endpoint))
        .send()
        .await
        .expect("create bucket");
    assert!(response.status().is_success(), "create bucket: {}", response.status());
}

fn s3_config(moto: &Moto, bucket: &str) -> S3Config {
    S3Config {
        bucket: bucket.to_owned(),
        endpoint: Some(moto.endpoint.clone()),
        region: "eu-west-2".to_owned(),
        access_key_id: Some("testing".to_owned()),
        secret_access_key: Some("testing".to_owned()),
    }
}

#[tokio::test]
async fn the_file_store_round_trips_through_s3() {
    let Some(moto) = start_moto().await else { return };
    create_bucket(&moto, "evidence-store").await;
    let store = FileStore::s3(&s3_config(&moto, "evidence-store")).expect("store");
    assert!(store.describe().starts_with("s3://evidence-store"));
    let dir = tempfile::tempdir().expect("dir");
    // Large enough for a multipart upload (over the 10 MB buffer), varied so a mix-up shows.
    let bytes: Vec<u8> = (0..12 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let path = dir.path().join("big.bin");
    std::fs::write(&path, &bytes).expect("write");
    let key = FileStore::new_key(Uuid::now_v7());
    store.put_file(&key, &path).await.expect("put");
    let back = store.get_bytes(&key).await.expect("get");
    assert_eq!(back.len(), bytes.len());
    assert!(back.as_ref() == bytes.as_slice(), "the same bytes come back");
    store.delete(&key).await.expect("delete");
    assert!(store.get_bytes(&key).await.is_err(), "gone");
    store.delete(&key).await.expect("deleting twice is fine");
}

#[tokio::test]
async fn the_app_keeps_evidence_in_an_s3_bucket_when_configured() {
    let Some(moto) = start_moto().await else { return };
    create_bucket(&moto, "council-evidence").await;
    let config = s3_config(&moto, "council-evidence");
    let app = spawn_app_configured(Backend::Sqlite, |c| {
        c.evidence = EvidenceConfig { s3: Some(config.clone()), ..EvidenceConfig::default() };
    })
    .await;
    let world = app.world().await;
    let id = assessment(&app, &world, world.council).await;
    let lead = signed_in(&app, &world.lead).await;
    let pdf = samples::pdf(&[&["Market position statement"]], true);
    let response = upload(&app, &lead, id, "Market position", Some(("market.pdf", pdf.clone())), &[]).await;
    assert_eq!(response.status(), 303, "{}", error_summary(response).await);
    let file = format!("/assessments/{id}/evidence/{}/file", item_id(&response));
    let download = app.get_with(&lead, &file).await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.expect("bytes").as_ref(), pdf.as_slice());
    // It is in the bucket, not in the data directory.
    assert!(!app.data_dir().join("evidence").exists());
    let listing =
        reqwest::get(format!("{}/council-evidence?list-type=2", moto.endpoint)).await.expect("list");
    let listing = listing.text().await.expect("xml");
    assert!(listing.contains(&format!("evidence/{id}/")), "{listing}");
}
