//! Stage 3: composing the document (a part starts from its verified Stage 2 summary; the 750
//! words and three strengths are enforced on the server with clear messages and nothing
//! saved; someone else's save is not overwritten), Section C's figures withheld for small
//! groups, the sign-off, the readiness checks, and the exports end to end (the page's export
//! job, the API's .docx/.html/.pdf/.zip read back with LibreOffice, pdftotext and calamine).
//! On SQLite and, when configured, PostgreSQL.

use serde_json::{Value, json};

use crate::engagement::setup;
use crate::helpers::{
    PASSWORD, TestApp, World, backends, browser, libreoffice_convert, select_texts, spawn_app,
};

struct Stage3 {
    app: TestApp,
    world: World,
    assessment: String,
    round_token: String,
    groups: Vec<String>,
    lead_token: String,
}

async fn stage3(backend: crate::helpers::Backend) -> Stage3 {
    let app = spawn_app(backend).await;
    let (world, s) = setup(&app).await;
    Stage3 {
        app,
        world,
        assessment: s.assessment,
        round_token: s.round_token,
        groups: s.groups,
        lead_token: s.lead_token,
    }
}

impl Stage3 {
    fn id(&self) -> uuid::Uuid {
        uuid::Uuid::parse_str(&self.assessment).expect("uuid")
    }

    fn path(&self, rest: &str) -> String {
        format!("/assessments/{}/report{rest}", self.assessment)
    }

    /// QS1's Stage 2 summary, written by the quality statement lead and verified.
    async fn verified_summary(&self) {
        use selfassess::summaries::domain::{Content, Improvement, Strength};
        use selfassess::summaries::service;
        let frameworks = selfassess::framework::Frameworks::shipped().expect("frameworks");
        let qs_lead = self.app.actor(&self.world.qs_lead).await;
        let content = Content {
            ambition: "Everyone who asks for help is assessed quickly and well.".into(),
            strengths: vec![Strength {
                statement: "Strengths-based conversations are the norm.".into(),
                how_we_know: "Audit of 120 case files.".into(),
                improvement_work: "Practice weeks twice a year.".into(),
            }],
            improvements: vec![Improvement {
                area: "Waiting times for carers' assessments.".into(),
                how_we_know: "Median wait 9 weeks.".into(),
                work: "A carers' hub from June.".into(),
            }],
            score: Some(3),
            rationale: "Most evidence shows a good standard; carers wait too long.".into(),
            ..Default::default()
        };
        service::save(&self.app.db, &frameworks, &qs_lead, self.id(), "QS1", &content, None)
            .await
            .expect("save");
        service::submit(&self.app.db, &frameworks, &qs_lead, self.id(), "QS1").await.expect("submit");
        let verifier = self.app.actor(&self.world.verifier).await;
        let (_, summary) =
            service::load(&self.app.db, &frameworks, &verifier, self.id(), "QS1").await.expect("load");
        let input = service::VerifyInput {
            name: "Vera Verifier",
            post: "Director of adult social services",
            version: &summary.version().to_string(),
            content_hash: &summary.content_hash(),
        };
        service::verify(&self.app.db, &frameworks, &verifier, self.id(), "QS1", input).await.expect("verify");
    }

    async fn respond(&self, group: usize, n: usize) {
        for i in 0..n {
            let answers: Vec<Value> = (1..=14)
                .map(|item| json!({"item": format!("QS1.{item}"), "rating": 3 + (i % 2), "evidence": "", "evidence_needed": ""}))
                .collect();
            let status = self
                .app
                .client
                .post(format!("{}/api/v1/rounds/{}/responses", self.app.address, self.round_token))
                .header("Idempotency-Key", format!("{group}-{i}"))
                .json(&json!({"group": self.groups[group], "answers": answers}))
                .send()
                .await
                .expect("sent")
                .status();
            assert_eq!(status, 201);
        }
    }

