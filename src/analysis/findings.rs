//! What the figures of an item suggest: a strength, an area for improvement, differing views
//! or an evidence gap, with the reasons in plain words. The thresholds are per assessment.

use super::stats::{Measures, percent};
use serde::{Deserialize, Serialize};

/// The thresholds of the findings and the smallest group whose figures are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Thresholds {
    /// Figures of a group, round or mode with fewer respondents than this are withheld.
    pub min_group_size: u32,
    /// A strength: at least this share of ratings agree (3 or 4), in per cent.
    pub strength_agree_percent: u32,
    /// An area for improvement: fewer than this share of ratings agree, in per cent.
    pub improvement_agree_percent: u32,
    /// Differing views: groups' agree shares this many percentage points apart, or more.
    pub differing_gap_points: u32,
    /// Differing views: ratings this spread out (consensus below this, in per cent).
    pub differing_consensus_percent: u32,
    /// An evidence gap: at least this share of answers are "Don't know", in per cent.
    pub dont_know_percent: u32,
    /// An evidence gap: fewer than this share of answers say what evidence there is, in per cent.
    pub evidence_percent: u32,
}

/// Never show a group smaller than this, whatever an assessment's setting.
pub const MIN_GROUP_SIZE_FLOOR: u32 = 3;

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_group_size: 5,
            strength_agree_percent: 75,
            improvement_agree_percent: 50,
            differing_gap_points: 30,
            differing_consensus_percent: 45,
            dont_know_percent: 30,
            evidence_percent: 25,
        }
    }
}

impl Thresholds {
    /// Problems with a set of thresholds, by field, in words for the settings form.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if self.min_group_size < MIN_GROUP_SIZE_FLOOR {
            problems.push((
                "min_group_size",
                format!("The smallest group shown must be {MIN_GROUP_SIZE_FLOOR} or more, to keep respondents anonymous"),
            ));
        } else if self.min_group_size > 1000 {
            problems.push(("min_group_size", "The smallest group shown must be 1,000 or fewer".to_owned()));
        }
        let percents = [
            ("strength_agree_percent", self.strength_agree_percent),
            ("improvement_agree_percent", self.improvement_agree_percent),
            ("differing_gap_points", self.differing_gap_points),
            ("differing_consensus_percent", self.differing_consensus_percent),
            ("dont_know_percent", self.dont_know_percent),
            ("evidence_percent", self.evidence_percent),
        ];
        for (field, value) in percents {
            if value > 100 {
                problems.push((field, "Enter a number from 0 to 100".to_owned()));
            }
        }
        if self.improvement_agree_percent > self.strength_agree_percent && self.strength_agree_percent <= 100
        {
            problems.push((
                "improvement_agree_percent",
                "The improvement threshold must not be above the strength threshold".to_owned(),
            ));
        }
        problems
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    EvidenceGap,
    DifferingViews,
    Improvement,
    Strength,
    None,
}

impl Classification {
    /// Findings in the order they take precedence as an item's primary classification: a
    /// gap in evidence first (many "Don't know" make the ratings a minority's view, and CQC
    /// looks for evidence), then differing views, then weakness before strength.
    pub const PRECEDENCE: [Classification; 4] = [
        Classification::EvidenceGap,
        Classification::DifferingViews,
        Classification::Improvement,
        Classification::Strength,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Strength => "strength",
            Classification::Improvement => "improvement",
            Classification::DifferingViews => "differing_views",
            Classification::EvidenceGap => "evidence_gap",
            Classification::None => "none",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Classification::Strength => "Strength",
            Classification::Improvement => "Area for improvement",
            Classification::DifferingViews => "Differing views",
            Classification::EvidenceGap => "Evidence gap",
            Classification::None => "No finding",
        }
    }
}

/// An item's finding: the primary classification, every flag that applies, and why.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Finding {
    pub classification: Classification,
    pub flags: Vec<Classification>,
    pub reasons: Vec<String>,
}

impl Finding {
    pub fn none(reason: Option<String>) -> Finding {
        Finding { classification: Classification::None, flags: vec![], reasons: reason.into_iter().collect() }
    }
}

/// A group's figures as the finding sees them: only groups large enough to be shown.
pub struct GroupFigures<'a> {
    pub name: &'a str,
    pub measures: &'a Measures,
}

