//! The analysis as a spreadsheet: one row per checklist item and slice (overall, each group,
//! each evidence category, each mode) with every measure and the item's classification, as
//! CSV and as XLSX (with a sheet per quality statement's figures and a native chart). Pure:
//! an analysis in, bytes out.
//!
//! A withheld row has no figures at all, only the note "Withheld: fewer than k responses …".
//! Every text cell goes through [`neutralise`], so nothing a person typed (a group's name, say)
//! can become a formula.

use rust_xlsxwriter::{
    Chart, ChartFormat, ChartPatternFill, ChartPatternFillType, ChartSolidFill, ChartType, DocProperties,
    Format, FormatAlign, Workbook, Worksheet, XlsxError,
};

use super::charts;
use super::findings::Thresholds;
use super::model::{Analysis, ItemAnalysis, Slice, StatementAnalysis};
use super::stats::Measures;
use super::view;
use crate::spreadsheets::cells::neutralise;
use crate::spreadsheets::export::UTF8_BOM;

/// The columns of the item rows, in both formats.
pub const COLUMNS: [&str; 20] = [
    "Item",
    "Quality statement",
    "Checklist statement",
    "Breakdown",
    "Slice",
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
    "Item classification",
    "Item flags",
    "Reasons",
    "Note",
];
/// The figure columns: `COLUMNS[FIGURES]`, empty in a withheld row.
pub const FIGURES: std::ops::Range<usize> = 5..16;

/// What the export says about where the figures come from.
pub struct ExportInfo<'a> {
    pub council: &'a str,
    pub assessment: &'a str,
    /// "All rounds", or the round's title.
    pub round: &'a str,
}

/// The note of a withheld row.
pub fn withheld_note(k: u32) -> String {
    format!(
        "Withheld: {} (or withheld with a smaller group, so that its figures cannot be worked out from the total)",
        charts::withheld_text(k)
    )
}

/// A row's figures: a number or a share in each figure column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figure {
    Count(u64),
    Share(f64),
    Decimal(f64),
    Empty,
}

/// One row of the export.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub text: Vec<String>,
    /// `FIGURES.len()` figures, or none when withheld.
    pub figures: Option<Vec<Figure>>,
    pub tail: Vec<String>,
}

fn figures(m: &Measures) -> Vec<Figure> {
    let count = |r: &str| Figure::Count(m.counts.get(r).copied().unwrap_or(0));
    let share = |s: Option<f64>| s.map(Figure::Share).unwrap_or(Figure::Empty);
    vec![
        Figure::Count(m.n),
        count("1"),
        count("2"),
        count("3"),
        count("4"),
        count("0"),
        share(m.dont_know_share),
        share(m.agree_share),
        m.mean.map(Figure::Decimal).unwrap_or(Figure::Empty),
        m.consensus.map(Figure::Decimal).unwrap_or(Figure::Empty),
        share(m.evidence_share),
    ]
}

fn flags(item: &ItemAnalysis) -> String {
    item.finding.flags.iter().map(|f| f.label()).collect::<Vec<_>>().join("; ")
}

/// Every row: for each item, overall, then by group, category and mode.
pub fn rows(analysis: &Analysis) -> Vec<Row> {
    let k = analysis.thresholds.min_group_size;
    let mut out = Vec::new();
    for item in &analysis.items {
        let f = &item.figures;
        let head = |kind: &str, slice: &str| {
            vec![
                item.id.clone(),
                item.quality_statement.clone(),
                item.text.clone(),
                kind.to_owned(),
                slice.to_owned(),
            ]
        };
        let classification = item.finding.classification.label().to_owned();
        let tail = |withheld: bool, reasons: String| {
            vec![
                classification.clone(),
                flags(item),
                reasons,
                if withheld { withheld_note(k) } else { String::new() },
            ]
        };
        out.push(Row {
            text: head("Overall", "All respondents"),
            figures: if f.suppressed { None } else { f.measures.as_ref().map(figures) },
            tail: tail(f.suppressed, item.finding.reasons.join("; ")),
        });
        let slices: [(&str, &Vec<Slice>); 3] =
            [("Respondent group", &f.by_group), ("Evidence category", &f.by_category), ("Mode", &f.by_mode)];
        for (kind, list) in slices {
            for s in list {
                out.push(Row {
                    text: head(kind, &s.label),
                    figures: if s.suppressed { None } else { s.measures.as_ref().map(figures) },
                    tail: tail(s.suppressed, String::new()),
                });
            }
        }
    }
    out
}

fn csv_figure(f: Figure) -> String {
    match f {
        Figure::Count(n) => n.to_string(),
        Figure::Share(s) | Figure::Decimal(s) => format!("{s}"),
        Figure::Empty => String::new(),
    }
}