    async fn api_bytes(&self, path: &str) -> (u16, String, Vec<u8>) {
        let response = self
            .app
            .client
            .get(format!("{}{path}", self.app.address))
            .bearer_auth(&self.lead_token)
            .send()
            .await
            .expect("sent");
        let status = response.status().as_u16();
        let disposition = response
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        (status, disposition, response.bytes().await.expect("body").to_vec())
    }
}

async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let client = browser();
    app.sign_in_with(&client, email, PASSWORD).await;
    client
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let response = app.post_form_with(client, "/account", action, fields).await;
    let status = response.status().as_u16();
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (status, location, response.text().await.expect("body"))
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let response = app.get_with(client, path).await;
    (response.status().as_u16(), response.text().await.expect("body"))
}

fn errors(body: &str) -> Vec<String> {
    select_texts(&scraper::Html::parse_document(body), ".govuk-error-summary__list li")
}

fn textarea(body: &str, name: &str) -> String {
    let doc = scraper::Html::parse_document(body);
    let selector = scraper::Selector::parse(&format!("textarea[name=\"{name}\"]")).expect("selector");
    doc.select(&selector).next().map(|e| e.text().collect::<String>().trim().to_owned()).unwrap_or_default()
}

fn input(body: &str, name: &str) -> String {
    let doc = scraper::Html::parse_document(body);
    let selector = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).expect("selector");
    doc.select(&selector).next().and_then(|e| e.value().attr("value")).unwrap_or_default().to_owned()
}

fn words(n: usize) -> String {
    vec!["word"; n].join(" ")
}

async fn saved_part(s: &Stage3, part: &str) -> Option<(i64, Value)> {
    let rows = selfassess::report::store::parts(&s.app.db, s.id()).await.expect("db");
    rows.into_iter()
        .find(|r| r.part == part)
        .map(|r| (r.version, serde_json::from_str(&r.content).expect("json")))
}

