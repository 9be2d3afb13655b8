//! The Stage 1 analysis pages, charts and exports: a small group's figures appear on no page,
//! chart, export or API answer; the demo council's dashboard shows every kind of finding; the
//! thresholds form names each problem and changes nothing until all is well; the round filter.

use std::collections::HashMap;

use crate::engagement::setup;
use crate::helpers::{Backend, PASSWORD, TestApp, backends, browser, select_texts, spawn_app};
use serde_json::{Value, json};

/// The small group of the leak test: two respondents, fewer than the default 5.
const SMALL: &str = "People who draw on care and support";
const WITHHELD: &str = "fewer than 5 responses";

/// One response of a group to every item of QS1 (14) and QS2 (12), each rated `rating`.
fn response(group: &str, rating: i64, evidence: &str, needed: &str) -> Value {
    let mut answers = Vec::new();
    for (qs, items) in [(1, 14), (2, 12)] {
        for i in 1..=items {
            answers.push(json!({"item": format!("QS{qs}.{i}"), "rating": rating,
                "evidence": evidence, "evidence_needed": needed}));
        }
    }
    json!({"group": group, "answers": answers})
}

async fn post_response(app: &TestApp, round: &str, key: &str, body: &Value) {
    let status = app
        .client
        .post(format!("{}/api/v1/rounds/{round}/responses", app.address))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("sent")
        .status();
    assert_eq!(status, 201, "response {key}");
}

