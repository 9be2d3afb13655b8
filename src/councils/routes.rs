//! Platform administration of councils, a council's people, and inviting people.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use minijinja::context;
use serde::Deserialize;
use uuid::Uuid;

use crate::accounts::domain::Role;
use crate::accounts::service::{self, ServiceError};
use crate::accounts::session::SignedIn;
use crate::accounts::store as accounts_store;
use crate::startup::AppState;
use crate::web::routes::Routes;
use crate::web::{AppError, Page};

pub fn router() -> Routes {
    Routes::new()
        .get("/admin/councils", admin_councils)
        .post("/admin/councils", create_council)
        .get("/councils/{council_id}", council)
        .get("/councils/{council_id}/invite", invite_page)
        .post("/councils/{council_id}/invite", invite)
        .post("/councils/{council_id}/invitations/{invitation_id}/revoke", revoke_invitation)
}

async fn admin_page_context(state: &AppState) -> Result<minijinja::Value, AppError> {
    let existing = super::store::all(&state.db).await?;
    let taken: std::collections::BTreeSet<&str> = existing.iter().map(|c| c.gss_code.as_str()).collect();
    let available: Vec<_> = super::reference()
        .iter()
        .filter(|c| !taken.contains(c.gss_code.as_str()))
        .map(|c| context! { value => &c.gss_code, text => format!("{} ({}, {})", c.name, c.council_type, c.region_name) })
        .collect();
    let councils: Vec<_> = existing
        .iter()
        .map(|c| context! { id => c.id.to_string(), name => &c.name, gss_code => &c.gss_code, created => crate::web::format_date(c.created_at) })
        .collect();
    Ok(context! { councils, available })
}

async fn admin_councils(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
) -> Result<Response, AppError> {
    actor.can_administer_platform().map_err(ServiceError::from)?;
    Ok(page.render("councils/admin.html", admin_page_context(&state).await?)?.into_response())
}

#[derive(Deserialize)]
struct CouncilForm {
    #[serde(default)]
    gss_code: String,
}

async fn create_council(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Form(form): Form<CouncilForm>,
) -> Result<Response, AppError> {
    match service::create_council(&state.db, &actor, &form.gss_code).await {
        Ok(council) => Ok(Redirect::to(&format!("/councils/{}", council.id)).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            page.render_invalid("councils/admin.html", &errors, admin_page_context(&state).await?)
        }
        Err(other) => Err(other.into()),
    }
}

async fn council(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw_id)?;
    actor.can_read(id).map_err(ServiceError::from)?;
    let council = super::store::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let is_lead = actor.can_lead(id).is_ok();
    // One row per person, with all their roles.
    let mut people: Vec<(String, String, Vec<&'static str>, bool)> = Vec::new();
    for row in accounts_store::people_of_council(&state.db, id).await? {
        let label = Role::parse(&row.role).map(|r| r.label()).unwrap_or("Unknown role");
        match people.iter_mut().find(|p| p.1 == row.email) {
            Some(person) => person.2.push(label),
            None => people.push((row.name, row.email, vec![label], row.has_password)),
        }
    }
    let people: Vec<_> = people
        .into_iter()
        .map(|(name, email, roles, active)| context! { name, email, roles, active })
        .collect();
    let invitations: Vec<_> = if is_lead {
        accounts_store::invitations_of_council(&state.db, id)
            .await?
            .into_iter()
            .map(|i| {
                context! {
                    id => i.id.to_string(),
                    email => i.email,
                    role => Role::parse(&i.role).map(|r| r.label()).unwrap_or_default(),
                    statements => i.quality_statements,
                    expires => crate::web::format_date(i.expires_at),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(page
        .render(
            "councils/show.html",
            context! {
                council => context! { id => council.id.to_string(), name => council.name, gss_code => council.gss_code },
                people,
                invitations,
                is_lead,
                assessments => crate::engagement::store::assessments(&state.db, Some(&[id])).await?.into_iter().map(|a| {
                    let status = crate::engagement::domain::STATUSES.iter().find(|(s, _)| *s == a.status).map(|(_, l)| *l).unwrap_or_default();
                    context! { id => a.id.to_string(), title => a.title, status }
                }).collect::<Vec<_>>(),
            },
        )?
        .into_response())
}

fn invite_context(state: &AppState, council_id: Uuid, council_name: &str) -> minijinja::Value {
    let roles: Vec<_> = Role::ALL
        .iter()
        .map(|r| context! { value => r.as_str(), text => r.label(), hint => r.description() })
        .collect();
    let statements: Vec<_> = state
        .frameworks
        .all()
        .first()
        .map(|f| {
            f.quality_statements()
                .map(|qs| context! { value => qs.id.to_string(), text => format!("{} {}", qs.id, qs.title) })
                .collect()
        })
        .unwrap_or_default();
    context! { council => context! { id => council_id.to_string(), name => council_name }, roles, statements }
}

async fn invite_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw_id)?;
    actor.can_lead(id).map_err(ServiceError::from)?;
    let council = super::store::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(page.render("councils/invite.html", invite_context(&state, id, &council.name))?.into_response())
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    statements: Vec<String>,
}

async fn invite(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw_id): Path<String>,
    Form(form): Form<InviteForm>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw_id)?;
    actor.can_lead(id).map_err(ServiceError::from)?;
    let council = super::store::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let known: Vec<_> = state
        .frameworks
        .all()
        .first()
        .map(|f| f.quality_statements().map(|qs| qs.id).collect())
        .unwrap_or_default();
    match service::invite(&state.db, &actor, id, &form.email, &form.role, &form.statements, &known).await {
        Ok(invited) => {
            let link = format!("/invitations/{}", invited.token);
            let expires = crate::web::format_date(invited.expires_at);
            let email = form.email.trim().to_lowercase();
            // None: no relay configured; Some(false): the relay failed (the link is still shown).
            let emailed = match &state.mailer {
                None => None,
                Some(mailer) => {
                    let role_label = Role::parse(&form.role).map(Role::label).unwrap_or_default();
                    let mail = crate::mail::InvitationMail {
                        to: &email,
                        council_name: &council.name,
                        inviter_name: &actor.name,
                        role_label,
                        link_path: &link,
                        expires: &expires,
                    };
                    match mailer.send_invitation(&mail).await {
                        Ok(()) => {
                            tracing::info!(invitation = %invited.invitation_id, "invitation emailed");
                            Some(true)
                        }
                        Err(error) => {
                            tracing::warn!(invitation = %invited.invitation_id, %error, "invitation not emailed");
                            Some(false)
                        }
                    }
                }
            };
            Ok(page
                .render(
                    "councils/invited.html",
                    context! {
                        council => context! { id => id.to_string(), name => council.name },
                        email,
                        link,
                        expires,
                        emailed,
                    },
                )?
                .into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let values =
                context! { email => form.email.trim(), role => form.role, chosen => form.statements };
            page.render_invalid(
                "councils/invite.html",
                &errors,
                context! { ..invite_context(&state, id, &council.name), ..values },
            )
        }
        Err(other) => Err(other.into()),
    }
}

async fn revoke_invitation(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path((raw_id, raw_invitation)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw_id)?;
    let invitation = Uuid::parse_str(&raw_invitation).map_err(|_| AppError::NotFound)?;
    service::revoke_invitation(&state.db, &actor, id, invitation).await?;
    Ok(Redirect::to(&format!("/councils/{id}")).into_response())
}
