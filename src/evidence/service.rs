//! The evidence library's use cases: who may do what, checking, storing files, recording each
//! change in the audit trail in the same transaction as the change.
//!
//! # Who may do what
//!
//! Every member of the council (and platform administrators) reads the library, its files and
//! its coverage. Assessment leads, quality statement leads and contributors add and change
//! items, replace files, mark findings reviewed and move items between states: gathering
//! evidence is shared work, and the audit trail says who did what. Verifiers and viewers read
//! only (403). Assessment leads change how many months old an item may be. Another council's
//! assessments and items answer 404.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use super::domain::{self, Coverage, Currency, DocumentType, ItemFields, RawItem, State};
use super::files::{self, ArchiveLimits, FileType};
use super::pii;
use super::storage::{Evidence, FileStore, StorageError};
use super::store::{self, FindingRow, ItemRow};
use crate::accounts::actor::{Actor, Denied};
use crate::accounts::domain::Role;
use crate::audit::{self, Change};
use crate::db::{Db, DbError};
use crate::engagement::domain::Problem;
use crate::engagement::store::AssessmentRow;
use crate::framework::{Framework, Frameworks, IrCode, QualityStatementId};

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("denied")]
    Denied(Denied),
    #[error("invalid")]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<Denied> for EvidenceError {
    fn from(d: Denied) -> Self {
        EvidenceError::Denied(d)
    }
}

impl From<crate::engagement::service::EngagementError> for EvidenceError {
    fn from(e: crate::engagement::service::EngagementError) -> Self {
        use crate::engagement::service::EngagementError;
        match e {
            EngagementError::Denied(d) => EvidenceError::Denied(d),
            EngagementError::Db(e) => EvidenceError::Db(e),
            _ => EvidenceError::Denied(Denied::NotFound),
        }
    }
}

fn problem(field: &str, message: impl Into<String>) -> Problem {
    Problem { field: field.to_owned(), message: message.into() }
}

/// Adding and changing items (see the module notes).
pub fn can_edit(actor: &Actor, council_id: Uuid) -> Result<(), Denied> {
    actor.can_read(council_id)?;
    let edits = actor.is_platform_admin
        || [Role::AssessmentLead, Role::QualityStatementLead, Role::Contributor]
            .into_iter()
            .any(|role| actor.has_role(council_id, role));
    if edits { Ok(()) } else { Err(Denied::Forbidden) }
}

/// One item with everything shown about it.
#[derive(Debug, Clone)]
pub struct Item {
    pub row: ItemRow,
    pub document_type: DocumentType,
    pub state: State,
    pub ir_items: Vec<IrCode>,
    /// The quality statements named on the item.
    pub quality_statements: Vec<QualityStatementId>,
    /// Those and the statements of its IR items.
    pub supports: Vec<QualityStatementId>,
    pub findings: Vec<FindingRow>,
    pub currency: Currency,
    pub file_type: Option<FileType>,
}

impl Item {
    pub fn unreviewed(&self) -> usize {
        self.findings.iter().filter(|f| f.reviewed_at.is_none()).count()
    }
}

/// An assessment's library as its reader sees it.
pub struct Library {
    pub assessment: AssessmentRow,
    pub framework: Arc<Framework>,
    pub items: Vec<Item>,
    pub currency_months: u32,
    /// The date currency is judged from (see [`domain::reference_date`]).
    pub reference_date: Date,
    pub can_edit: bool,
    pub can_lead: bool,
}

impl Library {
    pub fn item(&self, id: Uuid) -> Option<&Item> {
        self.items.iter().find(|i| i.row.id == id)
    }
}

async fn assessment_for(
    db: &Db,
    frameworks: &Frameworks,
    actor: &Actor,
    assessment_id: Uuid,
) -> Result<(AssessmentRow, Arc<Framework>), EvidenceError> {
    let assessment = crate::engagement::service::readable_assessment(db, actor, assessment_id).await?;
    let framework =
        frameworks.get(&assessment.framework_key).cloned().ok_or(EvidenceError::Denied(Denied::NotFound))?;
    Ok((assessment, framework))
}

/// An assessment's currency months: its own setting, or the configured default.
pub async fn currency_months(db: &Db, evidence: &Evidence, assessment_id: Uuid) -> Result<u32, DbError> {
    Ok(store::currency_months(db, assessment_id)
        .await?
        .and_then(|m| u32::try_from(m).ok())
        .unwrap_or(evidence.currency_months))
}

