//! The evidence library's pages: the library, an item (with its findings), adding and editing
//! items (multipart forms with an optional file), the Information Return matrix, the currency
//! setting, downloads of files and of the Section D table.

use axum::body::Body;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use minijinja::{Value, context};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use super::domain::{Currency, DocumentType, RawItem, State as ItemState};
use super::files::{self, ArchiveLimits};
use super::service::{self, EvidenceError, Item, Library, Received};
use super::{export, pii};
use crate::accounts::actor::Denied;
use crate::accounts::service::FieldError;
use crate::accounts::session::SignedIn;
use crate::engagement::domain::Problem;
use crate::startup::AppState;
use crate::web::routes::Routes;
use crate::web::{AppError, Page};

pub fn router() -> Routes {
    Routes::new()
        .get("/assessments/{id}/evidence", library_page)
        .get("/assessments/{id}/evidence.csv", section_d_csv)
        .get("/assessments/{id}/evidence.xlsx", section_d_xlsx)
        .get("/assessments/{id}/evidence/new", new_page)
        .post("/assessments/{id}/evidence/new", create)
        .get("/assessments/{id}/evidence/coverage", coverage_page)
        .get("/assessments/{id}/evidence/settings", settings_page)
        .post("/assessments/{id}/evidence/settings", save_settings)
        .get("/assessments/{id}/evidence/{item_id}", item_page)
        .get("/assessments/{id}/evidence/{item_id}/edit", edit_page)
        .post("/assessments/{id}/evidence/{item_id}/edit", update)
        .post("/assessments/{id}/evidence/{item_id}/state", set_state)
        .post("/assessments/{id}/evidence/{item_id}/findings/{finding_id}/review", review)
        .get("/assessments/{id}/evidence/{item_id}/file", download)
}

pub fn to_app(e: EvidenceError) -> AppError {
    match e {
        EvidenceError::Denied(Denied::Forbidden) => AppError::Forbidden,
        EvidenceError::Denied(Denied::NotFound) => AppError::NotFound,
        EvidenceError::Db(e) => AppError::Database(e),
        EvidenceError::Storage(e) => {
            tracing::error!(error = %e, "the evidence store failed");
            AppError::Internal
        }
        // Handlers render form errors themselves; one reaching here is a bug.
        EvidenceError::Invalid(_) => AppError::Internal,
    }
}

fn field_errors(problems: Vec<Problem>) -> Vec<FieldError> {
    problems.into_iter().map(|p| FieldError::new(p.field, p.message)).collect()
}

async fn load(
    state: &AppState,
    actor: &crate::accounts::actor::Actor,
    raw: &str,
) -> Result<Library, AppError> {
    let id = crate::web::path_id(raw)?;
    service::library(&state.db, &state.frameworks, &state.evidence, actor, id).await.map_err(to_app)
}

fn assessment_context(library: &Library) -> Value {
    context! {
        id => library.assessment.id.to_string(),
        title => &library.assessment.title,
        period_end => crate::web::format_date(library.assessment.period_end.midnight().assume_utc()),
    }
}

fn date_text(date: Option<time::Date>) -> Option<String> {
    date.map(|d| crate::web::format_date(d.midnight().assume_utc()))
}

/// How an item's dates read: "1 April 2025 to 31 March 2026", "12 May 2025", "No date".
fn period_text(item: &Item) -> String {
    match (date_text(item.row.effective_from), date_text(item.row.effective_to)) {
        (Some(from), Some(to)) => format!("{from} to {to}"),
        (Some(from), None) => from,
        (None, Some(to)) => format!("to {to}"),
        (None, None) => "No date".to_owned(),
    }
}

fn state_tag(state: ItemState) -> Value {
    let classes = match state {
        ItemState::Ready => "govuk-tag--green",
        ItemState::Draft => "govuk-tag--grey",
        ItemState::NeedsRedaction => "govuk-tag--red",
        ItemState::Withdrawn => "govuk-tag--purple",
    };
    context! { text => state.label(), classes }
}

