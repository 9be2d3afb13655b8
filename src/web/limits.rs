//! Request limits: how large a body may be and how long a request may take, per route.
//!
//! Pages send forms and the API sends JSON of a few kilobytes: every request body may be at
//! most [`FORM_LIMIT`] (2 MB) and every request may take [`REQUEST_TIMEOUT`]. The two
//! spreadsheet upload routes (`POST /assessments/{id}/import` and `…/import/survey`) take a
//! file of up to `--max-upload-mb` (20 MB by default) and may take [`UPLOAD_TIMEOUT`], for a
//! large file on a slow connection.
//!
//! A body declared larger than its limit (`Content-Length`) is refused before it is read; a
//! body without a declared length is counted as it arrives and cut off at the limit. Either
//! way the answer is 413, a styled page for people and a JSON error under `/api/`, both saying
//! what the limit is. axum's own per-extractor limit is switched off (`DefaultBodyLimit`) so
//! there is one limit, this one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use super::error::ErrorMarker;
use crate::startup::AppState;

/// Largest body of any request but a spreadsheet upload.
pub const FORM_LIMIT: usize = 2 * 1024 * 1024;
/// Largest spreadsheet file by default, in MB (`--max-upload-mb`).
pub const DEFAULT_UPLOAD_MB: u64 = 20;
/// Room in an upload's body for the form's other fields and the multipart boundaries.
const ENVELOPE: usize = 64 * 1024;
/// Longest any request but an upload may take (then 408).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest an upload may take: 20 MB at 1 Mbit/s takes under three minutes.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);

/// How long a request that reads, checks or stores an import waits for that work before
/// answering with the import's progress page instead (`spreadsheets::jobs`).
pub const IMPORT_WAIT: Duration = Duration::from_secs(2);

/// The limits in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest spreadsheet file, in bytes.
    pub upload_bytes: usize,
    /// How long an import request waits for its work before showing the progress page.
    pub import_wait: Duration,
    /// How long a request for a Stage 3 export waits before showing its progress page.
    pub export_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits::with_upload_mb(DEFAULT_UPLOAD_MB)
    }
}

impl Limits {
    pub fn with_upload_mb(mb: u64) -> Self {
        let bytes = usize::try_from(mb.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX);
        Limits { upload_bytes: bytes, import_wait: IMPORT_WAIT, export_wait: crate::report::exports::WAIT }
    }

    /// The body limit and time limit of a request.
    pub fn for_request(&self, method: &Method, path: &str) -> (usize, Duration) {
        if is_upload(method, path) {
            (self.upload_bytes.saturating_add(ENVELOPE), UPLOAD_TIMEOUT)
        } else {
            (FORM_LIMIT, REQUEST_TIMEOUT)
        }
    }
}

