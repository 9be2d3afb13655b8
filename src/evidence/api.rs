//! The evidence library's API: `GET /api/v1/assessments/{id}/evidence` (the items, each with
//! its personal-information findings), `POST /api/v1/assessments/{id}/evidence` (a link item
//! as JSON, or a file item as `multipart/form-data`), and
//! `GET /api/v1/assessments/{id}/evidence/coverage` (the Information Return matrix).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::domain::{Currency, DocumentType, RawItem, State as ItemState};
use super::files::{ArchiveLimits, FileType};
use super::routes::read_form;
use super::service::{self, CoverageReport, EvidenceError, Item, Library};
use crate::accounts::actor::Denied;
use crate::accounts::session::SignedIn;
use crate::engagement::api::{ErrorBody, ErrorOut, ProblemOut};
use crate::engagement::domain::Problem;
use crate::startup::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(coverage))
}

fn error(status: StatusCode, code: &str, message: &str, problems: Vec<Problem>) -> Response {
    let problems = problems.into_iter().map(|p| ProblemOut { field: p.field, message: p.message }).collect();
    (status, Json(ErrorBody { error: ErrorOut { code: code.into(), message: message.into(), problems } }))
        .into_response()
}

impl IntoResponse for EvidenceError {
    fn into_response(self) -> Response {
        match self {
            EvidenceError::Denied(Denied::NotFound) => {
                error(StatusCode::NOT_FOUND, "not_found", "There is nothing at this address.", vec![])
            }
            EvidenceError::Denied(Denied::Forbidden) => {
                error(StatusCode::FORBIDDEN, "forbidden", "Your role does not allow this.", vec![])
            }
            EvidenceError::Invalid(problems) => error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "Some of what was sent is not valid; nothing was stored.",
                problems,
            ),
            EvidenceError::Storage(e) => {
                tracing::error!(error = %e, "the evidence store failed");
                error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "The file store is unavailable for a moment; nothing was stored. Try again later.",
                    vec![],
                )
            }
            EvidenceError::Db(e) => crate::web::AppError::Database(e).into_response(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FindingOut {
    pub id: String,
    /// `nhs_number`, `national_insurance_number`, `email_address`, `phone_number`, `postcode`,
    /// `date_of_birth`, `name_after_title`, or `unreadable` (a file whose text could not be
    /// read: someone must look at it).
    pub kind: String,
    /// `file` or `text` (the item's title, description or pointer).
    pub source: String,
    /// The text found.
    pub text: String,
    /// Where: "page 3, line 12", "sheet 'Staff', cell B7", "paragraph 4", "the title".
    pub location: String,
    pub reviewed: bool,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FileOut {
    pub name: String,
    #[serde(rename = "type")]
    pub file_type: Option<FileType>,
    pub bytes: i64,
    pub sha256: String,
    /// The page address members download it from (signed in).
    pub download: String,
}

#[derive(Serialize, ToSchema)]
pub struct ItemOut {
    pub id: String,
    pub title: String,
    pub description: String,
    pub document_type: DocumentType,
    pub link: Option<String>,
    /// Where in the document: "pages 12-14".
    pub pointer: String,
    pub owner: String,
    /// The date it is effective from, or the start of the period it covers (YYYY-MM-DD).
    pub effective_from: Option<String>,
    /// The end of the period it covers.
    pub effective_to: Option<String>,
    pub state: ItemState,
    pub currency: Currency,
    pub ir_items: Vec<String>,
    /// The quality statements named on the item.
    pub quality_statements: Vec<String>,
    /// Those and the statements of its IR items.
    pub supports: Vec<String>,
    pub file: Option<FileOut>,
    pub personal_information_findings: Vec<FindingOut>,
    pub created_at: String,
    pub updated_at: String,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn item_out(library: &Library, item: &Item) -> ItemOut {
    ItemOut {
        id: item.row.id.to_string(),
        title: item.row.title.clone(),
        description: item.row.description.clone(),
        document_type: item.document_type,
        link: item.row.link.clone(),
        pointer: item.row.pointer.clone(),
        owner: item.row.owner.clone(),
        effective_from: item.row.effective_from.map(|d| d.to_string()),
        effective_to: item.row.effective_to.map(|d| d.to_string()),
        state: item.state,
        currency: item.currency,
        ir_items: item.ir_items.iter().map(ToString::to_string).collect(),
        quality_statements: item.quality_statements.iter().map(ToString::to_string).collect(),
        supports: item.supports.iter().map(ToString::to_string).collect(),
        file: item.row.file_name.as_ref().map(|name| FileOut {
            name: name.clone(),
            file_type: item.file_type,
            bytes: item.row.file_size.unwrap_or(0),
            sha256: item.row.file_sha256.clone().unwrap_or_default(),
            download: format!("/assessments/{}/evidence/{}/file", library.assessment.id, item.row.id),
        }),
        personal_information_findings: item
            .findings
            .iter()
            .map(|f| FindingOut {
                id: f.id.to_string(),
                kind: f.kind.clone(),
                source: f.source.clone(),
                text: f.matched.clone(),
                location: f.location.clone(),
                reviewed: f.reviewed_at.is_some(),
                reviewed_by: f.reviewed_by_name.clone(),
                reviewed_at: f.reviewed_at.map(rfc3339),
                review_reason: f.review_reason.clone(),
            })
            .collect(),
        created_at: rfc3339(item.row.created_at),
        updated_at: rfc3339(item.row.updated_at),
    }
}

fn parse_id(raw: &str) -> Result<Uuid, EvidenceError> {
    Uuid::parse_str(raw).map_err(|_| EvidenceError::Denied(Denied::NotFound))
}

/// The assessment's evidence items (withdrawn ones too), each with its findings.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/evidence", tag = "evidence", security(("bearer" = [])),
    params(("id" = String, Path, description = "Assessment id")),
    responses((status = 200, body = Vec<ItemOut>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Result<Json<Vec<ItemOut>>, EvidenceError> {
    let library =
        service::library(&state.db, &state.frameworks, &state.evidence, &actor, parse_id(&id)?).await?;
    Ok(Json(library.items.iter().map(|i| item_out(&library, i)).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct ItemIn {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// `policy_and_procedures`, `performance_report`, `strategy_and_plans`, `annual_report`,
    /// `bespoke_report`, `public_report`, `leaflets_and_webpages`,
    /// `equality_impact_assessment`, `joint_plans` or `other`.
    pub document_type: String,
    /// `https://…`: required (a file needs `multipart/form-data`).
    #[serde(default)]
    pub link: String,
    #[serde(default)]
    pub pointer: String,
    #[serde(default)]
    pub owner: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub effective_from: String,
    #[serde(default)]
    pub effective_to: String,
    /// IR codes, e.g. `["IR5", "IR6"]`.
    #[serde(default)]
    pub ir_items: Vec<String>,
    /// e.g. `["QS1"]`.
    #[serde(default)]
    pub quality_statements: Vec<String>,
}

/// The multipart form of a file item: the same fields as the JSON (repeat `ir_items` and
/// `quality_statements` for each value) and `file`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ItemForm {
    pub title: String,
    pub document_type: String,
    #[schema(format = Binary)]
    pub file: String,
    pub ir_items: Vec<String>,
}

fn malformed(message: String, syntax: bool) -> Response {
    let (status, code) = if syntax {
        (StatusCode::BAD_REQUEST, "malformed_json")
    } else {
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    };
    error(status, code, &message, vec![])
}

/// Adds an item: a link item as JSON, or a file item as `multipart/form-data` (checked like an
/// upload through the pages: type by content, size, zip bombs, names; then read for personal
/// information). An item with findings starts as `needs_redaction`.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/evidence", tag = "evidence", security(("bearer" = [])),
    params(("id" = String, Path, description = "Assessment id")),
    request_body(content((ItemIn = "application/json"), (ItemForm = "multipart/form-data"))),
    responses((status = 201, body = ItemOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    request: Request,
) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    // Access first: another council's id is not found whatever the body says.
    let library = match service::library(&state.db, &state.frameworks, &state.evidence, &actor, id).await {
        Ok(library) if library.can_edit => library,
        Ok(_) => return EvidenceError::Denied(Denied::Forbidden).into_response(),
        Err(e) => return e.into_response(),
    };
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (raw, upload) = if multipart {
        let form = Multipart::from_request(request, &state).await;
        let (raw, received, _) = match read_form(form, state.evidence.max_upload_bytes).await {
            Ok(read) => read,
            Err(e @ super::routes::FormError::TooLarge(_)) => {
                return error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", &e.message(), vec![]);
            }
            Err(e) => return error(StatusCode::BAD_REQUEST, "malformed_form", &e.message(), vec![]),
        };
        let Some(received) = received else {
            return EvidenceError::Invalid(vec![Problem {
                field: "file".into(),
                message: "Send the file in the `file` part".into(),
            }])
            .into_response();
        };
        match service::check_upload(received, ArchiveLimits::default()).await {
            Ok(upload) => (raw, Some(upload)),
            Err(problems) => return EvidenceError::Invalid(problems).into_response(),
        }
    } else {
        let body = match Bytes::from_request(request, &state).await {
            Ok(body) => body,
            Err(rejection) => return rejection.into_response(),
        };
        let input: ItemIn = match serde_json::from_slice(&body) {
            Ok(input) => input,
            Err(e) => return malformed(format!("The body is not the JSON expected: {e}"), !e.is_data()),
        };
        let raw = RawItem {
            title: input.title,
            description: input.description,
            document_type: input.document_type,
            link: input.link,
            pointer: input.pointer,
            owner: input.owner,
            effective_from: input.effective_from,
            effective_to: input.effective_to,
            ir_items: input.ir_items,
            quality_statements: input.quality_statements,
        };
        (raw, None)
    };
    let created = service::create(
        &state.db,
        &state.frameworks,
        &state.evidence,
        &actor,
        library.assessment.id,
        &raw,
        upload,
    )
    .await;
    let item_id = match created {
        Ok(item_id) => item_id,
        Err(e) => return e.into_response(),
    };
    match service::library(&state.db, &state.frameworks, &state.evidence, &actor, id).await {
        Ok(library) => match library.item(item_id) {
            Some(item) => (StatusCode::CREATED, Json(item_out(&library, item))).into_response(),
            None => EvidenceError::Denied(Denied::NotFound).into_response(),
        },
        Err(e) => e.into_response(),
    }
}

/// The Information Return matrix: the IR items by theme, each with its evidence and status
/// (`ready`, `draft_only`, `missing`), and the same per quality statement; items more than the
/// assessment's currency months old are `out_of_date`.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/evidence/coverage", tag = "evidence", security(("bearer" = [])),
    params(("id" = String, Path, description = "Assessment id")),
    responses((status = 200, body = CoverageReport), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn coverage(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Result<Json<CoverageReport>, EvidenceError> {
    let library =
        service::library(&state.db, &state.frameworks, &state.evidence, &actor, parse_id(&id)?).await?;
    Ok(Json(service::coverage(&library)))
}
