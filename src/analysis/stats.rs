//! The measures of a set of answers: counts, shares, mean and consensus. Pure arithmetic.

use serde::Serialize;
use std::collections::BTreeMap;

/// Answers to one item (or pooled over several): how many gave each answer, 0 (Don't know)
/// to 4 (Strongly agree), and how many said what evidence they have.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub counts: [u64; 5],
    pub with_evidence: u64,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
        self.with_evidence += other.with_evidence;
    }

    /// Every answer, "Don't know" included.
    pub fn n(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Answers on the 1–4 scale.
    pub fn rated(&self) -> u64 {
        self.counts[1..].iter().sum()
    }

    pub fn measures(&self) -> Measures {
        let n = self.n();
        let rated = self.rated();
        let share = |part: u64, whole: u64| (whole > 0).then(|| round4(part as f64 / whole as f64));
        let mean = (rated > 0).then(|| {
            let sum: u64 = (1..=4).map(|r| r as u64 * self.counts[r]).sum();
            sum as f64 / rated as f64
        });
        Measures {
            n,
            counts: (0..=4).map(|r| (r.to_string(), self.counts[r])).collect(),
            dont_know_share: share(self.counts[0], n),
            agree_share: share(self.counts[3] + self.counts[4], rated),
            mean: mean.map(round4),
            consensus: consensus(&self.counts).map(round4),
            evidence_share: share(self.with_evidence, n),
        }
    }
}

/// What the analysis reports of a set of answers. Shares are fractions from 0 to 1; a measure
/// with nothing to measure (no ratings, say) is `None`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Measures {
    /// Answers, "Don't know" included.
    pub n: u64,
    /// Answers of each kind, keyed "0" (Don't know) to "4" (Strongly agree).
    pub counts: BTreeMap<String, u64>,
    /// Share of answers that are "Don't know".
    pub dont_know_share: Option<f64>,
    /// Share of ratings (1–4) that are 3 or 4.
    pub agree_share: Option<f64>,
    /// Mean of the ratings 1–4.
    pub mean: Option<f64>,
    /// Tastle and Wierman's consensus of the ratings 1–4: 1 when all agree, 0 when split
    /// evenly between the two ends.
    pub consensus: Option<f64>,
    /// Share of answers that say what evidence the respondent has.
    pub evidence_share: Option<f64>,
}

/// Tastle and Wierman's consensus (2007) of ratings on the 1–4 scale:
/// `Cns = 1 + Σ pᵢ · log₂(1 − |i − μ| / (4 − 1))`, where pᵢ is the share of ratings equal to i
/// and μ their mean. "Don't know" (`counts[0]`) is left out. `None` without ratings.
pub fn consensus(counts: &[u64; 5]) -> Option<f64> {
    let rated: u64 = counts[1..].iter().sum();
    if rated == 0 {
        return None;
    }
    let total = rated as f64;
    let mean = (1..=4).map(|r| r as f64 * counts[r] as f64).sum::<f64>() / total;
    let width = 3.0;
    let sum: f64 = (1..=4)
        .filter(|&r| counts[r] > 0)
        .map(|r| {
            let p = counts[r] as f64 / total;
            // |i − μ| = 3 only when every rating is at the other end, where pᵢ = 0 (skipped).
            p * (1.0 - (r as f64 - mean).abs() / width).log2()
        })
        .sum();
    Some((1.0 + sum).clamp(0.0, 1.0))
}

