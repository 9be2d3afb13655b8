//! The personal-information checker: finds text that is likely to be about one person, so that
//! it can be redacted before a document goes into the evidence library (the toolkit: "any
//! personal information should be redacted"). Pure: no I/O.
//!
//! [`scan`] takes any text (an extracted document, a Stage 1 answer, a Stage 2 summary) and
//! returns every [`Finding`]: its [`Kind`], the text matched, and where it is (byte offsets
//! and line). [`scan_segments`] does the same for the parts of a document, each with its own
//! [`Location`] (page, sheet and cell, paragraph, line).
//!
//! # The rules
//!
//! - **NHS numbers**: ten digits, written together or spaced (or hyphenated) 3-3-4, not part
//!   of a longer run of digits, whose tenth digit is the modulus 11 check digit of the first
//!   nine (weights 10 down to 2; 11 − remainder, 11 → 0, 10 → never valid). Ten digits that
//!   fail the check are not reported.
//! - **National Insurance numbers**: two prefix letters, six digits (together or in pairs)
//!   and a suffix letter A–D (which may be left off). The first letter is not D, F, I, Q, U or
//!   V; the second is not D, F, I, O, Q, U or V; the prefixes BG, GB, KN, NK, NT, TN and ZZ are
//!   never issued.
//! - **Email addresses**: `local@domain.tld`, the top-level domain at least two letters.
//! - **UK telephone numbers**: starting `0`, `+44`, `0044` or `+44 (0)`, with spaces, hyphens or
//!   brackets between digit groups; 10 or 11 digits in all counting the leading 0 (landlines
//!   01/02/03, 05, mobiles 07, 08 and 09), not part of a longer run of digits.
//! - **Postcodes**: the UK format (`A9 9AA`, `A99 9AA`, `AA9 9AA`, `AA99 9AA`, `A9A 9AA`,
//!   `AA9A 9AA`, with the letters each position allows): in capitals with or without the
//!   space, in lower case only with it.
//! - **Dates of birth**: a date (`12/03/1948`, `12-03-48`, `1948-03-12`, `12 March 1948`,
//!   `March 12, 1948`) within 40 characters after "DOB", "D.O.B.", "date of birth", "birth
//!   date", "born" (not "born-") or "birthday", on the same line and in the same sentence.
//! - **Names after titles**: Mr, Mrs, Ms, Miss, Mx, Dr, Prof, Professor, Rev, Revd, Sir or
//!   Dame (with or without a full stop) followed by a capitalised name or an initial, and the
//!   capitalised names or initials after it.
//!
//! Where two findings overlap, the one of the kind listed first is kept.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// What a finding is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    EmailAddress,
    NhsNumber,
    NationalInsuranceNumber,
    PhoneNumber,
    Postcode,
    DateOfBirth,
    NameAfterTitle,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::EmailAddress,
        Kind::NhsNumber,
        Kind::NationalInsuranceNumber,
        Kind::PhoneNumber,
        Kind::Postcode,
        Kind::DateOfBirth,
        Kind::NameAfterTitle,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::EmailAddress => "email_address",
            Kind::NhsNumber => "nhs_number",
            Kind::NationalInsuranceNumber => "national_insurance_number",
            Kind::PhoneNumber => "phone_number",
            Kind::Postcode => "postcode",
            Kind::DateOfBirth => "date_of_birth",
            Kind::NameAfterTitle => "name_after_title",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// In a sentence, with its article: "an NHS number", "a postcode".
    pub fn phrase(self) -> &'static str {
        match self {
            Kind::EmailAddress => "an email address",
            Kind::NhsNumber => "an NHS number",
            Kind::NationalInsuranceNumber => "a National Insurance number",
            Kind::PhoneNumber => "a telephone number",
            Kind::Postcode => "a postcode",
            Kind::DateOfBirth => "a date of birth",
            Kind::NameAfterTitle => "a name after a title (Mr, Mrs, Dr …)",
        }
    }

    /// For people: "NHS number".
    pub fn label(self) -> &'static str {
        match self {
            Kind::EmailAddress => "Email address",
            Kind::NhsNumber => "NHS number",
            Kind::NationalInsuranceNumber => "National Insurance number",
            Kind::PhoneNumber => "Telephone number",
            Kind::Postcode => "Postcode",
            Kind::DateOfBirth => "Date of birth",
            Kind::NameAfterTitle => "Name after a title",
        }
    }
}

