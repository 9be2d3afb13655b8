//! Stage 2 use cases: who may read, write, submit, withdraw, return and verify a summary, and
//! doing it, each change with its audit entry in one transaction; the indicative rating.

use std::sync::Arc;

use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::domain::{self, Action, Content, Problem, ScoreSource, State, Verification};
use super::rating::{self, Rating};
use super::store::{self, By, NewEvent, NewVersion, SummaryRow};
use crate::accounts::actor::{Actor, Denied};
use crate::audit::{self, Change};
use crate::db::{Db, DbError};
use crate::engagement::service::{EngagementError, readable_assessment};
use crate::engagement::store::AssessmentRow;
use crate::framework::{Framework, Frameworks, QualityStatement, QualityStatementId};

#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    #[error("denied")]
    Denied(Denied),
    /// What was sent, or the step asked for, is not possible; each problem names its field.
    #[error("invalid")]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<Denied> for SummaryError {
    fn from(d: Denied) -> Self {
        SummaryError::Denied(d)
    }
}

impl From<EngagementError> for SummaryError {
    fn from(e: EngagementError) -> Self {
        match e {
            EngagementError::Denied(d) => SummaryError::Denied(d),
            EngagementError::Db(e) => SummaryError::Db(e),
            // Reading an assessment fails only as not found or on the database.
            _ => SummaryError::Denied(Denied::NotFound),
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> SummaryError {
    SummaryError::Invalid(vec![Problem { field: field.to_owned(), message: message.into() }])
}

/// An assessment the actor may read, with its framework.
pub struct Scope {
    pub assessment: AssessmentRow,
    pub framework: Arc<Framework>,
}

pub async fn scope(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
) -> Result<Scope, SummaryError> {
    let assessment = readable_assessment(db, actor, assessment_id).await?;
    let framework =
        frameworks.get(&assessment.framework_key).cloned().ok_or(SummaryError::Denied(Denied::NotFound))?;
    Ok(Scope { assessment, framework })
}

/// A summary as its pages show it: its statement, its state and content, its verification.
pub struct Summary {
    pub statement: QualityStatementId,
    /// `None` until the first save.
    pub row: Option<SummaryRow>,
    pub state: Option<State>,
    pub content: Content,
    pub verification: Verification,
}

impl Summary {
    pub fn version(&self) -> i64 {
        self.row.as_ref().map_or(0, |r| r.version)
    }

    pub fn content_hash(&self) -> String {
        self.row.as_ref().map_or_else(|| Content::default().hash(), |r| r.content_hash.clone())
    }

    /// The score it gives the indicative rating, and whether verified.
    pub fn rating_score(&self) -> Option<(u8, ScoreSource)> {
        domain::rating_score(self.content.score, self.verification)
    }
}

fn summary_of(statement: QualityStatementId, row: Option<SummaryRow>) -> Summary {
    let state = row.as_ref().and_then(|r| State::parse(&r.state));
    let content = row.as_ref().and_then(|r| Content::from_canonical(&r.content).ok()).unwrap_or_default();
    let verification = match (&row, state) {
        (Some(r), Some(s)) => domain::verification(s, r.verified_hash.as_deref(), &r.content_hash),
        _ => Verification::None,
    };
    Summary { statement, row, state, content, verification }
}

/// The quality statement in a path: not one of the framework's is not found.
pub fn statement<'a>(framework: &'a Framework, raw: &str) -> Result<&'a QualityStatement, SummaryError> {
    raw.parse::<QualityStatementId>()
        .ok()
        .and_then(|id| framework.quality_statement(id))
        .ok_or(SummaryError::Denied(Denied::NotFound))
}

/// One statement's summary, for anyone who may read the assessment.
pub async fn load(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    raw_statement: &str,
) -> Result<(Scope, Summary), SummaryError> {
    let scope = scope(db, frameworks, actor, assessment_id).await?;
    let id = statement(&scope.framework, raw_statement)?.id;
    let row = store::summary(db, scope.assessment.id, &id.to_string()).await?;
    Ok((scope, summary_of(id, row)))
}

/// The same, for someone who may change it (others 403).
pub async fn load_for_edit(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    raw_statement: &str,
) -> Result<(Scope, Summary), SummaryError> {
    let (scope, summary) = load(db, frameworks, actor, assessment_id, raw_statement).await?;
    actor.can_edit_summary(scope.assessment.council_id, summary.statement)?;
    Ok((scope, summary))
}

/// Every statement's summary, in the framework's order.
pub async fn all(db: &Db, scope: &Scope) -> Result<Vec<Summary>, SummaryError> {
    let rows = store::summaries(db, scope.assessment.id).await?;
    Ok(scope
        .framework
        .quality_statements()
        .map(|qs| {
            let id = qs.id.to_string();
            summary_of(qs.id, rows.iter().find(|r| r.quality_statement == id).cloned())
        })
        .collect())
}

/// The assessment's evidence library items, as key documents may be chosen from them.
async fn library_entries(db: &Db, assessment_id: Uuid) -> Result<Vec<domain::LibraryEntry>, SummaryError> {
    Ok(crate::evidence::store::items(db, assessment_id)
        .await?
        .into_iter()
        .map(|row| domain::LibraryEntry {
            id: row.id,
            withdrawn: row.state == crate::evidence::domain::State::Withdrawn.as_str(),
            title: row.title,
        })
        .collect())
}

fn by<'a>(actor: &'a Actor, at: OffsetDateTime) -> By<'a> {
    By { user_id: actor.user_id, name: &actor.name, at }
}

