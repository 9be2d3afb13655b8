//! Pure rules for cells: formula neutralisation, sheet names, column letters, reading a
//! rating from whatever a person typed, and where a problem is. No I/O.

use std::borrow::Cow;
use std::fmt;

use crate::engagement::domain::Rating;
use crate::framework::QualityStatementId;

/// Excel's longest sheet name, in characters.
pub const MAX_SHEET_NAME: usize = 31;

/// Characters that make a spreadsheet read a cell as a formula (or, for tab and carriage
/// return, that some spreadsheets skip before finding one): OWASP's list for CSV injection.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell that a spreadsheet could take for a formula gets a leading apostrophe.
///
/// Why an apostrophe rather than a space: it is OWASP's recommendation for CSV injection; it
/// stays put (tools that trim cells drop a leading space, and the formula comes back); and a
/// person reading the cell sees at once that something was put in front. The rest of the
/// text is unchanged, so nothing a respondent wrote is lost.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some(first) if FORMULA_STARTS.contains(&first) => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// Whether a spreadsheet could read `text` as a formula.
pub fn is_formula_like(text: &str) -> bool {
    text.chars().next().is_some_and(|c| FORMULA_STARTS.contains(&c))
}

/// Small words a trimmed sheet name should not end on.
const DANGLING: [&str; 8] = ["and", "or", "of", "to", "in", "the", "with", "for"];

/// The sheet of a quality statement: "QS1 Assessing needs", trimmed to Excel's 31 characters
/// at a word boundary (dropping a dangling "and", "to", … and trailing commas), without the
/// characters Excel refuses in sheet names (`[ ] : * ? / \`) or a leading or trailing
/// apostrophe.
pub fn sheet_name(id: QualityStatementId, title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(
            |c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() { ' ' } else { c },
        )
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    let prefix = id.to_string();
    let mut name = prefix.clone();
    for word in &words {
        let candidate = format!("{name} {word}");
        if candidate.chars().count() > MAX_SHEET_NAME {
            break;
        }
        name = candidate;
    }
    // The first word alone was too long: cut it.
    if name == prefix
        && let Some(first) = words.first()
    {
        name = format!("{prefix} {first}").chars().take(MAX_SHEET_NAME).collect();
    }
    let shortened = name.chars().count() < format!("{prefix} {}", words.join(" ")).chars().count();
    if shortened {
        loop {
            let trimmed = name.trim_end_matches([',', ';', '-', '–', ' ', '\'']).to_owned();
            let last = trimmed.rsplit(' ').next().unwrap_or_default();
            if trimmed.len() > prefix.len() && DANGLING.contains(&last.to_lowercase().as_str()) {
                name = trimmed[..trimmed.len() - last.len()].to_owned();
            } else {
                name = trimmed;
                break;
            }
        }
    }
    name.trim_end_matches(['\'', ' ']).to_owned()
}

/// Spreadsheet column letters for a 0-based column: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(column: u32) -> String {
    let mut n = column as u64 + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push((b'A' + rem) as char);
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// A cell's value as the importer sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    Empty,
    Number(f64),
    Text(String),
    /// A spreadsheet error such as `#N/A`, or a value of another kind, as shown.
    Error(String),
}

