//! Stage 2: the summary workflow (draft, submit, return with comments, edit, submit, verify, a
//! change voids the verification), who may do what, versions and their differences, bad input
//! (every problem named, nothing stored), Stage 1 starting points without JavaScript, the
//! indicative rating on its pages, in the API and on the command line. On SQLite and, when
//! configured, PostgreSQL.

use serde_json::{Value, json};

use crate::engagement::setup;
use crate::helpers::{PASSWORD, TestApp, World, backends, browser, select_texts, spawn_app};

const PREFIX: &str = "/assessments";

struct Stage2 {
    app: TestApp,
    world: World,
    assessment: String,
    round_token: String,
    groups: Vec<String>,
    lead_token: String,
}

async fn stage2(backend: crate::helpers::Backend) -> Stage2 {
    let app = spawn_app(backend).await;
    let (world, s) = setup(&app).await;
    Stage2 {
        app,
        world,
        assessment: s.assessment,
        round_token: s.round_token,
        groups: s.groups,
        lead_token: s.lead_token,
    }
}

async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let client = browser();
    app.sign_in_with(&client, email, PASSWORD).await;
    client
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let response = app.get_with(client, path).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

fn html(body: &str) -> scraper::Html {
    scraper::Html::parse_document(body)
}

/// The value of an input (or the text of a text area) on a page.
fn field(body: &str, name: &str) -> Option<String> {
    let doc = html(body);
    let input = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).expect("selector");
    if let Some(e) = doc.select(&input).next() {
        return e.value().attr("value").map(str::to_owned);
    }
    let area = scraper::Selector::parse(&format!("textarea[name=\"{name}\"]")).expect("selector");
    doc.select(&area).next().map(|e| e.text().collect::<String>().trim_start_matches('\n').to_owned())
}

fn errors(body: &str) -> Vec<String> {
    select_texts(&html(body), ".govuk-error-summary__list li")
}

/// Posts a form, with the form token of `form_page`.
async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    form_page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let response = app.post_form_with(client, form_page, action, fields).await;
    let status = response.status().as_u16();
    let location =
        response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, location, response.text().await.expect("body"))
}

fn summary_path(s: &Stage2, qs: &str) -> String {
    format!("{PREFIX}/{}/summaries/{qs}", s.assessment)
}

/// A complete summary's form fields, with `ambition` and `score` as given.
fn complete(ambition: &str, score: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ambition", ambition.to_owned()),
        ("strength_1_statement", "Strengths-based conversations are the norm".to_owned()),
        ("strength_1_how_we_know", "Audit of 120 case files, spring 2026".to_owned()),
        ("strength_1_improvement_work", "Practice weeks twice a year".to_owned()),
        ("improvement_1_area", "Waiting times for carers' assessments".to_owned()),
        ("improvement_1_how_we_know", "Median wait 9 weeks".to_owned()),
        ("improvement_1_work", "A carers' hub from June".to_owned()),
        ("quotation_1_text", "They listened to what mattered to me.".to_owned()),
        ("quotation_1_source", "An unpaid carer".to_owned()),
        ("document_1_title", "Adult social care strategy 2025–2028".to_owned()),
        ("document_1_url", "https://www.example.gov.uk/asc-strategy.pdf".to_owned()),
        ("score", score.to_owned()),
        ("rationale", "Most evidence shows a good standard; carers wait too long.".to_owned()),
    ]
}

async fn save(
    s: &Stage2,
    client: &reqwest::Client,
    qs: &str,
    fields: &[(&str, String)],
    base_version: &str,
) -> (u16, String, String) {
    let edit = format!("{}/edit", summary_path(s, qs));
    let mut body: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    body.push(("base_version", base_version));
    // The form token from a page everyone signed in may see (the edit page may be refused).
    post(&s.app, client, "/account", &edit, &body).await
}

async fn db_summary(s: &Stage2, qs: &str) -> Option<selfassess::summaries::store::SummaryRow> {
    let id = uuid::Uuid::parse_str(&s.assessment).expect("uuid");
    selfassess::summaries::store::summary(&s.app.db, id, qs).await.expect("db")
}

async fn state_of(s: &Stage2, qs: &str) -> (String, i64) {
    let row = db_summary(s, qs).await.expect("a summary");
    (row.state, row.version)
}

/// Posts the verification form of `qs` as `client`, with the version and hash read.
async fn verify_as(
    s: &Stage2,
    client: &reqwest::Client,
    qs: &str,
    (name, post_held): (&str, &str),
    version: &str,
    hash: &str,
) -> (u16, String, String) {
    let show = summary_path(s, qs);
    let fields =
        [("verifier_name", name), ("verifier_post", post_held), ("version", version), ("content_hash", hash)];
    post(&s.app, client, &show, &format!("{show}/verify"), &fields).await
}

