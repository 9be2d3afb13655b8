//! What the analysis pages show: the analysis turned into rows of words and figures for the
//! templates, and the charts. Pure: an analysis in, serialisable views out.
//!
//! A withheld figure never reaches a template: a withheld row carries `withheld: true` and
//! empty strings where the figures would be.

use serde::Serialize;

use super::charts::{self, ChartText, DivergingRow, HeatMap, Share};
use super::findings::{Classification, Thresholds};
use super::model::{Analysis, ItemAnalysis, Slice, StatementAnalysis};
use super::service::{Collated, StatementText};
use super::stats::Measures;

/// The findings shown as lists, in order, with their headings and tag colours.
pub const LISTED: [(Classification, &str, &str); 4] = [
    (Classification::Strength, "Strengths", "govuk-tag--green"),
    (Classification::Improvement, "Areas for improvement", "govuk-tag--red"),
    (Classification::DifferingViews, "Differing views", "govuk-tag--purple"),
    (Classification::EvidenceGap, "Evidence gaps", "govuk-tag--yellow"),
];

/// A classification's tag colour.
pub fn tag_class(c: Classification) -> &'static str {
    LISTED.iter().find(|(l, ..)| *l == c).map(|(_, _, class)| *class).unwrap_or("govuk-tag--grey")
}

fn share_text(share: Option<f64>) -> String {
    share.map(charts::percent_text).unwrap_or_else(|| "–".to_owned())
}

fn decimal(x: Option<f64>) -> String {
    x.map(|x| format!("{x:.2}")).unwrap_or_else(|| "–".to_owned())
}

/// A share of `part` in `whole` with the count: "25% (2)".
fn part_text(part: u64, whole: u64) -> String {
    if whole == 0 {
        format!("– ({part})")
    } else {
        format!("{} ({part})", charts::percent_text(part as f64 / whole as f64))
    }
}

/// One row of figures in words, or withheld.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Figures {
    pub withheld: bool,
    /// Nothing to show: no answers (not withheld).
    pub empty: bool,
    pub n: String,
    /// Strongly disagree, tend to disagree, tend to agree, strongly agree: share of ratings
    /// with the count; then Don't know: share of all answers with the count.
    pub scale: Vec<String>,
    pub agree: String,
    pub dont_know: String,
    pub mean: String,
    pub consensus: String,
    pub evidence: String,
}

impl Figures {
    pub fn of(measures: Option<&Measures>) -> Figures {
        let Some(m) = measures else {
            return Figures {
                withheld: true,
                empty: false,
                n: String::new(),
                scale: vec![],
                agree: String::new(),
                dont_know: String::new(),
                mean: String::new(),
                consensus: String::new(),
                evidence: String::new(),
            };
        };
        let count = |r: &str| m.counts.get(r).copied().unwrap_or(0);
        let rated: u64 = ["1", "2", "3", "4"].iter().map(|r| count(r)).sum();
        let mut scale: Vec<String> =
            ["1", "2", "3", "4"].iter().map(|r| part_text(count(r), rated)).collect();
        scale.push(part_text(count("0"), m.n));
        Figures {
            withheld: false,
            empty: m.n == 0,
            n: m.n.to_string(),
            scale,
            agree: share_text(m.agree_share),
            dont_know: share_text(m.dont_know_share),
            mean: decimal(m.mean),
            consensus: decimal(m.consensus),
            evidence: share_text(m.evidence_share),
        }
    }
}

fn counts_of(m: &Measures) -> [u64; 5] {
    let mut counts = [0; 5];
    for (r, slot) in counts.iter_mut().enumerate() {
        *slot = m.counts.get(&r.to_string()).copied().unwrap_or(0);
    }
    counts
}

fn agree_of(suppressed: bool, measures: Option<&Measures>) -> Share {
    match (suppressed, measures.and_then(|m| m.agree_share)) {
        (true, _) => Share::Withheld,
        (false, Some(s)) => Share::Of(s),
        (false, None) => Share::Nothing,
    }
}

/// A share for a table cell: the figure, "no ratings", or withheld.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub withheld: bool,
    pub text: String,
}

