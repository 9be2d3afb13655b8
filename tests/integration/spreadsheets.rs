//! Spreadsheets: blank checklists, exports of every response, and importing a completed
//! checklist, each read back with calamine (and LibreOffice, when it is installed).

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use selfassess::engagement::domain::{Answer, Rating};
use selfassess::engagement::store::{self as engagement_store, NewResponse};
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp, World, backends, browser, select_texts};

const COUNTS: [usize; 9] = [14, 12, 7, 12, 6, 10, 15, 9, 10];
const SHEETS: [&str; 10] = [
    "About",
    "QS1 Assessing needs",
    "QS2 Supporting people to live",
    "QS3 Equity in experiences",
    "QS4 Care provision, integration",
    "QS5 Partnerships",
    "QS6 Safe systems, pathways",
    "QS7 Safeguarding",
    "QS8 Governance, management",
    "QS9 Learning, improvement",
];

struct Fixture {
    app: TestApp,
    world: World,
    assessment: Uuid,
    groups: Vec<(Uuid, String)>,
    lead: reqwest::Client,
}

async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let client = browser();
    app.sign_in_with(&client, email, PASSWORD).await;
    client
}

async fn fixture(backend: crate::helpers::Backend) -> Fixture {
    fixture_configured(backend, |_| {}).await
}

async fn fixture_configured(
    backend: crate::helpers::Backend,
    adjust: impl FnOnce(&mut selfassess::config::Config),
) -> Fixture {
    let app = crate::helpers::spawn_app_configured(backend, adjust).await;
    let world = app.world().await;
    let frameworks = selfassess::framework::Frameworks::shipped().expect("frameworks");
    let actor = app.actor(&world.lead).await;
    let assessment = selfassess::engagement::service::create_assessment(
        &app.db,
        &frameworks,
        &actor,
        selfassess::engagement::service::NewAssessment {
            council_id: world.council,
            title: "2026/27",
            period_start: "2026-04-01",
            period_end: "2027-03-31",
            framework_key: "cqc-la-2023",
        },
    )
    .await
    .expect("assessment")
    .id;
    let groups = engagement_store::groups(&app.db, assessment)
        .await
        .expect("groups")
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let lead = signed_in(&app, &world.lead).await;
    Fixture { app, world, assessment, groups, lead }
}

async fn download(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, Vec<u8>) {
    let response = app.get_with(client, path).await;
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("body").to_vec())
}

fn xlsx(bytes: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an xlsx calamine can read")
}

fn zip_part(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut text = String::new();
    archive.by_name(name).expect("part").read_to_string(&mut text).expect("utf8");
    text
}

fn text(cell: Option<&Data>) -> String {
    match cell {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Int(i)) => i.to_string(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// The first sheet as CSV, as LibreOffice reads it (when it is installed).
fn libreoffice_csv(bytes: &[u8], extension: &str) -> Option<String> {
    // 44 = comma, 34 = double quote, 76 = UTF-8.
    crate::helpers::libreoffice_convert(bytes, extension, "csv:Text - txt - csv (StarCalc):44,34,76,1")
        .map(|csv| String::from_utf8(csv).expect("UTF-8 CSV"))
}

#[tokio::test]
async fn blank_checklists_are_laid_out_like_the_toolkit_with_validated_ratings() {
    let f = fixture(crate::helpers::Backend::Sqlite).await;
    let path = format!("/assessments/{}/checklists.xlsx", f.assessment);
    let response = f.app.get_with(&f.lead, &path).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("checklists-2026-27.xlsx")
    );
    let bytes = response.bytes().await.expect("body").to_vec();

    let mut workbook = xlsx(&bytes);
    assert_eq!(workbook.sheet_names(), SHEETS);
    for (i, name) in SHEETS.iter().enumerate().skip(1) {
        let range = workbook.worksheet_range(name).expect("sheet");
        let title = text(range.get_value((0, 0)));
        assert!(title.starts_with("Stage 1 checklist: "), "{name}: {title}");
        assert_eq!(text(range.get_value((1, 0))), "Examples of data to consider:");
        let heading =
            (0..range.height() as u32).find(|r| text(range.get_value((*r, 0))) == "Item").expect("heading");
        assert_eq!(text(range.get_value((heading, 2))), "Rating");
        assert_eq!(text(range.get_value((heading, 3))), "Why? What evidence do you have to support this?");
        let items: Vec<String> = (heading + 1..=heading + 20)
            .map(|r| text(range.get_value((r, 0))))
            .filter(|t| t.starts_with(&format!("QS{i}.")))
            .collect();
        assert_eq!(items.len(), COUNTS[i - 1], "{name}");
        assert_eq!(items[0], format!("QS{i}.1"));

        // The rating column's data validation: whole numbers 0 to 4, with the scale as its
        // input message.
        let xml = zip_part(&bytes, &format!("xl/worksheets/sheet{}.xml", i + 1));
        let first = heading + 2;
        let last = heading + 1 + COUNTS[i - 1] as u32;
        assert!(xml.contains("<dataValidation type=\"whole\""), "{name}: {xml}");
        assert!(xml.contains(&format!("sqref=\"C{first}:C{last}\"")), "{name}");
        assert!(xml.contains("<formula1>0</formula1><formula2>4</formula2>"), "{name}");
        assert!(xml.contains("Tend to agree"), "the input message explains the scale");
    }
    let about = workbook.worksheet_range("About").expect("about");
    assert_eq!(text(about.get_value((12, 0))), "Respondent group");
    assert_eq!(text(about.get_value((13, 1))), "cqc-la-2023");
    let about_xml = zip_part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(about_xml.contains("<dataValidation type=\"list\""), "the group cell offers the groups");

    if let Some(csv) = libreoffice_csv(&bytes, "xlsx") {
        assert!(csv.contains("Stage 1 self-assessment checklists"), "LibreOffice opened it: {csv}");
    }
    // LibreOffice understands the rating validation (it carries it into its own format).
    if let Some(ods) = crate::helpers::libreoffice_convert(&bytes, "xlsx", "ods") {
        let content = zip_part(&ods, "content.xml");
        assert!(content.contains("table:content-validation "), "validations survive in LibreOffice");
        assert!(
            content.contains("cell-content-is-whole-number() and cell-content-is-between(0,4)"),
            "{content}"
        );
    }

    // The CSV template: a header and one row per item.
    let (status, csv) =
        download(&f.app, &f.lead, &format!("/assessments/{}/checklists.csv", f.assessment)).await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).expect("utf8");
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        ["item", "text", "rating", "evidence", "evidence_needed"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 95);
    assert_eq!(&rows[0][0], "QS1.1");
    assert_eq!(&rows[94][0], "QS9.10");
}

