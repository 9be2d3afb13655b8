//! Stage 1 use cases: set up assessments and rounds, take responses.

use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::domain::{self, Problem, RawAnswer, RoundState};
use super::store::{self, AssessmentRow, GroupRow, NewResponse, RoundRow, StoredResponse};
use crate::accounts::actor::{Actor, Denied};
use crate::accounts::secrets;
use crate::audit::{self, Change};
use crate::db::{Db, DbError};
use crate::framework::{Framework, Frameworks, QualityStatementId};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum EngagementError {
    #[error("denied")]
    Denied(Denied),
    #[error("invalid")]
    Invalid(Vec<Problem>),
    /// The request body is not JSON, or not the JSON expected.
    #[error("{message}")]
    Malformed { message: String, syntax: bool },
    /// The round is closed, or not yet open.
    #[error("the round is not open")]
    Gone(RoundState),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<Denied> for EngagementError {
    fn from(d: Denied) -> Self {
        EngagementError::Denied(d)
    }
}

fn problem(field: &str, message: impl Into<String>) -> Problem {
    Problem { field: field.into(), message: message.into() }
}

/// An assessment the actor may read (another council's answers as not found).
pub async fn readable_assessment(db: &Db, actor: &Actor, id: Uuid) -> Result<AssessmentRow, EngagementError> {
    let assessment = store::assessment(db, id).await?.ok_or(EngagementError::Denied(Denied::NotFound))?;
    actor.can_read(assessment.council_id)?;
    Ok(assessment)
}

pub struct NewAssessment<'a> {
    pub council_id: Uuid,
    pub title: &'a str,
    pub period_start: &'a str,
    pub period_end: &'a str,
    pub framework_key: &'a str,
}

fn parse_date(field: &str, value: &str, problems: &mut Vec<Problem>) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(value.trim(), &format) {
        Ok(date) => Some(date),
        Err(_) => {
            problems.push(problem(field, "Enter a real date as YYYY-MM-DD, like 2026-04-01"));
            None
        }
    }
}

pub async fn create_assessment(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    input: NewAssessment<'_>,
) -> Result<AssessmentRow, EngagementError> {
    actor.can_lead(input.council_id)?;
    let mut problems = Vec::new();
    let title = input.title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        problems.push(problem("title", "Enter a title, such as 2026/27"));
    } else if title.chars().count() > 100 {
        problems.push(problem("title", "Title must be 100 characters or fewer"));
    }
    let start = parse_date("period_start", input.period_start, &mut problems);
    let end = parse_date("period_end", input.period_end, &mut problems);
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        problems.push(problem("period_end", "The end of the period must be after its start"));
    }
    if frameworks.get(input.framework_key).is_none() {
        problems.push(problem("framework", "Choose a framework version"));
    }
    let (true, Some(period_start), Some(period_end)) = (problems.is_empty(), start, end) else {
        return Err(EngagementError::Invalid(problems));
    };
    let now = OffsetDateTime::now_utc();
    let assessment = AssessmentRow {
        id: Uuid::now_v7(),
        council_id: input.council_id,
        title,
        period_start,
        period_end,
        framework_key: input.framework_key.to_owned(),
        status: "planning".into(),
        created_at: now,
    };
    let mut tx = db.begin().await?;
    store::insert_assessment(&mut tx, &assessment, Some(actor.user_id)).await?;
    for (position, (name, category)) in domain::DEFAULT_GROUPS.iter().enumerate() {
        let group = GroupRow {
            id: Uuid::now_v7(),
            assessment_id: assessment.id,
            name: (*name).to_owned(),
            evidence_category: (*category).to_owned(),
            position: position as i64,
        };
        store::insert_group(&mut tx, &group, now).await?;
    }
    audit::record(
        &mut tx,
        Change {
            council_id: Some(assessment.council_id),
            actor: actor.audit_actor(),
            entity: "assessment",
            entity_id: assessment.id.to_string(),
            action: "create",
            summary: json!({"title": assessment.title, "framework": assessment.framework_key,
                "period": format!("{} to {}", assessment.period_start, assessment.period_end)}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(assessment)
}

pub struct NewRound<'a> {
    pub title: &'a str,
    pub statements: &'a [String],
    pub groups: &'a [String],
    pub opens_at: &'a str,
    pub closes_at: &'a str,
    pub introduction: &'a str,
    pub privacy_notice: &'a str,
}

fn parse_time(field: &str, value: &str, problems: &mut Vec<Problem>) -> Option<OffsetDateTime> {
    let value = value.trim();
    if let Ok(t) = OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339) {
        return Some(t);
    }
    // A date and time from a form (`2026-05-01T09:00`), taken as UTC.
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    match time::PrimitiveDateTime::parse(value, &format) {
        Ok(t) => Some(t.assume_utc()),
        Err(_) => {
            problems.push(problem(field, "Enter a date and time like 2026-05-01T09:00 (or RFC 3339)"));
            None
        }
    }
}