async fn api_get(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    let response =
        app.client.get(format!("{}{}", app.address, path)).bearer_auth(token).send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The ids and link tokens of an assessment's rounds, in order.
async fn rounds(app: &TestApp, assessment: &str, token: &str) -> Vec<(String, String)> {
    let (status, rounds) = api_get(app, &format!("/api/v1/assessments/{assessment}/rounds"), token).await;
    assert_eq!(status, 200, "{rounds}");
    rounds
        .as_array()
        .expect("rounds")
        .iter()
        .map(|r| (r["id"].as_str().expect("id").to_owned(), r["token"].as_str().expect("token").to_owned()))
        .collect()
}

async fn signed_in(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    let client = browser();
    app.sign_in_with(&client, email, password).await;
    client
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let response = app.get_with(client, path).await;
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn bytes(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String, Vec<u8>) {
    let response = app.get_with(client, path).await;
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, content_type, response.bytes().await.expect("body").to_vec())
}

fn text_of(element: scraper::ElementRef<'_>) -> String {
    element.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Digits in `text` once the withheld marker is taken out.
fn has_figure(text: &str) -> bool {
    text.replace(WITHHELD, "").replace("fewer than 5", "").chars().any(|c| c.is_ascii_digit())
}

/// Every table on the page: a column headed by the small group has no figure in any row, and a
/// row headed by it has none in any cell. Returns how many such columns and rows there were.
fn check_tables(html: &scraper::Html, where_: &str) -> usize {
    let table = scraper::Selector::parse("table").expect("selector");
    let head = scraper::Selector::parse("thead th").expect("selector");
    let body_rows = scraper::Selector::parse("tbody tr").expect("selector");
    let cells = scraper::Selector::parse("th, td").expect("selector");
    let mut checked = 0;
    for t in html.select(&table) {
        let headings: Vec<String> = t.select(&head).map(text_of).collect();
        let column = headings.iter().position(|h| h == SMALL);
        for row in t.select(&body_rows) {
            let row_cells: Vec<String> = row.select(&cells).map(text_of).collect();
            if let Some(c) = column {
                let cell = row_cells.get(c).cloned().unwrap_or_default();
                assert!(!has_figure(&cell), "{where_}: the {SMALL} column shows {cell:?} in {row_cells:?}");
                assert!(cell.contains(WITHHELD) || cell == "no ratings", "{where_}: {cell:?}");
                checked += 1;
            }
            if row_cells.first().is_some_and(|h| h == SMALL) {
                for cell in &row_cells[1..] {
                    assert!(!has_figure(cell), "{where_}: the {SMALL} row shows {row_cells:?}");
                }
                checked += 1;
            }
        }
    }
    checked
}

/// Every chart on the page: in a heat map, the cells under the small group's heading (the same
/// x) are withheld; in a bar chart, the text after its name says it is withheld.
fn check_charts(html: &scraper::Html, where_: &str) -> usize {
    let svg = scraper::Selector::parse("svg").expect("selector");
    let text = scraper::Selector::parse("text").expect("selector");
    let mut checked = 0;
    for chart in html.select(&svg) {
        assert_eq!(chart.value().attr("role"), Some("img"), "{where_}: charts are images");
        let labelled = chart.value().attr("aria-labelledby").unwrap_or_default();
        assert!(labelled.ends_with("-title") || labelled.contains("-title "), "{where_}: {labelled}");
        let texts: Vec<(String, String)> = chart
            .select(&text)
            .map(|t| (t.value().attr("x").unwrap_or_default().to_owned(), text_of(t)))
            .collect();
        for (i, (x, words)) in texts.iter().enumerate() {
            if words == SMALL {
                // A bar chart: the group's name, then its value.
                let next = texts.get(i + 1).map(|(_, w)| w.as_str()).unwrap_or_default();
                assert!(next == WITHHELD || next == "no ratings", "{where_}: after {SMALL} comes {next:?}");
                checked += 1;
            } else if words == "People who draw" {
                // A heat map's wrapped heading: every later text at the same x is withheld.
                for (_, below) in texts[i + 1..].iter().filter(|(bx, _)| bx == x) {
                    assert!(
                        ["on care and", "support", "fewer than 5", "responses", "no ratings"]
                            .contains(&below.as_str()),
                        "{where_}: the heat map shows {below:?} under {SMALL}"
                    );
                }
                checked += 1;
            }
        }
    }
    checked
}

/// Every object that says `suppressed: true` carries no figure.
fn assert_nothing_withheld_shows(value: &Value, path: &str) {
    match value {
        Value::Object(map) => {
            if map.get("suppressed") == Some(&Value::Bool(true)) {
                for figure in
                    ["n", "counts", "agree_share", "mean", "consensus", "responses", "dont_know_share"]
                {
                    assert!(!map.contains_key(figure), "{path} is withheld but shows {figure}");
                }
            }
            for (key, child) in map {
                assert_nothing_withheld_shows(child, &format!("{path}.{key}"));
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                assert_nothing_withheld_shows(child, &format!("{path}[{i}]"));
            }
        }
        _ => {}
    }
}

/// The rows of the analysis CSV, by column name.
fn csv_rows(bytes: &[u8]) -> Vec<HashMap<String, String>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).expect("a byte order mark");
    let mut reader = csv::Reader::from_reader(bytes);
    let headers: Vec<String> = reader.headers().expect("headers").iter().map(str::to_owned).collect();
    reader
        .records()
        .map(|r| headers.iter().cloned().zip(r.expect("row").iter().map(str::to_owned)).collect())
        .collect()
}

/// A form field's name and value, or a field's name and its error message.
type Field = (&'static str, &'static str);

const FIGURE_COLUMNS: [&str; 11] = [
    "Responses",
    "Strongly disagree (1)",
    "Tend to disagree (2)",
    "Tend to agree (3)",
    "Strongly agree (4)",
    "Don't know (0)",
    "Don't know share",
    "Agree share",
    "Mean rating",
    "Consensus",
    "Evidence share",
];

fn zip_names(bytes: &[u8]) -> Vec<String> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    archive.file_names().map(|n| n.expect("name").into_owned()).collect()
}

fn zip_part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let mut out = String::new();
    std::io::Read::read_to_string(&mut archive.by_name(name).expect("part"), &mut out).expect("read");
    out
}