/// Where in a document a finding is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Location {
    /// A line of plain text (counted from 1).
    Line { line: u32 },
    /// A page of a PDF, and the line of its extracted text.
    Page { page: u32, line: u32 },
    /// A cell of a worksheet (`B7`) or of a CSV file (sheet empty).
    Cell { sheet: String, cell: String },
    /// A paragraph of a Word document (counted from 1).
    Paragraph { paragraph: u32 },
}

impl Location {
    /// For people: "page 3, line 12", "sheet 'Staff', cell B7", "paragraph 4", "line 9".
    pub fn describe(&self) -> String {
        match self {
            Location::Line { line } => format!("line {line}"),
            Location::Page { page, line } => format!("page {page}, line {line}"),
            Location::Cell { sheet, cell } if sheet.is_empty() => format!("cell {cell}"),
            Location::Cell { sheet, cell } => format!("sheet '{sheet}', cell {cell}"),
            Location::Paragraph { paragraph } => format!("paragraph {paragraph}"),
        }
    }
}

/// One likely piece of personal information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    /// The text matched, exactly as written. Never log it: use [`Finding::masked`].
    pub text: String,
    /// Byte offsets of the match in the text scanned.
    pub start: usize,
    pub end: usize,
    pub location: Location,
}

impl Finding {
    /// The text with all but its first two letters or digits hidden, for logs and the audit
    /// trail: `94•••••••••`, `jo•••@•••••••.••.••`.
    pub fn masked(&self) -> String {
        mask(&self.text)
    }
}

/// Hides all but the first two letters or digits of `text` (punctuation and spaces kept).
pub fn mask(text: &str) -> String {
    let mut shown = 0;
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                shown += 1;
                if shown <= 2 { c } else { '•' }
            } else {
                c
            }
        })
        .collect()
}

/// Every finding in `text`, located by line, in order of position.
pub fn scan(text: &str) -> Vec<Finding> {
    let mut found = raw_scan(text);
    let starts = line_starts(text);
    for f in &mut found {
        f.location = Location::Line { line: line_of(&starts, f.start) };
    }
    found
}

/// Every finding in a document's parts, each located by its part (a page's findings get the
/// line within the page).
pub fn scan_segments(segments: &[(Location, String)]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (location, text) in segments {
        let starts = line_starts(text);
        for mut f in raw_scan(text) {
            f.location = match location {
                Location::Page { page, .. } => {
                    Location::Page { page: *page, line: line_of(&starts, f.start) }
                }
                Location::Line { line } => Location::Line { line: line + line_of(&starts, f.start) - 1 },
                other => other.clone(),
            };
            out.push(f);
        }
    }
    out
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect()
}

fn line_of(starts: &[usize], offset: usize) -> u32 {
    let line = starts.partition_point(|&s| s <= offset);
    u32::try_from(line.max(1)).unwrap_or(u32::MAX)
}

fn regex(pattern: &str) -> Regex {
    // The patterns are constants, checked by the tests; a bad one is a programming error.
    #[allow(clippy::expect_used)]
    Regex::new(pattern).expect("a valid pattern")
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"[A-Za-z0-9](?:[A-Za-z0-9._%+'-]*[A-Za-z0-9_%+-])?@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}",
    )
});
static TEN_DIGITS: LazyLock<Regex> = LazyLock::new(|| regex(r"\d{3} \d{3} \d{4}|\d{3}-\d{3}-\d{4}|\d{10}"));
static NINO: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\b([A-Z])([A-Z]) ?(\d{2}) ?(\d{2}) ?(\d{2})(?: ?([A-D]))?\b"));
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?:(?:\+|00)44[ \-]?(?:\(0\)[ \-]?)?|\(0|0)\d[\d \-()]{7,15}\d"));
static POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"\b(?:GIR ?0AA|(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) ?[0-9][ABD-HJLNP-UW-Z]{2})\b",
    )
});
static LOWER_POSTCODE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"\b[a-z]{1,2}[0-9][a-z0-9]? [0-9][a-z]{2}\b"));
static BIRTH_CUE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\b(?:d\.?o\.?b\.?|date of birth|birth ?date|born|birthday)(?:\b|[:.])"));
const MONTHS: &str = "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"(?i)\b(?:(\d{{1,2}})[/.\-](\d{{1,2}})[/.\-](\d{{4}}|\d{{2}})|(\d{{4}})-(\d{{1,2}})-(\d{{1,2}})|(\d{{1,2}})(?:st|nd|rd|th)?(?: of)? {MONTHS}\.?,? (\d{{4}})|{MONTHS}\.? (\d{{1,2}})(?:st|nd|rd|th)?,? (\d{{4}}))\b"
    ))
});
/// A name: "Smith", "Smith-Jones", "O'Brien", "McDonald", "Zoë".
const NAME: &str = r"[A-Z](?:[a-zà-ÿ]+(?:[A-Z][a-zà-ÿ]+)?|['’][A-Z][a-zà-ÿ]+)(?:-[A-Z][a-zà-ÿ]+)*";
static TITLE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    regex(&format!(
        r"\b(?:Mrs|Mr|Ms|Miss|Mx|Dr|Prof|Professor|Revd|Rev|Sir|Dame)\.? +((?:[A-Z]\.? +)*{NAME}(?: +{NAME}){{0,2}}|[A-Z]\b\.?)"
    ))
});

