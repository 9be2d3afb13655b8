//! Shapes summaries, their history, Stage 1 starting points and the rating for the pages.
//! Pure.

use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::domain::{
    Content, Improvement, MAX_IMPROVEMENTS, MAX_QUOTATIONS, Quotation, ScoreSource, State, Strength,
    Verification,
};
use super::rating::{Position, Rating};
use super::store::EventRow;
use crate::analysis::findings::Classification;
use crate::analysis::model::{Analysis, ItemAnalysis};
use crate::analysis::service::Collated;
use crate::analysis::stats::percent;
use crate::evidence::pii;
use crate::evidence::service::{Item, Library};
use crate::framework::{Framework, QualityStatementId};
use crate::web::format_datetime;

/// The words CQC gives a score (`3` → "Evidence shows a good standard").
pub fn score_label(framework: &Framework, score: u8) -> String {
    framework
        .scoring
        .score_labels
        .iter()
        .find(|l| l.score == score)
        .map(|l| l.label.clone())
        .unwrap_or_default()
}

#[derive(Debug, Clone, Serialize)]
pub struct StateView {
    /// `not_started`, `draft`, `submitted`, `returned` or `verified`.
    pub value: &'static str,
    pub label: &'static str,
    /// The GOV.UK tag's colour class.
    pub tag: &'static str,
    /// A verification voided by a change since.
    pub void: bool,
    pub verified: bool,
}

pub fn state_view(state: Option<State>, verification: Verification) -> StateView {
    let (value, label, tag) = match state {
        None => ("not_started", "Not started", "govuk-tag--grey"),
        Some(State::Draft) => ("draft", State::Draft.label(), "govuk-tag--yellow"),
        Some(State::Submitted) => ("submitted", State::Submitted.label(), "govuk-tag--blue"),
        Some(State::Returned) => ("returned", State::Returned.label(), "govuk-tag--orange"),
        Some(State::Verified) => ("verified", State::Verified.label(), "govuk-tag--green"),
    };
    StateView {
        value,
        label,
        tag,
        void: verification == Verification::Void,
        verified: verification == Verification::Valid,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ScoreView {
    pub value: u8,
    pub label: String,
    /// `verified` or `proposed`, when shown for the rating.
    pub source: Option<&'static str>,
}

pub fn score_view(framework: &Framework, score: Option<(u8, ScoreSource)>) -> Option<ScoreView> {
    score.map(|(value, source)| ScoreView {
        value,
        label: score_label(framework, value),
        source: Some(match source {
            ScoreSource::Verified => "verified",
            ScoreSource::Proposed => "proposed",
        }),
    })
}

/// An item of the evidence library as Stage 2 shows it: on the form (to choose) and on the
/// summary (chosen).
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceChoice {
    pub id: String,
    pub title: String,
    /// `draft`, `ready`, `needs_redaction` or `withdrawn`, and in words.
    pub state: &'static str,
    pub state_label: &'static str,
    /// The GOV.UK tag's colour class.
    pub state_tag: &'static str,
    pub document_type: &'static str,
    /// The quality statements it supports, such as "QS1, QS3".
    pub supports: String,
    /// Whether it supports the summary's statement.
    pub supports_statement: bool,
    /// Its page in the library, its web address, and its file's address and name.
    pub href: String,
    pub link: Option<String>,
    pub file_href: Option<String>,
    pub file_name: Option<String>,
    /// Chosen in the content shown.
    pub checked: bool,
    /// The checkbox's name (`evidence_{id}`).
    pub name: String,
}

pub fn state_tag(state: crate::evidence::domain::State) -> &'static str {
    use crate::evidence::domain::State as E;
    match state {
        E::Ready => "govuk-tag--green",
        E::Draft => "govuk-tag--grey",
        E::NeedsRedaction => "govuk-tag--orange",
        E::Withdrawn => "govuk-tag--red",
    }
}

pub fn evidence_choice(
    assessment: Uuid,
    item: &Item,
    statement: QualityStatementId,
    checked: bool,
) -> EvidenceChoice {
    let id = item.row.id;
    let href = format!("/assessments/{assessment}/evidence/{id}");
    EvidenceChoice {
        id: id.to_string(),
        title: item.row.title.clone(),
        state: item.state.as_str(),
        state_label: item.state.label(),
        state_tag: state_tag(item.state),
        document_type: item.document_type.label(),
        supports: item.supports.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        supports_statement: item.supports.contains(&statement),
        link: item.row.link.clone(),
        file_href: item.row.file_key.as_ref().map(|_| format!("{href}/file")),
        file_name: item.row.file_name.clone(),
        href,
        checked,
        name: format!("{}{id}", super::domain::EVIDENCE_PREFIX),
    }
}

/// The library as the summary form offers it: items not withdrawn (and any withdrawn item
/// the content still holds), those supporting the statement first, then the others, each in
/// the library's order.
#[derive(Debug, Clone, Serialize)]
pub struct LibraryChoices {
    pub supporting: Vec<EvidenceChoice>,
    pub others: Vec<EvidenceChoice>,
}

pub fn library_choices(
    library: &Library,
    statement: QualityStatementId,
    content: &Content,
) -> LibraryChoices {
    let chosen = content.evidence_ids();
    let assessment = library.assessment.id;
    let (supporting, others) = library
        .items
        .iter()
        .filter(|i| i.state != crate::evidence::domain::State::Withdrawn || chosen.contains(&i.row.id))
        .map(|i| evidence_choice(assessment, i, statement, chosen.contains(&i.row.id)))
        .partition(|c| c.supports_statement);
    LibraryChoices { supporting, others }
}

/// What the summary form's key documents may be chosen from (see `domain::read_library_choices`).
pub fn library_entries(library: &Library) -> Vec<super::domain::LibraryEntry> {
    library
        .items
        .iter()
        .map(|i| super::domain::LibraryEntry {
            id: i.row.id,
            title: i.row.title.clone(),
            withdrawn: i.state == crate::evidence::domain::State::Withdrawn,
        })
        .collect()
}

/// A key document for reading: a library item (as it is now) or a free link.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentView {
    pub title: String,
    /// A free link's web address.
    pub url: String,
    /// The library item, when chosen from the library and still there.
    pub evidence: Option<EvidenceChoice>,
    /// The id of a library item that is no longer in the library.
    pub missing: Option<String>,
}

