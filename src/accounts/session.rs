//! Sessions (a random token in an HttpOnly cookie, its hash in the database), bearer tokens
//! for the API, and CSRF protection for every state-changing form.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use time::{Duration, OffsetDateTime};

use super::actor::{Actor, Via};
use super::{secrets, service, store};
use crate::startup::AppState;
use crate::web::AppError;

pub const SESSION_COOKIE: &str = "selfassess_session";
/// For forms shown before signing in (sign-in, accepting an invitation): a double-submit token.
pub const CSRF_COOKIE: &str = "selfassess_csrf";
pub const CSRF_FIELD: &str = "csrf_token";
/// Signed out after this long without a request…
pub const IDLE_TIMEOUT: Duration = Duration::minutes(60);
/// …and after this long whatever happens.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// `last_seen_at` is written at most this often, to spare the database a write per request.
const TOUCH_INTERVAL: Duration = Duration::minutes(1);
/// Largest form body the CSRF check will read (the limit of every form).
const FORM_LIMIT: usize = crate::web::limits::FORM_LIMIT;

/// The signed-in person, when there is one (in request extensions).
#[derive(Clone, Debug)]
pub struct CurrentActor(pub Option<Actor>);

/// The token every form must send back (in request extensions, for templates).
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Served over TLS (directly or behind a proxy that says so)?
fn is_secure(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https")
}

pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .build()
}