/// The analysis as CSV (UTF-8 with a byte order mark, so Excel reads it right). Shares are
/// fractions from 0 to 1.
pub fn csv(analysis: &Analysis) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from(UTF8_BOM);
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(COLUMNS)?;
        for row in rows(analysis) {
            let figures: Vec<String> = match &row.figures {
                Some(f) => f.iter().map(|f| csv_figure(*f)).collect(),
                None => vec![String::new(); FIGURES.len()],
            };
            let record = row
                .text
                .iter()
                .map(|t| neutralise(t).into_owned())
                .chain(figures)
                .chain(row.tail.iter().map(|t| neutralise(t).into_owned()));
            writer.write_record(record)?;
        }
        writer.flush()?;
    }
    Ok(out)
}

pub const ABOUT_SHEET: &str = "About";
pub const STATEMENTS_SHEET: &str = "Quality statements";
pub const ITEMS_SHEET: &str = "Items";

/// The columns of the quality statement sheet.
pub const STATEMENT_COLUMNS: [&str; 24] = [
    "Quality statement",
    "Theme",
    "Title",
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
    "Indicative score (%)",
    "Indicative band",
    "Strengths",
    "Areas for improvement",
    "Differing views",
    "Evidence gaps",
    "No finding",
    "Ready evidence of processes",
    "Evidence categories covered",
    "Note",
];

struct Formats {
    heading: Format,
    wrap: Format,
    share: Format,
    decimal: Format,
    title: Format,
}

fn formats() -> Formats {
    Formats {
        heading: Format::new().set_bold().set_text_wrap().set_align(FormatAlign::Top),
        wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        share: Format::new().set_num_format("0%").set_align(FormatAlign::Top),
        decimal: Format::new().set_num_format("0.00").set_align(FormatAlign::Top),
        title: Format::new().set_bold().set_font_size(14),
    }
}

fn write_text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    if !text.is_empty() {
        sheet.write_string_with_format(row, col, neutralise(text), format)?;
    }
    Ok(())
}

fn write_figure(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    f: Figure,
    formats: &Formats,
) -> Result<(), XlsxError> {
    match f {
        Figure::Count(n) => {
            sheet.write_number(row, col, n as f64)?;
        }
        Figure::Share(s) => {
            sheet.write_number_with_format(row, col, s, &formats.share)?;
        }
        Figure::Decimal(d) => {
            sheet.write_number_with_format(row, col, d, &formats.decimal)?;
        }
        Figure::Empty => {}
    }
    Ok(())
}

fn about(
    sheet: &mut Worksheet,
    info: &ExportInfo<'_>,
    t: &Thresholds,
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(ABOUT_SHEET)?;
    sheet.set_column_width(0, 44)?;
    sheet.set_column_width(1, 90)?;
    sheet.write_string_with_format(0, 0, "Stage 1 analysis", &formats.title)?;
    let mut lines: Vec<(String, String)> = vec![
        ("Council".into(), info.council.into()),
        ("Assessment".into(), info.assessment.into()),
        ("Rounds".into(), info.round.into()),
        (String::new(), String::new()),
        ("Sheets".into(), format!(
            "'{STATEMENTS_SHEET}': each quality statement's figures, its indicative score and findings, and a chart. \
             '{ITEMS_SHEET}': one row for each checklist item and slice (overall, each respondent group, each CQC \
             evidence category, each mode of engagement)."
        )),
        ("Shares".into(), "Agree share: ratings of 3 or 4 of all ratings 1–4. Don't know share and evidence share: of all answers.".into()),
        ("Consensus".into(), "Tastle and Wierman's measure over the ratings 1–4: Cns = 1 + Σ pᵢ log₂(1 − |i − μ| / 3), where pᵢ is the share of ratings equal to i and μ their mean. 1 when everyone gives the same rating, 0 when ratings are split between the two ends.".into()),
        ("Indicative score".into(), "Mean rating as a percentage of 4, put through CQC's rating bands. Indicative only: it is not a CQC score.".into()),
        ("Withheld figures".into(), format!(
            "Figures from fewer than {} responses are withheld (rows say so and have no figures). Where one slice is withheld, another may be withheld with it, so that the first cannot be worked out by subtraction from the total.",
            t.min_group_size
        )),
        (String::new(), String::new()),
        ("Thresholds in force".into(), String::new()),
    ];
    for row in view::thresholds(t) {
        lines.push((row.label.to_owned(), format!("{} {}", row.value, row.suffix)));
    }
    for (i, (label, value)) in lines.iter().enumerate() {
        let r = 2 + i as u32;
        write_text(sheet, r, 0, label, &formats.heading)?;
        write_text(sheet, r, 1, value, &formats.wrap)?;
    }
    Ok(())
}

