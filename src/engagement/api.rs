//! The engagement API: set up assessments and rounds by script; take responses from
//! integrations (`POST /api/v1/rounds/{token}/responses`, no account needed).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::domain::{Problem, RawAnswer, RoundState};
use super::service::{self, EngagementError, NewAssessment, NewRound, Submission};
use super::store::{self, AssessmentRow, RoundRow};
use crate::accounts::actor::Denied;
use crate::accounts::session::SignedIn;
use crate::startup::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_assessments, create_assessment))
        .routes(routes!(list_rounds, create_round))
        .routes(routes!(submit_response))
}

#[derive(Serialize, ToSchema)]
pub struct ProblemOut {
    /// Where: a JSON path such as `answers[2].rating`, or a header name.
    pub field: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorOut {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorOut,
}

fn error(status: StatusCode, code: &str, message: &str, problems: Vec<Problem>) -> Response {
    let problems = problems.into_iter().map(|p| ProblemOut { field: p.field, message: p.message }).collect();
    (status, Json(ErrorBody { error: ErrorOut { code: code.into(), message: message.into(), problems } }))
        .into_response()
}

impl IntoResponse for EngagementError {
    fn into_response(self) -> Response {
        match self {
            EngagementError::Denied(Denied::NotFound) => {
                error(StatusCode::NOT_FOUND, "not_found", "There is nothing at this address.", vec![])
            }
            EngagementError::Denied(Denied::Forbidden) => {
                error(StatusCode::FORBIDDEN, "forbidden", "Your role does not allow this.", vec![])
            }
            EngagementError::Invalid(problems) => error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "Some of what was sent is not valid; nothing was stored.",
                problems,
            ),
            EngagementError::Gone(RoundState::NotYetOpen) => error(
                StatusCode::GONE,
                "round_not_open",
                "This round is not open yet; nothing was stored.",
                vec![],
            ),
            EngagementError::Gone(_) => {
                error(StatusCode::GONE, "round_closed", "This round is closed; nothing was stored.", vec![])
            }
            EngagementError::Malformed { message, syntax: true } => {
                error(StatusCode::BAD_REQUEST, "malformed_json", &message, vec![])
            }
            EngagementError::Malformed { message, syntax: false } => {
                error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", &message, vec![])
            }
            EngagementError::Db(e) => match super::writer::retry_after(&e) {
                // Storage unavailable (disk full, read-only, busy, pool time-out): retry later.
                Some(seconds) => {
                    tracing::warn!(error = %e, "storage unavailable");
                    let mut response = error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "unavailable",
                        "Storage is unavailable for a moment. Send the same request again, with the same \
                         Idempotency-Key, after the seconds given in Retry-After.",
                        vec![],
                    );
                    response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
                    response
                }
                None => crate::web::AppError::Database(e).into_response(),
            },
        }
    }
}