/// Gives `email` another role in the test council, straight in the database.
async fn add_role(s: &Stage2, email: &str, role: &str) {
    let user = s.app.actor(email).await.user_id;
    let mut tx = s.app.db.begin().await.expect("begin");
    selfassess::accounts::store::add_membership(
        &mut tx,
        user,
        s.world.council,
        role,
        &[],
        time::OffsetDateTime::now_utc(),
    )
    .await
    .expect("membership");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn a_verifier_who_wrote_or_submitted_a_summary_can_neither_verify_nor_return_it() {
    for backend in backends() {
        let s = stage2(backend).await;
        // The quality statement lead is a verifier as well; the assessment lead is not.
        add_role(&s, &s.world.qs_lead, "verifier").await;
        let qs_lead = signed_in(&s.app, &s.world.qs_lead).await;
        let lead = signed_in(&s.app, &s.world.lead).await;
        let verifier = signed_in(&s.app, &s.world.verifier).await;
        // QS1 written by the lead-and-verifier and submitted by the assessment lead; QS4 the
        // other way round.
        for (qs, writer, submitter) in [("QS1", &qs_lead, &lead), ("QS4", &lead, &qs_lead)] {
            let show = summary_path(&s, qs);
            let (status, ..) =
                save(&s, writer, qs, &complete("Timely assessments for everyone.", "3"), "0").await;
            assert_eq!(status, 303, "{backend:?} {qs}");
            let (status, ..) = post(&s.app, submitter, &show, &format!("{show}/submit"), &[]).await;
            assert_eq!(status, 303, "{backend:?} {qs}");
            let before = db_summary(&s, qs).await.expect("summary");
            let version = before.version.to_string();

            let (_, body) = page(&s.app, &qs_lead, &show).await;
            assert!(!body.contains("Verify version"), "{backend:?} {qs}: the form is not offered");
            assert!(body.contains(selfassess::summaries::service::OWN_SUMMARY), "{body}");
            let (status, _, body) = verify_as(
                &s,
                &qs_lead,
                qs,
                ("Quinn Lead", "Head of Service"),
                &version,
                &before.content_hash,
            )
            .await;
            assert_eq!(status, 422, "{backend:?} {qs}");
            assert_eq!(errors(&body), [selfassess::summaries::service::OWN_SUMMARY]);
            let (status, _, body) =
                post(&s.app, &qs_lead, &show, &format!("{show}/return"), &[("comments", "Looks fine to me")])
                    .await;
            assert_eq!(status, 422, "{backend:?} {qs}");
            assert_eq!(errors(&body), [selfassess::summaries::service::OWN_SUMMARY]);
            let after = db_summary(&s, qs).await.expect("summary");
            assert_eq!(
                (after.state.as_str(), after.version),
                ("submitted", before.version),
                "nothing changed"
            );
            assert_eq!(after.verifier_account, None);

            // Another verifier is offered the form, and verifies it.
            let (_, body) = page(&s.app, &verifier, &show).await;
            assert!(body.contains(&format!("Verify version {version}")), "{backend:?} {qs}");
            let (status, ..) =
                verify_as(&s, &verifier, qs, ("Vera Verifier", "Director"), &version, &before.content_hash)
                    .await;
            assert_eq!(status, 303, "{backend:?} {qs}");
            assert_eq!(db_summary(&s, qs).await.expect("summary").state, "verified");
        }
    }
}

#[tokio::test]
async fn draft_submit_return_edit_submit_verify_and_a_change_voids_the_verification() {
    for backend in backends() {
        let s = stage2(backend).await;
        let qs_lead = signed_in(&s.app, &s.world.qs_lead).await;
        let verifier = signed_in(&s.app, &s.world.verifier).await;
        let show = summary_path(&s, "QS1");

        // Not started: the page says so; the verifier has nothing to verify.
        let (status, body) = page(&s.app, &verifier, &show).await;
        assert_eq!(status, 200, "{backend:?}");
        assert!(body.contains("Not started"), "{body}");
        assert!(!body.contains("Verify version"), "nothing to verify yet");

        // Draft: the quality statement lead saves a first version.
        let (status, location, _) =
            save(&s, &qs_lead, "QS1", &complete("Timely assessments for everyone.", "3"), "0").await;
        assert_eq!((status, location.as_str()), (303, format!("{show}?done=saved").as_str()), "{backend:?}");
        assert_eq!(state_of(&s, "QS1").await, ("draft".to_owned(), 1));
        let (_, body) = page(&s.app, &qs_lead, &format!("{show}?done=saved")).await;
        assert!(body.contains("Your changes are saved as a new version."), "{body}");
        assert!(body.contains("Timely assessments for everyone."));
        assert!(body.contains("3: Evidence shows a good standard"));
        assert!(body.contains("href=\"https://www.example.gov.uk/asc-strategy.pdf\""));

        // Submitted: it cannot be changed until returned or withdrawn.
        let (status, location, _) = post(&s.app, &qs_lead, &show, &format!("{show}/submit"), &[]).await;
        assert_eq!((status, location.as_str()), (303, format!("{show}?done=submitted").as_str()));
        assert_eq!(state_of(&s, "QS1").await, ("submitted".to_owned(), 1));
        let (status, _, body) =
            save(&s, &qs_lead, "QS1", &complete("Changed while submitted.", "3"), "1").await;
        assert_eq!(status, 422);
        assert_eq!(
            errors(&body),
            ["This summary is with a verifier: withdraw it from verification before changing it"]
        );
        assert_eq!(state_of(&s, "QS1").await, ("submitted".to_owned(), 1), "nothing saved");

        // Returned with comments: the comments are required, then shown to the lead.
        let (status, _, body) =
            post(&s.app, &verifier, &show, &format!("{show}/return"), &[("comments", "  ")]).await;
        assert_eq!(status, 422);
        assert_eq!(errors(&body), ["Say what needs to change before it can be verified"]);
        let comments = "Say more about waiting times for reviews.";
        let (status, location, _) =
            post(&s.app, &verifier, &show, &format!("{show}/return"), &[("comments", comments)]).await;
        assert_eq!((status, location.as_str()), (303, format!("{show}?done=returned").as_str()));
        assert_eq!(state_of(&s, "QS1").await, ("returned".to_owned(), 1));
        let (_, body) = page(&s.app, &qs_lead, &show).await;
        assert!(body.contains("Returned with comments"), "{body}");
        assert!(body.contains(comments));
        let (_, edit) = page(&s.app, &qs_lead, &format!("{show}/edit")).await;
        assert!(edit.contains(comments), "the comments stand beside the form");

        // Edited and submitted again.
        let (status, ..) =
            save(&s, &qs_lead, "QS1", &complete("Timely assessments and reviews for everyone.", "3"), "1")
                .await;
        assert_eq!(status, 303);
        assert_eq!(state_of(&s, "QS1").await, ("returned".to_owned(), 2));
        let (status, ..) = post(&s.app, &qs_lead, &show, &format!("{show}/submit"), &[]).await;
        assert_eq!(status, 303);

        // Verified: name, post, account, time and the hash of exactly what was read.
        let (_, body) = page(&s.app, &verifier, &show).await;
        assert!(body.contains("Verify version 2"), "{body}");
        let version = field(&body, "version").expect("version field");
        let hash = field(&body, "content_hash").expect("hash field");
        assert_eq!(version, "2");
        let (status, _, body) = post(
            &s.app,
            &verifier,
            &show,
            &format!("{show}/verify"),
            &[("verifier_name", ""), ("verifier_post", ""), ("version", &version), ("content_hash", &hash)],
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(errors(&body), ["Enter your name", "Enter your post"]);
        let stale = "0".repeat(64);
        let (status, _, body) = post(
            &s.app,
            &verifier,
            &show,
            &format!("{show}/verify"),
            &[
                ("verifier_name", "Vera Verifier"),
                ("verifier_post", "Director"),
                ("version", "2"),
                ("content_hash", &stale),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(
            errors(&body),
            ["The summary changed after you opened it: read this version, then verify it"]
        );
        assert_eq!(state_of(&s, "QS1").await.0, "submitted");
        let (status, location, _) = post(
            &s.app,
            &verifier,
            &show,
            &format!("{show}/verify"),
            &[
                ("verifier_name", "Vera Verifier"),
                ("verifier_post", "Director of Adult Social Services"),
                ("version", &version),
                ("content_hash", &hash),
            ],
        )
        .await;
        assert_eq!((status, location.as_str()), (303, format!("{show}?done=verified").as_str()));
        let row = db_summary(&s, "QS1").await.expect("summary");
        assert_eq!(row.state, "verified");
        assert_eq!(row.verified_hash.as_deref(), Some(hash.as_str()));
        assert_eq!(row.verifier_account.as_deref(), Some(s.world.verifier.as_str()));
        assert_eq!(row.verifier_post.as_deref(), Some("Director of Adult Social Services"));
        let stored = selfassess::summaries::domain::Content::from_canonical(&row.content).expect("content");
        assert_eq!(stored.hash(), hash, "the hash is SHA-256 of the canonical content");
        let (_, body) = page(&s.app, &qs_lead, &show).await;
        assert!(body.contains("Verified by Vera Verifier, Director of Adult Social Services"), "{body}");
        assert!(body.contains(&hash));
        let (_, rating) =
            api(&s, &format!("/api/v1/assessments/{}/rating", s.assessment), &s.lead_token).await;
        assert_eq!(rating["quality_statements"][0]["source"], "verified", "{rating}");

        // Saving the same content again changes nothing and keeps the verification.
        let (status, location, _) =
            save(&s, &qs_lead, "QS1", &complete("Timely assessments and reviews for everyone.", "3"), "2")
                .await;
        assert_eq!((status, location.as_str()), (303, format!("{show}?done=unchanged").as_str()));
        assert_eq!(state_of(&s, "QS1").await, ("verified".to_owned(), 2));

        // A change voids it, visibly, until verified again.
        let (status, location, _) =
            save(&s, &qs_lead, "QS1", &complete("Timely assessments and reviews for all.", "3"), "2").await;
        assert_eq!((status, location.as_str()), (303, format!("{show}?done=voided").as_str()));
        assert_eq!(state_of(&s, "QS1").await, ("draft".to_owned(), 3));
        let (_, body) = page(&s.app, &verifier, &show).await;
        assert!(body.contains("Verification void: changed after verification on "), "{body}");
        let (_, rating) =
            api(&s, &format!("/api/v1/assessments/{}/rating", s.assessment), &s.lead_token).await;
        assert_eq!(rating["quality_statements"][0]["source"], "proposed", "{rating}");
        let (_, index) = page(&s.app, &verifier, &format!("{PREFIX}/{}/summaries", s.assessment)).await;
        assert!(index.contains("Verification void"), "the void shows on the list too");

        // Every step is in the audit trail, without the comments' words.
        let entries = selfassess::audit::list(
            &s.app.db,
            &selfassess::audit::AuditFilter { entity: Some("summary".into()), ..Default::default() },
        )
        .await
        .expect("audit");
        let mut actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        actions.reverse();
        assert_eq!(actions, ["save", "submit", "return", "save", "submit", "verify", "save"], "{backend:?}");
        assert!(entries.iter().all(|e| !e.summary.to_string().contains("waiting times for reviews")));
        assert_eq!(entries[0].summary["voided_verification"], true, "{}", entries[0].summary);
    }
}

async fn api(s: &Stage2, path: &str, token: &str) -> (u16, Value) {
    let response =
        s.app.client.get(format!("{}{}", s.app.address, path)).bearer_auth(token).send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn who_may_do_what() {
    for backend in backends() {
        let s = stage2(backend).await;
        let w = &s.world;
        let qs_lead = signed_in(&s.app, &w.qs_lead).await;
        let lead = signed_in(&s.app, &w.lead).await;
        let verifier = signed_in(&s.app, &w.verifier).await;
        let viewer = signed_in(&s.app, &w.viewer).await;
        let contributor = signed_in(&s.app, &w.contributor).await;
        let admin = signed_in(&s.app, &w.admin).await;
        let other = signed_in(&s.app, &w.other_lead).await;
        let qs1 = summary_path(&s, "QS1");
        let qs2 = summary_path(&s, "QS2");
        let status = |r: (u16, String, String)| r.0;

        // The quality statement lead leads QS1 and QS4, not QS2.
        assert_eq!(page(&s.app, &qs_lead, &format!("{qs1}/edit")).await.0, 200);
        assert_eq!(page(&s.app, &qs_lead, &format!("{qs2}/edit")).await.0, 403);
        assert_eq!(status(save(&s, &qs_lead, "QS2", &complete("Not mine", "2"), "0").await), 403);
        assert!(db_summary(&s, "QS2").await.is_none(), "nothing stored");
        // The assessment lead and the platform administrator write any statement.
        assert_eq!(status(save(&s, &lead, "QS2", &complete("Healthier lives", "2"), "0").await), 303);
        assert_eq!(status(save(&s, &admin, "QS3", &complete("Equity", "3"), "0").await), 303);
        assert_eq!(status(save(&s, &qs_lead, "QS1", &complete("Assessing needs", "3"), "0").await), 303);

        // Verifiers verify, and cannot write.
        assert_eq!(page(&s.app, &verifier, &format!("{qs1}/edit")).await.0, 403);
        assert_eq!(status(save(&s, &verifier, "QS1", &complete("Verifier's words", "4"), "1").await), 403);
        assert_eq!(status(post(&s.app, &verifier, &qs1, &format!("{qs1}/submit"), &[]).await), 403);
        // Viewers and contributors read, and cannot submit, return or verify.
        assert_eq!(page(&s.app, &viewer, &qs1).await.0, 200);
        assert_eq!(status(post(&s.app, &viewer, &qs1, &format!("{qs1}/submit"), &[]).await), 403);
        assert_eq!(state_of(&s, "QS1").await.0, "draft");
        assert_eq!(status(post(&s.app, &qs_lead, &qs1, &format!("{qs1}/submit"), &[]).await), 303);
        for (who, client) in
            [("viewer", &viewer), ("contributor", &contributor), ("lead", &lead), ("admin", &admin)]
        {
            let verify = post(
                &s.app,
                client,
                &qs1,
                &format!("{qs1}/verify"),
                &[("verifier_name", "X"), ("verifier_post", "Y"), ("version", "1"), ("content_hash", "x")],
            )
            .await;
            assert_eq!(verify.0, 403, "{who} may not verify");
            let returned = post(&s.app, client, &qs1, &format!("{qs1}/return"), &[("comments", "No")]).await;
            assert_eq!(returned.0, 403, "{who} may not return");
        }
        assert_eq!(status(post(&s.app, &viewer, &qs1, &format!("{qs1}/withdraw"), &[]).await), 403);
        assert_eq!(state_of(&s, "QS1").await.0, "submitted");
        // The what-if page is for leads.
        let what_if = format!("{PREFIX}/{}/rating/what-if", s.assessment);
        assert_eq!(page(&s.app, &viewer, &what_if).await.0, 403);
        assert_eq!(page(&s.app, &verifier, &what_if).await.0, 403);
        assert_eq!(page(&s.app, &qs_lead, &what_if).await.0, 200);

        // Another council's lead: not found, everywhere.
        for path in [
            qs1.clone(),
            format!("{qs1}/edit"),
            format!("{qs1}/versions"),
            format!("{PREFIX}/{}/summaries", s.assessment),
            format!("{PREFIX}/{}/rating", s.assessment),
            what_if.clone(),
            format!("{PREFIX}/{}/readiness", s.assessment),
        ] {
            assert_eq!(page(&s.app, &other, &path).await.0, 404, "{path}");
        }
        assert_eq!(status(save(&s, &other, "QS1", &complete("Theirs", "1"), "1").await), 404);
        let other_token = selfassess::accounts::service::cli_token(&s.app.db, &w.other_lead, "t", 1)
            .await
            .expect("token")
            .token;
        assert_eq!(
            api(&s, &format!("/api/v1/assessments/{}/rating", s.assessment), &other_token).await.0,
            404
        );
        // An unknown statement is not found.
        assert_eq!(page(&s.app, &lead, &summary_path(&s, "QS10")).await.0, 404);
        assert_eq!(page(&s.app, &lead, &summary_path(&s, "qs1")).await.0, 404);
    }
}

#[tokio::test]
async fn bad_input_names_every_problem_and_stores_nothing() {
    for backend in backends() {
        let s = stage2(backend).await;
        let lead = signed_in(&s.app, &s.world.lead).await;
        let long = "x".repeat(5001);
        let fields = vec![
            ("ambition", long.clone()),
            ("strength_2_how_we_know", "Audit".to_owned()),
            ("quotation_1_source", "A carer".to_owned()),
            ("document_1_title", "Policy".to_owned()),
            ("document_1_url", "javascript:alert(1)".to_owned()),
            ("document_2_url", "https://example.org/plan.pdf".to_owned()),
            ("score", "7".to_owned()),
            ("rationale", "Typed words are kept".to_owned()),
        ];
        let (status, _, body) = save(&s, &lead, "QS5", &fields, "0").await;
        assert_eq!(status, 422, "{backend:?}");
        assert_eq!(
            errors(&body),
            [
                "Choose a proposed score from 1 to 4",
                "Our ambition must be 5,000 characters or fewer (it has 5,001)",
                "Enter strength 2, or clear how we know and the improvement work for it",
                "Enter quotation 1, or clear who said it",
                "Enter the web address of document 1 in full, starting https:// or http://, like https://www.council.gov.uk/strategy.pdf",
                "Enter the title of document 2, or clear its web address",
            ]
        );
        // Each message links to its field, which shows it too and keeps what was typed.
        let doc = html(&body);
        let links = scraper::Selector::parse(".govuk-error-summary__list a").expect("selector");
        let hrefs: Vec<&str> = doc.select(&links).filter_map(|a| a.value().attr("href")).collect();
        assert_eq!(
            hrefs,
            [
                "#score",
                "#ambition",
                "#strength_2_statement",
                "#quotation_1_text",
                "#document_1_url",
                "#document_2_title"
            ]
        );
        for href in &hrefs {
            let id = &href[1..];
            let sel = scraper::Selector::parse(&format!("[id=\"{id}\"]")).expect("selector");
            assert!(doc.select(&sel).next().is_some(), "no field #{id}");
            let message = scraper::Selector::parse(&format!("[id=\"{id}-error\"]")).expect("selector");
            assert!(doc.select(&message).next().is_some(), "no message beside #{id}");
        }
        assert_eq!(field(&body, "rationale").as_deref(), Some("Typed words are kept"));
        assert_eq!(field(&body, "ambition").as_deref(), Some(long.as_str()));
        assert!(body.contains("<title>Error: "), "the title says there is a problem");
        assert!(db_summary(&s, "QS5").await.is_none(), "{backend:?}: nothing stored");

        // Submitting an empty summary: the form, with what is missing.
        let show = summary_path(&s, "QS5");
        let (status, _, body) = post(&s.app, &lead, &show, &format!("{show}/submit"), &[]).await;
        assert_eq!(status, 422);
        assert_eq!(
            errors(&body),
            [
                "Enter our ambition before submitting the summary",
                "Enter at least one area of strength before submitting the summary",
                "Choose a proposed score before submitting the summary",
                "Say why this score before submitting the summary",
            ]
        );
        assert!(db_summary(&s, "QS5").await.is_none());

        // Two people saving from the same version: the second is told and nothing is lost.
        let (status, ..) = save(&s, &lead, "QS5", &complete("First", "2"), "0").await;
        assert_eq!(status, 303);
        let (status, ..) = save(&s, &lead, "QS5", &complete("Second", "2"), "1").await;
        assert_eq!(status, 303);
        let (status, _, body) = save(&s, &lead, "QS5", &complete("Third, from version 1", "2"), "1").await;
        assert_eq!(status, 422);
        let problems = errors(&body);
        assert!(problems[0].contains("saved version 2 of this summary"), "{problems:?}");
        assert_eq!(
            field(&body, "base_version").as_deref(),
            Some("2"),
            "saving again replaces version 2 knowingly"
        );
        assert_eq!(field(&body, "ambition").as_deref(), Some("Third, from version 1"));
        assert_eq!(state_of(&s, "QS5").await.1, 2);
    }
}

#[tokio::test]
async fn versions_are_kept_and_compared_word_by_word() {
    for backend in backends() {
        let s = stage2(backend).await;
        let lead = signed_in(&s.app, &s.world.lead).await;
        let viewer = signed_in(&s.app, &s.world.viewer).await;
        save(&s, &lead, "QS6", &complete("We assess needs quickly and well.", "2"), "0").await;
        save(&s, &lead, "QS6", &complete("We assess needs well and fairly.", "3"), "1").await;
        let mut third = complete("We assess needs well and fairly.", "3");
        third.retain(|(k, _)| !k.starts_with("quotation"));
        save(&s, &lead, "QS6", &third, "2").await;
        assert_eq!(state_of(&s, "QS6").await.1, 3);

        let versions = format!("{}/versions", summary_path(&s, "QS6"));
        let (status, body) = page(&s.app, &viewer, &versions).await;
        assert_eq!(status, 200, "{backend:?}");
        let doc = html(&body);
        assert_eq!(select_texts(&doc, "tbody th").len(), 3, "three versions listed");
        // By default the last two: the quotation removed.
        assert!(body.contains("What changed from version 2 to version 3"), "{body}");
        let removed = select_texts(&doc, ".app-diff del");
        assert!(
            removed.iter().any(|r| r.contains("[removed: They listened to what mattered to me.]")),
            "{removed:?}"
        );

        let (status, body) = page(&s.app, &viewer, &format!("{versions}?from=1&to=2")).await;
        assert_eq!(status, 200);
        let doc = html(&body);
        let added = select_texts(&doc, ".app-diff ins");
        let removed = select_texts(&doc, ".app-diff del");
        assert!(added.iter().any(|a| a.contains("[added:") && a.contains("fairly.")), "{added:?}");
        assert!(removed.iter().any(|r| r.contains("[removed:") && r.contains("quickly")), "{removed:?}");
        assert!(added.iter().any(|a| a == "[added: 3:]"), "{added:?}");
        assert!(removed.iter().any(|r| r == "[removed: 2:]"), "{removed:?}");
        let headings = select_texts(&doc, "#difference ~ h3");
        assert_eq!(headings, ["What is our ambition?", "Proposed score"]);

        let (status, body) = page(&s.app, &viewer, &format!("{versions}?from=9&to=x")).await;
        assert_eq!(status, 422);
        assert_eq!(
            errors(&body),
            [
                "Choose the older version from the list (versions 1 to 3)",
                "Choose the newer version from the list (versions 1 to 3)"
            ]
        );
    }
}

/// Responses from `n` people of one group: QS1.1 strongly agreed, QS1.2 strongly disagreed,
/// the rest tend to agree; each citing evidence.
async fn respond(s: &Stage2, group: &str, n: usize, tag: &str) {
    for r in 0..n {
        let answers: Vec<Value> = (1..=14)
            .map(|i| {
                let rating = match i {
                    1 => 4,
                    2 => 1,
                    _ => 3,
                };
                json!({"item": format!("QS1.{i}"), "rating": rating, "evidence": "Case file audit", "evidence_needed": ""})
            })
            .collect();
        let status = s
            .app
            .client
            .post(format!("{}/api/v1/rounds/{}/responses", s.app.address, s.round_token))
            .header("Idempotency-Key", format!("{tag}-{r}"))
            .json(&json!({"group": group, "answers": answers}))
            .send()
            .await
            .expect("sent")
            .status();
        assert_eq!(status, 201);
    }
}

#[tokio::test]
async fn stage1_findings_are_starting_points_used_without_javascript() {
    for backend in backends() {
        let s = stage2(backend).await;
        let qs_lead = signed_in(&s.app, &s.world.qs_lead).await;
        let edit = format!("{}/edit", summary_path(&s, "QS1"));

        // Too few responses: nothing offered, free text withheld.
        respond(&s, &s.groups[0], 2, "few").await;
        let (_, body) = page(&s.app, &qs_lead, &edit).await;
        assert!(body.contains("Withheld: fewer than 5 responses"), "{body}");
        assert!(!body.contains("Case file audit"), "free text of a withheld statement is not shown");
        assert!(!body.contains("value=\"strength:"), "no starting point from withheld figures");

        respond(&s, &s.groups[0], 6, "many").await;
        let (status, body) = page(&s.app, &qs_lead, &edit).await;
        assert_eq!(status, 200);
        assert!(body.contains("value=\"strength:QS1.1\""), "{backend:?}: QS1.1 is a strength");
        assert!(body.contains("value=\"improvement:QS1.2\""), "QS1.2 is an area for improvement");
        assert!(body.contains("100% of 8 ratings agree (8 answers)"), "{body}");
        let quote = selfassess::summaries::view::quote_key("Case file audit");
        assert!(
            body.contains(&format!("value=\"quote:{quote}\"")),
            "the free text is offered as a quotation"
        );

        // "Use this": the form comes back with the item added and what was typed kept; nothing saved.
        let fields = [
            ("ambition", "Typed before using a starting point"),
            ("base_version", "0"),
            ("use", "strength:QS1.1"),
        ];
        let (status, _, body) = post(&s.app, &qs_lead, &edit, &edit, &fields).await;
        assert_eq!(status, 200);
        assert!(body.contains("QS1.1 was added as strength 1"), "{body}");
        assert!(body.contains("href=\"#strength_1_statement\">Go to it</a>"), "a link to what was added");
        assert_eq!(field(&body, "ambition").as_deref(), Some("Typed before using a starting point"));
        let item = selfassess::framework::Frameworks::shipped().expect("frameworks").all()[0]
            .quality_statements()
            .next()
            .expect("QS1")
            .checklist_items[0]
            .text
            .clone();
        assert_eq!(field(&body, "strength_1_statement").as_deref(), Some(item.as_str()));
        assert_eq!(
            field(&body, "strength_1_how_we_know").as_deref(),
            Some("Stage 1 checklist item QS1.1: 100% of 8 ratings agree (8 answers).")
        );
        assert!(db_summary(&s, "QS1").await.is_none(), "nothing saved by Use this");

        // The next: into the areas for improvement, and a quotation; then save it all.
        let mut fields: Vec<(String, String)> = vec![
            ("ambition".into(), field(&body, "ambition").unwrap_or_default()),
            ("strength_1_statement".into(), field(&body, "strength_1_statement").unwrap_or_default()),
            ("strength_1_how_we_know".into(), field(&body, "strength_1_how_we_know").unwrap_or_default()),
            ("base_version".into(), "0".into()),
            ("use".into(), format!("quote:{quote}")),
        ];
        let as_refs =
            |f: &[(String, String)]| f.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>();
        let send = as_refs(&fields);
        let pairs: Vec<(&str, &str)> = send.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, _, body) = post(&s.app, &qs_lead, &edit, &edit, &pairs).await;
        assert_eq!(status, 200);
        assert_eq!(field(&body, "quotation_1_text").as_deref(), Some("Case file audit"));
        assert_eq!(field(&body, "strength_1_statement").as_deref(), Some(item.as_str()), "kept");
        fields.retain(|(k, _)| k != "use");
        fields.push(("quotation_1_text".into(), "Case file audit".into()));
        fields.push(("use".into(), "improvement:QS1.2".into()));
        let send = as_refs(&fields);
        let pairs: Vec<(&str, &str)> = send.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, _, body) = post(&s.app, &qs_lead, &edit, &edit, &pairs).await;
        assert_eq!(status, 200);
        assert!(body.contains("QS1.2 was added as area for improvement 1"), "{body}");
        fields.retain(|(k, _)| k != "use");
        fields.push(("improvement_1_area".into(), field(&body, "improvement_1_area").unwrap_or_default()));
        let send = as_refs(&fields);
        let pairs: Vec<(&str, &str)> = send.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, ..) = post(&s.app, &qs_lead, &edit, &edit, &pairs).await;
        assert_eq!(status, 303);
        let row = db_summary(&s, "QS1").await.expect("saved");
        let content = selfassess::summaries::domain::Content::from_canonical(&row.content).expect("content");
        assert_eq!(content.strengths.len(), 1);
        assert_eq!(content.quotations[0].text, "Case file audit");
        assert_eq!(content.improvements.len(), 1);
    }
}

#[tokio::test]
async fn the_indicative_rating_in_the_api_and_on_the_pages() {
    for backend in backends() {
        let s = stage2(backend).await;
        let lead = signed_in(&s.app, &s.world.lead).await;
        let viewer = signed_in(&s.app, &s.world.viewer).await;
        let rating_path = format!("/api/v1/assessments/{}/rating", s.assessment);

        // No scores yet: 200, no rating, and why.
        let (status, body) = api(&s, &rating_path, &s.lead_token).await;
        assert_eq!(status, 200, "{backend:?}");
        assert_eq!(body["rating"], Value::Null);
        assert_eq!(body["percent"], Value::Null);
        assert_eq!(body["scores"], json!([]));
        assert_eq!(
            body["message"],
            "No quality statement has a score yet: propose one in a Stage 2 summary."
        );
        assert_eq!(body["label"], "Self-assessed, not a CQC judgement");
        let (status, page_body) = page(&s.app, &viewer, &format!("{PREFIX}/{}/rating", s.assessment)).await;
        assert_eq!(status, 200);
        assert!(page_body.contains("No quality statement has a score yet"));

        // The issue's example: 2,2,3,3,3,3,2,3,3 → 24 of 36 → 67% → good, lower part.
        for (i, score) in [2, 2, 3, 3, 3, 3, 2, 3, 3].iter().enumerate() {
            let qs = format!("QS{}", i + 1);
            let (status, ..) =
                save(&s, &lead, &qs, &complete(&format!("Ambition for {qs}"), &score.to_string()), "0").await;
            assert_eq!(status, 303, "{qs}");
        }
        // QS1 submitted and verified.
        let show = summary_path(&s, "QS1");
        post(&s.app, &lead, &show, &format!("{show}/submit"), &[]).await;
        let verifier = signed_in(&s.app, &s.world.verifier).await;
        let (_, body) = page(&s.app, &verifier, &show).await;
        let hash = field(&body, "content_hash").expect("hash");
        let (status, ..) = verify_as(&s, &verifier, "QS1", ("Vera", "Director"), "1", &hash).await;
        assert_eq!(status, 303);

        let (status, body) = api(&s, &rating_path, &s.lead_token).await;
        assert_eq!(status, 200);
        assert_eq!(body["scores"], json!([2, 2, 3, 3, 3, 3, 2, 3, 3]), "{body}");
        assert_eq!((body["sum"].clone(), body["out_of"].clone()), (json!(24), json!(36)));
        assert_eq!(body["percent"], 67);
        assert_eq!(body["rating"], "good");
        assert_eq!(body["rating_label"], "Good");
        assert_eq!(body["position"], "lower");
        assert_eq!((body["verified"].clone(), body["proposed"].clone()), (json!(1), json!(8)));
        assert_eq!(body["quality_statements"][0]["source"], "verified");
        assert_eq!(body["quality_statements"][1]["source"], "proposed");
        assert_eq!(body["quality_statements"][0]["score_label"], "Evidence shows some shortfalls");
        assert_eq!(
            body["message"],
            "24 of 36 → 67% → Good, lower part of the band (63–87%). Self-assessed, not a CQC judgement."
        );

        let (_, body) = page(&s.app, &viewer, &format!("{PREFIX}/{}/rating", s.assessment)).await;
        assert!(body.contains("Self-assessed, not a CQC judgement"), "{body}");
        assert!(body.contains("24 of 36") && body.contains("67%"));
        assert!(body.contains("1 verified score and 8 proposed scores not verified"), "{body}");

        // What if: other scores, nothing saved; a bad value is named.
        let what_if = format!("{PREFIX}/{}/rating/what-if", s.assessment);
        let (status, body) = page(&s.app, &lead, &what_if).await;
        assert_eq!(status, 200);
        assert!(body.contains("With the scores as they are"), "{body}");
        let query = "QS1=4&QS2=4&QS3=4&QS4=4&QS5=4&QS6=4&QS7=4&QS8=3&QS9=";
        let (status, body) = page(&s.app, &lead, &format!("{what_if}?{query}")).await;
        assert_eq!(status, 200);
        assert!(body.contains("31 of 32") && body.contains("97%") && body.contains("Outstanding"), "{body}");
        assert_eq!(api(&s, &rating_path, &s.lead_token).await.1["percent"], 67, "nothing saved");
        let (status, body) = page(&s.app, &lead, &format!("{what_if}?QS1=9&QS2=3")).await;
        assert_eq!(status, 422);
        assert_eq!(errors(&body), ["Choose a score for QS1 from 1 to 4, or no score"]);

        // Readiness: every statement with its state and score.
        let (status, body) = page(&s.app, &viewer, &format!("{PREFIX}/{}/readiness", s.assessment)).await;
        assert_eq!(status, 200);
        assert!(body.contains("1 of 9 verified"), "{body}");
        assert!(body.contains("2: Evidence shows some shortfalls (verified)"));
    }
}

#[test]
fn the_rating_command() {
    let bin = env!("CARGO_BIN_EXE_selfassess");
    let out = std::process::Command::new(bin).args(["rating", "2,2,3,3,3,3,2,3,3"]).output().expect("run");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "24 of 36 → 67% → Good, lower part of the band (63–87%). Self-assessed, not a CQC judgement."
    );
    let out = std::process::Command::new(bin).args(["rating", "4", "3", "4", "3"]).output().expect("run");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("14 of 16 → 88% → Outstanding, lower part"));
    let out = std::process::Command::new(bin).args(["rating", "2,5,3"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "selfassess rating: score 2 is 5: scores are whole numbers from 1 to 4"
    );
    assert!(out.stdout.is_empty());
    let out = std::process::Command::new(bin).args(["rating", "3,three"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("score 2 is three"));
}

// ---------------------------------------------------------------------------------------------
// Key documents from the evidence library; personal information in Stage 1 and Stage 2 text.

/// Adds a link item to an assessment's evidence library through the API; returns its id.
async fn evidence_item(
    app: &TestApp,
    token: &str,
    assessment: &str,
    title: &str,
    statements: &[&str],
) -> String {
    let body = json!({"title": title, "document_type": "policy_and_procedures",
        "link": format!("https://www.example.gov.uk/{}.pdf", title.len()), "quality_statements": statements});
    let response = app
        .client
        .post(format!("{}/api/v1/assessments/{assessment}/evidence", app.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 201, "adding {title}");
    let item: Value = response.json().await.expect("json");
    item["id"].as_str().expect("id").to_owned()
}

/// Moves an evidence item to `state` through its page.
async fn evidence_state(app: &TestApp, client: &reqwest::Client, assessment: &str, item: &str, state: &str) {
    let action = format!("{PREFIX}/{assessment}/evidence/{item}/state");
    let (status, _, body) = post(app, client, "/account", &action, &[("state", state)]).await;
    assert_eq!(status, 303, "{state}: {:?}", errors(&body));
}

fn checkbox<'a>(doc: &'a scraper::Html, name: &str) -> Option<scraper::ElementRef<'a>> {
    let sel = scraper::Selector::parse(&format!("input[type=checkbox][name=\"{name}\"]")).expect("selector");
    doc.select(&sel).next()
}

#[tokio::test]
async fn key_documents_are_chosen_from_the_evidence_library_and_shown_with_their_state() {
    for backend in backends() {
        let s = stage2(backend).await;
        let lead = signed_in(&s.app, &s.world.lead).await;
        let token = s.lead_token.clone();
        let a = s.assessment.clone();
        let strategy = evidence_item(&s.app, &token, &a, "Carers strategy 2025 to 2028", &["QS1"]).await;
        let market = evidence_item(&s.app, &token, &a, "Market position statement", &["QS6"]).await;
        let old = evidence_item(&s.app, &token, &a, "Old assessment policy", &["QS1"]).await;
        evidence_state(&s.app, &lead, &a, &strategy, "ready").await;
        evidence_state(&s.app, &lead, &a, &old, "withdrawn").await;

        // The form offers the library: items supporting QS1 first, the others after, each with
        // its state and type; withdrawn items are not offered; no free web address to type.
        let show = summary_path(&s, "QS1");
        let edit = format!("{show}/edit");
        let (status, body) = page(&s.app, &lead, &edit).await;
        assert_eq!(status, 200, "{backend:?}");
        let doc = html(&body);
        let first = checkbox(&doc, &format!("evidence_{strategy}")).expect("the strategy is offered");
        assert_eq!(first.value().attr("id"), Some("documents"), "the first checkbox is the field");
        assert!(checkbox(&doc, &format!("evidence_{market}")).is_some(), "other items are offered too");
        assert!(checkbox(&doc, &format!("evidence_{old}")).is_none(), "withdrawn items are not offered");
        let legends = select_texts(&doc, "legend");
        let supporting = legends.iter().position(|l| l == "Items supporting QS1").expect("{legends:?}");
        let others = legends.iter().position(|l| l == "Other items in the library").expect("{legends:?}");
        assert!(supporting < others);
        assert!(body.contains("Ready · Policy and procedures · supports QS1"), "{body}");
        assert!(body.contains("Draft · Policy and procedures · supports QS6"));
        assert!(field(&body, "document_1_url").is_none(), "no empty free-link slots");

        // Chosen and saved: on the summary, as links to the library's item and its link.
        let mut fields = vec![("ambition", "Carers are supported".to_owned())];
        let (k1, k2) = (format!("evidence_{strategy}"), format!("evidence_{market}"));
        fields.push((k1.as_str(), "yes".to_owned()));
        fields.push((k2.as_str(), "yes".to_owned()));
        let (status, location, body) = save(&s, &lead, "QS1", &fields, "0").await;
        assert_eq!(
            (status, location.as_str()),
            (303, format!("{show}?done=saved").as_str()),
            "{:?}",
            errors(&body)
        );
        let (_, body) = page(&s.app, &lead, &show).await;
        let doc = html(&body);
        let links: Vec<(String, String)> = doc
            .select(&scraper::Selector::parse(".app-key-documents a").expect("selector"))
            .map(|e| (e.value().attr("href").unwrap_or_default().to_owned(), e.text().collect::<String>()))
            .collect();
        assert_eq!(
            links[0],
            (format!("{PREFIX}/{a}/evidence/{strategy}"), "Carers strategy 2025 to 2028".to_owned())
        );
        assert_eq!(links[1].0, "https://www.example.gov.uk/28.pdf", "{links:?}");
        assert!(links.iter().any(|(href, _)| *href == format!("{PREFIX}/{a}/evidence/{market}")));
        let tags = select_texts(&doc, ".app-key-documents .govuk-tag");
        assert_eq!(tags, ["Ready", "Draft"]);

        // The API names the library items.
        let (status, json) = api(&s, &format!("/api/v1/assessments/{a}/summaries/QS1"), &token).await;
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["evidence_ids"], json!([strategy, market]));
        assert_eq!(json["documents"][0]["evidence_id"], strategy.as_str());
        assert_eq!(json["documents"][0]["evidence"]["state"], "ready");
        assert_eq!(json["documents"][0]["evidence"]["document_type"], "policy_and_procedures");
        assert_eq!(json["documents"][0]["url"], Value::Null);
        assert_eq!(json["content"]["documents"][1]["evidence_id"], market.as_str());
        let (status, _) = api(&s, &format!("/api/v1/assessments/{a}/summaries/QS99"), &token).await;
        assert_eq!(status, 404);

        // The form shows what is chosen; the same choices again save nothing.
        let (_, body) = page(&s.app, &lead, &edit).await;
        let doc = html(&body);
        assert!(checkbox(&doc, &k1).and_then(|e| e.value().attr("checked")).is_some(), "chosen stays ticked");
        let (_, location, _) = save(&s, &lead, "QS1", &fields, "1").await;
        assert_eq!(location, format!("{show}?done=unchanged"));

        // Another council's item, something that is not an id, a withdrawn item: refused with a
        // message, what was typed kept, nothing saved.
        let other_token = selfassess::accounts::service::cli_token(&s.app.db, &s.world.other_lead, "o", 1)
            .await
            .expect("token")
            .token;
        let body = json!({"title": "Theirs", "period_start": "2026-04-01", "period_end": "2027-03-31", "framework": "cqc-la-2023"});
        let response = s
            .app
            .client
            .post(format!("{}/api/v1/assessments", s.app.address))
            .bearer_auth(&other_token)
            .json(&body)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 201);
        let theirs: Value = response.json().await.expect("json");
        let their_item =
            evidence_item(&s.app, &other_token, theirs["id"].as_str().expect("id"), "Their policy", &["QS1"])
                .await;
        for (bad, message) in [
            (
                format!("evidence_{their_item}"),
                "A document you chose is not in this assessment's evidence library: choose from the list",
            ),
            (
                "evidence_not-an-id".to_owned(),
                "A document you chose is not in this assessment's evidence library: choose from the list",
            ),
            (
                format!("evidence_{old}"),
                "\u{201c}Old assessment policy\u{201d} is withdrawn from the evidence library: choose another document",
            ),
        ] {
            let mut typed = vec![("ambition", "Changed, with a bad choice".to_owned())];
            typed.push((k1.as_str(), "yes".to_owned()));
            typed.push((bad.as_str(), "yes".to_owned()));
            let (status, _, body) = save(&s, &lead, "QS1", &typed, "1").await;
            assert_eq!(status, 422, "{bad}");
            assert_eq!(errors(&body), [message], "{bad}");
            let doc = html(&body);
            let href = doc
                .select(&scraper::Selector::parse(".govuk-error-summary__list a").expect("selector"))
                .next()
                .and_then(|a| a.value().attr("href").map(str::to_owned));
            assert_eq!(href.as_deref(), Some("#documents"));
            assert!(doc.select(&scraper::Selector::parse("#documents").expect("selector")).next().is_some());
            assert_eq!(field(&body, "ambition").as_deref(), Some("Changed, with a bad choice"));
            assert_eq!(state_of(&s, "QS1").await, ("draft".to_owned(), 1), "{bad}: nothing saved");
        }

        // Withdrawn after it was chosen: still shown (and offered, ticked, to take out).
        evidence_state(&s.app, &lead, &a, &market, "withdrawn").await;
        let (_, body) = page(&s.app, &lead, &show).await;
        assert!(
            select_texts(&html(&body), ".app-key-documents .govuk-tag").contains(&"Withdrawn".to_owned())
        );
        let (_, body) = page(&s.app, &lead, &edit).await;
        assert!(checkbox(&html(&body), &k2).and_then(|e| e.value().attr("checked")).is_some());
        let (_, location, _) = save(&s, &lead, "QS1", &fields, "1").await;
        assert_eq!(location, format!("{show}?done=unchanged"), "keeping a withdrawn choice is no change");
    }
}

