//! Spreadsheet use cases with their authorisation: who may download blank checklists, export
//! answers, and import completed checklists; the import's preview and confirmation.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::cells::{FileProblem, Location, column_letter, shown};
use super::import::{self, ReadChecklist};
use super::store::{self, ImportRow};
use super::survey::{self, SurveyResponse, Table};
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
/// awaiting confirmation; returns its id. Nothing becomes a response here. A file imported
/// before is refused with the response it became.
pub async fn preview(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    upload: Upload<'_>,
) -> Result<Uuid, SheetError> {
    preview_as(db, frameworks, actor, assessment_id, Uuid::now_v7(), upload).await
}

/// As [`preview`], the preview to have the id `import_id` (chosen before the file is read, so
/// the import's page can show the reading's progress).
pub async fn preview_as(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    import_id: Uuid,
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
        id: import_id,
        assessment_id,
        sha256: sha,
        kind: read.kind.as_str().to_owned(),
        group_id: Some(group_id),
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

/// A survey export waiting for its mapping, then for confirmation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SurveyContent {
    pub table: Table,
    /// One target value per column (`Target::value`), as last chosen or guessed.
    pub mapping: Vec<String>,
    pub fixed_group: Option<Uuid>,
    /// Once the mapping checks: the responses the rows become.
    pub responses: Option<Vec<SurveyResponse>>,
}

/// A preview or a finished import, for its page.
pub struct ImportView {
    pub import: ImportRow,
    pub group_name: String,
    /// A checklist's answers.
    pub answers: Vec<PendingAnswer>,
    /// A survey export's table, mapping and responses.
    pub survey: Option<SurveyContent>,
    /// Once confirmed: the response's reference (a checklist).
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
        .find(|g| Some(g.id) == import.group_id)
        .map(|g| g.name.clone())
        .unwrap_or_default();
    let decode = |e: serde_json::Error| SheetError::Internal(e.to_string());
    let (mut answers, mut survey) = (Vec::new(), None);
    if !import.content.is_empty() {
        if import.kind == SURVEY_KIND {
            survey = Some(serde_json::from_str(&import.content).map_err(decode)?);
        } else {
            answers = serde_json::from_str(&import.content).map_err(decode)?;
        }
    }
    let reference = match import.response_id {
        Some(id) => store::response_reference(db, id).await?.map(|(r, _)| r),
        None => None,
    };
    let expired =
        import.confirmed_at.is_none() && import.expires_at < OffsetDateTime::now_utc().unix_timestamp();
    Ok((assessment, ImportView { import, group_name, answers, survey, reference, expired }))
}

/// What confirming did.
pub enum Confirmed {
    /// Stored as a new response (or, for a survey export, responses).
    Stored,
    /// The same file had become a response already (another tab, another person): nothing
    /// more was stored.
    AlreadyImported { reference: String },
    /// The preview waited too long, or a survey export's mapping is not done; nothing was
    /// stored.
    NotReady,
}

fn checked_again(
    framework: &Framework,
    answers: &[PendingAnswer],
) -> Result<Vec<domain::Answer>, SheetError> {
    let statements: Vec<_> = framework.quality_statements().map(|qs| qs.id).collect();
    let raw: Vec<RawAnswer> = answers
        .iter()
        .map(|a| RawAnswer {
            item: a.item.clone(),
            rating: Some(serde_json::Value::from(a.rating)),
            evidence: Some(a.evidence.clone()),
            evidence_needed: Some(a.evidence_needed.clone()),
        })
        .collect();
    domain::check_answers(framework, &statements, &raw)
        .map_err(|p| SheetError::Internal(format!("a stored preview no longer checks: {} problems", p.len())))
}

