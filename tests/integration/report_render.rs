//! The report's exports read back with other programs: the .docx converted by LibreOffice
//! (Debian's package, installed by `.ci/run`) and its text read with `pdftotext`; the .pdf
//! (with the `pdf` feature) checked with poppler's `pdfinfo`, `pdftotext` and `pdffonts`; the
//! pack's zip opened and its workbook read with calamine.

use std::process::Command;

use selfassess::report::document::{Block, ReportDocument};
use selfassess::report::render::{self, docx, html, pack, sample};

use crate::helpers::libreoffice_convert;

/// Hostile text: markup of every format, XML specials and control characters.
const HOSTILE: &str =
    "<script>alert(1)</script> & \"q\" #set page(width: 1cm) = *b* $x$ <l> @r [x] \\ // c \u{1}\u{7}end";

/// Runs a poppler tool on a PDF; `None` when poppler-utils is not installed.
fn poppler(tool: &str, pdf: &[u8], args: &[&str]) -> Option<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).expect("write");
    let output = Command::new(tool)
        .args(args)
        .arg(&path)
        .args(if tool == "pdftotext" { &["-"][..] } else { &[][..] })
        .output();
    match output {
        Ok(out) => {
            assert!(out.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&out.stderr));
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("{tool} is not installed (apt-get install poppler-utils): skipping its checks");
            None
        }
        Err(e) => panic!("{tool}: {e}"),
    }
}

/// Collapses runs of whitespace (pdftotext breaks lines and may hyphenate nothing else).
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn hostile_document() -> ReportDocument {
    let mut doc = ReportDocument::sample();
    doc.blocks.push(Block::Heading { level: 2, text: format!("Hostile {HOSTILE}") });
    doc.blocks.push(Block::Paragraph { text: format!("Paragraph {HOSTILE}") });
    doc
}

fn big_document() -> ReportDocument {
    sample::report(sample::Size { statements: 9, words_per_statement: 700, charts: 10, evidence_rows: 100 })
}

/// With `REPORT_RENDER_OUT=<dir>`, the tests keep the files they make there, to look at.
fn keep(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("REPORT_RENDER_OUT") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("create REPORT_RENDER_OUT");
        std::fs::write(dir.join(name), bytes).expect("write to REPORT_RENDER_OUT");
    }
}

/// Checks a PDF LibreOffice made from one of our .docx files: every heading is in its text.
fn assert_docx_converts_with_headings(doc: &ReportDocument) -> Option<String> {
    let bytes = docx::render(doc).expect("renders");
    let pdf = libreoffice_convert(&bytes, "docx", "pdf")?;
    let name = if doc.blocks.len() > 100 { "large" } else { "sample" };
    keep(&format!("{name}.docx"), &bytes);
    keep(&format!("{name}-docx-libreoffice.pdf"), &pdf);
    assert!(pdf.starts_with(b"%PDF-"), "LibreOffice made a PDF");
    let text = squash(&poppler("pdftotext", &pdf, &[])?);
    for (_, heading) in doc.headings() {
        let heading = squash(&render::clean(heading));
        // Twice: in the contents and as the heading.
        assert!(text.matches(&heading).count() >= 2, "{heading:?} twice in the converted text:\n{text}");
    }
    Some(text)
}

#[test]
fn the_sample_docx_converts_in_libreoffice_with_every_heading_in_the_contents_and_body() {
    let Some(text) = assert_docx_converts_with_headings(&ReportDocument::sample()) else {
        eprintln!("LibreOffice is not installed: skipping");
        return;
    };
    assert!(text.contains("Page 2 of"), "page numbers in the footer:\n{text}");
    assert!(text.contains("Staff 120"), "the table:\n{text}");
}

#[test]
fn a_large_docx_converts_in_libreoffice() {
    let doc = big_document();
    if assert_docx_converts_with_headings(&doc).is_none() {
        eprintln!("LibreOffice is not installed: skipping");
        return;
    }
    let structure = docx::structure(&docx::render(&doc).expect("renders")).expect("reads back");
    assert_eq!(structure.images.len(), 10);
    assert_eq!(structure.tables.last(), Some(&(true, 101)), "a 100-row table with its header row");
}