/// Parses a JSON body ourselves, so malformed JSON gets a structured answer.
fn parse_json<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, EngagementError> {
    serde_json::from_slice(body).map_err(|e| EngagementError::Malformed {
        message: format!("The body is not the JSON expected: {e}"),
        syntax: !e.is_data(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct AssessmentOut {
    pub id: String,
    pub council: CouncilRef,
    pub title: String,
    pub period_start: String,
    pub period_end: String,
    pub framework: String,
    /// `planning`, `stage1`, `stage2`, `stage3` or `complete`.
    pub status: String,
    pub groups: Vec<GroupOut>,
}

#[derive(Serialize, ToSchema)]
pub struct CouncilRef {
    pub id: String,
    /// ONS (GSS) code.
    pub ons_code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct GroupOut {
    pub id: String,
    pub name: String,
    /// `peoples_experience`, `staff_and_leaders` or `partners`.
    pub evidence_category: String,
}

async fn assessment_out(state: &AppState, a: AssessmentRow) -> Result<AssessmentOut, EngagementError> {
    let council = crate::councils::store::by_id(&state.db, a.council_id).await?;
    let groups = store::groups(&state.db, a.id).await?;
    Ok(AssessmentOut {
        id: a.id.to_string(),
        council: CouncilRef {
            id: a.council_id.to_string(),
            ons_code: council.as_ref().map(|c| c.gss_code.clone()).unwrap_or_default(),
            name: council.map(|c| c.name).unwrap_or_default(),
        },
        title: a.title,
        period_start: a.period_start.to_string(),
        period_end: a.period_end.to_string(),
        framework: a.framework_key,
        status: a.status,
        groups: groups
            .into_iter()
            .map(|g| GroupOut { id: g.id.to_string(), name: g.name, evidence_category: g.evidence_category })
            .collect(),
    })
}

/// The assessments of the councils the token's person belongs to (every council for a
/// platform administrator).
#[utoipa::path(get, path = "/api/v1/assessments", tag = "engagement", security(("bearer" = [])),
    responses((status = 200, body = Vec<AssessmentOut>), (status = 401, body = ErrorBody)))]
async fn list_assessments(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<Json<Vec<AssessmentOut>>, EngagementError> {
    let councils: Vec<Uuid> = actor.memberships.iter().map(|m| m.council_id).collect();
    let rows =
        store::assessments(&state.db, if actor.is_platform_admin { None } else { Some(&councils) }).await?;
    let mut out = Vec::new();
    for row in rows {
        out.push(assessment_out(&state, row).await?);
    }
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
pub struct AssessmentIn {
    /// For example `2026/27`.
    pub title: String,
    /// `YYYY-MM-DD`.
    pub period_start: String,
    pub period_end: String,
    /// Framework key, e.g. `cqc-la-2023`.
    pub framework: String,
    /// The council's ONS code: required for platform administrators and for leads of several
    /// councils.
    pub council: Option<String>,
}

/// Creates an assessment cycle with the default respondent groups.
#[utoipa::path(post, path = "/api/v1/assessments", tag = "engagement", security(("bearer" = [])),
    request_body = AssessmentIn,
    responses((status = 201, body = AssessmentOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_assessment(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    body: Bytes,
) -> Response {
    let input: AssessmentIn = match parse_json(&body) {
        Ok(input) => input,
        Err(e) => return e.into_response(),
    };
    let council_id = match input.council.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => match crate::councils::store::by_gss_code(&state.db, code).await {
            Ok(Some(council)) if actor.can_read(council.id).is_ok() => council.id,
            Ok(_) => {
                return EngagementError::Invalid(vec![Problem {
                    field: "council".into(),
                    message: format!("{code} is not a council you can act for"),
                }])
                .into_response();
            }
            Err(e) => return EngagementError::Db(e).into_response(),
        },
        None => {
            let led: Vec<Uuid> = actor
                .memberships
                .iter()
                .filter(|m| actor.can_lead(m.council_id).is_ok())
                .map(|m| m.council_id)
                .collect();
            match led.as_slice() {
                [only] => *only,
                _ => {
                    return EngagementError::Invalid(vec![Problem {
                        field: "council".into(),
                        message: "Give the council's ONS code".into(),
                    }])
                    .into_response();
                }
            }
        }
    };
    let new = NewAssessment {
        council_id,
        title: &input.title,
        period_start: &input.period_start,
        period_end: &input.period_end,
        framework_key: &input.framework,
    };
    match service::create_assessment(&state.db, &state.frameworks, &actor, new).await {
        Ok(row) => match assessment_out(&state, row).await {
            Ok(out) => (StatusCode::CREATED, Json(out)).into_response(),
            Err(e) => e.into_response(),
        },
        Err(e) => e.into_response(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct RoundOut {
    pub id: String,
    pub title: String,
    /// The link token: respondents answer at `/r/{token}`.
    pub token: String,
    pub link: String,
    pub quality_statements: Vec<String>,
    pub groups: Vec<GroupOut>,
    pub opens_at: String,
    pub closes_at: String,
    /// `not_yet_open`, `open` or `closed`.
    pub state: RoundState,
}

async fn round_out(state: &AppState, round: RoundRow) -> Result<RoundOut, EngagementError> {
    // Straight from the database: a lead's list is not the respondents' hot path.
    let open = super::links::fetch(&state.db, &state.frameworks, &round.token).await?;
    let fmt =
        |t: OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    Ok(RoundOut {
        id: round.id.to_string(),
        title: round.title.clone(),
        link: format!("/r/{}", round.token),
        token: round.token.clone(),
        quality_statements: open.statements.iter().map(|s| s.to_string()).collect(),
        groups: open
            .groups
            .into_iter()
            .map(|g| GroupOut { id: g.id.to_string(), name: g.name, evidence_category: g.evidence_category })
            .collect(),
        opens_at: fmt(round.opens_at),
        closes_at: fmt(round.closes_at),
        state: super::domain::round_state(
            round.opens_at,
            round.closes_at,
            round.closed_at,
            OffsetDateTime::now_utc(),
        ),
    })
}

fn parse_id(raw: &str) -> Result<Uuid, EngagementError> {
    Uuid::parse_str(raw).map_err(|_| EngagementError::Denied(Denied::NotFound))
}

/// An assessment's survey rounds with their link tokens, quality statements and groups.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/rounds", tag = "engagement", security(("bearer" = [])),
    params(("id" = String, Path, description = "Assessment id")),
    responses((status = 200, body = Vec<RoundOut>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_rounds(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Result<Json<Vec<RoundOut>>, EngagementError> {
    let assessment = service::readable_assessment(&state.db, &actor, parse_id(&id)?).await?;
    let mut out = Vec::new();
    for round in store::rounds(&state.db, assessment.id).await? {
        out.push(round_out(&state, round).await?);
    }
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
pub struct RoundIn {
    pub title: String,
    /// Quality statement ids, e.g. `["QS1", "QS2"]`.
    pub quality_statements: Vec<String>,
    /// Respondent group ids of the assessment.
    pub groups: Vec<String>,
    /// RFC 3339 date-times.
    pub opens_at: String,
    pub closes_at: String,
    #[serde(default)]
    pub introduction: String,
    #[serde(default)]
    pub privacy_notice: String,
}

/// Creates a survey round with its link.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/rounds", tag = "engagement", security(("bearer" = [])),
    params(("id" = String, Path, description = "Assessment id")),
    request_body = RoundIn,
    responses((status = 201, body = RoundOut), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_round(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    // Access first: another council's id is not found whatever the body says.
    match service::readable_assessment(&state.db, &actor, id).await {
        Ok(assessment) => {
            if let Err(denied) = actor.can_lead(assessment.council_id) {
                return EngagementError::Denied(denied).into_response();
            }
        }
        Err(e) => return e.into_response(),
    }
    let input: RoundIn = match parse_json(&body) {
        Ok(input) => input,
        Err(e) => return e.into_response(),
    };
    let new = NewRound {
        title: &input.title,
        statements: &input.quality_statements,
        groups: &input.groups,
        opens_at: &input.opens_at,
        closes_at: &input.closes_at,
        introduction: &input.introduction,
        privacy_notice: &input.privacy_notice,
    };
    match service::create_round(&state.db, &state.frameworks, &actor, id, new).await {
        Ok(round) => match round_out(&state, round).await {
            Ok(out) => (StatusCode::CREATED, Json(out)).into_response(),
            Err(e) => e.into_response(),
        },
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ResponseIn {
    /// The respondent group's id.
    #[serde(default)]
    pub group: String,
    pub answers: Vec<AnswerIn>,
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerIn {
    /// Checklist item id, e.g. `QS1.1`.
    pub item: String,
    /// 1 Strongly disagree, 2 Tend to disagree, 3 Tend to agree, 4 Strongly agree, 0 Don't know.
    pub rating: Option<serde_json::Value>,
    /// What evidence do you have? At most 5,000 characters.
    #[serde(default)]
    pub evidence: Option<String>,
    /// What evidence do you need? At most 5,000 characters.
    #[serde(default)]
    pub evidence_needed: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ResponseOut {
    pub id: String,
    /// A reference the respondent can quote.
    pub reference: String,
}

/// Submits one response to a round, without an account. Send an `Idempotency-Key` header:
/// repeating a request with the same key stores nothing new and returns the first response.
#[utoipa::path(post, path = "/api/v1/rounds/{token}/responses", tag = "engagement",
    params(("token" = String, Path, description = "The round's link token"),
        ("Idempotency-Key" = String, Header, description = "Unique per response; replays return the first")),
    request_body = ResponseIn,
    responses((status = 201, description = "Stored", body = ResponseOut),
        (status = 200, description = "A replay: the response stored earlier with this key", body = ResponseOut),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No round with this link", body = ErrorBody),
        (status = 410, description = "The round is closed or not yet open", body = ErrorBody),
        (status = 422, description = "A message per problem; nothing stored", body = ErrorBody),
        (status = 503, description = "Storage unavailable; retry after the given seconds", body = ErrorBody)))]
async fn submit_response(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // An unknown link is not found, whatever the body says.
    let open = match service::round_for_link(&state.db, &state.frameworks, &token).await {
        Ok(open) => open,
        Err(e) => return e.into_response(),
    };
    let input: ResponseIn = match parse_json(&body) {
        Ok(input) => input,
        Err(e) => return e.into_response(),
    };
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let answers: Vec<RawAnswer> = input
        .answers
        .into_iter()
        .map(|a| RawAnswer {
            item: a.item,
            rating: a.rating,
            evidence: a.evidence,
            evidence_needed: a.evidence_needed,
        })
        .collect();
    let submission = Submission { group: &input.group, answers: &answers, idempotency_key: key };
    match service::submit_survey(&state.db, &state.writer, &open, submission, None).await {
        Ok(done) => {
            let status = if done.created { StatusCode::CREATED } else { StatusCode::OK };
            (
                status,
                Json(ResponseOut { id: done.response.id.to_string(), reference: done.response.reference }),
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}