/// Stores a preview, with its audit entry, in one transaction: a checklist as one response, a
/// survey export as one response per row (all or none). Confirming twice stores once.
///
/// A survey export's responses are stored with multi-row statements (so the transaction, and
/// on SQLite the write lock, lasts seconds even for thousands of rows); `progress` is told how
/// many are stored so far.
pub async fn confirm(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    import_id: Uuid,
    progress: &super::jobs::Progress,
) -> Result<Confirmed, SheetError> {
    let (assessment, view) = view(db, frameworks, actor, assessment_id, import_id).await?;
    let import = &view.import;
    if import.confirmed_at.is_some() {
        return Ok(Confirmed::Stored);
    }
    if view.expired {
        return Ok(Confirmed::NotReady);
    }
    let now = OffsetDateTime::now_utc();
    let new_response = |group_id: Uuid, mode: Mode, key: String| NewResponse {
        id: Uuid::now_v7(),
        assessment_id,
        round_id: None,
        group_id,
        mode: mode.as_str(),
        // The person importing is not the respondent.
        user_id: None,
        reference: domain::new_reference(),
        idempotency_key: key,
        workshop_date: import.workshop_date,
        facilitator: import.facilitator.clone(),
        participants: import.participants,
        submitted_at: now,
    };
    if let Some(survey) = &view.survey {
        let Some(responses) = &survey.responses else { return Ok(Confirmed::NotReady) };
        let mut items = Vec::with_capacity(responses.len());
        let mut answer_count = 0;
        for r in responses {
            let answers = checked_again(&assessment.framework, &r.answers)?;
            answer_count += answers.len();
            let key = format!("{}:row:{}", file_key(&import.sha256), r.row);
            items.push((new_response(r.group_id, Mode::Import, key), answers));
        }
        progress.set_total(items.len());
        let mut tx = db.begin().await?;
        // Taken first: a second confirmation (another tab, another process) waits for this one
        // and then finds it confirmed.
        if !store::claim_pending(&mut tx, import.id).await? {
            return Ok(Confirmed::Stored);
        }
        let new = engagement_store::insert_many(&mut tx, &items, |done| progress.set_done(done)).await?;
        if let Some(i) = new.iter().position(|created| !created) {
            // Rolled back: nothing of this file is stored twice.
            drop(tx);
            progress.set_done(0);
            let mut tx = db.begin().await?;
            store::delete_pending(&mut tx, import.id).await?;
            tx.commit().await?;
            let reference = engagement_store::response_by_key(db, assessment_id, &items[i].0.idempotency_key)
                .await?
                .map(|r| r.reference)
                .unwrap_or_default();
            return Ok(Confirmed::AlreadyImported { reference });
        }
        if !store::mark_confirmed(&mut tx, import.id, None, now).await? {
            drop(tx);
            return Ok(Confirmed::Stored);
        }
        audit::record(
            &mut tx,
            Change {
                council_id: Some(assessment.row.council_id),
                actor: actor.audit_actor(),
                entity: "assessment",
                entity_id: assessment_id.to_string(),
                action: "import_survey",
                summary: json!({
                    "file": import.kind,
                    "file_sha256": import.sha256,
                    "responses": responses.len(),
                    "answers": answer_count,
                }),
            },
        )
        .await?;
        tx.commit().await?;
        return Ok(Confirmed::Stored);
    }

    let answers = checked_again(&assessment.framework, &view.answers)?;
    progress.set_total(1);
    let mut tx = db.begin().await?;
    let mode = if import.mode == "workshop" { Mode::Workshop } else { Mode::Import };
    let group_id =
        import.group_id.ok_or_else(|| SheetError::Internal("a checklist import without a group".into()))?;
    let response = new_response(group_id, mode, file_key(&import.sha256));
    let (stored, created) = engagement_store::insert_response(&mut tx, &response, &answers).await?;
    if !created {
        store::delete_pending(&mut tx, import.id).await?;
        tx.commit().await?;
        return Ok(Confirmed::AlreadyImported { reference: stored.reference });
    }
    progress.set_done(1);
    if !store::mark_confirmed(&mut tx, import.id, Some(stored.id), now).await? {
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

pub const SURVEY_KIND: &str = "survey_export";

/// Reads a survey tool's export and keeps it, with a first guess at each column, for the
/// lead to map. Nothing becomes a response here.
pub async fn survey_upload(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    bytes: &[u8],
) -> Result<Uuid, SheetError> {
    survey_upload_as(db, frameworks, actor, assessment_id, Uuid::now_v7(), bytes).await
}

/// As [`survey_upload`], the import to have the id `import_id`.
pub async fn survey_upload_as(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    import_id: Uuid,
    bytes: &[u8],
) -> Result<Uuid, SheetError> {
    let assessment = for_leads(db, frameworks, actor, assessment_id).await?;
    if bytes.is_empty() {
        let fields = vec![field("file", "Choose the file your survey tool exported")];
        return Err(SheetError::Invalid { fields, file: Vec::new() });
    }
    let sha = sha256_hex(bytes);
    if let Some(at) = store::file_imported(db, assessment_id, &format!("{}:", file_key(&sha))).await? {
        let fields = vec![field(
            "file",
            format!("This file was imported on {}; it is not imported again", crate::web::format_date(at)),
        )];
        return Err(SheetError::Invalid { fields, file: Vec::new() });
    }
    let owned = bytes.to_vec();
    let table = tokio::task::spawn_blocking(move || survey::read_table(&owned))
        .await
        .map_err(|e| SheetError::Internal(format!("reading the file failed: {e}")))?
        .map_err(|file| SheetError::Invalid { fields: Vec::new(), file })?;
    let mapping = table.headers.iter().map(|h| survey::guess(&assessment.framework, h).value()).collect();
    let content = SurveyContent { table, mapping, fixed_group: None, responses: None };
    let now = OffsetDateTime::now_utc();
    let row = ImportRow {
        id: import_id,
        assessment_id,
        sha256: sha,
        kind: SURVEY_KIND.to_owned(),
        group_id: None,
        mode: "import".to_owned(),
        workshop_date: None,
        facilitator: None,
        participants: None,
        content: serde_json::to_string(&content).map_err(|e| SheetError::Internal(e.to_string()))?,
        answer_count: 0,
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

/// Applies the lead's column mapping. Valid: the checked responses are kept for the preview.
/// Invalid: the mapping is kept (so the page shows the choices) and every problem returned.
pub async fn survey_map(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
    import_id: Uuid,
    columns: &[String],
    fixed_group: &str,
) -> Result<(), SheetError> {
    let (assessment, view) = view(db, frameworks, actor, assessment_id, import_id).await?;
    let (Some(mut content), None, false) = (view.survey, view.import.confirmed_at, view.expired) else {
        return Err(SheetError::Denied(Denied::NotFound));
    };
    let mut fields = Vec::new();
    let mut mapping = Vec::new();
    for c in 0..content.table.headers.len() {
        let value = columns.get(c).map(String::as_str).unwrap_or("ignore");
        match survey::Target::parse(&assessment.framework, value) {
            Some(t) => mapping.push(t),
            None => {
                fields.push(field(
                    &format!("column-{c}"),
                    format!("Choose what column {} holds", column_letter(c as u32)),
                ));
                mapping.push(survey::Target::Ignore);
            }
        }
    }
    let fixed = match fixed_group.trim() {
        "" => None,
        raw => match Uuid::parse_str(raw).ok().filter(|id| assessment.groups.iter().any(|g| g.id == *id)) {
            Some(id) => Some(id),
            None => {
                fields.push(field("fixed_group", "Choose a respondent group of this assessment"));
                None
            }
        },
    };
    content.mapping = mapping.iter().map(|t| t.value()).collect();
    content.fixed_group = fixed;
    let groups: Vec<(Uuid, String)> = assessment.groups.iter().map(|g| (g.id, g.name.clone())).collect();
    // Checking every row of a large export is work for a blocking thread, not the server's.
    let outcome = if fields.is_empty() {
        let table = std::mem::take(&mut content.table);
        let (table, outcome) = tokio::task::spawn_blocking(move || {
            let outcome = survey::apply(&table, &mapping, &groups, fixed);
            (table, outcome)
        })
        .await
        .map_err(|e| SheetError::Internal(format!("checking the rows failed: {e}")))?;
        content.table = table;
        Some(outcome)
    } else {
        None
    };
    let (responses, file) = match outcome {
        Some(Ok(responses)) => (Some(responses), Vec::new()),
        Some(Err(problems)) => (None, problems),
        None => (None, Vec::new()),
    };
    let answer_count =
        responses.as_ref().map(|r| r.iter().map(|r| r.answers.len() as i64).sum()).unwrap_or(0);
    content.responses = responses;
    let text = serde_json::to_string(&content).map_err(|e| SheetError::Internal(e.to_string()))?;
    let mut tx = db.begin().await?;
    store::update_pending(&mut tx, import_id, &text, answer_count).await?;
    tx.commit().await?;
    if fields.is_empty() && file.is_empty() { Ok(()) } else { Err(SheetError::Invalid { fields, file }) }
}
