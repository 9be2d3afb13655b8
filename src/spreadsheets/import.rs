//! Reading a completed checklist back: the blank workbook filled in (.xlsx, or .ods / .xls
//! once saved by LibreOffice or an old Excel), or the CSV template filled in. All or nothing:
//! every problem is collected with its sheet, row and column, and nothing is returned unless
//! there are none. No I/O beyond the bytes given.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader};

use super::blank::{
    ABOUT_SHEET, COL_EVIDENCE, COL_ITEM, COL_NEEDED, COL_RATING, CSV_HEADER, HEADINGS, LABEL_FRAMEWORK,
    LABEL_GROUP, statement_sheets,
};
use super::cells::{CellValue, FileProblem, Location, parse_rating, shown};
use crate::engagement::domain::{MAX_TEXT_CHARS, Rating};
use crate::framework::{ChecklistItemId, Framework, QualityStatement};

/// Largest total a workbook may unpack to: a 2 MB upload of ordinary answers unpacks to a few
/// MB; more is a zip bomb, not a checklist.
pub const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
const MAX_ZIP_ENTRIES: usize = 2_000;

/// What kind of file it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Workbook,
    Csv,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Workbook => "checklist_workbook",
            FileKind::Csv => "checklist_csv",
        }
    }
}

/// One answer read from the file, with the row it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadAnswer {
    pub at: Location,
    pub item: ChecklistItemId,
    pub rating: Rating,
    pub evidence: String,
    pub evidence_needed: String,
}

/// A checklist read without a problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadChecklist {
    pub kind: FileKind,
    /// The About sheet's respondent group cell, when there is one and it is not empty.
    pub group: Option<(Location, String)>,
    /// In the framework's order.
    pub answers: Vec<ReadAnswer>,
}

/// Reads a completed checklist file. `Err` lists every problem found.
pub fn read_checklist(framework: &Framework, bytes: &[u8]) -> Result<ReadChecklist, Vec<FileProblem>> {
    if bytes.is_empty() {
        return Err(vec![FileProblem::new(Location::file(), "the file is empty")]);
    }
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    let is_ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    if is_zip || is_ole {
        if is_zip {
            check_zip(bytes)?;
        }
        read_workbook(framework, bytes)
    } else {
        read_csv(framework, bytes)
    }
}

/// Refuses archives that would unpack to far more than a checklist could hold.
pub(crate) fn check_zip(bytes: &[u8]) -> Result<(), Vec<FileProblem>> {
    let refuse = |message: &str| Err(vec![FileProblem::new(Location::file(), message)]);
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return refuse("the file is not a workbook that can be read (its zip structure is damaged)");
    };
    if archive.len() > MAX_ZIP_ENTRIES {
        return refuse("the file holds too many parts to be a checklist workbook");
    }
    let mut total = 0u64;
    for i in 0..archive.len() {
        match archive.by_index_raw(i) {
            Ok(entry) => total = total.saturating_add(entry.size()),
            Err(_) => {
                return refuse("the file is not a workbook that can be read (its zip structure is damaged)");
            }
        }
    }
    if total > MAX_UNPACKED_BYTES {
        return refuse("the workbook unpacks to more than 64 MB, far more than a checklist holds");
    }
    Ok(())
}

/// A calamine cell as the importer sees it.
fn cell_value(data: Option<&Data>) -> CellValue {
    match data {
        None | Some(Data::Empty) => CellValue::Empty,
        Some(Data::String(s)) => CellValue::Text(s.clone()),
        Some(Data::Float(f)) => CellValue::Number(*f),
        Some(Data::Int(i)) => CellValue::Number(*i as f64),
        Some(Data::Bool(b)) => CellValue::Text(if *b { "TRUE" } else { "FALSE" }.to_owned()),
        Some(Data::DateTime(d)) => CellValue::Text(excel_date_text(d.as_f64())),
        Some(Data::DateTimeIso(s)) | Some(Data::DurationIso(s)) => CellValue::Text(s.clone()),
        Some(Data::Error(e)) => CellValue::Error(e.to_string()),
    }
}

/// An Excel serial date as `YYYY-MM-DD` (or with the time when it has one).
fn excel_date_text(serial: f64) -> String {
    let base = time::macros::datetime!(1899-12-30 00:00:00);
    let seconds = (serial * 86_400.0).round() as i64;
    let at = base + time::Duration::seconds(seconds);
    if seconds % 86_400 == 0 { at.date().to_string() } else { format!("{} {}", at.date(), at.time()) }
}

