//! What stands between the draft and a finished document, in the groups the readiness page
//! and the API show: sections missing or over their limits, quality statements not verified,
//! IR items without ready evidence, evidence out of date, unreviewed personal information.
//! Pure: it reads what `service::inputs` gathered.

use serde::Serialize;

use super::compose::clean_title;
use super::service::{Inputs, Report};
use crate::evidence::domain::{Coverage, Currency, State as EvidenceState};
use crate::evidence::pii;
use crate::summaries::domain::Verification;

/// One thing to do, with the page where it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub message: String,
    pub href: String,
}

/// A group of gaps under one heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// `sections`, `verification`, `information_return`, `currency`, `personal_information`.
    pub id: &'static str,
    pub title: &'static str,
    pub gaps: Vec<Gap>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Readiness {
    pub checks: Vec<Check>,
    /// True when no check has a gap.
    pub ready: bool,
    /// The gaps over every check.
    pub total: usize,
}

fn gap(message: impl Into<String>, href: impl Into<String>) -> Gap {
    Gap { message: message.into(), href: href.into() }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// The report's own text, part by part, for the personal-information scan: (where, text).
pub fn text_parts(report: &Report) -> Vec<(String, String, String)> {
    let base = format!("/assessments/{}/report", report.assessment.id);
    let mut out = Vec::new();
    for (id, title, _) in report.section_a_parts() {
        out.push((
            format!("Section A, {}", clean_title(title)),
            report.a.value.text(id).to_owned(),
            format!("{base}/a"),
        ));
    }
    for s in &report.statements {
        let href = format!("{base}/b/{}", s.id);
        for text in s.part.value.texts() {
            out.push((format!("Section B, {}", s.id), text.to_owned(), href.clone()));
        }
    }
    out.push(("Section C, our process".to_owned(), report.c.value.process.clone(), format!("{base}/c")));
    for e in &report.endorsements {
        out.push((
            format!("Section C, endorsement by {}", report.role_title(&e.role)),
            e.comment.clone(),
            format!("{base}/c"),
        ));
    }
    out
}

pub fn check(inputs: &Inputs) -> Readiness {
    let report = &inputs.report;
    let library = &inputs.library;
    let base = format!("/assessments/{}/report", report.assessment.id);
    let evidence_base = format!("/assessments/{}/evidence", report.assessment.id);
    let limits = &report.limits;

    // Sections missing or over their limits.
    let mut sections = Vec::new();
    for (id, title, _) in report.section_a_parts() {
        if report.a.value.text(id).trim().is_empty() {
            let title = clean_title(title);
            sections.push(gap(format!("Section A: write “{title}”"), format!("{base}/a#{id}")));
        }
    }
    let a_words = report.a.value.words();
    if a_words > limits.section_a_words() {
        sections.push(gap(
            format!(
                "Section A is {a_words} words: the toolkit suggests about {} pages (around {} words)",
                limits.section_a_pages,
                limits.section_a_words()
            ),
            format!("{base}/a"),
        ));
    }
    for s in &report.statements {
        let href = format!("{base}/b/{}", s.id);
        if s.part.version == 0 {
            let message = if s.verified_from().is_some() {
                format!(
                    "Section B: check and save the part for {} {}, started from its verified summary",
                    s.id, s.title
                )
            } else {
                format!("Section B: write the part for {} {}", s.id, s.title)
            };
            sections.push(gap(message, href));
            continue;
        }
        let missing = s.part.value.missing();
        if !missing.is_empty() {
            sections.push(gap(
                format!("Section B, {}: write the {}", s.id, missing.join(", the ")),
                href.clone(),
            ));
        }
        let words = s.part.value.words();
        if words > limits.statement_words {
            sections.push(gap(
                format!("Section B, {}: {words} words, over the limit of {}", s.id, limits.statement_words),
                href.clone(),
            ));
        }
        if s.part.value.strengths.len() > limits.strengths
            || s.part.value.improvements.len() > limits.improvements
        {
            sections.push(gap(
                format!(
                    "Section B, {}: no more than {} strengths and {} areas for improvement",
                    s.id, limits.strengths, limits.improvements
                ),
                href,
            ));
        }
    }
    if report.c.value.process.trim().is_empty() {
        sections.push(gap("Section C: describe your self-assessment process", format!("{base}/c#process")));
    }
    if report.endorsements.is_empty() {
        sections
            .push(gap("Section C: record the sign-off and endorsements", format!("{base}/c#endorsements")));
    }
    if library.items.iter().all(|i| i.state == EvidenceState::Withdrawn) {
        sections.push(gap("Section D: add documents to the evidence library", evidence_base.clone()));
    }

    // Quality statements not verified, or verified since the part was started.
    let mut verification = Vec::new();
    for s in &report.statements {
        let href = format!("/assessments/{}/summaries/{}", report.assessment.id, s.id);
        match s.summary.verification {
            Verification::Valid if s.summary_moved_on() => verification.push(gap(
                format!(
                    "{}: the Stage 2 summary has changed since Section B's part was started from it",
                    s.id
                ),
                format!("{base}/b/{}", s.id),
            )),
            Verification::Valid => {}
            Verification::Void => verification.push(gap(
                format!("{} {}: the Stage 2 summary changed after it was verified", s.id, s.title),
                href,
            )),
            Verification::None => verification
                .push(gap(format!("{} {}: the Stage 2 summary is not verified", s.id, s.title), href)),
        }
    }

    // IR items without ready evidence.
    let coverage = crate::evidence::service::coverage(library);
    let mut information_return = Vec::new();
    for theme in &coverage.themes {
        for ir in &theme.ir_items {
            let what = match ir.status {
                Coverage::Ready => continue,
                Coverage::DraftOnly => "has evidence, none of it ready",
                Coverage::Missing => "has no evidence",
            };
            information_return.push(gap(
                format!("{} {}: {what}", ir.code, ir.title),
                format!("{evidence_base}/coverage#{}", ir.code),
            ));
        }
    }

    // Evidence out of date or undated.
    let mut currency = Vec::new();
    for item in library.items.iter().filter(|i| i.state != EvidenceState::Withdrawn) {
        let href = format!("{evidence_base}/{}", item.row.id);
        match item.currency {
            Currency::OutOfDate => currency.push(gap(
                format!(
                    "“{}” is dated more than {} months before {}",
                    item.row.title, library.currency_months, library.reference_date
                ),
                href,
            )),
            Currency::Undated => currency.push(gap(format!("“{}” has no date", item.row.title), href)),
            Currency::Current => {}
        }
    }

    // Personal information: library items with unreviewed findings, and the document's text.
    let mut personal = Vec::new();
    for item in library.items.iter().filter(|i| i.state != EvidenceState::Withdrawn) {
        let n = item.unreviewed();
        if n > 0 {
            personal.push(gap(
                format!(
                    "“{}”: {} to review",
                    item.row.title,
                    plural(
                        n,
                        "possible piece of personal information",
                        "possible pieces of personal information"
                    )
                ),
                format!("{evidence_base}/{}", item.row.id),
            ));
        }
    }
    for (place, text, href) in text_parts(report) {
        let findings = pii::scan(&text);
        if !findings.is_empty() {
            let mut kinds: Vec<&str> = findings.iter().map(|f| f.kind.label()).collect();
            kinds.dedup();
            personal.push(gap(
                format!(
                    "{place}: what looks like {} — remove it, or check it is meant to be public",
                    kinds.join(", ").to_lowercase()
                ),
                href,
            ));
        }
    }

    let checks = vec![
        Check { id: "sections", title: "Sections missing or over their limits", gaps: sections },
        Check { id: "verification", title: "Quality statements not verified", gaps: verification },
        Check {
            id: "information_return",
            title: "Information Return items without ready evidence",
            gaps: information_return,
        },
        Check { id: "currency", title: "Evidence out of date or undated", gaps: currency },
        Check { id: "personal_information", title: "Personal information to review", gaps: personal },
    ];
    let total = checks.iter().map(|c| c.gaps.len()).sum();
    Readiness { ready: total == 0, total, checks }
}