fn currency_text(currency: Currency, months: u32) -> Option<String> {
    match currency {
        Currency::Current => None,
        Currency::OutOfDate => Some(format!("More than {months} months old")),
        Currency::Undated => Some("No date".to_owned()),
    }
}

fn size_text(bytes: Option<i64>) -> String {
    bytes.map(|b| crate::web::error::size_text(usize::try_from(b).unwrap_or(0))).unwrap_or_default()
}

fn finding_label(kind: &str) -> String {
    match pii::Kind::parse(kind) {
        Some(kind) => kind.label().to_owned(),
        None if kind == service::UNREADABLE => "Not checked".to_owned(),
        None => kind.to_owned(),
    }
}

fn item_summary(item: &Item, months: u32) -> Value {
    context! {
        id => item.row.id.to_string(),
        title => &item.row.title,
        document_type => item.document_type.label(),
        state => state_tag(item.state),
        state_value => item.state.as_str(),
        ir_items => item.ir_items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        quality_statements => item.supports.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        period => period_text(item),
        currency => currency_text(item.currency, months),
        out_of_date => item.currency == Currency::OutOfDate,
        link => &item.row.link,
        file_name => &item.row.file_name,
        file_type => item.file_type.map(|t| t.label()),
        file_size => size_text(item.row.file_size),
        unreviewed => item.unreviewed(),
        findings => item.findings.len(),
    }
}

async fn library_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let library = load(&state, &actor, &raw).await?;
    let coverage = service::coverage(&library);
    let items: Vec<Value> = library.items.iter().map(|i| item_summary(i, library.currency_months)).collect();
    Ok(page
        .render(
            "evidence/library.html",
            context! {
                assessment => assessment_context(&library),
                items,
                totals => Value::from(minijinja::value::Serde(&coverage.totals)),
                months => library.currency_months,
                reference_date => crate::web::format_date(library.reference_date.midnight().assume_utc()),
                can_edit => library.can_edit,
                can_lead => library.can_lead,
            },
        )?
        .into_response())
}

/// The choices of the item form.
fn form_choices(library: &Library, values: &RawItem) -> Value {
    let framework = &library.framework;
    let types: Vec<Value> = DocumentType::ALL
        .iter()
        .map(|t| context! { value => t.as_str(), text => t.label(), selected => values.document_type == t.as_str() })
        .collect();
    let groups: Vec<Value> = framework
        .information_return_groups
        .iter()
        .map(|g| {
            let items: Vec<Value> = framework
                .information_return_items
                .iter()
                .filter(|i| i.group == g.id)
                .map(|i| {
                    let code = i.code.to_string();
                    context! {
                        value => &code,
                        text => format!("{code}: {}", i.title),
                        checked => values.ir_items.contains(&code),
                    }
                })
                .collect();
            context! { id => &g.id, title => &g.title, items }
        })
        .collect();
    let statements: Vec<Value> = framework
        .quality_statements()
        .map(|qs| {
            let id = qs.id.to_string();
            context! { value => &id, text => format!("{id} {}", qs.title), checked => values.quality_statements.contains(&id) }
        })
        .collect();
    context! { types, ir_groups => groups, statements, values => Value::from(minijinja::value::Serde(values)) }
}

async fn new_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let library = load(&state, &actor, &raw).await?;
    if !library.can_edit {
        return Err(AppError::Forbidden);
    }
    Ok(page
        .render(
            "evidence/form.html",
            context! {
                assessment => assessment_context(&library),
                max_size => crate::web::error::size_text(state.evidence.max_upload_bytes),
                accept => files::ACCEPT,
                ..form_choices(&library, &RawItem::default())
            },
        )?
        .into_response())
}

/// Why a multipart form could not be read.
pub enum FormError {
    /// The file is over the limit (bytes).
    TooLarge(usize),
    /// The upload broke off or is not a form.
    Broken,
    Storage,
}

