//! Spreadsheet use cases with their authorisation: who may download blank checklists, export
//! answers, and import completed checklists; the import's preview and confirmation.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::cells::{FileProblem, Location, shown};
use super::import::{self, ReadChecklist};
use super::store::{self, ImportRow};
use crate::accounts::actor::{Actor, Denied};
use crate::accounts::service::FieldError;
use crate::audit::{self, Change};
use crate::db::{Db, DbError};
use crate::engagement::domain::{self, Mode, RawAnswer};
use crate::engagement::service::{EngagementError, readable_assessment};
use crate::engagement::store::{self as engagement_store, AssessmentRow, GroupRow, NewResponse};
use crate::framework::{Framework, Frameworks};

/// How long a preview waits for confirmation.
pub const PREVIEW_LIFETIME: Duration = Duration::hours(24);

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("denied")]
    Denied(Denied),
    /// Problems with the form's fields and with the file; nothing was stored.
    #[error("invalid")]
    Invalid { fields: Vec<FieldError>, file: Vec<FileProblem> },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Internal(String),
}

impl From<Denied> for SheetError {
    fn from(d: Denied) -> Self {
        SheetError::Denied(d)
    }
}

impl From<EngagementError> for SheetError {
    fn from(e: EngagementError) -> Self {
        match e {
            EngagementError::Denied(d) => SheetError::Denied(d),
            EngagementError::Db(e) => SheetError::Db(e),
            other => SheetError::Internal(other.to_string()),
        }
    }
}

impl From<SheetError> for crate::web::AppError {
    fn from(e: SheetError) -> Self {
        use crate::web::AppError;
        match e {
            SheetError::Denied(Denied::NotFound) => AppError::NotFound,
            SheetError::Denied(Denied::Forbidden) => AppError::Forbidden,
            SheetError::Db(e) => AppError::Database(e),
            SheetError::Invalid { .. } | SheetError::Internal(_) => {
                tracing::error!(error = %e, "spreadsheet request failed");
                AppError::Internal
            }
        }
    }
}

/// An assessment with its framework.
pub struct Assessment {
    pub row: AssessmentRow,
    pub framework: Arc<Framework>,
    pub council_name: String,
    pub groups: Vec<GroupRow>,
}

async fn load(db: &Db, frameworks: &Frameworks, row: AssessmentRow) -> Result<Assessment, SheetError> {
    let framework =
        frameworks.get(&row.framework_key).cloned().ok_or(SheetError::Denied(Denied::NotFound))?;
    let council_name =
        crate::councils::store::by_id(db, row.council_id).await?.map(|c| c.name).unwrap_or_default();
    let groups = engagement_store::groups(db, row.id).await?;
    Ok(Assessment { row, framework, council_name, groups })
}

/// Blank checklists: any member of the council (others: not found).
pub async fn for_members(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    id: Uuid,
) -> Result<Assessment, SheetError> {
    let row = readable_assessment(db, actor, id).await?;
    load(db, frameworks, row).await
}

/// Exports and imports handle respondents' free text: assessment leads and platform
/// administrators only (other members: forbidden; other councils: not found).
pub async fn for_leads(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    id: Uuid,
) -> Result<Assessment, SheetError> {
    let row = readable_assessment(db, actor, id).await?;
    actor.can_lead(row.council_id)?;
    load(db, frameworks, row).await
}