fn statement_row(qs: &StatementAnalysis) -> (Option<Vec<Figure>>, Vec<u32>) {
    let f = &qs.figures;
    let figures = if f.suppressed { None } else { f.measures.as_ref().map(figures) };
    let count = |c: super::findings::Classification| qs.findings.get(c.as_str()).copied().unwrap_or(0);
    let counts = view::LISTED
        .iter()
        .map(|(c, ..)| count(*c))
        .chain([count(super::findings::Classification::None)])
        .collect();
    (figures, counts)
}

fn statements(sheet: &mut Worksheet, analysis: &Analysis, formats: &Formats) -> Result<(), XlsxError> {
    sheet.set_name(STATEMENTS_SHEET)?;
    let k = analysis.thresholds.min_group_size;
    for (c, heading) in STATEMENT_COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *heading, &formats.heading)?;
    }
    sheet.set_column_width(2, 40)?;
    sheet.set_column_width(21, 16)?;
    sheet.set_column_width(22, 40)?;
    sheet.set_column_width(23, 40)?;
    sheet.set_freeze_panes(1, 1)?;
    for (i, qs) in analysis.quality_statements.iter().enumerate() {
        let r = 1 + i as u32;
        sheet.write_string(r, 0, neutralise(&qs.id))?;
        sheet.write_string(r, 1, neutralise(&qs.theme))?;
        write_text(sheet, r, 2, &qs.title, &formats.wrap)?;
        let (figures, counts) = statement_row(qs);
        if let Some(figures) = &figures {
            for (j, f) in figures.iter().enumerate() {
                write_figure(sheet, r, 3 + j as u16, *f, formats)?;
            }
        } else {
            write_text(sheet, r, 23, &withheld_note(k), &formats.wrap)?;
        }
        if let Some(score) = &qs.indicative_score {
            sheet.write_number(r, 14, f64::from(score.percent))?;
            sheet.write_string(r, 15, neutralise(&format!("{} (indicative)", score.label)))?;
        }
        for (j, n) in counts.iter().enumerate() {
            sheet.write_number(r, 16 + j as u16, f64::from(*n))?;
        }
        // Processes evidence comes from the evidence library, whatever the round.
        sheet.write_number(r, 21, qs.processes.ready_items as f64)?;
        let covered: Vec<&str> = qs
            .evidence_categories
            .iter()
            .filter(|c| c.covered)
            .map(|c| c.title.as_str())
            .chain(qs.processes.covered.then_some("Processes"))
            .collect();
        write_text(sheet, r, 22, &covered.join("; "), &formats.wrap)?;
    }
    // A native chart: each quality statement's ratings 1–4 as a 100% stacked bar.
    let last = analysis.quality_statements.len() as u32;
    if last > 0 {
        let mut chart = Chart::new(ChartType::BarPercentStacked);
        let series = [
            (4u16, charts::STRONGLY_DISAGREE, true),
            (5, charts::TEND_TO_DISAGREE, false),
            (6, charts::TEND_TO_AGREE, false),
            (7, charts::STRONGLY_AGREE, true),
        ];
        for (col, colour, hatched) in series {
            let mut format = ChartFormat::new();
            if hatched {
                format.set_pattern_fill(
                    ChartPatternFill::new()
                        .set_pattern(ChartPatternFillType::DiagonalStripesWideUpwards)
                        .set_background_color(colour)
                        .set_foreground_color("#000000"),
                );
            } else {
                format.set_solid_fill(ChartSolidFill::new().set_color(colour));
            }
            chart
                .add_series()
                .set_name((STATEMENTS_SHEET, 0, col))
                .set_categories((STATEMENTS_SHEET, 1, 0, last, 0))
                .set_values((STATEMENTS_SHEET, 1, col, last, col))
                .set_format(&mut format);
        }
        chart
            .title()
            .set_name("Ratings of each quality statement (share of ratings 1–4; Don't know left out)");
        chart.y_axis().set_reverse();
        chart.set_alt_text(
            "100% stacked bars, one for each quality statement: the shares of ratings strongly disagree, tend to \
             disagree, tend to agree and strongly agree. The figures are in the table on this sheet.",
        );
        chart.set_width(760).set_height(420);
        sheet.insert_chart(last + 3, 2, &chart)?;
    }
    Ok(())
}

