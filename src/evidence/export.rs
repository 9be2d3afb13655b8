//! The toolkit's Section D table ("Our self-assessment library and evidence") as CSV and XLSX:
//! grouped by theme, one row per Information Return item and evidence item (an IR item with no
//! evidence yet gets a row saying so), then items linked to quality statements only. Withdrawn
//! items are left out. Text cells a spreadsheet could read as a formula get a leading
//! apostrophe, as in the other exports.

use super::domain::State;
use super::service::{Item, Library};
use crate::spreadsheets::cells::neutralise;

pub const HEADINGS: [&str; 10] = [
    "Theme",
    "CQC IR",
    "Information Return item",
    "Evidence item",
    "Quality statement",
    "Document type",
    "Link",
    "Where in the document",
    "Date or period",
    "State",
];

fn date_cell(item: &Item) -> String {
    match (item.row.effective_from, item.row.effective_to) {
        (Some(from), Some(to)) => format!("{from} to {to}"),
        (Some(from), None) => from.to_string(),
        (None, Some(to)) => format!("to {to}"),
        (None, None) => String::new(),
    }
}

fn link_cell(library: &Library, item: &Item) -> String {
    match (&item.row.link, &item.row.file_name) {
        (Some(link), _) => link.clone(),
        (None, Some(name)) => format!(
            "{name} (in the library: /assessments/{}/evidence/{}/file)",
            library.assessment.id, item.row.id
        ),
        (None, None) => String::new(),
    }
}

/// The table's rows, as text.
pub fn rows(library: &Library) -> Vec<[String; 10]> {
    let framework = &library.framework;
    let live: Vec<&Item> = library.items.iter().filter(|i| i.state != State::Withdrawn).collect();
    let mut out = Vec::new();
    for group in &framework.information_return_groups {
        for ir in framework.information_return_items.iter().filter(|i| i.group == group.id) {
            let statements = if ir.applies_to_all {
                "All".to_owned()
            } else {
                ir.quality_statements.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            };
            let items: Vec<&&Item> = live.iter().filter(|i| i.ir_items.contains(&ir.code)).collect();
            if items.is_empty() {
                out.push([
                    group.title.clone(),
                    ir.code.to_string(),
                    ir.title.clone(),
                    "(no evidence yet)".to_owned(),
                    statements.clone(),
                    ir.document_types.join(", "),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
            for item in items {
                out.push([
                    group.title.clone(),
                    ir.code.to_string(),
                    ir.title.clone(),
                    item.row.title.clone(),
                    statements.clone(),
                    item.document_type.label().to_owned(),
                    link_cell(library, item),
                    item.row.pointer.clone(),
                    date_cell(item),
                    item.state.label().to_owned(),
                ]);
            }
        }
    }
    for item in live.iter().filter(|i| i.ir_items.is_empty()) {
        out.push([
            "Not linked to an Information Return item".to_owned(),
            String::new(),
            String::new(),
            item.row.title.clone(),
            item.supports.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            item.document_type.label().to_owned(),
            link_cell(library, item),
            item.row.pointer.clone(),
            date_cell(item),
            item.state.label().to_owned(),
        ]);
    }
    out
}

/// CSV with a UTF-8 byte-order mark (so Excel reads it right).
pub fn csv(library: &Library) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(HEADINGS)?;
    for row in rows(library) {
        writer.write_record(row.iter().map(|c| neutralise(c).into_owned()))?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// A workbook with the table on one sheet, headings bold and frozen.
pub fn xlsx(library: &Library) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold().set_text_wrap();
    let wrap = rust_xlsxwriter::Format::new().set_text_wrap().set_align(rust_xlsxwriter::FormatAlign::Top);
    let sheet = workbook.add_worksheet();
    sheet.set_name("Section D")?;
    for (c, heading) in HEADINGS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *heading, &bold)?;
    }
    for (c, width) in [18, 8, 50, 40, 14, 22, 45, 20, 24, 14].iter().enumerate() {
        sheet.set_column_width(c as u16, *width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (r, row) in rows(library).iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet.write_string_with_format(r as u32 + 1, c as u16, neutralise(value).as_ref(), &wrap)?;
        }
    }
    workbook.save_to_buffer()
}
