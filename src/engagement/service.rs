//! Stage 1 use cases: set up assessments and rounds, take responses.

use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::domain::{self, Problem, RawAnswer, RoundState};
use super::store::{self, AssessmentRow, GroupRow, NewResponse, RoundRow, StoredResponse};
use super::writer::{Refused, ResponseWriter};
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

/// A round found by its link, with what it covers.
pub struct OpenRound {
    pub round: RoundRow,
    pub assessment: AssessmentRow,
    pub council_name: String,
    pub framework: Arc<Framework>,
    pub statements: Vec<QualityStatementId>,
    pub groups: Vec<GroupRow>,
}

/// The round behind a link (cached in the process: see `links`).
pub async fn round_for_link(
    db: &Db,
    frameworks: &Frameworks,
    token: &str,
) -> Result<Arc<OpenRound>, EngagementError> {
    super::links::open_round(db, frameworks, token).await
}

pub fn check_open(round: &RoundRow, now: OffsetDateTime) -> Result<(), EngagementError> {
    match domain::round_state(round.opens_at, round.closes_at, round.closed_at, now) {
        RoundState::Open => Ok(()),
        state => Err(EngagementError::Gone(state)),
    }
}

/// Takes a survey response through a round's link (`open`, from [`round_for_link`]). With
/// `as_user`, a signed-in member of staff answering as themselves (mode `staff`, their account
/// recorded). Replays with the same idempotency key return the first response and store
/// nothing. The writer checks the round again when it commits: a round closed (or a link
/// replaced) meanwhile, in this process or another, takes nothing.
pub async fn submit_survey(
    db: &Db,
    writer: &ResponseWriter,
    open: &OpenRound,
    submission: Submission<'_>,
    as_user: Option<Uuid>,
) -> Result<Submitted, EngagementError> {
    let key = submission.idempotency_key.trim();
    let mut problems = Vec::new();
    let key_ok = !key.is_empty() && key.len() <= 200;
    if !key_ok {
        problems.push(problem(
            "Idempotency-Key",
            "Send an Idempotency-Key header of 1 to 200 characters, unique per response",
        ));
    }
    let checked = 'checks: {
        if let Err(gone) = check_open(&open.round, OffsetDateTime::now_utc()) {
            break 'checks Err(gone);
        }
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
        match (problems.is_empty(), group, answers) {
            (true, Some(group_id), Some(answers)) => Ok((group_id, answers)),
            _ => Err(EngagementError::Invalid(problems)),
        }
    };
    // A replay of a stored response answers with it even after the round closed (or if the
    // replay fails a check). It is looked up here only when a check failed: otherwise the
    // writer finds it in its transaction (same answer, one query fewer per submission).
    let (group_id, answers) = match checked {
        Ok(checked) => checked,
        Err(error) => {
            if key_ok && let Some(existing) = store::response_by_key(db, open.assessment.id, key).await? {
                return Ok(Submitted { response: existing, created: false });
            }
            return Err(error);
        }
    };
    let response = NewResponse {
        id: Uuid::now_v7(),
        assessment_id: open.assessment.id,
        round_id: Some(open.round.id),
        group_id,
        mode: if as_user.is_some() { domain::Mode::Staff.as_str() } else { domain::Mode::Survey.as_str() },
        user_id: as_user,
        reference: domain::new_reference(),
        idempotency_key: key.to_owned(),
        workshop_date: None,
        facilitator: None,
        participants: None,
        submitted_at: OffsetDateTime::now_utc(),
    };
    // Stored by the database's writer, with others in one commit; answered after the commit.
    match writer.store_for_link(response, answers, &open.round.token).await? {
        Ok((stored, created)) => Ok(Submitted { response: stored, created }),
        Err(refused) => {
            // What this process had cached about the round is out of date.
            super::links::forget_token(db, &open.round.token);
            Err(match refused {
                Refused::NotOpen(state) => EngagementError::Gone(state),
                Refused::LinkReplaced => EngagementError::Denied(Denied::NotFound),
            })
        }
    }
}

/// Who may record a workshop or working group: contributors, leads, platform administrators.
pub fn can_record(actor: &Actor, council_id: Uuid) -> Result<(), EngagementError> {
    actor.can_read(council_id)?;
    if actor.can_lead(council_id).is_ok()
        || actor.has_role(council_id, crate::accounts::domain::Role::Contributor)
    {
        Ok(())
    } else {
        Err(EngagementError::Denied(Denied::Forbidden))
    }
}