/// Capitalised words that follow a title without being a name ("Dr Foster" is a name).
const NOT_NAMES: &[&str] = &[
    "The",
    "And",
    "Or",
    "Of",
    "For",
    "In",
    "On",
    "At",
    "To",
    "An",
    "Who",
    "Is",
    "Was",
    "Has",
    "Had",
    "If",
    "It",
    "This",
    "That",
    "Not",
    "No",
    "Yes",
    "Please",
    "Mayor",
    "Speaker",
    "President",
    "Chair",
    "Chairman",
];

fn is_digit_at(text: &str, index: usize) -> bool {
    text.as_bytes().get(index).is_some_and(u8::is_ascii_digit)
}

/// True when the bytes before `start` or at `end` continue a number (a digit, or a digit
/// after one separator), so the match is only part of a longer run.
fn inside_longer_number(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    let before = start.checked_sub(1).and_then(|i| bytes.get(i)).copied();
    let before2 = start.checked_sub(2).and_then(|i| bytes.get(i)).copied();
    let after = bytes.get(end).copied();
    let after2 = bytes.get(end + 1).copied();
    let digit = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_digit());
    let joiner = |b: Option<u8>| matches!(b, Some(b'-' | b'/' | b'.' | b',' | b'+'));
    digit(before)
        || digit(after)
        || (joiner(before) && digit(before2))
        || (matches!(after, Some(b'-' | b'/' | b',')) && digit(after2))
        || (after == Some(b'.') && digit(after2))
}

/// The NHS number check: the tenth digit is the modulus 11 check digit of the first nine.
pub fn nhs_number_is_valid(digits: &[u8; 10]) -> bool {
    let sum: u32 = digits[..9].iter().zip((2..=10).rev()).map(|(d, w)| u32::from(*d) * w).sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        c => c,
    };
    check == u32::from(digits[9])
}

fn nhs_numbers(text: &str, out: &mut Vec<Finding>) {
    for m in TEN_DIGITS.find_iter(text) {
        if inside_longer_number(text, m.start(), m.end()) {
            continue;
        }
        let digits: Vec<u8> = m.as_str().bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
        let Ok(digits) = <[u8; 10]>::try_from(digits) else { continue };
        if nhs_number_is_valid(&digits) {
            out.push(finding(Kind::NhsNumber, text, m.start(), m.end()));
        }
    }
}

const NINO_BAD_FIRST: &[u8] = b"DFIQUV";
const NINO_BAD_SECOND: &[u8] = b"DFIOQUV";
const NINO_BAD_PREFIXES: &[&str] = &["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"];

/// The prefix rules of National Insurance numbers.
pub fn nino_prefix_is_valid(prefix: &str) -> bool {
    let upper = prefix.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    bytes.len() == 2
        && bytes.iter().all(u8::is_ascii_uppercase)
        && !NINO_BAD_FIRST.contains(&bytes[0])
        && !NINO_BAD_SECOND.contains(&bytes[1])
        && !NINO_BAD_PREFIXES.contains(&upper.as_str())
}

