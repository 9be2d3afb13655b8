//! `GET /api/v1/assessments/{id}/analysis`: the Stage 1 analysis as JSON.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::model::Analysis;
use super::service;
use crate::accounts::actor::Denied;
use crate::accounts::session::SignedIn;
use crate::engagement::api::ErrorBody;
use crate::engagement::domain::Problem;
use crate::engagement::service::EngagementError;
use crate::startup::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(analysis))
}

#[derive(Deserialize, IntoParams)]
pub struct AnalysisQuery {
    /// Limit the figures to one survey round (its id).
    pub round: Option<String>,
}

/// Parses the optional round filter: empty means all rounds.
pub fn round_filter(raw: Option<&str>) -> Result<Option<Uuid>, EngagementError> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(raw) => Uuid::parse_str(raw).map(Some).map_err(|_| {
            EngagementError::Invalid(vec![Problem {
                field: "round".to_owned(),
                message: "Choose a round of this assessment".to_owned(),
            }])
        }),
    }
}

/// Measures for every checklist item, quality statement and theme, overall and by group,
/// evidence category and mode; findings with reasons; groups smaller than the assessment's
/// smallest group size are `suppressed: true` with no figures.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/analysis", tag = "analysis", security(("bearer" = [])),
    params(("id" = String, Path, description = "Assessment id"), AnalysisQuery),
    responses((status = 200, body = Analysis), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn analysis(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    Query(query): Query<AnalysisQuery>,
) -> Result<Response, EngagementError> {
    let id = Uuid::parse_str(&id).map_err(|_| EngagementError::Denied(Denied::NotFound))?;
    let round = round_filter(query.round.as_deref())?;
    let loaded = service::load(&state.db, &state.frameworks, &actor, id, round).await?;
    Ok(Json(&*loaded.analysis).into_response())
}
