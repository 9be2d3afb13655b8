//! `GET /api/v1/assessments/{id}/rating`: the indicative rating from the Stage 2 scores.

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
    OpenApiRouter::new().routes(routes!(rating))
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
