//! `GET /api/v1/assessments/{id}/rating`: the indicative rating from the Stage 2 scores;
//! `GET /api/v1/assessments/{id}/summaries/{qs}`: one summary, its key documents with their
//! evidence library ids, and likely personal information in its text.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::domain::ScoreSource;
use super::rating::Position;
use super::service::{self, SummaryError};
use crate::accounts::actor::Denied;
use crate::accounts::session::SignedIn;
use crate::engagement::api::{ErrorBody, ErrorOut, ProblemOut};
use crate::startup::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(rating)).routes(routes!(summary))
}

/// Always said with the rating.
pub const NOT_A_CQC_JUDGEMENT: &str = "Self-assessed, not a CQC judgement";

#[derive(Serialize, ToSchema)]
pub struct StatementScoreOut {
    /// `QS1` … `QS9`.
    pub quality_statement: String,
    pub title: String,
    /// 1 to 4; absent when the statement has no proposed score yet.
    pub score: Option<u8>,
    /// CQC's words for the score, such as "Evidence shows a good standard".
    pub score_label: Option<String>,
    /// `verified` (its summary's verification stands) or `proposed`; absent without a score.
    pub source: Option<ScoreSource>,
}

#[derive(Serialize, ToSchema)]
pub struct RatingOut {
    pub assessment: String,
    /// The scores the rating is worked out from, in the framework's order of statements
    /// (statements without a score are left out).
    pub scores: Vec<u8>,
    /// Each statement: its score and whether it is verified or proposed.
    pub quality_statements: Vec<StatementScoreOut>,
    pub verified: usize,
    pub proposed: usize,
    pub unscored: usize,
    /// Sum of the scores and the most they could add up to (4 × statements scored).
    pub sum: Option<u32>,
    pub out_of: Option<u32>,
    /// 100 × sum ÷ (4 × statements scored), rounded to the nearest whole number.
    pub percent: Option<u32>,
    /// `inadequate`, `requires_improvement`, `good` or `outstanding`; `null` when no
    /// statement has a score.
    pub rating: Option<String>,
    /// The rating in words, such as "Good".
    pub rating_label: Option<String>,
    /// Where the percentage sits in its band: `lower`, `middle` or `upper`.
    pub position: Option<Position>,
    pub band_min: Option<u32>,
    pub band_max: Option<u32>,
    /// One line, such as "24 of 36 → 67% → Good, lower part of the band (63–87%). Self-assessed,
    /// not a CQC judgement.", or why there is no rating yet.
    pub message: String,
    /// "Self-assessed, not a CQC judgement".
    pub label: String,
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = ErrorBody {
        error: ErrorOut { code: code.into(), message: message.into(), problems: Vec::<ProblemOut>::new() },
    };
    (status, Json(body)).into_response()
}

impl IntoResponse for SummaryError {
    fn into_response(self) -> Response {
        match self {
            SummaryError::Denied(Denied::NotFound) => {
                error(StatusCode::NOT_FOUND, "not_found", "There is nothing at this address.")
            }
            SummaryError::Denied(Denied::Forbidden) => {
                error(StatusCode::FORBIDDEN, "forbidden", "Your role does not allow this.")
            }
            SummaryError::Invalid(_) => {
                error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "Some of what was sent is not valid.")
            }
            SummaryError::Db(e) => crate::web::AppError::Database(e).into_response(),
        }
    }
}