/// Rounds to four decimal places, so figures read the same in every output.
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// A share as a whole percentage, for people to read.
pub fn percent(share: f64) -> u64 {
    (share * 100.0).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tally(counts: [u64; 5], with_evidence: u64) -> Tally {
        Tally { counts, with_evidence }
    }

    #[test]
    fn measures_of_a_known_set() {
        // 2 don't know, 1 × 1, 1 × 2, 4 × 3, 2 × 4; 5 cite evidence.
        let m = tally([2, 1, 1, 4, 2], 5).measures();
        assert_eq!(m.n, 10);
        assert_eq!(m.counts["0"], 2);
        assert_eq!(m.counts["4"], 2);
        assert_eq!(m.dont_know_share, Some(0.2));
        assert_eq!(m.agree_share, Some(0.75));
        assert_eq!(m.mean, Some(2.875));
        assert_eq!(m.evidence_share, Some(0.5));
    }

    #[test]
    fn nothing_to_measure_is_none_not_zero() {
        let m = Tally::default().measures();
        assert_eq!((m.n, m.agree_share, m.mean, m.consensus, m.dont_know_share), (0, None, None, None, None));
        let only_dont_know = tally([3, 0, 0, 0, 0], 0).measures();
        assert_eq!(only_dont_know.dont_know_share, Some(1.0));
        assert_eq!((only_dont_know.agree_share, only_dont_know.mean), (None, None));
    }

    #[test]
    fn consensus_matches_tastle_and_wierman() {
        // Everyone gives the same rating: full consensus.
        assert_eq!(consensus(&[0, 0, 0, 7, 0]), Some(1.0));
        // Split evenly between the two ends: none.
        assert_eq!(consensus(&[0, 5, 0, 0, 5]), Some(0.0));
        // Uniform over 1–4: μ = 2.5; 1 + ½·log₂(½) + ½·log₂(5/6) ≈ 0.3685.
        let uniform = consensus(&[0, 1, 1, 1, 1]).unwrap();
        assert!((uniform - (1.0 + 0.5 * 0.5f64.log2() + 0.5 * (5.0f64 / 6.0).log2())).abs() < 1e-12);
        // Don't know does not count.
        assert_eq!(consensus(&[9, 0, 0, 7, 0]), Some(1.0));
        assert_eq!(consensus(&[9, 0, 0, 0, 0]), None);
    }

    fn any_counts() -> impl Strategy<Value = [u64; 5]> {
        prop::array::uniform5(0u64..200)
    }

    proptest! {
        #[test]
        fn counts_add_up_and_shares_are_in_bounds(counts in any_counts(), cite in 0u64..1000) {
            let with_evidence = cite.min(counts.iter().sum::<u64>() - counts[0]);
            let m = tally(counts, with_evidence).measures();
            prop_assert_eq!(m.n, m.counts.values().sum::<u64>());
            for share in [m.dont_know_share, m.agree_share, m.evidence_share, m.consensus].into_iter().flatten() {
                prop_assert!((0.0..=1.0).contains(&share), "{share}");
            }
            if let Some(mean) = m.mean {
                prop_assert!((1.0..=4.0).contains(&mean), "{mean}");
            }
        }

        #[test]
        fn pooling_is_the_sum_in_any_order(parts in prop::collection::vec((any_counts(), 0u64..50), 1..8)) {
            let tallies: Vec<Tally> = parts.iter().map(|(c, e)| tally(*c, *e)).collect();
            let mut forward = Tally::default();
            tallies.iter().for_each(|t| forward.add(t));
            let mut backward = Tally::default();
            tallies.iter().rev().for_each(|t| backward.add(t));
            prop_assert_eq!(forward, backward);
            prop_assert_eq!(forward.n(), tallies.iter().map(Tally::n).sum::<u64>());
            prop_assert_eq!(forward.measures(), backward.measures());
        }

        #[test]
        fn consensus_is_one_exactly_when_ratings_agree(rating in 1usize..=4, many in 1u64..100, dont_know in 0u64..50) {
            let mut counts = [0; 5];
            counts[rating] = many;
            counts[0] = dont_know;
            prop_assert_eq!(consensus(&counts), Some(1.0));
        }

        #[test]
        fn consensus_falls_when_views_move_apart(base in 2u64..50, moved in 1u64..50) {
            // Moving answers from the middle to both ends spreads them: consensus drops.
            let moved = moved.min(base);
            let before = consensus(&[0, 0, base, base, 0]).unwrap();
            let after = consensus(&[0, moved, base - moved, base - moved, moved]).unwrap();
            prop_assert!(after < before, "{after} !< {before}");
        }
    }
}