/// Likely personal information in a summary's text: what kind and where.
#[derive(Debug, Clone, Serialize)]
pub struct TextFinding {
    /// `email_address`, `nhs_number` … and in words.
    pub kind: &'static str,
    pub label: &'static str,
    /// The form field it is in, and the part in words ("Quotation 1").
    pub field: String,
    pub part: String,
    pub line: u32,
    /// "Quotation 1, line 2".
    pub place: String,
}

/// Runs the personal-information checker over every text of the content (see
/// `domain::text_parts`). The matched text is not kept: the finding says what and where.
pub fn text_findings(content: &Content) -> Vec<TextFinding> {
    let mut out = Vec::new();
    for (field, part, text) in super::domain::text_parts(content) {
        let multiline = text.contains('\n');
        for f in pii::scan(&text) {
            let line = match f.location {
                pii::Location::Line { line } => line,
                _ => 1,
            };
            let place = if multiline { format!("{part}, line {line}") } else { part.clone() };
            out.push(TextFinding {
                kind: f.kind.as_str(),
                label: f.kind.label(),
                field: field.clone(),
                part: part.clone(),
                line,
                place,
            });
        }
    }
    out
}

/// Content for reading: the normalised content, its score's words, its key documents as the
/// library has them now, and likely personal information in its text.
#[derive(Debug, Clone, Serialize)]
pub struct ContentView {
    pub content: Content,
    pub score_label: Option<String>,
    pub empty: bool,
    pub documents: Vec<DocumentView>,
    pub findings: Vec<TextFinding>,
}

