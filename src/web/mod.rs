//! The web layer shared by every capability: page rendering, errors, security headers,
//! static assets and the site-wide pages.

pub mod assets;
pub mod error;
pub mod pages;
pub mod prose;
pub mod security;
pub mod templates;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;
use minijinja::Value;

pub use error::AppError;
use security::CspNonce;
use templates::Templates;

use crate::startup::AppState;

/// What a handler needs to render a page: the templates, this request's nonce and path.
pub struct Page {
    templates: Templates,
    nonce: String,
    path: String,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let nonce = parts
            .extensions
            .get::<CspNonce>()
            .map(|n| n.0.clone())
            .unwrap_or_default();
        Ok(Page {
            templates: state.templates.clone(),
            nonce,
            path: parts.uri.path().to_owned(),
        })
    }
}

impl Page {
    pub fn render(&self, template: &str, context: Value) -> Result<Html<String>, AppError> {
        let context = minijinja::context! { current_path => &self.path, ..context };
        Ok(Html(self.templates.render(
            template,
            context,
            &self.nonce,
        )?))
    }
}
