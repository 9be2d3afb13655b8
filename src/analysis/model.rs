//! The Stage 1 analysis of an assessment, built from the running tallies: measures for every
//! item, quality statement, theme and the whole, by respondent group, CQC evidence category and
//! mode of engagement, with small groups withheld. Pure: the store hands in the rows.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::findings::{Classification, Finding, GroupFigures, Thresholds, classify};
use super::stats::{Measures, Tally};
use crate::engagement::domain::GROUP_CATEGORIES;
use crate::framework::{ChecklistItemId, Framework};

/// A respondent group of the assessment.
#[derive(Debug, Clone)]
pub struct GroupInfo {
    pub id: Uuid,
    pub name: String,
    pub category: String,
}

/// One row of `answer_tallies`.
#[derive(Debug, Clone)]
pub struct TallyRow {
    /// The nil id for responses without a round.
    pub round_id: Uuid,
    pub group_id: Uuid,
    pub mode: String,
    pub item: String,
    pub rating: i64,
    pub answers: i64,
    pub with_evidence: i64,
}

/// One row of `response_tallies`.
#[derive(Debug, Clone)]
pub struct ResponseTallyRow {
    pub round_id: Uuid,
    pub group_id: Uuid,
    pub mode: String,
    pub responses: i64,
    pub participants: i64,
}

/// The modes of engagement, in the order shown.
pub const MODES: [(&str, &str); 4] = [
    ("survey", "Survey"),
    ("staff", "Staff answering as themselves"),
    ("workshop", "Workshop or working group"),
    ("import", "Imported from a spreadsheet"),
];

/// Figures for one slice (a group, a category or a mode): withheld when too few answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Slice {
    /// A group's id, a category's id (`peoples_experience` …) or a mode (`survey` …).
    pub id: String,
    pub label: String,
    /// True when fewer than the assessment's smallest group size answered (or when showing
    /// this slice would let a withheld one be worked out by subtraction).
    pub suppressed: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub measures: Option<Measures>,
}

/// The same measures for a unit (item, quality statement, theme or the whole), overall and by
/// group, category and mode.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Breakdown {
    pub suppressed: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub measures: Option<Measures>,
    pub by_group: Vec<Slice>,
    pub by_category: Vec<Slice>,
    pub by_mode: Vec<Slice>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemAnalysis {
    /// The checklist item, such as `QS1.3`.
    pub id: String,
    pub quality_statement: String,
    pub text: String,
    #[serde(flatten)]
    pub figures: Breakdown,
    #[serde(flatten)]
    pub finding: Finding,
}

/// Mean rating as a percentage of 4, put through CQC's rating bands. Indicative only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndicativeScore {
    pub percent: u32,
    /// 1 to 4, by the band the percentage falls in.
    pub score: u8,
    /// `inadequate`, `requires_improvement`, `good` or `outstanding`.
    pub band: String,
    pub label: String,
}

/// Whether one of CQC's evidence categories is informed by the answers gathered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryCoverage {
    pub id: String,
    pub title: String,
    /// `covered` (enough respondents to show), `too_few` (some, fewer than the smallest group
    /// shown) or `none`.
    pub status: String,
    pub covered: bool,
    /// Respondents, when covered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub respondents: Option<u64>,
}

/// CQC's processes evidence category for a quality statement. It comes from the evidence
/// library, not from the answers: the ready items supporting the statement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProcessesEvidence {
    /// Ready items of the assessment's evidence library that support the statement, named on
    /// the item or through its Information Return items (draft items, items needing redaction
    /// and withdrawn items do not count).
    pub ready_items: u64,
    /// `covered` (at least one ready item) or `none`.
    pub status: String,
    pub covered: bool,
}

