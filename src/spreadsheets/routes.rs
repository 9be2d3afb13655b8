//! Spreadsheet pages and downloads: blank checklists, exports of every response, and the
//! import of a completed checklist (upload, preview, confirm).

use axum::body::{Body, Bytes};
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use uuid::Uuid;

use super::blank::{self, BlankInfo};
use super::cells::{FileProblem, column_letter, rating_label, safe_file_name};
use super::export;
use super::jobs::{self, Job, Outcome, Task};
use super::service::{self, Assessment, SheetError, Upload};
use super::survey;
use crate::accounts::service::FieldError;
use crate::accounts::session::SignedIn;
use crate::startup::AppState;
use crate::web::routes::Routes;
use crate::web::{AppError, Page};
use std::sync::Arc;

pub fn router() -> Routes {
    Routes::new()
        .get("/assessments/{id}/checklists.xlsx", blank_xlsx)
        .get("/assessments/{id}/checklists.csv", blank_csv)
        .get("/assessments/{id}/responses.csv", export_csv)
        .get("/assessments/{id}/responses.xlsx", export_xlsx)
        .get("/assessments/{id}/import", import_page)
        .post("/assessments/{id}/import", upload)
        .get("/assessments/{id}/import/survey", survey_page)
        .post("/assessments/{id}/import/survey", survey_upload)
        .get("/assessments/{id}/import/{import_id}", import_view)
        .post("/assessments/{id}/import/{import_id}/mapping", survey_mapping)
        .post("/assessments/{id}/import/{import_id}/confirm", confirm)
}

/// Responses per page of an export: at most 20 × 95 answers in memory at once.
const EXPORT_PAGE: i64 = 20;

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV_TYPE: &str = "text/csv; charset=utf-8";

fn download(content_type: &'static str, file_name: &str, body: Body) -> Response {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // Answers are personal data: no copies in caches.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn group_names(assessment: &Assessment) -> Vec<String> {
    assessment.groups.iter().map(|g| g.name.clone()).collect()
}

async fn blank_xlsx(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let assessment = service::for_members(&state.db, &state.frameworks, &actor, id).await?;
    let groups = group_names(&assessment);
    let info = BlankInfo {
        council_name: &assessment.council_name,
        assessment_title: &assessment.row.title,
        groups: &groups,
    };
    let bytes = blank::workbook(&assessment.framework, &info).map_err(|e| {
        tracing::error!(error = %e, "cannot write the blank checklists");
        AppError::Internal
    })?;
    let name = safe_file_name(&format!("checklists {}", assessment.row.title), "xlsx");
    Ok(download(XLSX_TYPE, &name, Body::from(bytes)))
}

async fn blank_csv(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let assessment = service::for_members(&state.db, &state.frameworks, &actor, id).await?;
    let bytes = blank::csv_template(&assessment.framework).map_err(|e| {
        tracing::error!(error = %e, "cannot write the CSV template");
        AppError::Internal
    })?;
    let name = safe_file_name(&format!("checklist {}", assessment.row.title), "csv");
    Ok(download(CSV_TYPE, &name, Body::from(bytes)))
}

/// A body fed through a channel; an `Err` ends the download abruptly, so a half-written
/// file is never mistaken for a whole one. Fused: the compression layer polls again after
/// the end.
fn channel_body(rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>) -> Body {
    use futures_util::StreamExt;
    Body::from_stream(
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
            .fuse(),
    )
}

async fn export_csv(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let assessment = service::for_leads(&state.db, &state.frameworks, &actor, id).await?;
    service::record_export(&state.db, &actor, &assessment.row, "csv").await?;
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let db = state.db.clone();
    tokio::spawn(async move {
        let send = |chunk: Result<Vec<u8>, String>| {
            let tx = tx.clone();
            async move {
                let item = chunk.map(Bytes::from).map_err(std::io::Error::other);
                tx.send(item).await.is_ok()
            }
        };
        if !send(export::csv_header().map_err(|e| e.to_string())).await {
            return;
        }
        let mut after = Uuid::nil();
        loop {
            match crate::spreadsheets::store::export_page(&db, id, after, EXPORT_PAGE).await {
                Ok((rows, Some(last))) => {
                    after = last;
                    if !send(export::csv_rows(&rows).map_err(|e| e.to_string())).await {
                        return;
                    }
                }
                Ok((_, None)) => return,
                Err(e) => {
                    tracing::error!(error = %e, "the CSV export stopped");
                    let _ = send(Err(e.to_string())).await;
                    return;
                }
            }
        }
    });
    let name = safe_file_name(&format!("responses {}", assessment.row.title), "csv");
    Ok(download(CSV_TYPE, &name, channel_body(rx)))
}

