//! The respondent journey in HTML, and the lead's Stage 1 pages.

use crate::engagement::{counts, setup};
use crate::helpers::{Backend, PASSWORD, browser, select_texts, spawn_app};

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// Every item of a quality statement answered with `rating`.
fn answers_for(qs: &str, items: usize, rating: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for i in 1..=items {
        fields.push((format!("{qs}_{i}_rating"), rating.to_owned()));
        fields.push((format!("{qs}_{i}_evidence"), format!("Evidence for {qs}.{i}")));
    }
    fields
}

#[tokio::test]
async fn a_respondent_answers_saves_resumes_checks_and_sends_once() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, s) = setup(&app).await;
    let base = format!("/r/{}", s.round_token);
    let phone = browser();
    let (status, start) = app.get_html_with(&phone, &base).await;
    assert_eq!(status, 200);
    assert_eq!(select_texts(&start, "h1"), ["Everyone, spring"]);
    let response = app.post_form_with(&phone, &base, &format!("{base}/start"), &[]).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("{base}/group"));
    let cookie =
        response.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains(&format!("Path={base}")), "{cookie}");

    // The group page: five groups, one must be chosen.
    let (_, page) = app.get_html_with(&phone, &format!("{base}/group")).await;
    assert_eq!(select_texts(&page, ".govuk-radios__item").len(), 5);
    let refused = app.post_form_with(&phone, &format!("{base}/group"), &format!("{base}/group"), &[]).await;
    assert_eq!(refused.status(), 422);
    let response = app
        .post_form_with(
            &phone,
            &format!("{base}/group"),
            &format!("{base}/group"),
            &[("group", &s.groups[3])],
        )
        .await;
    assert_eq!(location(&response), format!("{base}/statements/QS1"));

    // QS1 with a missing answer: a message for it, what was typed is kept.
    let qs1 = format!("{base}/statements/QS1");
    let mut fields = answers_for("QS1", 14, "3");
    fields.retain(|(k, _)| k != "QS1_5_rating");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = app.post_form_with(&phone, &qs1, &qs1, &pairs).await;
    assert_eq!(response.status(), 422);
    let html = scraper::Html::parse_document(&response.text().await.expect("body"));
    assert_eq!(
        select_texts(&html, ".govuk-error-summary__list li"),
        ["Select an answer for QS1.5, or 0 Don't know"]
    );
    let kept = scraper::Selector::parse("#QS1_1_evidence").expect("selector");
    assert_eq!(
        html.select(&kept).next().map(|e| e.text().collect::<String>()),
        Some("Evidence for QS1.1".into())
    );
    let fields = answers_for("QS1", 14, "4");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = app.post_form_with(&phone, &qs1, &qs1, &pairs).await;
    assert_eq!(location(&response), format!("{base}/statements/QS2"));

    // Save half of QS2 for later and resume on another device with the code.
    let qs2 = format!("{base}/statements/QS2");
    let mut fields = answers_for("QS2", 6, "0");
    fields.push(("save_for_later".into(), "1".into()));
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = app.post_form_with(&phone, &qs2, &qs2, &pairs).await;
    assert_eq!(location(&response), format!("{base}/saved"));
    let (_, saved) = app.get_html_with(&phone, &format!("{base}/saved")).await;
    let code = select_texts(&saved, "#resume-code").pop().expect("code shown");
    let laptop = browser();
    let wrong = app
        .post_form_with(
            &laptop,
            &format!("{base}/resume"),
            &format!("{base}/resume"),
            &[("code", "AAAA-BBBB-CCCC")],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    let lower = code.to_lowercase().replace('-', " ");
    let response = app
        .post_form_with(&laptop, &format!("{base}/resume"), &format!("{base}/resume"), &[("code", &lower)])
        .await;
    assert_eq!(location(&response), qs2, "back where they left off");
    let fields = answers_for("QS2", 12, "2");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = app.post_form_with(&laptop, &qs2, &qs2, &pairs).await;
    assert_eq!(location(&response), format!("{base}/check"));
    assert_eq!(counts(&app, &s.assessment).await, (0, 0), "nothing counts until it is sent");

    // Check answers, then send: a double submission stores one response.
    let (status, check) = app.get_html_with(&laptop, &format!("{base}/check")).await;
    assert_eq!(status, 200);
    assert_eq!(select_texts(&check, ".govuk-summary-list__row").len(), 1 + 14 + 12);
    let key = {
        let selector = scraper::Selector::parse("input[name=idempotency_key]").expect("selector");
        check.select(&selector).next().and_then(|e| e.value().attr("value")).expect("key").to_owned()
    };
    let first = app
        .post_form_with(
            &laptop,
            &format!("{base}/check"),
            &format!("{base}/submit"),
            &[("idempotency_key", &key)],
        )
        .await;
    assert_eq!(first.status(), 303);
    let done = location(&first);
    assert!(done.starts_with(&format!("{base}/done?reference=")), "{done}");
    let again =
        app.post_form_with(&laptop, &base, &format!("{base}/submit"), &[("idempotency_key", &key)]).await;
    assert_eq!(location(&again), done, "the same confirmation");
    assert_eq!(counts(&app, &s.assessment).await, (1, 26));
    let (_, confirmation) = app.get_html_with(&laptop, &done).await;
    assert_eq!(select_texts(&confirmation, "h1"), ["Answers sent"]);
    let reference = done.rsplit('=').next().expect("reference");
    assert_eq!(select_texts(&confirmation, "#reference"), [reference]);
    // Nothing about the respondent's device or address is stored.
    let columns: Vec<String> = selfassess::on_db!(&app.db, pool => sqlx::query_scalar("SELECT name FROM pragma_table_info('responses')").fetch_all(pool).await.expect("columns"));
    let identifying =
        |c: &String| c == "ip" || c.starts_with("ip_") || c.contains("address") || c.contains("agent");
    assert!(!columns.iter().any(identifying), "{columns:?}");
}