#[tokio::test]
async fn a_small_groups_figures_appear_on_no_analysis_route() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let (world, setup) = setup(&app).await;
        let small = setup.groups[3].clone();
        // Six frontline staff agree (3 or 4); two people who draw on care tend to disagree (2).
        for n in 0..6 {
            let body = response(&setup.groups[0], 3 + n % 2, "Supervision audits", "");
            post_response(&app, &setup.round_token, &format!("staff-{n}"), &body).await;
        }
        for n in 0..2 {
            let body = response(&small, 2, "My own care plan", "Waiting times");
            post_response(&app, &setup.round_token, &format!("people-{n}"), &body).await;
        }
        let id = &setup.assessment;
        let round = rounds(&app, id, &setup.lead_token).await[0].0.clone();
        let lead = signed_in(&app, &world.lead, PASSWORD).await;

        let mut pages =
            vec![format!("/assessments/{id}/analysis"), format!("/assessments/{id}/analysis?round={round}")];
        for qs in 1..=9 {
            pages.push(format!("/assessments/{id}/analysis/QS{qs}"));
            pages.push(format!("/assessments/{id}/analysis/QS{qs}?round={round}"));
        }
        let (mut tables, mut charts) = (0, 0);
        for path in &pages {
            let (status, body) = page(&app, &lead, path).await;
            assert_eq!(status, 200, "{backend:?} {path}");
            let html = scraper::Html::parse_document(&body);
            tables += check_tables(&html, path);
            charts += check_charts(&html, path);
            // The small group's own figures (mean 2.00) and those of the group withheld with
            // it (six staff: mean 3.50), which would give it away by subtraction.
            for figure in ["2.00", "3.50"] {
                assert!(!body.contains(figure), "{backend:?} {path} shows {figure}");
            }
            assert!(!body.contains("style="), "{path}: no inline styles");
            if path.contains("QS1") || path.ends_with("/analysis") {
                assert!(body.contains(WITHHELD), "{backend:?} {path}: withheld figures say so");
            }
        }
        assert!(
            tables >= 20 && charts >= 6,
            "{backend:?}: the checks found the group ({tables} table rows and columns, {charts} charts)"
        );

        // The dashboard's figures: the whole is shown (8), the groups are not.
        let (_, body) = page(&app, &lead, &format!("/assessments/{id}/analysis")).await;
        let html = scraper::Html::parse_document(&body);
        let heat = select_texts(&html, "table tbody tr");
        assert!(heat.iter().any(|r| r.starts_with("QS1 Assessing needs 75%")), "{heat:?}");

        // The CSV: the group's rows, its category's and the group withheld with it have no figures.
        for query in [String::new(), format!("?round={round}")] {
            let (status, content_type, csv) =
                bytes(&app, &lead, &format!("/assessments/{id}/analysis.csv{query}")).await;
            assert_eq!((status, content_type.as_str()), (200, "text/csv; charset=utf-8"));
            let rows = csv_rows(&csv);
            assert_eq!(rows.len(), 95 * 13, "95 items × (overall, 5 groups, 3 categories, 4 modes)");
            let mut withheld = 0;
            for row in &rows {
                let protected = [
                    "People who draw on care and support",
                    "Frontline staff",
                    "People's experience",
                    "Feedback from staff and leaders",
                ];
                let answered = row["Quality statement"] == "QS1" || row["Quality statement"] == "QS2";
                if answered && protected.contains(&row["Slice"].as_str()) {
                    assert!(row["Note"].contains(WITHHELD), "{row:?}");
                }
                if row["Note"].contains(WITHHELD) {
                    withheld += 1;
                    for column in FIGURE_COLUMNS {
                        assert_eq!(row[column], "", "{backend:?}: a withheld row shows {column}: {row:?}");
                    }
                }
            }
            assert_eq!(withheld, 26 * 4, "four slices of each answered item");
            let overall =
                rows.iter().find(|r| r["Item"] == "QS1.1" && r["Breakdown"] == "Overall").expect("QS1.1");
            assert_eq!((overall["Responses"].as_str(), overall["Agree share"].as_str()), ("8", "0.75"));
        }

        // The workbook: the same rows; a statement sheet with a chart; LibreOffice opens it.
        let (status, content_type, xlsx) =
            bytes(&app, &lead, &format!("/assessments/{id}/analysis.xlsx")).await;
        assert_eq!(status, 200);
        assert_eq!(content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        use calamine::Reader;
        let mut workbook: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.clone())).expect("an xlsx workbook");
        assert_eq!(workbook.sheet_names(), ["About", "Quality statements", "Items"]);
        let items = workbook.worksheet_range("Items").expect("items");
        let heading: Vec<String> =
            (0..20).map(|c| items.get_value((0, c)).map(|v| v.to_string()).unwrap_or_default()).collect();
        let slice = heading.iter().position(|h| h == "Slice").expect("slice column") as u32;
        let note = heading.iter().position(|h| h == "Note").expect("note column") as u32;
        let mut small_rows = 0;
        for r in 1..items.height() as u32 {
            let value = |c: u32| items.get_value((r, c)).map(|v| v.to_string()).unwrap_or_default();
            if value(note).contains(WITHHELD) {
                for c in 5..16 {
                    assert_eq!(value(c), "", "row {r} is withheld but shows {}", heading[c as usize]);
                }
            }
            if value(slice) == SMALL && value(1).starts_with("QS1") {
                small_rows += 1;
                assert!(value(note).contains(WITHHELD));
            }
        }
        assert_eq!(small_rows, 14);
        assert!(zip_names(&xlsx).iter().any(|n| n.starts_with("xl/charts/chart")), "a native chart");
        if let Some(ods) = crate::helpers::libreoffice_convert(&xlsx, "xlsx", "ods") {
            let content = zip_part(&ods, "content.xml");
            assert!(content.contains("table:name=\"Quality statements\""), "LibreOffice opened it");
            assert!(content.contains("QS1.1"));
            assert!(
                zip_names(&ods).iter().any(|n| n.starts_with("Object")),
                "the chart survives: {:?}",
                zip_names(&ods)
            );
        }

        // The API.
        let (status, analysis) =
            api_get(&app, &format!("/api/v1/assessments/{id}/analysis"), &setup.lead_token).await;
        assert_eq!(status, 200);
        assert_nothing_withheld_shows(&analysis, "analysis");
        let by_group = analysis["quality_statements"][0]["by_group"].as_array().expect("groups");
        assert!(by_group.iter().any(|g| g["label"] == SMALL && g["suppressed"] == true));
    }
}