/// The indicative rating from each quality statement's score: the score of its verified
/// summary where the verification stands, otherwise its proposed score. Every score counts
/// equally; statements without a score are left out. When no statement has a score the
/// answer is still 200, with `rating`, `percent` and `position` null and a `message` saying
/// so. Self-assessed, not a CQC judgement.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/rating", tag = "summaries", security(("bearer" = [])),
    params(("id" = String, Path, description = "Assessment id")),
    responses((status = 200, body = RatingOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn rating(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Result<Json<RatingOut>, SummaryError> {
    let id = Uuid::parse_str(&id).map_err(|_| SummaryError::Denied(Denied::NotFound))?;
    let (scope, indicative) = service::indicative_rating(&state.db, &state.frameworks, &actor, id).await?;
    let statements: Vec<StatementScoreOut> = indicative
        .statements
        .iter()
        .map(|s| StatementScoreOut {
            quality_statement: s.id.to_string(),
            title: s.title.clone(),
            score: s.score.map(|(v, _)| v),
            score_label: s.score.map(|(v, _)| super::view::score_label(&scope.framework, v)),
            source: s.score.map(|(_, source)| source),
        })
        .collect();
    let count = |source: ScoreSource| statements.iter().filter(|s| s.source == Some(source)).count();
    let r = indicative.rating.as_ref();
    let message = match r {
        Some(r) => super::rating::describe(r),
        None => "No quality statement has a score yet: propose one in a Stage 2 summary.".to_owned(),
    };
    Ok(Json(RatingOut {
        assessment: scope.assessment.id.to_string(),
        scores: statements.iter().filter_map(|s| s.score).collect(),
        verified: count(ScoreSource::Verified),
        proposed: count(ScoreSource::Proposed),
        unscored: statements.iter().filter(|s| s.score.is_none()).count(),
        quality_statements: statements,
        sum: r.map(|r| r.sum),
        out_of: r.map(|r| r.out_of),
        percent: r.map(|r| r.percent),
        rating: r.map(|r| r.rating.clone()),
        rating_label: r.map(|r| r.label.clone()),
        position: r.map(|r| r.position),
        band_min: r.map(|r| r.band_min),
        band_max: r.map(|r| r.band_max),
        message,
        label: NOT_A_CQC_JUDGEMENT.to_owned(),
    }))
}

/// An evidence library item chosen as a key document, as the library has it now.
#[derive(Serialize, ToSchema)]
pub struct EvidenceItemOut {
    pub id: String,
    pub title: String,
    pub state: crate::evidence::domain::State,
    pub document_type: crate::evidence::domain::DocumentType,
    pub link: Option<String>,
    /// The file's address (signed-in members of the council), when the item has a file.
    pub file: Option<String>,
    /// The item's page in the library.
    pub href: String,
}

/// A key document: an evidence library item (`evidence_id`), or a free link given before the
/// library existed (`url`, no `evidence_id`).
#[derive(Serialize, ToSchema)]
pub struct DocumentOut {
    /// The title stored with the summary (for a library item, as it was when chosen).
    pub title: String,
    /// A free link's web address; absent for a library item.
    pub url: Option<String>,
    pub evidence_id: Option<String>,
    /// The library item now; absent for a free link or an item no longer in the library.
    pub evidence: Option<EvidenceItemOut>,
}

/// Likely personal information in the summary's text: what kind and where, not the text.
#[derive(Serialize, ToSchema)]
pub struct TextFindingOut {
    /// `email_address`, `nhs_number`, `national_insurance_number`, `phone_number`, `postcode`,
    /// `date_of_birth` or `name_after_title`.
    pub kind: String,
    pub label: String,
    /// The form field (`quotation_1_text`) and the part in words ("Quotation 1").
    pub field: String,
    pub part: String,
    pub line: u32,
}

#[derive(Serialize, ToSchema)]
pub struct SummaryOut {
    pub assessment: String,
    /// `QS1` … `QS9`.
    pub quality_statement: String,
    pub title: String,
    /// `not_started`, `draft`, `submitted`, `returned` or `verified`.
    pub state: String,
    /// `none`, `valid` or `void`.
    pub verification: crate::summaries::domain::Verification,
    /// 0 before the first save.
    pub version: i64,
    /// SHA-256 of the canonical content.
    pub content_hash: String,
    /// The content as stored (its canonical form: ambition, strengths, improvements,
    /// quotations, recognitions, documents, score, rationale).
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
    /// The key documents, in order.
    pub documents: Vec<DocumentOut>,
    /// The evidence library items chosen as key documents, in order.
    pub evidence_ids: Vec<String>,
    pub personal_information_findings: Vec<TextFindingOut>,
}

fn from_evidence(e: crate::evidence::service::EvidenceError) -> SummaryError {
    use crate::evidence::service::EvidenceError;
    match e {
        EvidenceError::Denied(d) => SummaryError::Denied(d),
        EvidenceError::Db(e) => SummaryError::Db(e),
        // Reading the library fails only as above.
        _ => SummaryError::Denied(Denied::NotFound),
    }
}

/// One quality statement's Stage 2 summary: its state, verification and content, its key
/// documents (evidence library items with their ids and how the library has them now, and
/// free links given before the library), and likely personal information in its text.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/summaries/{qs}", tag = "summaries", security(("bearer" = [])),
    params(("id" = String, Path, description = "Assessment id"), ("qs" = String, Path, description = "Quality statement, such as QS1")),
    responses((status = 200, body = SummaryOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn summary(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path((id, qs)): Path<(String, String)>,
) -> Result<Json<SummaryOut>, SummaryError> {
    let id = Uuid::parse_str(&id).map_err(|_| SummaryError::Denied(Denied::NotFound))?;
    let (scope, summary) = service::load(&state.db, &state.frameworks, &actor, id, &qs).await?;
    let library =
        crate::evidence::service::library(&state.db, &state.frameworks, &state.evidence, &actor, id)
            .await
            .map_err(from_evidence)?;
    let title =
        scope.framework.quality_statement(summary.statement).map(|q| q.title.clone()).unwrap_or_default();
    let content = summary.content.normalised();
    let documents = content
        .documents
        .iter()
        .map(|d| DocumentOut {
            title: d.title.clone(),
            url: d.evidence_id.is_none().then(|| d.url.clone()),
            evidence_id: d.evidence_id.map(|e| e.to_string()),
            evidence: d.evidence_id.and_then(|e| library.item(e)).map(|item| {
                let href = format!("/assessments/{id}/evidence/{}", item.row.id);
                EvidenceItemOut {
                    id: item.row.id.to_string(),
                    title: item.row.title.clone(),
                    state: item.state,
                    document_type: item.document_type,
                    link: item.row.link.clone(),
                    file: item.row.file_key.as_ref().map(|_| format!("{href}/file")),
                    href,
                }
            }),
        })
        .collect();
    let findings = super::view::text_findings(&content)
        .into_iter()
        .map(|f| TextFindingOut {
            kind: f.kind.to_owned(),
            label: f.label.to_owned(),
            field: f.field,
            part: f.part,
            line: f.line,
        })
        .collect();
    Ok(Json(SummaryOut {
        assessment: id.to_string(),
        quality_statement: summary.statement.to_string(),
        title,
        state: super::view::state_view(summary.state, summary.verification).value.to_owned(),
        verification: summary.verification,
        version: summary.version(),
        content_hash: summary.content_hash(),
        content: serde_json::to_value(&content).unwrap_or_default(),
        evidence_ids: content.evidence_ids().iter().map(ToString::to_string).collect(),
        documents,
        personal_information_findings: findings,
    }))
}
