//! The web layer shared by every capability: page rendering, errors, security headers,
//! static assets and the site-wide pages.

pub mod assets;
pub mod error;
pub mod limits;
pub mod pages;
pub mod prose;
pub mod routes;
pub mod security;
pub mod templates;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;
use minijinja::Value;

pub use error::AppError;
use security::CspNonce;
use templates::Templates;

use crate::accounts::actor::Actor;
use crate::accounts::session::{CsrfToken, CurrentActor};
use crate::startup::AppState;

/// What a handler needs to render a page: the templates, this request's nonce and path, the
/// signed-in person and the form token.
pub struct Page {
    templates: Templates,
    nonce: String,
    path: String,
    actor: Option<Actor>,
    csrf_token: String,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let nonce = parts.extensions.get::<CspNonce>().map(|n| n.0.clone()).unwrap_or_default();
        let actor = parts.extensions.get::<CurrentActor>().and_then(|a| a.0.clone());
        let csrf_token = parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
        Ok(Page {
            templates: state.templates.clone(),
            nonce,
            path: parts.uri.path().to_owned(),
            actor,
            csrf_token,
        })
    }
}

impl Page {
    /// The signed-in person, if any.
    pub fn actor(&self) -> Option<&Actor> {
        self.actor.as_ref()
    }

    pub fn render(&self, template: &str, context: Value) -> Result<Html<String>, AppError> {
        let current_user = self.actor.as_ref().map(|a| {
            minijinja::context! {
                name => &a.name,
                email => &a.email,
                is_platform_admin => a.is_platform_admin,
                memberships => Value::from(minijinja::value::Serde(&a.memberships)),
            }
        });
        let context = minijinja::context! {
            current_path => &self.path,
            current_user,
            csrf_token => &self.csrf_token,
            ..context
        };
        Ok(Html(self.templates.render(template, context, &self.nonce)?))
    }

    /// Renders a form page again with its errors (status 422) and what was typed.
    pub fn render_invalid(
        &self,
        template: &str,
        errors: &[crate::accounts::service::FieldError],
        context: Value,
    ) -> Result<axum::response::Response, AppError> {
        use axum::response::IntoResponse;
        // The error summary links each message to its field (`#email`); the first message for a
        // field is shown beside it.
        let error_list: Vec<Value> = errors
            .iter()
            .map(|e| minijinja::context! { text => &e.message, href => format!("#{}", e.field) })
            .collect();
        let mut field_errors = std::collections::BTreeMap::new();
        for error in errors {
            field_errors
                .entry(error.field.as_str())
                .or_insert_with(|| minijinja::context! { text => &error.message });
        }
        let html = self.render(
            template,
            minijinja::context! { error_list, field_errors, has_errors => true, ..context },
        )?;
        Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
    }
}

/// A date as people in England write it: 22 November 2026.
pub fn format_date(at: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!("[day padding:none] [month repr:long] [year]");
    at.format(&format).unwrap_or_default()
}

/// A date and time in UK time is not needed yet; times are shown in UTC, labelled.
pub fn format_datetime(at: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[day padding:none] [month repr:long] [year] at [hour]:[minute] UTC"
    );
    at.format(&format).unwrap_or_default()
}

/// An id from a URL path: one that is not a UUID is simply not found.
pub fn path_id(raw: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}