pub async fn create_round(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    input: NewRound<'_>,
) -> Result<RoundRow, EngagementError> {
    let assessment = readable_assessment(db, actor, assessment_id).await?;
    actor.can_lead(assessment.council_id)?;
    let framework =
        frameworks.get(&assessment.framework_key).ok_or(EngagementError::Denied(Denied::NotFound))?;
    let groups = store::groups(db, assessment_id).await?;
    let mut problems = Vec::new();
    let title = input.title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        problems.push(problem("title", "Enter a title, such as Staff survey, spring"));
    }
    let mut statements = Vec::new();
    for s in input.statements {
        match s.parse::<QualityStatementId>() {
            Ok(id) if framework.quality_statement(id).is_some() => {
                if !statements.contains(&id.to_string()) {
                    statements.push(id.to_string());
                }
            }
            _ => problems
                .push(problem("statements", format!("{s:?} is not a quality statement of this framework"))),
        }
    }
    if input.statements.is_empty() {
        problems.push(problem("statements", "Choose at least one quality statement"));
    }
    let mut group_ids = Vec::new();
    for g in input.groups {
        match Uuid::parse_str(g).ok().filter(|id| groups.iter().any(|group| group.id == *id)) {
            Some(id) => group_ids.push(id),
            None => problems
                .push(problem("groups", format!("{g:?} is not a respondent group of this assessment"))),
        }
    }
    if input.groups.is_empty() {
        problems.push(problem("groups", "Choose at least one respondent group"));
    }
    let opens = parse_time("opens_at", input.opens_at, &mut problems);
    let closes = parse_time("closes_at", input.closes_at, &mut problems);
    if let (Some(o), Some(c)) = (opens, closes)
        && c <= o
    {
        problems.push(problem("closes_at", "The round must close after it opens"));
    }
    for (field, text) in [("introduction", input.introduction), ("privacy_notice", input.privacy_notice)] {
        if text.chars().count() > domain::MAX_TEXT_CHARS {
            problems.push(problem(field, format!("Must be {} characters or fewer", domain::MAX_TEXT_CHARS)));
        }
    }
    let (true, Some(opens_at), Some(closes_at)) = (problems.is_empty(), opens, closes) else {
        return Err(EngagementError::Invalid(problems));
    };
    let round = RoundRow {
        id: Uuid::now_v7(),
        assessment_id,
        title,
        token: secrets::random_token(),
        opens_at,
        closes_at,
        introduction: input.introduction.trim().to_owned(),
        privacy_notice: input.privacy_notice.trim().to_owned(),
        closed_at: None,
        created_at: OffsetDateTime::now_utc(),
    };
    let mut tx = db.begin().await?;
    store::insert_round(&mut tx, &round, &statements, &group_ids).await?;
    audit::record(
        &mut tx,
        Change {
            council_id: Some(assessment.council_id),
            actor: actor.audit_actor(),
            entity: "round",
            entity_id: round.id.to_string(),
            action: "create",
            summary: json!({"title": round.title, "quality_statements": statements, "groups": group_ids.len(),
                "opens_at": round.opens_at.to_string(), "closes_at": round.closes_at.to_string()}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(round)
}

/// What a respondent or integration sends.
pub struct Submission<'a> {
    pub group: &'a str,
    pub answers: &'a [RawAnswer],
    pub idempotency_key: &'a str,
}

/// A stored response, and whether this call stored it (false: a replay of an earlier one).
pub struct Submitted {
    pub response: StoredResponse,
    pub created: bool,
}

/// An open round found by its link, with what it covers.
pub struct OpenRound {
    pub round: RoundRow,
    pub assessment: AssessmentRow,
    pub framework: Arc<Framework>,
    pub statements: Vec<QualityStatementId>,
    pub groups: Vec<GroupRow>,
}

pub async fn round_for_link(
    db: &Db,
    frameworks: &Frameworks,
    token: &str,
) -> Result<OpenRound, EngagementError> {
    let round = store::round_by_token(db, token).await?.ok_or(EngagementError::Denied(Denied::NotFound))?;
    let assessment =
        store::assessment(db, round.assessment_id).await?.ok_or(EngagementError::Denied(Denied::NotFound))?;
    let framework = frameworks
        .get(&assessment.framework_key)
        .cloned()
        .ok_or(EngagementError::Denied(Denied::NotFound))?;
    let mut statements: Vec<QualityStatementId> =
        store::round_statements(db, round.id).await?.iter().filter_map(|s| s.parse().ok()).collect();
    statements.sort();
    let round_groups = store::round_groups(db, round.id).await?;
    let groups = store::groups(db, assessment.id)
        .await?
        .into_iter()
        .filter(|g| round_groups.contains(&g.id))
        .collect();
    Ok(OpenRound { round, assessment, framework, statements, groups })
}

pub fn check_open(round: &RoundRow, now: OffsetDateTime) -> Result<(), EngagementError> {
    match domain::round_state(round.opens_at, round.closes_at, round.closed_at, now) {
        RoundState::Open => Ok(()),
        state => Err(EngagementError::Gone(state)),
    }
}

/// Takes a survey response through a round's link. Replays with the same idempotency key
/// return the first response and store nothing.
pub async fn submit_survey(
    db: &Db,
    frameworks: &Frameworks,
    token: &str,
    submission: Submission<'_>,
) -> Result<Submitted, EngagementError> {
    let open = round_for_link(db, frameworks, token).await?;
    let key = submission.idempotency_key.trim();
    let mut problems = Vec::new();
    if key.is_empty() || key.len() > 200 {
        problems.push(problem(
            "Idempotency-Key",
            "Send an Idempotency-Key header of 1 to 200 characters, unique per response",
        ));
    }
    // A replay of a stored response answers with it even after the round closed.
    if problems.is_empty()
        && let Some(existing) = store::response_by_key(db, open.assessment.id, key).await?
    {
        return Ok(Submitted { response: existing, created: false });
    }
    check_open(&open.round, OffsetDateTime::now_utc())?;
    let group = match Uuid::parse_str(submission.group.trim())
        .ok()
        .and_then(|id| open.groups.iter().find(|g| g.id == id))
    {
        Some(group) => Some(group.id),
        None => {
            let message = if submission.group.trim().is_empty() {
                "Choose the group you belong to".to_owned()
            } else {
                format!("{:?} is not a respondent group of this round", submission.group)
            };
            problems.push(problem("group", message));
            None
        }
    };
    let answers = match domain::check_answers(&open.framework, &open.statements, submission.answers) {
        Ok(answers) => Some(answers),
        Err(mut more) => {
            problems.append(&mut more);
            None
        }
    };
    let (true, Some(group_id), Some(answers)) = (problems.is_empty(), group, answers) else {
        return Err(EngagementError::Invalid(problems));
    };
    let response = NewResponse {
        id: Uuid::now_v7(),
        assessment_id: open.assessment.id,
        round_id: Some(open.round.id),
        group_id,
        mode: domain::Mode::Survey.as_str(),
        user_id: None,
        reference: domain::new_reference(),
        idempotency_key: key.to_owned(),
        workshop_date: None,
        facilitator: None,
        participants: None,
        submitted_at: OffsetDateTime::now_utc(),
    };
    let mut tx = db.begin().await?;
    let (stored, created) = store::insert_response(&mut tx, &response, &answers).await?;
    tx.commit().await?;
    Ok(Submitted { response: stored, created })
}