#[tokio::test]
async fn the_demo_dashboard_shows_every_kind_of_finding() {
    let app = spawn_app(Backend::Sqlite).await;
    let frameworks = selfassess::framework::Frameworks::shipped().expect("frameworks");
    let demo = selfassess::engagement::demo::create(&app.db, &frameworks, 300, 2026).await.expect("demo");
    let person = |role: &str| {
        demo.people.iter().find(|(r, ..)| *r == role).map(|(_, e, p)| (e.clone(), p.clone())).expect("person")
    };
    let (email, password) = person("assessment lead");
    let lead = signed_in(&app, &email, &password).await;
    let id = demo.assessment_id;

    // The assessment page links to the analysis.
    let (_, assessment) = page(&app, &lead, &format!("/assessments/{id}")).await;
    assert!(assessment.contains(&format!("href=\"/assessments/{id}/analysis\"")));

    let (status, body) = page(&app, &lead, &format!("/assessments/{id}/analysis")).await;
    assert_eq!(status, 200);
    let html = scraper::Html::parse_document(&body);
    for (list, heading) in [
        ("strength", "Strengths"),
        ("improvement", "Areas for improvement"),
        ("differing_views", "Differing views"),
        ("evidence_gap", "Evidence gaps"),
    ] {
        let text = select_texts(&html, &format!("h2#{list}"));
        let count: u32 = text[0]
            .trim_start_matches(heading)
            .trim()
            .trim_matches(|c| c == '(' || c == ')')
            .parse()
            .unwrap_or_else(|_| panic!("{text:?}"));
        assert!(count > 0, "the demo has {heading}: {text:?}");
    }
    // Each item in a list comes with its reasons.
    let reasons = select_texts(&html, ".app-findings__item li");
    assert!(
        reasons.iter().any(|r| r.contains("% of ratings agree (strength at 75% or more)")),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|r| r.contains("agree;")), "group differences: {reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("answered \"Don't know\"")), "{reasons:?}");
    // The heat map and its table; the indicative scores, labelled so; the thresholds.
    assert_eq!(
        select_texts(&html, "svg[role=img] title"),
        ["Share of ratings that agree, by quality statement and respondent group"]
    );
    assert!(body.contains("Indicative only"));
    assert_eq!(select_texts(&html, "#scores ~ table tbody tr").len(), 9);
    assert!(body.contains("strength: 75% or more of ratings agree"));
    assert!(body.contains(&format!("href=\"/assessments/{id}/analysis/settings\"")), "leads may change them");
    assert!(body.contains(&format!("/assessments/{id}/analysis.xlsx")));

    // A quality statement page: both charts, with their tables, and the free text collated.
    let (status, body) = page(&app, &lead, &format!("/assessments/{id}/analysis/QS1")).await;
    assert_eq!(status, 200);
    let html = scraper::Html::parse_document(&body);
    assert_eq!(select_texts(&html, "svg[role=img]").len(), 2);
    assert_eq!(select_texts(&html, "svg desc").len(), 2);
    assert_eq!(select_texts(&html, "tr[id^=item-QS1]").len(), 14, "a row per item");
    let categories = select_texts(&html, "#categories ~ dl .govuk-summary-list__value");
    assert!(categories.iter().all(|c| c.starts_with("Covered")), "{categories:?}");
    for status in [
        page(&app, &lead, &format!("/assessments/{id}/analysis/QS10")).await.0,
        page(&app, &lead, &format!("/assessments/{id}/analysis/nonsense")).await.0,
    ] {
        assert_eq!(status, 404);
    }

    // A viewer reads the analysis but is not offered the thresholds.
    let (email, password) = person("viewer");
    let viewer = signed_in(&app, &email, &password).await;
    let (status, body) = page(&app, &viewer, &format!("/assessments/{id}/analysis")).await;
    assert_eq!(status, 200);
    assert!(!body.contains("/analysis/settings"));
    assert_eq!(page(&app, &viewer, &format!("/assessments/{id}/analysis/settings")).await.0, 403);
}

