//! Stage 1 engagement rules: answers, ratings, rounds and respondent groups. No I/O.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::framework::{ChecklistItemId, Framework, QualityStatementId};

/// Longest free-text answer, in characters.
pub const MAX_TEXT_CHARS: usize = 5000;

/// The toolkit's five answers: 1 Strongly disagree … 4 Strongly agree, 0 Don't know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating(u8);

impl Rating {
    pub fn parse(value: i64) -> Option<Rating> {
        (0..=4).contains(&value).then_some(Rating(value as u8))
    }

    /// A rating from a value known to be in range (values above 4 become 4).
    pub fn clamped(value: u8) -> Rating {
        Rating(value.min(4))
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

/// The CQC evidence categories a respondent group can inform.
pub const GROUP_CATEGORIES: [(&str, &str); 3] = [
    ("peoples_experience", "People's experience"),
    ("staff_and_leaders", "Feedback from staff and leaders"),
    ("partners", "Feedback from partners"),
];

/// The respondent groups a new assessment starts with, and the category each informs.
pub const DEFAULT_GROUPS: [(&str, &str); 5] = [
    ("Frontline staff", "staff_and_leaders"),
    ("Managers and leaders", "staff_and_leaders"),
    ("Partners (health, care providers, voluntary and community sector)", "partners"),
    ("People who draw on care and support", "peoples_experience"),
    ("Unpaid carers", "peoples_experience"),
];

pub fn is_group_category(category: &str) -> bool {
    GROUP_CATEGORIES.iter().any(|(id, _)| *id == category)
}

/// How a response was gathered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Survey,
    Staff,
    Workshop,
    Import,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Survey => "survey",
            Mode::Staff => "staff",
            Mode::Workshop => "workshop",
            Mode::Import => "import",
        }
    }
}

/// Assessment cycle status, in order.
pub const STATUSES: [(&str, &str); 5] = [
    ("planning", "Planning"),
    ("stage1", "Stage 1: engagement"),
    ("stage2", "Stage 2: summaries"),
    ("stage3", "Stage 3: final self-assessment"),
    ("complete", "Complete"),
];

/// Whether a round accepts answers now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundState {
    NotYetOpen,
    Open,
    Closed,
}

pub fn round_state(
    opens_at: OffsetDateTime,
    closes_at: OffsetDateTime,
    closed_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> RoundState {
    if closed_at.is_some() || now >= closes_at {
        RoundState::Closed
    } else if now < opens_at {
        RoundState::NotYetOpen
    } else {
        RoundState::Open
    }
}

/// One answer as sent, before checking.
#[derive(Debug, Clone, Deserialize)]
pub struct RawAnswer {
    pub item: String,
    pub rating: Option<serde_json::Value>,
    #[serde(default)]
    pub evidence: Option<String>,
    #[serde(default)]
    pub evidence_needed: Option<String>,
}

/// A checked answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub item: ChecklistItemId,
    pub rating: Rating,
    pub evidence: String,
    pub evidence_needed: String,
}

/// A problem with one part of a submission: `field` is a JSON path such as `answers[3].rating`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

fn clean_text(text: Option<&str>) -> String {
    text.map(|t| t.trim().replace("\r\n", "\n")).unwrap_or_default()
}