#[tokio::test]
async fn a_part_starts_from_its_verified_summary_and_the_limits_hold_on_the_server() {
    for backend in backends() {
        let s = stage3(backend).await;
        let qs_lead = signed_in(&s.app, &s.world.qs_lead).await;
        let b1 = s.path("/b/QS1");

        // Before Stage 2 is verified the part starts empty, and says why.
        let (status, body) = page(&s.app, &qs_lead, &b1).await;
        assert_eq!(status, 200);
        assert!(body.contains("is not verified"), "{backend:?}");
        assert_eq!(textarea(&body, "introduction"), "");

        s.verified_summary().await;
        let (_, body) = page(&s.app, &qs_lead, &b1).await;
        assert_eq!(
            textarea(&body, "introduction"),
            "Everyone who asks for help is assessed quickly and well."
        );
        assert_eq!(
            textarea(&body, "strengths-1"),
            "Strengths-based conversations are the norm. How we know: Audit of 120 case files."
        );
        assert_eq!(textarea(&body, "priorities"), "A carers' hub from June.\n\nPractice weeks twice a year.");
        assert!(body.contains("starts from version"));
        let started_from = input(&body, "started_from");
        let verified =
            selfassess::summaries::store::summary(&s.app.db, s.id(), "QS1").await.expect("db").expect("row");
        assert_eq!(started_from, verified.version.to_string());
        assert!(saved_part(&s, "QS1").await.is_none(), "nothing saved by looking");

        // 751 words: refused with the count and what to do, nothing saved.
        let intro = words(700);
        let (status, _, body) = post(
            &s.app,
            &qs_lead,
            &b1,
            &[
                ("introduction", &intro),
                ("priorities", &words(50)),
                ("strengths-1", "one"),
                ("base_version", "0"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(
            errors(&body),
            ["This quality statement is 751 words; the most is 750. Remove 1 word to save it"]
        );
        assert_eq!(textarea(&body, "introduction"), intro, "what was typed is kept");
        assert!(saved_part(&s, "QS1").await.is_none());

        // Four strengths: refused.
        let (status, _, body) = post(
            &s.app,
            &qs_lead,
            &b1,
            &[
                ("introduction", "Intro."),
                ("strengths-1", "a"),
                ("strengths-2", "b"),
                ("strengths-3", "c"),
                ("strengths-4", "d"),
                ("base_version", "0"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(
            errors(&body),
            [
                "Give no more than 3 areas of strength: you gave 4. The toolkit asks for the ones that matter most"
            ]
        );
        assert!(saved_part(&s, "QS1").await.is_none());

        // Exactly 750 words: saved, with the Stage 2 version it started from.
        let (status, location, _) = post(
            &s.app,
            &qs_lead,
            &b1,
            &[
                ("introduction", &words(700)),
                ("priorities", &words(50)),
                ("started_from", &started_from),
                ("base_version", "0"),
            ],
        )
        .await;
        assert_eq!((status, location.as_str()), (303, format!("{b1}?done=saved").as_str()));
        let (version, content) = saved_part(&s, "QS1").await.expect("saved");
        assert_eq!(version, 1);
        assert_eq!(content["started_from"]["version"], verified.version);
        assert_eq!(content["started_from"]["content_hash"], verified.content_hash.as_str());

        // A save from a form opened before that one does not overwrite it.
        let (status, _, body) =
            post(&s.app, &qs_lead, &b1, &[("introduction", "Stale."), ("base_version", "0")]).await;
        assert_eq!(status, 422);
        assert!(errors(&body)[0].contains("saved this part while you were changing it: nothing was saved"));
        assert_eq!(saved_part(&s, "QS1").await.expect("saved").0, 1);

        // Another statement's part is not the QS1 lead's to write.
        let (status, _, _) = post(&s.app, &qs_lead, &s.path("/b/QS2"), &[("introduction", "x")]).await;
        assert_eq!(status, 403);

        // The API reports the words against the limit.
        let (status, _, body) = s.api_bytes(&format!("/api/v1/assessments/{}/report", s.assessment)).await;
        assert_eq!(status, 200);
        let report: Value = serde_json::from_slice(&body).expect("json");
        let qs1 = report["parts"]
            .as_array()
            .expect("parts")
            .iter()
            .find(|p| p["part"] == "QS1")
            .expect("QS1")
            .clone();
        assert_eq!(
            (qs1["words"].as_u64(), qs1["word_limit"].as_u64(), qs1["over_limit"].as_bool()),
            (Some(750), Some(750), Some(false))
        );
    }
}

#[tokio::test]
async fn section_c_withholds_small_groups_and_records_the_sign_off() {
    for backend in backends() {
        let s = stage3(backend).await;
        s.respond(0, 8).await;
        s.respond(1, 2).await;
        s.respond(2, 7).await;
        let lead = signed_in(&s.app, &s.world.lead).await;
        let c = s.path("/c");
        let (status, body) = page(&s.app, &lead, &c).await;
        assert_eq!(status, 200);
        let cells = select_texts(&scraper::Html::parse_document(&body), "table td");
        // The analysis decides what else must go so that nothing is found by subtraction;
        // the survey's total of 17 stands.
        assert!(cells.iter().any(|c| c == "17"), "{cells:?}");
        assert!(cells.iter().any(|c| c == "fewer than 5 responses"), "the group of 2 is withheld: {cells:?}");
        assert!(!cells.iter().any(|c| c == "2"), "never the small count: {cells:?}");

        // Bad endorsements: every problem named, nothing stored.
        let endorse = s.path("/c/endorsements");
        let (status, _, body) = post(
            &s.app,
            &lead,
            &endorse,
            &[("role", "mayor"), ("date-day", "31"), ("date-month", "2"), ("date-year", "2026")],
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(
            errors(&body),
            [
                "Select whose endorsement this is",
                "Enter the name of the person endorsing the self-assessment",
                "The date of the endorsement must be a real date, like 27 3 2026"
            ]
        );
        assert!(selfassess::report::store::endorsements(&s.app.db, s.id()).await.expect("db").is_empty());

        let (status, location, _) = post(
            &s.app,
            &lead,
            &endorse,
            &[
                ("role", "director_of_adult_social_services"),
                ("name", "Dana Director"),
                ("comment", "I endorse this self-assessment."),
                ("date-day", "2"),
                ("date-month", "11"),
                ("date-year", "2026"),
            ],
        )
        .await;
        assert_eq!((status, location.as_str()), (303, format!("{c}?done=endorsed#endorsements").as_str()));
        let (_, body) = page(&s.app, &lead, &c).await;
        assert!(body.contains("Dana Director") && body.contains("2 November 2026"));
        let stored = selfassess::report::store::endorsements(&s.app.db, s.id()).await.expect("db");
        assert_eq!(stored.len(), 1);

        // The document shows the same, withheld figures included.
        let (status, _, html) =
            s.api_bytes(&format!("/api/v1/assessments/{}/report.html", s.assessment)).await;
        assert_eq!(status, 200);
        let html = String::from_utf8(html).expect("utf-8");
        assert!(html.contains("Director of adult social services") && html.contains("Dana Director"));
        assert!(html.contains("fewer than 5 responses"));

        // Removing it.
        let (status, _, _) = post(&s.app, &lead, &format!("{endorse}/{}/remove", stored[0].id), &[]).await;
        assert_eq!(status, 303);
        assert!(selfassess::report::store::endorsements(&s.app.db, s.id()).await.expect("db").is_empty());
    }
}

#[tokio::test]
async fn readiness_lists_what_stands_in_the_way() {
    for backend in backends() {
        let s = stage3(backend).await;
        let lead = signed_in(&s.app, &s.world.lead).await;
        let (status, body) = page(&s.app, &lead, &s.path("/readiness")).await;
        assert_eq!(status, 200);
        let gaps = select_texts(&scraper::Html::parse_document(&body), ".govuk-list--bullet li");
        for expected in [
            "Section A: write “About us”",
            "Section B: write the part for QS1 Assessing needs",
            "Section C: describe your self-assessment process",
            "Section C: record the sign-off and endorsements",
            "QS1 Assessing needs: the Stage 2 summary is not verified",
        ] {
            assert!(gaps.iter().any(|g| g == expected), "missing {expected:?} in {gaps:?}");
        }
        assert!(gaps.iter().any(|g| g.starts_with("IR37 ")), "IR items without evidence: {gaps:?}");

        // Personal information in the document's own text is flagged.
        let (status, ..) = post(
            &s.app,
            &lead,
            &s.path("/c"),
            &[("process", "Contact jo.bloggs@example.org for the workshop notes."), ("base_version", "0")],
        )
        .await;
        assert_eq!(status, 303);
        s.verified_summary().await;
        let (_, body) = page(&s.app, &lead, &s.path("/readiness")).await;
        let gaps = select_texts(&scraper::Html::parse_document(&body), ".govuk-list--bullet li");
        assert!(
            gaps.iter().any(|g| g.starts_with("Section C, our process: what looks like email address")),
            "{gaps:?}"
        );
        assert!(!gaps.iter().any(|g| g == "Section C: describe your self-assessment process"));
        assert!(!gaps.iter().any(|g| g.starts_with("QS1 Assessing needs: the Stage 2")), "verified now");

        // The self-check of the top tips is kept.
        let (status, ..) =
            post(&s.app, &lead, &s.path("/readiness"), &[("tips", "tip-1"), ("tips", "tip-9")]).await;
        assert_eq!(status, 303);
        let (_, body) = page(&s.app, &lead, &s.path("/readiness")).await;
        assert!(body.contains("2 of 9 ticked"), "{body}");

        // The JSON says the same.
        let (_, _, json) = s.api_bytes(&format!("/api/v1/assessments/{}/report", s.assessment)).await;
        let json: Value = serde_json::from_slice(&json).expect("json");
        assert_eq!(json["readiness"]["ready"], false);
        let ids: Vec<&str> = json["readiness"]["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter_map(|c| c["id"].as_str())
            .collect();
        assert_eq!(
            ids,
            ["sections", "verification", "information_return", "currency", "personal_information"]
        );
    }
}

#[tokio::test]
async fn the_document_exports_as_word_html_pdf_and_a_pack() {
    for backend in backends() {
        let s = stage3(backend).await;
        s.respond(0, 6).await;
        s.verified_summary().await;
        let lead = signed_in(&s.app, &s.world.lead).await;
        let (status, ..) = post(
            &s.app,
            &lead,
            &s.path("/a"),
            &[
                ("about_us", "A county of 800,000 people <script>alert(1)</script> & many villages."),
                ("base_version", "0"),
            ],
        )
        .await;
        assert_eq!(status, 303);

        // From the page: a quick export goes straight to its download, for its asker only.
        let (status, location, _) = post(&s.app, &lead, &s.path("/exports"), &[("format", "docx")]).await;
        assert_eq!(status, 303);
        assert!(location.ends_with("/download"), "{location}");
        let response = s.app.get_with(&lead, &location).await;
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .expect("ascii")
                .starts_with("attachment; filename=\"self-assessment-")
        );
        let docx = response.bytes().await.expect("body").to_vec();
        assert!(docx.starts_with(b"PK"));
        let viewer = signed_in(&s.app, &s.world.viewer).await;
        assert_eq!(s.app.get_with(&viewer, &location).await.status(), 404, "only the asker's");

        // The API: Word, converted by LibreOffice, holds every section heading.
        let (status, disposition, docx) =
            s.api_bytes(&format!("/api/v1/assessments/{}/report.docx", s.assessment)).await;
        assert_eq!(status, 200);
        assert!(disposition.ends_with(".docx\""));
        if let Some(pdf) = libreoffice_convert(&docx, "docx", "pdf") {
            let text = pdf_text(&pdf);
            for heading in [
                "Section A: Overview and summary",
                "Section B: Self-assessment against the CQC themes",
                "Section C: Our self-assessment process and sign off",
                "Section D: Our self-assessment library and evidence",
                "QS1: Assessing needs",
                "About us",
            ] {
                assert!(text.contains(heading), "{heading:?} not in the converted Word document");
            }
            assert!(text.contains("<script>alert(1)</script>"), "typed text is text");
        }

        // HTML: one page, the text escaped.
        let (status, _, html) =
            s.api_bytes(&format!("/api/v1/assessments/{}/report.html", s.assessment)).await;
        assert_eq!(status, 200);
        let html = String::from_utf8(html).expect("utf-8");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>alert"));
        assert!(
            html.contains("Everyone who asks for help is assessed quickly and well."),
            "QS1 started from Stage 2"
        );

        // PDF (with the feature): its text and pages.
        let (status, _, pdf) = s.api_bytes(&format!("/api/v1/assessments/{}/report.pdf", s.assessment)).await;
        if cfg!(feature = "pdf") {
            assert_eq!(status, 200);
            assert!(pdf.starts_with(b"%PDF-"));
            let text = pdf_text(&pdf);
            assert!(text.contains("Section D: Our self-assessment library and evidence"));
            assert!(pdf_pages(&pdf) >= 5, "title, contents, sections");
        } else {
            assert_eq!(status, 501);
        }

        // The pack: the document, the evidence table and the analysis workbook.
        let (status, _, zip) = s.api_bytes(&format!("/api/v1/assessments/{}/report.zip", s.assessment)).await;
        assert_eq!(status, 200);
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip");
        let names: Vec<String> = archive.file_names().map(|n| n.expect("a name").into_owned()).collect();
        assert!(names.iter().any(|n| n.ends_with(".docx")) && names.iter().any(|n| n.ends_with(".html")));
        assert_eq!(names.iter().any(|n| n.ends_with(".pdf")), cfg!(feature = "pdf"));
        for name in ["section-d-evidence.xlsx", "section-d-evidence.csv", "stage-1-analysis.xlsx"] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
        let mut xlsx = Vec::new();
        std::io::Read::read_to_end(
            &mut archive.by_name("section-d-evidence.xlsx").expect("entry"),
            &mut xlsx,
        )
        .expect("read");
        use calamine::Reader;
        let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).expect("an xlsx");
        let sheet = workbook.worksheet_range("Section D").expect("sheet");
        assert_eq!(sheet.get((0, 1)).map(ToString::to_string).as_deref(), Some("CQC IR"));
    }
}

/// The text of a PDF, with pdftotext (poppler-utils, installed by `.ci/run`).
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("in.pdf");
    std::fs::write(&path, pdf).expect("write");
    // Words joined by single spaces: a heading wrapped over two lines still reads as one.
    match std::process::Command::new("pdftotext").arg(&path).arg("-").output() {
        Ok(out) if out.status.success() => {
            String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
        }
        _ => panic!("pdftotext is needed (apt-get install poppler-utils)"),
    }
}

fn pdf_pages(pdf: &[u8]) -> usize {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("in.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdfinfo").arg(&path).output().expect("pdfinfo (poppler-utils)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap_or(0)))
        .unwrap_or(0)
}

/// The structure of the demonstration council's document, written out in full and reviewed:
/// the toolkit's four sections in order, Section A's four headings, a part per quality
/// statement with the template's three headings and its Stage 1 chart, Section C's process,
/// figures and sign-off, Section D by theme.
#[tokio::test]
async fn the_demo_councils_document_has_the_toolkits_structure() {
    use selfassess::report::document::Block;
    let app = spawn_app(crate::helpers::Backend::Sqlite).await;
    let frameworks = selfassess::framework::Frameworks::shipped().expect("frameworks");
    let demo = selfassess::engagement::demo::create(&app.db, &frameworks, 60, 7).await.expect("demo");
    let lead = demo.people.iter().find(|(role, _, _)| *role == "assessment lead").expect("a lead").1.clone();
    let actor = app.actor(&lead).await;
    let evidence = selfassess::evidence::storage::Evidence::default();
    let inputs =
        selfassess::report::service::inputs(&app.db, &frameworks, &evidence, &actor, demo.assessment_id)
            .await
            .expect("inputs");
    let doc = selfassess::report::compose::document(
        &inputs,
        "Demo Borough Council",
        time::macros::date!(2026 - 11 - 23),
    );
    let headings = doc.headings();
    let at = |level: u8| headings.iter().filter(|(l, _)| *l == level).map(|(_, t)| *t).collect::<Vec<_>>();
    assert_eq!(
        at(1),
        [
            "Section A: Overview and summary",
            "Section B: Self-assessment against the CQC themes",
            "Section C: Our self-assessment process and sign off",
            "Section D: Our self-assessment library and evidence"
        ]
    );
    let level2 = at(2);
    assert_eq!(
        level2[..4],
        [
            "About us",
            "Our strategy for adult social care",
            "Our key strengths",
            "Our key risks, issues and challenges"
        ]
    );
    let statements: Vec<String> =
        frameworks.all()[0].quality_statements().map(|q| format!("{}: {}", q.id, q.title)).collect();
    assert_eq!(level2[4..13], statements.iter().map(String::as_str).collect::<Vec<_>>()[..]);
    assert_eq!(level2[13..16], ["Our process", "Engagement in figures", "Sign-off and endorsements"]);
    assert!(level2.len() > 16, "Section D has a heading per theme: {level2:?}");
    let parts = [
        "An introduction and summary",
        "Current performance",
        "Priorities to maintain and improve",
        "What people told us in Stage 1",
    ];
    let level3 = at(3);
    assert_eq!(level3.iter().filter(|t| parts.contains(t)).count(), 9 * 4);
    // The four endorsements, by role.
    assert!(level3.contains(&"Director of adult social services") && level3.contains(&"Chief executive"));
    let charts: Vec<_> =
        doc.blocks.iter().filter_map(|b| if let Block::Chart(c) = b { Some(c) } else { None }).collect();
    assert_eq!(charts.len(), 9);
    assert!(
        charts
            .iter()
            .all(|c| c.alt.starts_with("Diverging bar chart of the ratings") && c.svg.starts_with("<svg"))
    );
    let tables: Vec<_> =
        doc.blocks.iter().filter_map(|b| if let Block::Table(t) = b { Some(t) } else { None }).collect();
    assert!(
        tables.iter().all(|t| t.rows.iter().all(|r| r.len() == t.header.len())),
        "every row as wide as its header"
    );
    assert_eq!(tables.iter().filter(|t| t.header[0] == "Item").count(), 9, "a figures table per chart");
    assert!(tables.iter().any(|t| t.caption == "Responses by respondent group"));
    // QS9's summary is not verified in the demo, so its part is not written.
    let qs9 = doc
        .blocks
        .iter()
        .position(|b| matches!(b, Block::Heading { text, .. } if text.starts_with("QS9: ")))
        .expect("QS9");
    assert_eq!(doc.blocks[qs9 + 2], Block::Paragraph { text: "Not written yet.".into() });
}

/// An export slower than the wait (here no wait at all) shows its progress page, which offers
/// the file once it is made; the page works without JavaScript (a "Check progress" button).
#[tokio::test]
async fn a_slow_export_shows_its_progress_then_the_download() {
    let app = crate::helpers::spawn_app_configured(crate::helpers::Backend::Sqlite, |c| {
        c.limits.export_wait = std::time::Duration::ZERO;
    })
    .await;
    let (world, s) = setup(&app).await;
    let lead = signed_in(&app, &world.lead).await;
    let base = format!("/assessments/{}/report", s.assessment);
    let (status, location, _) = post(&app, &lead, &format!("{base}/exports"), &[("format", "html")]).await;
    assert_eq!(status, 303);
    assert!(
        location.starts_with(&format!("{base}/exports/")) && !location.ends_with("/download"),
        "{location}"
    );
    let mut body = String::new();
    for _ in 0..100 {
        let (status, page) = page(&app, &lead, &location).await;
        assert_eq!(status, 200);
        body = page;
        if body.contains("Your document is ready") {
            break;
        }
        assert!(body.contains("Making the document") && body.contains("Check progress"), "{body}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(body.contains("Your document is ready"), "{body}");
    let response = app.get_with(&lead, &format!("{location}/download")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
    assert!(response.text().await.expect("body").contains("Section A: Overview and summary"));
}

/// A database failure while looking the assessment up is a server error, not "not found".
#[tokio::test]
async fn an_export_through_the_api_answers_a_database_failure_with_a_server_error() {
    use sqlx::Connection;
    let s = stage3(crate::helpers::Backend::Sqlite).await;
    let path = format!("/api/v1/assessments/{}/report.html", s.assessment);
    assert_eq!(s.api_bytes(&path).await.0, 200);
    // Take the assessments away underneath the running app: a real failure, not a mock.
    let url = format!("sqlite:{}", s.app.data_dir().join("selfassess.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("open");
    sqlx::query("ALTER TABLE assessments RENAME TO assessments_away")
        .execute(&mut conn)
        .await
        .expect("rename");
    let (status, _, body) = s.api_bytes(&path).await;
    assert_eq!(status, 500, "{}", String::from_utf8_lossy(&body));
    let body: serde_json::Value = serde_json::from_slice(&body).expect("a structured error");
    assert_ne!(body["error"]["code"], "not_found", "{body}");
    sqlx::query("ALTER TABLE assessments_away RENAME TO assessments")
        .execute(&mut conn)
        .await
        .expect("rename back");
    assert_eq!(s.api_bytes(&path).await.0, 200, "well again once the table is back");
}
