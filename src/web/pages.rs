//! Site-wide pages: the start page and the accessibility statement.

use axum::extract::State;
use axum::response::Html;
use minijinja::context;

use super::{AppError, Page};
use crate::startup::AppState;

pub async fn home(State(state): State<AppState>, page: Page) -> Result<Html<String>, AppError> {
    let frameworks = state.frameworks.values().to_vec();
    page.render("home.html", context! { frameworks })
}

pub async fn accessibility(page: Page) -> Result<Html<String>, AppError> {
    page.render("accessibility.html", context! {})
}