/// Verification is a check by someone else: a verifier who saved a version of the summary or
/// submitted it may neither verify it nor return it.
pub const OWN_SUMMARY: &str =
    "You wrote or submitted this summary, so another verifier must verify or return it";

/// Whether the actor may verify or return this summary as far as authorship goes (the role
/// and the state are checked elsewhere).
pub async fn independent_of(db: &Db, actor: &Actor, summary: &Summary) -> Result<bool, SummaryError> {
    match &summary.row {
        Some(row) => Ok(!store::took_part_in_writing(db, row.id, actor.user_id).await?),
        None => Ok(true),
    }
}

fn moved_on() -> SummaryError {
    invalid("state", "Someone else changed this summary at the same moment: look at it again and retry")
}

/// What saving did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// A new version; `voided` when it voided a verification.
    Version { version: i64, voided: bool },
    /// The content was what is stored already: nothing saved.
    Unchanged,
}

/// Saves changed content as a new version (editors). `base_version` is the version the
/// form was opened at: when another version was saved since, nothing is saved and the
/// problem says so. A change to a verified summary makes it a draft and voids the
/// verification, visibly, until it is verified again.
pub async fn save(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    raw_statement: &str,
    content: &Content,
    base_version: Option<i64>,
) -> Result<Saved, SummaryError> {
    let (scope, summary) = load_for_edit(db, frameworks, actor, assessment_id, raw_statement).await?;
    let mut problems = content.problems();
    if !content.evidence_ids().is_empty() {
        let library = library_entries(db, scope.assessment.id).await?;
        problems.extend(domain::library_problems(content, &summary.content, &library));
    }
    if !problems.is_empty() {
        return Err(SummaryError::Invalid(problems));
    }
    let state = summary.state.unwrap_or(State::Draft);
    let after = domain::next(state, Action::Save).map_err(|m| invalid("state", m))?;
    if let (Some(base), Some(row)) = (base_version, &summary.row)
        && base != row.version
    {
        return Err(invalid(
            "base_version",
            format!(
                "{} saved version {} of this summary on {} while you were changing it: nothing was saved. \
                 Your changes are below; compare the versions, then save again to replace theirs",
                row.updated_by_name,
                row.version,
                crate::web::format_datetime(row.updated_at)
            ),
        ));
    }
    let hash = content.hash();
    if hash == summary.content_hash() {
        return Ok(Saved::Unchanged);
    }
    let canonical = content.canonical();
    let version = summary.version() + 1;
    let v = NewVersion {
        version,
        content: &canonical,
        content_hash: &hash,
        score: content.normalised().score.map(i64::from),
    };
    let voided = summary.verification == Verification::Valid;
    let now = OffsetDateTime::now_utc();
    let statement_id = summary.statement.to_string();
    let mut tx = db.begin().await?;
    let summary_id = match &summary.row {
        None => {
            let id = Uuid::now_v7();
            if !store::insert_summary(&mut tx, id, scope.assessment.id, &statement_id, &v, &by(actor, now))
                .await?
            {
                return Err(moved_on());
            }
            id
        }
        Some(row) => {
            let done = store::update_content(
                &mut tx,
                row.id,
                row.version,
                state.as_str(),
                after.as_str(),
                &v,
                voided,
                &by(actor, now),
            )
            .await?;
            if !done {
                return Err(moved_on());
            }
            row.id
        }
    };
    let event =
        NewEvent { action: "save", version, content_hash: &hash, voided, comments: "", verifier_post: None };
    store::insert_event(&mut tx, summary_id, &event, &by(actor, now)).await?;
    audit::record(
        &mut tx,
        Change {
            council_id: Some(scope.assessment.council_id),
            actor: actor.audit_actor(),
            entity: "summary",
            entity_id: summary_id.to_string(),
            action: "save",
            summary: json!({
                "assessment": scope.assessment.id.to_string(),
                "quality_statement": statement_id,
                "version": version,
                "state": audit::before_after(summary.state.map(State::as_str), after.as_str()),
                "content_hash": hash,
                "voided_verification": voided,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Saved::Version { version, voided })
}

/// Moves a summary to its next state by `action` and records it.
async fn transition(
    db: &Db,
    scope: &Scope,
    actor: &Actor,
    summary: &Summary,
    action: Action,
    comments: &str,
) -> Result<(), SummaryError> {
    let (Some(row), Some(state)) = (&summary.row, summary.state) else {
        let message = domain::next(State::Draft, action).err().unwrap_or("This summary has not been started");
        return Err(invalid("state", message));
    };
    let after = domain::next(state, action).map_err(|m| invalid("state", m))?;
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    if !store::set_state(&mut tx, row.id, row.version, state.as_str(), after.as_str()).await? {
        return Err(moved_on());
    }
    let event = NewEvent {
        action: action.as_str(),
        version: row.version,
        content_hash: &row.content_hash,
        voided: false,
        comments,
        verifier_post: None,
    };
    store::insert_event(&mut tx, row.id, &event, &by(actor, now)).await?;
    audit::record(
        &mut tx,
        Change {
            council_id: Some(scope.assessment.council_id),
            actor: actor.audit_actor(),
            entity: "summary",
            entity_id: row.id.to_string(),
            action: action.as_str(),
            summary: json!({
                "assessment": scope.assessment.id.to_string(),
                "quality_statement": summary.statement.to_string(),
                "version": row.version,
                "state": audit::before_after(state.as_str(), after.as_str()),
                "content_hash": row.content_hash,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sends a summary to the verifiers (editors). It must have an ambition, a strength, a
/// proposed score and why; each missing part is a problem named by its form field.
pub async fn submit(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    raw_statement: &str,
) -> Result<(), SummaryError> {
    let (scope, summary) = load_for_edit(db, frameworks, actor, assessment_id, raw_statement).await?;
    let state = summary.state.unwrap_or(State::Draft);
    domain::next(state, Action::Submit).map_err(|m| invalid("state", m))?;
    let problems = summary.content.submission_problems();
    if !problems.is_empty() {
        return Err(SummaryError::Invalid(problems));
    }
    transition(db, &scope, actor, &summary, Action::Submit, "").await
}

/// Takes a submitted summary back from the verifiers (editors).
pub async fn withdraw(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    raw_statement: &str,
) -> Result<(), SummaryError> {
    let (scope, summary) = load_for_edit(db, frameworks, actor, assessment_id, raw_statement).await?;
    transition(db, &scope, actor, &summary, Action::Withdraw, "").await
}

/// A verifier sends a submitted summary back, saying what to change.
pub async fn return_with_comments(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    raw_statement: &str,
    comments: &str,
) -> Result<(), SummaryError> {
    let (scope, summary) = load(db, frameworks, actor, assessment_id, raw_statement).await?;
    actor.can_verify(scope.assessment.council_id)?;
    let comments = domain::tidy(comments);
    let mut problems = Vec::new();
    if comments.is_empty() {
        problems.push(Problem {
            field: "comments".into(),
            message: "Say what needs to change before it can be verified".into(),
        });
    } else if comments.chars().count() > domain::COMMENTS_TEXT {
        problems.push(Problem {
            field: "comments".into(),
            message: format!(
                "Comments must be {} characters or fewer (they have {})",
                domain::thousands(domain::COMMENTS_TEXT),
                domain::thousands(comments.chars().count())
            ),
        });
    }
    if let Err(m) = domain::next(summary.state.unwrap_or(State::Draft), Action::Return) {
        problems.insert(0, Problem { field: "state".into(), message: m.into() });
    } else if !independent_of(db, actor, &summary).await? {
        problems.insert(0, Problem { field: "state".into(), message: OWN_SUMMARY.into() });
    }
    if !problems.is_empty() {
        return Err(SummaryError::Invalid(problems));
    }
    transition(db, &scope, actor, &summary, Action::Return, &comments).await
}

/// What a verifier enters, and what they read.
pub struct VerifyInput<'a> {
    pub name: &'a str,
    pub post: &'a str,
    /// The version and content hash shown on the page the verifier read.
    pub version: &'a str,
    pub content_hash: &'a str,
}

/// A verifier verifies a submitted summary: their name and post as entered, their account,
/// the time, and the hash of the content they read, which must still be the content.
pub async fn verify(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    raw_statement: &str,
    input: VerifyInput<'_>,
) -> Result<(), SummaryError> {
    let (scope, summary) = load(db, frameworks, actor, assessment_id, raw_statement).await?;
    actor.can_verify(scope.assessment.council_id)?;
    let (name, post) = (domain::tidy(input.name), domain::tidy(input.post));
    let mut problems = Vec::new();
    let state = summary.state.unwrap_or(State::Draft);
    if let Err(m) = domain::next(state, Action::Verify) {
        problems.push(Problem { field: "state".into(), message: m.into() });
    } else if input.version.trim() != summary.version().to_string()
        || input.content_hash.trim() != summary.content_hash()
    {
        problems.push(Problem {
            field: "state".into(),
            message: "The summary changed after you opened it: read this version, then verify it".into(),
        });
    } else if !independent_of(db, actor, &summary).await? {
        problems.push(Problem { field: "state".into(), message: OWN_SUMMARY.into() });
    }
    for (field, value, what) in [("verifier_name", &name, "your name"), ("verifier_post", &post, "your post")]
    {
        if value.is_empty() {
            problems.push(Problem { field: field.into(), message: format!("Enter {what}") });
        } else if value.chars().count() > domain::NAME_TEXT {
            let mut what = what.to_owned();
            what.replace_range(..1, &what[..1].to_uppercase());
            problems.push(Problem {
                field: field.into(),
                message: format!("{what} must be {} characters or fewer", domain::NAME_TEXT),
            });
        }
    }
    if !problems.is_empty() {
        return Err(SummaryError::Invalid(problems));
    }
    let Some(row) = &summary.row else { return Err(invalid("state", "This summary has not been started")) };
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let verification = store::Verification {
        version: row.version,
        content_hash: &row.content_hash,
        account: &actor.email,
        name: &name,
        post: &post,
    };
    if !store::verify(&mut tx, row.id, &verification, &by(actor, now)).await? {
        return Err(moved_on());
    }
    let event = NewEvent {
        action: "verify",
        version: row.version,
        content_hash: &row.content_hash,
        voided: false,
        comments: "",
        verifier_post: Some(&post),
    };
    store::insert_event(&mut tx, row.id, &event, &by(actor, now)).await?;
    audit::record(
        &mut tx,
        Change {
            council_id: Some(scope.assessment.council_id),
            actor: actor.audit_actor(),
            entity: "summary",
            entity_id: row.id.to_string(),
            action: "verify",
            summary: json!({
                "assessment": scope.assessment.id.to_string(),
                "quality_statement": summary.statement.to_string(),
                "version": row.version,
                "state": audit::before_after(state.as_str(), State::Verified.as_str()),
                "content_hash": row.content_hash,
                "verifier_name": name,
                "verifier_post": post,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A statement's part in the indicative rating.
#[derive(Debug, Clone)]
pub struct StatementScore {
    pub id: QualityStatementId,
    pub title: String,
    pub score: Option<(u8, ScoreSource)>,
}

/// The indicative rating from each statement's score (verified where the verification
/// stands, otherwise proposed); `None` when no statement has a score.
pub struct Indicative {
    pub statements: Vec<StatementScore>,
    pub rating: Option<Rating>,
}

pub fn indicative(framework: &Framework, summaries: &[Summary]) -> Indicative {
    let statements: Vec<StatementScore> = summaries
        .iter()
        .filter_map(|s| {
            framework.quality_statement(s.statement).map(|qs| StatementScore {
                id: s.statement,
                title: qs.title.clone(),
                score: s.rating_score(),
            })
        })
        .collect();
    let scores: Vec<u8> = statements.iter().filter_map(|s| s.score.map(|(v, _)| v)).collect();
    let rating = rating::rate(&scores, &framework.scoring.rating_bands).ok();
    Indicative { statements, rating }
}

/// The indicative rating of an assessment (members).
pub async fn indicative_rating(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
) -> Result<(Scope, Indicative), SummaryError> {
    let scope = scope(db, frameworks, actor, assessment_id).await?;
    let summaries = all(db, &scope).await?;
    let indicative = indicative(&scope.framework, &summaries);
    Ok((scope, indicative))
}

/// For the "what if" page: the assessment's scores now, for someone who may try others.
pub async fn what_if(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
) -> Result<(Scope, Indicative), SummaryError> {
    let (scope, indicative) = indicative_rating(db, frameworks, actor, assessment_id).await?;
    actor.can_try_scores(scope.assessment.council_id)?;
    Ok((scope, indicative))
}

/// A summary's versions, newest first, for anyone who may read it.
pub async fn versions(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    raw_statement: &str,
) -> Result<(Scope, Summary, Vec<store::VersionRow>), SummaryError> {
    let (scope, summary) = load(db, frameworks, actor, assessment_id, raw_statement).await?;
    let versions = match &summary.row {
        Some(row) => store::versions(db, row.id).await?,
        None => vec![],
    };
    Ok((scope, summary, versions))
}

/// The content of one version of a summary (`None` when there is no such version).
pub async fn version_content(
    db: &Db,
    summary: &Summary,
    version: i64,
) -> Result<Option<Content>, SummaryError> {
    let Some(row) = &summary.row else { return Ok(None) };
    let Some(stored) = store::version(db, row.id, version).await? else { return Ok(None) };
    Ok(Some(Content::from_canonical(&stored.content).unwrap_or_default()))
}

/// What happened to a summary, oldest first.
pub async fn history(db: &Db, summary: &Summary) -> Result<Vec<store::EventRow>, SummaryError> {
    match &summary.row {
        Some(row) => Ok(store::events(db, row.id).await?),
        None => Ok(vec![]),
    }
}
