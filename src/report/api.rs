//! `GET /api/v1/assessments/{id}/report.docx`, `.pdf`, `.html` and `.zip`: the document (or
//! the whole pack) as a download; `GET /api/v1/assessments/{id}/report`: the draft's state in
//! JSON (words per part against the limits, and the readiness checks).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::exports::{self, Format};
use super::readiness::{self, Readiness};
use super::service;
use crate::accounts::actor::Actor;
use crate::accounts::session::SignedIn;
use crate::engagement::api::{ErrorBody, ErrorOut, ProblemOut};
use crate::startup::AppState;
use crate::web::AppError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report))
        .routes(routes!(report_docx))
        .routes(routes!(report_pdf))
        .routes(routes!(report_html))
        .routes(routes!(report_zip))
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = ErrorBody {
        error: ErrorOut { code: code.into(), message: message.into(), problems: Vec::<ProblemOut>::new() },
    };
    (status, Json(body)).into_response()
}

fn api_error(e: AppError) -> Response {
    match e {
        AppError::NotFound => error(StatusCode::NOT_FOUND, "not_found", "There is nothing at this address."),
        AppError::Forbidden => error(StatusCode::FORBIDDEN, "forbidden", "Your role does not allow this."),
        AppError::Internal => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "export_failed",
            "The document could not be made. The problem is logged; try again later.",
        ),
        other => other.into_response(),
    }
}

async fn download(state: &AppState, actor: &Actor, raw: &str, format: Format) -> Response {
    let Ok(id) = Uuid::parse_str(raw) else {
        return api_error(AppError::NotFound);
    };
    // Not found before not available: an id says nothing about what this server can make.
    match crate::engagement::service::readable_assessment(&state.db, actor, id).await {
        Ok(_) => {}
        // A database failure is not a missing assessment.
        Err(crate::engagement::service::EngagementError::Db(e)) => return api_error(AppError::Database(e)),
        Err(_) => return api_error(AppError::NotFound),
    }
    if !format.available() {
        return error(
            StatusCode::NOT_IMPLEMENTED,
            "pdf_unavailable",
            "This server was built without PDF export (the `pdf` feature); ask for .docx or .html.",
        );
    }
    let material = match exports::material(state, actor, id).await {
        Ok(material) => material,
        Err(e) => return api_error(e),
    };
    let name = exports::file_name(&material.council, &material.document.subtitle, format.id());
    match exports::render_now(format, material).await {
        Ok(bytes) => exports::attachment(format, &name, std::sync::Arc::new(bytes)),
        Err(e) => api_error(e),
    }
}

/// The document as Word: heading styles, a table of contents, tables with header rows, the
/// Stage 1 charts as images with alternative text, page numbers.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/report.docx", tag = "report", security(("bearer" = [])),
    params(("id" = String, Path, description = "Assessment id")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn report_docx(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    download(&state, &actor, &id, Format::Docx).await
}

/// The document as a tagged PDF with embedded fonts and bookmarks. 501 when the server was
/// built without the `pdf` feature.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/report.pdf", tag = "report", security(("bearer" = [])),
    params(("id" = String, Path, description = "Assessment id")),
    responses((status = 200, content_type = "application/pdf"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 501, body = ErrorBody)))]
async fn report_pdf(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    download(&state, &actor, &id, Format::Pdf).await
}

/// The document as one accessible HTML page, with nothing loaded from elsewhere.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/report.html", tag = "report", security(("bearer" = [])),
    params(("id" = String, Path, description = "Assessment id")),
    responses((status = 200, content_type = "text/html"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn report_html(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    download(&state, &actor, &id, Format::Html).await
}

/// The whole assessment pack: the document in every format this server makes, the Section D
/// evidence table (XLSX and CSV) and the Stage 1 analysis workbook.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/report.zip", tag = "report", security(("bearer" = [])),
    params(("id" = String, Path, description = "Assessment id")),
    responses((status = 200, content_type = "application/zip"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn report_zip(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    download(&state, &actor, &id, Format::Zip).await
}

#[derive(Serialize, ToSchema)]
pub struct PartOut {
    /// `A`, `QS1` … `QS9`, `C`.
    pub part: String,
    pub title: String,
    /// 0 until first saved.
    pub version: i64,
    pub words: usize,
    /// The most words allowed (quality statements), or suggested (Section A).
    pub word_limit: usize,
    pub over_limit: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ReportOut {
    pub assessment: String,
    pub parts: Vec<PartOut>,
    pub endorsements: usize,
    /// What stands between the draft and a finished document.
    #[schema(value_type = Object)]
    pub readiness: Readiness,
}

/// The draft document's state: each part's words against its limit, the endorsements
/// recorded, and the readiness checks with what to do for each gap.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/report", tag = "report", security(("bearer" = [])),
    params(("id" = String, Path, description = "Assessment id")),
    responses((status = 200, body = ReportOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn report(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return api_error(AppError::NotFound);
    };
    let inputs = match service::inputs(&state.db, &state.frameworks, &state.evidence, &actor, id).await {
        Ok(inputs) => inputs,
        Err(e) => return api_error(super::routes::to_app(e)),
    };
    let r = &inputs.report;
    let limits = r.limits;
    let mut parts = vec![PartOut {
        part: "A".into(),
        title: r.section("A").map_or_else(String::new, |s| s.title.clone()),
        version: r.a.version,
        words: r.a.value.words(),
        word_limit: limits.section_a_words(),
        over_limit: r.a.value.words() > limits.section_a_words(),
    }];
    for s in &r.statements {
        let words = s.part.value.words();
        parts.push(PartOut {
            part: s.id.to_string(),
            title: s.title.clone(),
            version: s.part.version,
            words,
            word_limit: limits.statement_words,
            over_limit: words > limits.statement_words,
        });
    }
    parts.push(PartOut {
        part: "C".into(),
        title: r.section("C").map_or_else(String::new, |s| s.title.clone()),
        version: r.c.version,
        words: super::domain::word_count(&r.c.value.process),
        word_limit: 0,
        over_limit: false,
    });
    let body = ReportOut {
        assessment: r.assessment.id.to_string(),
        endorsements: r.endorsements.len(),
        readiness: readiness::check(&inputs),
        parts,
    };
    Json(body).into_response()
}