pub fn content_view(
    framework: &Framework,
    content: &Content,
    library: Option<&Library>,
    statement: QualityStatementId,
) -> ContentView {
    let content = content.normalised();
    let documents = content
        .documents
        .iter()
        .map(|d| {
            let item = d.evidence_id.and_then(|id| library.and_then(|l| l.item(id)));
            let evidence =
                item.and_then(|i| library.map(|l| evidence_choice(l.assessment.id, i, statement, true)));
            DocumentView {
                title: evidence.as_ref().map_or_else(|| d.title.clone(), |e| e.title.clone()),
                url: d.url.clone(),
                missing: d.evidence_id.filter(|_| evidence.is_none()).map(|id| id.to_string()),
                evidence,
            }
        })
        .collect();
    ContentView {
        score_label: content.score.map(|s| score_label(framework, s)),
        empty: content == Content::default(),
        findings: text_findings(&content),
        documents,
        content,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub when: String,
    pub who: String,
    pub what: String,
    pub comments: String,
}

pub fn event_view(e: &EventRow) -> EventView {
    let v = e.version;
    let what = match e.action.as_str() {
        "save" if e.voided => format!("Saved version {v}: the verification is void"),
        "save" => format!("Saved version {v}"),
        "submit" => format!("Submitted version {v} for verification"),
        "withdraw" => format!("Withdrew version {v} from verification"),
        "return" => format!("Returned version {v} with comments"),
        "verify" => format!(
            "Verified version {v} as {} (content SHA-256 {})",
            e.verifier_post.as_deref().unwrap_or("verifier"),
            e.content_hash
        ),
        other => format!("{other} version {v}"),
    };
    EventView { when: format_datetime(e.at), who: e.actor_name.clone(), what, comments: e.comments.clone() }
}

/// A Stage 1 checklist item offered as a starting point.
#[derive(Debug, Clone, Serialize)]
pub struct StartingPoint {
    pub id: String,
    pub text: String,
    /// The figures in words, such as "82% of 45 ratings agree (50 answers)".
    pub figures: String,
    /// What the "Use this" button sends.
    pub value: String,
}

fn figures(item: &ItemAnalysis) -> Option<String> {
    let m = item.figures.measures.as_ref()?;
    let dont_know = m.counts.get("0").copied().unwrap_or(0);
    let rated = m.n.saturating_sub(dont_know);
    let agree = m.agree_share?;
    Some(format!("{}% of {rated} ratings agree ({} answers)", percent(agree), m.n))
}

/// The statement's items classified as strengths and as areas for improvement, with their
/// figures. Withheld items have no classification, so are never offered.
pub fn starting_points(analysis: &Analysis, statement: &str) -> (Vec<StartingPoint>, Vec<StartingPoint>) {
    let mut strengths = Vec::new();
    let mut improvements = Vec::new();
    for item in analysis.items.iter().filter(|i| i.quality_statement == statement) {
        let (list, kind) = match item.finding.classification {
            Classification::Strength => (&mut strengths, "strength"),
            Classification::Improvement => (&mut improvements, "improvement"),
            _ => continue,
        };
        let Some(figures) = figures(item) else { continue };
        list.push(StartingPoint {
            id: item.id.clone(),
            text: item.text.clone(),
            figures,
            value: format!("{kind}:{}", item.id),
        });
    }
    (strengths, improvements)
}

/// A Stage 1 free-text answer offered as a quotation.
#[derive(Debug, Clone, Serialize)]
pub struct QuoteOption {
    pub key: String,
    pub text: String,
    pub count: u64,
    pub items: String,
    /// The kinds of personal information it likely holds, in words ("an email address"); empty
    /// when none.
    pub personal_information: String,
}

/// A short key for a free-text answer, so "Use this" finds it again whatever else arrives.
pub fn quote_key(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..8])
}

/// How many Stage 1 answers the form offers as quotations.
pub const QUOTES_OFFERED: usize = 25;

pub fn quote_options(given: &[Collated]) -> Vec<QuoteOption> {
    given
        .iter()
        .take(QUOTES_OFFERED)
        .map(|c| QuoteOption {
            key: quote_key(&c.text),
            text: c.text.clone(),
            count: c.count,
            items: c.items.join(", "),
            personal_information: pii::describe_kinds(&c.personal_information),
        })
        .collect()
}

/// What "Use this" did to the form, in words, and the field to go to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Used {
    pub message: String,
    /// The field filled (its id), when something was added.
    pub field: Option<String>,
}

/// Adds a starting point or a quotation (`use` as the button sent it) to the form's content.
pub fn apply_use(
    content: &mut Content,
    value: &str,
    analysis: &Analysis,
    statement: &str,
    quotes: &[Collated],
) -> Used {
    let refused = |message: String| Used { message, field: None };
    let (kind, key) = value.split_once(':').unwrap_or((value, ""));
    match kind {
        "strength" | "improvement" => {
            let Some(item) = analysis.items.iter().find(|i| i.id == key && i.quality_statement == statement)
            else {
                return refused(format!("{key} is not a checklist item of {statement}"));
            };
            let wanted =
                if kind == "strength" { Classification::Strength } else { Classification::Improvement };
            let Some(figures) = figures(item).filter(|_| item.finding.classification == wanted) else {
                return refused(format!(
                    "{key} is no longer {} in the Stage 1 analysis, so it was not added",
                    if kind == "strength" { "a strength" } else { "an area for improvement" }
                ));
            };
            let how_we_know = format!("Stage 1 checklist item {key}: {figures}.");
            if kind == "strength" {
                content
                    .strengths
                    .resize(content.strengths.len().max(super::domain::STRENGTHS), Strength::default());
                let Some(slot) = content.strengths.iter().position(is_empty_strength) else {
                    return refused(format!(
                        "All three areas of strength are filled: clear one to use {key}. Nothing else changed"
                    ));
                };
                content.strengths[slot] =
                    Strength { statement: item.text.clone(), how_we_know, improvement_work: String::new() };
                let n = slot + 1;
                Used {
                    message: format!(
                        "{key} was added as strength {n}. It is not saved yet: save the summary to keep it"
                    ),
                    field: Some(format!("strength_{n}_statement")),
                }
            } else {
                let slot = match content.improvements.iter().position(is_empty_improvement) {
                    Some(slot) => slot,
                    None if content.improvements.len() < MAX_IMPROVEMENTS => {
                        content.improvements.push(Improvement::default());
                        content.improvements.len() - 1
                    }
                    None => {
                        return refused(format!(
                            "There are already {MAX_IMPROVEMENTS} areas for improvement: clear one to use {key}"
                        ));
                    }
                };
                content.improvements[slot] =
                    Improvement { area: item.text.clone(), how_we_know, work: String::new() };
                let n = slot + 1;
                Used {
                    message: format!(
                        "{key} was added as area for improvement {n}. It is not saved yet: save the summary to keep it"
                    ),
                    field: Some(format!("improvement_{n}_area")),
                }
            }
        }
        "quote" => {
            let Some(quote) = quotes.iter().find(|c| quote_key(&c.text) == key) else {
                return refused("That Stage 1 answer is no longer there, so nothing was added".to_owned());
            };
            let slot = match content
                .quotations
                .iter()
                .position(|q| q.text.trim().is_empty() && q.source.trim().is_empty())
            {
                Some(slot) => slot,
                None if content.quotations.len() < MAX_QUOTATIONS => {
                    content.quotations.push(Quotation::default());
                    content.quotations.len() - 1
                }
                None => {
                    return refused(format!(
                        "There are already {MAX_QUOTATIONS} quotations: clear one to add another"
                    ));
                }
            };
            content.quotations[slot] = Quotation {
                text: quote.text.clone(),
                source: "Stage 1 checklist answer (\u{201c}What evidence do you have?\u{201d})".to_owned(),
            };
            let n = slot + 1;
            Used {
                message: format!(
                    "The answer was added as quotation {n}. It is not saved yet: save the summary to keep it"
                ),
                field: Some(format!("quotation_{n}_text")),
            }
        }
        _ => refused("Nothing was added".to_owned()),
    }
}