#[test]
fn hostile_text_survives_the_docx_literally() {
    let doc = hostile_document();
    let bytes = docx::render(&doc).expect("renders");
    let structure = docx::structure(&bytes).expect("well-formed");
    let literal = render::clean(&format!("Hostile {HOSTILE}")).into_owned();
    assert!(structure.headings.iter().any(|(style, text)| style == "Heading2" && *text == literal));
    let Some(pdf) = libreoffice_convert(&bytes, "docx", "pdf") else {
        return;
    };
    if let Some(text) = poppler("pdftotext", &pdf, &[]) {
        assert!(squash(&text).contains("<script>alert(1)</script> & \"q\" #set page(width: 1cm)"), "{text}");
    }
}

#[test]
fn the_html_page_has_headings_tables_alt_text_and_no_hostile_markup() {
    let doc = hostile_document();
    let page = html::render(&doc);
    keep("hostile.html", page.as_bytes());
    let parsed = scraper::Html::parse_document(&page);
    let texts = |css: &str| crate::helpers::select_texts(&parsed, css);
    assert!(texts("h2").contains(&"Section A: Overview and summary".to_string()));
    assert_eq!(texts("th"), ["Group", "Responses"]);
    assert!(page.contains("aria-label=\"75% agree, 25% disagree\""));
    assert!(!page.contains("<script>"));
    assert!(texts("h3").iter().any(|h| h.starts_with("Hostile <script>alert(1)</script>")));
}

/// A real analysis workbook (the pack's xlsx), from the shipped framework and a few answers.
fn analysis_workbook() -> (Vec<u8>, Vec<u8>) {
    use selfassess::analysis::model::{GroupInfo, Inputs, TallyRow, analyse};
    let frameworks = selfassess::framework::Frameworks::shipped().expect("frameworks");
    let framework = frameworks.all().last().expect("a framework").clone();
    let group = uuid::Uuid::now_v7();
    let item = framework
        .quality_statements()
        .next()
        .and_then(|qs| qs.checklist_items.first())
        .map(|i| i.id.to_string());
    let tallies = item
        .map(|item| {
            (1..=4)
                .map(|rating| TallyRow {
                    round_id: uuid::Uuid::nil(),
                    group_id: group,
                    mode: "survey".into(),
                    item: item.clone(),
                    rating,
                    answers: 10 * rating,
                    with_evidence: 0,
                })
                .collect()
        })
        .unwrap_or_default();
    let analysis = analyse(Inputs {
        framework: &framework,
        groups: vec![GroupInfo { id: group, name: "Staff".into(), category: "staff".into() }],
        tallies,
        responses: vec![],
        thresholds: Default::default(),
        round: None,
        ready_evidence: Default::default(),
    });
    let info = selfassess::analysis::export::ExportInfo {
        council: "Exampleshire",
        assessment: "Self-assessment 2026",
        round: "All rounds",
    };
    let xlsx = selfassess::analysis::export::xlsx(&analysis, &info).expect("xlsx");
    let csv = selfassess::analysis::export::csv(&analysis).expect("csv");
    (xlsx, csv)
}

#[test]
fn the_pack_holds_every_file_and_its_workbook_reads_back() {
    use calamine::Reader;
    let doc = ReportDocument::sample();
    let (xlsx, csv) = analysis_workbook();
    #[allow(unused_mut)] // pushed to with the pdf feature
    let mut entries = vec![
        ("self-assessment.docx".to_string(), docx::render(&doc).expect("docx")),
        ("self-assessment.html".to_string(), html::render(&doc).into_bytes()),
        ("analysis.xlsx".to_string(), xlsx),
        ("analysis.csv".to_string(), csv),
    ];
    #[cfg(feature = "pdf")]
    entries.push(("self-assessment.pdf".to_string(), render::pdf::render(&doc).expect("pdf")));
    let bytes = pack::zip(&entries).expect("zips");

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let names: Vec<String> =
        archive.file_names().map(|n| n.map(|n| n.into_owned())).collect::<Result<_, _>>().expect("names");
    let expected: Vec<String> = entries.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(names, expected);
    let mut workbook_bytes = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_name("analysis.xlsx").expect("entry"), &mut workbook_bytes)
        .expect("read");
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(workbook_bytes)).expect("an xlsx workbook");
    let sheets = workbook.sheet_names();
    assert!(!sheets.is_empty());
    let range = workbook.worksheet_range(&sheets[0]).expect("first sheet");
    assert!(range.rows().count() > 1, "the workbook has rows");
}