/// Builds the workbook in a temporary file (rust_xlsxwriter's constant-memory mode, fed a
/// page at a time from the database through a bounded channel), then streams the file. The
/// answer starts at once, so the request's time limit does not cut a long export short.
async fn export_xlsx(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let assessment = service::for_leads(&state.db, &state.frameworks, &actor, id).await?;
    service::record_export(&state.db, &actor, &assessment.row, "xlsx").await?;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let db = state.db.clone();
    tokio::spawn(async move {
        if let Err(e) = stream_xlsx(&db, id, &tx).await {
            tracing::error!(error = %e, "the XLSX export stopped");
            let _ = tx.send(Err(std::io::Error::other(e))).await;
        }
    });
    let name = safe_file_name(&format!("responses {}", assessment.row.title), "xlsx");
    Ok(download(XLSX_TYPE, &name, channel_body(rx)))
}

async fn stream_xlsx(
    db: &crate::db::Db,
    id: Uuid,
    out: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), String> {
    use tokio::io::AsyncReadExt;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("responses.xlsx");
    let (page_tx, mut page_rx) = tokio::sync::mpsc::channel::<Vec<export::ExportRow>>(2);
    let (write_path, temp) = (path.clone(), dir.path().to_owned());
    let writer = tokio::task::spawn_blocking(move || {
        export::write_xlsx(std::iter::from_fn(|| page_rx.blocking_recv()), &write_path, &temp)
    });
    let mut after = Uuid::nil();
    loop {
        if out.is_closed() {
            break; // the client went away: stop building
        }
        let (rows, last) = export_page(db, id, after).await?;
        let Some(last) = last else { break };
        after = last;
        if page_tx.send(rows).await.is_err() {
            break; // the writer failed: its error follows
        }
    }
    drop(page_tx);
    writer.await.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
    if out.is_closed() {
        return Ok(());
    }
    let mut file = tokio::fs::File::open(&path).await.map_err(|e| e.to_string())?;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buffer).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Ok(());
        }
        if out.send(Ok(Bytes::copy_from_slice(&buffer[..n]))).await.is_err() {
            return Ok(()); // the client went away
        }
    }
}

async fn export_page(
    db: &crate::db::Db,
    id: Uuid,
    after: Uuid,
) -> Result<(Vec<export::ExportRow>, Option<Uuid>), String> {
    crate::spreadsheets::store::export_page(db, id, after, EXPORT_PAGE).await.map_err(|e| e.to_string())
}

fn import_context(assessment: &Assessment) -> Value {
    let groups: Vec<Value> =
        assessment.groups.iter().map(|g| context! { value => g.id.to_string(), text => &g.name }).collect();
    context! {
        assessment => context! { id => assessment.row.id.to_string(), title => &assessment.row.title },
        groups,
    }
}

async fn import_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let assessment = service::for_leads(&state.db, &state.frameworks, &actor, id).await?;
    Ok(page
        .render(
            "spreadsheets/import.html",
            context! { values => context! { mode => "response" }, ..import_context(&assessment) },
        )?
        .into_response())
}

#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
struct UploadForm {
    file_name: String,
    group: String,
    mode: String,
    workshop_date: String,
    facilitator: String,
    participants: String,
}

/// Reads the multipart form: the file's bytes and the other fields.
async fn read_form(multipart: &mut Multipart) -> Result<(UploadForm, Vec<u8>), String> {
    let mut form = UploadForm::default();
    let mut bytes = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|e| e.body_text())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            form.file_name = field.file_name().unwrap_or_default().to_owned();
            bytes = field.bytes().await.map_err(|e| e.body_text())?.to_vec();
            continue;
        }
        let text = field.text().await.map_err(|e| e.body_text())?;
        match name.as_str() {
            "group" => form.group = text,
            "mode" => form.mode = text,
            "workshop_date" => form.workshop_date = text,
            "facilitator" => form.facilitator = text,
            "participants" => form.participants = text,
            _ => {}
        }
    }
    Ok((form, bytes))
}