impl FormError {
    pub fn message(&self) -> String {
        match self {
            FormError::TooLarge(limit) => format!(
                "The file is larger than {}: save a smaller copy (a PDF is often smaller), or give a link to it instead",
                crate::web::error::size_text(*limit)
            ),
            FormError::Broken => "The upload did not arrive whole: try again".to_owned(),
            FormError::Storage => "The upload could not be stored for checking: try again".to_owned(),
        }
    }
}

/// Reads an item's multipart form: the fields, and the file (streamed to a temporary file,
/// counted and hashed as it arrives, cut off past `max` bytes). A form sent without a file
/// (or not as multipart) gives no file.
pub async fn read_form(
    multipart: Result<Multipart, MultipartRejection>,
    max: usize,
) -> Result<(RawItem, Option<Received>, std::collections::HashMap<String, String>), FormError> {
    let mut raw = RawItem::default();
    let mut other = std::collections::HashMap::new();
    let mut received = None;
    let Ok(mut multipart) = multipart else { return Ok((raw, None, other)) };
    while let Some(mut field) = multipart.next_field().await.map_err(|_| FormError::Broken)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let temp = tempfile::NamedTempFile::new().map_err(|_| FormError::Storage)?;
            let (std_file, path) = temp.into_parts();
            let mut out = tokio::fs::File::from_std(std_file);
            let mut hasher = Sha256::new();
            let mut size: usize = 0;
            while let Some(chunk) = field.chunk().await.map_err(|_| FormError::Broken)? {
                size = size.saturating_add(chunk.len());
                if size > max {
                    return Err(FormError::TooLarge(max));
                }
                hasher.update(&chunk);
                out.write_all(&chunk).await.map_err(|_| FormError::Storage)?;
            }
            out.flush().await.map_err(|_| FormError::Storage)?;
            // A form sent without choosing a file has an empty, nameless part.
            if size > 0 || !file_name.is_empty() {
                received = Some(Received {
                    file: path,
                    name: file_name,
                    size: size as u64,
                    sha256: hex::encode(hasher.finalize()),
                });
            }
            continue;
        }
        let text = field.text().await.map_err(|_| FormError::Broken)?;
        match name.as_str() {
            "title" => raw.title = text,
            "description" => raw.description = text,
            "document_type" => raw.document_type = text,
            "link" => raw.link = text,
            "pointer" => raw.pointer = text,
            "owner" => raw.owner = text,
            "effective_from" => raw.effective_from = text,
            "effective_to" => raw.effective_to = text,
            "ir_items" => raw.ir_items.push(text),
            "quality_statements" => raw.quality_statements.push(text),
            _ => {
                other.insert(name, text);
            }
        }
    }
    Ok((raw, received, other))
}