/// Classifies an item from its overall figures and those of the groups that may be shown.
pub fn classify(overall: &Measures, groups: &[GroupFigures<'_>], thresholds: &Thresholds) -> Finding {
    let rated = overall.n - overall.counts.get("0").copied().unwrap_or(0);
    if overall.n == 0 {
        return Finding::none(Some("No answers yet".to_owned()));
    }
    let mut flags = Vec::new();
    let mut reasons = Vec::new();
    let share_at_least = |share: Option<f64>, percent_threshold: u32| {
        share.is_some_and(|s| s * 100.0 >= f64::from(percent_threshold) - 1e-9)
    };

    if rated > 0 {
        let agree = overall.agree_share.unwrap_or(0.0);
        if share_at_least(overall.agree_share, thresholds.strength_agree_percent) {
            flags.push(Classification::Strength);
            reasons.push(format!(
                "{}% of ratings agree (strength at {}% or more)",
                percent(agree),
                thresholds.strength_agree_percent
            ));
        }
        if !share_at_least(overall.agree_share, thresholds.improvement_agree_percent) {
            flags.push(Classification::Improvement);
            reasons.push(format!(
                "{}% of ratings agree (area for improvement below {}%)",
                percent(agree),
                thresholds.improvement_agree_percent
            ));
        }
        let shown: Vec<(&str, f64)> =
            groups.iter().filter_map(|g| g.measures.agree_share.map(|s| (g.name, s))).collect();
        let lowest = shown.iter().min_by(|a, b| a.1.total_cmp(&b.1));
        let highest = shown.iter().max_by(|a, b| a.1.total_cmp(&b.1));
        let mut differing = false;
        if let (Some(low), Some(high)) = (lowest, highest)
            && (high.1 - low.1) * 100.0 >= f64::from(thresholds.differing_gap_points) - 1e-9
            && shown.len() >= 2
        {
            differing = true;
            reasons.push(format!(
                "{}: {}% agree; {}: {}% agree",
                low.0,
                percent(low.1),
                high.0,
                percent(high.1)
            ));
        }
        if let Some(consensus) = overall.consensus
            && consensus * 100.0 < f64::from(thresholds.differing_consensus_percent)
        {
            differing = true;
            reasons.push(format!(
                "ratings are spread out: consensus {:.2}, below {:.2}",
                consensus,
                f64::from(thresholds.differing_consensus_percent) / 100.0
            ));
        }
        if differing {
            flags.push(Classification::DifferingViews);
        }
    }

    let mut gap = false;
    if share_at_least(overall.dont_know_share, thresholds.dont_know_percent) {
        gap = true;
        reasons.push(format!(
            "{}% answered \"Don't know\" ({}% or more is an evidence gap)",
            percent(overall.dont_know_share.unwrap_or(0.0)),
            thresholds.dont_know_percent
        ));
    }
    if !share_at_least(overall.evidence_share, thresholds.evidence_percent) {
        gap = true;
        reasons.push(format!(
            "{}% of answers say what evidence there is (below {}% is an evidence gap)",
            percent(overall.evidence_share.unwrap_or(0.0)),
            thresholds.evidence_percent
        ));
    }
    if gap {
        flags.push(Classification::EvidenceGap);
    }

    flags.sort();
    let classification =
        Classification::PRECEDENCE.into_iter().find(|c| flags.contains(c)).unwrap_or(Classification::None);
    Finding { classification, flags, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::stats::Tally;

    fn measures(counts: [u64; 5], with_evidence: u64) -> Measures {
        Tally { counts, with_evidence }.measures()
    }

    fn classify_alone(counts: [u64; 5], with_evidence: u64) -> Finding {
        classify(&measures(counts, with_evidence), &[], &Thresholds::default())
    }

    #[test]
    fn strength_at_and_around_its_threshold() {
        // 75 of 100 ratings agree: a strength; 74: not. Half cite evidence.
        let at = classify_alone([0, 5, 20, 50, 25], 50);
        assert_eq!(at.classification, Classification::Strength, "{at:?}");
        assert!(at.reasons[0].starts_with("75% of ratings agree"), "{:?}", at.reasons);
        let below = classify_alone([0, 5, 21, 50, 24], 50);
        assert!(!below.flags.contains(&Classification::Strength), "{below:?}");
    }

    #[test]
    fn improvement_at_and_around_its_threshold() {
        // 49 of 100 agree: improvement; 50: not (the threshold is "below 50%").
        let below = classify_alone([0, 5, 46, 44, 5], 50);
        assert_eq!(below.classification, Classification::Improvement, "{below:?}");
        let at = classify_alone([0, 5, 45, 45, 5], 50);
        assert!(!at.flags.contains(&Classification::Improvement), "{at:?}");
    }

    #[test]
    fn evidence_gap_from_dont_know_and_from_missing_evidence() {
        // 30 of 100 don't know (at the threshold): a gap.
        let at = classify_alone([30, 0, 5, 40, 25], 50);
        assert!(at.flags.contains(&Classification::EvidenceGap), "{at:?}");
        let below = classify_alone([29, 0, 6, 40, 25], 50);
        assert!(!below.flags.contains(&Classification::EvidenceGap), "{below:?}");
        // 24 of 100 cite evidence: a gap; 25: not.
        let few = classify_alone([0, 0, 10, 50, 40], 24);
        assert_eq!(few.classification, Classification::EvidenceGap, "a strength without evidence");
        assert!(few.flags.contains(&Classification::Strength));
        assert!(few.reasons.iter().any(|r| r.starts_with("24% of answers say what evidence")), "{few:?}");
        let enough = classify_alone([0, 0, 10, 50, 40], 25);
        assert_eq!(enough.classification, Classification::Strength);
    }

    #[test]
    fn differing_views_between_groups_at_and_around_the_gap() {
        let overall = measures([0, 10, 30, 40, 20], 60);
        let people = measures([0, 10, 25, 10, 5], 20); // 30% agree
        let managers = measures([0, 0, 5, 30, 15], 40); // 90% agree: 60 points apart
        let close = measures([0, 5, 10, 20, 15], 40); // 70% agree: 40 points apart
        let nearer = measures([0, 10, 31, 40, 19], 20); // 59% agree: 29 points apart
        let almost = measures([0, 5, 15, 20, 10], 40); // 60% agree: 30 points apart
        let groups = |a: &Measures, b: &Measures| -> Finding {
            classify(
                &overall,
                &[
                    GroupFigures { name: "People who draw on care and support", measures: a },
                    GroupFigures { name: "Managers and leaders", measures: b },
                ],
                &Thresholds::default(),
            )
        };
        let far = groups(&people, &managers);
        assert_eq!(far.classification, Classification::DifferingViews, "{far:?}");
        assert!(
            far.reasons.contains(
                &"People who draw on care and support: 30% agree; Managers and leaders: 90% agree".to_owned()
            ),
            "{:?}",
            far.reasons
        );
        assert_eq!(groups(&people, &close).classification, Classification::DifferingViews);
        assert_eq!(groups(&people, &almost).classification, Classification::DifferingViews, "30 points: at");
        let near = groups(&people, &nearer);
        assert!(!near.flags.contains(&Classification::DifferingViews), "29 points: below {near:?}");
    }

    #[test]
    fn differing_views_from_a_spread_out_distribution() {
        // Half strongly disagree, half strongly agree: consensus 0.
        let split = classify_alone([0, 50, 0, 0, 50], 50);
        assert_eq!(split.classification, Classification::DifferingViews, "{split:?}");
        assert!(split.reasons.iter().any(|r| r.starts_with("ratings are spread out: consensus 0.00")));
        // Tightly grouped answers: no.
        let tight = classify_alone([0, 0, 10, 80, 10], 50);
        assert!(!tight.flags.contains(&Classification::DifferingViews), "{tight:?}");
    }

    #[test]
    fn precedence_of_the_primary_classification() {
        // Disagreeing and weak: differing views first, both flagged.
        let both = classify_alone([0, 30, 10, 0, 20], 30);
        assert_eq!(both.classification, Classification::DifferingViews, "{both:?}");
        assert_eq!(both.flags, [Classification::DifferingViews, Classification::Improvement]);
        // With many "Don't know" as well: an evidence gap first, every flag kept.
        let all = classify_alone([40, 30, 10, 0, 20], 10);
        assert_eq!(all.classification, Classification::EvidenceGap, "{all:?}");
        assert_eq!(
            all.flags,
            [Classification::EvidenceGap, Classification::DifferingViews, Classification::Improvement]
        );
        assert_eq!(classify_alone([0, 0, 0, 0, 0], 0).classification, Classification::None);
        // Only "Don't know": an evidence gap, nothing else.
        let unknown = classify_alone([10, 0, 0, 0, 0], 0);
        assert_eq!(unknown.classification, Classification::EvidenceGap);
        assert_eq!(unknown.flags, [Classification::EvidenceGap]);
    }

    #[test]
    fn thresholds_are_checked() {
        assert!(Thresholds::default().problems().is_empty());
        let small = Thresholds { min_group_size: 2, ..Thresholds::default() };
        assert_eq!(small.problems()[0].0, "min_group_size");
        let over = Thresholds { dont_know_percent: 101, ..Thresholds::default() };
        assert_eq!(over.problems()[0].0, "dont_know_percent");
        let crossed = Thresholds { improvement_agree_percent: 80, ..Thresholds::default() };
        assert_eq!(crossed.problems()[0].0, "improvement_agree_percent");
    }
}