/// Adds a respondent group (`group` = None) or renames / re-maps one.
pub async fn save_group(
    db: &Db,
    actor: &Actor,
    assessment_id: Uuid,
    group: Option<Uuid>,
    name: &str,
    category: &str,
) -> Result<(), EngagementError> {
    let assessment = readable_assessment(db, actor, assessment_id).await?;
    actor.can_lead(assessment.council_id)?;
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let field = |f: &str| match group {
        Some(id) => format!("group-{id}-{f}"),
        None => format!("new_group_{f}"),
    };
    let mut problems = Vec::new();
    if name.is_empty() {
        problems.push(problem(&field("name"), "Enter the group's name"));
    } else if name.chars().count() > 100 {
        problems.push(problem(&field("name"), "The name must be 100 characters or fewer"));
    }
    if !domain::is_group_category(category) {
        problems.push(problem(&field("category"), "Choose the CQC evidence category the group informs"));
    }
    let existing = store::groups(db, assessment_id).await?;
    if existing.iter().any(|g| Some(g.id) != group && g.name.eq_ignore_ascii_case(&name)) {
        problems.push(problem(&field("name"), format!("There is already a group called {name}")));
    }
    if group.is_some_and(|id| !existing.iter().any(|g| g.id == id)) {
        return Err(EngagementError::Denied(Denied::NotFound));
    }
    if !problems.is_empty() {
        return Err(EngagementError::Invalid(problems));
    }
    let before = group.and_then(|id| existing.iter().find(|g| g.id == id).cloned());
    let mut tx = db.begin().await?;
    let (id, action) = match group {
        Some(id) => {
            store::update_group(&mut tx, id, assessment_id, &name, category).await?;
            (id, "update")
        }
        None => {
            let row = GroupRow {
                id: Uuid::now_v7(),
                assessment_id,
                name: name.clone(),
                evidence_category: category.to_owned(),
                position: existing.len() as i64,
            };
            store::insert_group(&mut tx, &row, OffsetDateTime::now_utc()).await?;
            (row.id, "create")
        }
    };
    audit::record(
        &mut tx,
        Change {
            council_id: Some(assessment.council_id),
            actor: actor.audit_actor(),
            entity: "respondent_group",
            entity_id: id.to_string(),
            action,
            summary: json!({"name": audit::before_after(before.as_ref().map(|g| g.name.clone()), name.clone()),
                "evidence_category": audit::before_after(before.map(|g| g.evidence_category), category)}),
        },
    )
    .await?;
    tx.commit().await?;
    // Survey pages show the groups' names.
    super::links::forget_assessment(db, assessment_id);
    Ok(())
}

/// Closes, reopens or replaces the link of a round.
pub async fn round_action(
    db: &Db,
    actor: &Actor,
    assessment_id: Uuid,
    round_id: Uuid,
    action: &str,
) -> Result<(), EngagementError> {
    let assessment = readable_assessment(db, actor, assessment_id).await?;
    actor.can_lead(assessment.council_id)?;
    let round = store::round(db, round_id)
        .await?
        .filter(|r| r.assessment_id == assessment_id)
        .ok_or(EngagementError::Denied(Denied::NotFound))?;
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let summary = match action {
        "close" => {
            store::set_round_closed(&mut tx, round.id, Some(now), None).await?;
            json!({"closed": true})
        }
        "reopen" => {
            // Reopening a round whose closing time has passed gives it another week.
            let closes = (round.closes_at <= now).then(|| now + time::Duration::days(7));
            store::set_round_closed(&mut tx, round.id, None, closes).await?;
            json!({"closed": false, "closes_at": closes.map(|c| c.to_string())})
        }
        "replace-link" => {
            // The old link stops working at once; answers already given are kept.
            store::set_round_token(&mut tx, round.id, &secrets::random_token()).await?;
            json!({"link": "replaced"})
        }
        _ => return Err(EngagementError::Denied(Denied::NotFound)),
    };
    audit::record(
        &mut tx,
        Change {
            council_id: Some(assessment.council_id),
            actor: actor.audit_actor(),
            entity: "round",
            entity_id: round.id.to_string(),
            action: match action {
                "close" => "close",
                "reopen" => "reopen",
                _ => "replace_link",
            },
            summary,
        },
    )
    .await?;
    tx.commit().await?;
    // After the commit: a read that raced with it is not cached (see `links`).
    super::links::forget_round(db, round.id);
    Ok(())
}

