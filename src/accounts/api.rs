//! `GET /api/v1/me`: who a bearer token acts as.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::session::SignedIn;
use crate::startup::AppState;
use crate::web::error::ApiErrorBody;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub name: String,
    pub email: String,
    pub is_platform_admin: bool,
    pub councils: Vec<MeCouncil>,
}

#[derive(Serialize, ToSchema)]
pub struct MeCouncil {
    pub id: String,
    pub name: String,
    /// `assessment_lead`, `quality_statement_lead`, `verifier`, `contributor`, `viewer`.
    pub roles: Vec<String>,
    pub quality_statements: Vec<String>,
}

/// The person the token acts for, with their roles in each council.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The token's person", body = Me),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = ApiErrorBody),
    ))]
async fn me(SignedIn(actor): SignedIn) -> Json<Me> {
    Json(Me {
        id: actor.user_id.to_string(),
        name: actor.name,
        email: actor.email,
        is_platform_admin: actor.is_platform_admin,
        councils: actor
            .memberships
            .into_iter()
            .map(|m| MeCouncil {
                id: m.council_id.to_string(),
                name: m.council_name,
                roles: m.roles.iter().map(|r| r.as_str().to_owned()).collect(),
                quality_statements: m.statements.iter().map(|s| s.to_string()).collect(),
            })
            .collect(),
    })
}
