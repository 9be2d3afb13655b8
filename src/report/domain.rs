//! What the final document holds (toolkit Stage 3, sections A to C; D is generated), its
//! limits, how words are counted, and how a quality statement's part starts from its Stage 2
//! summary. Pure: no I/O.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::summaries::domain::Content as SummaryContent;

/// What the toolkit's Stage 3 template asks of a document (from the framework file): the
/// words per quality statement, the strengths and areas for improvement each may list, and
/// Section A's suggested length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// "Each quality statement section should be no more than 750 words."
    pub statement_words: usize,
    pub strengths: usize,
    pub improvements: usize,
    /// Section A's "suggested maximum length of four pages", at [`WORDS_PER_PAGE`].
    pub section_a_pages: usize,
}

/// Words on a page of A4 at 11 points, for turning a suggested length in pages into words.
pub const WORDS_PER_PAGE: usize = 500;

impl Limits {
    /// The toolkit's: 750 words, three and three, four pages.
    pub const TOOLKIT: Limits =
        Limits { statement_words: 750, strengths: 3, improvements: 3, section_a_pages: 4 };

    pub fn from_framework(stage3: &crate::framework::domain::Stage3) -> Limits {
        let section = |id: &str| stage3.sections.iter().find(|s| s.id == id);
        let t = Limits::TOOLKIT;
        let b = section("B");
        Limits {
            statement_words: b.and_then(|s| s.word_limit).map_or(t.statement_words, |w| w as usize),
            strengths: b.and_then(|s| s.max_strengths).map_or(t.strengths, usize::from),
            improvements: b.and_then(|s| s.max_improvements).map_or(t.improvements, usize::from),
            section_a_pages: section("A")
                .and_then(|s| s.suggested_max_pages)
                .map_or(t.section_a_pages, usize::from),
        }
    }

    pub fn section_a_words(&self) -> usize {
        self.section_a_pages * WORDS_PER_PAGE
    }
}
/// A guard against pasting a whole document into one box (characters).
pub const FIELD_CHARS: usize = 30_000;
pub const NAME_CHARS: usize = 200;
pub const COMMENT_CHARS: usize = 5_000;

/// Whitespace as JavaScript's `\s` knows it, so the server counts exactly what the GOV.UK
/// character count component counts in the browser (`text.match(/\S+/g)`): this includes
/// U+FEFF, which Rust's `char::is_whitespace` does not, and excludes U+0085, which it does.
pub fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{FEFF}'
    )
}

/// The number of words in `text`: runs of characters between whitespace. "Self-assessment",
/// "£1.2m", "(ASC)" and "2024/25" are one word each; "—" standing alone is a word too, as it
/// is for the GOV.UK component.
pub fn word_count(text: &str) -> usize {
    text.split(is_js_whitespace).filter(|w| !w.is_empty()).count()
}

/// A problem with what was entered, for the field whose id is `field`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

fn problem(field: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem { field: field.into(), message: message.into() }
}

/// Trims the ends and makes every line break `\n`.
pub fn tidy(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n").trim().to_owned()
}

fn too_long(field: &str, label: &str, text: &str, limit: usize) -> Option<Problem> {
    let chars = text.chars().count();
    (chars > limit)
        .then(|| problem(field, format!("{label} must be {limit} characters or fewer; it is {chars}")))
}

fn words_text(n: usize) -> String {
    if n == 1 { "1 word".to_owned() } else { format!("{} words", crate::summaries::domain::thousands(n)) }
}

// ---------------------------------------------------------------------------------------------
// Section A: overview and summary

/// Section A's text by the id of its part in the framework (`about_us`, `strategy`,
/// `key_strengths`, `key_risks` in the toolkit).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionA {
    pub parts: BTreeMap<String, String>,
}

impl SectionA {
    pub fn text(&self, part: &str) -> &str {
        self.parts.get(part).map_or("", String::as_str)
    }

    pub fn words(&self) -> usize {
        self.parts.values().map(|t| word_count(t)).sum()
    }