/// Reads a free-text cell: trimmed, Windows line ends made plain, at most [`MAX_TEXT_CHARS`].
fn text_cell(value: &CellValue, at: Location, problems: &mut Vec<FileProblem>) -> String {
    if let CellValue::Error(e) = value {
        problems.push(FileProblem::new(at, format!("the cell holds a spreadsheet error ({e}), not text")));
        return String::new();
    }
    let text = value.as_text().trim().replace("\r\n", "\n");
    let count = text.chars().count();
    if count > MAX_TEXT_CHARS {
        problems.push(FileProblem::new(
            at,
            format!("the answer must be {MAX_TEXT_CHARS} characters or fewer; this one has {count}"),
        ));
    }
    text
}

/// A sheet's cells, by absolute (row, column), with the rows it spans.
trait Cells {
    fn value(&self, row: u32, col: u16) -> CellValue;
    fn rows(&self) -> std::ops::RangeInclusive<u32>;
}

impl Cells for calamine::Range<Data> {
    fn value(&self, row: u32, col: u16) -> CellValue {
        cell_value(self.get_value((row, u32::from(col))))
    }

    fn rows(&self) -> std::ops::RangeInclusive<u32> {
        match (self.start(), self.end()) {
            (Some((first, _)), Some((last, _))) => first..=last,
            #[allow(clippy::reversed_empty_ranges)]
            _ => 1..=0,
        }
    }
}

/// The rows of a CSV file (row 0 is the header).
struct CsvCells(Vec<Vec<String>>);

impl Cells for CsvCells {
    fn value(&self, row: u32, col: u16) -> CellValue {
        match self.0.get(row as usize).and_then(|r| r.get(usize::from(col))) {
            Some(text) if !text.is_empty() => CellValue::Text(text.clone()),
            _ => CellValue::Empty,
        }
    }

    fn rows(&self) -> std::ops::RangeInclusive<u32> {
        #[allow(clippy::reversed_empty_ranges)]
        if self.0.len() < 2 { 1..=0 } else { 1..=(self.0.len() as u32 - 1) }
    }
}

/// What the tables of a file gave so far.
#[derive(Default)]
struct Collected {
    /// Each item's row (1-based), to name the first when an item comes twice.
    seen: BTreeMap<ChecklistItemId, u32>,
    answers: Vec<ReadAnswer>,
    problems: Vec<FileProblem>,
}

/// Reads the answer rows of one table: `sheet` is the sheet's name (workbooks) and
/// `statement` the quality statement its items must belong to (`None`: any, for the CSV
/// template).
fn read_rows(
    framework: &Framework,
    cells: &dyn Cells,
    rows: std::ops::RangeInclusive<u32>,
    sheet: Option<&str>,
    statement: Option<&QualityStatement>,
    out: &mut Collected,
) {
    let Collected { seen, answers, problems } = out;
    for row in rows {
        let at = |col: u16| Location::cell(sheet, row, u32::from(col));
        let item_cell = cells.value(row, COL_ITEM);
        let rating_cell = cells.value(row, COL_RATING);
        let evidence_cell = cells.value(row, COL_EVIDENCE);
        let needed_cell = cells.value(row, COL_NEEDED);
        let answered = !rating_cell.is_blank() || !evidence_cell.is_blank() || !needed_cell.is_blank();
        if item_cell.is_blank() {
            if answered {
                problems.push(FileProblem::new(
                    at(COL_ITEM),
                    "this row has an answer but no item id (such as QS1.3) in column A",
                ));
            }
            continue;
        }
        let raw_item = item_cell.as_text();
        let item = match raw_item.trim().parse::<ChecklistItemId>() {
            Ok(id) if framework.checklist_item(id).is_some() => match statement {
                Some(qs) if id.quality_statement() != qs.id => {
                    problems.push(FileProblem::new(
                        at(COL_ITEM),
                        format!("{id} belongs to {}, not to this sheet's {}", id.quality_statement(), qs.id),
                    ));
                    None
                }
                _ => Some(id),
            },
            _ => {
                // Rows below the table (notes, totals) are fine while they hold no answer.
                if answered {
                    problems.push(FileProblem::new(
                        at(COL_ITEM),
                        format!("{} is not a checklist item id (such as QS1.3)", shown(&raw_item)),
                    ));
                }
                None
            }
        };
        let rating = match parse_rating(&rating_cell) {
            Ok(rating) => rating,
            Err(message) => {
                problems.push(FileProblem::new(at(COL_RATING), message));
                None
            }
        };
        let evidence = text_cell(&evidence_cell, at(COL_EVIDENCE), problems);
        let evidence_needed = text_cell(&needed_cell, at(COL_NEEDED), problems);
        let Some(item) = item else { continue };
        if let Some(first) = seen.get(&item) {
            problems.push(FileProblem::new(
                at(COL_ITEM),
                format!("{item} is answered twice (first in row {first})"),
            ));
            continue;
        }
        seen.insert(item, row + 1);
        match rating {
            Some(rating) => answers.push(ReadAnswer {
                at: Location::row(sheet, row),
                item,
                rating,
                evidence,
                evidence_needed,
            }),
            None if rating_cell.is_blank() && (!evidence.is_empty() || !evidence_needed.is_empty()) => {
                problems.push(FileProblem::new(
                    at(COL_RATING),
                    "there is evidence but no rating: type 1, 2, 3, 4, or 0 for don't know",
                ));
            }
            None => {}
        }
    }
}

