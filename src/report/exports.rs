//! Exports of the document: Word, PDF, HTML, and the whole pack as a zip.
//!
//! Rendering runs on tokio's blocking pool, so an export never holds up other requests. The
//! page that asks for one waits up to [`WAIT`] (2 seconds); a quick export goes straight to
//! its download, a slow one shows a progress page that checks for itself (JavaScript) or with
//! a *Check progress* button, and offers the file once it is made. Finished exports are kept
//! in the process that made them for [`KEEP`], for the person who asked for them only.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::header;
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;
use uuid::Uuid;

use super::document::ReportDocument;
use super::render::{self, RenderError};
use super::service::{self, Inputs};
use crate::accounts::actor::Actor;
use crate::startup::AppState;
use crate::web::AppError;

/// How long the request that asks for an export waits before showing progress instead.
pub const WAIT: Duration = Duration::from_secs(2);
/// How long a made export is kept for its download.
pub const KEEP: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Docx,
    Pdf,
    Html,
    Zip,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Docx, Format::Pdf, Format::Html, Format::Zip];

    pub fn id(self) -> &'static str {
        match self {
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Html => "html",
            Format::Zip => "zip",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.id() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::Docx => "Word document (.docx)",
            Format::Pdf => "PDF (.pdf)",
            Format::Html => "Web page (.html)",
            Format::Zip => {
                "Assessment pack (.zip): the document in every format, the evidence table and the Stage 1 analysis"
            }
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Format::Pdf => "application/pdf",
            Format::Html => "text/html; charset=utf-8",
            Format::Zip => "application/zip",
        }
    }

    /// PDF needs the `pdf` feature; everything else is always there.
    pub fn available(self) -> bool {
        self != Format::Pdf || render::pdf_available()
    }
}

/// The name a file is saved under: the council and assessment in plain characters.
pub fn file_name(council: &str, assessment: &str, extension: &str) -> String {
    let slug = |s: &str| {
        let mut out = String::new();
        for c in s.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') {
                out.push('-');
            }
        }
        out.trim_matches('-').chars().take(60).collect::<String>()
    };
    format!("self-assessment-{}-{}.{extension}", slug(council), slug(assessment)).replace("--", "-")
}

/// A download with its name, never shown inline.
pub fn attachment(format: Format, name: &str, bytes: Arc<Vec<u8>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes.as_ref().clone(),
    )
        .into_response()
}

type Outcome = Result<Arc<Vec<u8>>, String>;

pub struct Export {
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub user_id: Uuid,
    pub format: Format,
    pub file_name: String,
    pub started: Instant,
    outcome: watch::Sender<Option<(Outcome, Instant)>>,
}

impl Export {
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome.borrow().as_ref().map(|(o, _)| o.clone())
    }

    pub async fn wait(&self, wait: Duration) -> Option<Outcome> {
        let mut receiver = self.outcome.subscribe();
        let _ = tokio::time::timeout(wait, receiver.wait_for(Option::is_some)).await;
        self.outcome()
    }

    fn expired(&self) -> bool {
        self.outcome.borrow().as_ref().is_some_and(|(_, at)| at.elapsed() > KEEP)
    }
}

static EXPORTS: LazyLock<Mutex<HashMap<Uuid, Arc<Export>>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Everything an export needs, read from the database first (on the request's task), so the
/// rendering that follows, on the blocking pool, touches nothing but memory.
pub struct Material {
    pub document: ReportDocument,
    pub council: String,
    /// The draft, the analysis and the library, for the pack's spreadsheets.
    inputs: Inputs,
}

/// Reads what the document is made of (the actor must be able to read the assessment).
pub async fn material(state: &AppState, actor: &Actor, assessment_id: Uuid) -> Result<Material, AppError> {
    let inputs: Inputs = service::inputs(&state.db, &state.frameworks, &state.evidence, actor, assessment_id)
        .await
        .map_err(super::routes::to_app)?;
    let council = crate::councils::store::by_id(&state.db, inputs.report.assessment.council_id)
        .await?
        .ok_or(AppError::NotFound)?
        .name;
    let today = time::OffsetDateTime::now_utc().date();
    let document = super::compose::document(&inputs, &council, today);
    Ok(Material { document, council, inputs })
}

fn failed(what: &str, e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "{what}");
    AppError::Internal
}

fn pack_entry(entry: &str, e: impl std::fmt::Display) -> RenderError {
    RenderError::PackEntry { entry: entry.to_owned(), reason: e.to_string() }
}