fn ni_numbers(text: &str, out: &mut Vec<Finding>) {
    for c in NINO.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let prefix = format!("{}{}", &c[1], &c[2]);
        if !nino_prefix_is_valid(&prefix) {
            continue;
        }
        // In lower case, only with its suffix letter in the same case: "ab123456" alone is
        // more often a reference than an NI number.
        let lower = prefix.bytes().any(|b| b.is_ascii_lowercase());
        if lower && c.get(6).is_none() {
            continue;
        }
        if inside_longer_number(text, m.start(), m.end()) {
            continue;
        }
        out.push(finding(Kind::NationalInsuranceNumber, text, m.start(), m.end()));
    }
}

fn emails(text: &str, out: &mut Vec<Finding>) {
    for m in EMAIL.find_iter(text) {
        out.push(finding(Kind::EmailAddress, text, m.start(), m.end()));
    }
}

fn phones(text: &str, out: &mut Vec<Finding>) {
    for m in PHONE.find_iter(text) {
        let (start, mut end) = (m.start(), m.end());
        // The pattern may run on into a following group of digits or a closing bracket; trim
        // back to the last digit.
        let matched = &text[start..end];
        end = start + matched.trim_end_matches(|c: char| !c.is_ascii_digit()).len();
        if start > 0 && (is_digit_at(text, start - 1) || text.as_bytes()[start - 1] == b'+') {
            continue;
        }
        if is_digit_at(text, end) {
            continue;
        }
        let matched = &text[start..end];
        // Unbalanced brackets mean the match took in something else.
        if matched.matches('(').count() != matched.matches(')').count() {
            continue;
        }
        // No run of separators: "01234 - 567" is two numbers.
        if matched.contains("  ") || matched.contains("--") || matched.contains(" - ") {
            continue;
        }
        let digits: String = matched.chars().filter(char::is_ascii_digit).collect();
        let international = if matched.starts_with('+') {
            digits.strip_prefix("44")
        } else {
            digits
                .strip_prefix("0044")
                .filter(|_| matched.starts_with("0044") || matched.starts_with("00 44"))
        };
        let national = if let Some(rest) = international {
            // +44 (0)20 …: the 0 in brackets is not dialled.
            let rest = if matched.contains("(0)") { rest.strip_prefix('0').unwrap_or(rest) } else { rest };
            format!("0{rest}")
        } else {
            digits
        };
        if !(10..=11).contains(&national.len()) {
            continue;
        }
        let second = national.as_bytes().get(1).copied().unwrap_or(b'0');
        let valid = match second {
            b'1' | b'2' => true,
            b'3' | b'5' | b'7' | b'8' | b'9' => national.len() == 11 || second == b'8',
            _ => false,
        };
        // A mobile is always 11 digits.
        if !valid || (second == b'7' && national.len() != 11) {
            continue;
        }
        out.push(finding(Kind::PhoneNumber, text, start, end));
    }
}

fn postcodes(text: &str, out: &mut Vec<Finding>) {
    for m in POSTCODE.find_iter(text) {
        out.push(finding(Kind::Postcode, text, m.start(), m.end()));
    }
    // In lower case, only with the space: "ls1 4ap".
    for m in LOWER_POSTCODE.find_iter(text) {
        let upper = m.as_str().to_ascii_uppercase();
        if POSTCODE.find(&upper).is_some_and(|p| p.len() == upper.len()) {
            out.push(finding(Kind::Postcode, text, m.start(), m.end()));
        }
    }
}

fn plausible_date(day: u32, month: u32, year: Option<u32>) -> bool {
    (1..=31).contains(&day)
        && (1..=12).contains(&month)
        && year.is_none_or(|y| y < 100 || (1880..=2100).contains(&y))
}

fn month_number(text: &str) -> Option<u32> {
    let lower = text.to_ascii_lowercase();
    let names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    names.iter().position(|n| lower.starts_with(n)).and_then(|i| u32::try_from(i + 1).ok())
}