impl CellValue {
    pub fn is_blank(&self) -> bool {
        match self {
            CellValue::Empty => true,
            CellValue::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text: numbers without a trailing `.0`.
    pub fn as_text(&self) -> String {
        match self {
            CellValue::Empty => String::new(),
            CellValue::Number(n) => format_number(*n),
            CellValue::Text(t) => t.clone(),
            CellValue::Error(e) => e.clone(),
        }
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { n.to_string() }
}

/// The scale's labels, for reading "Tend to agree" or "3 Tend to agree".
pub const RATING_LABELS: [(u8, &str); 5] = [
    (1, "Strongly disagree"),
    (2, "Tend to disagree"),
    (3, "Tend to agree"),
    (4, "Strongly agree"),
    (0, "Don't know"),
];

pub fn rating_label(value: u8) -> &'static str {
    RATING_LABELS.iter().find(|(v, _)| *v == value).map(|(_, l)| *l).unwrap_or("")
}

fn normalise_words(text: &str) -> String {
    text.replace(['\u{2019}', '\u{2018}', '`'], "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn label_value(text: &str) -> Option<u8> {
    let text = normalise_words(text);
    let text = if text == "dont know" { "don't know".to_owned() } else { text };
    RATING_LABELS.iter().find(|(_, label)| label.to_lowercase() == text).map(|(v, _)| *v)
}

/// Shows a typed value in a message: quoted, at most 40 characters.
pub fn shown(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = one_line.chars().take(40).collect();
    if one_line.chars().count() > 40 {
        out.push('…');
    }
    format!("'{out}'")
}

/// Reads a rating: a whole number 0–4 (as a number or as text), a label of the scale
/// ("Tend to agree", any case, curly or straight apostrophe), or a number and its label
/// ("3 Tend to agree", "3 - Tend to agree"). A blank cell is no rating (`Ok(None)`).
pub fn parse_rating(cell: &CellValue) -> Result<Option<Rating>, String> {
    let refuse = |value: &str| Err(format!("rating must be 1, 2, 3, 4 or 0, not {}", shown(value)));
    match cell {
        CellValue::Empty => Ok(None),
        CellValue::Number(n) => {
            if n.fract() == 0.0
                && let Some(rating) = Rating::parse(*n as i64)
            {
                Ok(Some(rating))
            } else {
                refuse(&format_number(*n))
            }
        }
        CellValue::Error(e) => refuse(e),
        CellValue::Text(raw) => {
            let text = raw.trim();
            if text.is_empty() {
                return Ok(None);
            }
            if let Ok(n) = text.parse::<i64>() {
                return Rating::parse(n).map(Some).ok_or(()).or_else(|()| refuse(text));
            }
            if let Some(value) = label_value(text) {
                return Ok(Rating::parse(i64::from(value)));
            }
            // "3 Tend to agree", "3 - Tend to agree", "3. Tend to agree"
            let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
            if !digits.is_empty() {
                let rest = text[digits.len()..].trim_start_matches([' ', '-', '–', '.', ':', ')']);
                if let (Ok(n), Some(value)) = (digits.parse::<i64>(), label_value(rest))
                    && n == i64::from(value)
                {
                    return Ok(Rating::parse(n));
                }
            }
            refuse(text)
        }
    }
}

/// Where a problem is: a sheet (workbooks), a row (1-based, as a spreadsheet shows it) and a
/// column letter. Any of them may be absent (a missing sheet has no row).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Location {
    pub sheet: Option<String>,
    pub row: Option<u32>,
    pub column: Option<String>,
}

impl Location {
    pub fn file() -> Self {
        Location { sheet: None, row: None, column: None }
    }

    pub fn sheet(name: &str) -> Self {
        Location { sheet: Some(name.to_owned()), row: None, column: None }
    }

    /// A cell, from 0-based row and column.
    pub fn cell(sheet: Option<&str>, row: u32, column: u32) -> Self {
        Location { sheet: sheet.map(str::to_owned), row: Some(row + 1), column: Some(column_letter(column)) }
    }

    pub fn row(sheet: Option<&str>, row: u32) -> Self {
        Location { sheet: sheet.map(str::to_owned), row: Some(row + 1), column: None }
    }
}

/// One problem with an uploaded file, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileProblem {
    pub at: Location,
    pub message: String,
}

impl FileProblem {
    pub fn new(at: Location, message: impl Into<String>) -> Self {
        FileProblem { at, message: message.into() }
    }
}

impl fmt::Display for FileProblem {
    /// "Sheet 'QS1 Assessing needs', row 7, column C: rating must be …"
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(sheet) = &self.at.sheet {
            parts.push(format!("Sheet '{sheet}'"));
        }
        if let Some(row) = self.at.row {
            parts.push(format!("row {row}"));
        }
        if let Some(column) = &self.at.column {
            parts.push(format!("column {column}"));
        }
        if parts.is_empty() {
            let mut message = self.message.clone();
            if let Some(first) = message.get(..1) {
                message.replace_range(..1, &first.to_uppercase());
            }
            return write!(f, "{message}");
        }
        let mut place = parts.join(", ");
        if self.at.sheet.is_none()
            && let Some(first) = place.get(..1)
        {
            place.replace_range(..1, &first.to_uppercase());
        }
        write!(f, "{place}: {}", self.message)
    }
}