#[tokio::test]
async fn blank_checklists_are_for_members_of_the_council() {
    let f = fixture(crate::helpers::Backend::Sqlite).await;
    for path in ["checklists.xlsx", "checklists.csv"] {
        let path = format!("/assessments/{}/{path}", f.assessment);
        for (email, expected) in [
            (&f.world.viewer, 200),
            (&f.world.contributor, 200),
            (&f.world.admin, 200),
            (&f.world.other_lead, 404),
        ] {
            let client = signed_in(&f.app, email).await;
            assert_eq!(f.app.get_with(&client, &path).await.status(), expected, "{email} {path}");
        }
        let anonymous = f.app.get_with(&browser(), &path).await;
        assert_eq!(anonymous.status(), 303);
        let unknown = format!("/assessments/{}/checklists.xlsx", Uuid::now_v7());
        assert_eq!(f.app.get_with(&f.lead, &unknown).await.status(), 404);
    }
}

/// Stores `n` responses of `answers_each` QS1/QS2 answers straight through the store.
async fn seed(app: &TestApp, assessment: Uuid, group: Uuid, n: usize, evidence: &str) {
    let items: Vec<String> =
        (1..=14).map(|i| format!("QS1.{i}")).chain((1..=12).map(|i| format!("QS2.{i}"))).collect();
    let mut tx = app.db.begin().await.expect("tx");
    for r in 0..n {
        let answers: Vec<Answer> = items
            .iter()
            .enumerate()
            .map(|(i, item)| Answer {
                item: item.parse().expect("item"),
                rating: Rating::parse((i % 5) as i64).expect("rating"),
                evidence: evidence.to_owned(),
                evidence_needed: if i == 0 { "@SUM(A1:A9)".to_owned() } else { String::new() },
            })
            .collect();
        let response = NewResponse {
            id: Uuid::now_v7(),
            assessment_id: assessment,
            round_id: None,
            group_id: group,
            mode: "workshop",
            user_id: None,
            reference: selfassess::engagement::domain::new_reference(),
            idempotency_key: format!("seed-{r}-{}", Uuid::now_v7()),
            workshop_date: None,
            facilitator: None,
            participants: None,
            submitted_at: time::OffsetDateTime::now_utc(),
        };
        engagement_store::insert_response(&mut tx, &response, &answers).await.expect("insert");
    }
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn exports_hold_every_answer_with_formulas_neutralised() {
    for backend in backends() {
        let f = fixture(backend).await;
        let evil = "=HYPERLINK(\"http://evil.example\",\"Click\")";
        seed(&f.app, f.assessment, f.groups[0].0, 3, evil).await;

        let (status, csv) =
            download(&f.app, &f.lead, &format!("/assessments/{}/responses.csv", f.assessment)).await;
        assert_eq!(status, 200);
        let csv = String::from_utf8(csv).expect("utf8");
        assert!(csv.starts_with('\u{feff}'), "a byte order mark for Excel");
        let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        assert_eq!(
            reader.headers().expect("header").iter().collect::<Vec<_>>(),
            [
                "response",
                "submitted_at",
                "round",
                "group",
                "mode",
                "item",
                "rating",
                "evidence",
                "evidence_needed"
            ]
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        assert_eq!(rows.len(), 3 * 26);
        assert_eq!(&rows[0][3], f.groups[0].1.as_str());
        assert_eq!(&rows[0][4], "workshop");
        // Items in the framework's order: QS1.2 before QS1.10.
        let items: Vec<&str> = rows.iter().take(26).map(|r| &r[5]).collect();
        assert_eq!(&items[..3], ["QS1.1", "QS1.2", "QS1.3"]);
        assert_eq!(items[13], "QS1.14");
        for row in &rows {
            assert_eq!(&row[7], format!("'{evil}"), "neutralised with an apostrophe");
            assert!(!row[8].starts_with('@'));
        }
        assert_eq!(&rows[0][8], "'@SUM(A1:A9)");

        let (status, bytes) =
            download(&f.app, &f.lead, &format!("/assessments/{}/responses.xlsx", f.assessment)).await;
        assert_eq!(status, 200);
        let mut workbook = xlsx(&bytes);
        assert_eq!(workbook.sheet_names(), ["Responses"]);
        let range = workbook.worksheet_range("Responses").expect("sheet");
        assert_eq!(range.height(), 1 + 3 * 26);
        assert_eq!(text(range.get_value((0, 7))), "Why? What evidence do you have to support this?");
        assert_eq!(text(range.get_value((1, 7))), format!("'{evil}"));
        assert_eq!(range.get_value((1, 6)), Some(&Data::Float(0.0)), "ratings are numbers");
        let xml = zip_part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(!xml.contains("<f>") && !xml.contains("<f "), "no cell is a formula");
        let formulas = workbook.worksheet_formula("Responses").expect("formulas");
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
        // Compressed on the way (as browsers ask): the streamed bodies end cleanly.
        for format in ["csv", "xlsx"] {
            let response = f
                .lead
                .get(format!("{}/assessments/{}/responses.{format}", f.app.address, f.assessment))
                .header("accept-encoding", "gzip")
                .send()
                .await
                .expect("sent");
            assert_eq!(response.headers()["content-encoding"], "gzip");
            let body = response.bytes().await.expect("the whole compressed body");
            assert!(body.starts_with(&[0x1f, 0x8b]), "{format}");
        }
        if let Some(csv) = libreoffice_csv(&bytes, "xlsx") {
            assert!(csv.contains("'=HYPERLINK"), "LibreOffice reads the text, not a link: {csv}");
            assert!(!csv.contains(",Click,"));
        }
    }
}

#[tokio::test]
async fn only_leads_and_platform_admins_export() {
    let f = fixture(crate::helpers::Backend::Sqlite).await;
    seed(&f.app, f.assessment, f.groups[0].0, 1, "ok").await;
    for format in ["csv", "xlsx"] {
        let path = format!("/assessments/{}/responses.{format}", f.assessment);
        for (email, expected) in [
            (&f.world.lead, 200),
            (&f.world.admin, 200),
            (&f.world.qs_lead, 403),
            (&f.world.verifier, 403),
            (&f.world.contributor, 403),
            (&f.world.viewer, 403),
            (&f.world.other_lead, 404),
        ] {
            let client = signed_in(&f.app, email).await;
            assert_eq!(f.app.get_with(&client, &path).await.status(), expected, "{email} {path}");
        }
    }
    // Each export is in the audit trail, without answer text.
    let entries = selfassess::audit::list(
        &f.app.db,
        &selfassess::audit::AuditFilter { action: Some("export_responses".into()), ..Default::default() },
    )
    .await
    .expect("audit");
    assert_eq!(entries.len(), 4, "lead and admin, two formats");
}

/// A copy of the blank workbook with cells changed: `(sheet, row, column, value)` with 0-based
/// rows and columns; `extra` adds sheets. Every cell of the blank is carried over.
fn filled(blank: &[u8], edits: &[(&str, u32, u16, Data)], extra: &[&str]) -> Vec<u8> {
    let mut source = xlsx(blank);
    let mut out = rust_xlsxwriter::Workbook::new();
    for name in source.sheet_names() {
        let range = source.worksheet_range(&name).expect("sheet");
        let sheet = out.add_worksheet().set_name(&name).expect("name");
        for (row, col, value) in range.used_cells() {
            let (r, c) = (
                row as u32 + range.start().expect("start").0,
                (col as u32 + range.start().expect("start").1) as u16,
            );
            match value {
                Data::String(s) => sheet.write_string(r, c, s).map(|_| ()),
                Data::Float(v) => sheet.write_number(r, c, *v).map(|_| ()),
                Data::Int(v) => sheet.write_number(r, c, *v as f64).map(|_| ()),
                _ => Ok(()),
            }
            .expect("write");
        }
        for (target, row, col, value) in edits {
            if *target == name {
                match value {
                    Data::String(s) => sheet.write_string(*row, *col, s).map(|_| ()),
                    Data::Float(v) => sheet.write_number(*row, *col, *v).map(|_| ()),
                    _ => Ok(()),
                }
                .expect("edit");
            }
        }
    }
    for name in extra {
        out.add_worksheet().set_name(*name).expect("extra").write_string(0, 0, "notes").expect("write");
    }
    out.save_to_buffer().expect("save")
}

/// The 0-based row of `item` in the blank workbook.
fn row_of(blank: &[u8], sheet: &str, item: &str) -> u32 {
    let mut workbook = xlsx(blank);
    let range = workbook.worksheet_range(sheet).expect("sheet");
    let start = range.start().expect("start").0;
    (0..range.height() as u32).find(|r| text(range.get((*r as usize, 0))) == item).expect("item row") + start
}

async fn upload(
    f: &Fixture,
    client: &reqwest::Client,
    bytes: Vec<u8>,
    file_name: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let page = format!("/assessments/{}/import", f.assessment);
    let token = f.app.csrf_with(client, &page).await;
    let mut form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()));
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    let token: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    client
        .post(format!("{}{page}?csrf_token={token}", f.app.address))
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

async fn problems_of(response: reqwest::Response) -> Vec<String> {
    assert_eq!(response.status(), 422);
    let html = scraper::Html::parse_document(&response.text().await.expect("body"));
    let mut problems = select_texts(&html, "#file-problems li");
    problems.extend(select_texts(&html, ".govuk-error-summary__list li"));
    problems
}

async fn counts(f: &Fixture) -> (i64, i64) {
    engagement_store::count_responses(&f.app.db, f.assessment).await.expect("counts")
}

async fn blank_workbook(f: &Fixture) -> Vec<u8> {
    let (status, bytes) =
        download(&f.app, &f.lead, &format!("/assessments/{}/checklists.xlsx", f.assessment)).await;
    assert_eq!(status, 200);
    bytes
}

/// Uploads, checks the preview, confirms; returns the preview's address.
async fn import_and_confirm(f: &Fixture, bytes: Vec<u8>, fields: &[(&str, &str)]) -> String {
    let response = upload(f, &f.lead, bytes, "checklist.xlsx", fields).await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap_or_default());
    let preview = response.headers()["location"].to_str().expect("location").to_owned();
    let confirm = format!("{preview}/confirm");
    let done = f.app.post_form_with(&f.lead, &preview, &confirm, &[]).await;
    assert_eq!(done.status(), 303);
    preview
}

