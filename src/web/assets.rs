//! Serves the built front-end assets (`npm run build` writes them to `static/`).

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `static/` as built by `npm run build`: embedded in release builds, read from disk in debug.
#[derive(rust_embed::RustEmbed)]
#[folder = "static/"]
#[include = "assets/**/*"]
#[include = "templates/**/*"]
pub struct Static;

pub async fn serve(Path(path): Path<String>) -> Response {
    let Some(file) = Static::get(&format!("assets/{path}")) else {
        return super::error::AppError::NotFound.into_response();
    };
    let mime = file.metadata.mimetype();
    let mut response = (StatusCode::OK, file.data.into_owned()).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(mime) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    // Names are not fingerprinted, so browsers revalidate after an hour.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}
