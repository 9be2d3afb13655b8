//! Sign in and out, your account, personal API tokens, accepting an invitation.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use minijinja::context;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use time::OffsetDateTime;
use uuid::Uuid;

use super::service::{self, FieldError, InvitationState, ServiceError, SignIn};
use super::session::{self, CSRF_COOKIE, CurrentActor, SESSION_COOKIE, SignedIn};
use super::store;
use crate::startup::AppState;
use crate::web::routes::Routes;
use crate::web::{AppError, Page};

pub fn router() -> Routes {
    Routes::new()
        .get("/sign-in", sign_in_page)
        .post("/sign-in", sign_in)
        .post("/sign-out", sign_out)
        .get("/account", account)
        .get("/account/password", password_page)
        .post("/account/password", change_password)
        .get("/account/tokens", tokens_page)
        .post("/account/tokens", create_token)
        .post("/account/tokens/{id}/revoke", revoke_token)
        .get("/invitations/{token}", invitation_page)
        .post("/invitations/{token}", accept_invitation)
}

/// The client's IP address, when the server knows it (used only for throttling, hashed).
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let address = parts.extensions.get::<axum::extract::ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientAddress(address))
    }
}

/// Only a path on this site: never `//elsewhere` or a full URL.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[derive(Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

async fn sign_in_page(page: Page, Query(query): Query<NextQuery>) -> Result<Response, AppError> {
    Ok(page
        .render("accounts/sign_in.html", context! { next => safe_next(query.next.as_deref()) })?
        .into_response())
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn sign_in(
    State(state): State<AppState>,
    page: Page,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, AppError> {
    let next = safe_next(form.next.as_deref());
    let mut errors = Vec::new();
    if form.email.trim().is_empty() {
        errors.push(FieldError::new("email", "Enter your email address"));
    }
    if form.password.is_empty() {
        errors.push(FieldError::new("password", "Enter your password"));
    }
    let values = context! { email => form.email.trim(), next => &next };
    if !errors.is_empty() {
        return page.render_invalid("accounts/sign_in.html", &errors, values);
    }
    let now = OffsetDateTime::now_utc();
    match service::sign_in(&state.db, &state.server_key, &form.email, &form.password, address, now).await? {
        SignIn::SignedIn { token } => {
            let mut response = Redirect::to(&next).into_response();
            let secure = session::secure_request(&headers);
            session::cookie_to_header(&mut response, session::session_cookie(token, secure));
            session::cookie_to_header(&mut response, session::expired_cookie(CSRF_COOKIE));
            Ok(response)
        }
        SignIn::Refused => {
            let errors = [FieldError::new("email", "Enter a correct email address and password")];
            page.render_invalid("accounts/sign_in.html", &errors, values)
        }
        SignIn::Throttled { retry_after_seconds } => {
            let minutes = (retry_after_seconds + 59) / 60;
            let errors = [FieldError::new(
                "email",
                format!(
                    "Too many attempts to sign in. Wait {minutes} minute{} and try again",
                    if minutes == 1 { "" } else { "s" }
                ),
            )];
            let mut response = page.render_invalid("accounts/sign_in.html", &errors, values)?;
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            if let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
    }
}

async fn sign_out(
    State(state): State<AppState>,
    current: axum::Extension<CurrentActor>,
) -> Result<Response, AppError> {
    if let Some(actor) = &current.0.0 {
        service::sign_out(&state.db, actor).await?;
    }
    let mut response = Redirect::to("/sign-in?signed_out=1").into_response();
    session::cookie_to_header(&mut response, session::expired_cookie(SESSION_COOKIE));
    Ok(response)
}

#[derive(Deserialize, Default)]
struct AccountQuery {
    password_changed: Option<String>,
    joined: Option<String>,
}

async fn account(
    SignedIn(actor): SignedIn,
    page: Page,
    Query(query): Query<AccountQuery>,
) -> Result<Response, AppError> {
    let flash = if query.password_changed.is_some() {
        Some("Your password has been changed. Any other sessions have been signed out.")
    } else if query.joined.is_some() {
        Some("You have joined the council.")
    } else {
        None
    };
    let memberships: Vec<_> = actor
        .memberships
        .iter()
        .map(|m| {
            context! {
                council_id => m.council_id.to_string(),
                council_name => &m.council_name,
                roles => m.roles.iter().map(|r| r.label()).collect::<Vec<_>>(),
                statements => m.statements.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            }
        })
        .collect();
    Ok(page.render("accounts/account.html", context! { memberships, flash })?.into_response())
}

async fn password_page(SignedIn(_): SignedIn, page: Page) -> Result<Response, AppError> {
    Ok(page.render("accounts/password.html", context! {})?.into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    match service::change_password(
        &state.db,
        &actor,
        &form.current_password,
        &form.new_password,
        &form.confirm_password,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/account?password_changed=1").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            page.render_invalid("accounts/password.html", &errors, context! {})
        }
        Err(other) => Err(other.into()),
    }
}

async fn tokens_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
) -> Result<Response, AppError> {
    let tokens = token_list(&state, actor.user_id).await?;
    Ok(page.render("accounts/tokens.html", context! { tokens, days => 90 })?.into_response())
}

async fn token_list(state: &AppState, user_id: Uuid) -> Result<Vec<minijinja::Value>, AppError> {
    let now = OffsetDateTime::now_utc();
    Ok(store::api_tokens_of(&state.db, user_id)
        .await?
        .into_iter()
        .map(|t| {
            let status = if t.revoked_at.is_some() {
                "Revoked"
            } else if t.expires_at <= now {
                "Expired"
            } else {
                "Active"
            };
            context! {
                id => t.id.to_string(),
                name => t.name,
                created => crate::web::format_date(t.created_at),
                expires => crate::web::format_date(t.expires_at),
                last_used => t.last_used_at.map(crate::web::format_date),
                status,
            }
        })
        .collect())
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
}

async fn create_token(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let days = form.days.trim().parse::<i64>();
    let result = match days {
        Ok(days) => service::create_api_token(&state.db, &actor, &form.name, days, false).await,
        Err(_) => Err(ServiceError::Invalid(vec![FieldError::new(
            "days",
            "Expiry must be a whole number of days, like 90",
        )])),
    };
    match result {
        Ok(created) => {
            let tokens = token_list(&state, actor.user_id).await?;
            let created =
                context! { token => created.token, expires => crate::web::format_date(created.expires_at) };
            Ok(page.render("accounts/tokens.html", context! { tokens, created, days => 90 })?.into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let tokens = token_list(&state, actor.user_id).await?;
            page.render_invalid(
                "accounts/tokens.html",
                &errors,
                context! { tokens, name => form.name, days => form.days },
            )
        }
        Err(other) => Err(other.into()),
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    service::revoke_api_token(&state.db, &actor, id).await?;
    Ok(Redirect::to("/account/tokens").into_response())
}

async fn invitation_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    render_invitation(&state, &page, &token, &[], context! {}).await
}

async fn render_invitation(
    state: &AppState,
    page: &Page,
    token: &str,
    errors: &[FieldError],
    values: minijinja::Value,
) -> Result<Response, AppError> {
    let (status, problem) = match service::find_invitation(&state.db, token).await? {
        InvitationState::Open(open) => {
            let role =
                super::domain::Role::parse(&open.invitation.role).map(|r| r.label()).unwrap_or_default();
            let context = context! {
                token,
                council_name => open.council_name,
                email => open.invitation.email,
                role,
                statements => open.invitation.quality_statements,
                existing_user => open.existing_user,
                ..values
            };
            return if errors.is_empty() {
                Ok(page.render("accounts/invitation.html", context)?.into_response())
            } else {
                page.render_invalid("accounts/invitation.html", errors, context)
            };
        }
        InvitationState::Expired => (StatusCode::GONE, "expired"),
        InvitationState::Used => (StatusCode::GONE, "used"),
        InvitationState::Unknown => (StatusCode::NOT_FOUND, "unknown"),
    };
    Ok((status, page.render("accounts/invitation_problem.html", context! { problem })?).into_response())
}

#[derive(Deserialize)]
struct AcceptForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn accept_invitation(
    State(state): State<AppState>,
    page: Page,
    current: axum::Extension<CurrentActor>,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Result<Response, AppError> {
    match service::accept_invitation(
        &state.db,
        &token,
        current.0.0.as_ref(),
        &form.name,
        &form.password,
        &form.confirm_password,
    )
    .await
    {
        Ok(accepted) => {
            // A new account signs in next; an existing one (signed in to accept) sees its roles.
            let target = if accepted.existing_user { "/account?joined=1" } else { "/sign-in?joined=1" };
            Ok(Redirect::to(target).into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            render_invitation(&state, &page, &token, &errors, context! { name => form.name.trim() }).await
        }
        Err(ServiceError::Denied(_)) => {
            // Someone other than the invitee: the page again, saying who must sign in, and 403.
            let mut response =
                render_invitation(&state, &page, &token, &[], context! { refused => true }).await?;
            if response.status() == StatusCode::OK {
                *response.status_mut() = StatusCode::FORBIDDEN;
            }
            Ok(response)
        }
        Err(other) => Err(other.into()),
    }
}
