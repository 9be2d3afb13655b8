//! Exports of survey tools (Microsoft Forms and the like): a table with a header row and one
//! row per respondent. The lead says which column is which item's rating or evidence and which
//! holds the respondent group; every row becomes one response. All or nothing, with the row and
//! column of every problem. Pure: no I/O beyond the bytes given.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cells::{CellValue, FileProblem, Location, column_letter, parse_rating, shown};
use crate::engagement::domain::MAX_TEXT_CHARS;
use crate::framework::{ChecklistItemId, Framework};

/// More rows than any council's survey (each row becomes a response, stored at once).
pub const MAX_ROWS: usize = 5_000;
pub const MAX_COLUMNS: usize = 400;

/// A survey tool's export: the header row and the rows under it, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// What one column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Ignore,
    Group,
    Rating(ChecklistItemId),
    Evidence(ChecklistItemId),
    Needed(ChecklistItemId),
}

impl Target {
    /// The form value: `ignore`, `group`, `rating:QS1.3`, `evidence:QS1.3`, `needed:QS1.3`.
    pub fn value(self) -> String {
        match self {
            Target::Ignore => "ignore".into(),
            Target::Group => "group".into(),
            Target::Rating(id) => format!("rating:{id}"),
            Target::Evidence(id) => format!("evidence:{id}"),
            Target::Needed(id) => format!("needed:{id}"),
        }
    }

    pub fn parse(framework: &Framework, value: &str) -> Option<Target> {
        let value = value.trim();
        match value {
            "" | "ignore" => return Some(Target::Ignore),
            "group" => return Some(Target::Group),
            _ => {}
        }
        let (kind, item) = value.split_once(':')?;
        let id: ChecklistItemId = item.parse().ok()?;
        framework.checklist_item(id)?;
        match kind {
            "rating" => Some(Target::Rating(id)),
            "evidence" => Some(Target::Evidence(id)),
            "needed" => Some(Target::Needed(id)),
            _ => None,
        }
    }
}

fn words(text: &str) -> String {
    text.to_lowercase()
        .replace(['\u{2019}', '\u{2018}'], "'")
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '\'' { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A first guess for a column from its heading: an item id in it (`QS1.3`), or a checklist
/// statement's text in it; "evidence … need" or "evidence" headings for the item's evidence;
/// "group" for the group. Everything else (names, emails, times) is ignored.
pub fn guess(framework: &Framework, header: &str) -> Target {
    let plain = words(header);
    if plain.is_empty() {
        return Target::Ignore;
    }
    let found = header
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .map(|token| token.trim_end_matches('.'))
        .filter_map(|token| token.parse::<ChecklistItemId>().ok())
        .find(|id| framework.checklist_item(*id).is_some())
        .or_else(|| {
            framework
                .quality_statements()
                .flat_map(|qs| qs.checklist_items.iter())
                .find(|item| {
                    let text = words(&item.text);
                    plain.contains(&text) || (plain.len() >= 40 && text.starts_with(&plain))
                })
                .map(|item| item.id)
        });
    let evidence = plain.contains("evidence");
    let needed = evidence && (plain.contains("need") || plain.contains("missing"));
    match found {
        Some(id) if needed => Target::Needed(id),
        Some(id)
            if evidence
                && !plain.contains(&words(
                    &framework.checklist_item(id).map(|i| i.text.clone()).unwrap_or_default(),
                )) =>
        {
            Target::Evidence(id)
        }
        Some(id) => Target::Rating(id),
        None if plain.contains("group") || plain == "which best describes you" => Target::Group,
        None => Target::Ignore,
    }
}

/// Reads the table: CSV (UTF-8, with or without a byte order mark), or the first sheet of a
/// workbook. The first row is the header.
pub fn read_table(bytes: &[u8]) -> Result<Table, Vec<FileProblem>> {
    let refuse = |message: &str| Err(vec![FileProblem::new(Location::file(), message)]);
    if bytes.is_empty() {
        return refuse("the file is empty");
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        if bytes.starts_with(b"PK\x03\x04") {
            super::import::check_zip(bytes)?;
        }
        let Ok(mut workbook) = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)) else {
            return refuse(
                "the file is not a workbook that can be read: save it as .xlsx or .csv and try again",
            );
        };
        let Some(Ok(range)) = workbook.worksheet_range_at(0) else {
            return refuse("the workbook has no sheet that can be read");
        };
        let (Some((r0, c0)), Some((r1, c1))) = (range.start(), range.end()) else {
            return refuse("the first sheet is empty");
        };
        // Rows and columns before the used range are empty; keep absolute positions.
        for r in 0..=r1 {
            let mut row = Vec::new();
            for c in 0..=c1 {
                let value = if r < r0 || c < c0 { None } else { range.get_value((r, c)) };
                row.push(match value {
                    None | Some(Data::Empty) => String::new(),
                    Some(Data::Float(f)) => CellValue::Number(*f).as_text(),
                    Some(Data::Int(i)) => i.to_string(),
                    Some(other) => other.to_string(),
                });
            }
            rows.push(row);
        }
    } else {
        let bytes = bytes.strip_prefix(super::export::UTF8_BOM).unwrap_or(bytes);
        let Ok(text) = std::str::from_utf8(bytes) else {
            return refuse(
                "the file is neither a workbook (.xlsx) nor CSV text in UTF-8: save it as one of those and try again",
            );
        };
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        for (i, record) in reader.records().enumerate() {
            match record {
                Ok(record) => rows.push(record.iter().map(str::to_owned).collect()),
                Err(e) => {
                    let row = e.position().map(|p| p.line() as u32).unwrap_or(i as u32 + 1);
                    return Err(vec![FileProblem::new(
                        Location { sheet: None, row: Some(row), column: None },
                        "this line is not valid CSV (check its quotation marks)",
                    )]);
                }
            }
        }
    }
    // Leading empty rows (some exports have a title row) are not the header.
    while rows.first().is_some_and(|r| r.iter().all(|c| c.trim().is_empty())) {
        rows.remove(0);
    }
    let Some(headers) = rows.first().cloned() else { return refuse("the file has no header row") };
    let body: Vec<Vec<String>> =
        rows.into_iter().skip(1).filter(|r| r.iter().any(|c| !c.trim().is_empty())).collect();
    if body.is_empty() {
        return refuse("the file has a header row but no answers under it");
    }
    if body.len() > MAX_ROWS {
        return refuse(&format!("the file has {} rows; import at most {MAX_ROWS} at a time", body.len()));
    }
    if headers.len() > MAX_COLUMNS {
        return refuse(&format!(
            "the file has {} columns; at most {MAX_COLUMNS} can be mapped",
            headers.len()
        ));
    }
    Ok(Table { headers: headers.iter().map(|h| h.trim().to_owned()).collect(), rows: body })
}