#[tokio::test]
async fn a_filled_in_workbook_imports_as_one_response() {
    for backend in backends() {
        let f = fixture(backend).await;
        let blank = blank_workbook(&f).await;
        let qs1 = SHEETS[1];
        let qs7 = SHEETS[7];
        let edits = vec![
            ("About", 12, 1, Data::String(f.groups[1].1.clone())),
            (qs1, row_of(&blank, qs1, "QS1.1"), 2, Data::Float(3.0)),
            (qs1, row_of(&blank, qs1, "QS1.1"), 3, Data::String("Monthly audits".into())),
            (qs1, row_of(&blank, qs1, "QS1.2"), 2, Data::String("Tend to disagree".into())),
            (qs1, row_of(&blank, qs1, "QS1.2"), 4, Data::String("Waiting list data".into())),
            (qs1, row_of(&blank, qs1, "QS1.14"), 2, Data::Float(0.0)),
            (qs7, row_of(&blank, qs7, "QS7.15"), 2, Data::Float(4.0)),
        ];
        let bytes = filled(&blank, &edits, &[]);

        let response =
            upload(&f, &f.lead, bytes.clone(), "checklist.xlsx", &[("group", ""), ("mode", "response")])
                .await;
        assert_eq!(response.status(), 303);
        let preview = response.headers()["location"].to_str().expect("location").to_owned();
        assert_eq!(counts(&f).await, (0, 0), "nothing is stored before confirming");
        let (status, html) = f.app.get_html_with(&f.lead, &preview).await;
        assert_eq!(status, 200);
        let summary = select_texts(&html, ".govuk-summary-list__value");
        assert!(summary.contains(&f.groups[1].1), "{summary:?}");
        assert!(summary.contains(&"4".to_owned()), "four answers: {summary:?}");
        let cells = select_texts(&html, "#answers-QS1 td");
        assert_eq!(cells[..3], ["3 Tend to agree", "Monthly audits", ""]);
        assert_eq!(cells[3], "2 Tend to disagree");

        let done = f.app.post_form_with(&f.lead, &preview, &format!("{preview}/confirm"), &[]).await;
        assert_eq!(done.status(), 303);
        assert_eq!(counts(&f).await, (1, 4));
        let (_, html) = f.app.get_html_with(&f.lead, &preview).await;
        assert_eq!(select_texts(&html, ".govuk-panel__title"), ["Checklist imported"]);

        // Stored as an import, in the About sheet's group; in the export as well.
        let (_, csv) =
            download(&f.app, &f.lead, &format!("/assessments/{}/responses.csv", f.assessment)).await;
        let csv = String::from_utf8(csv).expect("utf8");
        let rows: Vec<csv::StringRecord> =
            csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes())
                .records()
                .map(|r| r.expect("row"))
                .collect();
        let summary: Vec<(String, String, String, String)> = rows
            .iter()
            .map(|r| (r[3].to_owned(), r[4].to_owned(), r[5].to_owned(), r[6].to_owned()))
            .collect();
        let group = f.groups[1].1.clone();
        assert_eq!(
            summary,
            [
                (group.clone(), "import".into(), "QS1.1".into(), "3".into()),
                (group.clone(), "import".into(), "QS1.2".into(), "2".into()),
                (group.clone(), "import".into(), "QS1.14".into(), "0".into()),
                (group, "import".into(), "QS7.15".into(), "4".into()),
            ]
        );

        // The same file again: refused, counted once. Confirming the old preview again too.
        let again = problems_of(upload(&f, &f.lead, bytes, "copy.xlsx", &[("mode", "response")]).await).await;
        assert!(again.iter().any(|p| p.contains("This file was imported on")), "{again:?}");
        let replay = f.app.post_form_with(&f.lead, &preview, &format!("{preview}/confirm"), &[]).await;
        assert_eq!(replay.status(), 303);
        assert_eq!(counts(&f).await, (1, 4));

        // The import is audited, without answer text.
        let entries = selfassess::audit::list(
            &f.app.db,
            &selfassess::audit::AuditFilter { action: Some("import".into()), ..Default::default() },
        )
        .await
        .expect("audit");
        assert_eq!(entries.len(), 1);
        let summary = entries[0].summary.to_string();
        assert!(summary.contains("\"answers\":4") && !summary.contains("Monthly audits"), "{summary}");
    }
}