fn read_workbook(framework: &Framework, bytes: &[u8]) -> Result<ReadChecklist, Vec<FileProblem>> {
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| {
        vec![FileProblem::new(
            Location::file(),
            "the file is not a workbook that can be read: save it as .xlsx (Excel) or .ods (LibreOffice) and try again",
        )]
    })?;
    let expected = statement_sheets(framework);
    let mut problems = Vec::new();
    let names = workbook.sheet_names();
    let expected_list = || {
        let first = expected.first().map(|(n, _)| n.as_str()).unwrap_or_default();
        let last = expected.last().map(|(n, _)| n.as_str()).unwrap_or_default();
        format!("'{ABOUT_SHEET}' and '{first}' to '{last}'")
    };
    for name in &names {
        if name != ABOUT_SHEET && !expected.iter().any(|(n, _)| n == name) {
            problems.push(FileProblem::new(
                Location::sheet(name),
                format!(
                    "this is not a sheet of the blank checklist workbook, which has {}; do not rename, add or remove sheets",
                    expected_list()
                ),
            ));
        }
    }
    if !expected.iter().any(|(n, _)| names.contains(n)) {
        problems.push(FileProblem::new(
            Location::file(),
            format!(
                "the workbook has none of the checklist sheets ({}): download the blank checklists and fill them in",
                expected_list()
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut group = None;
    if names.iter().any(|n| n == ABOUT_SHEET) {
        match workbook.worksheet_range(ABOUT_SHEET) {
            Ok(range) => {
                for row in Cells::rows(&range) {
                    let label = range.value(row, 0).as_text();
                    let value = range.value(row, 1);
                    if label.trim().eq_ignore_ascii_case(LABEL_GROUP) && !value.is_blank() {
                        group = Some((
                            Location::cell(Some(ABOUT_SHEET), row, 1),
                            value.as_text().trim().to_owned(),
                        ));
                    } else if label.trim().eq_ignore_ascii_case(LABEL_FRAMEWORK) {
                        let key = value.as_text();
                        if !value.is_blank() && key.trim() != framework.key {
                            problems.push(FileProblem::new(
                                Location::cell(Some(ABOUT_SHEET), row, 1),
                                format!(
                                    "this workbook is for the framework {}, but this assessment uses {}",
                                    shown(key.trim()),
                                    shown(&framework.key)
                                ),
                            ));
                        }
                    }
                }
            }
            Err(_) => {
                problems.push(FileProblem::new(Location::sheet(ABOUT_SHEET), "the sheet cannot be read"))
            }
        }
    }

    let mut collected = Collected { problems, ..Collected::default() };
    for (name, qs) in &expected {
        if !names.contains(name) {
            continue;
        }
        let range = match workbook.worksheet_range(name) {
            Ok(range) => range,
            Err(_) => {
                collected.problems.push(FileProblem::new(Location::sheet(name), "the sheet cannot be read"));
                continue;
            }
        };
        let heading = Cells::rows(&range).find(|&row| {
            range.value(row, COL_ITEM).as_text().trim().eq_ignore_ascii_case(HEADINGS[usize::from(COL_ITEM)])
        });
        let Some(heading) = heading else {
            collected.problems.push(FileProblem::new(
                Location::sheet(name),
                format!(
                    "the table's heading row ({}, {}, {}, …) is missing; keep the blank checklist's layout",
                    HEADINGS[0], HEADINGS[1], HEADINGS[2]
                ),
            ));
            continue;
        };
        let rating_heading = range.value(heading, COL_RATING).as_text();
        if !rating_heading.trim().to_lowercase().starts_with("rating") {
            collected.problems.push(FileProblem::new(
                Location::cell(Some(name), heading, u32::from(COL_RATING)),
                format!(
                    "expected the heading 'Rating' here, not {}; do not insert, move or remove columns",
                    shown(&rating_heading)
                ),
            ));
            continue;
        }
        let last = *Cells::rows(&range).end();
        read_rows(framework, &range, heading + 1..=last, Some(name), Some(qs), &mut collected);
    }
    finish(FileKind::Workbook, group, collected)
}

fn read_csv(framework: &Framework, bytes: &[u8]) -> Result<ReadChecklist, Vec<FileProblem>> {
    let bytes = bytes.strip_prefix(super::export::UTF8_BOM).unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(vec![FileProblem::new(
            Location::file(),
            "the file is neither a workbook (.xlsx, .ods) nor CSV text in UTF-8: save it as one of those and try again",
        )]);
    };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        match record {
            Ok(record) => rows.push(record.iter().map(str::to_owned).collect::<Vec<_>>()),
            Err(e) => {
                let row = e.position().map(|p| p.line() as u32).unwrap_or(i as u32 + 1);
                return Err(vec![FileProblem::new(
                    Location { sheet: None, row: Some(row), column: None },
                    "this line is not valid CSV (check its quotation marks)",
                )]);
            }
        }
    }
    let header: Vec<String> =
        rows.first().map(|r| r.iter().map(|c| c.trim().to_lowercase()).collect()).unwrap_or_default();
    if header.iter().map(String::as_str).take(CSV_HEADER.len()).ne(CSV_HEADER) {
        return Err(vec![FileProblem::new(
            Location::row(None, 0),
            format!(
                "the first row must be the template's header {}: use the blank CSV template",
                CSV_HEADER.join(",")
            ),
        )]);
    }
    let cells = CsvCells(rows);
    let mut collected = Collected::default();
    read_rows(framework, &cells, cells.rows(), None, None, &mut collected);
    finish(FileKind::Csv, None, collected)
}

fn finish(
    kind: FileKind,
    group: Option<(Location, String)>,
    collected: Collected,
) -> Result<ReadChecklist, Vec<FileProblem>> {
    let Collected { mut answers, mut problems, .. } = collected;
    if answers.is_empty() && problems.is_empty() {
        problems.push(FileProblem::new(
            Location::file(),
            "there are no ratings in the file: type a rating (1, 2, 3, 4, or 0 for don't know) against at least one statement",
        ));
    }
    if problems.is_empty() {
        answers.sort_by_key(|a| a.item);
        Ok(ReadChecklist { kind, group, answers })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framework() -> std::sync::Arc<Framework> {
        crate::framework::Frameworks::shipped().expect("frameworks").all()[0].clone()
    }

    #[test]
    fn a_filled_csv_template_is_read() {
        let f = framework();
        let csv = "\u{feff}item,text,rating,evidence,evidence_needed\nQS1.1,x,3,We audit,\nQS1.2,x,,,\nQS2.1,x,Tend to agree,,More data\n";
        let read = read_checklist(&f, csv.as_bytes()).expect("valid");
        assert_eq!(read.kind, FileKind::Csv);
        let items: Vec<String> = read.answers.iter().map(|a| a.item.to_string()).collect();
        assert_eq!(items, ["QS1.1", "QS2.1"]);
        assert_eq!(read.answers[1].rating.value(), 3);
        assert_eq!(read.answers[1].evidence_needed, "More data");
    }

    #[test]
    fn every_csv_problem_is_named() {
        let f = framework();
        let csv = "item,text,rating,evidence,evidence_needed\nQS1.1,x,agree,,\nQS1.99,x,1,,\n,x,2,,\nQS1.1,x,1,,\nQS1.3,x,,why,\n";
        let problems = read_checklist(&f, csv.as_bytes()).expect_err("invalid");
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "Row 2, column C: rating must be 1, 2, 3, 4 or 0, not 'agree'",
                "Row 3, column A: 'QS1.99' is not a checklist item id (such as QS1.3)",
                "Row 4, column A: this row has an answer but no item id (such as QS1.3) in column A",
                "Row 5, column A: QS1.1 is answered twice (first in row 2)",
                "Row 6, column C: there is evidence but no rating: type 1, 2, 3, 4, or 0 for don't know",
            ]
        );
        let wrong_header = read_checklist(&f, b"a,b\n1,2\n").expect_err("header");
        assert!(wrong_header[0].to_string().starts_with("Row 1: the first row must be"));
        assert!(read_checklist(&f, b"").is_err());
        assert!(read_checklist(&f, &[0xff, 0xfe, 0x00]).is_err());
        let empty =
            read_checklist(&f, b"item,text,rating,evidence,evidence_needed\nQS1.1,x,,,\n").expect_err("none");
        assert!(empty[0].to_string().starts_with("There are no ratings"));
    }

    #[test]
    fn dates_read_as_iso() {
        assert_eq!(excel_date_text(46143.0), "2026-05-01");
        assert_eq!(excel_date_text(46143.5), "2026-05-01 12:00:00.0");
    }
}
