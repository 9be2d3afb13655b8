//! The indicative overall rating from quality statement scores, by CQC's published method:
//! every score weighted equally; percentage = 100 × sum ÷ (4 × statements scored), rounded to
//! the nearest whole number (halves up); then CQC's bands. Pure.

use serde::Serialize;

use crate::framework::RatingBand;

/// Where a percentage sits in its band: nearer the band below, the band above, or exactly
/// in the middle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Lower,
    Middle,
    Upper,
}

impl Position {
    pub fn as_str(self) -> &'static str {
        match self {
            Position::Lower => "lower",
            Position::Middle => "middle",
            Position::Upper => "upper",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rating {
    pub scores: Vec<u8>,
    pub sum: u32,
    /// The most the scores could add up to: 4 × statements scored.
    pub out_of: u32,
    pub percent: u32,
    /// `inadequate`, `requires_improvement`, `good` or `outstanding`.
    pub rating: String,
    pub label: String,
    pub position: Position,
    /// The band's range, for saying where the percentage sits.
    pub band_min: u32,
    pub band_max: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    #[error("give at least one score")]
    NoScores,
    #[error("score {position} is {value}: scores are whole numbers from 1 to 4")]
    OutOfRange { position: usize, value: String },
    #[error("{0}% falls in none of the rating bands")]
    NoBand(u32),
}

/// The percentage, rounded to the nearest whole number with halves rounded up, in integers:
/// ⌊(100 × sum ÷ (4n)) + ½⌋ = ⌊(200 × sum + 4n) ÷ 8n⌋.
pub fn percent(sum: u32, statements: u32) -> u32 {
    (200 * sum + 4 * statements) / (8 * statements)
}

pub fn rate(scores: &[u8], bands: &[RatingBand]) -> Result<Rating, RatingError> {
    if scores.is_empty() {
        return Err(RatingError::NoScores);
    }
    if let Some((i, value)) = scores.iter().enumerate().find(|(_, s)| !(1..=4).contains(*s)) {
        return Err(RatingError::OutOfRange { position: i + 1, value: value.to_string() });
    }
    let statements = scores.len() as u32;
    let sum: u32 = scores.iter().map(|&s| u32::from(s)).sum();
    let percent = percent(sum, statements);
    let band = bands
        .iter()
        .find(|b| (u32::from(b.min_percent)..=u32::from(b.max_percent)).contains(&percent))
        .ok_or(RatingError::NoBand(percent))?;
    let (min, max) = (u32::from(band.min_percent), u32::from(band.max_percent));
    // Compare 2 × percent with min + max, to stay in whole numbers.
    let position = match (2 * percent).cmp(&(min + max)) {
        std::cmp::Ordering::Less => Position::Lower,
        std::cmp::Ordering::Equal => Position::Middle,
        std::cmp::Ordering::Greater => Position::Upper,
    };
    Ok(Rating {
        scores: scores.to_vec(),
        sum,
        out_of: 4 * statements,
        percent,
        rating: band.id.clone(),
        label: band.label.clone(),
        position,
        band_min: min,
        band_max: max,
    })
}

/// Reads scores written as `2,2,3,3,3,3,2,3,3` (spaces allowed).
pub fn parse_scores(input: &str) -> Result<Vec<u8>, RatingError> {
    let parts: Vec<&str> = input.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return Err(RatingError::NoScores);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| match p.parse::<u8>() {
            Ok(v) if (1..=4).contains(&v) => Ok(v),
            _ => Err(RatingError::OutOfRange { position: i + 1, value: (*p).to_owned() }),
        })
        .collect()
}

/// One line for people: "24 of 36 → 67% → Good, lower part of the band (63–87%)".
pub fn describe(r: &Rating) -> String {
    let part = match r.position {
        Position::Lower => "lower part of the band",
        Position::Middle => "middle of the band",
        Position::Upper => "upper part of the band",
    };
    format!(
        "{} of {} → {}% → {}, {} ({}–{}%). Self-assessed, not a CQC judgement.",
        r.sum, r.out_of, r.percent, r.label, part, r.band_min, r.band_max
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bands() -> Vec<RatingBand> {
        let frameworks = crate::framework::Frameworks::shipped().expect("shipped frameworks");
        frameworks.all()[0].scoring.rating_bands.clone()
    }

    #[test]
    fn the_issue_example() {
        let r = rate(&[2, 2, 3, 3, 3, 3, 2, 3, 3], &bands()).unwrap();
        assert_eq!((r.sum, r.out_of, r.percent), (24, 36, 67));
        assert_eq!((r.rating.as_str(), r.position), ("good", Position::Lower));
        assert_eq!(
            describe(&r),
            "24 of 36 → 67% → Good, lower part of the band (63–87%). Self-assessed, not a CQC judgement."
        );
    }

    /// An independent reference: exact rational arithmetic on the published rule, bands as
    /// written in CQC's method (not read from the framework file).
    fn reference(scores: &[u8]) -> (u32, &'static str, Position) {
        let n = scores.len() as f64;
        let sum: f64 = scores.iter().map(|&s| f64::from(s)).sum();
        let exact = 100.0 * sum / (4.0 * n);
        // Halves round up; exact halves are representable (x.5 with x ≤ 100).
        let percent = (exact + 0.5).floor() as u32;
        let (rating, low, high) = match percent {
            0..=38 => ("inadequate", 25.0, 38.0),
            39..=62 => ("requires_improvement", 39.0, 62.0),
            63..=87 => ("good", 63.0, 87.0),
            _ => ("outstanding", 88.0, 100.0),
        };
        let middle = (low + high) / 2.0;
        let position = if f64::from(percent) < middle {
            Position::Lower
        } else if f64::from(percent) > middle {
            Position::Upper
        } else {
            Position::Middle
        };
        (percent, rating, position)
    }

    #[test]
    fn every_combination_of_nine_scores_matches_the_reference() {
        let bands = bands();
        let mut scores = [1u8; 9];
        let mut checked = 0;
        loop {
            let r = rate(&scores, &bands).unwrap();
            let (percent, rating, position) = reference(&scores);
            assert_eq!((r.percent, r.rating.as_str(), r.position), (percent, rating, position), "{scores:?}");
            checked += 1;
            // The next combination, like an odometer.
            let Some(i) = scores.iter().position(|&s| s < 4) else { break };
            scores[i] += 1;
            scores[..i].iter_mut().for_each(|s| *s = 1);
        }
        assert_eq!(checked, 4usize.pow(9));
    }

    #[test]
    fn fewer_statements_scored_also_match() {
        let bands = bands();
        for n in 1..=8usize {
            let mut scores = vec![1u8; n];
            loop {
                let r = rate(&scores, &bands).unwrap();
                let (percent, rating, position) = reference(&scores);
                assert_eq!((r.percent, r.rating.as_str(), r.position), (percent, rating, position));
                let Some(i) = scores.iter().position(|&s| s < 4) else { break };
                scores[i] += 1;
                scores[..i].iter_mut().for_each(|s| *s = 1);
            }
        }
    }

    #[test]
    fn boundaries_around_each_band() {
        let bands = bands();
        // Sums out of 36 (nine statements) whose percentages sit on each side of each edge.
        let at = |sum: u32| percent(sum, 9);
        assert_eq!((at(13), at(14)), (36, 39), "inadequate up to 38, requires improvement from 39");
        assert_eq!((at(22), at(23)), (61, 64), "requires improvement up to 62, good from 63");
        assert_eq!((at(31), at(32)), (86, 89), "good up to 87, outstanding from 88");
        // Exact edges with other counts: 62.5 rounds up to 63 (good); 87.5 to 88 (outstanding).
        assert_eq!(rate(&[3, 2, 3, 2, 3, 2, 3, 2], &bands).unwrap().percent, 63);
        assert_eq!(rate(&[3, 2, 3, 2, 3, 2, 3, 2], &bands).unwrap().rating, "good");
        assert_eq!(rate(&[4, 3, 4, 3], &bands).unwrap().percent, 88);
        assert_eq!(rate(&[4, 3, 4, 3], &bands).unwrap().rating, "outstanding");
        assert_eq!(rate(&[2, 1], &bands).unwrap().percent, 38);
        assert_eq!(rate(&[2, 1], &bands).unwrap().rating, "inadequate");
        assert_eq!(rate(&[1; 9], &bands).unwrap().percent, 25);
        assert_eq!(rate(&[4; 9], &bands).unwrap().percent, 100);
        // Middle of good (75): exactly 3 everywhere.
        assert_eq!(rate(&[3; 9], &bands).unwrap().position, Position::Middle);
    }

    #[test]
    fn bad_scores_are_refused_with_where() {
        assert_eq!(parse_scores("2, 2,3"), Ok(vec![2, 2, 3]));
        assert_eq!(parse_scores(""), Err(RatingError::NoScores));
        assert_eq!(parse_scores("2,5,3"), Err(RatingError::OutOfRange { position: 2, value: "5".into() }));
        assert_eq!(parse_scores("2,x"), Err(RatingError::OutOfRange { position: 2, value: "x".into() }));
        assert_eq!(rate(&[], &bands()), Err(RatingError::NoScores));
        assert!(matches!(rate(&[0, 3], &bands()), Err(RatingError::OutOfRange { position: 1, .. })));
    }
}