fn is_empty_strength(s: &Strength) -> bool {
    [&s.statement, &s.how_we_know, &s.improvement_work].iter().all(|t| t.trim().is_empty())
}

fn is_empty_improvement(i: &Improvement) -> bool {
    [&i.area, &i.how_we_know, &i.work].iter().all(|t| t.trim().is_empty())
}

#[derive(Debug, Clone, Serialize)]
pub struct RatingView {
    pub sum: u32,
    pub out_of: u32,
    pub percent: u32,
    pub rating: String,
    pub label: String,
    pub position: &'static str,
    pub position_text: &'static str,
    pub band_min: u32,
    pub band_max: u32,
    pub description: String,
}

pub fn position_text(p: Position) -> &'static str {
    match p {
        Position::Lower => "lower part of the band (nearer the band below)",
        Position::Middle => "middle of the band",
        Position::Upper => "upper part of the band (nearer the band above)",
    }
}

pub fn rating_view(r: &Rating) -> RatingView {
    RatingView {
        sum: r.sum,
        out_of: r.out_of,
        percent: r.percent,
        rating: r.rating.clone(),
        label: r.label.clone(),
        position: r.position.as_str(),
        position_text: position_text(r.position),
        band_min: r.band_min,
        band_max: r.band_max,
        description: super::rating::describe(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_keys_are_short_and_stable() {
        assert_eq!(quote_key("Case file audit"), quote_key("Case file audit"));
        assert_ne!(quote_key("Case file audit"), quote_key("Case file audits"));
        assert_eq!(quote_key("x").len(), 16);
    }

    #[test]
    fn a_quotation_goes_in_the_first_empty_slot() {
        let quotes = vec![Collated {
            text: "Supervision audits".into(),
            count: 3,
            items: vec!["QS1.1".into()],
            personal_information: vec![],
        }];
        let mut content = Content {
            quotations: vec![
                Quotation { text: "Kept".into(), source: "A carer".into() },
                Quotation::default(),
            ],
            ..Content::default()
        };
        let analysis = empty_analysis();
        let used = apply_use(
            &mut content,
            &format!("quote:{}", quote_key("Supervision audits")),
            &analysis,
            "QS1",
            &quotes,
        );
        assert_eq!(used.field.as_deref(), Some("quotation_2_text"));
        assert_eq!(content.quotations[1].text, "Supervision audits");
        assert_eq!(content.quotations[0].text, "Kept");
        let refused = apply_use(&mut content, "quote:0000", &analysis, "QS1", &quotes);
        assert_eq!(refused.field, None);
        let refused = apply_use(&mut content, "strength:QS1.99", &analysis, "QS1", &quotes);
        assert!(refused.message.contains("not a checklist item"), "{}", refused.message);
    }

    fn empty_analysis() -> Analysis {
        let frameworks = crate::framework::Frameworks::shipped().expect("frameworks");
        crate::analysis::model::analyse(crate::analysis::model::Inputs {
            framework: &frameworks.all()[0],
            groups: vec![],
            tallies: vec![],
            responses: vec![],
            thresholds: Default::default(),
            round: None,
            ready_evidence: Default::default(),
        })
    }
}