impl ProcessesEvidence {
    pub fn of(ready_items: u64) -> ProcessesEvidence {
        let covered = ready_items > 0;
        ProcessesEvidence {
            ready_items,
            status: if covered { "covered" } else { "none" }.to_owned(),
            covered,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatementAnalysis {
    pub id: String,
    pub theme: String,
    pub title: String,
    #[serde(flatten)]
    pub figures: Breakdown,
    /// Absent when the figures are withheld or there are no ratings.
    pub indicative_score: Option<IndicativeScore>,
    /// The evidence categories the answers inform (through the respondent groups' categories).
    pub evidence_categories: Vec<CategoryCoverage>,
    /// The processes evidence category, from the evidence library as it is now (whatever the
    /// round filter).
    pub processes: ProcessesEvidence,
    /// How many of its items have each primary classification.
    pub findings: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThemeAnalysis {
    pub id: String,
    pub title: String,
    #[serde(flatten)]
    pub figures: Breakdown,
    pub indicative_score: Option<IndicativeScore>,
}

/// Responses gathered, by group and by mode (workshops count once each).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Engagement {
    pub suppressed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responses: Option<u64>,
    pub by_group: Vec<CountSlice>,
    pub by_mode: Vec<CountSlice>,
    /// Workshops and working groups held, and the people at them.
    pub workshops: u64,
    pub workshop_participants: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountSlice {
    pub id: String,
    pub label: String,
    pub suppressed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responses: Option<u64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Analysis {
    /// The round the figures are limited to, if any.
    pub round: Option<Uuid>,
    pub thresholds: Thresholds,
    pub engagement: Engagement,
    pub overall: Breakdown,
    pub items: Vec<ItemAnalysis>,
    pub quality_statements: Vec<StatementAnalysis>,
    pub themes: Vec<ThemeAnalysis>,
}

/// Where each slice sits in a unit's vectors: 0 the whole, then groups, categories, modes.
struct Layout {
    groups: Vec<GroupInfo>,
    /// For each group, the index of its category in `GROUP_CATEGORIES`.
    group_category: Vec<Option<usize>>,
}

impl Layout {
    fn len(&self) -> usize {
        1 + self.groups.len() + GROUP_CATEGORIES.len() + MODES.len()
    }
    fn group(&self, i: usize) -> usize {
        1 + i
    }
    fn category(&self, c: usize) -> usize {
        1 + self.groups.len() + c
    }
    fn mode(&self, m: usize) -> usize {
        1 + self.groups.len() + GROUP_CATEGORIES.len() + m
    }

    /// Each relation says the first cell is the sum of the others.
    fn relations(&self) -> Vec<Vec<usize>> {
        let mut relations = vec![
            std::iter::once(0).chain((0..self.groups.len()).map(|g| self.group(g))).collect(),
            std::iter::once(0).chain((0..GROUP_CATEGORIES.len()).map(|c| self.category(c))).collect(),
            std::iter::once(0).chain((0..MODES.len()).map(|m| self.mode(m))).collect::<Vec<_>>(),
        ];
        for c in 0..GROUP_CATEGORIES.len() {
            let members = (0..self.groups.len()).filter(|&g| self.group_category[g] == Some(c));
            relations.push(std::iter::once(self.category(c)).chain(members.map(|g| self.group(g))).collect());
        }
        relations
    }
}

/// A unit's tallies and respondents per slice (respondents of pooled units are the largest
/// number who answered any one item: a lower bound, so withholding errs on the safe side).
#[derive(Clone)]
struct Unit {
    tallies: Vec<Tally>,
    respondents: Vec<u64>,
}

impl Unit {
    fn new(len: usize) -> Unit {
        Unit { tallies: vec![Tally::default(); len], respondents: vec![0; len] }
    }

    fn pool(&mut self, other: &Unit) {
        for (mine, theirs) in self.tallies.iter_mut().zip(&other.tallies) {
            mine.add(theirs);
        }
        for (mine, theirs) in self.respondents.iter_mut().zip(&other.respondents) {
            *mine = (*mine).max(*theirs);
        }
    }
}

/// Which cells to withhold: those with 1 to k−1 respondents, then, until nothing changes, one
/// more in any sum that would otherwise give a withheld cell away by subtraction (the smallest
/// other non-empty part, or the total when there is none).
pub fn withheld(respondents: &[u64], relations: &[Vec<usize>], k: u64) -> Vec<bool> {
    let mut hidden: Vec<bool> = respondents.iter().map(|&n| n > 0 && n < k).collect();
    loop {
        let mut changed = false;
        for relation in relations {
            let (total, parts) = (relation[0], &relation[1..]);
            if hidden[total] {
                continue;
            }
            let hidden_parts = parts.iter().filter(|&&p| hidden[p] && respondents[p] > 0).count();
            if hidden_parts != 1 {
                continue;
            }
            let smallest_shown =
                parts.iter().filter(|&&p| !hidden[p] && respondents[p] > 0).min_by_key(|&&p| respondents[p]);
            match smallest_shown {
                Some(&p) => hidden[p] = true,
                None => hidden[total] = true,
            }
            changed = true;
        }
        if !changed {
            return hidden;
        }
    }
}

/// Everything the analysis needs, handed in by the store.
pub struct Inputs<'a> {
    pub framework: &'a Framework,
    pub groups: Vec<GroupInfo>,
    pub tallies: Vec<TallyRow>,
    pub responses: Vec<ResponseTallyRow>,
    pub thresholds: Thresholds,
    /// Limit the figures to one round.
    pub round: Option<Uuid>,
    /// Ready evidence library items per quality statement (`QS1` → 3): the processes category.
    pub ready_evidence: BTreeMap<String, u64>,
}

pub fn analyse(inputs: Inputs<'_>) -> Analysis {
    let Inputs { framework, groups, tallies, responses, thresholds, round, ready_evidence } = inputs;
    let k = u64::from(thresholds.min_group_size.max(super::findings::MIN_GROUP_SIZE_FLOOR));
    let group_category =
        groups.iter().map(|g| GROUP_CATEGORIES.iter().position(|(id, _)| *id == g.category)).collect();
    let layout = Layout { groups, group_category };
    let relations = layout.relations();
    let group_index: HashMap<Uuid, usize> =
        layout.groups.iter().enumerate().map(|(i, g)| (g.id, i)).collect();
    let mode_index = |mode: &str| MODES.iter().position(|(id, _)| *id == mode);
    // The cells a row of a group and mode adds to.
    let cells_for = |group_id: Uuid, mode: &str| -> Vec<usize> {
        let mut cells = vec![0];
        if let Some(&g) = group_index.get(&group_id) {
            cells.push(layout.group(g));
            if let Some(c) = layout.group_category[g] {
                cells.push(layout.category(c));
            }
        }
        if let Some(m) = mode_index(mode) {
            cells.push(layout.mode(m));
        }
        cells
    };

    // Every figure is computed for each "view": 0 is all rounds together, then one per round
    // (and one for responses without a round). Withholding looks at all views at once, so a
    // small round cannot be worked out as "all rounds" minus the others.
    let mut view_rounds: Vec<Uuid> =
        tallies.iter().map(|r| r.round_id).chain(responses.iter().map(|r| r.round_id)).chain(round).collect();
    view_rounds.sort();
    view_rounds.dedup();
    let views = 1 + view_rounds.len();
    let view_of = |id: Uuid| view_rounds.binary_search(&id).map_or(0, |i| i + 1);
    let selected = round.map_or(0, view_of);
    let cells = layout.len();
    let grid = grid_relations(&relations, cells, views);

    let mut by_item: HashMap<ChecklistItemId, Vec<Unit>> = HashMap::new();
    for row in &tallies {
        let (Ok(item), Ok(rating)) = (row.item.parse::<ChecklistItemId>(), usize::try_from(row.rating))
        else {
            continue;
        };
        if rating > 4 {
            continue;
        }
        let units = by_item.entry(item).or_insert_with(|| vec![Unit::new(cells); views]);
        let answers = u64::try_from(row.answers).unwrap_or(0);
        let with_evidence = u64::try_from(row.with_evidence).unwrap_or(0);
        let view = view_of(row.round_id);
        for view in [0, view].into_iter().take(if view == 0 { 1 } else { 2 }) {
            for cell in cells_for(row.group_id, &row.mode) {
                units[view].tallies[cell].counts[rating] += answers;
                units[view].tallies[cell].with_evidence += with_evidence;
            }
        }
    }
    // An item's respondents are its answers: each response answers an item at most once.
    for unit in by_item.values_mut().flatten() {
        unit.respondents = unit.tallies.iter().map(Tally::n).collect();
    }

    let breakdown = |units: &[Unit]| -> Breakdown {
        let sizes: Vec<u64> = units.iter().flat_map(|u| u.respondents.iter().copied()).collect();
        let hidden_everywhere = withheld(&sizes, &grid, k);
        let hidden = &hidden_everywhere[selected * cells..(selected + 1) * cells];
        let unit = &units[selected];
        let slice = |cell: usize, id: String, label: String| Slice {
            id,
            label,
            suppressed: hidden[cell],
            measures: (!hidden[cell]).then(|| unit.tallies[cell].measures()),
        };
        Breakdown {
            suppressed: hidden[0],
            measures: (!hidden[0]).then(|| unit.tallies[0].measures()),
            by_group: layout
                .groups
                .iter()
                .enumerate()
                .map(|(g, info)| slice(layout.group(g), info.id.to_string(), info.name.clone()))
                .collect(),
            by_category: GROUP_CATEGORIES
                .iter()
                .enumerate()
                .map(|(c, (id, label))| slice(layout.category(c), (*id).to_owned(), (*label).to_owned()))
                .collect(),
            by_mode: MODES
                .iter()
                .enumerate()
                .map(|(m, (id, label))| slice(layout.mode(m), (*id).to_owned(), (*label).to_owned()))
                .collect(),
        }
    };
    let withheld_reason = format!("Fewer than {k} responses: figures withheld");

    let empty = vec![Unit::new(cells); views];
    let pool = |into: &mut [Unit], from: &[Unit]| into.iter_mut().zip(from).for_each(|(a, b)| a.pool(b));
    let mut items = Vec::new();
    let mut statements = Vec::new();
    let mut themes = Vec::new();
    let mut whole = empty.clone();
    for theme in &framework.themes {
        let mut theme_unit = empty.clone();
        for qs in &theme.quality_statements {
            let mut qs_unit = empty.clone();
            let mut findings: BTreeMap<String, u32> = BTreeMap::new();
            for item in &qs.checklist_items {
                let units = by_item.get(&item.id).unwrap_or(&empty);
                pool(&mut qs_unit, units);
                let figures = breakdown(units);
                let finding = match &figures.measures {
                    None if figures.suppressed => Finding::none(Some(withheld_reason.clone())),
                    None => Finding::none(Some("No answers yet".to_owned())),
                    Some(overall) => {
                        let shown: Vec<GroupFigures<'_>> = figures
                            .by_group
                            .iter()
                            .filter_map(|s| {
                                s.measures.as_ref().map(|m| GroupFigures { name: &s.label, measures: m })
                            })
                            .collect();
                        classify(overall, &shown, &thresholds)
                    }
                };
                *findings.entry(finding.classification.as_str().to_owned()).or_default() += 1;
                items.push(ItemAnalysis {
                    id: item.id.to_string(),
                    quality_statement: qs.id.to_string(),
                    text: item.text.clone(),
                    figures,
                    finding,
                });
            }
            pool(&mut theme_unit, &qs_unit);
            let figures = breakdown(&qs_unit);
            let evidence_categories = GROUP_CATEGORIES
                .iter()
                .enumerate()
                .map(|(c, (id, title))| {
                    let respondents = qs_unit[selected].respondents[layout.category(c)];
                    let shown = figures.by_category[c].measures.is_some();
                    let status = match (respondents, shown) {
                        (0, _) => "none",
                        (_, true) => "covered",
                        (_, false) => "too_few",
                    };
                    CategoryCoverage {
                        id: (*id).to_owned(),
                        title: (*title).to_owned(),
                        status: status.to_owned(),
                        covered: status == "covered",
                        respondents: (status == "covered").then_some(respondents),
                    }
                })
                .collect();
            statements.push(StatementAnalysis {
                id: qs.id.to_string(),
                theme: theme.id.to_string(),
                title: qs.title.clone(),
                indicative_score: indicative_score(framework, &figures),
                figures,
                evidence_categories,
                processes: ProcessesEvidence::of(
                    ready_evidence.get(&qs.id.to_string()).copied().unwrap_or(0),
                ),
                findings,
            });
        }
        pool(&mut whole, &theme_unit);
        let figures = breakdown(&theme_unit);
        themes.push(ThemeAnalysis {
            id: theme.id.to_string(),
            title: theme.title.clone(),
            indicative_score: indicative_score(framework, &figures),
            figures,
        });
    }

    Analysis {
        round,
        thresholds,
        engagement: engagement(&layout, &grid, &responses, (views, selected, &view_of), k),
        overall: breakdown(&whole),
        items,
        quality_statements: statements,
        themes,
    }
}

/// Mean rating as a percentage of 4 (rounded to the nearest whole number) in CQC's bands.
pub fn indicative_score(framework: &Framework, figures: &Breakdown) -> Option<IndicativeScore> {
    let mean = figures.measures.as_ref()?.mean?;
    let percent = (mean / 4.0 * 100.0).round() as u32;
    let bands = &framework.scoring.rating_bands;
    let (position, band) = bands
        .iter()
        .enumerate()
        .find(|(_, b)| (u32::from(b.min_percent)..=u32::from(b.max_percent)).contains(&percent))?;
    Some(IndicativeScore {
        percent,
        score: u8::try_from(position + 1).unwrap_or(4),
        band: band.id.clone(),
        label: band.label.clone(),
    })
}

/// Turns relations between one view's cells into relations over every view's cells (view v's
/// cell c is `v * cells + c`), plus, for each cell, "all rounds = the sum of the rounds".
fn grid_relations(relations: &[Vec<usize>], cells: usize, views: usize) -> Vec<Vec<usize>> {
    let mut grid: Vec<Vec<usize>> = (0..views)
        .flat_map(|v| relations.iter().map(move |r| r.iter().map(|c| v * cells + c).collect()))
        .collect();
    if views > 2 {
        grid.extend((0..cells).map(|c| (0..views).map(|v| v * cells + c).collect()));
    }
    grid
}

fn engagement(
    layout: &Layout,
    grid: &[Vec<usize>],
    rows: &[ResponseTallyRow],
    (views, selected, view_of): (usize, usize, &dyn Fn(Uuid) -> usize),
    k: u64,
) -> Engagement {
    let cells = layout.len();
    let mut counts = vec![0u64; cells * views];
    let (mut workshops, mut participants) = (0u64, 0u64);
    for row in rows {
        let n = u64::try_from(row.responses).unwrap_or(0);
        let view = view_of(row.round_id);
        for offset in [0, view * cells].into_iter().take(if view == 0 { 1 } else { 2 }) {
            counts[offset] += n;
            if let Some(g) = layout.groups.iter().position(|g| g.id == row.group_id) {
                counts[offset + layout.group(g)] += n;
                if let Some(c) = layout.group_category[g] {
                    counts[offset + layout.category(c)] += n;
                }
            }
            if let Some(m) = MODES.iter().position(|(id, _)| *id == row.mode) {
                counts[offset + layout.mode(m)] += n;
            }
        }
        if row.mode == "workshop" && (selected == 0 || view == selected) {
            workshops += n;
            participants += u64::try_from(row.participants).unwrap_or(0);
        }
    }
    let hidden_everywhere = withheld(&counts, grid, k);
    let hidden = &hidden_everywhere[selected * cells..(selected + 1) * cells];
    let counts = &counts[selected * cells..(selected + 1) * cells];
    let slice = |cell: usize, id: String, label: String| CountSlice {
        id,
        label,
        suppressed: hidden[cell],
        responses: (!hidden[cell]).then_some(counts[cell]),
    };
    Engagement {
        suppressed: hidden[0],
        responses: (!hidden[0]).then_some(counts[0]),
        by_group: layout
            .groups
            .iter()
            .enumerate()
            .map(|(g, info)| slice(layout.group(g), info.id.to_string(), info.name.clone()))
            .collect(),
        by_mode: MODES
            .iter()
            .enumerate()
            .map(|(m, (id, label))| slice(layout.mode(m), (*id).to_owned(), (*label).to_owned()))
            .collect(),
        // Workshops are group answers, not individuals': their number is not withheld.
        workshops,
        workshop_participants: participants,
    }
}

/// The primary classification of every item, for dashboards: items by finding.
pub fn items_by_classification(analysis: &Analysis) -> BTreeMap<Classification, Vec<&ItemAnalysis>> {
    let mut lists: BTreeMap<Classification, Vec<&ItemAnalysis>> = BTreeMap::new();
    for item in &analysis.items {
        lists.entry(item.finding.classification).or_default().push(item);
    }
    lists
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_single_small_cell_takes_another_with_it() {
        // Whole 23 = groups 20 + 3: the 3 is withheld, and so the 20 (else 23 − 20 = 3).
        let relations = vec![vec![0, 1, 2]];
        assert_eq!(withheld(&[23, 20, 3], &relations, 5), [false, true, true]);
        // Two small cells withheld already: nothing more.
        assert_eq!(withheld(&[30, 24, 3, 3], &[vec![0, 1, 2, 3]], 5), [false, false, true, true]);
        // A small cell whose siblings are empty: the total would give it away.
        assert_eq!(withheld(&[3, 3, 0], &relations, 5), [true, true, false]);
        // Empty cells are not withheld (nothing to protect) and large ones are shown.
        assert_eq!(withheld(&[10, 10, 0], &relations, 5), [false, false, false]);
    }

    fn rows(round: Uuid, group: Uuid, respondents: i64) -> (Vec<TallyRow>, Vec<ResponseTallyRow>) {
        let answers = (1..=4)
            .map(|rating| TallyRow {
                round_id: round,
                group_id: group,
                mode: "survey".into(),
                item: "QS1.1".into(),
                rating,
                answers: if rating == 3 { respondents } else { 0 },
                with_evidence: 0,
            })
            .collect();
        let responses = vec![ResponseTallyRow {
            round_id: round,
            group_id: group,
            mode: "survey".into(),
            responses: respondents,
            participants: 0,
        }];
        (answers, responses)
    }

    #[test]
    fn a_small_round_cannot_be_worked_out_from_all_rounds_minus_the_others() {
        let frameworks = crate::framework::Frameworks::shipped().expect("frameworks");
        let framework = &frameworks.all()[0];
        let group = GroupInfo {
            id: Uuid::now_v7(),
            name: "Unpaid carers".into(),
            category: "peoples_experience".into(),
        };
        let (small, big) = (Uuid::now_v7(), Uuid::now_v7());
        let (mut tallies, mut responses) = rows(small, group.id, 3);
        let (more_tallies, more_responses) = rows(big, group.id, 10);
        tallies.extend(more_tallies);
        responses.extend(more_responses);
        let analyse_round = |round| {
            analyse(Inputs {
                framework,
                groups: vec![group.clone()],
                tallies: tallies.clone(),
                responses: responses.clone(),
                thresholds: Thresholds::default(),
                round,
                ready_evidence: BTreeMap::new(),
            })
        };
        let all = analyse_round(None);
        assert_eq!(all.items[0].figures.measures.as_ref().map(|m| m.n), Some(13), "all rounds: 13 shown");
        assert_eq!(all.engagement.responses, Some(13));
        let small_round = analyse_round(Some(small));
        assert!(small_round.items[0].figures.suppressed, "3 respondents: withheld");
        assert!(small_round.engagement.suppressed);
        // 13 − 10 would give the 3 away: the big round is withheld too.
        let big_round = analyse_round(Some(big));
        assert!(big_round.items[0].figures.suppressed, "10 respondents, but 13 − 10 = 3");
        assert!(big_round.engagement.suppressed);
    }

    proptest! {
        #[test]
        fn no_withheld_cell_can_be_worked_out_from_one_sum(parts in prop::collection::vec(0u64..12, 1..7), k in 3u64..8) {
            let total: u64 = parts.iter().sum();
            let respondents: Vec<u64> = std::iter::once(total).chain(parts.iter().copied()).collect();
            let relations = vec![(0..respondents.len()).collect::<Vec<_>>()];
            let hidden = withheld(&respondents, &relations, k);
            for (cell, &n) in respondents.iter().enumerate() {
                if n > 0 && n < k {
                    prop_assert!(hidden[cell], "small cell {cell} shown: {respondents:?} {hidden:?}");
                }
            }
            // With the total shown, never exactly one non-empty part withheld.
            if !hidden[0] {
                let hidden_parts = (1..respondents.len()).filter(|&p| hidden[p] && respondents[p] > 0).count();
                prop_assert!(hidden_parts != 1, "{respondents:?} {hidden:?}");
            }
        }

        #[test]
        fn raising_k_never_shows_more(parts in prop::collection::vec(0u64..12, 1..7), k in 3u64..8) {
            let total: u64 = parts.iter().sum();
            let respondents: Vec<u64> = std::iter::once(total).chain(parts.iter().copied()).collect();
            let relations = vec![(0..respondents.len()).collect::<Vec<_>>()];
            let small = withheld(&respondents, &relations, k);
            let large = withheld(&respondents, &relations, k + 1);
            // Monotone for cells below the threshold: withheld at k, withheld at k + 1.
            for cell in 0..respondents.len() {
                if respondents[cell] > 0 && respondents[cell] < k {
                    prop_assert!(small[cell] && large[cell]);
                }
            }
            let shown = |hidden: &[bool]| hidden.iter().filter(|h| !**h).count();
            prop_assert!(shown(&large) <= shown(&small), "{respondents:?} {small:?} {large:?}");
        }
    }
}