#[tokio::test]
async fn the_thresholds_form_names_each_problem_and_changes_nothing_until_all_is_well() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let (world, setup) = setup(&app).await;
        let id = uuid::Uuid::parse_str(&setup.assessment).expect("uuid");
        let lead = signed_in(&app, &world.lead, PASSWORD).await;
        let form = format!("/assessments/{id}/analysis/settings");
        let (status, body) = page(&app, &lead, &form).await;
        assert_eq!(status, 200);
        let html = scraper::Html::parse_document(&body);
        let value = |html: &scraper::Html, name: &str| {
            let selector = scraper::Selector::parse(&format!("input[name={name}]")).expect("selector");
            html.select(&selector).next().and_then(|e| e.value().attr("value")).unwrap_or_default().to_owned()
        };
        assert_eq!(value(&html, "min_group_size"), "5");
        assert_eq!(value(&html, "strength_agree_percent"), "75");

        let good = [
            ("min_group_size", "6"),
            ("strength_agree_percent", "80"),
            ("improvement_agree_percent", "40"),
            ("differing_gap_points", "25"),
            ("differing_consensus_percent", "50"),
            ("dont_know_percent", "35"),
            ("evidence_percent", "20"),
        ];
        let with = |changes: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
            good.iter()
                .map(|(k, v)| (*k, changes.iter().find(|(c, _)| c == k).map(|(_, v)| *v).unwrap_or(v)))
                .collect()
        };
        let cases: [(&[Field], &[Field]); 4] = [
            (
                &[("min_group_size", "2"), ("dont_know_percent", "101")],
                &[
                    (
                        "min_group_size",
                        "The smallest group shown must be 3 or more, to keep respondents anonymous",
                    ),
                    ("dont_know_percent", "Enter a number from 0 to 100"),
                ],
            ),
            (
                &[("improvement_agree_percent", "90")],
                &[(
                    "improvement_agree_percent",
                    "The improvement threshold must not be above the strength threshold",
                )],
            ),
            (
                &[("evidence_percent", "a quarter"), ("differing_gap_points", "")],
                &[
                    ("differing_gap_points", "Enter the gap between groups"),
                    ("evidence_percent", "The evidence threshold must be a whole number, like 25"),
                ],
            ),
            (
                &[("strength_agree_percent", "=1+1")],
                &[("strength_agree_percent", "The strength threshold must be a whole number, like 75")],
            ),
        ];
        for (changes, expected) in cases {
            let fields = with(changes);
            let response = app.post_form_with(&lead, &form, &form, &fields).await;
            assert_eq!(response.status(), 422, "{backend:?} {changes:?}");
            let html = scraper::Html::parse_document(&response.text().await.expect("body"));
            let summary = select_texts(&html, ".govuk-error-summary__list a");
            let links: Vec<String> = {
                let selector = scraper::Selector::parse(".govuk-error-summary__list a").expect("selector");
                html.select(&selector)
                    .map(|a| a.value().attr("href").unwrap_or_default().to_owned())
                    .collect()
            };
            for (field, message) in expected {
                assert!(summary.contains(&message.to_string()), "{backend:?}: {summary:?} lacks {message}");
                assert!(links.contains(&format!("#{field}")), "{links:?}");
                let inline = select_texts(&html, &format!("#{field}-error"));
                assert_eq!(inline, [format!("Error: {message}")], "{field}");
            }
            // What was typed stays in the form; nothing is stored.
            for (name, typed) in &fields {
                assert_eq!(value(&html, name), *typed);
            }
            let stored = selfassess::analysis::store::thresholds(&app.db, id).await.expect("db");
            assert_eq!(stored, None, "{backend:?}: nothing changed");
        }

        let response = app.post_form_with(&lead, &form, &form, &good).await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], format!("/assessments/{id}/analysis"));
        let stored = selfassess::analysis::store::thresholds(&app.db, id).await.expect("db").expect("stored");
        assert_eq!(
            (stored.min_group_size, stored.strength_agree_percent, stored.evidence_percent),
            (6, 80, 20)
        );
        let (_, body) = page(&app, &lead, &format!("/assessments/{id}/analysis")).await;
        assert!(
            body.contains("strength: 80% or more of ratings agree"),
            "the dashboard shows the thresholds in force"
        );
        assert!(body.contains("figures from fewer than 6 responses are withheld"));
        // The change is in the council's audit log.
        let (_, audit) =
            page(&app, &lead, &format!("/councils/{}/audit?entity=analysis_settings", world.council)).await;
        assert!(audit.contains("analysis_settings"), "audited");
    }
}