/// The upload page again with every problem (status 422): form fields beside themselves, the
/// file's problems each with its sheet, row and column, all in the error summary.
fn render_problems(
    page: &Page,
    assessment: &Assessment,
    form: &UploadForm,
    fields: &[FieldError],
    file: &[FileProblem],
) -> Result<Response, AppError> {
    render_problems_with(StatusCode::UNPROCESSABLE_ENTITY, page, assessment, form, fields, file)
}

fn render_problems_with(
    status: StatusCode,
    page: &Page,
    assessment: &Assessment,
    form: &UploadForm,
    fields: &[FieldError],
    file: &[FileProblem],
) -> Result<Response, AppError> {
    let mut error_list: Vec<Value> =
        fields.iter().map(|e| context! { text => &e.message, href => format!("#{}", e.field) }).collect();
    error_list.extend(file.iter().map(|p| context! { text => p.to_string(), href => "#file" }));
    let mut field_errors = std::collections::BTreeMap::new();
    for e in fields {
        field_errors.entry(e.field.clone()).or_insert_with(|| context! { text => &e.message });
    }
    if !file.is_empty() {
        let count = file.len();
        let text = if count == 1 {
            "The file has a problem, listed above. Nothing was imported: correct it and upload the file again"
                .to_owned()
        } else {
            format!(
                "The file has {count} problems, listed above. Nothing was imported: correct them and upload the file again"
            )
        };
        field_errors.entry("file".to_owned()).or_insert_with(|| context! { text });
    }
    let html = page.render(
        "spreadsheets/import.html",
        context! {
            error_list,
            field_errors,
            has_errors => true,
            values => Value::from(minijinja::value::Serde(form)),
            ..import_context(assessment)
        },
    )?;
    Ok((status, html).into_response())
}

async fn upload(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let assessment = service::for_leads(&state.db, &state.frameworks, &actor, id).await?;
    let (form, bytes) = match multipart {
        Ok(mut multipart) => match read_form(&mut multipart).await {
            Ok(read) => read,
            Err(message) => {
                tracing::info!(%message, "an upload could not be read");
                let fields = [FieldError {
                    field: "file".into(),
                    message: "The upload did not arrive whole: try again".into(),
                }];
                return render_problems(&page, &assessment, &UploadForm::default(), &fields, &[]);
            }
        },
        // Not a multipart form at all (the form was sent without its file).
        Err(_) => (UploadForm::default(), Vec::new()),
    };
    let import_id = Uuid::now_v7();
    let (db, frameworks, owner, values) =
        (state.db.clone(), state.frameworks.clone(), actor.clone(), form.clone());
    let job = jobs::start(import_id, id, Task::ReadChecklist, bytes.len(), move |_| async move {
        let upload = Upload {
            bytes: &bytes,
            group: &values.group,
            mode: &values.mode,
            workshop_date: &values.workshop_date,
            facilitator: &values.facilitator,
            participants: &values.participants,
        };
        let result = service::preview_as(&db, &frameworks, &owner, id, import_id, upload).await;
        with_values(Outcome::of(&result, |_| Outcome::Done), &values)
    });
    answer(&state, &page, &assessment, &job).await
}

/// Keeps the upload form's fields with its problems, to show them again.
fn with_values(outcome: Outcome, form: &UploadForm) -> Outcome {
    match outcome {
        Outcome::Problems { fields, file, .. } => {
            Outcome::Problems { fields, file, values: serde_json::to_value(form).unwrap_or_default() }
        }
        other => other,
    }
}