/// The library of an assessment the actor may read.
pub async fn library(
    db: &Db,
    frameworks: &Frameworks,
    evidence: &Evidence,
    actor: &Actor,
    assessment_id: Uuid,
) -> Result<Library, EvidenceError> {
    let (assessment, framework) = assessment_for(db, frameworks, actor, assessment_id).await?;
    let months = currency_months(db, evidence, assessment.id).await?;
    let reference = domain::reference_date(assessment.period_end, OffsetDateTime::now_utc().date());
    let rows = store::items(db, assessment.id).await?;
    let mut irs: HashMap<Uuid, Vec<IrCode>> = HashMap::new();
    for (item, code) in store::ir_links(db, assessment.id).await? {
        if let Ok(code) = code.parse() {
            irs.entry(item).or_default().push(code);
        }
    }
    let mut statements: HashMap<Uuid, Vec<QualityStatementId>> = HashMap::new();
    for (item, qs) in store::statement_links(db, assessment.id).await? {
        if let Ok(qs) = qs.parse() {
            statements.entry(item).or_default().push(qs);
        }
    }
    let mut findings: HashMap<Uuid, Vec<FindingRow>> = HashMap::new();
    for f in store::findings(db, assessment.id).await? {
        findings.entry(f.item_id).or_default().push(f);
    }
    let items = rows
        .into_iter()
        .map(|row| {
            let mut ir_items = irs.remove(&row.id).unwrap_or_default();
            ir_items.sort();
            let mut named = statements.remove(&row.id).unwrap_or_default();
            named.sort();
            let supports = domain::statements_of(&framework, &ir_items, &named);
            Item {
                document_type: DocumentType::parse(&row.document_type).unwrap_or(DocumentType::Other),
                state: State::parse(&row.state).unwrap_or(State::Draft),
                currency: domain::currency(row.effective_from, row.effective_to, reference, months),
                file_type: row.file_type.as_deref().and_then(FileType::parse),
                findings: findings.remove(&row.id).unwrap_or_default(),
                ir_items,
                quality_statements: named,
                supports,
                row,
            }
        })
        .collect();
    Ok(Library {
        can_edit: can_edit(actor, assessment.council_id).is_ok(),
        can_lead: actor.can_lead(assessment.council_id).is_ok(),
        assessment,
        framework,
        items,
        currency_months: months,
        reference_date: reference,
    })
}

