//! Who may see and tune the analysis, and loading it.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::cache;
use super::findings::Thresholds;
use super::model::{self, Analysis, GroupInfo, Inputs};
use super::store::{self, FreeText};
use crate::accounts::actor::{Actor, Denied};
use crate::audit::{self, Change};
use crate::db::Db;
use crate::engagement::domain::Problem;
use crate::engagement::service::{EngagementError, readable_assessment};
use crate::engagement::store::{self as engagement_store, AssessmentRow, RoundRow};
use crate::framework::{Framework, Frameworks, QualityStatementId};

/// An assessment's analysis and what the pages show beside it.
pub struct Loaded {
    pub assessment: AssessmentRow,
    pub framework: std::sync::Arc<Framework>,
    pub rounds: Vec<RoundRow>,
    pub analysis: Arc<Analysis>,
    /// What the analysis rests on (see [`super::cache`]).
    pub version: u64,
}

/// The analysis of an assessment the actor may read, for all rounds or one (`round`, which
/// must belong to the assessment).
pub async fn load(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    round: Option<Uuid>,
) -> Result<Loaded, EngagementError> {
    let assessment = readable_assessment(db, actor, assessment_id).await?;
    let framework = frameworks
        .get(&assessment.framework_key)
        .cloned()
        .ok_or(EngagementError::Denied(Denied::NotFound))?;
    let rounds = engagement_store::rounds(db, assessment.id).await?;
    if let Some(id) = round
        && !rounds.iter().any(|r| r.id == id)
    {
        return Err(EngagementError::Denied(Denied::NotFound));
    }
    let groups: Vec<GroupInfo> = engagement_store::groups(db, assessment.id)
        .await?
        .into_iter()
        .map(|g| GroupInfo { id: g.id, name: g.name, category: g.evidence_category })
        .collect();
    let responses = store::response_tallies(db, assessment.id).await?;
    let thresholds = store::thresholds(db, assessment.id).await?.unwrap_or_default();
    // Read every time, like the rest of the version: a change to the library shows at once.
    let ready_evidence = crate::evidence::service::ready_counts(db, &framework, assessment.id).await?;
    let version = cache::version(&responses, &groups, &thresholds, &ready_evidence);
    let identity = db.identity();
    let analysis = match cache::analysis(&identity, assessment.id, round, version) {
        Some(analysis) => analysis,
        None => {
            let tallies = store::tallies(db, assessment.id).await?;
            let inputs = Inputs {
                framework: &framework,
                groups,
                tallies,
                responses,
                thresholds,
                round,
                ready_evidence,
            };
            let analysis = Arc::new(model::analyse(inputs));
            cache::keep_analysis(&identity, assessment.id, round, version, analysis.clone());
            analysis
        }
    };
    Ok(Loaded { assessment, framework, rounds, analysis, version })
}

/// An assessment's thresholds, for its leads to change (others: 403; another council: 404).
pub async fn thresholds_for_lead(
    db: &Db,
    actor: &Actor,
    assessment_id: Uuid,
) -> Result<(AssessmentRow, Thresholds), EngagementError> {
    let assessment = readable_assessment(db, actor, assessment_id).await?;
    actor.can_lead(assessment.council_id)?;
    let thresholds = store::thresholds(db, assessment.id).await?.unwrap_or_default();
    Ok((assessment, thresholds))
}