/// Answers a request that started a job: as before when the job ends within the import wait,
/// otherwise with the import's page, which shows the job's progress.
async fn answer(
    state: &AppState,
    page: &Page,
    assessment: &Assessment,
    job: &Arc<Job>,
) -> Result<Response, AppError> {
    let import_page = format!("/assessments/{}/import/{}", assessment.row.id, job.import_id);
    // No wait at all: always the import's page, however quick the work.
    let wait = state.limits.import_wait;
    let outcome = if wait.is_zero() { None } else { job.wait(wait).await };
    let Some(outcome) = outcome else {
        return Ok(Redirect::to(&import_page).into_response());
    };
    match outcome {
        Outcome::Done | Outcome::NotReady => {
            jobs::forget(job.import_id);
            Ok(Redirect::to(&import_page).into_response())
        }
        Outcome::Gone => {
            jobs::forget(job.import_id);
            Err(AppError::NotFound)
        }
        outcome => {
            // Shown here, as the answer to the form: the import's page shows the import again.
            let page =
                ended_page(state, page, assessment, job, outcome, StatusCode::UNPROCESSABLE_ENTITY).await;
            jobs::forget(job.import_id);
            page
        }
    }
}

/// What failed, in words, for a job that stopped; nothing was stored.
fn stopped_message(task: Task, storage: bool) -> String {
    let why =
        if storage { "Storage is unavailable for a moment" } else { "Something went wrong on our side" };
    match task {
        Task::ReadChecklist | Task::ReadSurvey => {
            format!("{why}: the file could not be read and nothing was kept. Upload it again")
        }
        Task::CheckMapping => format!("{why}: the rows could not be checked. Choose the columns again"),
        Task::Store => {
            format!("{why}: the import stopped and nothing was stored. Import the responses again")
        }
    }
}

/// The page for a job that ended otherwise than done: the form with its problems, or the
/// import's page with what went wrong.
async fn ended_page(
    state: &AppState,
    page: &Page,
    assessment: &Assessment,
    job: &Job,
    outcome: Outcome,
    status: StatusCode,
) -> Result<Response, AppError> {
    let stopped = |storage| {
        let status =
            if storage { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::INTERNAL_SERVER_ERROR };
        let field = match job.task {
            Task::ReadChecklist | Task::ReadSurvey => "file",
            Task::CheckMapping => "mapping",
            Task::Store => "confirm",
        };
        (status, vec![FieldError { field: field.into(), message: stopped_message(job.task, storage) }])
    };
    match (job.task, outcome) {
        (_, Outcome::Done | Outcome::NotReady) => Err(AppError::Internal),
        (_, Outcome::Gone) => Err(AppError::NotFound),
        (Task::ReadChecklist, Outcome::Problems { fields, file, values }) => {
            let form: UploadForm = serde_json::from_value(values).unwrap_or_default();
            render_problems_with(status, page, assessment, &form, &fields, &file)
        }
        (Task::ReadSurvey, Outcome::Problems { fields, file, .. }) => {
            survey_upload_problems(status, page, assessment, &fields, &file)
        }
        (Task::ReadChecklist, Outcome::Failed { storage }) => {
            let (status, fields) = stopped(storage);
            render_problems_with(status, page, assessment, &UploadForm::default(), &fields, &[])
        }
        (Task::ReadSurvey, Outcome::Failed { storage }) => {
            let (status, fields) = stopped(storage);
            survey_upload_problems(status, page, assessment, &fields, &[])
        }
        (_, Outcome::AlreadyImported { reference }) => {
            let fields = [FieldError {
                field: "file".into(),
                message: format!(
                    "This file was imported already as response {reference}; it was not imported again"
                ),
            }];
            render_problems_with(status, page, assessment, &UploadForm::default(), &fields, &[])
        }
        (Task::CheckMapping | Task::Store, outcome) => {
            let (status, fields, file) = match outcome {
                Outcome::Problems { fields, file, .. } => (status, fields, file),
                Outcome::Failed { storage } => {
                    let (status, fields) = stopped(storage);
                    (status, fields, Vec::new())
                }
                _ => return Err(AppError::Internal),
            };
            let (assessment, view) = service::view(
                &state.db,
                &state.frameworks,
                page_actor(page)?,
                assessment.row.id,
                job.import_id,
            )
            .await?;
            if view.import.kind == service::SURVEY_KIND {
                let mut response =
                    survey_view(page, &assessment, &view, &fields, &file, job.task == Task::CheckMapping)?;
                *response.status_mut() = status;
                Ok(response)
            } else {
                let mut response = checklist_view(page, &assessment, &view, &fields)?;
                *response.status_mut() = status;
                Ok(response)
            }
        }
    }
}

fn page_actor(page: &Page) -> Result<&crate::accounts::actor::Actor, AppError> {
    page.actor().ok_or(AppError::NotFound)
}

