//! Browsing the audit log: a council's for its leads, everything for platform administrators.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;
use uuid::Uuid;

use super::{AuditFilter, list};
use crate::accounts::service::ServiceError;
use crate::accounts::session::SignedIn;
use crate::startup::AppState;
use crate::web::routes::Routes;
use crate::web::{AppError, Page};

pub fn router() -> Routes {
    Routes::new().get("/councils/{council_id}/audit", council_audit).get("/admin/audit", all_audit)
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    entity: Option<String>,
    action: Option<String>,
    actor: Option<String>,
    before: Option<i64>,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

const PAGE_SIZE: u32 = 50;

async fn render(
    state: &AppState,
    page: &Page,
    council: Option<(Uuid, String)>,
    query: AuditQuery,
) -> Result<Response, AppError> {
    let filter = AuditFilter {
        council_id: council.as_ref().map(|(id, _)| *id),
        entity: non_empty(query.entity),
        action: non_empty(query.action),
        actor: non_empty(query.actor),
        before_seq: query.before,
        limit: PAGE_SIZE,
    };
    let entries = list(&state.db, &filter).await?;
    let older = (entries.len() == PAGE_SIZE as usize).then(|| entries.last().map(|e| e.seq)).flatten();
    let rows: Vec<_> = entries
        .iter()
        .map(|e| {
            context! {
                seq => e.seq,
                at => &e.at,
                actor => &e.actor_name,
                entity => &e.entity,
                entity_id => &e.entity_id,
                action => &e.action,
                summary => super::domain::canonical_json(&e.summary),
            }
        })
        .collect();
    let filter_values = context! {
        entity => filter.entity.clone().unwrap_or_default(),
        action => filter.action.clone().unwrap_or_default(),
        actor => filter.actor.clone().unwrap_or_default(),
    };
    let council = council.map(|(id, name)| context! { id => id.to_string(), name });
    Ok(page
        .render("audit/list.html", context! { rows, older, filter => filter_values, council })?
        .into_response())
}

async fn council_audit(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw_id): Path<String>,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw_id)?;
    actor.can_lead(id).map_err(ServiceError::from)?;
    let council = crate::councils::store::by_id(&state.db, id).await?.ok_or(AppError::NotFound)?;
    render(&state, &page, Some((id, council.name)), query).await
}

async fn all_audit(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    actor.can_administer_platform().map_err(ServiceError::from)?;
    render(&state, &page, None, query).await
}