/// An uploaded file, received into a temporary file (see `routes::read_form`).
pub struct Received {
    pub file: tempfile::TempPath,
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

/// A received file that passed every check, with what the checker found in it.
pub struct CheckedUpload {
    pub path: PathBuf,
    /// Keeps the temporary file until the upload is stored.
    _file: tempfile::TempPath,
    pub name: String,
    pub size: u64,
    pub sha256: String,
    pub file_type: FileType,
    pub findings: Vec<pii::Finding>,
    /// False for images and files whose text could not be read: someone must look.
    pub readable: bool,
}

/// Checks a received file: its name, its type by content, archives and PDF streams, then reads
/// its text and runs the personal-information checker. Off the async threads.
pub async fn check_upload(received: Received, limits: ArchiveLimits) -> Result<CheckedUpload, Vec<Problem>> {
    let file_problem = |message: String| vec![problem("file", message)];
    let name = files::check_name(&received.name).map_err(file_problem)?;
    if received.size == 0 {
        return Err(file_problem("The file is empty: choose the document itself".into()));
    }
    let path = received.file.to_path_buf();
    let checked =
        tokio::task::spawn_blocking(move || -> Result<(FileType, Vec<pii::Finding>, bool), String> {
            let bytes =
                std::fs::read(&path).map_err(|_| "The upload could not be read: try again".to_owned())?;
            let head = &bytes[..bytes.len().min(8192)];
            let kind = files::sniff(head, &name)?;
            match kind {
                FileType::Docx | FileType::Xlsx => {
                    files::check_archive(std::io::Cursor::new(&bytes), kind, limits)?
                }
                FileType::Pdf => files::check_pdf_streams(&bytes, limits)?,
                _ => {}
            }
            if !kind.has_text() {
                return Ok((kind, vec![], false));
            }
            match files::extract_text(&bytes, kind) {
                Ok(parts) => Ok((kind, pii::scan_segments(&parts), true)),
                Err(_) => Ok((kind, vec![], false)),
            }
        });
    let timeout = std::time::Duration::from_secs(120);
    let (file_type, findings, readable) = match tokio::time::timeout(timeout, checked).await {
        Ok(Ok(Ok(result))) => result,
        Ok(Ok(Err(message))) => return Err(file_problem(message)),
        Ok(Err(_)) | Err(_) => {
            return Err(file_problem(
                "The file could not be checked: save it again, or as a PDF, and upload it".into(),
            ));
        }
    };
    let name = files::check_name(&received.name).map_err(file_problem)?;
    Ok(CheckedUpload {
        path: received.file.to_path_buf(),
        _file: received.file,
        name,
        size: received.size,
        sha256: received.sha256,
        file_type,
        findings,
        readable,
    })
}

/// A finding before it is stored.
struct NewFinding {
    source: &'static str,
    kind: String,
    matched: String,
    location: String,
    position: i64,
}

/// The kind stored for a file that could not be read.
pub const UNREADABLE: &str = "unreadable";

fn text_findings(fields: &ItemFields) -> Vec<NewFinding> {
    let mut out = Vec::new();
    for (label, text) in [
        ("the title", &fields.title),
        ("the description", &fields.description),
        ("where in the document", &fields.pointer),
    ] {
        for f in pii::scan(text) {
            let location = if label == "the description" {
                format!(
                    "{label}, line {}",
                    match f.location {
                        pii::Location::Line { line } => line,
                        _ => 1,
                    }
                )
            } else {
                label.to_owned()
            };
            out.push(NewFinding {
                source: "text",
                kind: f.kind.as_str().to_owned(),
                matched: f.text,
                location,
                position: out.len() as i64,
            });
        }
    }
    out
}

fn file_findings(upload: &CheckedUpload) -> Vec<NewFinding> {
    let mut out: Vec<NewFinding> = upload
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| NewFinding {
            source: "file",
            kind: f.kind.as_str().to_owned(),
            matched: f.text.clone(),
            location: f.location.describe(),
            position: i as i64,
        })
        .collect();
    if !upload.readable {
        let what = if upload.file_type.has_text() {
            "The file's text could not be read (a scan, or a damaged or protected file): check it by eye"
        } else {
            "An image: its text cannot be read, so check it by eye"
        };
        out.push(NewFinding {
            source: "file",
            kind: UNREADABLE.to_owned(),
            matched: String::new(),
            location: what.to_owned(),
            position: out.len() as i64,
        });
    }
    out
}

/// Stores findings, keeping the review of any identical earlier finding (same source, kind,
/// text and place): re-uploading an unchanged file does not undo reviews.
async fn store_findings(
    tx: &mut crate::db::Tx,
    item_id: Uuid,
    source: &str,
    new: Vec<NewFinding>,
    earlier: &[FindingRow],
) -> Result<(), DbError> {
    store::delete_findings(tx, item_id, source).await?;
    for f in new {
        let reviewed = earlier.iter().find(|e| {
            e.source == f.source
                && e.kind == f.kind
                && e.matched == f.matched
                && e.location == f.location
                && e.reviewed_at.is_some()
        });
        let row = FindingRow {
            id: Uuid::now_v7(),
            item_id,
            source: f.source.to_owned(),
            kind: f.kind,
            matched: f.matched,
            location: f.location,
            position: f.position,
            reviewed_by: reviewed.and_then(|r| r.reviewed_by),
            reviewed_by_name: reviewed.and_then(|r| r.reviewed_by_name.clone()),
            reviewed_at: reviewed.and_then(|r| r.reviewed_at),
            review_reason: reviewed.and_then(|r| r.review_reason.clone()),
        };
        store::insert_finding(tx, &row).await?;
    }
    Ok(())
}

/// Text for the audit trail with any personal information masked.
fn masked(text: &str) -> String {
    let mut out = text.to_owned();
    for f in pii::scan(text).into_iter().rev() {
        out.replace_range(f.start..f.end, &f.masked());
    }
    out
}

fn codes(ir: &[IrCode]) -> Vec<String> {
    ir.iter().map(ToString::to_string).collect()
}

fn ids(qs: &[QualityStatementId]) -> Vec<String> {
    qs.iter().map(ToString::to_string).collect()
}

fn finding_counts(findings: &[NewFinding]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for f in findings {
        *counts.entry(f.kind.clone()).or_insert(0) += 1;
    }
    counts
}

/// Puts an upload into the file store under a new key.
async fn store_file(
    files: &FileStore,
    assessment_id: Uuid,
    upload: &CheckedUpload,
) -> Result<String, EvidenceError> {
    let key = FileStore::new_key(assessment_id);
    files.put_file(&key, &upload.path).await?;
    Ok(key)
}