/// Checks answers against the framework and the round's quality statements. Every problem is
/// reported; an item answered twice is a problem too.
pub fn check_answers(
    framework: &Framework,
    statements: &[QualityStatementId],
    raw: &[RawAnswer],
) -> Result<Vec<Answer>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut answers = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    if raw.is_empty() {
        problems.push(Problem { field: "answers".into(), message: "Send at least one answer".into() });
    }
    for (i, answer) in raw.iter().enumerate() {
        let at = |field: &str| format!("answers[{i}].{field}");
        let item = match answer.item.trim().parse::<ChecklistItemId>() {
            Ok(id) if framework.checklist_item(id).is_some() => {
                if !statements.contains(&id.quality_statement()) {
                    problems.push(Problem {
                        field: at("item"),
                        message: format!(
                            "{id} belongs to {}, which this round does not cover",
                            id.quality_statement()
                        ),
                    });
                    None
                } else if !seen.insert(id) {
                    problems.push(Problem {
                        field: at("item"),
                        message: format!("{id} is answered more than once"),
                    });
                    None
                } else {
                    Some(id)
                }
            }
            _ => {
                problems.push(Problem {
                    field: at("item"),
                    message: format!("{:?} is not a checklist item", answer.item),
                });
                None
            }
        };
        let rating = match &answer.rating {
            Some(serde_json::Value::Number(n)) => n.as_i64().and_then(Rating::parse),
            _ => None,
        };
        if rating.is_none() {
            problems.push(Problem {
                field: at("rating"),
                message: "Rating must be 1, 2, 3 or 4, or 0 for don't know".into(),
            });
        }
        let evidence = clean_text(answer.evidence.as_deref());
        let evidence_needed = clean_text(answer.evidence_needed.as_deref());
        for (field, text) in [("evidence", &evidence), ("evidence_needed", &evidence_needed)] {
            if text.chars().count() > MAX_TEXT_CHARS {
                problems.push(Problem {
                    field: at(field),
                    message: format!("Must be {MAX_TEXT_CHARS} characters or fewer"),
                });
            }
        }
        if let (Some(item), Some(rating)) = (item, rating) {
            answers.push(Answer { item, rating, evidence, evidence_needed });
        }
    }
    if problems.is_empty() { Ok(answers) } else { Err(problems) }
}

/// A short reference a respondent can quote: 10 characters from an alphabet without look-alikes.
pub fn new_reference() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let code: String = (0..10).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    format!("{}-{}", &code[..5], &code[5..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::Duration;

    fn framework() -> std::sync::Arc<Framework> {
        crate::framework::Frameworks::shipped().expect("frameworks").all()[0].clone()
    }

    fn raw(item: &str, rating: serde_json::Value) -> RawAnswer {
        RawAnswer {
            item: item.into(),
            rating: Some(rating),
            evidence: Some(" We audit monthly. ".into()),
            evidence_needed: None,
        }
    }

    #[test]
    fn answers_are_checked_with_every_problem_named() {
        let f = framework();
        let qs1 = [QualityStatementId { number: 1 }];
        let ok = check_answers(&f, &qs1, &[raw("QS1.1", 3.into()), raw("QS1.14", 0.into())]).expect("valid");
        assert_eq!(ok[0].evidence, "We audit monthly.");
        assert_eq!(ok[1].rating.value(), 0);
        let problems = check_answers(
            &f,
            &qs1,
            &[
                raw("QS1.1", 7.into()),
                raw("QS1.99", 1.into()),
                raw("QS2.1", 1.into()),
                raw("QS1.2", "3".into()),
                raw("QS1.2", 2.into()),
            ],
        )
        .expect_err("invalid");
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "answers[0].rating",
                "answers[1].item",
                "answers[2].item",
                "answers[3].rating",
                "answers[4].item"
            ]
        );
        assert!(problems[2].message.contains("QS2"));
        let long = RawAnswer { evidence: Some("x".repeat(MAX_TEXT_CHARS + 1)), ..raw("QS1.1", 1.into()) };
        assert_eq!(check_answers(&f, &qs1, &[long]).expect_err("too long")[0].field, "answers[0].evidence");
        assert!(check_answers(&f, &qs1, &[]).is_err());
    }

    #[test]
    fn rounds_open_and_close_on_time_or_by_hand() {
        let now = OffsetDateTime::now_utc();
        let (opens, closes) = (now - Duration::days(1), now + Duration::days(1));
        assert_eq!(round_state(opens, closes, None, now), RoundState::Open);
        assert_eq!(round_state(now + Duration::hours(1), closes, None, now), RoundState::NotYetOpen);
        assert_eq!(round_state(opens, now, None, now), RoundState::Closed);
        assert_eq!(round_state(opens, closes, Some(now), now), RoundState::Closed);
    }

    #[test]
    fn references_are_readable() {
        let r = new_reference();
        assert_eq!(r.len(), 11);
        assert!(!r.contains('0') && !r.contains('O') && !r.contains('1') && !r.contains('I'));
    }

    proptest! {
        #[test]
        fn only_zero_to_four_are_ratings(value in -100i64..100) {
            prop_assert_eq!(Rating::parse(value).is_some(), (0..=4).contains(&value));
        }
    }
}