    /// Reads the framework's parts from the form (anything else is ignored).
    pub fn from_form(form: &HashMap<String, String>, part_ids: &[&str]) -> (SectionA, Vec<Problem>) {
        let parts = part_ids
            .iter()
            .map(|id| ((*id).to_owned(), form.get(*id).map(|v| tidy(v)).unwrap_or_default()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let a = SectionA { parts };
        let problems = a.problems();
        (a, problems)
    }

    /// Only the guard on length: Section A's four pages are a suggestion, shown, not enforced.
    pub fn problems(&self) -> Vec<Problem> {
        self.parts.iter().filter_map(|(id, text)| too_long(id, "This part", text, FIELD_CHARS)).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Section B: a part per quality statement

/// Which Stage 2 version a part was started from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartedFrom {
    pub version: i64,
    pub content_hash: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementPart {
    /// An introduction and summary: ambition, key strengths, priorities for improvement.
    pub introduction: String,
    /// Current performance: how we are performing and how we know.
    pub performance: String,
    /// At most three areas of strength.
    pub strengths: Vec<String>,
    /// At most three areas for improvement.
    pub improvements: Vec<String>,
    /// Priorities to maintain and improve.
    pub priorities: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_from: Option<StartedFrom>,
}

fn numbered(form: &HashMap<String, String>, prefix: &str) -> Vec<(usize, String)> {
    let mut found: Vec<(usize, String)> = form
        .iter()
        .filter_map(|(k, v)| {
            let n: usize = k.strip_prefix(prefix)?.strip_prefix('-')?.parse().ok()?;
            let v = tidy(v);
            (!v.is_empty()).then_some((n, v))
        })
        .collect();
    found.sort();
    found
}

impl StatementPart {
    /// The text of every box, in the form's order.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        [&self.introduction, &self.performance]
            .into_iter()
            .chain(&self.strengths)
            .chain(&self.improvements)
            .chain([&self.priorities])
            .map(String::as_str)
    }

    pub fn words(&self) -> usize {
        self.texts().map(word_count).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.introduction.is_empty()
            && self.performance.is_empty()
            && self.strengths.is_empty()
            && self.improvements.is_empty()
            && self.priorities.is_empty()
    }

    /// Reads the form: `introduction`, `performance`, `strengths-1`…, `improvements-1`…,
    /// `priorities`. Extra numbered boxes are read too, so a fourth strength is refused rather
    /// than silently dropped.
    pub fn from_form(
        form: &HashMap<String, String>,
        started_from: Option<StartedFrom>,
        limits: &Limits,
    ) -> (StatementPart, Vec<Problem>) {
        let get = |k: &str| form.get(k).map(|v| tidy(v)).unwrap_or_default();
        let part = StatementPart {
            introduction: get("introduction"),
            performance: get("performance"),
            strengths: numbered(form, "strengths").into_iter().map(|(_, v)| v).collect(),
            improvements: numbered(form, "improvements").into_iter().map(|(_, v)| v).collect(),
            priorities: get("priorities"),
            started_from,
        };
        let problems = part.problems(limits);
        (part, problems)
    }

    /// The server's rules: at most three strengths and three improvements, at most 750 words in
    /// all, and the length guard on each box.
    pub fn problems(&self, limits: &Limits) -> Vec<Problem> {
        let mut out = Vec::new();
        for (field, label, text) in [
            ("introduction", "The introduction and summary", &self.introduction),
            ("performance", "Current performance", &self.performance),
            ("priorities", "Priorities to maintain and improve", &self.priorities),
        ] {
            out.extend(too_long(field, label, text, FIELD_CHARS));
        }
        for (prefix, list, what, most) in [
            ("strengths", &self.strengths, "strength", limits.strengths),
            ("improvements", &self.improvements, "area for improvement", limits.improvements),
        ] {
            for (i, text) in list.iter().enumerate() {
                out.extend(too_long(
                    &format!("{prefix}-{}", i + 1),
                    &format!("Each {what}"),
                    text,
                    FIELD_CHARS,
                ));
            }
            if list.len() > most {
                let plural = if what == "strength" { "areas of strength" } else { "areas for improvement" };
                out.push(problem(
                    format!("{prefix}-1"),
                    format!(
                        "Give no more than {most} {plural}: you gave {}. The toolkit asks for the ones that matter \
                         most",
                        list.len()
                    ),
                ));
            }
        }
        let words = self.words();
        let limit = limits.statement_words;
        if words > limit {
            let over = words - limit;
            out.push(problem(
                "introduction",
                format!(
                    "This quality statement is {}; the most is {limit}. Remove {} to save it",
                    words_text(words),
                    words_text(over)
                ),
            ));
        }
        out
    }

    /// The parts of the template not yet written.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.introduction.is_empty() {
            out.push("introduction and summary");
        }
        if self.performance.is_empty() && self.strengths.is_empty() && self.improvements.is_empty() {
            out.push("current performance");
        }
        if self.priorities.is_empty() {
            out.push("priorities to maintain and improve");
        }
        out
    }

    /// A starting point from a Stage 2 summary: its ambition introduces the part, its rationale
    /// describes current performance, its first three strengths and areas for improvement
    /// carry over with how we know, and the improvement work becomes the priorities.
    pub fn from_summary(
        content: &SummaryContent,
        started_from: StartedFrom,
        limits: &Limits,
    ) -> StatementPart {
        let with_evidence = |main: &str, how: &str| -> String {
            match (main.trim(), how.trim()) {
                (m, "") => m.to_owned(),
                (m, h) => format!("{m} How we know: {h}"),
            }
        };
        let strengths: Vec<String> = content
            .strengths
            .iter()
            .filter(|s| !s.statement.trim().is_empty())
            .take(limits.strengths)
            .map(|s| with_evidence(&s.statement, &s.how_we_know))
            .collect();
        let improvements: Vec<String> = content
            .improvements
            .iter()
            .filter(|i| !i.area.trim().is_empty())
            .take(limits.improvements)
            .map(|i| with_evidence(&i.area, &i.how_we_know))
            .collect();
        let priorities: Vec<String> = content
            .improvements
            .iter()
            .map(|i| i.work.trim())
            .chain(content.strengths.iter().map(|s| s.improvement_work.trim()))
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        StatementPart {
            introduction: content.ambition.trim().to_owned(),
            performance: content.rationale.trim().to_owned(),
            strengths,
            improvements,
            priorities: priorities.join("\n\n"),
            started_from: Some(started_from),
        }
    }

    /// The form's values, with as many empty boxes as it shows (three of each, or more when a
    /// refused form had more).
    pub fn form_fields(&self, limits: &Limits) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        out.insert("introduction".to_owned(), self.introduction.clone());
        out.insert("performance".to_owned(), self.performance.clone());
        out.insert("priorities".to_owned(), self.priorities.clone());
        for (prefix, list, most) in [
            ("strengths", &self.strengths, limits.strengths),
            ("improvements", &self.improvements, limits.improvements),
        ] {
            for i in 0..list.len().max(most) {
                out.insert(format!("{prefix}-{}", i + 1), list.get(i).cloned().unwrap_or_default());
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Section C: our process and sign-off

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionC {
    /// Our self-assessment process, in our words (the figures are added from Stage 1).
    pub process: String,
}

impl SectionC {
    pub fn from_form(form: &HashMap<String, String>) -> (SectionC, Vec<Problem>) {
        let c = SectionC { process: form.get("process").map(|v| tidy(v)).unwrap_or_default() };
        let problems = c.problems();
        (c, problems)
    }

    pub fn problems(&self) -> Vec<Problem> {
        too_long("process", "Our process", &self.process, FIELD_CHARS).into_iter().collect()
    }
}

/// An endorsement as entered on the form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewEndorsement {
    pub role: String,
    pub name: String,
    pub comment: String,
    pub endorsed_on: Option<time::Date>,
}

/// Reads an endorsement: role from the list, a name, a comment (may be empty: some sign off
/// without comment) and the date as day, month and year boxes (GOV.UK date input), not in
/// the future.
pub fn read_endorsement(
    form: &HashMap<String, String>,
    roles: &[&str],
    today: time::Date,
) -> (NewEndorsement, Vec<Problem>) {
    let get = |k: &str| form.get(k).map(|v| tidy(v)).unwrap_or_default();
    let mut problems = Vec::new();
    let role = get("role");
    if !roles.contains(&role.as_str()) {
        problems.push(problem("role", "Select whose endorsement this is"));
    }
    let name = get("name");
    if name.is_empty() {
        problems.push(problem("name", "Enter the name of the person endorsing the self-assessment"));
    }
    problems.extend(too_long("name", "The name", &name, NAME_CHARS));
    let comment = get("comment");
    problems.extend(too_long("comment", "The comment", &comment, COMMENT_CHARS));
    let (day, month, year) = (get("date-day"), get("date-month"), get("date-year"));
    let endorsed_on = if day.is_empty() && month.is_empty() && year.is_empty() {
        problems.push(problem("date-day", "Enter the date of the endorsement"));
        None
    } else {
        let parsed = (|| {
            let d: u8 = day.parse().ok()?;
            let m: u8 = month.parse().ok()?;
            let y: i32 = year.parse().ok()?;
            if !(2000..=2100).contains(&y) {
                return None;
            }
            time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
        })();
        match parsed {
            None => {
                problems.push(problem(
                    "date-day",
                    "The date of the endorsement must be a real date, like 27 3 2026",
                ));
                None
            }
            Some(d) if d > today => {
                problems
                    .push(problem("date-day", "The date of the endorsement must be today or in the past"));
                None
            }
            Some(d) => Some(d),
        }
    };
    (NewEndorsement { role, name, comment, endorsed_on }, problems)
}

// ---------------------------------------------------------------------------------------------
// The toolkit's top tips, as a self-check

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tips {
    /// The tips (their text, as the framework gives them) the team says the draft meets.
    pub checked: Vec<String>,
}

impl Tips {
    /// The framework's tips that were ticked (`tip-1`, `tip-2`, … checked boxes), in order.
    pub fn from_form(form: &HashMap<String, String>, tips: &[String]) -> Tips {
        Tips {
            checked: tips
                .iter()
                .enumerate()
                .filter(|(i, _)| form.contains_key(&format!("tip-{}", i + 1)))
                .map(|(_, t)| t.clone())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn words_are_runs_between_whitespace() {
        assert_eq!(word_count(""), 0);
        assert_eq!(word_count("   \n\t "), 0);
        assert_eq!(word_count("one"), 1);
        assert_eq!(word_count("Self-assessment 2024/25: £1.2m (ASC) — done."), 6);
        assert_eq!(word_count("line one\nline two\r\n\r\nthree"), 5);
        // Non-breaking and other Unicode spaces separate words, as in the browser.
        assert_eq!(word_count("a\u{A0}b\u{2003}c\u{3000}d\u{FEFF}e"), 5);
        // U+0085 is whitespace to Rust but not to JavaScript's \s: one word, as the browser says.
        assert_eq!(word_count("a\u{85}b"), 1);
    }

    fn words(n: usize) -> String {
        vec!["word"; n].join(" ")
    }

    #[test]
    fn seven_hundred_and_fifty_words_are_allowed_and_one_more_is_refused() {
        let mut part =
            StatementPart { introduction: words(700), priorities: words(50), ..Default::default() };
        assert!(part.problems(&Limits::TOOLKIT).is_empty());
        part.strengths.push("one".into());
        let problems = part.problems(&Limits::TOOLKIT);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "introduction");
        assert_eq!(
            problems[0].message,
            "This quality statement is 751 words; the most is 750. Remove 1 word to save it"
        );
    }

    #[test]
    fn a_fourth_strength_is_refused_not_dropped() {
        let form: HashMap<String, String> = [
            ("introduction", "Intro"),
            ("strengths-1", "a"),
            ("strengths-2", "b"),
            ("strengths-3", "c"),
            ("strengths-4", "d"),
            ("improvements-1", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let (part, problems) = StatementPart::from_form(&form, None, &Limits::TOOLKIT);
        assert_eq!(part.strengths, ["a", "b", "c", "d"]);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "strengths-1");
        assert!(problems[0].message.starts_with("Give no more than 3 areas of strength: you gave 4"));
    }

    #[test]
    fn empty_boxes_between_are_skipped_in_order() {
        let form: HashMap<String, String> =
            [("improvements-3", "third"), ("improvements-1", "first"), ("improvements-2", "  ")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        let (part, _) = StatementPart::from_form(&form, None, &Limits::TOOLKIT);
        assert_eq!(part.improvements, ["first", "third"]);
    }

    #[test]
    fn a_part_starts_from_its_summary() {
        use crate::summaries::domain::{Improvement, Strength};
        let content = SummaryContent {
            ambition: "Everyone assessed quickly.".into(),
            strengths: (1..=4)
                .map(|i| Strength {
                    statement: format!("Strength {i}."),
                    how_we_know: if i == 1 { "Survey.".into() } else { String::new() },
                    improvement_work: String::new(),
                })
                .collect(),
            improvements: vec![Improvement {
                area: "Waiting times.".into(),
                how_we_know: "Data.".into(),
                work: "A new triage team.".into(),
            }],
            rationale: "We are good.".into(),
            ..Default::default()
        };
        let from = StartedFrom { version: 3, content_hash: "abc".into() };
        let part = StatementPart::from_summary(&content, from.clone(), &Limits::TOOLKIT);
        assert_eq!(part.introduction, "Everyone assessed quickly.");
        assert_eq!(part.performance, "We are good.");
        assert_eq!(part.strengths, ["Strength 1. How we know: Survey.", "Strength 2.", "Strength 3."]);
        assert_eq!(part.improvements, ["Waiting times. How we know: Data."]);
        assert_eq!(part.priorities, "A new triage team.");
        assert_eq!(part.started_from, Some(from));
        assert!(part.problems(&Limits::TOOLKIT).is_empty());
    }

    #[test]
    fn endorsements_need_a_known_role_a_name_and_a_past_date() {
        let today = time::macros::date!(2026 - 11 - 23);
        let form = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
        };
        let roles = ["director_of_adult_social_services"];
        let (e, problems) = read_endorsement(
            &form(&[
                ("role", "director_of_adult_social_services"),
                ("name", " Jo Bloggs "),
                ("date-day", "1"),
                ("date-month", "11"),
                ("date-year", "2026"),
            ]),
            &roles,
            today,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(e.name, "Jo Bloggs");
        assert_eq!(e.endorsed_on, Some(time::macros::date!(2026 - 11 - 01)));
        let (_, problems) = read_endorsement(&form(&[("role", "mayor")]), &roles, today);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["role", "name", "date-day"]);
        let (_, problems) = read_endorsement(
            &form(&[
                ("role", "director_of_adult_social_services"),
                ("name", "J"),
                ("date-day", "31"),
                ("date-month", "2"),
                ("date-year", "2026"),
            ]),
            &roles,
            today,
        );
        assert_eq!(problems[0].message, "The date of the endorsement must be a real date, like 27 3 2026");
        let (_, problems) = read_endorsement(
            &form(&[
                ("role", "director_of_adult_social_services"),
                ("name", "J"),
                ("date-day", "24"),
                ("date-month", "11"),
                ("date-year", "2026"),
            ]),
            &roles,
            today,
        );
        assert_eq!(problems[0].message, "The date of the endorsement must be today or in the past");
    }

    #[test]
    fn ticked_tips_are_kept_in_the_framework_order() {
        let tips: Vec<String> = ["Accountability", "Specific", "Supported"].map(String::from).to_vec();
        let form: HashMap<String, String> = [("tip-3", "yes"), ("tip-1", "yes"), ("tip-9", "yes")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        assert_eq!(Tips::from_form(&form, &tips).checked, ["Accountability", "Supported"]);
    }

    #[test]
    fn the_toolkit_limits_come_from_the_framework_file() {
        let frameworks = crate::framework::Frameworks::shipped().expect("shipped frameworks");
        let framework = frameworks.all().first().expect("a framework");
        assert_eq!(Limits::from_framework(&framework.stage3), Limits::TOOLKIT);
        assert_eq!(Limits::TOOLKIT.section_a_words(), 2_000);
    }

    proptest! {
        #[test]
        fn word_count_matches_the_browser_rule(s in "[a-z \\t\\n\u{A0}\u{2009}\u{FEFF}\u{85},.]{0,80}") {
            // The browser: text.match(/\S+/g).length, written out independently.
            let mut n = 0;
            let mut in_word = false;
            for c in s.chars() {
                let space = " \t\n\u{A0}\u{2009}\u{FEFF}".contains(c);
                if !space && !in_word { n += 1; }
                in_word = !space;
            }
            prop_assert_eq!(word_count(&s), n);
        }

        #[test]
        fn joining_with_a_space_adds_the_counts(a in "\\PC{0,40}", b in "\\PC{0,40}") {
            prop_assert_eq!(word_count(&format!("{a} {b}")), word_count(&a) + word_count(&b));
        }

        #[test]
        fn the_limit_is_exactly_750(n in 0usize..1_000) {
            let part = StatementPart { performance: words(n), ..Default::default() };
            prop_assert_eq!(part.problems(&Limits::TOOLKIT).is_empty(), n <= 750);
        }
    }
}