/// The progress page of a running job.
fn progress_page(page: &Page, assessment: &Assessment, job: &Job) -> Result<Response, AppError> {
    let (done, total) = job.progress.get();
    let seconds = job.started.elapsed().as_secs();
    let context = context! {
        assessment => context! { id => assessment.row.id.to_string(), title => &assessment.row.title },
        import_id => job.import_id.to_string(),
        doing => job.task.doing(),
        storing => job.task == Task::Store,
        waiting => job.progress.waiting(),
        done,
        total,
        percent => (done * 100).checked_div(total).unwrap_or(0),
        size => crate::web::error::size_text(job.bytes),
        reading => matches!(job.task, Task::ReadChecklist | Task::ReadSurvey),
        elapsed => if seconds < 60 { format!("{seconds} seconds") } else { format!("{} minutes {} seconds", seconds / 60, seconds % 60) },
    };
    let html = page.render("spreadsheets/progress.html", context)?;
    let mut response = html.into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn import_view(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_import)): Path<(String, String)>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let import_id = crate::web::path_id(&raw_import)?;
    // A job reading, checking or storing this import: its progress, or how it ended.
    if let Some(job) = jobs::get(import_id, id) {
        let assessment = service::for_leads(&state.db, &state.frameworks, &actor, id).await?;
        match job.outcome() {
            None => return progress_page(&page, &assessment, &job),
            Some(Outcome::Done | Outcome::NotReady | Outcome::Gone) => {}
            Some(outcome) => {
                return ended_page(&state, &page, &assessment, &job, outcome, StatusCode::OK).await;
            }
        }
    }
    let (assessment, view) = service::view(&state.db, &state.frameworks, &actor, id, import_id).await?;
    if view.import.kind == service::SURVEY_KIND {
        let change = query.get("change").is_some_and(|v| v == "1");
        return survey_view(&page, &assessment, &view, &[], &[], change);
    }
    checklist_view(&page, &assessment, &view, &[])
}

/// A checklist's preview, or what it became; `errors` say why an import stopped.
fn checklist_view(
    page: &Page,
    assessment: &Assessment,
    view: &service::ImportView,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let framework = &assessment.framework;
    let mut statements: Vec<Value> = Vec::new();
    for qs in framework.quality_statements() {
        let answers: Vec<Value> = view
            .answers
            .iter()
            .filter(|a| {
                a.item
                    .parse()
                    .is_ok_and(|i: crate::framework::ChecklistItemId| i.quality_statement() == qs.id)
            })
            .map(|a| {
                let text = a
                    .item
                    .parse()
                    .ok()
                    .and_then(|i| framework.checklist_item(i))
                    .map(|i| i.text.clone())
                    .unwrap_or_default();
                context! {
                    item => &a.item,
                    text,
                    rating => format!("{} {}", a.rating, rating_label(a.rating)),
                    evidence => &a.evidence,
                    evidence_needed => &a.evidence_needed,
                }
            })
            .collect();
        if !answers.is_empty() {
            statements.push(context! { id => qs.id.to_string(), title => &qs.title, answers, total => qs.checklist_items.len() });
        }
    }
    let import = &view.import;
    let context = context! {
        assessment => context! { id => assessment.row.id.to_string(), title => &assessment.row.title },
        import => context! {
            id => import.id.to_string(),
            kind => if import.kind == "checklist_csv" { "CSV checklist" } else { "Checklist workbook" },
            mode => if import.mode == "workshop" { "A workshop's agreed answers" } else { "One person's answers" },
            workshop => import.mode == "workshop",
            workshop_date => import.workshop_date.map(|d| d.to_string()),
            facilitator => &import.facilitator,
            participants => import.participants,
            group => &view.group_name,
            answer_count => import.answer_count,
            sha256 => &import.sha256,
            confirmed => import.confirmed_at.is_some(),
            confirmed_at => import.confirmed_at.map(crate::web::format_datetime),
            expired => view.expired,
            reference => &view.reference,
        },
        statements,
        error_list => errors.iter().map(|e| context! { text => &e.message, href => "#confirm" }).collect::<Vec<_>>(),
        has_errors => !errors.is_empty(),
    };
    Ok(page.render("spreadsheets/preview.html", context)?.into_response())
}