#[cfg(feature = "pdf")]
mod pdf {
    use super::*;

    fn pdf_of(doc: &ReportDocument) -> Vec<u8> {
        let pdf = render::pdf::render(doc).expect("typesets");
        keep(&format!("typst-{}.pdf", doc.blocks.len()), &pdf);
        pdf
    }

    /// The value of one of `pdfinfo`'s "Name:   value" lines.
    fn info_field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
        info.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(':').map(str::trim))
    }

    #[test]
    fn the_sample_pdf_has_its_pages_text_bookmarks_tags_and_embedded_fonts() {
        let doc = ReportDocument::sample();
        let pdf = pdf_of(&doc);
        let Some(info) = poppler("pdfinfo", &pdf, &[]) else { return };
        // Title page, contents, Section A, Section C.
        assert_eq!(info_field(&info, "Pages"), Some("4"), "{info}");
        assert_eq!(info_field(&info, "Tagged"), Some("yes"), "{info}");
        assert_eq!(
            info_field(&info, "Title"),
            Some("Adult social care self-assessment – Exampleshire County Council"),
            "{info}"
        );
        // The structure tree (tags): headings, a table and a figure.
        let tags = poppler("pdfinfo", &pdf, &["-struct"]).unwrap_or_default();
        for tag in ["H1", "H2", "Table", "THead", "TH", "Figure", "TOC", "L"] {
            let found = tags.lines().any(|l| l.trim_start().split([' ', ':']).next() == Some(tag));
            assert!(found, "{tag} in the structure tree:\n{tags}");
        }
        assert!(tags.contains("/Scope /Column"), "column headers:\n{tags}");
        // Bookmarks: pdftohtml lists the outline; every heading is in it.
        let xml = poppler("pdftohtml", &pdf, &["-xml", "-i", "-stdout", "-q"]).unwrap_or_default();
        let outline = xml.find("<outline>").map_or("", |at| &xml[at..]);
        for (_, heading) in doc.headings() {
            assert!(outline.contains(&heading.replace('&', "&amp;")), "{heading} in the bookmarks:\n{xml}");
        }
        let text = squash(&poppler("pdftotext", &pdf, &[]).unwrap_or_default());
        for (_, heading) in doc.headings() {
            assert!(text.matches(heading).count() >= 2, "{heading} in the contents and the body:\n{text}");
        }
        assert!(text.contains("Staff 120"), "{text}");
        assert!(text.contains("We are a county council of 800,000 people & <many> villages."), "{text}");
        let fonts = poppler("pdffonts", &pdf, &[]).unwrap_or_default();
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{fonts}");
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            // name, type (may hold spaces), encoding, emb, sub, uni, object, generation.
            assert_eq!(cols[cols.len() - 5], "yes", "embedded: {row}");
        }
    }

    #[test]
    fn a_large_pdf_typesets_with_every_heading() {
        let doc = big_document();
        let pdf = pdf_of(&doc);
        let Some(info) = poppler("pdfinfo", &pdf, &[]) else { return };
        let pages: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("a page count");
        assert!((25..=60).contains(&pages), "{pages} pages");
        let text = squash(&poppler("pdftotext", &pdf, &[]).unwrap_or_default());
        for (_, heading) in doc.headings() {
            assert!(text.contains(heading), "{heading}");
        }
    }

    #[test]
    fn hostile_text_is_printed_literally_in_the_pdf() {
        let pdf = pdf_of(&hostile_document());
        let Some(text) = poppler("pdftotext", &pdf, &[]) else { return };
        let text = squash(&text);
        assert!(text.contains("Hostile <script>alert(1)</script> & \"q\" #set page(width: 1cm) = *b* $x$ <l> @r [x] \\ // c end"), "{text}");
    }
}
