//! Browsing the framework: themes, quality statements, the Information Return, the toolkit.

use axum::extract::{Path, State};
use axum::response::Html;
use minijinja::value::Serde;
use minijinja::{Value, context};
use std::sync::Arc;

use super::{Framework, QualityStatementId};
use crate::startup::AppState;
use crate::web::routes::Routes;
use crate::web::{AppError, Page};

pub fn router() -> Routes {
    Routes::new()
        .get("/frameworks", index)
        .get("/frameworks/{key}", show)
        .get("/frameworks/{key}/quality-statements/{id}", quality_statement)
        .get("/frameworks/{key}/information-return", information_return)
        .get("/frameworks/{key}/toolkit", toolkit)
}

fn find(state: &AppState, key: &str) -> Result<(Arc<Framework>, Value), AppError> {
    let framework = state.frameworks.get(key).cloned().ok_or(AppError::NotFound)?;
    let value = state.frameworks.value(key).ok_or(AppError::NotFound)?;
    Ok((framework, value))
}

async fn index(State(state): State<AppState>, page: Page) -> Result<Html<String>, AppError> {
    let frameworks = state.frameworks.values().to_vec();
    page.render("frameworks/index.html", context! { frameworks })
}

async fn show(
    State(state): State<AppState>,
    Path(key): Path<String>,
    page: Page,
) -> Result<Html<String>, AppError> {
    let (framework, value) = find(&state, &key)?;
    page.render(
        "frameworks/show.html",
        context! {
            framework => value,
            checklist_item_count => framework.checklist_item_count(),
        },
    )
}

async fn quality_statement(
    State(state): State<AppState>,
    Path((key, id)): Path<(String, String)>,
    page: Page,
) -> Result<Html<String>, AppError> {
    let (framework, value) = find(&state, &key)?;
    let id: QualityStatementId = id.parse().map_err(|()| AppError::NotFound)?;
    let statement = framework.quality_statement(id).ok_or(AppError::NotFound)?;
    let theme = framework.theme(statement.theme).ok_or(AppError::NotFound)?;
    let ir_items: Vec<_> = framework.ir_items_for(id).collect();
    let all: Vec<_> = framework.quality_statements().collect();
    let position = all.iter().position(|qs| qs.id == id).unwrap_or_default();
    let previous = position.checked_sub(1).and_then(|i| all.get(i)).copied();
    let next = all.get(position + 1).copied();
    page.render(
        "frameworks/quality_statement.html",
        context! {
            framework => value,
            theme => Value::from(Serde(theme)),
            statement => Value::from(Serde(statement)),
            ir_items => Value::from(Serde(&ir_items)),
            previous => Value::from(Serde(previous)),
            next => Value::from(Serde(next)),
        },
    )
}

async fn information_return(
    State(state): State<AppState>,
    Path(key): Path<String>,
    page: Page,
) -> Result<Html<String>, AppError> {
    let (framework, value) = find(&state, &key)?;
    let titles: Value =
        framework.quality_statements().map(|qs| (qs.id.to_string(), qs.title.clone())).collect();
    page.render("frameworks/information_return.html", context! { framework => value, titles })
}

async fn toolkit(
    State(state): State<AppState>,
    Path(key): Path<String>,
    page: Page,
) -> Result<Html<String>, AppError> {
    let (_, framework) = find(&state, &key)?;
    page.render("frameworks/toolkit.html", context! { framework })
}