/// `POST /assessments/{id}/import` or `POST /assessments/{id}/import/survey`.
pub fn is_upload(method: &Method, path: &str) -> bool {
    if method != Method::POST {
        return false;
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    matches!(parts.as_slice(), ["assessments", id, "import"] | ["assessments", id, "import", "survey"] if !id.is_empty())
}

/// An evidence file upload: `POST /assessments/{id}/evidence/new`,
/// `POST /assessments/{id}/evidence/{item}/edit`, or a multipart
/// `POST /api/v1/assessments/{id}/evidence`. Its limit is `--evidence-max-mb` (50 MB).
pub fn is_evidence_upload(method: &Method, path: &str, multipart: bool) -> bool {
    if method != Method::POST {
        return false;
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["assessments", id, "evidence", "new"] | ["assessments", id, "evidence", _, "edit"] => !id.is_empty(),
        ["api", "v1", "assessments", id, "evidence"] => !id.is_empty() && multipart,
        _ => false,
    }
}

/// What the error page says about a 413: the limit that was exceeded (in response extensions).
#[derive(Clone, Copy, Debug)]
pub struct TooLarge {
    pub limit: usize,
    /// Whether the limit was that of a spreadsheet upload (then `limit` is the file's).
    pub upload: bool,
}

/// A 413; `file_limit` is the largest file of an upload route (`None` for other routes).
fn too_large(file_limit: Option<usize>, body_limit: usize, read_whole: bool) -> Response {
    let status = StatusCode::PAYLOAD_TOO_LARGE;
    let mut response = status.into_response();
    let upload = file_limit.is_some();
    let limit = file_limit.unwrap_or(body_limit);
    response.extensions_mut().insert(ErrorMarker { status });
    response.extensions_mut().insert(TooLarge { limit, upload });
    if !read_whole {
        // The rest of the body is not read: the connection cannot carry another request.
        response.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
    }
    response
}

/// Reads and drops a body a little over its limit, so that the browser, still sending it, is
/// not cut off and shows the answer (a connection closed under a sending browser shows as
/// "connection reset" instead of the page). Bodies far over the limit are not read.
async fn drain(body: Body, length: u64, body_limit: usize, time_limit: Duration) -> bool {
    if length > (body_limit as u64).saturating_mul(4) {
        return false;
    }
    let mut stream = body.into_data_stream();
    let read = async {
        while let Some(chunk) = stream.next().await {
            if chunk.is_err() {
                return false;
            }
        }
        true
    };
    tokio::time::timeout(time_limit, read).await.unwrap_or(false)
}

/// Enforces the body and time limits of each request (see the module's description).
pub async fn enforce(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limits = state.limits;
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let evidence = is_evidence_upload(request.method(), request.uri().path(), multipart);
    let file_limit = if evidence {
        Some(state.evidence.max_upload_bytes)
    } else {
        is_upload(request.method(), request.uri().path()).then_some(limits.upload_bytes)
    };
    let (body_limit, time_limit) = match file_limit {
        Some(file) if evidence => (file.saturating_add(ENVELOPE), UPLOAD_TIMEOUT),
        _ => limits.for_request(request.method(), request.uri().path()),
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let cut_off = match declared {
        Some(length) if length > body_limit as u64 => {
            let read_whole = drain(request.into_body(), length, body_limit, time_limit).await;
            return too_large(file_limit, body_limit, read_whole);
        }
        // The server reads no more than the declared length.
        Some(_) => None,
        None if request.body().is_end_stream() => None,
        None => Some(Arc::new(AtomicBool::new(false))),
    };
    let request = match &cut_off {
        None => request,
        Some(flag) => {
            let flag = flag.clone();
            request.map(|body| {
                let mut seen = 0usize;
                Body::from_stream(body.into_data_stream().map(move |chunk| {
                    let chunk = chunk.map_err(axum::BoxError::from)?;
                    seen = seen.saturating_add(chunk.len());
                    if seen > body_limit {
                        flag.store(true, Ordering::Relaxed);
                        return Err(axum::BoxError::from("the request body is over its limit"));
                    }
                    Ok(chunk)
                }))
            })
        }
    };
    let Ok(response) = tokio::time::timeout(time_limit, next.run(request)).await else {
        return StatusCode::REQUEST_TIMEOUT.into_response();
    };
    // Whatever the handler made of a body cut short, the answer is that it was too large.
    if cut_off.is_some_and(|flag| flag.load(Ordering::Relaxed)) {
        return too_large(file_limit, body_limit, false);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_uploads_are_recognised() {
        let id = "0190a0a0-0000-7000-8000-000000000000";
        assert!(is_evidence_upload(&Method::POST, &format!("/assessments/{id}/evidence/new"), true));
        assert!(is_evidence_upload(&Method::POST, &format!("/assessments/{id}/evidence/{id}/edit"), false));
        assert!(is_evidence_upload(&Method::POST, &format!("/api/v1/assessments/{id}/evidence"), true));
        assert!(
            !is_evidence_upload(&Method::POST, &format!("/api/v1/assessments/{id}/evidence"), false),
            "JSON"
        );
        assert!(!is_evidence_upload(&Method::GET, &format!("/assessments/{id}/evidence/new"), true));
        assert!(!is_evidence_upload(&Method::POST, &format!("/assessments/{id}/evidence/{id}/state"), false));
        assert!(!is_evidence_upload(&Method::POST, "/assessments//evidence/new", true));
    }

    #[test]
    fn only_the_spreadsheet_uploads_take_large_bodies() {
        let limits = Limits::with_upload_mb(20);
        let id = "0190a0a0-0000-7000-8000-000000000000";
        for path in [format!("/assessments/{id}/import"), format!("/assessments/{id}/import/survey")] {
            assert!(is_upload(&Method::POST, &path), "{path}");
            assert_eq!(
                limits.for_request(&Method::POST, &path),
                (20 * 1024 * 1024 + ENVELOPE, UPLOAD_TIMEOUT)
            );
            assert!(!is_upload(&Method::GET, &path), "{path}");
        }
        for path in [
            format!("/assessments/{id}/import/{id}/confirm"),
            format!("/assessments/{id}/import/{id}/mapping"),
            format!("/assessments/{id}/workshops/new"),
            "/assessments//import".to_owned(),
            "/api/v1/rounds/x/responses".to_owned(),
            "/sign-in".to_owned(),
        ] {
            assert!(!is_upload(&Method::POST, &path), "{path}");
            assert_eq!(limits.for_request(&Method::POST, &path), (FORM_LIMIT, REQUEST_TIMEOUT));
        }
    }
}