async fn confirm(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_import)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let import_id = crate::web::path_id(&raw_import)?;
    let (assessment, view) = service::view(&state.db, &state.frameworks, &actor, id, import_id).await?;
    // Confirming while the import is being stored (a second click, another tab): its progress.
    if jobs::get(import_id, id).is_some_and(|job| job.task == Task::Store && job.outcome().is_none()) {
        return Ok(Redirect::to(&format!("/assessments/{id}/import/{import_id}")).into_response());
    }
    let (db, frameworks) = (state.db.clone(), state.frameworks.clone());
    let size = view.import.content.len();
    let job = jobs::start(import_id, id, Task::Store, size, move |job| async move {
        // In the background it can wait: while the database is unavailable (another writer
        // holding it, say) it tries again, for a while.
        let give_up = std::time::Instant::now() + jobs::STORE_PATIENCE;
        let result = loop {
            let result = service::confirm(&db, &frameworks, &actor, id, import_id, &job.progress).await;
            match &result {
                Err(SheetError::Db(e))
                    if crate::engagement::writer::retry_after(e).is_some()
                        && std::time::Instant::now() < give_up =>
                {
                    tracing::info!(error = %e, "storing an import waits for the database");
                    job.progress.set_waiting(true);
                    tokio::time::sleep(jobs::RETRY_PAUSE).await;
                }
                _ => break result,
            }
        };
        job.progress.set_waiting(false);
        Outcome::of(&result, Outcome::of_confirmed)
    });
    answer(&state, &page, &assessment, &job).await
}

async fn survey_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let assessment = service::for_leads(&state.db, &state.frameworks, &actor, id).await?;
    Ok(page.render("spreadsheets/survey_upload.html", import_context(&assessment))?.into_response())
}