#[tokio::test]
async fn a_workbook_with_a_wrong_sheet_or_rating_is_refused_whole() {
    let f = fixture(crate::helpers::Backend::Sqlite).await;
    let blank = blank_workbook(&f).await;
    let qs1 = SHEETS[1];
    let row = row_of(&blank, qs1, "QS1.6");
    let group = ("About", 12, 1, Data::String(f.groups[0].1.clone()));
    let good = (qs1, row_of(&blank, qs1, "QS1.1"), 2, Data::Float(3.0));

    let extra = filled(&blank, &[group.clone(), good.clone()], &["Sheet1"]);
    let problems = problems_of(upload(&f, &f.lead, extra, "x.xlsx", &[("mode", "response")]).await).await;
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("Sheet 'Sheet1': this is not a sheet of the blank checklist workbook")),
        "{problems:?}"
    );

    let bad = filled(
        &blank,
        &[
            group.clone(),
            good.clone(),
            (qs1, row, 2, Data::String("agree".into())),
            (qs1, row + 1, 2, Data::Float(7.0)),
            (qs1, row + 2, 3, Data::String("Evidence without a rating".into())),
        ],
        &[],
    );
    let problems = problems_of(upload(&f, &f.lead, bad, "x.xlsx", &[("mode", "response")]).await).await;
    for expected in [
        format!(
            "Sheet 'QS1 Assessing needs', row {}, column C: rating must be 1, 2, 3, 4 or 0, not 'agree'",
            row + 1
        ),
        format!(
            "Sheet 'QS1 Assessing needs', row {}, column C: rating must be 1, 2, 3, 4 or 0, not '7'",
            row + 2
        ),
        format!(
            "Sheet 'QS1 Assessing needs', row {}, column C: there is evidence but no rating: type 1, 2, 3, 4, or 0 for don't know",
            row + 3
        ),
    ] {
        assert!(problems.contains(&expected), "missing {expected:?} in {problems:?}");
    }

    let unknown_group =
        filled(&blank, &[("About", 12, 1, Data::String("Councillors".into())), good.clone()], &[]);
    let problems =
        problems_of(upload(&f, &f.lead, unknown_group, "x.xlsx", &[("mode", "response")]).await).await;
    assert!(
        problems.iter().any(
            |p| p.starts_with("Sheet 'About', row 13, column B: 'Councillors' is not a respondent group")
        ),
        "{problems:?}"
    );

    let not_a_workbook = problems_of(
        upload(&f, &f.lead, b"PK\x03\x04garbage".to_vec(), "x.xlsx", &[("mode", "response")]).await,
    )
    .await;
    assert!(not_a_workbook.iter().any(|p| p.contains("zip structure is damaged")), "{not_a_workbook:?}");
    let nothing = problems_of(upload(&f, &f.lead, Vec::new(), "", &[("mode", "response")]).await).await;
    assert!(nothing.iter().any(|p| p.contains("Choose the completed checklist file")), "{nothing:?}");

    assert_eq!(counts(&f).await, (0, 0), "nothing was stored");
    let pending: i64 = match &f.app.db {
        selfassess::db::Db::Sqlite(pool) => sqlx::query_scalar("SELECT COUNT(*) FROM spreadsheet_imports")
            .fetch_one(pool)
            .await
            .expect("count"),
        selfassess::db::Db::Postgres(pool) => sqlx::query_scalar("SELECT COUNT(*) FROM spreadsheet_imports")
            .fetch_one(pool)
            .await
            .expect("count"),
    };
    assert_eq!(pending, 0, "no preview was kept");
}

