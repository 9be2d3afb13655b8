//! Stage 3 use cases: reading the draft document, saving its parts (each change with its
//! audit entry in one transaction, replaced only at the version its editor opened), the
//! sign-off, and gathering what the readiness page and the exports need.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::domain::{Limits, NewEndorsement, Problem, SectionA, SectionC, StartedFrom, StatementPart, Tips};
use super::store::{self, EndorsementRow, NewEndorsementRow, PartRow};
use crate::accounts::actor::{Actor, Denied};
use crate::audit::{self, Change};
use crate::db::{Db, DbError};
use crate::engagement::store::AssessmentRow;
use crate::evidence::service::{EvidenceError, Library};
use crate::evidence::storage::Evidence;
use crate::framework::{Framework, Frameworks, QualityStatementId};
use crate::summaries::domain::Verification;
use crate::summaries::service::{self as summaries, Summary, SummaryError};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("denied")]
    Denied(Denied),
    /// What was sent is not possible; each problem names its field.
    #[error("invalid")]
    Invalid(Vec<Problem>),
    #[error("the evidence library could not be read: {0}")]
    Evidence(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<Denied> for ReportError {
    fn from(d: Denied) -> Self {
        ReportError::Denied(d)
    }
}

impl From<SummaryError> for ReportError {
    fn from(e: SummaryError) -> Self {
        match e {
            SummaryError::Denied(d) => ReportError::Denied(d),
            SummaryError::Db(e) => ReportError::Db(e),
            SummaryError::Invalid(problems) => ReportError::Invalid(
                problems.into_iter().map(|p| Problem { field: p.field, message: p.message }).collect(),
            ),
        }
    }
}

impl From<EvidenceError> for ReportError {
    fn from(e: EvidenceError) -> Self {
        match e {
            EvidenceError::Denied(d) => ReportError::Denied(d),
            EvidenceError::Db(e) => ReportError::Db(e),
            other => ReportError::Evidence(other.to_string()),
        }
    }
}

/// Nothing is saved while any problem remains.
fn refuse(problems: Vec<Problem>) -> Result<(), ReportError> {
    if problems.is_empty() { Ok(()) } else { Err(ReportError::Invalid(problems)) }
}

fn invalid(field: &str, message: impl Into<String>) -> ReportError {
    ReportError::Invalid(vec![Problem { field: field.to_owned(), message: message.into() }])
}

/// A part as saved: its value, version (0 until first saved) and who saved it last.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub version: i64,
    pub updated: Option<(String, OffsetDateTime)>,
}

fn versioned<T: DeserializeOwned + Default>(rows: &[PartRow], key: &str) -> Versioned<T> {
    match rows.iter().find(|r| r.part == key) {
        Some(row) => Versioned {
            // A part that no longer reads (never expected: we write it) shows as empty rather
            // than failing every page of the document.
            value: serde_json::from_str(&row.content).unwrap_or_default(),
            version: row.version,
            updated: Some((row.updated_by_name.clone(), row.updated_at)),
        },
        None => Versioned { value: T::default(), version: 0, updated: None },
    }
}

/// One quality statement's part of Section B, with its Stage 2 summary.
pub struct StatementEntry {
    pub id: QualityStatementId,
    pub title: String,
    pub theme: String,
    pub part: Versioned<StatementPart>,
    pub summary: Summary,
}

impl StatementEntry {
    /// The Stage 2 summary's verified version, when its verification stands.
    pub fn verified_from(&self) -> Option<StartedFrom> {
        let row = self.summary.row.as_ref()?;
        (self.summary.verification == Verification::Valid)
            .then(|| StartedFrom { version: row.version, content_hash: row.content_hash.clone() })
    }

    /// What the form starts with: the saved part, or, until one is saved, the verified Stage 2
    /// summary (or nothing when it is not verified).
    pub fn starting_point(&self, limits: &Limits) -> StatementPart {
        if self.part.version > 0 {
            return self.part.value.clone();
        }
        self.from_verified_summary(limits)
    }

    /// The part as the verified Stage 2 summary would start it (empty when not verified).
    pub fn from_verified_summary(&self, limits: &Limits) -> StatementPart {
        match self.verified_from() {
            Some(from) => StatementPart::from_summary(&self.summary.content, from, limits),
            None => StatementPart::default(),
        }
    }

    /// True when the Stage 2 summary was verified again, or changed, since the part was
    /// started from it.
    pub fn summary_moved_on(&self) -> bool {
        match (&self.part.value.started_from, self.verified_from()) {
            (Some(started), Some(now)) => started.content_hash != now.content_hash,
            _ => false,
        }
    }
}

