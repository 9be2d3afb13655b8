//! `GET /api/v1/frameworks` and `GET /api/v1/frameworks/{key}`.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::domain::{Entry, Framework, Source};
use crate::startup::AppState;
use crate::web::AppError;
use crate::web::error::ApiErrorBody;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_frameworks)).routes(routes!(get_framework))
}

/// A framework version, without its content.
#[derive(Serialize, ToSchema)]
pub struct FrameworkSummary {
    /// Stable key, e.g. `cqc-la-2023`.
    pub key: String,
    pub title: String,
    pub version: String,
    pub sources: Vec<Source>,
}

#[derive(Serialize, ToSchema)]
pub struct FrameworkDetail {
    pub key: String,
    pub title: String,
    pub version: String,
    pub sources: Vec<Source>,
    /// The Stage 1 answers: 1 Strongly disagree … 4 Strongly agree, 0 Don't know.
    pub rating_scale: Vec<RatingOptionOut>,
    pub free_text_question: String,
    pub themes: Vec<ThemeOut>,
    pub information_return_items: Vec<IrItemOut>,
}

#[derive(Serialize, ToSchema)]
pub struct RatingOptionOut {
    pub value: u8,
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct ThemeOut {
    /// `T1`…`T4`.
    pub id: String,
    pub title: String,
    pub quality_statements: Vec<QualityStatementOut>,
}

#[derive(Serialize, ToSchema)]
pub struct QualityStatementOut {
    /// `QS1`…`QS9`.
    pub id: String,
    pub title: String,
    pub we_statements: Vec<String>,
    pub i_statements: Vec<String>,
    pub care_act_sections: Vec<String>,
    pub checklist_items: Vec<ChecklistItemOut>,
    /// The Stage 2 prompts, as plain text.
    pub prompts: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ChecklistItemOut {
    /// `QS<n>.<m>`.
    pub id: String,
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct IrItemOut {
    /// `IR2`…`IR38`.
    pub code: String,
    pub title: String,
    pub detail: Option<String>,
    /// The quality statements the item supports; all nine for items the toolkit maps to "All".
    pub quality_statements: Vec<String>,
    pub document_types: Vec<String>,
}

fn summary(framework: &Framework) -> FrameworkSummary {
    FrameworkSummary {
        key: framework.key.clone(),
        title: framework.title.clone(),
        version: framework.version.clone(),
        sources: framework.sources.clone(),
    }
}

fn entry_text(entry: &Entry) -> String {
    match entry {
        Entry::Text(text) => text.clone(),
        Entry::Nested { text, items } => format!("{text} {}", items.join("; ")),
    }
}

fn detail(framework: &Framework) -> FrameworkDetail {
    FrameworkDetail {
        key: framework.key.clone(),
        title: framework.title.clone(),
        version: framework.version.clone(),
        sources: framework.sources.clone(),
        rating_scale: framework
            .rating_scale
            .iter()
            .map(|o| RatingOptionOut { value: o.value, label: o.label.clone() })
            .collect(),
        free_text_question: framework.free_text_question.clone(),
        themes: framework
            .themes
            .iter()
            .map(|theme| ThemeOut {
                id: theme.id.to_string(),
                title: theme.title.clone(),
                quality_statements: theme
                    .quality_statements
                    .iter()
                    .map(|qs| QualityStatementOut {
                        id: qs.id.to_string(),
                        title: qs.title.clone(),
                        we_statements: qs.we_statements.clone(),
                        i_statements: qs.i_statements.clone(),
                        care_act_sections: qs.care_act_sections.clone(),
                        checklist_items: qs
                            .checklist_items
                            .iter()
                            .map(|item| ChecklistItemOut { id: item.id.to_string(), text: item.text.clone() })
                            .collect(),
                        prompts: qs.stage2_prompts.iter().map(entry_text).collect(),
                    })
                    .collect(),
            })
            .collect(),
        information_return_items: framework
            .information_return_items
            .iter()
            .map(|item| IrItemOut {
                code: item.code.to_string(),
                title: item.title.clone(),
                detail: item.detail.clone(),
                quality_statements: item.quality_statements.iter().map(|id| id.to_string()).collect(),
                document_types: item.document_types.clone(),
            })
            .collect(),
    }
}

/// The framework versions this deployment knows.
#[utoipa::path(get, path = "/api/v1/frameworks", tag = "frameworks",
    responses((status = 200, description = "Every framework version", body = Vec<FrameworkSummary>)))]
async fn list_frameworks(State(state): State<AppState>) -> Json<Vec<FrameworkSummary>> {
    Json(state.frameworks.all().iter().map(|f| summary(f)).collect())
}

/// One framework version with its themes, quality statements, checklist items, prompts and
/// Information Return items.
#[utoipa::path(get, path = "/api/v1/frameworks/{key}", tag = "frameworks",
    params(("key" = String, Path, description = "Framework key, e.g. `cqc-la-2023`")),
    responses(
        (status = 200, description = "The framework", body = FrameworkDetail),
        (status = 404, description = "No framework with that key", body = ApiErrorBody),
    ))]
async fn get_framework(
    State(state): State<AppState>,
    Path(key): Path<String>,
) -> Result<Json<FrameworkDetail>, AppError> {
    let framework = state.frameworks.get(&key).ok_or(AppError::NotFound)?;
    Ok(Json(detail(framework)))
}