/// One row, checked: the response it becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyResponse {
    /// The row in the file (1-based; the header is row 1).
    pub row: u32,
    pub group_id: Uuid,
    pub answers: Vec<super::service::PendingAnswer>,
}

/// Applies a mapping (one target per column) to the table. `groups` are the assessment's
/// (id, name); `fixed_group` is used when no column holds the group. Rows without any rating
/// are skipped (a respondent who answered nothing); every problem is named by row and column.
pub fn apply(
    table: &Table,
    mapping: &[Target],
    groups: &[(Uuid, String)],
    fixed_group: Option<Uuid>,
) -> Result<Vec<SurveyResponse>, Vec<FileProblem>> {
    let mut problems = Vec::new();
    let column = |c: usize| Location { sheet: None, row: None, column: Some(column_letter(c as u32)) };
    // Each target at most once.
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    for (c, target) in mapping.iter().enumerate() {
        if *target == Target::Ignore {
            continue;
        }
        if let Some(first) = used.insert(target.value(), c) {
            problems.push(FileProblem::new(
                column(c),
                format!("column {} already holds this; choose each item once", column_letter(first as u32)),
            ));
        }
    }
    let group_column = mapping.iter().position(|t| *t == Target::Group);
    if !mapping.iter().any(|t| matches!(t, Target::Rating(_))) {
        problems.push(FileProblem::new(
            Location::file(),
            "choose the checklist item of at least one rating column",
        ));
    }
    if group_column.is_none() && fixed_group.is_none() {
        problems.push(FileProblem::new(
            Location::file(),
            "choose the column that holds the respondent group, or one group for every row",
        ));
    }
    for (c, target) in mapping.iter().enumerate() {
        if let Target::Evidence(id) | Target::Needed(id) = target
            && !mapping.contains(&Target::Rating(*id))
        {
            problems.push(FileProblem::new(column(c), format!("{id} has evidence but no rating column")));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let normal = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let mut responses = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        let row_number = i as u32 + 1; // 0-based file row (the header is row 0)
        let cell = |c: usize| row.get(c).map(|s| s.trim().to_owned()).unwrap_or_default();
        let at = |c: usize| Location::cell(None, row_number, c as u32);
        let mut answers: BTreeMap<ChecklistItemId, super::service::PendingAnswer> = BTreeMap::new();
        let mut texts: Vec<(ChecklistItemId, bool, String, usize)> = Vec::new();
        for (c, target) in mapping.iter().enumerate() {
            match target {
                Target::Rating(id) => match parse_rating(&CellValue::Text(cell(c))) {
                    Ok(Some(rating)) => {
                        answers.insert(
                            *id,
                            super::service::PendingAnswer {
                                item: id.to_string(),
                                rating: rating.value(),
                                evidence: String::new(),
                                evidence_needed: String::new(),
                            },
                        );
                    }
                    Ok(None) => {}
                    Err(message) => problems.push(FileProblem::new(at(c), message)),
                },
                Target::Evidence(id) | Target::Needed(id) => {
                    let text = cell(c).replace("\r\n", "\n");
                    let count = text.chars().count();
                    if count > MAX_TEXT_CHARS {
                        problems.push(FileProblem::new(
                            at(c),
                            format!("the answer must be {MAX_TEXT_CHARS} characters or fewer; this one has {count}"),
                        ));
                    }
                    texts.push((*id, matches!(target, Target::Needed(_)), text, c));
                }
                Target::Group | Target::Ignore => {}
            }
        }
        for (id, needed, text, c) in texts {
            match answers.get_mut(&id) {
                Some(answer) if needed => answer.evidence_needed = text,
                Some(answer) => answer.evidence = text,
                None if !text.is_empty() => {
                    let rating_column = mapping.iter().position(|t| *t == Target::Rating(id)).unwrap_or(c);
                    problems.push(FileProblem::new(
                        at(rating_column),
                        format!(
                            "there is evidence for {id} but no rating: give 1, 2, 3, 4, or 0 for don't know"
                        ),
                    ));
                }
                None => {}
            }
        }
        if answers.is_empty() {
            continue;
        }
        let group_id = match group_column {
            Some(c) => {
                let name = cell(c);
                match groups.iter().find(|(_, g)| normal(g) == normal(&name)) {
                    Some((id, _)) => Some(*id),
                    None if name.is_empty() && fixed_group.is_some() => fixed_group,
                    None => {
                        let names: Vec<String> = groups.iter().map(|(_, g)| format!("'{g}'")).collect();
                        problems.push(FileProblem::new(
                            at(c),
                            format!(
                                "{} is not a respondent group of this assessment ({})",
                                shown(&name),
                                names.join(", ")
                            ),
                        ));
                        None
                    }
                }
            }
            None => fixed_group,
        };
        if let Some(group_id) = group_id {
            responses.push(SurveyResponse {
                row: row_number + 1,
                group_id,
                answers: answers.into_values().collect(),
            });
        }
    }
    if responses.is_empty() && problems.is_empty() {
        problems.push(FileProblem::new(Location::file(), "no row has a rating in the columns chosen"));
    }
    if problems.is_empty() { Ok(responses) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framework() -> std::sync::Arc<Framework> {
        crate::framework::Frameworks::shipped().expect("frameworks").all()[0].clone()
    }

    fn id(s: &str) -> ChecklistItemId {
        s.parse().expect("id")
    }

    #[test]
    fn columns_are_guessed_from_their_headings() {
        let f = framework();
        let qs1_1 = f.checklist_item(id("QS1.1")).expect("item").text.clone();
        assert_eq!(guess(&f, &format!("1. {qs1_1}")), Target::Rating(id("QS1.1")));
        assert_eq!(guess(&f, "QS2.3 rating"), Target::Rating(id("QS2.3")));
        assert_eq!(guess(&f, "QS2.3: what evidence do you have?"), Target::Evidence(id("QS2.3")));
        assert_eq!(guess(&f, "QS2.3: what evidence do you need?"), Target::Needed(id("QS2.3")));
        assert_eq!(guess(&f, "Which group are you in?"), Target::Group);
        assert_eq!(guess(&f, "Email"), Target::Ignore);
        assert_eq!(guess(&f, "Start time"), Target::Ignore);
        for t in [Target::Ignore, Target::Group, Target::Rating(id("QS9.10")), Target::Needed(id("QS1.1"))] {
            assert_eq!(Target::parse(&f, &t.value()), Some(t));
        }
        assert_eq!(Target::parse(&f, "rating:QS1.99"), None);
    }

    #[test]
    fn rows_become_responses_and_every_problem_is_named() {
        let group = Uuid::now_v7();
        let groups = vec![(group, "Frontline staff".to_owned())];
        let table = read_table(
            b"Name,Group,Q1,Why,Q2\nAda,frontline staff,Tend to agree,Audits,4\nBob,Frontline staff,,,\n,Carers,maybe,,1\n,,3,,\n",
        )
        .expect("table");
        let mapping = [
            Target::Ignore,
            Target::Group,
            Target::Rating(id("QS1.1")),
            Target::Evidence(id("QS1.1")),
            Target::Rating(id("QS1.2")),
        ];
        let problems = apply(&table, &mapping, &groups, None).expect_err("invalid");
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "Row 4, column C: rating must be 1, 2, 3, 4 or 0, not 'maybe'",
                "Row 4, column B: 'Carers' is not a respondent group of this assessment ('Frontline staff')",
                "Row 5, column B: '' is not a respondent group of this assessment ('Frontline staff')",
            ]
        );
        let fixed = apply(&table, &mapping, &groups, Some(group)).expect_err("still carers");
        assert_eq!(fixed.len(), 2);
        let table =
            read_table(b"Group,Q1,Why,Q2\nFrontline staff,Tend to agree,Audits,4\nFrontline staff,,,\n")
                .expect("t");
        let responses = apply(&table, &mapping[1..], &groups, None).expect("valid");
        assert_eq!(responses.len(), 1, "a row without ratings is skipped");
        assert_eq!(responses[0].row, 2);
        assert_eq!(responses[0].answers.len(), 2);
        assert_eq!(responses[0].answers[0].evidence, "Audits");
        let twice = [Target::Group, Target::Rating(id("QS1.1")), Target::Ignore, Target::Rating(id("QS1.1"))];
        let problems = apply(&table, &twice, &groups, None).expect_err("twice");
        assert_eq!(problems[0].to_string(), "Column D: column B already holds this; choose each item once");
    }
}