/// Adds an item (with its file, if any). Returns its id.
pub async fn create(
    db: &Db,
    frameworks: &Frameworks,
    evidence: &Evidence,
    actor: &Actor,
    assessment_id: Uuid,
    raw: &RawItem,
    upload: Option<CheckedUpload>,
) -> Result<Uuid, EvidenceError> {
    let (assessment, framework) = assessment_for(db, frameworks, actor, assessment_id).await?;
    can_edit(actor, assessment.council_id)?;
    let fields = domain::check_item(raw, &framework, upload.is_some()).map_err(EvidenceError::Invalid)?;
    let text = text_findings(&fields);
    let file = upload.as_ref().map(file_findings).unwrap_or_default();
    let state = if text.is_empty() && file.is_empty() { State::Draft } else { State::NeedsRedaction };
    let key = match &upload {
        Some(upload) => Some(store_file(&evidence.files, assessment.id, upload).await?),
        None => None,
    };
    let now = OffsetDateTime::now_utc();
    let row = ItemRow {
        id: Uuid::now_v7(),
        assessment_id: assessment.id,
        title: fields.title.clone(),
        description: fields.description.clone(),
        document_type: fields.document_type.as_str().to_owned(),
        link: fields.link.clone(),
        pointer: fields.pointer.clone(),
        owner: fields.owner.clone(),
        effective_from: fields.effective_from,
        effective_to: fields.effective_to,
        state: state.as_str().to_owned(),
        file_key: key.clone(),
        file_name: upload.as_ref().map(|u| u.name.clone()),
        file_type: upload.as_ref().map(|u| u.file_type.as_str().to_owned()),
        file_size: upload.as_ref().map(|u| i64::try_from(u.size).unwrap_or(i64::MAX)),
        file_sha256: upload.as_ref().map(|u| u.sha256.clone()),
        created_by: Some(actor.user_id),
        created_at: now,
        updated_by: Some(actor.user_id),
        updated_at: now,
    };
    let summary = json!({
        "title": masked(&row.title),
        "document_type": row.document_type,
        "state": row.state,
        "link": row.link.is_some(),
        "file": upload.as_ref().map(|u| json!({"type": u.file_type.as_str(), "bytes": u.size, "sha256": u.sha256})),
        "ir_items": codes(&fields.ir_items),
        "quality_statements": ids(&fields.quality_statements),
        "personal_information": finding_counts(&text).into_iter().chain(finding_counts(&file)).collect::<BTreeMap<_, _>>(),
    });
    let stored = async {
        let mut tx = db.begin().await?;
        store::insert_item(&mut tx, &row).await?;
        store::set_links(&mut tx, row.id, &codes(&fields.ir_items), &ids(&fields.quality_statements)).await?;
        store_findings(&mut tx, row.id, "text", text, &[]).await?;
        store_findings(&mut tx, row.id, "file", file, &[]).await?;
        audit::record(
            &mut tx,
            Change {
                council_id: Some(assessment.council_id),
                actor: actor.audit_actor(),
                entity: "evidence_item",
                entity_id: row.id.to_string(),
                action: "create",
                summary,
            },
        )
        .await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = stored {
        if let Some(key) = &key {
            let _ = evidence.files.delete(key).await;
        }
        return Err(e.into());
    }
    Ok(row.id)
}

/// An item of an assessment the actor may read (another assessment's item: not found).
async fn item_of(library: &Library, item_id: Uuid) -> Result<Item, EvidenceError> {
    library.item(item_id).cloned().ok_or(EvidenceError::Denied(Denied::NotFound))
}

/// Changes an item's fields, and its file when a new one is given (the old file's findings go,
/// and the old file is removed from the store).
#[allow(clippy::too_many_arguments)]
pub async fn update(
    db: &Db,
    frameworks: &Frameworks,
    evidence: &Evidence,
    actor: &Actor,
    assessment_id: Uuid,
    item_id: Uuid,
    raw: &RawItem,
    upload: Option<CheckedUpload>,
) -> Result<(), EvidenceError> {
    let library = library(db, frameworks, evidence, actor, assessment_id).await?;
    let item = item_of(&library, item_id).await?;
    can_edit(actor, library.assessment.council_id)?;
    let has_file = upload.is_some() || item.row.file_key.is_some();
    let fields = domain::check_item(raw, &library.framework, has_file).map_err(EvidenceError::Invalid)?;
    let text = text_findings(&fields);
    let file = upload.as_ref().map(file_findings);
    let key = match &upload {
        Some(upload) => Some(store_file(&evidence.files, library.assessment.id, upload).await?),
        None => None,
    };
    let now = OffsetDateTime::now_utc();
    let before = &item.row;
    let mut row = before.clone();
    row.title = fields.title.clone();
    row.description = fields.description.clone();
    row.document_type = fields.document_type.as_str().to_owned();
    row.link = fields.link.clone();
    row.pointer = fields.pointer.clone();
    row.owner = fields.owner.clone();
    row.effective_from = fields.effective_from;
    row.effective_to = fields.effective_to;
    row.updated_by = Some(actor.user_id);
    row.updated_at = now;
    if let (Some(upload), Some(key)) = (&upload, &key) {
        row.file_key = Some(key.clone());
        row.file_name = Some(upload.name.clone());
        row.file_type = Some(upload.file_type.as_str().to_owned());
        row.file_size = Some(i64::try_from(upload.size).unwrap_or(i64::MAX));
        row.file_sha256 = Some(upload.sha256.clone());
    }
    let mut changed = serde_json::Map::new();
    let mut note = |field: &str, before: serde_json::Value, after: serde_json::Value| {
        if before != after {
            changed.insert(field.to_owned(), audit::before_after(before, after));
        }
    };
    note("title", masked(&before.title).into(), masked(&row.title).into());
    note("document_type", before.document_type.clone().into(), row.document_type.clone().into());
    note("link", before.link.is_some().into(), row.link.is_some().into());
    note(
        "effective_from",
        json!(before.effective_from.map(|d| d.to_string())),
        json!(row.effective_from.map(|d| d.to_string())),
    );
    note(
        "effective_to",
        json!(before.effective_to.map(|d| d.to_string())),
        json!(row.effective_to.map(|d| d.to_string())),
    );
    note("ir_items", json!(codes(&item.ir_items)), json!(codes(&fields.ir_items)));
    note("quality_statements", json!(ids(&item.quality_statements)), json!(ids(&fields.quality_statements)));
    if before.description != row.description {
        changed.insert("description".into(), json!("changed"));
    }
    if let Some(upload) = &upload {
        changed.insert(
            "file".into(),
            audit::before_after(
                json!(before.file_sha256),
                json!({"type": upload.file_type.as_str(), "bytes": upload.size, "sha256": upload.sha256}),
            ),
        );
    }
    let old_key = if upload.is_some() { before.file_key.clone() } else { None };
    let stored = async {
        let mut tx = db.begin().await?;
        let Some(current) = store::item_for_update(&mut tx, item_id).await? else {
            return Ok(false);
        };
        let earlier = store::item_findings(&mut tx, item_id).await?;
        store_findings(&mut tx, item_id, "text", text, &earlier).await?;
        if let Some(file) = file {
            store_findings(&mut tx, item_id, "file", file, &earlier).await?;
        }
        let open =
            store::item_findings(&mut tx, item_id).await?.iter().filter(|f| f.reviewed_at.is_none()).count();
        row.state = current.state.clone();
        if open > 0 && matches!(State::parse(&row.state), Some(State::Ready | State::Draft)) {
            row.state = State::NeedsRedaction.as_str().to_owned();
        }
        if row.state != current.state {
            changed.insert("state".into(), audit::before_after(current.state.clone(), row.state.clone()));
        }
        store::update_item(&mut tx, &row).await?;
        store::set_links(&mut tx, item_id, &codes(&fields.ir_items), &ids(&fields.quality_statements))
            .await?;
        audit::record(
            &mut tx,
            Change {
                council_id: Some(library.assessment.council_id),
                actor: actor.audit_actor(),
                entity: "evidence_item",
                entity_id: item_id.to_string(),
                action: "update",
                summary: serde_json::Value::Object(changed),
            },
        )
        .await?;
        tx.commit().await?;
        Ok::<bool, DbError>(true)
    }
    .await;
    match stored {
        Ok(true) => {
            if let Some(old) = old_key
                && let Err(e) = evidence.files.delete(&old).await
            {
                tracing::warn!(error = %e, item = %item_id, "the replaced file could not be removed from the store");
            }
            Ok(())
        }
        Ok(false) => {
            if let Some(key) = &key {
                let _ = evidence.files.delete(key).await;
            }
            Err(EvidenceError::Denied(Denied::NotFound))
        }
        Err(e) => {
            if let Some(key) = &key {
                let _ = evidence.files.delete(key).await;
            }
            Err(e.into())
        }
    }
}

/// Moves an item to another state. It cannot be marked ready while any finding is unreviewed.
pub async fn set_state(
    db: &Db,
    frameworks: &Frameworks,
    evidence: &Evidence,
    actor: &Actor,
    assessment_id: Uuid,
    item_id: Uuid,
    state: &str,
) -> Result<State, EvidenceError> {
    let library = library(db, frameworks, evidence, actor, assessment_id).await?;
    item_of(&library, item_id).await?;
    can_edit(actor, library.assessment.council_id)?;
    let Some(state) = State::parse(state.trim()) else {
        return Err(EvidenceError::Invalid(vec![problem("state", "Choose a state")]));
    };
    let mut tx = db.begin().await?;
    let Some(mut row) = store::item_for_update(&mut tx, item_id).await? else {
        return Err(EvidenceError::Denied(Denied::NotFound));
    };
    let open =
        store::item_findings(&mut tx, item_id).await?.iter().filter(|f| f.reviewed_at.is_none()).count();
    if state == State::Ready && open > 0 {
        let noun = if open == 1 {
            "possible piece of personal information that has"
        } else {
            "possible pieces of personal information that have"
        };
        return Err(EvidenceError::Invalid(vec![problem(
            "state",
            format!(
                "This item has {open} {noun} not been reviewed: redact the file and upload it again, or review each finding, before marking it ready"
            ),
        )]));
    }
    let before = row.state.clone();
    row.state = state.as_str().to_owned();
    row.updated_by = Some(actor.user_id);
    row.updated_at = OffsetDateTime::now_utc();
    store::update_item(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        Change {
            council_id: Some(library.assessment.council_id),
            actor: actor.audit_actor(),
            entity: "evidence_item",
            entity_id: item_id.to_string(),
            action: if state == State::Withdrawn { "withdraw" } else { "state" },
            summary: json!({"state": audit::before_after(before, row.state.clone())}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(state)
}

pub const MAX_REASON: usize = 500;

/// Marks a finding reviewed, with the reason it may stay (or what was done).
#[allow(clippy::too_many_arguments)]
pub async fn review_finding(
    db: &Db,
    frameworks: &Frameworks,
    evidence: &Evidence,
    actor: &Actor,
    assessment_id: Uuid,
    item_id: Uuid,
    finding_id: Uuid,
    reason: &str,
) -> Result<(), EvidenceError> {
    let library = library(db, frameworks, evidence, actor, assessment_id).await?;
    let item = item_of(&library, item_id).await?;
    let finding =
        item.findings.iter().find(|f| f.id == finding_id).ok_or(EvidenceError::Denied(Denied::NotFound))?;
    can_edit(actor, library.assessment.council_id)?;
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if reason.is_empty() {
        return Err(EvidenceError::Invalid(vec![problem(
            &format!("reason-{finding_id}"),
            "Say why this may stay, for example: the council's public switchboard number",
        )]));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(EvidenceError::Invalid(vec![problem(
            &format!("reason-{finding_id}"),
            format!("The reason must be {MAX_REASON} characters or fewer"),
        )]));
    }
    let mut tx = db.begin().await?;
    let done = store::review_finding(
        &mut tx,
        item_id,
        finding_id,
        (actor.user_id, &actor.name),
        &reason,
        OffsetDateTime::now_utc(),
    )
    .await?;
    if !done {
        // Reviewed already (a double click): nothing to do.
        return Ok(());
    }
    audit::record(
        &mut tx,
        Change {
            council_id: Some(library.assessment.council_id),
            actor: actor.audit_actor(),
            entity: "evidence_finding",
            entity_id: finding_id.to_string(),
            action: "review",
            summary: json!({
                "item": item_id.to_string(),
                "kind": finding.kind,
                "matched": pii::mask(&finding.matched),
                "location": masked(&finding.location),
                "reason": masked(&reason),
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An item's file for a member to download: (key, name, type).
pub async fn file_for_download(
    db: &Db,
    frameworks: &Frameworks,
    evidence: &Evidence,
    actor: &Actor,
    assessment_id: Uuid,
    item_id: Uuid,
) -> Result<(String, String, FileType), EvidenceError> {
    let library = library(db, frameworks, evidence, actor, assessment_id).await?;
    let item = item_of(&library, item_id).await?;
    match (item.row.file_key, item.row.file_name, item.file_type) {
        (Some(key), Some(name), Some(kind)) => Ok((key, name, kind)),
        _ => Err(EvidenceError::Denied(Denied::NotFound)),
    }
}

/// Changes how many months old an item may be (assessment leads).
pub async fn save_currency_months(
    db: &Db,
    frameworks: &Frameworks,
    evidence: &Evidence,
    actor: &Actor,
    assessment_id: Uuid,
    raw: &str,
) -> Result<u32, EvidenceError> {
    let (assessment, _) = assessment_for(db, frameworks, actor, assessment_id).await?;
    actor.can_lead(assessment.council_id)?;
    let months = match raw.trim().parse::<u32>() {
        Ok(m) if (1..=domain::MAX_CURRENCY_MONTHS).contains(&m) => m,
        _ => {
            return Err(EvidenceError::Invalid(vec![problem(
                "currency_months",
                format!("Enter a whole number of months from 1 to {}, like 12", domain::MAX_CURRENCY_MONTHS),
            )]));
        }
    };
    let before = currency_months(db, evidence, assessment.id).await?;
    let mut tx = db.begin().await?;
    store::save_currency_months(
        &mut tx,
        assessment.id,
        i64::from(months),
        actor.user_id,
        OffsetDateTime::now_utc(),
    )
    .await?;
    audit::record(
        &mut tx,
        Change {
            council_id: Some(assessment.council_id),
            actor: actor.audit_actor(),
            entity: "evidence_settings",
            entity_id: assessment.id.to_string(),
            action: "update",
            summary: json!({"currency_months": audit::before_after(before, months)}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(months)
}

/// The ready items supporting each quality statement (directly or through their IR items):
/// for Stage 2's key documents and the analysis's processes evidence category.
pub fn ready_by_statement(library: &Library) -> BTreeMap<QualityStatementId, Vec<&Item>> {
    let mut out: BTreeMap<QualityStatementId, Vec<&Item>> = BTreeMap::new();
    for item in library.items.iter().filter(|i| i.state == State::Ready) {
        for qs in &item.supports {
            out.entry(*qs).or_default().push(item);
        }
    }
    out
}

/// How many ready items support each quality statement (`QS1` → 3), read from the database
/// now, by the rule of [`ready_by_statement`]: for the analysis's processes evidence category,
/// which is never cached without them. The caller has checked that the actor may read the
/// assessment. Reads the links only when some item is ready.
pub async fn ready_counts(
    db: &Db,
    framework: &Framework,
    assessment_id: Uuid,
) -> Result<BTreeMap<String, u64>, DbError> {
    let ready: Vec<Uuid> = store::items(db, assessment_id)
        .await?
        .into_iter()
        .filter(|row| State::parse(&row.state) == Some(State::Ready))
        .map(|row| row.id)
        .collect();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    if ready.is_empty() {
        return Ok(counts);
    }
    let mut irs: HashMap<Uuid, Vec<IrCode>> = HashMap::new();
    for (item, code) in store::ir_links(db, assessment_id).await? {
        if let Ok(code) = code.parse() {
            irs.entry(item).or_default().push(code);
        }
    }
    let mut named: HashMap<Uuid, Vec<QualityStatementId>> = HashMap::new();
    for (item, qs) in store::statement_links(db, assessment_id).await? {
        if let Ok(qs) = qs.parse() {
            named.entry(item).or_default().push(qs);
        }
    }
    for id in ready {
        let ir_items = irs.remove(&id).unwrap_or_default();
        let statements = named.remove(&id).unwrap_or_default();
        for qs in domain::statements_of(framework, &ir_items, &statements) {
            *counts.entry(qs.to_string()).or_default() += 1;
        }
    }
    Ok(counts)
}

// ---------------------------------------------------------------------------------------------
// Coverage: the Information Return matrix.

/// An item as the matrix lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceRef {
    pub id: String,
    pub title: String,
    pub state: State,
    /// `current`, `out_of_date` or `undated`.
    pub currency: Currency,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IrCoverage {
    pub code: String,
    pub title: String,
    /// `All`, or the quality statement ids.
    pub quality_statements: Vec<String>,
    pub document_types: Vec<String>,
    /// `ready` (a ready item), `draft_only` (items, none ready) or `missing`.
    pub status: Coverage,
    pub evidence: Vec<EvidenceRef>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThemeCoverage {
    /// `all`, `T1` … `T4`: the toolkit's groups of IR items.
    pub id: String,
    pub title: String,
    pub ir_items: Vec<IrCoverage>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IrStatus {
    pub code: String,
    pub status: Coverage,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatementCoverage {
    pub id: String,
    pub title: String,
    pub theme: String,
    /// Over every item supporting the statement, directly or through an IR item.
    pub status: Coverage,
    pub ready: usize,
    pub ir_items: Vec<IrStatus>,
    pub evidence: Vec<EvidenceRef>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageTotals {
    pub ir_items: usize,
    pub ir_ready: usize,
    pub ir_draft_only: usize,
    pub ir_missing: usize,
    /// Items not withdrawn.
    pub items: usize,
    pub out_of_date: usize,
    pub undated: usize,
    /// Items with findings nobody has reviewed.
    pub items_with_unreviewed_findings: usize,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageReport {
    /// The date currency is judged from: the assessment's period end, or today while the
    /// period runs (YYYY-MM-DD).
    pub reference_date: String,
    /// Items dated more than this many months before the reference date are out of date.
    pub currency_months: u32,
    pub totals: CoverageTotals,
    pub themes: Vec<ThemeCoverage>,
    pub quality_statements: Vec<StatementCoverage>,
}

fn evidence_ref(item: &Item) -> EvidenceRef {
    EvidenceRef {
        id: item.row.id.to_string(),
        title: item.row.title.clone(),
        state: item.state,
        currency: item.currency,
    }
}

/// The matrix of an assessment's library.
pub fn coverage(library: &Library) -> CoverageReport {
    let framework = &library.framework;
    let live: Vec<&Item> = library.items.iter().filter(|i| i.state != State::Withdrawn).collect();
    let summaries = |items: &[&Item]| -> Coverage {
        let s: Vec<domain::ItemSummary> = items
            .iter()
            .map(|i| domain::ItemSummary {
                id: i.row.id,
                title: i.row.title.clone(),
                state: i.state,
                ir_items: i.ir_items.clone(),
                quality_statements: i.supports.clone(),
                currency: i.currency,
            })
            .collect();
        domain::coverage_of(&s)
    };
    let mut ir_status: BTreeMap<IrCode, Coverage> = BTreeMap::new();
    let mut themes = Vec::new();
    for group in &framework.information_return_groups {
        let mut ir_items = Vec::new();
        for ir in framework.information_return_items.iter().filter(|i| i.group == group.id) {
            let items: Vec<&Item> = live.iter().copied().filter(|i| i.ir_items.contains(&ir.code)).collect();
            let status = summaries(&items);
            ir_status.insert(ir.code, status);
            ir_items.push(IrCoverage {
                code: ir.code.to_string(),
                title: ir.title.clone(),
                quality_statements: if ir.applies_to_all {
                    vec!["All".to_owned()]
                } else {
                    ids(&ir.quality_statements)
                },
                document_types: ir.document_types.clone(),
                status,
                evidence: items.iter().map(|i| evidence_ref(i)).collect(),
            });
        }
        themes.push(ThemeCoverage { id: group.id.clone(), title: group.title.clone(), ir_items });
    }
    let quality_statements = framework
        .quality_statements()
        .map(|qs| {
            let items: Vec<&Item> = live.iter().copied().filter(|i| i.supports.contains(&qs.id)).collect();
            StatementCoverage {
                id: qs.id.to_string(),
                title: qs.title.clone(),
                theme: qs.theme.to_string(),
                status: summaries(&items),
                ready: items.iter().filter(|i| i.state == State::Ready).count(),
                ir_items: framework
                    .ir_items_for(qs.id)
                    .map(|ir| IrStatus {
                        code: ir.code.to_string(),
                        status: ir_status.get(&ir.code).copied().unwrap_or(Coverage::Missing),
                    })
                    .collect(),
                evidence: items.iter().map(|i| evidence_ref(i)).collect(),
            }
        })
        .collect();
    let count = |c: Coverage| ir_status.values().filter(|s| **s == c).count();
    CoverageReport {
        reference_date: library.reference_date.to_string(),
        currency_months: library.currency_months,
        totals: CoverageTotals {
            ir_items: ir_status.len(),
            ir_ready: count(Coverage::Ready),
            ir_draft_only: count(Coverage::DraftOnly),
            ir_missing: count(Coverage::Missing),
            items: live.len(),
            out_of_date: live.iter().filter(|i| i.currency == Currency::OutOfDate).count(),
            undated: live.iter().filter(|i| i.currency == Currency::Undated).count(),
            items_with_unreviewed_findings: live.iter().filter(|i| i.unreviewed() > 0).count(),
        },
        themes,
        quality_statements,
    }
}