#[tokio::test]
async fn workshops_and_csv_templates_import_too() {
    let f = fixture(crate::helpers::Backend::Sqlite).await;
    let blank = blank_workbook(&f).await;
    let qs2 = SHEETS[2];
    let bytes = filled(&blank, &[(qs2, row_of(&blank, qs2, "QS2.3"), 2, Data::Float(4.0))], &[]);

    // A workshop needs its date, facilitator and participants; the group from the form.
    let group = f.groups[2].0.to_string();
    let problems = problems_of(
        upload(&f, &f.lead, bytes.clone(), "w.xlsx", &[("group", &group), ("mode", "workshop")]).await,
    )
    .await;
    assert!(problems.iter().any(|p| p.contains("Enter the facilitator's name")), "{problems:?}");
    import_and_confirm(
        &f,
        bytes,
        &[
            ("group", &group),
            ("mode", "workshop"),
            ("workshop_date", "2026-05-14"),
            ("facilitator", "Sam Patel"),
            ("participants", "12"),
        ],
    )
    .await;
    assert_eq!(counts(&f).await, (1, 1));

    // The CSV template, filled in (the group must come from the form: a CSV has no About).
    let (_, template) =
        download(&f.app, &f.lead, &format!("/assessments/{}/checklists.csv", f.assessment)).await;
    let template = String::from_utf8(template).expect("utf8");
    let mut lines: Vec<String> = template.lines().map(str::to_owned).collect();
    lines[1] = format!("{},Tend to agree,Audit results,", lines[1].trim_end_matches(",,,"));
    lines[2] = format!("{},0,,Survey of carers", lines[2].trim_end_matches(",,,"));
    let csv = lines.join("\n").into_bytes();
    let problems =
        problems_of(upload(&f, &f.lead, csv.clone(), "c.csv", &[("mode", "response")]).await).await;
    assert!(problems.iter().any(|p| p.contains("Choose the respondent group")), "{problems:?}");
    import_and_confirm(&f, csv, &[("group", &group), ("mode", "response")]).await;
    assert_eq!(counts(&f).await, (2, 3));

    // Saved by LibreOffice as .ods (when it is installed): the same answers import.
    let qs9 = SHEETS[9];
    let edits = [
        ("About", 12, 1, Data::String(f.groups[4].1.clone())),
        (qs9, row_of(&blank, qs9, "QS9.10"), 2, Data::Float(2.0)),
        (qs9, row_of(&blank, qs9, "QS9.10"), 3, Data::String("=1+1 is what we wrote".into())),
    ];
    if let Some(ods) = crate::helpers::libreoffice_convert(&filled(&blank, &edits, &[]), "xlsx", "ods") {
        import_and_confirm(&f, ods, &[("mode", "response")]).await;
        assert_eq!(counts(&f).await, (3, 4));
    }
}

#[tokio::test]
async fn only_leads_and_platform_admins_import() {
    let f = fixture(crate::helpers::Backend::Sqlite).await;
    let path = format!("/assessments/{}/import", f.assessment);
    for (email, expected) in [
        (&f.world.lead, 200),
        (&f.world.admin, 200),
        (&f.world.contributor, 403),
        (&f.world.viewer, 403),
        (&f.world.other_lead, 404),
    ] {
        let client = signed_in(&f.app, email).await;
        assert_eq!(f.app.get_with(&client, &path).await.status(), expected, "{email}");
    }
    // A contributor's upload is refused before the file is read.
    let contributor = signed_in(&f.app, &f.world.contributor).await;
    let token = f.app.csrf_with(&contributor, "/account").await;
    let response = contributor
        .post(format!("{}{path}?csrf_token={token}", f.app.address))
        .multipart(reqwest::multipart::Form::new().text("mode", "response"))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 403);
    // Without the form token in the query string: refused.
    let response = f
        .lead
        .post(format!("{}{path}", f.app.address))
        .multipart(reqwest::multipart::Form::new().text("mode", "response"))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 403);
    // Another council's lead cannot see a preview either.
    let blank = blank_workbook(&f).await;
    let qs1 = SHEETS[1];
    let bytes = filled(
        &blank,
        &[
            ("About", 12, 1, Data::String(f.groups[0].1.clone())),
            (qs1, row_of(&blank, qs1, "QS1.1"), 2, Data::Float(1.0)),
        ],
        &[],
    );
    let response = upload(&f, &f.lead, bytes, "x.xlsx", &[("mode", "response")]).await;
    let preview = response.headers()["location"].to_str().expect("location").to_owned();
    let other = signed_in(&f.app, &f.world.other_lead).await;
    assert_eq!(f.app.get_with(&other, &preview).await.status(), 404);
    let viewer = signed_in(&f.app, &f.world.viewer).await;
    assert_eq!(f.app.get_with(&viewer, &preview).await.status(), 403);
}

/// A million answers exported in bounded memory. Slow (it stores the million answers first),
/// so run by hand: `cargo test --release --test integration large_exports -- --ignored --nocapture`.
#[tokio::test]
#[ignore]
async fn large_exports_stream_in_bounded_memory() {
    let f = fixture(crate::helpers::Backend::Sqlite).await;
    let evidence = "We audit a sample of assessments every month and report to the board; see the QA report.";
    let per_batch: usize = 500;
    let responses: usize = 1_000_000 / 26 + 1;
    let started = std::time::Instant::now();
    for _ in 0..responses.div_ceil(per_batch) {
        seed(&f.app, f.assessment, f.groups[0].0, per_batch, evidence).await;
    }
    let (_, answers) = counts(&f).await;
    println!("stored {answers} answers in {:?}", started.elapsed());

    for format in ["csv", "xlsx"] {
        // Resets the peak resident size (Linux), so it measures the export alone.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let started = std::time::Instant::now();
        let mut response =
            f.app.get_with(&f.lead, &format!("/assessments/{}/responses.{format}", f.assessment)).await;
        assert_eq!(response.status(), 200);
        let mut total = 0usize;
        while let Some(chunk) = response.chunk().await.expect("chunk") {
            total += chunk.len();
        }
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let peak = status.lines().find(|l| l.starts_with("VmHWM")).unwrap_or("VmHWM: ?").to_owned();
        println!(
            "{format}: {total} bytes in {:?}; peak resident size of the whole test process {peak}",
            started.elapsed()
        );
        let kb: u64 = peak.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
        assert!(kb < 400 * 1024, "{format} export peaked at {kb} kB");
    }
}