async fn survey_upload(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let assessment = service::for_leads(&state.db, &state.frameworks, &actor, id).await?;
    let bytes = match multipart {
        Ok(mut multipart) => read_form(&mut multipart).await.map(|(_, bytes)| bytes).unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let import_id = Uuid::now_v7();
    let (db, frameworks, owner) = (state.db.clone(), state.frameworks.clone(), actor.clone());
    let job = jobs::start(import_id, id, Task::ReadSurvey, bytes.len(), move |_| async move {
        let result = service::survey_upload_as(&db, &frameworks, &owner, id, import_id, &bytes).await;
        Outcome::of(&result, |_| Outcome::Done)
    });
    answer(&state, &page, &assessment, &job).await
}

/// The survey export's upload page again, with every problem.
fn survey_upload_problems(
    status: StatusCode,
    page: &Page,
    assessment: &Assessment,
    fields: &[FieldError],
    file: &[FileProblem],
) -> Result<Response, AppError> {
    let mut error_list: Vec<Value> =
        fields.iter().map(|e| context! { text => &e.message, href => "#file" }).collect();
    error_list.extend(file.iter().map(|p| context! { text => p.to_string(), href => "#file" }));
    let first = fields.first().map(|e| e.message.clone()).or_else(|| file.first().map(ToString::to_string));
    let html = page.render(
        "spreadsheets/survey_upload.html",
        context! {
            error_list,
            field_errors => context! { file => context! { text => first } },
            has_errors => true,
            ..import_context(assessment)
        },
    )?;
    Ok((status, html).into_response())
}

/// What a column can hold, for the mapping page's lists: grouped by quality statement.
fn target_choices(framework: &crate::framework::Framework) -> Vec<Value> {
    framework
        .quality_statements()
        .map(|qs| {
            let options: Vec<Value> = qs
                .checklist_items
                .iter()
                .flat_map(|item| {
                    let short: String = item.text.chars().take(70).collect();
                    let ellipsis = if item.text.chars().count() > 70 { "…" } else { "" };
                    [
                        (survey::Target::Rating(item.id), format!("{} rating: {short}{ellipsis}", item.id)),
                        (survey::Target::Evidence(item.id), format!("{} evidence they have", item.id)),
                        (survey::Target::Needed(item.id), format!("{} evidence they need", item.id)),
                    ]
                })
                .map(|(target, text)| context! { value => target.value(), text })
                .collect();
            context! { label => format!("{} {}", qs.id, qs.title), options }
        })
        .collect()
}

/// A survey export's page: the column mapping until it checks, then the preview of the
/// responses, then what was stored.
fn survey_view(
    page: &Page,
    assessment: &Assessment,
    view: &service::ImportView,
    fields: &[FieldError],
    file: &[FileProblem],
    change: bool,
) -> Result<Response, AppError> {
    let import = &view.import;
    let survey = view.survey.as_ref();
    let columns: Vec<Value> = survey
        .map(|s| {
            s.table
                .headers
                .iter()
                .enumerate()
                .map(|(c, header)| {
                    let samples: Vec<String> = s
                        .table
                        .rows
                        .iter()
                        .filter_map(|r| r.get(c))
                        .map(|v| v.trim())
                        .filter(|v| !v.is_empty())
                        .take(3)
                        .map(|v| v.chars().take(60).collect())
                        .collect();
                    context! {
                        index => c,
                        letter => column_letter(c as u32),
                        header,
                        samples,
                        chosen => s.mapping.get(c).cloned().unwrap_or_else(|| "ignore".into()),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let names: std::collections::HashMap<Uuid, &str> =
        assessment.groups.iter().map(|g| (g.id, g.name.as_str())).collect();
    let responses = survey.and_then(|s| s.responses.as_ref());
    let mut by_group: Vec<(String, usize)> = Vec::new();
    for r in responses.into_iter().flatten() {
        let name = names.get(&r.group_id).copied().unwrap_or_default().to_owned();
        match by_group.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 += 1,
            None => by_group.push((name, 1)),
        }
    }
    let rows: Vec<Value> = responses
        .into_iter()
        .flatten()
        .take(50)
        .map(|r| {
            context! {
                row => r.row,
                group => names.get(&r.group_id).copied().unwrap_or_default(),
                answers => r.answers.len(),
                items => r.answers.iter().map(|a| format!("{} {}", a.item, a.rating)).collect::<Vec<_>>().join(", "),
            }
        })
        .collect();
    let mut error_list: Vec<Value> =
        fields.iter().map(|e| context! { text => &e.message, href => format!("#{}", e.field) }).collect();
    error_list.extend(file.iter().map(|p| context! { text => p.to_string(), href => "#mapping" }));
    let has_errors = !error_list.is_empty();
    let context = context! {
        assessment => context! { id => assessment.row.id.to_string(), title => &assessment.row.title },
        import => context! {
            id => import.id.to_string(),
            confirmed => import.confirmed_at.is_some(),
            confirmed_at => import.confirmed_at.map(crate::web::format_datetime),
            expired => view.expired,
            answer_count => import.answer_count,
            sha256 => &import.sha256,
        },
        mapped => responses.is_some(),
        response_count => responses.map(Vec::len).unwrap_or(0),
        by_group => by_group.into_iter().map(|(name, count)| context! { name, count }).collect::<Vec<_>>(),
        rows,
        columns,
        targets => target_choices(&assessment.framework),
        groups => assessment.groups.iter().map(|g| context! { value => g.id.to_string(), text => &g.name }).collect::<Vec<_>>(),
        fixed_group => survey.and_then(|s| s.fixed_group).map(|g| g.to_string()).unwrap_or_default(),
        change,
        error_list,
        has_errors,
    };
    let html = page.render("spreadsheets/survey.html", context)?;
    let status = if has_errors { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, html).into_response())
}

async fn survey_mapping(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_import)): Path<(String, String)>,
    axum_extra::extract::Form(form): axum_extra::extract::Form<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let import_id = crate::web::path_id(&raw_import)?;
    let mut columns = Vec::new();
    while let Some(value) = form.get(&format!("column-{}", columns.len())) {
        columns.push(value.clone());
    }
    let fixed = form.get("fixed_group").cloned().unwrap_or_default();
    let assessment = service::for_leads(&state.db, &state.frameworks, &actor, id).await?;
    let (db, frameworks) = (state.db.clone(), state.frameworks.clone());
    let size = columns.len();
    let job = jobs::start(import_id, id, Task::CheckMapping, size, move |_| async move {
        let result = service::survey_map(&db, &frameworks, &actor, id, import_id, &columns, &fixed).await;
        Outcome::of(&result, |_| Outcome::Done)
    });
    answer(&state, &page, &assessment, &job).await
}
