//! Pages, the JSON API and the headers every response carries.

use crate::helpers::{Backend, select_texts, spawn_app};

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("body"), "ok");
}

#[tokio::test]
async fn every_response_carries_security_headers() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut nonces = Vec::new();
    for path in
        ["/", "/frameworks/cqc-la-2023", "/no-such-page", "/api/v1/frameworks", "/healthz", "/assets/app.css"]
    {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers.get("content-security-policy").unwrap_or_else(|| panic!("CSP on {path}"));
        let csp = csp.to_str().expect("ascii");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-eval"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("nonce");
        nonces.push(nonce.to_owned());
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert!(headers.contains_key("referrer-policy"), "{path}");
        assert!(headers.contains_key("x-request-id"), "{path}");
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 6, "a fresh nonce per response");
}

#[tokio::test]
async fn the_inline_script_carries_the_response_nonce() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app.get("/").await;
    let csp = response.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    let body = response.text().await.expect("body");
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("nonce");
    let html = scraper::Html::parse_document(&body);
    let inline = scraper::Selector::parse("script:not([src])").expect("selector");
    let scripts: Vec<_> = html.select(&inline).collect();
    assert!(!scripts.is_empty());
    for script in scripts {
        assert_eq!(script.value().attr("nonce"), Some(nonce), "every inline script has the nonce");
    }
    assert!(!body.contains(" style=\""), "no inline style attributes (CSP forbids them)");
}

#[tokio::test]
async fn unknown_pages_get_a_styled_404() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, html) = app.get_html("/no/such/page").await;
    assert_eq!(status, 404);
    assert_eq!(select_texts(&html, "h1"), ["Page not found"]);
    assert_eq!(select_texts(&html, "a.govuk-skip-link"), ["Skip to main content"]);
    let (status, _) = app.get_html("/frameworks/no-such-framework").await;
    assert_eq!(status, 404);
    let (status, _) = app.get_html("/frameworks/cqc-la-2023/quality-statements/QS10").await;
    assert_eq!(status, 404);
    let (status, _) = app.get_html("/frameworks/cqc-la-2023/quality-statements/qs1").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn unknown_api_routes_answer_structured_json() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app.get("/api/v1/frameworks/nope").await;
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    let response = app.client.post(format!("{}/api/v1/frameworks", app.address)).send().await.expect("sent");
    assert_eq!(response.status(), 405);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn the_framework_is_browsable() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, home) = app.get_html("/").await;
    assert_eq!(status, 200);
    assert_eq!(select_texts(&home, "h1").len(), 1);
    assert!(
        select_texts(&home, "a")
            .iter()
            .any(|t| t.contains("Assessment framework for local authority assurance"))
    );

    let (status, framework) = app.get_html("/frameworks/cqc-la-2023").await;
    assert_eq!(status, 200);
    let themes = select_texts(&framework, "h2.govuk-heading-l");
    assert_eq!(
        themes,
        [
            "Theme 1: Working with people",
            "Theme 2: Providing support",
            "Theme 3: How the local authority ensures safety within the system",
            "Theme 4: Leadership"
        ]
    );
    let statement_links = select_texts(&framework, "td a[href*='/quality-statements/']");
    assert_eq!(statement_links.len(), 9);

    let (status, qs) = app.get_html("/frameworks/cqc-la-2023/quality-statements/QS1").await;
    assert_eq!(status, 200);
    assert_eq!(select_texts(&qs, "h1"), ["Assessing needs"]);
    let items = select_texts(&qs, "#checklist ~ table tbody tr");
    assert_eq!(items.len(), 14);
    assert!(items[0].starts_with("QS1.1 The wellbeing principle is embedded"));
    let headings = select_texts(&qs, "h2");
    for expected in [
        "Quality statement",
        "I statements",
        "Summary",
        "What CQC will be looking for",
        "Related sections of the Care Act 2014",
        "Stage 1 checklist",
        "Stage 2 prompts",
        "Required evidence",
        "Information Return items",
        "Best practice and guidance",
    ] {
        assert!(headings.iter().any(|h| h == expected), "missing heading {expected:?} in {headings:?}");
    }
    let categories = select_texts(&qs, "#evidence ~ h3");
    assert_eq!(
        categories,
        [
            "People's experience",
            "Feedback from staff and leaders",
            "Processes",
            "Feedback from partners",
            "Outcomes"
        ]
    );

    let (status, ir) = app.get_html("/frameworks/cqc-la-2023/information-return").await;
    assert_eq!(status, 200);
    let codes = select_texts(&ir, "tbody th[scope=row]");
    assert_eq!(codes.len(), 35);
    assert_eq!(codes[0], "IR37");

    let (status, toolkit) = app.get_html("/frameworks/cqc-la-2023/toolkit").await;
    assert_eq!(status, 200);
    let sections = select_texts(&toolkit, "#stage-3 ~ h3");
    assert!(sections.iter().any(|s| s.starts_with("Section D")), "{sections:?}");

    let (status, statement) = app.get_html("/accessibility").await;
    assert_eq!(status, 200);
    assert_eq!(select_texts(&statement, "h1"), ["Accessibility statement"]);
}