/// Renders one format (CPU only: call it on the blocking pool).
pub fn render(format: Format, material: &Material) -> Result<Vec<u8>, RenderError> {
    let doc = &material.document;
    match format {
        Format::Docx => render::docx::render(doc),
        Format::Html => Ok(render::html::render(doc).into_bytes()),
        Format::Pdf => pdf(doc),
        Format::Zip => {
            let name = |ext: &str| file_name(&material.council, &doc.subtitle, ext);
            let mut entries = vec![
                (name("docx"), render::docx::render(doc)?),
                (name("html"), render::html::render(doc).into_bytes()),
            ];
            if render::pdf_available() {
                entries.push((name("pdf"), pdf(doc)?));
            }
            let library = &material.inputs.library;
            let evidence_xlsx = crate::evidence::export::xlsx(library)
                .map_err(|e| pack_entry("section-d-evidence.xlsx", e))?;
            let evidence_csv =
                crate::evidence::export::csv(library).map_err(|e| pack_entry("section-d-evidence.csv", e))?;
            let info = crate::analysis::export::ExportInfo {
                council: &material.council,
                assessment: &material.inputs.report.assessment.title,
                round: "All rounds",
            };
            let analysis_xlsx = crate::analysis::export::xlsx(&material.inputs.analysis, &info)
                .map_err(|e| pack_entry("stage-1-analysis.xlsx", e))?;
            entries.push(("section-d-evidence.xlsx".to_owned(), evidence_xlsx));
            entries.push(("section-d-evidence.csv".to_owned(), evidence_csv));
            entries.push(("stage-1-analysis.xlsx".to_owned(), analysis_xlsx));
            render::pack::zip(&entries)
        }
    }
}

#[cfg(feature = "pdf")]
fn pdf(doc: &ReportDocument) -> Result<Vec<u8>, RenderError> {
    render::pdf::render(doc)
}

#[cfg(not(feature = "pdf"))]
fn pdf(_doc: &ReportDocument) -> Result<Vec<u8>, RenderError> {
    Err(RenderError::PdfUnavailable)
}

/// Renders on the blocking pool and waits for it (the API's downloads).
pub async fn render_now(format: Format, material: Material) -> Result<Vec<u8>, AppError> {
    tokio::task::spawn_blocking(move || render(format, &material))
        .await
        .map_err(|e| failed("an export stopped", e))?
        .map_err(|e| failed("an export failed", e))
}

/// Starts an export of the assessment's document for the actor.
pub async fn start(
    state: &AppState,
    actor: &Actor,
    assessment_id: Uuid,
    format: Format,
) -> Result<Arc<Export>, AppError> {
    let material = material(state, actor, assessment_id).await?;
    let (sender, _) = watch::channel(None);
    let export = Arc::new(Export {
        id: Uuid::now_v7(),
        assessment_id,
        user_id: actor.user_id,
        format,
        file_name: file_name(&material.council, &material.document.subtitle, format.id()),
        started: Instant::now(),
        outcome: sender,
    });
    {
        let mut all = EXPORTS.lock().unwrap_or_else(PoisonError::into_inner);
        all.retain(|_, e| !e.expired());
        all.insert(export.id, export.clone());
    }
    let job = export.clone();
    tokio::spawn(async move {
        let outcome = match tokio::task::spawn_blocking(move || render(format, &material)).await {
            Ok(Ok(bytes)) => Ok(Arc::new(bytes)),
            Ok(Err(e)) => {
                tracing::error!(error = %e, export = %job.id, "an export failed");
                Err(e.to_string())
            }
            Err(e) => {
                tracing::error!(error = %e, export = %job.id, "an export stopped");
                Err("the export stopped unexpectedly".to_owned())
            }
        };
        job.outcome.send_replace(Some((outcome, Instant::now())));
    });
    Ok(export)
}

/// An export of this assessment made for this actor (anyone else's, or an unknown or expired
/// one, is not found).
pub async fn find(
    state: &AppState,
    actor: &Actor,
    assessment_id: Uuid,
    raw: &str,
) -> Result<Arc<Export>, AppError> {
    let id = crate::web::path_id(raw)?;
    // Reading the assessment checks the actor may still see it.
    crate::engagement::service::readable_assessment(&state.db, actor, assessment_id)
        .await
        .map_err(|_| AppError::NotFound)?;
    let all = EXPORTS.lock().unwrap_or_else(PoisonError::into_inner);
    all.get(&id)
        .filter(|e| e.assessment_id == assessment_id && e.user_id == actor.user_id && !e.expired())
        .cloned()
        .ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_plain() {
        assert_eq!(
            file_name(
                "Exampleshire County Council",
                "Self-assessment 2026 (1 April 2026 to 31 March 2027)",
                "docx"
            ),
            "self-assessment-exampleshire-county-council-self-assessment-2026-1-april-2026-to-31-march-2027.docx"
        );
        assert_eq!(file_name("../\"x\"", "", "pdf"), "self-assessment-x-.pdf");
    }

    #[test]
    fn formats_round_trip() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.id()), Some(f));
        }
        assert_eq!(Format::parse("exe"), None);
    }
}