#[tokio::test]
async fn a_summary_verified_with_free_links_stays_verified() {
    use sha2::Digest;
    for backend in backends() {
        let s = stage2(backend).await;
        let lead = signed_in(&s.app, &s.world.lead).await;
        let verifier = signed_in(&s.app, &s.world.verifier).await;
        let show = summary_path(&s, "QS2");
        let fields = complete("Everyone has a timely assessment.", "3");
        let (status, ..) = save(&s, &lead, "QS2", &fields, "0").await;
        assert_eq!(status, 303);
        // What a summary with a free link was stored as before the library: no evidence id.
        let row = db_summary(&s, "QS2").await.expect("saved");
        assert!(row.content.contains(r#""documents":[{"title":"Adult social care strategy 2025–2028","url":"https://www.example.gov.uk/asc-strategy.pdf"}]"#), "{}", row.content);
        let mut hasher = sha2::Sha256::new();
        hasher.update(format!("selfassess stage 2 summary v1\n{}", row.content));
        assert_eq!(row.content_hash, hex::encode(hasher.finalize()));
        let (status, ..) = post(&s.app, &lead, &show, &format!("{show}/submit"), &[]).await;
        assert_eq!(status, 303);
        let (_, body) = page(&s.app, &verifier, &show).await;
        let hash = field(&body, "content_hash").expect("hash");
        let (status, ..) = verify_as(&s, &verifier, "QS2", ("Vera Verifier", "Director"), "1", &hash).await;
        assert_eq!(status, 303);

        // The page and the API read it as verified; the free link is kept, readable and editable.
        let (_, body) = page(&s.app, &lead, &show).await;
        assert!(!body.contains("Verification void"), "{body}");
        assert!(body.contains("A link given before the evidence library"));
        let (status, json) =
            api(&s, &format!("/api/v1/assessments/{}/summaries/QS2", s.assessment), &s.lead_token).await;
        assert_eq!(status, 200);
        assert_eq!(
            (json["state"].as_str(), json["verification"].as_str()),
            (Some("verified"), Some("valid"))
        );
        assert_eq!(json["documents"][0]["url"], "https://www.example.gov.uk/asc-strategy.pdf");
        assert_eq!(json["evidence_ids"], json!([]));
        let (_, edit) = page(&s.app, &lead, &format!("{show}/edit")).await;
        assert_eq!(
            field(&edit, "document_1_url").as_deref(),
            Some("https://www.example.gov.uk/asc-strategy.pdf")
        );
        // Saving the form as it stands changes nothing, so the verification stands.
        let (_, location, _) = save(&s, &lead, "QS2", &fields, "1").await;
        assert_eq!(location, format!("{show}?done=unchanged"));
        assert_eq!(state_of(&s, "QS2").await, ("verified".to_owned(), 1));
        let (_, json) =
            api(&s, &format!("/api/v1/assessments/{}/summaries/QS2", s.assessment), &s.lead_token).await;
        assert_eq!(json["verification"], "valid");
    }
}

/// Responses from `texts.len()` people of one group, each giving their text as the evidence
/// they have for every QS1 item, rating 3.
async fn respond_with(s: &Stage2, group: &str, texts: &[&str], tag: &str) {
    for (r, text) in texts.iter().enumerate() {
        let answers: Vec<Value> = (1..=14)
            .map(
                |i| json!({"item": format!("QS1.{i}"), "rating": 3, "evidence": text, "evidence_needed": ""}),
            )
            .collect();
        let status = s
            .app
            .client
            .post(format!("{}/api/v1/rounds/{}/responses", s.app.address, s.round_token))
            .header("Idempotency-Key", format!("{tag}-{r}"))
            .json(&json!({"group": group, "answers": answers}))
            .send()
            .await
            .expect("sent")
            .status();
        assert_eq!(status, 201);
    }
}

/// The warning shown in the list item holding `text` on a page, if any.
fn warning_beside(body: &str, text: &str) -> Option<String> {
    let doc = html(body);
    let li = scraper::Selector::parse("li").expect("selector");
    let warning = scraper::Selector::parse(".govuk-warning-text__text").expect("selector");
    let item = doc.select(&li).rfind(|e| e.text().collect::<String>().contains(text))?;
    item.select(&warning)
        .next()
        .map(|w| w.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
}

#[tokio::test]
async fn personal_information_in_stage1_answers_and_stage2_text_is_flagged() {
    for backend in backends() {
        let s = stage2(backend).await;
        let lead = signed_in(&s.app, &s.world.lead).await;
        let texts = [
            "Ask j.bloggs@example.org for the audit",
            "Case notes for NHS number 943 476 5919",
            "Contract 943 476 5918 with the provider",
            "Case file audit",
            "Case file audit",
            "Case file audit",
        ];
        respond_with(&s, &s.groups[0], &texts, "pii").await;

        // The Stage 1 analysis page: a warning beside each answer that likely holds personal
        // information, saying what kind; none beside the others (an NHS-like number with a
        // wrong check digit is not one).
        let (status, body) = page(&s.app, &lead, &format!("{PREFIX}/{}/analysis/QS1", s.assessment)).await;
        assert_eq!(status, 200, "{backend:?}");
        let email =
            warning_beside(&body, "j.bloggs@example.org").expect("a warning beside the email address");
        assert!(email.contains("may hold personal information: an email address"), "{email}");
        assert!(!email.contains("bloggs"), "the warning does not repeat the text");
        let nhs = warning_beside(&body, "943 476 5919").expect("a warning beside the NHS number");
        assert!(nhs.contains("an NHS number"), "{nhs}");
        assert_eq!(warning_beside(&body, "943 476 5918"), None);
        assert_eq!(warning_beside(&body, "Case file audit"), None);

        // The quotation picker warns the same way.
        let edit = format!("{}/edit", summary_path(&s, "QS1"));
        let (_, body) = page(&s.app, &lead, &edit).await;
        let email = warning_beside(&body, "j.bloggs@example.org").expect("the picker warns");
        assert!(email.contains("may hold personal information: an email address"), "{email}");
        assert!(warning_beside(&body, "943 476 5919").is_some_and(|w| w.contains("an NHS number")));
        assert_eq!(warning_beside(&body, "943 476 5918"), None);

        // Stage 2 text: saved all the same, and the findings say what and where.
        let fields = vec![
            ("ambition", "Timely assessments".to_owned()),
            ("quotation_1_text", "They listened.\nRing Mrs Patel on 01632 960123 to hear more.".to_owned()),
            ("quotation_1_source", "An unpaid carer".to_owned()),
        ];
        let (status, ..) = save(&s, &lead, "QS1", &fields, "0").await;
        assert_eq!(status, 303, "warnings do not stop saving");
        let (_, body) = page(&s.app, &lead, &summary_path(&s, "QS1")).await;
        let findings = select_texts(&html(&body), "#personal-information li");
        assert_eq!(
            findings,
            ["Name after a title in Quotation 1, line 2", "Telephone number in Quotation 1, line 2"],
            "{backend:?}"
        );
        let (_, body) = page(&s.app, &lead, &edit).await;
        let doc = html(&body);
        let hrefs: Vec<&str> = doc
            .select(&scraper::Selector::parse("#personal-information a").expect("selector"))
            .filter_map(|a| a.value().attr("href"))
            .collect();
        assert_eq!(hrefs, ["#quotation_1_text", "#quotation_1_text"]);
        let (_, json) =
            api(&s, &format!("/api/v1/assessments/{}/summaries/QS1", s.assessment), &s.lead_token).await;
        let kinds: Vec<&str> = json["personal_information_findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["kind"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(kinds, ["name_after_title", "phone_number"]);
        assert_eq!(json["personal_information_findings"][1]["field"], "quotation_1_text");
        assert!(!json["personal_information_findings"].to_string().contains("960123"), "no matched text");
    }
}