fn cell(share: Share) -> Cell {
    match share {
        Share::Of(s) => Cell { withheld: false, text: charts::percent_text(s) },
        Share::Withheld => Cell { withheld: true, text: String::new() },
        Share::Nothing => Cell { withheld: false, text: "no ratings".to_owned() },
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SliceRow {
    pub label: String,
    pub figures: Figures,
}

fn slice_rows(slices: &[Slice]) -> Vec<SliceRow> {
    slices
        .iter()
        .map(|s| SliceRow { label: s.label.clone(), figures: Figures::of(s.measures.as_ref()) })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct CountRow {
    pub label: String,
    pub withheld: bool,
    pub responses: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Engagement {
    pub total: CountRow,
    pub by_group: Vec<CountRow>,
    pub by_mode: Vec<CountRow>,
    pub workshops: u64,
    pub participants: u64,
}

fn count_row(label: &str, suppressed: bool, responses: Option<u64>) -> CountRow {
    CountRow {
        label: label.to_owned(),
        withheld: suppressed,
        responses: if suppressed { String::new() } else { responses.unwrap_or(0).to_string() },
    }
}

fn engagement(analysis: &Analysis) -> Engagement {
    let e = &analysis.engagement;
    Engagement {
        total: count_row("All respondents", e.suppressed, e.responses),
        by_group: e.by_group.iter().map(|s| count_row(&s.label, s.suppressed, s.responses)).collect(),
        by_mode: e.by_mode.iter().map(|s| count_row(&s.label, s.suppressed, s.responses)).collect(),
        workshops: e.workshops,
        participants: e.workshop_participants,
    }
}

/// The thresholds in words, with their values.
#[derive(Debug, Clone, Serialize)]
pub struct ThresholdRow {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub suffix: &'static str,
    pub value: u32,
    pub default: u32,
    /// How the threshold reads on the dashboard: "75% or more of ratings agree".
    pub rule: String,
}

/// Each threshold's field name, label, hint and suffix, in the order of the form.
pub const THRESHOLD_FIELDS: [(&str, &str, &str, &str); 7] = [
    (
        "min_group_size",
        "Smallest group whose figures are shown",
        "Figures from fewer respondents than this are withheld on every page, export and in the API. 3 or more.",
        "responses",
    ),
    (
        "strength_agree_percent",
        "Strength: share of ratings that agree, at least",
        "Ratings of 3 (tend to agree) or 4 (strongly agree), of all ratings 1 to 4.",
        "%",
    ),
    (
        "improvement_agree_percent",
        "Area for improvement: share of ratings that agree, below",
        "Must not be above the strength threshold.",
        "%",
    ),
    (
        "differing_gap_points",
        "Differing views: gap between two groups' shares that agree, at least",
        "Only groups whose figures are shown count.",
        "percentage points",
    ),
    (
        "differing_consensus_percent",
        "Differing views: consensus below",
        "Consensus is 100% when everyone gives the same rating and 0% when ratings are split between the two ends.",
        "%",
    ),
    (
        "dont_know_percent",
        "Evidence gap: share of answers that are \u{201c}Don't know\u{201d}, at least",
        "Of all answers, \u{201c}Don't know\u{201d} included.",
        "%",
    ),
    (
        "evidence_percent",
        "Evidence gap: share of answers that say what evidence there is, below",
        "Answers with something in \u{201c}What evidence do you have?\u{201d}.",
        "%",
    ),
];

/// The value of a threshold by field name.
pub fn threshold_value(t: &Thresholds, name: &str) -> u32 {
    match name {
        "min_group_size" => t.min_group_size,
        "strength_agree_percent" => t.strength_agree_percent,
        "improvement_agree_percent" => t.improvement_agree_percent,
        "differing_gap_points" => t.differing_gap_points,
        "differing_consensus_percent" => t.differing_consensus_percent,
        "dont_know_percent" => t.dont_know_percent,
        "evidence_percent" => t.evidence_percent,
        _ => 0,
    }
}

/// Sets a threshold by field name (unknown names are ignored).
pub fn set_threshold(t: &mut Thresholds, name: &str, value: u32) {
    match name {
        "min_group_size" => t.min_group_size = value,
        "strength_agree_percent" => t.strength_agree_percent = value,
        "improvement_agree_percent" => t.improvement_agree_percent = value,
        "differing_gap_points" => t.differing_gap_points = value,
        "differing_consensus_percent" => t.differing_consensus_percent = value,
        "dont_know_percent" => t.dont_know_percent = value,
        "evidence_percent" => t.evidence_percent = value,
        _ => {}
    }
}

pub fn thresholds(t: &Thresholds) -> Vec<ThresholdRow> {
    let defaults = Thresholds::default();
    THRESHOLD_FIELDS
        .iter()
        .map(|(name, label, hint, suffix)| {
            let value = threshold_value(t, name);
            let rule = match *name {
                "min_group_size" => format!("figures from fewer than {value} responses are withheld"),
                "strength_agree_percent" => format!("strength: {value}% or more of ratings agree"),
                "improvement_agree_percent" => {
                    format!("area for improvement: fewer than {value}% of ratings agree")
                }
                "differing_gap_points" => {
                    format!("differing views: two groups' shares that agree are {value} points or more apart")
                }
                "differing_consensus_percent" => {
                    format!("differing views: consensus below {:.2}", f64::from(value) / 100.0)
                }
                "dont_know_percent" => {
                    format!("evidence gap: {value}% or more answered \u{201c}Don't know\u{201d}")
                }
                _ => format!("evidence gap: fewer than {value}% of answers say what evidence there is"),
            };
            ThresholdRow { name, label, hint, suffix, value, default: threshold_value(&defaults, name), rule }
        })
        .collect()
}

/// An item in a list of findings.
#[derive(Debug, Clone, Serialize)]
pub struct FindingItem {
    pub id: String,
    pub quality_statement: String,
    pub text: String,
    pub classification: &'static str,
    pub label: &'static str,
    pub tag: &'static str,
    /// The other findings that apply, in words.
    pub also: Vec<&'static str>,
    pub reasons: Vec<String>,
}

fn finding_item(item: &ItemAnalysis) -> FindingItem {
    let c = item.finding.classification;
    FindingItem {
        id: item.id.clone(),
        quality_statement: item.quality_statement.clone(),
        text: item.text.clone(),
        classification: c.as_str(),
        label: c.label(),
        tag: tag_class(c),
        also: item.finding.flags.iter().filter(|f| **f != c).map(|f| f.label()).collect(),
        reasons: item.finding.reasons.clone(),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingList {
    pub id: &'static str,
    pub heading: &'static str,
    pub tag: &'static str,
    pub items: Vec<FindingItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub text: String,
    pub band: String,
}

fn score(qs: &StatementAnalysis) -> Option<Score> {
    qs.indicative_score.as_ref().map(|s| Score { text: format!("{}%", s.percent), band: s.label.clone() })
}

#[derive(Debug, Clone, Serialize)]
pub struct StatementRow {
    pub id: String,
    pub title: String,
    pub withheld: bool,
    pub cells: Vec<Cell>,
    /// Findings per kind, in the order of [`LISTED`], then no finding.
    pub findings: Vec<u32>,
    pub score: Option<Score>,
    /// CQC's processes category, from the evidence library.
    pub processes: Processes,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub k: u32,
    pub engagement: Engagement,
    pub heat_map: String,
    /// The heat map's columns: all respondents, then each group.
    pub columns: Vec<String>,
    pub statements: Vec<StatementRow>,
    pub finding_headings: Vec<&'static str>,
    pub lists: Vec<FindingList>,
    pub thresholds: Vec<ThresholdRow>,
}

fn heat_row(qs: &StatementAnalysis) -> Vec<Share> {
    let f = &qs.figures;
    std::iter::once(agree_of(f.suppressed, f.measures.as_ref()))
        .chain(f.by_group.iter().map(|s| agree_of(s.suppressed, s.measures.as_ref())))
        .collect()
}

pub fn dashboard(analysis: &Analysis) -> Dashboard {
    let k = analysis.thresholds.min_group_size;
    let columns: Vec<String> = std::iter::once("All respondents".to_owned())
        .chain(analysis.overall.by_group.iter().map(|s| s.label.clone()))
        .collect();
    let rows: Vec<(String, Vec<Share>)> = analysis
        .quality_statements
        .iter()
        .map(|qs| (format!("{} {}", qs.id, qs.title), heat_row(qs)))
        .collect();
    let map = HeatMap { columns: columns.clone(), rows, k };
    let heat_map = charts::heat_map(
        &ChartText {
            id: "heat-map",
            title: "Share of ratings that agree, by quality statement and respondent group",
            description: "A heat map: a row for each quality statement and a column for all respondents and for \
                          each respondent group. Each cell gives the share of ratings of 3 or 4, printed in the \
                          cell; darker red is lower, darker blue higher. Hatched cells are withheld. The same \
                          figures are in the table that follows.",
        },
        &map,
    );
    let statements = analysis
        .quality_statements
        .iter()
        .map(|qs| {
            let count = |c: Classification| qs.findings.get(c.as_str()).copied().unwrap_or(0);
            StatementRow {
                id: qs.id.clone(),
                title: qs.title.clone(),
                withheld: qs.figures.suppressed,
                cells: heat_row(qs).into_iter().map(cell).collect(),
                findings: LISTED
                    .iter()
                    .map(|(c, ..)| count(*c))
                    .chain([count(Classification::None)])
                    .collect(),
                score: score(qs),
                processes: processes(qs),
            }
        })
        .collect();
    let by_class = super::model::items_by_classification(analysis);
    let lists = LISTED
        .iter()
        .map(|(c, heading, tag)| FindingList {
            id: c.as_str(),
            heading,
            tag,
            items: by_class
                .get(c)
                .map(|items| items.iter().map(|i| finding_item(i)).collect())
                .unwrap_or_default(),
        })
        .collect();
    Dashboard {
        k,
        engagement: engagement(analysis),
        heat_map,
        columns,
        statements,
        finding_headings: LISTED
            .iter()
            .map(|(c, ..)| c.label())
            .chain([Classification::None.label()])
            .collect(),
        lists,
        thresholds: thresholds(&analysis.thresholds),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemRow {
    pub id: String,
    pub text: String,
    pub figures: Figures,
    pub finding: FindingItem,
    /// Share that agree, by group (in the order of the groups).
    pub by_group: Vec<Cell>,
}

/// A collated free-text answer for the page, with a warning when it likely holds personal
/// information.
#[derive(Debug, Clone, Serialize)]
pub struct FreeText {
    pub text: String,
    pub count: u64,
    pub items: Vec<String>,
    /// The kinds of personal information it likely holds, in words ("an email address and a
    /// postcode"); empty when none. Never the matched text.
    pub personal_information: String,
}

fn free_text(c: Collated) -> FreeText {
    FreeText {
        personal_information: crate::evidence::pii::describe_kinds(&c.personal_information),
        text: c.text,
        count: c.count,
        items: c.items,
    }
}

/// The processes evidence category of a quality statement, in words.
#[derive(Debug, Clone, Serialize)]
pub struct Processes {
    pub ready_items: u64,
    pub covered: bool,
    /// "Covered: 2 ready items in the evidence library" or "Not covered: no ready item in the
    /// evidence library".
    pub text: String,
}

pub fn processes(qs: &StatementAnalysis) -> Processes {
    let n = qs.processes.ready_items;
    let text = match n {
        0 => "Not covered: no ready item in the evidence library".to_owned(),
        1 => "Covered: 1 ready item in the evidence library".to_owned(),
        n => format!("Covered: {n} ready items in the evidence library"),
    };
    Processes { ready_items: n, covered: qs.processes.covered, text }
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryRow {
    pub title: String,
    pub status: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub id: String,
    pub title: String,
    pub k: u32,
    pub overall: Figures,
    pub score: Option<Score>,
    pub findings: Vec<(&'static str, u32)>,
    pub diverging: String,
    pub items: Vec<ItemRow>,
    pub groups: Vec<String>,
    pub group_chart: String,
    pub by_group: Vec<SliceRow>,
    pub by_category: Vec<SliceRow>,
    pub by_mode: Vec<SliceRow>,
    pub categories: Vec<CategoryRow>,
    /// CQC's processes category, from the evidence library.
    pub processes: Processes,
    /// Free text is withheld with the statement's figures.
    pub text_withheld: bool,
    pub evidence_given: Vec<FreeText>,
    pub evidence_needed: Vec<FreeText>,
    pub truncated: bool,
}

pub fn statement(analysis: &Analysis, qs: &StatementAnalysis, text: Option<StatementText>) -> Statement {
    let k = analysis.thresholds.min_group_size;
    let items: Vec<&ItemAnalysis> = analysis.items.iter().filter(|i| i.quality_statement == qs.id).collect();
    let chart_id = format!("diverging-{}", qs.id.to_lowercase());
    let title = format!("Ratings of each checklist item of {}", qs.id);
    let rows: Vec<DivergingRow> = items
        .iter()
        .map(|i| DivergingRow { label: i.id.clone(), counts: i.figures.measures.as_ref().map(counts_of) })
        .collect();
    let diverging = charts::diverging(
        &ChartText {
            id: &chart_id,
            title: &title,
            description: "Diverging stacked bars, one for each checklist item: the share of ratings that \
                          disagree to the left of the centre line (strongly disagree, hatched, outermost) and \
                          that agree to the right (strongly agree, hatched, outermost), with the totals at the \
                          ends; the share of all answers that are Don't know in a separate bar on the right. \
                          Withheld items say so. The same figures are in the table that follows.",
        },
        &rows,
        k,
    );
    let f = &qs.figures;
    let bars: Vec<(String, Share)> =
        std::iter::once(("All respondents".to_owned(), agree_of(f.suppressed, f.measures.as_ref())))
            .chain(f.by_group.iter().map(|s| (s.label.clone(), agree_of(s.suppressed, s.measures.as_ref()))))
            .collect();
    let group_title = format!("Share of ratings that agree with the items of {}, by respondent group", qs.id);
    let group_chart = charts::share_bars(
        &ChartText {
            id: &format!("groups-{}", qs.id.to_lowercase()),
            title: &group_title,
            description: "Horizontal bars, one for all respondents and one for each respondent group, each the \
                          share of ratings of 3 or 4 over every item of the quality statement, printed at the \
                          end of the bar. Withheld groups say so. The same figures are in the table that follows.",
        },
        &bars,
        k,
    );
    let (text_withheld, given, needed, truncated) = match text {
        Some(t) if !f.suppressed => (false, t.evidence_given, t.evidence_needed, t.truncated),
        _ => (f.suppressed, vec![], vec![], false),
    };
    Statement {
        id: qs.id.clone(),
        title: qs.title.clone(),
        k,
        overall: Figures::of(f.measures.as_ref()),
        score: score(qs),
        findings: LISTED
            .iter()
            .map(|(c, heading, _)| (*heading, qs.findings.get(c.as_str()).copied().unwrap_or(0)))
            .collect(),
        diverging,
        items: items
            .iter()
            .map(|i| ItemRow {
                id: i.id.clone(),
                text: i.text.clone(),
                figures: Figures::of(i.figures.measures.as_ref()),
                finding: finding_item(i),
                by_group: i
                    .figures
                    .by_group
                    .iter()
                    .map(|s| cell(agree_of(s.suppressed, s.measures.as_ref())))
                    .collect(),
            })
            .collect(),
        groups: f.by_group.iter().map(|s| s.label.clone()).collect(),
        group_chart,
        by_group: slice_rows(&f.by_group),
        by_category: slice_rows(&f.by_category),
        by_mode: slice_rows(&f.by_mode),
        categories: qs
            .evidence_categories
            .iter()
            .map(|c| {
                let (status, text) = match c.status.as_str() {
                    "covered" => ("covered", format!("Covered: {} responses", c.respondents.unwrap_or(0))),
                    "too_few" => ("too_few", format!("Not covered: {}", charts::withheld_text(k))),
                    _ => ("none", "Not covered: no answers".to_owned()),
                };
                CategoryRow { title: c.title.clone(), status, text }
            })
            .collect(),
        processes: processes(qs),
        text_withheld,
        evidence_given: given.into_iter().map(free_text).collect(),
        evidence_needed: needed.into_iter().map(free_text).collect(),
        truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stats::Tally;

    #[test]
    fn withheld_figures_are_empty() {
        let f = Figures::of(None);
        assert!(f.withheld);
        assert!(f.n.is_empty() && f.agree.is_empty() && f.scale.is_empty() && f.mean.is_empty());
    }

    #[test]
    fn figures_in_words() {
        let m = Tally { counts: [2, 1, 1, 4, 2], with_evidence: 5 }.measures();
        let f = Figures::of(Some(&m));
        assert_eq!(f.n, "10");
        assert_eq!(f.scale, ["13% (1)", "13% (1)", "50% (4)", "25% (2)", "20% (2)"]);
        assert_eq!((f.agree.as_str(), f.dont_know.as_str(), f.mean.as_str()), ("75%", "20%", "2.88"));
        assert_eq!(f.evidence, "50%");
        let none = Figures::of(Some(&Tally::default().measures()));
        assert_eq!((none.n.as_str(), none.agree.as_str(), none.empty), ("0", "–", true));
        assert!(!f.empty);
    }

    #[test]
    fn thresholds_round_trip_by_name() {
        let mut t = Thresholds::default();
        for (i, (name, ..)) in THRESHOLD_FIELDS.iter().enumerate() {
            set_threshold(&mut t, name, 10 + i as u32);
        }
        let rows = thresholds(&t);
        assert_eq!(rows.iter().map(|r| r.value).collect::<Vec<_>>(), [10, 11, 12, 13, 14, 15, 16]);
        assert_eq!(rows[0].default, 5);
        assert_eq!(rows[1].rule, "strength: 11% or more of ratings agree");
    }
}