#[tokio::test]
async fn the_round_filter_limits_every_figure_to_one_round() {
    let app = spawn_app(Backend::Sqlite).await;
    let (world, setup) = setup(&app).await;
    let id = setup.assessment.clone();
    // A second round, where everyone disagrees.
    let now = time::OffsetDateTime::now_utc();
    let rfc =
        |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).expect("time");
    let body = json!({"title": "Autumn", "quality_statements": ["QS1", "QS2"], "groups": setup.groups,
        "opens_at": rfc(now - time::Duration::days(1)), "closes_at": rfc(now + time::Duration::days(14))});
    let created = app
        .client
        .post(format!("{}/api/v1/assessments/{id}/rounds", app.address))
        .bearer_auth(&setup.lead_token)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), 201);
    let rounds = rounds(&app, &id, &setup.lead_token).await;
    let (spring, autumn) = (rounds[0].clone(), rounds[1].clone());
    for n in 0..6 {
        post_response(&app, &spring.1, &format!("s{n}"), &response(&setup.groups[0], 4, "", "")).await;
        post_response(&app, &autumn.1, &format!("a{n}"), &response(&setup.groups[0], 1, "", "")).await;
    }
    let lead = signed_in(&app, &world.lead, PASSWORD).await;
    let qs1_all = |body: &str| -> String {
        let html = scraper::Html::parse_document(body);
        let rows = select_texts(&html, "table tbody tr");
        rows.into_iter().find(|r| r.starts_with("QS1 Assessing needs")).expect("QS1 row")
    };
    for (query, expected) in [
        (String::new(), "50%"),
        (format!("?round={}", spring.0), "100%"),
        (format!("?round={}", autumn.0), "0%"),
    ] {
        let (status, body) = page(&app, &lead, &format!("/assessments/{id}/analysis{query}")).await;
        assert_eq!(status, 200);
        let row = qs1_all(&body);
        assert!(row.starts_with(&format!("QS1 Assessing needs {expected}")), "{query}: {row}");
        // The filter is a form that works without JavaScript, showing the round chosen.
        let html = scraper::Html::parse_document(&body);
        let selected = select_texts(&html, "form[method=get] select[name=round] option[selected]");
        let chosen = if query.contains(&spring.0) {
            "Everyone, spring"
        } else if query.is_empty() {
            "All rounds"
        } else {
            "Autumn"
        };
        assert_eq!(selected, [chosen]);
        // Links to the quality statements and the downloads keep the round.
        if !query.is_empty() {
            assert!(body.contains(&format!("/analysis/QS1{query}")));
            assert!(body.contains(&format!("/analysis.csv{query}")));
        }
        let (_, qs_body) = page(&app, &lead, &format!("/assessments/{id}/analysis/QS1{query}")).await;
        let qs_html = scraper::Html::parse_document(&qs_body);
        let agree = select_texts(&qs_html, ".govuk-summary-list__row");
        assert!(agree.iter().any(|r| r == &format!("Ratings that agree {expected}")), "{query}: {agree:?}");
        let (_, _, csv) = bytes(&app, &lead, &format!("/assessments/{id}/analysis.csv{query}")).await;
        let rows = csv_rows(&csv);
        let overall =
            rows.iter().find(|r| r["Item"] == "QS1.1" && r["Breakdown"] == "Overall").expect("QS1.1");
        let share = match expected {
            "50%" => "0.5",
            "100%" => "1",
            _ => "0",
        };
        assert_eq!(overall["Agree share"], share, "{query}");
    }
    // Rounds of other assessments, unknown rounds and nonsense are not found.
    for query in ["?round=not-a-round".to_owned(), format!("?round={}", uuid::Uuid::now_v7())] {
        assert_eq!(page(&app, &lead, &format!("/assessments/{id}/analysis{query}")).await.0, 404, "{query}");
        assert_eq!(bytes(&app, &lead, &format!("/assessments/{id}/analysis.csv{query}")).await.0, 404);
    }
    // An empty choice is every round.
    assert_eq!(page(&app, &lead, &format!("/assessments/{id}/analysis?round=")).await.0, 200);
}

