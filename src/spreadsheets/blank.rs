//! The blank Stage 1 checklists: a workbook laid out like the toolkit's (one sheet per
//! quality statement, after an "About" sheet), and a CSV template. Pure: framework in, bytes
//! out.
//!
//! # The layout, and why one "Rating" column
//!
//! The toolkit's tables have five tick columns (1 Strongly disagree … 4 Strongly agree,
//! 0 Don't know). A workbook that is read back needs one unambiguous answer per statement, so
//! ours has one **Rating** column instead, whose cells only accept a whole number 0–4 (Excel
//! and LibreOffice enforce the data validation as people type) and show the scale as an input
//! message when selected. With five columns nothing stops two ticks, or an "x" in one column
//! and a "✓" in another, and the importer would have to guess; one validated cell also reads
//! better with a screen reader and sorts and filters as a number. The scale is written above
//! the table as well, so it survives printing.

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties, Format, FormatAlign,
    FormatBorder, Formula, Workbook, XlsxError,
};

use super::cells::{RATING_LABELS, neutralise, sheet_name};
use crate::framework::{Entry, Framework, QualityStatement};

/// The first sheet's name.
pub const ABOUT_SHEET: &str = "About";
/// The checklist table's heading row, columns A–E.
pub const HEADINGS: [&str; 5] = [
    "Item",
    "Checklist statement",
    "Rating",
    "Why? What evidence do you have to support this?",
    "What evidence do you need?",
];
pub const COL_ITEM: u16 = 0;
pub const COL_TEXT: u16 = 1;
pub const COL_RATING: u16 = 2;
pub const COL_EVIDENCE: u16 = 3;
pub const COL_NEEDED: u16 = 4;

/// Labels in column A of the About sheet; the value is in column B.
pub const LABEL_GROUP: &str = "Respondent group";
pub const LABEL_FRAMEWORK: &str = "Framework";
pub const LABEL_ASSESSMENT: &str = "Assessment";
pub const LABEL_COUNCIL: &str = "Council";

/// About how many characters of the statement fit on one line of its column (width 70).
const TEXT_CHARS_PER_LINE: usize = 62;

/// The CSV template's header.
pub const CSV_HEADER: [&str; 5] = ["item", "text", "rating", "evidence", "evidence_needed"];

/// What the About sheet says about the assessment.
pub struct BlankInfo<'a> {
    pub council_name: &'a str,
    pub assessment_title: &'a str,
    /// The assessment's respondent groups, in order.
    pub groups: &'a [String],
}

/// The scale in one line: "1 Strongly disagree · 2 Tend to disagree · … · 0 Don't know".
pub fn scale_line() -> String {
    RATING_LABELS.iter().map(|(v, l)| format!("{v} {l}")).collect::<Vec<_>>().join(" · ")
}

/// The sheet name of each quality statement, in the framework's order.
pub fn statement_sheets(framework: &Framework) -> Vec<(String, &QualityStatement)> {
    framework.quality_statements().map(|qs| (sheet_name(qs.id, &qs.title), qs)).collect()
}

fn rating_validation() -> Result<DataValidation, XlsxError> {
    DataValidation::new()
        .allow_whole_number(DataValidationRule::Between(0, 4))
        .ignore_blank(true)
        .set_input_title("Rating: type 0 to 4")?
        .set_input_message(
            "1 Strongly disagree\n2 Tend to disagree\n3 Tend to agree\n4 Strongly agree\n0 Don't know\n\nLeave it empty to skip this statement.",
        )?
        .set_error_title("Rating must be 0 to 4")?
        .set_error_message(
            "Type 1 Strongly disagree, 2 Tend to disagree, 3 Tend to agree, 4 Strongly agree, or 0 Don't know.",
        )
        .map(|v| v.set_error_style(DataValidationErrorStyle::Stop))
}