/// Reads, checks and stores an item's form: `item` is `None` to add one.
async fn save(
    state: &AppState,
    actor: &crate::accounts::actor::Actor,
    library: &Library,
    item: Option<Uuid>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Result<Uuid, (RawItem, Vec<Problem>)>, AppError> {
    let (raw, received, _) = match read_form(multipart, state.evidence.max_upload_bytes).await {
        Ok(read) => read,
        Err(e) => {
            if matches!(e, FormError::Broken) {
                tracing::info!("an evidence upload could not be read");
            }
            return Ok(Err((
                RawItem::default(),
                vec![Problem { field: "file".into(), message: e.message() }],
            )));
        }
    };
    // The item's own fields are checked first, so every problem shows at once.
    let has_file =
        received.is_some() || item.and_then(|id| library.item(id)).is_some_and(|i| i.row.file_key.is_some());
    let mut problems =
        super::domain::check_item(&raw, &library.framework, has_file).err().unwrap_or_default();
    let upload = match received {
        Some(received) => match service::check_upload(received, ArchiveLimits::default()).await {
            Ok(upload) => Some(upload),
            Err(file_problems) => {
                problems.extend(file_problems);
                None
            }
        },
        None => None,
    };
    if !problems.is_empty() {
        return Ok(Err((raw, problems)));
    }
    let db = &state.db;
    let result = match item {
        None => {
            service::create(
                db,
                &state.frameworks,
                &state.evidence,
                actor,
                library.assessment.id,
                &raw,
                upload,
            )
            .await
        }
        Some(id) => service::update(
            db,
            &state.frameworks,
            &state.evidence,
            actor,
            library.assessment.id,
            id,
            &raw,
            upload,
        )
        .await
        .map(|()| id),
    };
    match result {
        Ok(id) => Ok(Ok(id)),
        Err(EvidenceError::Invalid(problems)) => Ok(Err((raw, problems))),
        Err(e) => Err(to_app(e)),
    }
}

async fn create(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw_id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let library = load(&state, &actor, &raw_id).await?;
    if !library.can_edit {
        return Err(AppError::Forbidden);
    }
    match save(&state, &actor, &library, None, multipart).await? {
        Ok(id) => {
            Ok(Redirect::to(&format!("/assessments/{}/evidence/{id}", library.assessment.id)).into_response())
        }
        Err((values, problems)) => page.render_invalid(
            "evidence/form.html",
            &field_errors(problems),
            context! {
                assessment => assessment_context(&library),
                max_size => crate::web::error::size_text(state.evidence.max_upload_bytes),
                accept => files::ACCEPT,
                ..form_choices(&library, &values)
            },
        ),
    }
}

fn values_of(item: &Item) -> RawItem {
    RawItem {
        title: item.row.title.clone(),
        description: item.row.description.clone(),
        document_type: item.row.document_type.clone(),
        link: item.row.link.clone().unwrap_or_default(),
        pointer: item.row.pointer.clone(),
        owner: item.row.owner.clone(),
        effective_from: item.row.effective_from.map(|d| d.to_string()).unwrap_or_default(),
        effective_to: item.row.effective_to.map(|d| d.to_string()).unwrap_or_default(),
        ir_items: item.ir_items.iter().map(ToString::to_string).collect(),
        quality_statements: item.quality_statements.iter().map(ToString::to_string).collect(),
    }
}

fn find_item(library: &Library, raw: &str) -> Result<Item, AppError> {
    let id = crate::web::path_id(raw)?;
    library.item(id).cloned().ok_or(AppError::NotFound)
}

async fn edit_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_item)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let library = load(&state, &actor, &raw).await?;
    let item = find_item(&library, &raw_item)?;
    if !library.can_edit {
        return Err(AppError::Forbidden);
    }
    Ok(page
        .render(
            "evidence/form.html",
            context! {
                assessment => assessment_context(&library),
                item => item_summary(&item, library.currency_months),
                max_size => crate::web::error::size_text(state.evidence.max_upload_bytes),
                accept => files::ACCEPT,
                ..form_choices(&library, &values_of(&item))
            },
        )?
        .into_response())
}

async fn update(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_item)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let library = load(&state, &actor, &raw).await?;
    let item = find_item(&library, &raw_item)?;
    if !library.can_edit {
        return Err(AppError::Forbidden);
    }
    match save(&state, &actor, &library, Some(item.row.id), multipart).await? {
        Ok(id) => {
            Ok(Redirect::to(&format!("/assessments/{}/evidence/{id}", library.assessment.id)).into_response())
        }
        Err((values, problems)) => page.render_invalid(
            "evidence/form.html",
            &field_errors(problems),
            context! {
                assessment => assessment_context(&library),
                item => item_summary(&item, library.currency_months),
                max_size => crate::web::error::size_text(state.evidence.max_upload_bytes),
                accept => files::ACCEPT,
                ..form_choices(&library, &values)
            },
        ),
    }
}