/// Adds a link item supporting `statements` to the evidence library through the API.
async fn evidence_item(
    app: &TestApp,
    token: &str,
    assessment: &str,
    title: &str,
    statements: &[&str],
) -> String {
    let body = json!({"title": title, "document_type": "performance_report",
        "link": "https://www.example.gov.uk/report.pdf", "quality_statements": statements});
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

async fn evidence_state(app: &TestApp, client: &reqwest::Client, assessment: &str, item: &str, state: &str) {
    let action = format!("/assessments/{assessment}/evidence/{item}/state");
    let response = app.post_form_with(client, "/account", &action, &[("state", state)]).await;
    assert_eq!(response.status().as_u16(), 303, "{state}");
}

/// Ready items counted for QS1 and QS2 in the API, on the dashboard and on QS1's page.
async fn processes(app: &TestApp, client: &reqwest::Client, assessment: &str, token: &str) -> (u64, u64) {
    let (status, json) = api_get(app, &format!("/api/v1/assessments/{assessment}/analysis"), token).await;
    assert_eq!(status, 200, "{json}");
    let ready = |qs: &str| {
        let statement = json["quality_statements"]
            .as_array()
            .and_then(|list| list.iter().find(|q| q["id"] == qs))
            .expect("the statement");
        let n = statement["processes"]["ready_items"].as_u64().expect("ready_items");
        assert_eq!(statement["processes"]["covered"], n > 0);
        assert_eq!(statement["evidence_categories"].as_array().map(Vec::len), Some(3), "unchanged");
        n
    };
    let (qs1, qs2) = (ready("QS1"), ready("QS2"));
    let (_, body) = page(app, client, &format!("/assessments/{assessment}/analysis")).await;
    let html = scraper::Html::parse_document(&body);
    let rows = select_texts(&html, "#processes-table tbody tr");
    assert!(rows[0].starts_with("QS1 ") && rows[0].contains(&format!(" {qs1} ")), "{rows:?}");
    assert!(rows[1].starts_with("QS2 ") && rows[1].contains(&format!(" {qs2} ")), "{rows:?}");
    let (_, body) = page(app, client, &format!("/assessments/{assessment}/analysis/QS1")).await;
    let status = select_texts(&scraper::Html::parse_document(&body), "#processes-status").join(" ");
    let expected = match qs1 {
        0 => "Not covered Not covered: no ready item in the evidence library".to_owned(),
        1 => "Covered Covered: 1 ready item in the evidence library".to_owned(),
        n => format!("Covered Covered: {n} ready items in the evidence library"),
    };
    assert_eq!(status, expected);
    // The workbook's quality statement sheet counts them too.
    let (status, _, xlsx) = bytes(app, client, &format!("/assessments/{assessment}/analysis.xlsx")).await;
    assert_eq!(status, 200);
    use calamine::Reader;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).expect("an xlsx workbook");
    let sheet = workbook.worksheet_range("Quality statements").expect("the quality statements sheet");
    let cell =
        |r: usize, c: usize| sheet.get_value((r as u32, c as u32)).map(|v| v.to_string()).unwrap_or_default();
    let column = |name: &str| (0..sheet.width()).find(|&c| cell(0, c) == name).expect(name);
    let (ready, covered) = (column("Ready evidence of processes"), column("Evidence categories covered"));
    for (qs, n) in [("QS1", qs1), ("QS2", qs2)] {
        let r = (1..sheet.height()).find(|&r| cell(r, 0) == qs).expect("the statement's row");
        assert_eq!(cell(r, ready), n.to_string(), "{qs} in the workbook");
        assert_eq!(cell(r, covered).contains("Processes"), n > 0, "{qs}: {}", cell(r, covered));
    }
    (qs1, qs2)
}