/// A Microsoft Forms-like export: the mapping is guessed from the headings, checked, previewed
/// and confirmed; a bad cell is named by row and column and stops everything.
#[tokio::test]
async fn survey_tool_exports_import_through_a_column_mapping() {
    for backend in backends() {
        let f = fixture(backend).await;
        let frameworks = selfassess::framework::Frameworks::shipped().expect("frameworks");
        let framework = frameworks.get("cqc-la-2023").expect("framework");
        let text = |id: &str| framework.checklist_item(id.parse().expect("id")).expect("item").text.clone();
        let quoted = |s: String| format!("\"{}\"", s.replace('"', "\"\""));
        let header = [
            "ID".to_owned(),
            "Start time".to_owned(),
            "Email".to_owned(),
            "Name".to_owned(),
            "Which group are you in?".to_owned(),
            quoted(text("QS1.1")),
            "QS1.1: What evidence do you have?".to_owned(),
            quoted(text("QS1.2")),
        ]
        .join(",");
        let staff = &f.groups[0].1;
        let carers = &f.groups[4].1;
        let rows = [
            format!("1,2026-05-01 09:00,a@example.org,Ada,{staff},Tend to agree,Monthly audits,4"),
            format!("2,2026-05-01 09:05,b@example.org,Bob,{carers},2,,Don't know"),
            format!("3,2026-05-01 09:07,c@example.org,Cy,{staff},,,"),
        ];
        let good = format!("{header}\n{}\n", rows.join("\n")).into_bytes();
        let bad = format!("{header}\n{}\n{}\n", rows[0], rows[1].replace(",2,,", ",maybe,,")).into_bytes();

        // A bad cell: named by row and column; nothing stored.
        let (status, preview) = survey_upload(&f, bad).await;
        assert_eq!(status, 303);
        let (status, html) = f.app.get_html_with(&f.lead, &preview).await;
        assert_eq!(status, 200);
        let guessed: Vec<String> = select_texts(&html, "select[name^=column-] option[selected]");
        assert_eq!(
            guessed[..5],
            ["Not imported", "Not imported", "Not imported", "Not imported", "Respondent group"]
        );
        assert!(guessed[5].starts_with("QS1.1 rating"), "{guessed:?}");
        assert_eq!(guessed[6], "QS1.1 evidence they have");
        assert!(guessed[7].starts_with("QS1.2 rating"));
        let mapping: Vec<(String, String)> = [
            "ignore",
            "ignore",
            "ignore",
            "ignore",
            "group",
            "rating:QS1.1",
            "evidence:QS1.1",
            "rating:QS1.2",
        ]
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("column-{i}"), v.to_string()))
        .collect();
        let fields: Vec<(&str, &str)> = mapping.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let response = f.app.post_form_with(&f.lead, &preview, &format!("{preview}/mapping"), &fields).await;
        let problems = problems_of(response).await;
        assert_eq!(problems, ["Row 3, column F: rating must be 1, 2, 3, 4 or 0, not 'maybe'"]);
        assert_eq!(counts(&f).await, (0, 0));

        // The good file: two responses (the third row answered nothing), after confirming.
        let (_, preview) = survey_upload(&f, good.clone()).await;
        let response = f.app.post_form_with(&f.lead, &preview, &format!("{preview}/mapping"), &fields).await;
        assert_eq!(response.status(), 303);
        let (_, html) = f.app.get_html_with(&f.lead, &preview).await;
        assert_eq!(
            select_texts(&html, "#survey-summary"),
            ["2 rows will become 2 responses with 4 answers in all. Nothing is stored until you confirm."]
        );
        assert_eq!(counts(&f).await, (0, 0));
        let done = f.app.post_form_with(&f.lead, &preview, &format!("{preview}/confirm"), &[]).await;
        assert_eq!(done.status(), 303);
        assert_eq!(counts(&f).await, (2, 4));
        let (_, html) = f.app.get_html_with(&f.lead, &preview).await;
        assert_eq!(select_texts(&html, ".govuk-panel__title"), ["Survey responses imported"]);

        // The same export again: refused, counted once.
        let page = format!("/assessments/{}/import/survey", f.assessment);
        let token = f.app.csrf_with(&f.lead, &page).await;
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(good).file_name("forms.csv"));
        let again = f
            .lead
            .post(format!("{}{page}?csrf_token={}", f.app.address, urlencode(&token)))
            .multipart(form)
            .send()
            .await
            .expect("upload");
        let problems = problems_of(again).await;
        assert!(problems.iter().any(|p| p.contains("This file was imported on")), "{problems:?}");
        assert_eq!(counts(&f).await, (2, 4));

        // Stored with their groups, and the names and emails nowhere.
        let (_, csv) =
            download(&f.app, &f.lead, &format!("/assessments/{}/responses.csv", f.assessment)).await;
        let csv = String::from_utf8(csv).expect("utf8");
        assert!(csv.contains(carers.as_str()) && csv.contains("Monthly audits"));
        assert!(!csv.contains("a@example.org") && !csv.contains("Ada"));
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Uploads a survey export; returns the status and the mapping page's address.
async fn survey_upload(f: &Fixture, bytes: Vec<u8>) -> (u16, String) {
    let page = format!("/assessments/{}/import/survey", f.assessment);
    let token = f.app.csrf_with(&f.lead, &page).await;
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("forms.csv"));
    let response = f
        .lead
        .post(format!("{}{page}?csrf_token={}", f.app.address, urlencode(&token)))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = response.status().as_u16();
    let location =
        response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, location)
}

