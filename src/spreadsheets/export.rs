//! Exports of every response: one row per response and item, as CSV or XLSX, written a page
//! at a time so memory stays bounded however many answers there are.
//!
//! Every text cell goes through [`neutralise`]; ratings are numbers and dates are dates, so
//! neither can be a formula.

use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use time::OffsetDateTime;

use super::cells::neutralise;

/// Written first in CSV files so Excel reads them as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

pub const CSV_COLUMNS: [&str; 9] =
    ["response", "submitted_at", "round", "group", "mode", "item", "rating", "evidence", "evidence_needed"];

const XLSX_HEADINGS: [&str; 9] = [
    "Response",
    "Submitted at (UTC)",
    "Round",
    "Respondent group",
    "Mode",
    "Item",
    "Rating",
    "Why? What evidence do you have to support this?",
    "What evidence do you need?",
];
const XLSX_WIDTHS: [f64; 9] = [14.0, 20.0, 24.0, 28.0, 10.0, 8.0, 8.0, 60.0, 60.0];

/// Excel's last row (1,048,576 rows, one of them the heading): a longer export goes on in a
/// second sheet.
pub const MAX_ROWS_PER_SHEET: u32 = 1_048_575;

/// One answer with its response's details.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow {
    pub reference: String,
    pub submitted_at: OffsetDateTime,
    pub round: String,
    pub group: String,
    pub mode: String,
    pub item: String,
    pub rating: i64,
    pub evidence: String,
    pub evidence_needed: String,
}

fn rfc3339(at: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_default()
}

/// The CSV header line (after the byte order mark).
pub fn csv_header() -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from(UTF8_BOM);
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(CSV_COLUMNS)?;
        writer.flush()?;
    }
    Ok(out)
}

/// CSV lines for a page of rows, every text cell neutralised.
pub fn csv_rows(rows: &[ExportRow]) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::with_capacity(rows.len() * 64);
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        for row in rows {
            let rating = row.rating.to_string();
            let submitted = rfc3339(row.submitted_at);
            writer.write_record([
                neutralise(&row.reference).as_ref(),
                &submitted,
                &neutralise(&row.round),
                &neutralise(&row.group),
                &neutralise(&row.mode),
                &neutralise(&row.item),
                &rating,
                &neutralise(&row.evidence),
                &neutralise(&row.evidence_needed),
            ])?;
        }
        writer.flush()?;
    }
    Ok(out)
}

/// Writes pages of rows into an .xlsx file at `path` in rust_xlsxwriter's constant-memory
/// mode: each row goes to a temporary file in `tempdir` as it is written, so memory holds one
/// page, not the export. Returns the number of rows written.
pub fn write_xlsx(
    pages: impl Iterator<Item = Vec<ExportRow>>,
    path: &Path,
    tempdir: &Path,
) -> Result<u64, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_tempdir(tempdir)?;
    let heading = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let mut sheets = 0usize;
    let mut row_in_sheet = MAX_ROWS_PER_SHEET; // start a sheet at the first row
    let mut written = 0u64;
    let start_sheet = |workbook: &mut Workbook, sheets: &mut usize| -> Result<(), XlsxError> {
        *sheets += 1;
        let name = if *sheets == 1 { "Responses".to_owned() } else { format!("Responses {sheets}") };
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(name)?;
        for (col, width) in XLSX_WIDTHS.iter().enumerate() {
            sheet.set_column_width(col as u16, *width)?;
        }
        for (col, text) in XLSX_HEADINGS.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *text, &heading)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(())
    };
    for page in pages {
        for row in page {
            if row_in_sheet >= MAX_ROWS_PER_SHEET {
                start_sheet(&mut workbook, &mut sheets)?;
                row_in_sheet = 0;
            }
            let sheet = workbook.worksheet_from_index(sheets - 1)?;
            let r = row_in_sheet + 1;
            sheet.write_string(r, 0, neutralise(&row.reference))?;
            match ExcelDateTime::from_timestamp(row.submitted_at.unix_timestamp()) {
                Ok(at) => sheet.write_datetime_with_format(r, 1, at, &date)?,
                Err(_) => sheet.write_string(r, 1, rfc3339(row.submitted_at))?,
            };
            sheet.write_string(r, 2, neutralise(&row.round))?;
            sheet.write_string(r, 3, neutralise(&row.group))?;
            sheet.write_string(r, 4, neutralise(&row.mode))?;
            sheet.write_string(r, 5, neutralise(&row.item))?;
            sheet.write_number(r, 6, row.rating as f64)?;
            sheet.write_string(r, 7, neutralise(&row.evidence))?;
            sheet.write_string(r, 8, neutralise(&row.evidence_needed))?;
            row_in_sheet += 1;
            written += 1;
        }
    }
    if sheets == 0 {
        start_sheet(&mut workbook, &mut sheets)?;
    }
    workbook.save(path)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(evidence: &str) -> ExportRow {
        ExportRow {
            reference: "ABCDE-FGHIJ".into(),
            submitted_at: time::macros::datetime!(2026-05-01 09:30:00 UTC),
            round: "Staff survey".into(),
            group: "Frontline staff".into(),
            mode: "survey".into(),
            item: "QS1.1".into(),
            rating: 3,
            evidence: evidence.into(),
            evidence_needed: "-".into(),
        }
    }

    #[test]
    fn csv_rows_are_neutralised() {
        let bytes = csv_rows(&[row("=HYPERLINK(\"http://evil\",\"x\")")]).expect("csv");
        let text = String::from_utf8(bytes).expect("utf8");
        assert_eq!(
            text,
            "ABCDE-FGHIJ,2026-05-01T09:30:00Z,Staff survey,Frontline staff,survey,QS1.1,3,\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",'-\n"
        );
        let header = csv_header().expect("header");
        assert!(header.starts_with(UTF8_BOM));
    }

    #[test]
    fn an_empty_xlsx_export_has_its_heading() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.xlsx");
        let written = write_xlsx(std::iter::once(vec![row("fine")]), &path, dir.path()).expect("xlsx");
        assert_eq!(written, 1);
        let written = write_xlsx(std::iter::empty(), &path, dir.path()).expect("xlsx");
        assert_eq!(written, 0);
        assert!(std::fs::metadata(&path).expect("file").len() > 0);
    }
}