/// Changes an assessment's thresholds (assessment leads). Nothing changes on a problem.
pub async fn save_thresholds(
    db: &Db,
    actor: &Actor,
    assessment_id: Uuid,
    thresholds: Thresholds,
) -> Result<(), EngagementError> {
    let assessment = readable_assessment(db, actor, assessment_id).await?;
    actor.can_lead(assessment.council_id)?;
    let problems: Vec<Problem> = thresholds
        .problems()
        .into_iter()
        .map(|(field, message)| Problem { field: field.to_owned(), message })
        .collect();
    if !problems.is_empty() {
        return Err(EngagementError::Invalid(problems));
    }
    let before = store::thresholds(db, assessment.id).await?.unwrap_or_default();
    let mut tx = db.begin().await?;
    store::save_thresholds(&mut tx, assessment.id, &thresholds, actor.user_id, OffsetDateTime::now_utc())
        .await?;
    audit::record(
        &mut tx,
        Change {
            council_id: Some(assessment.council_id),
            actor: actor.audit_actor(),
            entity: "analysis_settings",
            entity_id: assessment.id.to_string(),
            action: "update",
            summary: json!({"before": before, "after": thresholds}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One free-text answer, as often as it was given (the same words from several people are
/// shown once, with a count), never with anything about who gave it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Collated {
    pub text: String,
    pub count: u64,
    /// The checklist items it was given for.
    pub items: Vec<String>,
    /// The kinds of personal information the text likely holds (`evidence::pii`), so the pages
    /// can warn beside it; never logged, and the matched text is not kept.
    pub personal_information: Vec<crate::evidence::pii::Kind>,
}

/// Free text for a quality statement page: read at most this many different answers.
pub const FREE_TEXT_LIMIT: i64 = 5000;

/// Groups identical answers (ignoring case, spacing and a final full stop); most often first.
/// Rows are (item, text, how many gave that text for that item).
pub fn collate(rows: Vec<(String, String, i64)>) -> Vec<Collated> {
    let mut by_key: HashMap<String, Collated> = HashMap::new();
    for (item, text, times) in rows {
        let trimmed = text.trim();
        let key =
            trimmed.trim_end_matches('.').split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        if key.is_empty() {
            continue;
        }
        let entry = by_key.entry(key).or_insert_with(|| Collated {
            text: trimmed.to_owned(),
            count: 0,
            items: Vec::new(),
            personal_information: Vec::new(),
        });
        entry.count += u64::try_from(times).unwrap_or(0);
        if !entry.items.contains(&item) {
            entry.items.push(item);
        }
    }
    let mut collated: Vec<Collated> = by_key.into_values().collect();
    for c in &mut collated {
        c.items.sort_by_key(|id| id.parse::<crate::framework::ChecklistItemId>().ok());
        c.personal_information = crate::evidence::pii::kinds(&c.text);
    }
    collated.sort_by(|a, b| {
        b.count.cmp(&a.count).then_with(|| a.text.to_lowercase().cmp(&b.text.to_lowercase()))
    });
    collated
}

/// What people said they have and what they need, for one quality statement.
#[derive(Clone)]
pub struct StatementText {
    pub evidence_given: Vec<Collated>,
    pub evidence_needed: Vec<Collated>,
    /// True when there were more answers than were read.
    pub truncated: bool,
}

pub async fn statement_text(
    db: &Db,
    loaded: &Loaded,
    statement: QualityStatementId,
) -> Result<StatementText, EngagementError> {
    let qs =
        loaded.framework.quality_statement(statement).ok_or(EngagementError::Denied(Denied::NotFound))?;
    let (identity, key) = (db.identity(), statement.to_string());
    let round = loaded.analysis.round;
    if let Some(text) = cache::text(&identity, loaded.assessment.id, round, &key, loaded.version) {
        return Ok((*text).clone());
    }
    let items: Vec<String> = qs.checklist_items.iter().map(|i| i.id.to_string()).collect();
    let given =
        store::free_text(db, loaded.assessment.id, &items, FreeText::EvidenceGiven, round, FREE_TEXT_LIMIT)
            .await?;
    let needed =
        store::free_text(db, loaded.assessment.id, &items, FreeText::EvidenceNeeded, round, FREE_TEXT_LIMIT)
            .await?;
    let truncated = given.len() as i64 >= FREE_TEXT_LIMIT || needed.len() as i64 >= FREE_TEXT_LIMIT;
    let text = StatementText { evidence_given: collate(given), evidence_needed: collate(needed), truncated };
    cache::keep_text(&identity, loaded.assessment.id, round, &key, loaded.version, Arc::new(text.clone()));
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_answers_are_shown_once_with_a_count() {
        let rows = vec![
            ("QS1.2".to_owned(), "Partner views on joint working".to_owned(), 1),
            ("QS1.10".to_owned(), " partner views on  joint working.".to_owned(), 1),
            ("QS1.2".to_owned(), "Data on outcomes by ethnicity".to_owned(), 1),
            ("QS1.1".to_owned(), "Partner views on joint working".to_owned(), 2),
            ("QS1.1".to_owned(), "   ".to_owned(), 4),
        ];
        let collated = collate(rows);
        assert_eq!(collated.len(), 2);
        assert_eq!(collated[0].text, "Partner views on joint working");
        assert_eq!(collated[0].count, 4);
        assert_eq!(collated[0].items, ["QS1.1", "QS1.2", "QS1.10"], "in item order");
        assert_eq!(collated[1].count, 1);
        assert!(collated.iter().all(|c| c.personal_information.is_empty()));
    }

    #[test]
    fn answers_with_likely_personal_information_say_what_kind() {
        let rows = vec![
            ("QS1.1".to_owned(), "Ask j.bloggs@example.org for the audit".to_owned(), 1),
            ("QS1.2".to_owned(), "NHS number 943 476 5919 in the case file".to_owned(), 1),
            ("QS1.3".to_owned(), "NHS number 943 476 5918 in the case file".to_owned(), 1),
        ];
        let collated = collate(rows);
        let kinds = |text: &str| {
            collated.iter().find(|c| c.text.contains(text)).unwrap().personal_information.clone()
        };
        use crate::evidence::pii::Kind;
        assert_eq!(kinds("bloggs"), [Kind::EmailAddress]);
        assert_eq!(kinds("5919"), [Kind::NhsNumber]);
        assert!(kinds("5918").is_empty(), "a wrong check digit is not an NHS number");
    }
}