/// Uploads are allowed more than other forms (20 MB by default, `--max-upload-mb`); over the
/// limit the answer is a styled page that says what the limit is, and nothing is imported.
#[tokio::test]
async fn uploads_have_their_own_size_limit_and_a_page_when_over_it() {
    // The default: a 3 MB file (over the 2 MB of other forms) reaches the importer, which
    // says what is wrong with it.
    let f = fixture(crate::helpers::Backend::Sqlite).await;
    let response =
        upload(&f, &f.lead, vec![b'x'; 3 * 1024 * 1024], "big.xlsx", &[("mode", "response")]).await;
    let problems = problems_of(response).await;
    assert!(!problems.is_empty());
    // An ordinary form over 2 MB: the form page.
    let page = format!("/assessments/{}/workshops/new", f.assessment);
    let notes = "n".repeat(2 * 1024 * 1024 + 1);
    let response = f.app.post_form_with(&f.lead, &page, &page, &[("QS1_1_notes", notes.as_str())]).await;
    assert_eq!(response.status(), 413);
    let html = scraper::Html::parse_document(&response.text().await.expect("body"));
    assert_eq!(select_texts(&html, "h1"), ["The form was too large"]);
    assert!(select_texts(&html, "p").iter().any(|p| p == "A form can send at most 2 MB."));

    // Configured at 1 MB: a 1.5 MB file is refused before it is read, with the page.
    let f = fixture_configured(crate::helpers::Backend::Sqlite, |c| {
        c.limits = selfassess::web::limits::Limits::with_upload_mb(1);
    })
    .await;
    let response =
        upload(&f, &f.lead, vec![b'x'; 1024 * 1024 + 512 * 1024], "big.xlsx", &[("mode", "response")]).await;
    assert_eq!(response.status(), 413);
    assert!(response.headers()["content-type"].to_str().expect("type").starts_with("text/html"));
    let html = scraper::Html::parse_document(&response.text().await.expect("body"));
    assert_eq!(select_texts(&html, "h1"), ["The file is too large"]);
    let paragraphs = select_texts(&html, "main p");
    assert!(
        paragraphs.iter().any(|p| p == "The file must be 1 MB or smaller. Nothing was imported."),
        "{paragraphs:?}"
    );
    let back = scraper::Selector::parse("main a.govuk-link").expect("selector");
    let href = html.select(&back).next().and_then(|a| a.value().attr("href")).expect("link back");
    assert_eq!(href, format!("/assessments/{}/import", f.assessment));
    // A survey tool's export, likewise.
    let (status, _) = survey_upload(&f, vec![b'x'; 2 * 1024 * 1024]).await;
    assert_eq!(status, 413);
    // Just under the limit is read (and found not to be a workbook).
    let response = upload(&f, &f.lead, vec![b'x'; 1000 * 1024], "big.xlsx", &[("mode", "response")]).await;
    assert_eq!(response.status(), 422);
    assert_eq!(counts(&f).await, (0, 0));
}