/// The blank checklist workbook, as .xlsx bytes.
pub fn workbook(framework: &Framework, info: &BlankInfo<'_>) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("Stage 1 self-assessment checklists: {}", info.assessment_title))
            .set_subject(framework.title.as_str())
            .set_company(info.council_name),
    );
    let title = Format::new().set_bold().set_font_size(16);
    let bold = Format::new().set_bold();
    let heading = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color(0xDDEBF7)
        .set_border(FormatBorder::Thin);
    let cell = Format::new().set_text_wrap().set_align(FormatAlign::Top).set_border(FormatBorder::Thin);
    let input = cell.clone().set_unlocked().set_background_color(0xFFFFF2);

    // About
    let about = workbook.add_worksheet().set_name(ABOUT_SHEET)?;
    about.set_column_width(0, 28)?;
    about.set_column_width(1, 90)?;
    about.write_string_with_format(0, 0, "Stage 1 self-assessment checklists", &title)?;
    about.write_string(1, 0, neutralise(&format!("{} – {}", info.council_name, info.assessment_title)))?;
    let instructions = [
        "How to fill in this workbook",
        "Use one workbook for one person's answers, or for the answers a workshop agreed. Do not put several people's answers in one workbook.",
        "Choose the respondent group in cell B13 below (a list appears when you select the cell).",
        "There is one sheet for each quality statement. Answer the statements you can; leave the rest empty.",
        &format!("For each statement, type a Rating: {}.", scale_line()),
        "Then say why: what evidence do you have to support this, and what evidence do you need?",
        "Do not rename, add or remove sheets, and do not change the Item column: the workbook is read back by its sheet names and item ids.",
        "Do not write the names or details of people who draw on care and support, or of anyone else, in your answers.",
        "When you have finished, save the workbook and send it to your assessment lead, who imports it.",
    ];
    for (i, line) in instructions.iter().enumerate() {
        let row = 3 + i as u32;
        if i == 0 {
            about.write_string_with_format(row, 0, *line, &bold)?;
        } else {
            // Unwrapped, so the line runs on across the empty column B.
            about.write_string(row, 0, *line)?;
        }
    }
    // The fields, from row 13 (index 12).
    let fields_row = 12u32;
    about.write_string_with_format(fields_row, 0, LABEL_GROUP, &bold)?;
    about.write_blank(fields_row, 1, &input)?;
    about.write_string_with_format(fields_row + 1, 0, LABEL_FRAMEWORK, &bold)?;
    about.write_string(fields_row + 1, 1, neutralise(&framework.key))?;
    about.write_string_with_format(fields_row + 2, 0, LABEL_ASSESSMENT, &bold)?;
    about.write_string(fields_row + 2, 1, neutralise(info.assessment_title))?;
    about.write_string_with_format(fields_row + 3, 0, LABEL_COUNCIL, &bold)?;
    about.write_string(fields_row + 3, 1, neutralise(info.council_name))?;
    let groups_row = fields_row + 5;
    about.write_string_with_format(groups_row, 0, "Respondent groups of this assessment", &bold)?;
    for (i, group) in info.groups.iter().enumerate() {
        about.write_string(groups_row + 1 + i as u32, 0, neutralise(group))?;
    }
    if !info.groups.is_empty() {
        let first = groups_row + 2;
        let last = groups_row + 1 + info.groups.len() as u32;
        let groups = DataValidation::new()
            .allow_list_formula(Formula::new(format!("=$A${first}:$A${last}")))
            .set_input_title("Respondent group")?
            .set_input_message("Choose the group whose views this workbook gives.")?
            .set_error_title("Choose a group from the list")?
            .set_error_message("Choose one of the respondent groups listed below.")?;
        about.add_data_validation(fields_row, 1, fields_row, 1, &groups)?;
    }
    about.set_active(true);
    about.set_landscape();
    about.set_print_fit_to_pages(1, 0);

    let validation = rating_validation()?;
    for (name, qs) in statement_sheets(framework) {
        let theme = framework.theme(qs.theme).map(|t| t.title.as_str()).unwrap_or_default();
        let sheet = workbook.add_worksheet().set_name(&name)?;
        sheet.set_column_width(COL_ITEM, 9)?;
        sheet.set_column_width(COL_TEXT, 70)?;
        sheet.set_column_width(COL_RATING, 10)?;
        sheet.set_column_width(COL_EVIDENCE, 50)?;
        sheet.set_column_width(COL_NEEDED, 50)?;
        sheet.write_string_with_format(0, 0, format!("Stage 1 checklist: {theme} – {}", qs.title), &title)?;
        sheet.write_string_with_format(1, 0, "Examples of data to consider:", &bold)?;
        let mut row = 2u32;
        for entry in &qs.data_examples {
            sheet.write_string(row, 0, format!("• {}", entry.text()))?;
            row += 1;
            if let Entry::Nested { items, .. } = entry {
                for item in items {
                    sheet.write_string(row, 0, format!("    – {item}"))?;
                    row += 1;
                }
            }
        }
        row += 1;
        sheet.write_string_with_format(row, 0, format!("Rating: {}", scale_line()), &bold)?;
        row += 1;
        let heading_row = row;
        for (col, text) in HEADINGS.iter().enumerate() {
            sheet.write_string_with_format(heading_row, col as u16, *text, &heading)?;
        }
        sheet.set_repeat_rows(heading_row, heading_row)?;
        sheet.set_freeze_panes(heading_row + 1, 0)?;
        for (i, item) in qs.checklist_items.iter().enumerate() {
            let r = heading_row + 1 + i as u32;
            // Spreadsheets do not grow rows for wrapped text they did not lay out themselves
            // (LibreOffice keeps the stored height): size each row for its statement, with
            // room for at least three lines of answer.
            let lines = item.text.chars().count().div_ceil(TEXT_CHARS_PER_LINE).max(3);
            sheet.set_row_height(r, 15.0 * lines as f64 + 2.0)?;
            sheet.write_string_with_format(r, COL_ITEM, item.id.to_string(), &cell)?;
            sheet.write_string_with_format(r, COL_TEXT, neutralise(&item.text), &cell)?;
            sheet.write_blank(r, COL_RATING, &input)?;
            sheet.write_blank(r, COL_EVIDENCE, &input)?;
            sheet.write_blank(r, COL_NEEDED, &input)?;
        }
        if let Some(last) = (qs.checklist_items.len() as u32).checked_sub(1) {
            sheet.add_data_validation(
                heading_row + 1,
                COL_RATING,
                heading_row + 1 + last,
                COL_RATING,
                &validation,
            )?;
        }
        sheet.set_landscape();
        sheet.set_print_fit_to_pages(1, 0);
    }
    workbook.save_to_buffer()
}

/// The CSV template: a header and one row per checklist item, with the rating and evidence
/// empty. Starts with a UTF-8 byte order mark so Excel reads "–" and "’" correctly.
pub fn csv_template(framework: &Framework) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from(super::export::UTF8_BOM);
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(CSV_HEADER)?;
        for qs in framework.quality_statements() {
            for item in &qs.checklist_items {
                let id = item.id.to_string();
                writer.write_record([id.as_str(), &neutralise(&item.text), "", "", ""])?;
            }
        }
        writer.flush()?;
    }
    Ok(out)
}