#[tokio::test]
async fn ready_evidence_items_count_as_processes_evidence_and_are_never_stale() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let (world, s) = setup(&app).await;
        let lead = signed_in(&app, &world.lead, PASSWORD).await;
        // Some answers, so the analysis has figures to cache.
        for r in 0..5 {
            post_response(&app, &s.round_token, &format!("p{r}"), &response(&s.groups[0], 3, "Audit", ""))
                .await;
        }
        let both =
            evidence_item(&app, &s.lead_token, &s.assessment, "Performance report", &["QS1", "QS2"]).await;
        let one = evidence_item(&app, &s.lead_token, &s.assessment, "Waiting times", &["QS1"]).await;
        assert_eq!(
            processes(&app, &lead, &s.assessment, &s.lead_token).await,
            (0, 0),
            "{backend:?}: drafts count for nothing"
        );
        assert_eq!(processes(&app, &lead, &s.assessment, &s.lead_token).await, (0, 0), "read again (cached)");
        evidence_state(&app, &lead, &s.assessment, &both, "ready").await;
        assert_eq!(processes(&app, &lead, &s.assessment, &s.lead_token).await, (1, 1));
        evidence_state(&app, &lead, &s.assessment, &one, "ready").await;
        assert_eq!(processes(&app, &lead, &s.assessment, &s.lead_token).await, (2, 1));
        evidence_state(&app, &lead, &s.assessment, &both, "withdrawn").await;
        assert_eq!(processes(&app, &lead, &s.assessment, &s.lead_token).await, (1, 0));
        evidence_state(&app, &lead, &s.assessment, &one, "draft").await;
        assert_eq!(processes(&app, &lead, &s.assessment, &s.lead_token).await, (0, 0));
    }
}