/// Records that someone exported the responses (they hold personal data): who, when, which
/// format. No answer text.
pub async fn record_export(
    db: &Db,
    actor: &Actor,
    assessment: &AssessmentRow,
    format: &str,
) -> Result<(), SheetError> {
    let mut tx = db.begin().await?;
    audit::record(
        &mut tx,
        Change {
            council_id: Some(assessment.council_id),
            actor: actor.audit_actor(),
            entity: "assessment",
            entity_id: assessment.id.to_string(),
            action: "export_responses",
            summary: json!({"format": format}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the upload form sent.
pub struct Upload<'a> {
    pub bytes: &'a [u8],
    /// A group id, or empty for the group written in the workbook's About sheet.
    pub group: &'a str,
    /// `response` or `workshop`.
    pub mode: &'a str,
    pub workshop_date: &'a str,
    pub facilitator: &'a str,
    pub participants: &'a str,
}

/// An answer waiting in a preview.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PendingAnswer {
    pub item: String,
    pub rating: u8,
    pub evidence: String,
    pub evidence_needed: String,
}

/// The idempotency key of the response a file becomes: the same bytes, the same key.
pub fn file_key(sha256_hex: &str) -> String {
    format!("file-sha256:{sha256_hex}")
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn field(field: &str, message: impl Into<String>) -> FieldError {
    FieldError { field: field.to_owned(), message: message.into() }
}

fn date_format() -> &'static [time::format_description::BorrowedFormatItem<'static>] {
    time::macros::format_description!("[year]-[month]-[day]")
}

/// Reads an uploaded checklist and, when it and the form are valid, keeps it as a preview
/// awaiting confirmation. Nothing becomes a response here. A file imported before is refused
/// with the response it became.
pub async fn preview(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    upload: Upload<'_>,
) -> Result<Uuid, SheetError> {
    let assessment = for_leads(db, frameworks, actor, assessment_id).await?;
    let mut fields = Vec::new();
    let mode = match upload.mode.trim() {
        "response" => Some(Mode::Import),
        "workshop" => Some(Mode::Workshop),
        _ => {
            fields.push(field("mode", "Choose whether the file is one person's answers or a workshop's"));
            None
        }
    };
    let (mut workshop_date, mut facilitator, mut participants) = (None, None, None);
    // A workshop needs what the workshop page asks for too.
    if mode == Some(Mode::Workshop) {
        match Date::parse(upload.workshop_date.trim(), date_format()) {
            Ok(d) => workshop_date = Some(d),
            Err(_) => fields.push(field("workshop_date", "Enter the workshop's date like 2026-05-14")),
        }
        let name = upload.facilitator.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            fields.push(field("facilitator", "Enter the facilitator's name"));
        } else if name.chars().count() > 200 {
            fields.push(field("facilitator", "The facilitator's name must be 200 characters or fewer"));
        } else {
            facilitator = Some(name);
        }
        match upload.participants.trim().parse::<i64>() {
            Ok(n) if (1..=10_000).contains(&n) => participants = Some(n),
            _ => fields
                .push(field("participants", "Enter how many people took part, as a whole number like 12")),
        }
    }
    let chosen_group = upload.group.trim();
    let form_group = if chosen_group.is_empty() {
        None
    } else {
        match Uuid::parse_str(chosen_group).ok().and_then(|id| assessment.groups.iter().find(|g| g.id == id))
        {
            Some(g) => Some(g.id),
            None => {
                fields.push(field("group", "Choose a respondent group of this assessment"));
                None
            }
        }
    };
    if upload.bytes.is_empty() {
        fields.push(field("file", "Choose the completed checklist file"));
        return Err(SheetError::Invalid { fields, file: Vec::new() });
    }

    let sha = sha256_hex(upload.bytes);
    if let Some((_, reference, at)) = store::response_by_key(db, assessment_id, &file_key(&sha)).await? {
        fields.push(field(
            "file",
            format!(
                "This file was imported on {} as response {reference}; it is not imported again",
                crate::web::format_date(at)
            ),
        ));
        return Err(SheetError::Invalid { fields, file: Vec::new() });
    }

    let framework = assessment.framework.clone();
    let bytes = upload.bytes.to_vec();
    let read = tokio::task::spawn_blocking(move || import::read_checklist(&framework, &bytes))
        .await
        .map_err(|e| SheetError::Internal(format!("reading the file failed: {e}")))?;
    let (read, mut file_problems) = match read {
        Ok(read) => (Some(read), Vec::new()),
        Err(problems) => (None, problems),
    };

    let mut group_id = form_group;
    if let Some(read) = &read
        && group_id.is_none()
        && fields.iter().all(|f| f.field != "group")
    {
        group_id = group_from_file(read, &assessment.groups, &mut file_problems, &mut fields);
    }
    let answers = read.as_ref().map(|r| checked(&assessment.framework, r, &mut file_problems));
    let (true, true, Some(mode), Some(group_id), Some(Some(answers)), Some(read)) =
        (fields.is_empty(), file_problems.is_empty(), mode, group_id, answers, read)
    else {
        return Err(SheetError::Invalid { fields, file: file_problems });
    };

    let now = OffsetDateTime::now_utc();
    let pending: Vec<PendingAnswer> = answers
        .iter()
        .map(|a| PendingAnswer {
            item: a.item.to_string(),
            rating: a.rating.value(),
            evidence: a.evidence.clone(),
            evidence_needed: a.evidence_needed.clone(),
        })
        .collect();
    let row = ImportRow {
        id: Uuid::now_v7(),
        assessment_id,
        sha256: sha,
        kind: read.kind.as_str().to_owned(),
        group_id,
        mode: if mode == Mode::Workshop { "workshop" } else { "import" }.to_owned(),
        workshop_date,
        facilitator,
        participants,
        content: serde_json::to_string(&pending).map_err(|e| SheetError::Internal(e.to_string()))?,
        answer_count: pending.len() as i64,
        created_by: Some(actor.user_id),
        created_at: now,
        expires_at: (now + PREVIEW_LIFETIME).unix_timestamp(),
        confirmed_at: None,
        response_id: None,
    };
    let mut tx = db.begin().await?;
    store::insert_pending(&mut tx, &row, now).await?;
    tx.commit().await?;
    Ok(row.id)
}

/// The group named in the About sheet, matched to the assessment's groups by name.
fn group_from_file(
    read: &ReadChecklist,
    groups: &[GroupRow],
    file_problems: &mut Vec<FileProblem>,
    fields: &mut Vec<FieldError>,
) -> Option<Uuid> {
    let normal = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    match &read.group {
        Some((at, name)) => match groups.iter().find(|g| normal(&g.name) == normal(name)) {
            Some(g) => Some(g.id),
            None => {
                let names: Vec<String> = groups.iter().map(|g| format!("'{}'", g.name)).collect();
                file_problems.push(FileProblem::new(
                    at.clone(),
                    format!(
                        "{} is not a respondent group of this assessment ({}); choose the group on this form instead",
                        shown(name),
                        names.join(", ")
                    ),
                ));
                None
            }
        },
        None => {
            fields.push(field(
                "group",
                "Choose the respondent group: the file does not name one (the workbook's About sheet, cell B13)",
            ));
            None
        }
    }
}

/// Runs the engagement rules over what was read (they should agree: this is a second check),
/// naming the row of any problem.
fn checked(
    framework: &Framework,
    read: &ReadChecklist,
    problems: &mut Vec<FileProblem>,
) -> Option<Vec<domain::Answer>> {
    let statements: Vec<_> = framework.quality_statements().map(|qs| qs.id).collect();
    let raw: Vec<RawAnswer> = read
        .answers
        .iter()
        .map(|a| RawAnswer {
            item: a.item.to_string(),
            rating: Some(serde_json::Value::from(a.rating.value())),
            evidence: Some(a.evidence.clone()),
            evidence_needed: Some(a.evidence_needed.clone()),
        })
        .collect();
    match domain::check_answers(framework, &statements, &raw) {
        Ok(answers) => Some(answers),
        Err(found) => {
            for p in found {
                let index = p
                    .field
                    .strip_prefix("answers[")
                    .and_then(|rest| rest.split(']').next())
                    .and_then(|i| i.parse::<usize>().ok());
                let at = index
                    .and_then(|i| read.answers.get(i))
                    .map(|a| a.at.clone())
                    .unwrap_or_else(Location::file);
                problems.push(FileProblem::new(at, p.message));
            }
            None
        }
    }
}

/// A preview or a finished import, for its page.
pub struct ImportView {
    pub import: ImportRow,
    pub group_name: String,
    pub answers: Vec<PendingAnswer>,
    /// Once confirmed: the response's reference.
    pub reference: Option<String>,
    pub expired: bool,
}

pub async fn view(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    import_id: Uuid,
) -> Result<(Assessment, ImportView), SheetError> {
    let assessment = for_leads(db, frameworks, actor, assessment_id).await?;
    let import =
        store::import(db, assessment_id, import_id).await?.ok_or(SheetError::Denied(Denied::NotFound))?;
    let group_name = assessment
        .groups
        .iter()
        .find(|g| g.id == import.group_id)
        .map(|g| g.name.clone())
        .unwrap_or_default();
    let answers: Vec<PendingAnswer> = if import.content.is_empty() {
        Vec::new()
    } else {
        serde_json::from_str(&import.content).map_err(|e| SheetError::Internal(e.to_string()))?
    };
    let reference = match import.response_id {
        Some(id) => store::response_reference(db, id).await?.map(|(r, _)| r),
        None => None,
    };
    let expired =
        import.confirmed_at.is_none() && import.expires_at < OffsetDateTime::now_utc().unix_timestamp();
    Ok((assessment, ImportView { import, group_name, answers, reference, expired }))
}

/// What confirming did.
pub enum Confirmed {
    /// Stored as a new response.
    Stored,
    /// The same file had become a response already (another tab, another person): nothing
    /// more was stored.
    AlreadyImported { reference: String },
    /// The preview waited too long; nothing was stored.
    Expired,
}

/// Stores a preview as one response, with its audit entry, in one transaction. Confirming
/// twice stores one response.
pub async fn confirm(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    import_id: Uuid,
) -> Result<Confirmed, SheetError> {
    let (assessment, view) = view(db, frameworks, actor, assessment_id, import_id).await?;
    let import = view.import;
    if import.confirmed_at.is_some() {
        return Ok(Confirmed::Stored);
    }
    if view.expired {
        return Ok(Confirmed::Expired);
    }
    let statements: Vec<_> = assessment.framework.quality_statements().map(|qs| qs.id).collect();
    let raw: Vec<RawAnswer> = view
        .answers
        .iter()
        .map(|a| RawAnswer {
            item: a.item.clone(),
            rating: Some(serde_json::Value::from(a.rating)),
            evidence: Some(a.evidence.clone()),
            evidence_needed: Some(a.evidence_needed.clone()),
        })
        .collect();
    let answers = domain::check_answers(&assessment.framework, &statements, &raw).map_err(|p| {
        SheetError::Internal(format!("a stored preview no longer checks: {} problems", p.len()))
    })?;
    let mode = if import.mode == "workshop" { Mode::Workshop } else { Mode::Import };
    let now = OffsetDateTime::now_utc();
    let response = NewResponse {
        id: Uuid::now_v7(),
        assessment_id,
        round_id: None,
        group_id: import.group_id,
        mode: mode.as_str(),
        // The person importing is not the respondent.
        user_id: None,
        reference: domain::new_reference(),
        idempotency_key: file_key(&import.sha256),
        workshop_date: import.workshop_date,
        facilitator: import.facilitator.clone(),
        participants: import.participants,
        submitted_at: now,
    };
    let mut tx = db.begin().await?;
    let (stored, created) = engagement_store::insert_response(&mut tx, &response, &answers).await?;
    if !created {
        store::delete_pending(&mut tx, import.id).await?;
        tx.commit().await?;
        return Ok(Confirmed::AlreadyImported { reference: stored.reference });
    }
    if !store::mark_confirmed(&mut tx, import.id, stored.id, now).await? {
        // Confirmed meanwhile by a second click: the response's key makes that impossible
        // unless the same request raced itself, so roll back and show what is stored.
        drop(tx);
        return Ok(Confirmed::Stored);
    }
    audit::record(
        &mut tx,
        Change {
            council_id: Some(assessment.row.council_id),
            actor: actor.audit_actor(),
            entity: "response",
            entity_id: stored.id.to_string(),
            action: "import",
            summary: json!({
                "assessment": assessment_id.to_string(),
                "file": import.kind,
                "file_sha256": import.sha256,
                "group": view.group_name,
                "mode": mode.as_str(),
                "answers": answers.len(),
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Confirmed::Stored)
}