/// The dates in `text`, as byte ranges.
fn dates(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for c in DATE.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let num = |i: usize| c.get(i).and_then(|g| g.as_str().parse::<u32>().ok());
        let ok = if let (Some(d), Some(mo), Some(y)) = (num(1), num(2), num(3)) {
            plausible_date(d, mo, Some(y))
        } else if let (Some(y), Some(mo), Some(d)) = (num(4), num(5), num(6)) {
            plausible_date(d, mo, Some(y))
        } else if let (Some(d), Some(y)) = (num(7), num(8)) {
            let month = month_number(m.as_str().trim_start_matches(|ch: char| !ch.is_ascii_alphabetic()));
            let month = month.or_else(|| {
                // "12th of March": the month follows the day's suffix.
                m.as_str().split_whitespace().find_map(month_number)
            });
            month.is_some_and(|mo| plausible_date(d, mo, Some(y)))
        } else if let (Some(d), Some(y)) = (num(9), num(10)) {
            month_number(m.as_str()).is_some_and(|mo| plausible_date(d, mo, Some(y)))
        } else {
            false
        };
        if ok && !inside_longer_number(text, m.start(), m.end()) {
            out.push((m.start(), m.end()));
        }
    }
    out
}

/// How far after a cue ("DOB") a date may start.
const BIRTH_WINDOW: usize = 40;

fn dates_of_birth(text: &str, out: &mut Vec<Finding>) {
    let all_dates = dates(text);
    if all_dates.is_empty() {
        return;
    }
    for cue in BIRTH_CUE.find_iter(text) {
        let after = cue.end();
        // "born-digital" is not a birth.
        if text[after..].starts_with('-') {
            continue;
        }
        let window_end = text.len().min(after + BIRTH_WINDOW);
        if let Some(&(start, end)) = all_dates.iter().find(|(s, _)| *s >= after && *s <= window_end) {
            // Same line and sentence only.
            let between = text[after..start].trim_start_matches(['.', ':', ' ']);
            if !between.contains(['\n', ';', '!', '?']) && !between.contains(". ") {
                out.push(finding(Kind::DateOfBirth, text, start, end));
            }
        }
    }
}

fn names(text: &str, out: &mut Vec<Finding>) {
    for c in TITLE_NAME.captures_iter(text) {
        let (Some(all), Some(name)) = (c.get(0), c.get(1)) else { continue };
        let first_word = name.as_str().split([' ', '.']).find(|w| !w.is_empty()).unwrap_or_default();
        if NOT_NAMES.contains(&first_word) {
            continue;
        }
        out.push(finding(Kind::NameAfterTitle, text, all.start(), all.end()));
    }
}

fn finding(kind: Kind, text: &str, start: usize, end: usize) -> Finding {
    Finding { kind, text: text[start..end].to_owned(), start, end, location: Location::Line { line: 1 } }
}

/// Every finding, overlaps resolved, in order of position; located at line 1 (callers set it).
fn raw_scan(text: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    emails(text, &mut found);
    nhs_numbers(text, &mut found);
    ni_numbers(text, &mut found);
    phones(text, &mut found);
    postcodes(text, &mut found);
    dates_of_birth(text, &mut found);
    names(text, &mut found);
    // Keep the first kind (in the order of `Kind`) of any overlapping findings.
    found.sort_by_key(|f| (f.kind, f.start));
    let mut kept: Vec<Finding> = Vec::new();
    for f in found {
        if !kept.iter().any(|k| k.start < f.end && f.start < k.end) {
            kept.push(f);
        }
    }
    kept.sort_by_key(|f| (f.start, f.kind));
    kept
}

/// The kinds of personal information `text` likely holds, each once, in [`Kind::ALL`]'s order:
/// for a warning beside free text ("likely holds an email address"), never the text itself.
pub fn kinds(text: &str) -> Vec<Kind> {
    let found = scan(text);
    Kind::ALL.into_iter().filter(|k| found.iter().any(|f| f.kind == *k)).collect()
}

/// Kinds in words: "an email address", "an email address and a postcode", "an NHS number, a
/// postcode and a date of birth".
pub fn describe_kinds(kinds: &[Kind]) -> String {
    let phrases: Vec<&str> = kinds.iter().map(|k| k.phrase()).collect();
    match phrases.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Counts of findings by kind, for summaries: `{"nhs_number": 2, "postcode": 1}`.
pub fn counts(findings: &[Finding]) -> std::collections::BTreeMap<&'static str, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for f in findings {
        *counts.entry(f.kind.as_str()).or_insert(0) += 1;
    }
    counts
}

#[cfg(test)]
mod tests;