/// The draft document of an assessment.
pub struct Report {
    pub assessment: AssessmentRow,
    pub framework: Arc<Framework>,
    pub limits: Limits,
    pub a: Versioned<SectionA>,
    pub statements: Vec<StatementEntry>,
    pub c: Versioned<SectionC>,
    pub tips: Versioned<Tips>,
    pub endorsements: Vec<EndorsementRow>,
}

impl Report {
    pub fn statement(&self, id: QualityStatementId) -> Option<&StatementEntry> {
        self.statements.iter().find(|s| s.id == id)
    }

    /// Section A's parts in the framework: (id, title, guidance).
    pub fn section_a_parts(&self) -> Vec<(&str, &str, &str)> {
        self.section("A")
            .map(|s| s.parts.iter().map(|p| (p.id.as_str(), p.title.as_str(), p.guidance.as_str())).collect())
            .unwrap_or_default()
    }

    /// Section C's sign-off roles in the framework: (id, title).
    pub fn sign_off_roles(&self) -> Vec<(&str, &str)> {
        self.section("C")
            .map(|s| s.sign_off_roles.iter().map(|r| (r.id.as_str(), r.title.as_str())).collect())
            .unwrap_or_default()
    }

    pub fn role_title<'a>(&'a self, role: &'a str) -> &'a str {
        self.sign_off_roles().into_iter().find(|(id, _)| *id == role).map_or(role, |(_, t)| t)
    }

    pub fn section(&self, id: &str) -> Option<&crate::framework::domain::Stage3Section> {
        self.framework.stage3.sections.iter().find(|s| s.id == id)
    }
}

/// The draft document, for anyone who may read the assessment.
pub async fn load(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
) -> Result<Report, ReportError> {
    let scope = summaries::scope(db, frameworks, actor, assessment_id).await?;
    let rows = store::parts(db, scope.assessment.id).await?;
    let summaries = summaries::all(db, &scope).await?;
    let framework = scope.framework.clone();
    let statements = summaries
        .into_iter()
        .filter_map(|summary| {
            let qs = framework.quality_statement(summary.statement)?;
            Some(StatementEntry {
                id: qs.id,
                title: qs.title.clone(),
                theme: qs.theme.to_string(),
                part: versioned(&rows, &qs.id.to_string()),
                summary,
            })
        })
        .collect();
    Ok(Report {
        limits: Limits::from_framework(&framework.stage3),
        a: versioned(&rows, "a"),
        c: versioned(&rows, "c"),
        tips: versioned(&rows, "tips"),
        endorsements: store::endorsements(db, scope.assessment.id).await?,
        statements,
        framework,
        assessment: scope.assessment,
    })
}

/// The quality statement in a path: not one of the framework's is not found.
pub fn statement_id(report: &Report, raw: &str) -> Result<QualityStatementId, ReportError> {
    raw.parse::<QualityStatementId>()
        .ok()
        .filter(|id| report.statement(*id).is_some())
        .ok_or(ReportError::Denied(Denied::NotFound))
}

/// What saving did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Version(i64),
    Unchanged,
}