fn item_context(library: &Library, item: &Item) -> Value {
    let findings: Vec<Value> = item
        .findings
        .iter()
        .map(|f| {
            context! {
                id => f.id.to_string(),
                kind => finding_label(&f.kind),
                unreadable => f.kind == service::UNREADABLE,
                matched => &f.matched,
                location => &f.location,
                source => if f.source == "file" { "File" } else { "This item's text" },
                reviewed => f.reviewed_at.is_some(),
                reviewed_by => &f.reviewed_by_name,
                reviewed_at => f.reviewed_at.map(crate::web::format_date),
                reason => &f.review_reason,
            }
        })
        .collect();
    let states: Vec<Value> = ItemState::ALL
        .iter()
        .map(|s| context! { value => s.as_str(), text => s.label(), checked => *s == item.state })
        .collect();
    context! {
        assessment => assessment_context(library),
        item => item_summary(item, library.currency_months),
        description => &item.row.description,
        description_lines => item.row.description.lines().map(str::to_owned).collect::<Vec<_>>(),
        pointer => &item.row.pointer,
        owner => &item.row.owner,
        added => crate::web::format_date(item.row.created_at),
        findings,
        states,
        can_edit => library.can_edit,
        months => library.currency_months,
    }
}

async fn item_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_item)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let library = load(&state, &actor, &raw).await?;
    let item = find_item(&library, &raw_item)?;
    Ok(page.render("evidence/item.html", item_context(&library, &item))?.into_response())
}

#[derive(Deserialize)]
struct StateForm {
    #[serde(default)]
    state: String,
}

async fn set_state(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_item)): Path<(String, String)>,
    Form(form): Form<StateForm>,
) -> Result<Response, AppError> {
    let library = load(&state, &actor, &raw).await?;
    let item = find_item(&library, &raw_item)?;
    let result = service::set_state(
        &state.db,
        &state.frameworks,
        &state.evidence,
        &actor,
        library.assessment.id,
        item.row.id,
        &form.state,
    )
    .await;
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/assessments/{}/evidence/{}", library.assessment.id, item.row.id))
                .into_response())
        }
        Err(EvidenceError::Invalid(problems)) => {
            page.render_invalid("evidence/item.html", &field_errors(problems), item_context(&library, &item))
        }
        Err(e) => Err(to_app(e)),
    }
}

#[derive(Deserialize)]
struct ReviewForm {
    #[serde(default)]
    reason: String,
}

async fn review(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_item, raw_finding)): Path<(String, String, String)>,
    Form(form): Form<ReviewForm>,
) -> Result<Response, AppError> {
    let library = load(&state, &actor, &raw).await?;
    let item = find_item(&library, &raw_item)?;
    let finding = crate::web::path_id(&raw_finding)?;
    let result = service::review_finding(
        &state.db,
        &state.frameworks,
        &state.evidence,
        &actor,
        library.assessment.id,
        item.row.id,
        finding,
        &form.reason,
    )
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/assessments/{}/evidence/{}#findings",
            library.assessment.id, item.row.id
        ))
        .into_response()),
        Err(EvidenceError::Invalid(problems)) => {
            page.render_invalid("evidence/item.html", &field_errors(problems), item_context(&library, &item))
        }
        Err(e) => Err(to_app(e)),
    }
}