#[tokio::test]
async fn closed_rounds_say_so_and_replaced_links_stop_working() {
    let app = spawn_app(Backend::Sqlite).await;
    let (world, s) = setup(&app).await;
    let lead = browser();
    app.sign_in_with(&lead, &world.lead, PASSWORD).await;
    let page = format!("/assessments/{}", s.assessment);
    let (status, html) = app.get_html_with(&lead, &page).await;
    assert_eq!(status, 200);
    let round_id = {
        let selector = scraper::Selector::parse("form[action$='/close']").expect("selector");
        let action = html
            .select(&selector)
            .next()
            .and_then(|f| f.value().attr("action"))
            .expect("close form")
            .to_owned();
        action.split('/').nth(4).expect("round id").to_owned()
    };
    let close = format!("{page}/rounds/{round_id}/close");
    assert_eq!(app.post_form_with(&lead, &page, &close, &[]).await.status(), 303);
    let response = app.get(&format!("/r/{}", s.round_token)).await;
    assert_eq!(response.status(), 410);
    assert!(response.text().await.expect("body").contains("This survey has closed"));
    let reopen = format!("{page}/rounds/{round_id}/reopen");
    assert_eq!(app.post_form_with(&lead, &page, &reopen, &[]).await.status(), 303);
    assert_eq!(app.get(&format!("/r/{}", s.round_token)).await.status(), 200);
    let replace = format!("{page}/rounds/{round_id}/replace-link");
    assert_eq!(app.post_form_with(&lead, &page, &replace, &[]).await.status(), 303);
    assert_eq!(app.get(&format!("/r/{}", s.round_token)).await.status(), 404, "the old link is dead");
    // A viewer sees the assessment but cannot close rounds; another council sees nothing.
    let viewer = browser();
    app.sign_in_with(&viewer, &world.viewer, PASSWORD).await;
    assert_eq!(app.get_with(&viewer, &page).await.status(), 200);
    assert_eq!(app.post_form_with(&viewer, &page, &close, &[]).await.status(), 403);
    let other = browser();
    app.sign_in_with(&other, &world.other_lead, PASSWORD).await;
    assert_eq!(app.get_with(&other, &page).await.status(), 404);
}