/// Saves a part's JSON as its next version, with its audit entry. `base` is the version the
/// form was opened at: when someone saved another since, nothing is saved.
async fn save_part<T: Serialize + PartialEq>(
    db: &Db,
    report: &Report,
    actor: &Actor,
    key: &str,
    current: &Versioned<T>,
    value: &T,
    base: Option<i64>,
) -> Result<Saved, ReportError> {
    if let Some(base) = base
        && base != current.version
    {
        let who = current.updated.as_ref().map_or_else(
            || "Someone".to_owned(),
            |(name, at)| format!("{name} (on {})", crate::web::format_datetime(*at)),
        );
        return Err(invalid(
            "base_version",
            format!(
                "{who} saved this part while you were changing it: nothing was saved. Your changes are below; \
                 save again to replace theirs"
            ),
        ));
    }
    if current.version > 0 && &current.value == value {
        return Ok(Saved::Unchanged);
    }
    let content = serde_json::to_string(value).map_err(|e| ReportError::Evidence(e.to_string()))?;
    let version = current.version + 1;
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    if !store::save_part(
        &mut tx,
        report.assessment.id,
        key,
        &content,
        version,
        (actor.user_id, &actor.name, now),
    )
    .await?
    {
        return Err(invalid(
            "base_version",
            "Someone else saved this part at the same moment: nothing was saved. Look at it again and retry",
        ));
    }
    audit::record(
        &mut tx,
        Change {
            council_id: Some(report.assessment.council_id),
            actor: actor.audit_actor(),
            entity: "report_part",
            entity_id: format!("{}/{key}", report.assessment.id),
            action: "save",
            // Never the text itself: the audit trail records that it changed.
            summary: json!({"assessment": report.assessment.id.to_string(), "part": key, "version": version}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Saved::Version(version))
}

/// Section A (assessment leads).
pub async fn save_section_a(
    db: &Db,
    report: &Report,
    actor: &Actor,
    a: &SectionA,
    base: Option<i64>,
) -> Result<Saved, ReportError> {
    actor.can_lead(report.assessment.council_id)?;
    refuse(a.problems())?;
    save_part(db, report, actor, "a", &report.a, a, base).await
}

/// A quality statement's part of Section B (its quality statement leads and assessment
/// leads), within the toolkit's limits.
pub async fn save_statement(
    db: &Db,
    report: &Report,
    actor: &Actor,
    id: QualityStatementId,
    part: &StatementPart,
    base: Option<i64>,
) -> Result<Saved, ReportError> {
    actor.can_edit_summary(report.assessment.council_id, id)?;
    let entry = report.statement(id).ok_or(ReportError::Denied(Denied::NotFound))?;
    refuse(part.problems(&report.limits))?;
    save_part(db, report, actor, &id.to_string(), &entry.part, part, base).await
}

/// Section C's narrative (assessment leads).
pub async fn save_section_c(
    db: &Db,
    report: &Report,
    actor: &Actor,
    c: &SectionC,
    base: Option<i64>,
) -> Result<Saved, ReportError> {
    actor.can_lead(report.assessment.council_id)?;
    refuse(c.problems())?;
    save_part(db, report, actor, "c", &report.c, c, base).await
}

/// The top tips self-check (assessment leads).
pub async fn save_tips(db: &Db, report: &Report, actor: &Actor, tips: &Tips) -> Result<Saved, ReportError> {
    actor.can_lead(report.assessment.council_id)?;
    save_part(db, report, actor, "tips", &report.tips, tips, None).await
}

/// Records an endorsement (assessment leads). The problems come from `read_endorsement`.
pub async fn add_endorsement(
    db: &Db,
    report: &Report,
    actor: &Actor,
    e: &NewEndorsement,
) -> Result<Uuid, ReportError> {
    actor.can_lead(report.assessment.council_id)?;
    let endorsed_on =
        e.endorsed_on.ok_or_else(|| invalid("date-day", "Enter the date of the endorsement"))?;
    let id = Uuid::now_v7();
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let row = NewEndorsementRow {
        id,
        assessment_id: report.assessment.id,
        role: &e.role,
        name: &e.name,
        comment: &e.comment,
        endorsed_on,
    };
    store::insert_endorsement(&mut tx, &row, (actor.user_id, &actor.name, now)).await?;
    audit::record(
        &mut tx,
        Change {
            council_id: Some(report.assessment.council_id),
            actor: actor.audit_actor(),
            entity: "report_endorsement",
            entity_id: id.to_string(),
            action: "create",
            summary: json!({"assessment": report.assessment.id.to_string(), "role": e.role, "date": endorsed_on.to_string()}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes an endorsement (assessment leads); another assessment's is not found.
pub async fn remove_endorsement(
    db: &Db,
    report: &Report,
    actor: &Actor,
    id: Uuid,
) -> Result<(), ReportError> {
    actor.can_lead(report.assessment.council_id)?;
    let mut tx = db.begin().await?;
    if !store::delete_endorsement(&mut tx, report.assessment.id, id).await? {
        return Err(ReportError::Denied(Denied::NotFound));
    }
    audit::record(
        &mut tx,
        Change {
            council_id: Some(report.assessment.council_id),
            actor: actor.audit_actor(),
            entity: "report_endorsement",
            entity_id: id.to_string(),
            action: "delete",
            summary: json!({"assessment": report.assessment.id.to_string()}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Everything the readiness page and the exports read besides the draft: the Stage 1
/// analysis and the evidence library.
pub struct Inputs {
    pub report: Report,
    pub analysis: Arc<crate::analysis::model::Analysis>,
    pub library: Library,
}

pub async fn inputs(
    db: &Db,
    frameworks: &Frameworks,
    evidence: &Evidence,
    actor: &Actor,
    assessment_id: Uuid,
) -> Result<Inputs, ReportError> {
    let report = load(db, frameworks, actor, assessment_id).await?;
    let loaded = crate::analysis::service::load(db, frameworks, actor, assessment_id, None)
        .await
        .map_err(SummaryError::from)?;
    let library = crate::evidence::service::library(db, frameworks, evidence, actor, assessment_id).await?;
    Ok(Inputs { report, analysis: loaded.analysis, library })
}