/// Records a workshop or working group: the group's agreed answer and notes per item of one
/// quality statement. Returns the response's reference. A resubmitted form stores nothing new.
pub async fn record_workshop(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    form: &std::collections::HashMap<String, String>,
) -> Result<String, EngagementError> {
    let assessment = readable_assessment(db, actor, assessment_id).await?;
    can_record(actor, assessment.council_id)?;
    let framework =
        frameworks.get(&assessment.framework_key).ok_or(EngagementError::Denied(Denied::NotFound))?;
    let field = |name: &str| form.get(name).map(|s| s.trim().to_owned()).unwrap_or_default();
    let mut problems = Vec::new();
    let statement =
        field("statement").parse::<QualityStatementId>().ok().and_then(|id| framework.quality_statement(id));
    let Some(statement) = statement else {
        return Err(EngagementError::Invalid(vec![problem(
            "statement",
            "Choose the quality statement the workshop discussed",
        )]));
    };
    let groups = store::groups(db, assessment_id).await?;
    let group = Uuid::parse_str(&field("group")).ok().filter(|id| groups.iter().any(|g| g.id == *id));
    if group.is_none() {
        problems.push(problem("group", "Choose the respondent group that took part"));
    }
    let date = parse_date("workshop_date", &field("workshop_date"), &mut problems);
    let facilitator = field("facilitator");
    if facilitator.is_empty() {
        problems.push(problem("facilitator", "Enter the facilitator's name"));
    }
    let participants = field("participants").parse::<i64>().ok().filter(|n| (1..=10_000).contains(n));
    if participants.is_none() {
        problems.push(problem("participants", "Enter how many people took part, as a whole number like 12"));
    }
    let mut raw = Vec::new();
    let mut notes = Vec::new();
    for item in &statement.checklist_items {
        let key = item.id.to_string();
        let name = key.replace('.', "_");
        let rating = field(&format!("{name}_rating")).parse::<i64>().ok();
        if rating.is_none() {
            problems.push(problem(
                &format!("{name}_rating"),
                format!("Select the group's agreed answer for {key}, or 0 Don't know"),
            ));
        }
        let note = field(&format!("{name}_notes"));
        if note.chars().count() > domain::MAX_TEXT_CHARS {
            problems.push(problem(
                &format!("{name}_notes"),
                format!("Notes for {key} must be {} characters or fewer", domain::MAX_TEXT_CHARS),
            ));
        }
        notes.push((key.clone(), note));
        raw.push(RawAnswer {
            item: key,
            rating: rating.map(Into::into),
            evidence: Some(field(&format!("{name}_evidence"))),
            evidence_needed: Some(field(&format!("{name}_evidence_needed"))),
        });
    }
    let answers = match domain::check_answers(framework, &[statement.id], &raw) {
        Ok(answers) => Some(answers),
        Err(more) => {
            // Missing ratings are already reported per item, in words for a form.
            problems.extend(more.into_iter().filter(|p| !p.field.ends_with(".rating")).map(|p| {
                let index: usize = p
                    .field
                    .trim_start_matches("answers[")
                    .split(']')
                    .next()
                    .and_then(|i| i.parse().ok())
                    .unwrap_or(0);
                let name = raw.get(index).map(|r| r.item.replace('.', "_")).unwrap_or_default();
                let suffix = p.field.rsplit('.').next().unwrap_or_default().to_owned();
                Problem { field: format!("{name}_{suffix}"), message: p.message }
            }));
            None
        }
    };
    let key = field("idempotency_key");
    if key.is_empty() {
        problems.push(problem("idempotency_key", "The form is out of date: reload the page"));
    }
    let (true, Some(group_id), Some(answers)) = (problems.is_empty(), group, answers) else {
        return Err(EngagementError::Invalid(problems));
    };
    let response = NewResponse {
        id: Uuid::now_v7(),
        assessment_id,
        round_id: None,
        group_id,
        mode: domain::Mode::Workshop.as_str(),
        user_id: Some(actor.user_id),
        reference: domain::new_reference(),
        idempotency_key: format!("workshop:{key}"),
        workshop_date: date,
        facilitator: Some(facilitator.clone()),
        participants,
        submitted_at: OffsetDateTime::now_utc(),
    };
    let mut tx = db.begin().await?;
    let (stored, created) = store::insert_response(&mut tx, &response, &answers).await?;
    if created {
        for (item, note) in &notes {
            if !note.is_empty() {
                store::set_answer_notes(&mut tx, stored.id, item, note).await?;
            }
        }
        audit::record(
            &mut tx,
            Change {
                council_id: Some(assessment.council_id),
                actor: actor.audit_actor(),
                entity: "workshop",
                entity_id: stored.id.to_string(),
                action: "record",
                summary: json!({"quality_statement": statement.id.to_string(), "participants": participants, "items": answers.len()}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(stored.reference)
}

/// Moves an assessment to another status (planning, stage 1, stage 2, stage 3, complete).
pub async fn set_status(
    db: &Db,
    actor: &Actor,
    assessment_id: Uuid,
    status: &str,
) -> Result<(), EngagementError> {
    let assessment = readable_assessment(db, actor, assessment_id).await?;
    actor.can_lead(assessment.council_id)?;
    if !domain::STATUSES.iter().any(|(id, _)| *id == status) {
        return Err(EngagementError::Invalid(vec![problem("status", "Choose a status from the list")]));
    }
    let mut tx = db.begin().await?;
    store::set_assessment_status(&mut tx, assessment_id, status).await?;
    audit::record(
        &mut tx,
        Change {
            council_id: Some(assessment.council_id),
            actor: actor.audit_actor(),
            entity: "assessment",
            entity_id: assessment_id.to_string(),
            action: "set_status",
            summary: json!({"status": audit::before_after(assessment.status, status)}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