#[tokio::test]
async fn leads_set_up_assessments_and_rounds_in_the_app() {
    let app = spawn_app(Backend::Sqlite).await;
    let world = app.world().await;
    let lead = browser();
    app.sign_in_with(&lead, &world.lead, PASSWORD).await;
    let new = format!("/councils/{}/assessments/new", world.council);
    let bad = app
        .post_form_with(
            &lead,
            &new,
            &new,
            &[
                ("title", ""),
                ("period_start", "2026-04-31"),
                ("period_end", "2027-03-31"),
                ("framework", "cqc-la-2023"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let html = scraper::Html::parse_document(&bad.text().await.expect("body"));
    assert_eq!(select_texts(&html, ".govuk-error-summary__list li").len(), 2);
    let created = app
        .post_form_with(
            &lead,
            &new,
            &new,
            &[
                ("title", "2026/27"),
                ("period_start", "2026-04-01"),
                ("period_end", "2027-03-31"),
                ("framework", "cqc-la-2023"),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    let page = location(&created);
    let (_, html) = app.get_html_with(&lead, &page).await;
    assert_eq!(select_texts(&html, "h1"), ["Assessment 2026/27"]);
    let new_round = format!("{page}/rounds/new");
    let bad = app
        .post_form_with(
            &lead,
            &new_round,
            &new_round,
            &[("title", "Staff"), ("opens_at", "2026-05-01T09:00"), ("closes_at", "2026-04-01T09:00")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let html = scraper::Html::parse_document(&bad.text().await.expect("body"));
    let messages = select_texts(&html, ".govuk-error-summary__list li");
    assert_eq!(
        messages,
        [
            "Choose at least one quality statement",
            "Choose at least one respondent group",
            "The round must close after it opens"
        ]
    );
    // Groups: add one mapped to partners.
    let response = app
        .post_form_with(
            &lead,
            &page,
            &format!("{page}/groups"),
            &[("name", "Healthwatch volunteers"), ("evidence_category", "partners")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let (_, html) = app.get_html_with(&lead, &page).await;
    assert!(select_texts(&html, "#groups ~ table td").iter().any(|t| t == "Healthwatch volunteers"));
    let duplicate = app
        .post_form_with(
            &lead,
            &page,
            &format!("{page}/groups"),
            &[("name", "healthwatch volunteers"), ("evidence_category", "partners")],
        )
        .await;
    assert_eq!(duplicate.status(), 422);
}

#[tokio::test]
async fn contributors_record_workshops() {
    let app = spawn_app(Backend::Sqlite).await;
    let (world, s) = setup(&app).await;
    let contributor = browser();
    app.sign_in_with(&contributor, &world.contributor, PASSWORD).await;
    let form = format!("/assessments/{}/workshops/new?statement=QS3", s.assessment);
    let (status, html) = app.get_html_with(&contributor, &form).await;
    assert_eq!(status, 200);
    let key = {
        let selector = scraper::Selector::parse("input[name=idempotency_key]").expect("selector");
        html.select(&selector).next().and_then(|e| e.value().attr("value")).expect("key").to_owned()
    };
    let action = format!("/assessments/{}/workshops/new", s.assessment);
    let mut fields: Vec<(String, String)> = vec![
        ("statement".into(), "QS3".into()),
        ("idempotency_key".into(), key.clone()),
        ("workshop_date".into(), "2026-06-10".into()),
        ("facilitator".into(), "Sam Facilitator".into()),
        ("group".into(), s.groups[0].clone()),
        ("participants".into(), "0".into()),
    ];
    for i in 1..=7 {
        fields.push((format!("QS3_{i}_rating"), "3".into()));
        fields.push((format!("QS3_{i}_notes"), "Agreed after discussion".into()));
    }
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let bad = app.post_form_with(&contributor, &form, &action, &pairs).await;
    assert_eq!(bad.status(), 422, "0 participants");
    fields[5].1 = "12".into();
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let ok = app.post_form_with(&contributor, &form, &action, &pairs).await;
    assert_eq!(ok.status(), 303);
    let again = app.post_form_with(&contributor, &form, &action, &pairs).await;
    assert_eq!(again.status(), 303);
    assert_eq!(counts(&app, &s.assessment).await, (1, 7), "stored once");
    let (mode, participants): (String, i64) = selfassess::on_db!(&app.db, pool => sqlx::query_as("SELECT mode, participants FROM responses").fetch_one(pool).await.expect("row"));
    assert_eq!((mode.as_str(), participants), ("workshop", 12));
    let viewer = browser();
    app.sign_in_with(&viewer, &world.viewer, PASSWORD).await;
    assert_eq!(app.get_with(&viewer, &form).await.status(), 403);
}

#[tokio::test]
async fn signed_in_staff_can_answer_as_themselves() {
    let app = spawn_app(Backend::Sqlite).await;
    let (world, s) = setup(&app).await;
    let base = format!("/r/{}", s.round_token);
    let staff = browser();
    app.sign_in_with(&staff, &world.contributor, PASSWORD).await;
    let (_, start) = app.get_html_with(&staff, &base).await;
    assert_eq!(select_texts(&start, "input[name=as_staff]").len(), 1, "the option is offered to staff");
    let anonymous = browser();
    let (_, start) = app.get_html_with(&anonymous, &base).await;
    assert!(select_texts(&start, "input[name=as_staff]").is_empty(), "and only to staff");
    app.post_form_with(&staff, &base, &format!("{base}/start"), &[("as_staff", "1")]).await;
    app.post_form_with(
        &staff,
        &format!("{base}/group"),
        &format!("{base}/group"),
        &[("group", &s.groups[0])],
    )
    .await;
    for (qs, n) in [("QS1", 14), ("QS2", 12)] {
        let page = format!("{base}/statements/{qs}");
        let fields = answers_for(qs, n, "3");
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(app.post_form_with(&staff, &page, &page, &pairs).await.status(), 303);
    }
    let (_, check) = app.get_html_with(&staff, &format!("{base}/check")).await;
    let selector = scraper::Selector::parse("input[name=idempotency_key]").expect("selector");
    let key = check.select(&selector).next().and_then(|e| e.value().attr("value")).expect("key").to_owned();
    let sent = app
        .post_form_with(
            &staff,
            &format!("{base}/check"),
            &format!("{base}/submit"),
            &[("idempotency_key", &key)],
        )
        .await;
    assert_eq!(sent.status(), 303);
    let (mode, user): (String, Option<uuid::Uuid>) = selfassess::on_db!(&app.db, pool => sqlx::query_as("SELECT mode, user_id FROM responses").fetch_one(pool).await.expect("row"));
    assert_eq!(mode, "staff");
    assert_eq!(user, Some(app.actor(&world.contributor).await.user_id));
}