pub fn expired_cookie(name: &'static str) -> Cookie<'static> {
    let mut cookie = Cookie::build((name, "")).http_only(true).same_site(SameSite::Lax).path("/").build();
    cookie.make_removal();
    cookie
}

fn set_cookie(response: &mut Response, cookie: Cookie<'_>) {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn api_unauthorised(message: &str) -> Response {
    let body = serde_json::json!({"error": {"code": "unauthorised", "message": message}});
    let mut response = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// Finds who is asking: a bearer token on `/api/` routes, the session cookie on pages (the API
/// never reads cookies, so a browser cannot be tricked into calling it).
pub async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let now = OffsetDateTime::now_utc();
    let is_api = request.uri().path().starts_with("/api/");
    let mut clear_session_cookie = false;
    let actor = if is_api {
        let bearer = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        match bearer {
            None => None,
            Some(token) => match service::actor_for_api_token(&state.db, token, now).await {
                Ok(Some(actor)) => Some(actor),
                Ok(None) => return api_unauthorised("The token is unknown, expired or revoked."),
                Err(error) => return AppError::from(error).into_response(),
            },
        }
    } else {
        match cookie_value(request.headers(), SESSION_COOKIE) {
            None => None,
            Some(token) => {
                let token_hash = secrets::token_hash(token);
                match actor_for_session(&state, &token_hash, now).await {
                    Ok(Some(actor)) => Some(actor),
                    Ok(None) => {
                        clear_session_cookie = true;
                        None
                    }
                    Err(error) => return error.into_response(),
                }
            }
        }
    };
    request.extensions_mut().insert(CurrentActor(actor));
    let mut response = next.run(request).await;
    if clear_session_cookie {
        set_cookie(&mut response, expired_cookie(SESSION_COOKIE));
    }
    response
}

async fn actor_for_session(
    state: &AppState,
    token_hash: &str,
    now: OffsetDateTime,
) -> Result<Option<Actor>, AppError> {
    let Some(session) = store::session(&state.db, token_hash).await? else { return Ok(None) };
    if session.expires_at <= now || session.last_seen_at + IDLE_TIMEOUT <= now {
        store::delete_session(&state.db, token_hash).await?;
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_INTERVAL {
        // Off the request's path: a page (a long import's progress, say) never waits for the
        // database's write lock just to note that its person is still there. A touch that
        // fails is tried again on a later request.
        let (db, token_hash) = (state.db.clone(), token_hash.to_owned());
        tokio::spawn(async move {
            if let Err(error) = store::touch_session(&db, &token_hash, now).await {
                tracing::info!(%error, "a session's last-seen time was not updated");
            }
        });
    }
    let via = Via::Session { token_hash: token_hash.to_owned(), csrf_token: session.csrf_token };
    Ok(service::load_actor(&state.db, session.user_id, via).await?)
}

fn forbidden_form() -> Response {
    let mut response = StatusCode::FORBIDDEN.into_response();
    response.extensions_mut().insert(crate::web::error::ErrorMarker { status: StatusCode::FORBIDDEN });
    response
}

/// Every state-changing page request must come from our own pages (Origin / Sec-Fetch-Site)
/// and carry the form token: the session's, or before sign-in the double-submit cookie's.
/// Bearer-token API calls are exempt from the form token (they carry no cookies) but not from
/// authorisation. Refused requests change nothing.
pub async fn csrf(request: Request, next: Next) -> Response {
    // The API reads no cookies, so it needs no form token (and sets no cookie).
    if request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let session_token = request.extensions().get::<CurrentActor>().and_then(|a| match &a.0 {
        Some(Actor { via: Via::Session { csrf_token, .. }, .. }) => Some(csrf_token.clone()),
        _ => None,
    });
    let cookie_token = cookie_value(request.headers(), CSRF_COOKIE).map(str::to_owned);
    let mut new_cookie = None;
    let expected = match (session_token, cookie_token) {
        (Some(token), _) => token,
        (None, Some(token)) if token.len() == 43 => token,
        _ => {
            let token = secrets::random_token();
            new_cookie = Some(token.clone());
            token
        }
    };

    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let request = if safe {
        request
    } else {
        if !same_origin(request.headers()) {
            return forbidden_form();
        }
        let (parts, body) = request.into_parts();
        let is_multipart = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        // Multipart forms carry the token in their action's query string instead, so large
        // uploads are not read twice.
        let (sent, body) = if is_multipart {
            let sent = parts.uri.query().and_then(|q| field_value(q.as_bytes(), CSRF_FIELD));
            (sent, body)
        } else {
            let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
                let mut response = StatusCode::PAYLOAD_TOO_LARGE.into_response();
                response
                    .extensions_mut()
                    .insert(crate::web::error::ErrorMarker { status: StatusCode::PAYLOAD_TOO_LARGE });
                return response;
            };
            (field_value(&bytes, CSRF_FIELD), Body::from(bytes))
        };
        let matches = sent.is_some_and(|sent| constant_time_eq(sent.as_bytes(), expected.as_bytes()));
        if !matches {
            return forbidden_form();
        }
        Request::from_parts(parts, body)
    };

    let mut request = request;
    request.extensions_mut().insert(CsrfToken(expected));
    let secure = is_secure(request.headers());
    let mut response = next.run(request).await;
    if let Some(token) = new_cookie {
        let cookie = Cookie::build((CSRF_COOKIE, token))
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(secure)
            .path("/")
            .build();
        set_cookie(&mut response, cookie);
    }
    response
}

fn same_origin(headers: &HeaderMap) -> bool {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if site.is_some_and(|site| !matches!(site, "same-origin" | "none")) {
        return false;
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
            origin.split_once("://").is_some_and(|(_, rest)| rest == host)
        }
    }
}

fn field_value(form: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(form).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Handlers that need a signed-in person take `SignedIn`: pages redirect to sign in, the API
/// answers 401.
pub struct SignedIn(pub Actor);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        match parts.extensions.get::<CurrentActor>().and_then(|a| a.0.clone()) {
            Some(actor) => Ok(SignedIn(actor)),
            None if parts.uri.path().starts_with("/api/") => {
                Err(api_unauthorised("Send a personal API token as `Authorization: Bearer …`."))
            }
            // Only a page can be returned to: after signing in, a POST address would answer 405.
            None if parts.method != Method::GET => Err(Redirect::to("/sign-in").into_response()),
            None => {
                let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let target = format!(
                    "/sign-in?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

pub fn cookie_to_header(response: &mut Response, cookie: Cookie<'_>) {
    set_cookie(response, cookie);
}

pub fn secure_request(headers: &HeaderMap) -> bool {
    is_secure(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_checks() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin(&h), "no Origin: older browsers and curl");
        h.insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_origin(&h));
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h));
    }

    #[test]
    fn form_fields_and_comparison() {
        assert_eq!(field_value(b"a=1&csrf_token=abc%2B&b=2", "csrf_token").as_deref(), Some("abc+"));
        assert_eq!(field_value(b"a=1", "csrf_token"), None);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