/// A file, to members only, always as an attachment under a safe name, never cached.
async fn download(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path((raw, raw_item)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let item = crate::web::path_id(&raw_item)?;
    let (key, name, kind) =
        service::file_for_download(&state.db, &state.frameworks, &state.evidence, &actor, id, item)
            .await
            .map_err(to_app)?;
    let (stream, size) = state.evidence.files.get(&key).await.map_err(|e| {
        tracing::error!(error = %e, item = %item, "an evidence file is missing from the store");
        AppError::Internal
    })?;
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.media_type()));
    if let Ok(value) = HeaderValue::from_str(&files::content_disposition(&name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    Ok(response)
}

fn coverage_tag(status: super::domain::Coverage) -> Value {
    let classes = match status {
        super::domain::Coverage::Ready => "govuk-tag--green",
        super::domain::Coverage::DraftOnly => "govuk-tag--yellow",
        super::domain::Coverage::Missing => "govuk-tag--red",
    };
    context! { text => status.label(), classes }
}

async fn coverage_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let library = load(&state, &actor, &raw).await?;
    let report = service::coverage(&library);
    let evidence = |refs: &[service::EvidenceRef]| -> Vec<Value> {
        refs.iter()
            .map(|r| {
                context! {
                    id => &r.id, title => &r.title, state => state_tag(r.state),
                    currency => currency_text(r.currency, library.currency_months),
                }
            })
            .collect()
    };
    let themes: Vec<Value> = report
        .themes
        .iter()
        .map(|t| {
            let items: Vec<Value> = t
                .ir_items
                .iter()
                .map(|ir| {
                    context! {
                        code => &ir.code, title => &ir.title,
                        quality_statements => ir.quality_statements.join(", "),
                        document_types => ir.document_types.join(", "),
                        status => coverage_tag(ir.status),
                        evidence => evidence(&ir.evidence),
                    }
                })
                .collect();
            context! { id => &t.id, title => &t.title, items }
        })
        .collect();
    let statements: Vec<Value> = report
        .quality_statements
        .iter()
        .map(|qs| {
            context! {
                id => &qs.id, title => &qs.title,
                status => coverage_tag(qs.status),
                ready => qs.ready,
                ir_items => qs.ir_items.iter().map(|i| context! { code => &i.code, status => i.status.label() }).collect::<Vec<_>>(),
                evidence => evidence(&qs.evidence),
            }
        })
        .collect();
    Ok(page
        .render(
            "evidence/coverage.html",
            context! {
                assessment => assessment_context(&library),
                totals => Value::from(minijinja::value::Serde(&report.totals)),
                themes,
                statements,
                months => library.currency_months,
                reference_date => crate::web::format_date(library.reference_date.midnight().assume_utc()),
                can_edit => library.can_edit,
            },
        )?
        .into_response())
}

async fn settings_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let library = load(&state, &actor, &raw).await?;
    if !library.can_lead {
        return Err(AppError::Forbidden);
    }
    Ok(page
        .render(
            "evidence/settings.html",
            context! {
                assessment => assessment_context(&library),
                currency_months => library.currency_months.to_string(),
                default_months => state.evidence.currency_months,
            },
        )?
        .into_response())
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    currency_months: String,
}

async fn save_settings(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    match service::save_currency_months(
        &state.db,
        &state.frameworks,
        &state.evidence,
        &actor,
        id,
        &form.currency_months,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/assessments/{id}/evidence")).into_response()),
        Err(EvidenceError::Invalid(problems)) => {
            let library = load(&state, &actor, &raw).await?;
            page.render_invalid(
                "evidence/settings.html",
                &field_errors(problems),
                context! {
                    assessment => assessment_context(&library),
                    currency_months => form.currency_months,
                    default_months => state.evidence.currency_months,
                },
            )
        }
        Err(e) => Err(to_app(e)),
    }
}

fn attachment(content_type: &'static str, name: &str, bytes: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn section_d_csv(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let library = load(&state, &actor, &raw).await?;
    let bytes = export::csv(&library).map_err(|e| {
        tracing::error!(error = %e, "cannot write the Section D table");
        AppError::Internal
    })?;
    let name =
        crate::spreadsheets::cells::safe_file_name(&format!("section d {}", library.assessment.title), "csv");
    Ok(attachment("text/csv; charset=utf-8", &name, bytes))
}

async fn section_d_xlsx(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let library = load(&state, &actor, &raw).await?;
    let bytes = export::xlsx(&library).map_err(|e| {
        tracing::error!(error = %e, "cannot write the Section D workbook");
        AppError::Internal
    })?;
    let name = crate::spreadsheets::cells::safe_file_name(
        &format!("section d {}", library.assessment.title),
        "xlsx",
    );
    Ok(attachment(files::FileType::Xlsx.media_type(), &name, bytes))
}
