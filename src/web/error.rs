//! One error type for handlers. Handlers return `AppError`; the `render_errors` middleware
//! turns it into the styled HTML page, or a structured JSON error under `/api/`.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use super::security::CspNonce;
use crate::startup::AppState;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("internal error")]
    Internal,
    #[error("forbidden")]
    Forbidden,
    #[error(transparent)]
    Database(#[from] crate::db::DbError),
    #[error(transparent)]
    Template(#[from] super::templates::TemplateError),
}

/// What the middleware needs to render an error page; travels in the response extensions.
#[derive(Clone, Debug)]
pub struct ErrorMarker {
    pub status: StatusCode,
}

impl From<crate::accounts::service::ServiceError> for AppError {
    fn from(error: crate::accounts::service::ServiceError) -> Self {
        use crate::accounts::actor::Denied;
        use crate::accounts::service::ServiceError;
        match error {
            ServiceError::Denied(Denied::NotFound) => AppError::NotFound,
            ServiceError::Denied(Denied::Forbidden) => AppError::Forbidden,
            // Handlers render form errors themselves; one reaching here is a bug.
            ServiceError::Invalid(_) => AppError::Internal,
            ServiceError::Db(e) => AppError::Database(e),
            ServiceError::Hash(e) => {
                tracing::error!(error = %e, "password hashing failed");
                AppError::Internal
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        // Storage unavailable (disk full, read-only, busy, pool time-out): 503 with Retry-After.
        if let AppError::Database(e) = &self
            && let Some(seconds) = crate::engagement::writer::retry_after(e)
        {
            tracing::warn!(error = %e, "storage unavailable");
            let status = StatusCode::SERVICE_UNAVAILABLE;
            let mut response =
                (status, [(axum::http::header::RETRY_AFTER, seconds.to_string())]).into_response();
            response.extensions_mut().insert(ErrorMarker { status });
            return response;
        }
        let status = match &self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Internal | AppError::Database(_) | AppError::Template(_) => {
                // The cause goes to the log, never to the page.
                tracing::error!(error = %self, "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorMarker { status });
        response
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    pub error: ApiError,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApiError {
    /// A stable, machine-readable code such as `not_found`.
    pub code: String,
    /// A sentence for a person.
    pub message: String,
}

/// A size for people: `20 MB`, `2.5 MB`, `64 KB`.
pub fn size_text(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes >= MB {
        let tenths = (bytes * 10 + MB / 2) / MB;
        if tenths.is_multiple_of(10) {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

fn api_error(status: StatusCode, too_large: Option<super::limits::TooLarge>) -> Response {
    if let Some(too_large) = too_large {
        let message = format!(
            "The request body is too large: at most {} ({} bytes) is accepted here. Nothing was stored.",
            size_text(too_large.limit),
            too_large.limit
        );
        let body = ApiErrorBody { error: ApiError { code: "payload_too_large".into(), message } };
        return (status, Json(body)).into_response();
    }
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "There is nothing at this address."),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "This address does not accept that method."),
        StatusCode::FORBIDDEN => ("forbidden", "You do not have permission to do this."),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "The request is too large."),
        StatusCode::SERVICE_UNAVAILABLE => {
            ("unavailable", "Storage is unavailable for a moment; try again later.")
        }
        _ => ("internal_error", "Something went wrong on our side. It has been logged."),
    };
    let body = ApiErrorBody { error: ApiError { code: code.into(), message: message.into() } };
    (status, Json(body)).into_response()
}

/// Replaces bare error responses (from handlers, the router's fallback and method checks)
/// with a page or a JSON body.
pub async fn render_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let is_api = path.starts_with("/api/");
    let nonce = request.extensions().get::<CspNonce>().cloned().unwrap_or_default();
    let response = next.run(request).await;
    let too_large = response.extensions().get::<super::limits::TooLarge>().copied();
    let status = match response.extensions().get::<ErrorMarker>() {
        Some(marker) => marker.status,
        // An extractor's own 413 (a body cut short) gets the page too.
        None if response.status() == StatusCode::PAYLOAD_TOO_LARGE => response.status(),
        // axum's own 404/405 have empty bodies; anything else already has its answer.
        None if matches!(response.status(), StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED)
            && response.headers().get(axum::http::header::CONTENT_TYPE).is_none() =>
        {
            response.status()
        }
        None => return response,
    };
    // The replacement keeps the handler's Retry-After.
    let retry_after = response.headers().get(axum::http::header::RETRY_AFTER).cloned();
    let with_retry_after = |mut replaced: Response| {
        if let Some(value) = retry_after {
            replaced.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
        }
        replaced
    };
    if is_api {
        return with_retry_after(api_error(status, too_large));
    }
    let (title, template) = match status {
        StatusCode::NOT_FOUND => ("Page not found", "errors/not_found.html"),
        StatusCode::METHOD_NOT_ALLOWED => ("Page not found", "errors/not_found.html"),
        StatusCode::FORBIDDEN => ("You cannot do this", "errors/forbidden.html"),
        StatusCode::PAYLOAD_TOO_LARGE if too_large.is_some_and(|t| t.upload) => {
            ("The file is too large", "errors/too_large.html")
        }
        StatusCode::PAYLOAD_TOO_LARGE => ("The form was too large", "errors/too_large.html"),
        _ => ("Sorry, there is a problem with the service", "errors/server_error.html"),
    };
    with_retry_after(
        match state.templates.render(
            template,
            minijinja::context! {
                title,
                current_path => path,
                upload => too_large.is_some_and(|t| t.upload),
                limit => too_large.map(|t| size_text(t.limit)),
            },
            &nonce.0,
        ) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(error) => {
                tracing::error!(%error, "cannot render the error page");
                (status, "Sorry, there is a problem with the service.").into_response()
            }
        },
    )
}