/// The import's page once the work behind it has ended (polled while it shows progress).
async fn when_done(f: &Fixture, page: &str) -> (u16, scraper::Html) {
    for _ in 0..3000 {
        let (status, html) = f.app.get_html_with(&f.lead, page).await;
        let heading = select_texts(&html, "h1");
        // 503: the database was busy for a moment (with the import itself, on SQLite).
        if heading != ["Importing the responses"] && heading != ["Checking the file"] && status != 503 {
            return (status.as_u16(), html);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the import at {page} did not end");
}

fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// Long imports: with no wait at all, every step answers with the import's page, which shows
/// the work's progress while it runs (held here by another connection holding the database's
/// write lock) and then what it became. Storing stays all-or-nothing: nothing is counted while
/// it runs, and a failure part-way stores nothing.
#[tokio::test]
async fn long_imports_show_their_progress_and_store_all_or_nothing() {
    use sqlx::Connection;
    let f = fixture_configured(crate::helpers::Backend::Sqlite, |c| {
        c.limits.import_wait = std::time::Duration::ZERO;
    })
    .await;
    let groups: Vec<&str> = f.groups.iter().map(|(_, name)| name.as_str()).collect();
    let mut csv = String::from("Which group are you in?,QS1.1 rating,QS1.2 rating,QS1.3 rating\n");
    for row in 0..300 {
        csv.push_str(&format!("\"{}\",{},{},{}\n", groups[row % 5], row % 5, (row + 1) % 5, (row + 2) % 5));
    }

    // A bad checklist: the upload form again with the file's problems, on the import's page.
    let response =
        upload(&f, &f.lead, b"not a workbook".to_vec(), "checklist.xlsx", &[("mode", "response")]).await;
    assert_eq!(response.status(), 303);
    let (status, html) = when_done(&f, &location(&response)).await;
    assert_eq!(status, 200);
    assert_eq!(select_texts(&html, "h1"), ["Import a completed checklist"]);
    assert!(!select_texts(&html, ".govuk-error-summary__list li").is_empty());

    // The export is read, then its columns are checked, each through the import's page.
    let (status, page) = survey_upload(&f, csv.into_bytes()).await;
    assert_eq!(status, 303);
    let (status, html) = when_done(&f, &page).await;
    assert_eq!((status, select_texts(&html, "h1")), (200, vec!["Choose what each column holds".to_owned()]));
    let mapping = [
        ("column-0", "group"),
        ("column-1", "rating:QS1.1"),
        ("column-2", "rating:QS1.2"),
        ("column-3", "rating:QS1.3"),
    ];
    let response = f.app.post_form_with(&f.lead, &page, &format!("{page}/mapping"), &mapping).await;
    assert_eq!((response.status().as_u16(), location(&response)), (303, page.clone()));
    let (_, html) = when_done(&f, &page).await;
    assert_eq!(
        select_texts(&html, "#survey-summary"),
        ["300 rows will become 300 responses with 900 answers in all. Nothing is stored until you confirm."]
    );

    // Storing, while another connection holds the write lock: the progress page, nothing counted.
    let db_url = format!("sqlite:{}", f.app.data_dir().join("selfassess.db").display());
    let mut blocker = sqlx::SqliteConnection::connect(&db_url).await.expect("open");
    sqlx::query("BEGIN IMMEDIATE").execute(&mut blocker).await.expect("take the write lock");
    let response = f.app.post_form_with(&f.lead, &page, &format!("{page}/confirm"), &[]).await;
    assert_eq!((response.status().as_u16(), location(&response)), (303, page.clone()));
    let response = f.app.get_with(&f.lead, &page).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = scraper::Html::parse_document(&response.text().await.expect("body"));
    assert_eq!(select_texts(&html, "h1"), ["Importing the responses"]);
    let status = select_texts(&html, "#import-status").join(" ");
    assert!(status.starts_with("Storing the responses"), "{status}");
    let button = scraper::Selector::parse("a.govuk-button").expect("selector");
    let check: Vec<_> = html.select(&button).collect();
    assert_eq!(check.len(), 1);
    assert_eq!(check[0].text().collect::<String>().trim(), "Check progress");
    assert_eq!(check[0].value().attr("href"), Some(page.as_str()), "the button checks the same page again");
    assert!(
        select_texts(&html, ".govuk-inset-text").iter().any(|t| t.starts_with("Nothing is counted until"))
    );
    assert_eq!(counts(&f).await, (0, 0), "nothing counted while it runs");
    // A second click meanwhile starts nothing new: it shows the progress.
    let again = f.app.post_form_with(&f.lead, &page, &format!("{page}/confirm"), &[]).await;
    assert_eq!((again.status().as_u16(), location(&again)), (303, page.clone()));
    sqlx::query("ROLLBACK").execute(&mut blocker).await.expect("release the write lock");
    let (status, html) = when_done(&f, &page).await;
    assert_eq!(
        (status, select_texts(&html, ".govuk-panel__title")),
        (200, vec!["Survey responses imported".to_owned()])
    );
    assert_eq!(counts(&f).await, (300, 900));

    // A failure part-way (a row the database refuses, after others were inserted): nothing
    // stored, and the page says so; once the cause has gone, importing again stores it all.
    let mut csv = String::from("Which group are you in?,QS1.1 rating,QS1.2 rating\n");
    for row in 0..250 {
        csv.push_str(&format!("\"{}\",{},{}\n", groups[row % 5], row % 5, (row + 3) % 5));
    }
    let (_, page) = survey_upload(&f, csv.into_bytes()).await;
    when_done(&f, &page).await;
    let mapping = [("column-0", "group"), ("column-1", "rating:QS1.1"), ("column-2", "rating:QS1.2")];
    f.app.post_form_with(&f.lead, &page, &format!("{page}/mapping"), &mapping).await;
    when_done(&f, &page).await;
    sqlx::query(
        "CREATE TRIGGER refuse_one BEFORE INSERT ON answers WHEN NEW.item = 'QS1.2' AND NEW.rating = 4 \
         AND (SELECT COUNT(*) FROM responses) > 400 BEGIN SELECT RAISE(ABORT, 'refused'); END",
    )
    .execute(&mut blocker)
    .await
    .expect("trigger");
    f.app.post_form_with(&f.lead, &page, &format!("{page}/confirm"), &[]).await;
    let (status, html) = when_done(&f, &page).await;
    assert_eq!(status, 500);
    assert_eq!(select_texts(&html, "h1"), ["Check what will be imported"]);
    assert_eq!(
        select_texts(&html, ".govuk-error-summary__list li"),
        [
            "Something went wrong on our side: the import stopped and nothing was stored. Import the responses again"
        ]
    );
    assert_eq!(counts(&f).await, (300, 900), "nothing of the second file stored");
    sqlx::query("DROP TRIGGER refuse_one").execute(&mut blocker).await.expect("drop trigger");
    f.app.post_form_with(&f.lead, &page, &format!("{page}/confirm"), &[]).await;
    let (_, html) = when_done(&f, &page).await;
    assert_eq!(select_texts(&html, ".govuk-panel__title"), ["Survey responses imported"]);
    assert_eq!(counts(&f).await, (550, 1400));
}

/// A survey export at the row limit (5,000 rows answering all 95 items: 475,000 answers) is
/// read, checked and stored in one transaction, through the import's page; prints how long
/// each step took. Ignored, as slow in a debug build:
/// `cargo test --release --test integration -- --ignored large_survey`.
#[tokio::test]
#[ignore]
async fn large_survey_imports_are_stored_in_one_transaction() {
    let f = fixture(crate::helpers::Backend::Sqlite).await;
    let frameworks = selfassess::framework::Frameworks::shipped().expect("frameworks");
    let framework = frameworks.get("cqc-la-2023").expect("framework");
    let items: Vec<String> = framework
        .quality_statements()
        .flat_map(|qs| qs.checklist_items.iter().map(|i| i.id.to_string()))
        .collect();
    let mut csv = String::from("Group");
    for item in &items {
        csv.push_str(&format!(",{item} rating"));
    }
    csv.push('\n');
    for row in 0..selfassess::spreadsheets::survey::MAX_ROWS {
        csv.push_str(&format!("\"{}\"", f.groups[row % 5].1));
        for k in 0..items.len() {
            csv.push_str(&format!(",{}", (row + k) % 5));
        }
        csv.push('\n');
    }
    let size = csv.len();
    let started = std::time::Instant::now();
    let (_, page) = survey_upload(&f, csv.into_bytes()).await;
    let (_, html) = when_done(&f, &page).await;
    assert_eq!(select_texts(&html, "h1"), ["Choose what each column holds"]);
    let read = started.elapsed();
    let mut mapping: Vec<(String, String)> = vec![("column-0".into(), "group".into())];
    for (k, item) in items.iter().enumerate() {
        mapping.push((format!("column-{}", k + 1), format!("rating:{item}")));
    }
    let fields: Vec<(&str, &str)> = mapping.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let started = std::time::Instant::now();
    f.app.post_form_with(&f.lead, &page, &format!("{page}/mapping"), &fields).await;
    let (_, html) = when_done(&f, &page).await;
    assert_eq!(select_texts(&html, "h1"), ["Check what will be imported"]);
    let checked = started.elapsed();
    let started = std::time::Instant::now();
    f.app.post_form_with(&f.lead, &page, &format!("{page}/confirm"), &[]).await;
    let (_, html) = when_done(&f, &page).await;
    assert_eq!(select_texts(&html, ".govuk-panel__title"), ["Survey responses imported"]);
    let stored = started.elapsed();
    assert_eq!(counts(&f).await, (5000, 475_000));
    eprintln!("{size} bytes: read in {read:.1?}, checked in {checked:.1?}, stored in {stored:.1?}");
}