/// A file name made safe for `Content-Disposition`: ASCII letters, digits, `-`, `_`, `.`.
pub fn safe_file_name(stem: &str, extension: &str) -> String {
    let mut out = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    let out: String = out.chars().take(80).collect();
    if out.is_empty() { format!("export.{extension}") } else { format!("{out}.{extension}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn qs(number: u8) -> QualityStatementId {
        QualityStatementId { number }
    }

    #[test]
    fn formula_like_cells_get_an_apostrophe() {
        for text in ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(text), format!("'{text}"));
            assert!(is_formula_like(text));
        }
        for text in ["", "Audit results", "'quoted", " =1", "3", "QS1.1"] {
            assert_eq!(neutralise(text), text);
        }
    }

    #[test]
    fn sheet_names_fit_excel() {
        let names: Vec<String> = [
            (1, "Assessing needs"),
            (2, "Supporting people to live healthier lives"),
            (3, "Equity in experiences and outcomes"),
            (4, "Care provision, integration and continuity"),
            (5, "Partnerships and communities"),
            (6, "Safe systems, pathways and transitions"),
            (7, "Safeguarding"),
            (8, "Governance, management and sustainability"),
            (9, "Learning, improvement and innovation"),
        ]
        .iter()
        .map(|(n, t)| sheet_name(qs(*n), t))
        .collect();
        assert_eq!(
            names,
            [
                "QS1 Assessing needs",
                "QS2 Supporting people to live",
                "QS3 Equity in experiences",
                "QS4 Care provision, integration",
                "QS5 Partnerships",
                "QS6 Safe systems, pathways",
                "QS7 Safeguarding",
                "QS8 Governance, management",
                "QS9 Learning, improvement",
            ]
        );
        assert_eq!(sheet_name(qs(1), "What? [draft]: a/b"), "QS1 What draft a b");
        assert_eq!(
            sheet_name(qs(1), "Averyveryveryveryveryverylongsingleword"),
            "QS1 Averyveryveryveryveryverylo"
        );
    }

    #[test]
    fn columns_are_lettered() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(2), "C");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn ratings_are_read_from_numbers_and_words() {
        let r = |c: CellValue| parse_rating(&c).map(|r| r.map(|r| r.value()));
        assert_eq!(r(CellValue::Number(3.0)), Ok(Some(3)));
        assert_eq!(r(CellValue::Number(0.0)), Ok(Some(0)));
        assert_eq!(r(CellValue::Empty), Ok(None));
        assert_eq!(r(CellValue::Text("  ".into())), Ok(None));
        assert_eq!(r(CellValue::Text(" 4 ".into())), Ok(Some(4)));
        assert_eq!(r(CellValue::Text("tend to AGREE".into())), Ok(Some(3)));
        assert_eq!(r(CellValue::Text("Don\u{2019}t know".into())), Ok(Some(0)));
        assert_eq!(r(CellValue::Text("1 - Strongly disagree".into())), Ok(Some(1)));
        assert_eq!(r(CellValue::Text("2 Tend to disagree".into())), Ok(Some(2)));
        assert_eq!(
            r(CellValue::Text("agree".into())),
            Err("rating must be 1, 2, 3, 4 or 0, not 'agree'".into())
        );
        assert!(r(CellValue::Text("3 Strongly agree".into())).is_err(), "number and label disagree");
        assert!(r(CellValue::Number(2.5)).is_err());
        assert!(r(CellValue::Number(5.0)).is_err());
        assert!(r(CellValue::Text("-1".into())).is_err());
        assert!(r(CellValue::Error("#N/A".into())).is_err());
    }

    #[test]
    fn problems_name_their_place() {
        let p = FileProblem::new(Location::cell(Some("QS1 Assessing needs"), 6, 2), "rating must be …");
        assert_eq!(p.to_string(), "Sheet 'QS1 Assessing needs', row 7, column C: rating must be …");
        let p = FileProblem::new(Location::cell(None, 3, 0), "x");
        assert_eq!(p.to_string(), "Row 4, column A: x");
        assert_eq!(FileProblem::new(Location::file(), "the file is empty").to_string(), "The file is empty");
        assert_eq!(FileProblem::new(Location::sheet("Foo"), "unknown").to_string(), "Sheet 'Foo': unknown");
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(safe_file_name("Checklists 2026/27", "xlsx"), "checklists-2026-27.xlsx");
        assert_eq!(safe_file_name("«»", "csv"), "export.csv");
    }

    proptest! {
        #[test]
        fn neutralised_text_never_starts_a_formula(text in ".{0,40}") {
            let out = neutralise(&text);
            prop_assert!(!is_formula_like(&out));
            // Nothing is lost: the original follows the prefix.
            prop_assert!(out.ends_with(text.as_str()));
            prop_assert!(out.len() <= text.len() + 1);
        }

        #[test]
        fn sheet_names_are_always_valid(number in 1u8..=99, title in "\\PC{0,80}") {
            let name = sheet_name(qs(number), &title);
            let prefix = format!("QS{number}");
            prop_assert!(name.chars().count() <= MAX_SHEET_NAME);
            prop_assert!(name.starts_with(&prefix));
            prop_assert!(!name.contains(['[', ']', ':', '*', '?', '/', '\\']));
            prop_assert!(!name.starts_with('\'') && !name.ends_with('\''));
            prop_assert!(!name.ends_with(' '));
        }

        #[test]
        fn numeric_ratings_are_exactly_zero_to_four(value in -50i64..50) {
            let parsed = parse_rating(&CellValue::Number(value as f64));
            prop_assert_eq!(parsed.is_ok(), (0..=4).contains(&value));
            let parsed = parse_rating(&CellValue::Text(value.to_string()));
            prop_assert_eq!(parsed.is_ok(), (0..=4).contains(&value));
        }

        #[test]
        fn any_text_is_read_or_refused_without_panicking(text in "\\PC{0,30}") {
            let _ = parse_rating(&CellValue::Text(text));
        }
    }
}