#[tokio::test]
async fn the_framework_api_has_the_counts() {
    let app = spawn_app(Backend::Sqlite).await;
    let list: serde_json::Value = app.get("/api/v1/frameworks").await.json().await.expect("json");
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["key"], "cqc-la-2023");
    assert_eq!(list[0]["version"], "November 2023");
    assert_eq!(list[0]["sources"].as_array().map(Vec::len), Some(2));

    let response = app.get("/api/v1/frameworks/cqc-la-2023").await;
    assert_eq!(response.status(), 200);
    let framework: serde_json::Value = response.json().await.expect("json");
    let themes = framework["themes"].as_array().expect("themes");
    assert_eq!(themes.len(), 4);
    let statements: Vec<&serde_json::Value> =
        themes.iter().flat_map(|t| t["quality_statements"].as_array().expect("qs")).collect();
    assert_eq!(statements.len(), 9);
    let counts: Vec<usize> =
        statements.iter().map(|qs| qs["checklist_items"].as_array().expect("items").len()).collect();
    assert_eq!(counts, [14, 12, 7, 12, 6, 10, 15, 9, 10]);
    assert_eq!(statements[0]["id"], "QS1");
    assert_eq!(statements[0]["title"], "Assessing needs");
    assert_eq!(statements[0]["checklist_items"][0]["id"], "QS1.1");
    assert!(
        statements[0]["checklist_items"][0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("The wellbeing principle"))
    );
    assert!(statements.iter().all(|qs| qs["prompts"].as_array().is_some_and(|p| !p.is_empty())));
    let ir = framework["information_return_items"].as_array().expect("ir");
    assert_eq!(ir.len(), 35);
    let ir5 = ir.iter().find(|i| i["code"] == "IR5").expect("IR5");
    assert_eq!(ir5["quality_statements"], serde_json::json!(["QS1"]));
    assert_eq!(ir5["document_types"], serde_json::json!(["Policy and procedures", "Performance reports"]));
    let ir2 = ir.iter().find(|i| i["code"] == "IR2").expect("IR2");
    assert_eq!(ir2["quality_statements"].as_array().map(Vec::len), Some(9));
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status(), 200);
    let doc: serde_json::Value = response.json().await.expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.contains_key("/api/v1/frameworks"));
    assert!(paths.contains_key("/api/v1/frameworks/{key}"));
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for schema in ["FrameworkSummary", "FrameworkDetail", "QualityStatementOut", "IrItemOut", "ApiErrorBody"]
    {
        assert!(schemas.contains_key(schema), "schema {schema}");
    }
}

#[tokio::test]
async fn server_errors_show_a_generic_page_and_never_the_cause() {
    use axum::routing::get;
    use selfassess::web::AppError;
    use tower::ServiceExt;

    let dir = tempfile::tempdir().expect("tempdir");
    let db = selfassess::db::Db::connect(&selfassess::config::DatabaseUrl::default_in(dir.path()))
        .await
        .expect("db");
    db.migrate().await.expect("migrate");
    let state = selfassess::startup::AppState::new(db).await.expect("state");
    let routes = axum::Router::new()
        .route("/boom", get(|| async { Err::<(), _>(AppError::Internal) }))
        .route("/api/v1/boom", get(|| async { Err::<(), _>(AppError::Internal) }))
        .route(
            "/panic",
            get(|| async {
                if true {
                    panic!("secret cause")
                }
            }),
        );
    let app = selfassess::startup::with_layers(routes, state);

    for path in ["/boom", "/panic"] {
        let request = axum::http::Request::get(path).body(axum::body::Body::empty()).expect("request");
        let response = app.clone().oneshot(request).await.expect("response");
        assert_eq!(response.status(), 500, "{path}");
        assert!(response.headers().contains_key("content-security-policy"));
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("Sorry, there is a problem with the service"), "{path}: {body}");
        assert!(!body.contains("secret cause"), "{path}");
    }
    let request = axum::http::Request::get("/api/v1/boom").body(axum::body::Body::empty()).expect("request");
    let response = app.oneshot(request).await.expect("response");
    assert_eq!(response.status(), 500);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
    let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(json["error"]["code"], "internal_error");
}

#[test]
fn invalid_configuration_exits_non_zero_with_a_message() {
    let bin = env!("CARGO_BIN_EXE_selfassess");
    let output = std::process::Command::new(bin)
        .args(["serve", "--database-url", "mysql://app:hunter2@localhost/db"])
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("must start with `sqlite:` or `postgres://`"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "the password is never printed: {stderr}");

    let output =
        std::process::Command::new(bin).args(["serve", "--addr", "not-an-address"]).output().expect("run");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--addr"));
}