fn items(sheet: &mut Worksheet, analysis: &Analysis, formats: &Formats) -> Result<(), XlsxError> {
    sheet.set_name(ITEMS_SHEET)?;
    for (c, heading) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *heading, &formats.heading)?;
    }
    for (c, width) in [(2u16, 50.0), (4, 30.0), (16, 20.0), (17, 30.0), (18, 60.0), (19, 40.0)] {
        sheet.set_column_width(c, width)?;
    }
    let rows = rows(analysis);
    for (i, row) in rows.iter().enumerate() {
        let r = 1 + i as u32;
        for (c, text) in row.text.iter().enumerate() {
            write_text(sheet, r, c as u16, text, &formats.wrap)?;
        }
        if let Some(figures) = &row.figures {
            for (j, f) in figures.iter().enumerate() {
                write_figure(sheet, r, (FIGURES.start + j) as u16, *f, formats)?;
            }
        }
        for (j, text) in row.tail.iter().enumerate() {
            write_text(sheet, r, (FIGURES.end + j) as u16, text, &formats.wrap)?;
        }
    }
    sheet.set_freeze_panes(1, 1)?;
    sheet.autofilter(0, 0, rows.len() as u32, (COLUMNS.len() - 1) as u16)?;
    Ok(())
}

/// The analysis as a workbook: About, Quality statements (with a chart), Items.
pub fn xlsx(analysis: &Analysis, info: &ExportInfo<'_>) -> Result<Vec<u8>, XlsxError> {
    let formats = formats();
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(neutralise(&format!("Stage 1 analysis: {} {}", info.council, info.assessment))),
    );
    about(workbook.add_worksheet(), info, &analysis.thresholds, &formats)?;
    statements(workbook.add_worksheet(), analysis, &formats)?;
    items(workbook.add_worksheet(), analysis, &formats)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::findings::Finding;
    use crate::analysis::model::{Breakdown, Engagement};
    use crate::analysis::stats::Tally;

    fn slice(label: &str, measures: Option<Measures>) -> Slice {
        Slice { id: label.to_owned(), label: label.to_owned(), suppressed: measures.is_none(), measures }
    }

    fn analysis() -> Analysis {
        let m = Tally { counts: [1, 1, 1, 4, 3], with_evidence: 5 }.measures();
        let figures = Breakdown {
            suppressed: false,
            measures: Some(m.clone()),
            by_group: vec![slice("=HYPERLINK(\"x\")", Some(m.clone())), slice("Unpaid carers", None)],
            by_category: vec![slice("People's experience", None)],
            by_mode: vec![slice("Survey", Some(m.clone()))],
        };
        Analysis {
            round: None,
            thresholds: Thresholds::default(),
            engagement: Engagement {
                suppressed: false,
                responses: Some(10),
                by_group: vec![],
                by_mode: vec![],
                workshops: 0,
                workshop_participants: 0,
            },
            overall: figures.clone(),
            items: vec![ItemAnalysis {
                id: "QS1.1".into(),
                quality_statement: "QS1".into(),
                text: "We listen".into(),
                figures: figures.clone(),
                finding: Finding::none(None),
            }],
            quality_statements: vec![StatementAnalysis {
                id: "QS1".into(),
                theme: "T1".into(),
                title: "Assessing needs".into(),
                figures,
                indicative_score: None,
                evidence_categories: vec![],
                processes: Default::default(),
                findings: Default::default(),
            }],
            themes: vec![],
        }
    }

    #[test]
    fn withheld_rows_have_no_figures_and_say_why() {
        let bytes = csv(&analysis()).expect("csv");
        assert!(bytes.starts_with(UTF8_BOM));
        let mut reader = csv::Reader::from_reader(&bytes[UTF8_BOM.len()..]);
        let headers = reader.headers().expect("headers").clone();
        assert_eq!(headers.iter().collect::<Vec<_>>(), COLUMNS);
        let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        assert_eq!(records.len(), 5, "overall, two groups, a category, a mode");
        assert_eq!(&records[0][5], "10");
        assert_eq!(&records[0][12], "0.7778", "7 of 9 ratings agree");
        // A group named like a formula is neutralised.
        assert_eq!(&records[1][4], "'=HYPERLINK(\"x\")");
        for record in [&records[2], &records[3]] {
            assert!(FIGURES.clone().all(|c| record[c].is_empty()), "{record:?}");
            assert!(record[19].contains("fewer than 5 responses"), "{record:?}");
        }
    }

    #[test]
    fn the_workbook_has_its_sheets_and_a_chart() {
        let info = ExportInfo { council: "Leeds", assessment: "2026/27", round: "All rounds" };
        let bytes = xlsx(&analysis(), &info).expect("xlsx");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        let names: Vec<String> = archive.file_names().map(|n| n.expect("name").into_owned()).collect();
        assert!(names.iter().any(|n| n.starts_with("xl/charts/chart")), "{names:?}");
        let mut workbook = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name("xl/workbook.xml").expect("workbook"),
            &mut workbook,
        )
        .expect("read");
        for sheet in [ABOUT_SHEET, STATEMENTS_SHEET, ITEMS_SHEET] {
            assert!(workbook.contains(&format!("name=\"{sheet}\"")), "{workbook}");
        }
    }
}
