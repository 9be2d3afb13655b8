//! The lead's pages: assessment cycles, respondent groups, survey rounds and their links,
//! and recording a workshop.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

use super::domain::{self, Problem};
use super::service::{self, EngagementError, NewAssessment, NewRound};
use super::store;
use crate::accounts::service::FieldError;
use crate::accounts::session::SignedIn;
use crate::startup::AppState;
use crate::web::routes::Routes;
use crate::web::{AppError, Page};

pub fn router() -> Routes {
    Routes::new()
        .get("/councils/{council_id}/assessments/new", new_assessment_page)
        .post("/councils/{council_id}/assessments/new", create_assessment)
        .get("/assessments/{id}", assessment_page)
        .post("/assessments/{id}/status", set_status)
        .post("/assessments/{id}/groups", add_group)
        .post("/assessments/{id}/groups/{group_id}", update_group)
        .get("/assessments/{id}/rounds/new", new_round_page)
        .post("/assessments/{id}/rounds/new", create_round)
        .post("/assessments/{id}/rounds/{round_id}/{action}", round_action)
        .get("/assessments/{id}/workshops/new", workshop_page)
        .post("/assessments/{id}/workshops/new", record_workshop)
}

fn to_app(e: EngagementError) -> AppError {
    match e {
        EngagementError::Denied(crate::accounts::actor::Denied::Forbidden) => AppError::Forbidden,
        EngagementError::Db(e) => AppError::Database(e),
        _ => AppError::NotFound,
    }
}

fn field_errors(problems: Vec<Problem>) -> Vec<FieldError> {
    problems.into_iter().map(|p| FieldError::new(p.field, p.message)).collect()
}

fn framework_choices(state: &AppState) -> Vec<Value> {
    state
        .frameworks
        .all()
        .iter()
        .map(|f| context! { value => &f.key, text => format!("{} ({})", f.title, f.version) })
        .collect()
}

async fn new_assessment_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let council_id = crate::web::path_id(&raw)?;
    actor.can_lead(council_id).map_err(crate::accounts::service::ServiceError::from)?;
    let council = crate::councils::store::by_id(&state.db, council_id).await?.ok_or(AppError::NotFound)?;
    let context = context! { council => context! { id => raw, name => council.name }, frameworks => framework_choices(&state) };
    Ok(page.render("engagement/new_assessment.html", context)?.into_response())
}

#[derive(Deserialize)]
struct AssessmentForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    period_start: String,
    #[serde(default)]
    period_end: String,
    #[serde(default)]
    framework: String,
}

async fn create_assessment(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Form(form): Form<AssessmentForm>,
) -> Result<Response, AppError> {
    let council_id = crate::web::path_id(&raw)?;
    let input = NewAssessment {
        council_id,
        title: &form.title,
        period_start: &form.period_start,
        period_end: &form.period_end,
        framework_key: &form.framework,
    };
    match service::create_assessment(&state.db, &state.frameworks, &actor, input).await {
        Ok(a) => Ok(Redirect::to(&format!("/assessments/{}", a.id)).into_response()),
        Err(EngagementError::Invalid(problems)) => {
            let council =
                crate::councils::store::by_id(&state.db, council_id).await?.ok_or(AppError::NotFound)?;
            let context = context! {
                council => context! { id => raw, name => council.name },
                frameworks => framework_choices(&state),
                title => form.title, period_start => form.period_start, period_end => form.period_end, framework => form.framework,
            };
            page.render_invalid("engagement/new_assessment.html", &field_errors(problems), context)
        }
        Err(e) => Err(to_app(e)),
    }
}

async fn assessment_context(
    state: &AppState,
    actor: &crate::accounts::actor::Actor,
    id: Uuid,
) -> Result<Value, AppError> {
    let assessment = service::readable_assessment(&state.db, actor, id).await.map_err(to_app)?;
    let council =
        crate::councils::store::by_id(&state.db, assessment.council_id).await?.ok_or(AppError::NotFound)?;
    let groups = store::groups(&state.db, id).await?;
    // Leads see exact counts (they may download every response anyway, to run the
    // engagement); everyone else sees the analysis' counts, with small groups and rounds
    // withheld as there.
    let is_lead = actor.can_lead(assessment.council_id).is_ok();
    let raw = store::response_counts(&state.db, id).await?;
    let load = |round| crate::analysis::service::load(&state.db, &state.frameworks, actor, id, round);
    let all = load(None).await.map_err(to_app)?;
    let withheld = format!("fewer than {}", all.analysis.thresholds.min_group_size);
    let shown = |n: Option<u64>| n.map_or_else(|| withheld.clone(), |n| n.to_string());
    type CountRow = (Option<Uuid>, Uuid, String, i64);
    let exact = |keep: &dyn Fn(&CountRow) -> bool| -> String {
        raw.iter().filter(|c| keep(c)).map(|c| c.3).sum::<i64>().to_string()
    };
    let now = OffsetDateTime::now_utc();
    let mut rounds = Vec::new();
    for round in store::rounds(&state.db, id).await? {
        let statements = store::round_statements(&state.db, round.id).await?;
        let round_state = domain::round_state(round.opens_at, round.closes_at, round.closed_at, now);
        let responses = if is_lead {
            exact(&|c| c.0 == Some(round.id))
        } else {
            shown(load(Some(round.id)).await.map_err(to_app)?.analysis.engagement.responses)
        };
        rounds.push(context! {
            id => round.id.to_string(),
            title => round.title,
            link => format!("/r/{}", round.token),
            statements => statements.join(", "),
            opens => crate::web::format_datetime(round.opens_at),
            closes => crate::web::format_datetime(round.closes_at),
            state => match round_state { domain::RoundState::Open => "Open", domain::RoundState::NotYetOpen => "Not open yet", domain::RoundState::Closed => "Closed" },
            closed_by_hand => round.closed_at.is_some(),
            responses,
        });
    }
    let categories: HashMap<&str, &str> = domain::GROUP_CATEGORIES.iter().copied().collect();
    let group_rows: Vec<Value> = groups
        .iter()
        .map(|g| {
            let id = g.id.to_string();
            let n = if is_lead {
                exact(&|c| c.1 == g.id)
            } else {
                shown(all.analysis.engagement.by_group.iter().find(|s| s.id == id).and_then(|s| s.responses))
            };
            context! {
                id => g.id.to_string(), name => &g.name, category => &g.evidence_category,
                category_label => categories.get(g.evidence_category.as_str()).copied().unwrap_or_default(),
                responses => n,
            }
        })
        .collect();
    let by_mode: Vec<Value> = all
        .analysis
        .engagement
        .by_mode
        .iter()
        .map(|m| {
            let n = if is_lead { exact(&|c| c.2 == m.id) } else { shown(m.responses) };
            context! { mode => &m.id, n }
        })
        .collect();
    let status =
        domain::STATUSES.iter().find(|(id, _)| *id == assessment.status).map(|(_, l)| *l).unwrap_or_default();
    let assessment_status = assessment.status.clone();
    Ok(context! {
        assessment => context! {
            id => id.to_string(), title => assessment.title, status, framework => assessment.framework_key,
            period => format!("{} to {}", crate::web::format_date(assessment.period_start.midnight().assume_utc()), crate::web::format_date(assessment.period_end.midnight().assume_utc())),
        },
        council => context! { id => council.id.to_string(), name => council.name },
        groups => group_rows,
        rounds,
        by_mode,
        statuses => domain::STATUSES.iter().map(|(v, t)| context! { value => *v, text => *t, selected => *v == assessment_status }).collect::<Vec<_>>(),
        categories => domain::GROUP_CATEGORIES.iter().map(|(v, t)| context! { value => *v, text => *t }).collect::<Vec<_>>(),
        is_lead => actor.can_lead(assessment.council_id).is_ok(),
        can_record => actor.can_lead(assessment.council_id).is_ok()
            || actor.has_role(assessment.council_id, crate::accounts::domain::Role::Contributor),
    })
}

async fn assessment_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    Ok(page
        .render("engagement/assessment.html", assessment_context(&state, &actor, id).await?)?
        .into_response())
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    status: String,
}

async fn set_status(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    match service::set_status(&state.db, &actor, id, &form.status).await {
        Ok(()) => Ok(Redirect::to(&format!("/assessments/{id}")).into_response()),
        Err(EngagementError::Invalid(problems)) => {
            let context = assessment_context(&state, &actor, id).await?;
            page.render_invalid("engagement/assessment.html", &field_errors(problems), context)
        }
        Err(e) => Err(to_app(e)),
    }
}

#[derive(Deserialize)]
struct GroupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    evidence_category: String,
}

async fn add_group(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Form(form): Form<GroupForm>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    match service::save_group(&state.db, &actor, id, None, &form.name, &form.evidence_category).await {
        Ok(()) => Ok(Redirect::to(&format!("/assessments/{id}#groups")).into_response()),
        Err(EngagementError::Invalid(problems)) => {
            let context = assessment_context(&state, &actor, id).await?;
            page.render_invalid(
                "engagement/assessment.html",
                &field_errors(problems),
                context! { new_group => form.name, ..context },
            )
        }
        Err(e) => Err(to_app(e)),
    }
}

async fn update_group(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_group)): Path<(String, String)>,
    Form(form): Form<GroupForm>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let group = crate::web::path_id(&raw_group)?;
    match service::save_group(&state.db, &actor, id, Some(group), &form.name, &form.evidence_category).await {
        Ok(()) => Ok(Redirect::to(&format!("/assessments/{id}#groups")).into_response()),
        Err(EngagementError::Invalid(problems)) => {
            let context = assessment_context(&state, &actor, id).await?;
            page.render_invalid("engagement/assessment.html", &field_errors(problems), context)
        }
        Err(e) => Err(to_app(e)),
    }
}

async fn round_form_context(
    state: &AppState,
    actor: &crate::accounts::actor::Actor,
    id: Uuid,
) -> Result<Value, AppError> {
    let assessment = service::readable_assessment(&state.db, actor, id).await.map_err(to_app)?;
    actor.can_lead(assessment.council_id).map_err(crate::accounts::service::ServiceError::from)?;
    let framework = state.frameworks.get(&assessment.framework_key).ok_or(AppError::NotFound)?;
    let statements: Vec<Value> = framework
        .quality_statements()
        .map(|qs| context! { value => qs.id.to_string(), text => format!("{} {}", qs.id, qs.title) })
        .collect();
    let groups: Vec<Value> = store::groups(&state.db, id)
        .await?
        .into_iter()
        .map(|g| context! { value => g.id.to_string(), text => g.name })
        .collect();
    let now = OffsetDateTime::now_utc();
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    Ok(context! {
        assessment => context! { id => id.to_string(), title => assessment.title },
        statement_choices => statements,
        group_choices => groups,
        opens_at => now.format(&format).unwrap_or_default(),
        closes_at => (now + time::Duration::days(28)).format(&format).unwrap_or_default(),
    })
}

async fn new_round_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    Ok(page
        .render("engagement/new_round.html", round_form_context(&state, &actor, id).await?)?
        .into_response())
}

#[derive(Deserialize)]
struct RoundForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    statements: Vec<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    opens_at: String,
    #[serde(default)]
    closes_at: String,
    #[serde(default)]
    introduction: String,
    #[serde(default)]
    privacy_notice: String,
}

async fn create_round(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Form(form): Form<RoundForm>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let input = NewRound {
        title: &form.title,
        statements: &form.statements,
        groups: &form.groups,
        opens_at: &form.opens_at,
        closes_at: &form.closes_at,
        introduction: &form.introduction,
        privacy_notice: &form.privacy_notice,
    };
    match service::create_round(&state.db, &state.frameworks, &actor, id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/assessments/{id}#rounds")).into_response()),
        Err(EngagementError::Invalid(problems)) => {
            let context = round_form_context(&state, &actor, id).await?;
            let values = context! {
                title => form.title, chosen_statements => form.statements, chosen_groups => form.groups,
                opens_at => form.opens_at, closes_at => form.closes_at, introduction => form.introduction, privacy_notice => form.privacy_notice,
            };
            page.render_invalid(
                "engagement/new_round.html",
                &field_errors(problems),
                context! { ..values, ..context },
            )
        }
        Err(e) => Err(to_app(e)),
    }
}

async fn round_action(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path((raw, raw_round, action)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let round = crate::web::path_id(&raw_round)?;
    service::round_action(&state.db, &actor, id, round, &action).await.map_err(to_app)?;
    Ok(Redirect::to(&format!("/assessments/{id}#rounds")).into_response())
}

#[derive(Deserialize, Default)]
struct WorkshopQuery {
    statement: Option<String>,
}

async fn workshop_context(
    state: &AppState,
    actor: &crate::accounts::actor::Actor,
    id: Uuid,
    statement: Option<&str>,
) -> Result<Value, AppError> {
    let assessment = service::readable_assessment(&state.db, actor, id).await.map_err(to_app)?;
    service::can_record(actor, assessment.council_id).map_err(to_app)?;
    let framework = state.frameworks.get(&assessment.framework_key).ok_or(AppError::NotFound)?;
    let chosen = statement.and_then(|s| s.parse().ok()).and_then(|s| framework.quality_statement(s));
    let statements: Vec<Value> = framework
        .quality_statements()
        .map(|qs| context! { value => qs.id.to_string(), text => format!("{} {}", qs.id, qs.title) })
        .collect();
    let groups: Vec<Value> = store::groups(&state.db, id)
        .await?
        .into_iter()
        .map(|g| context! { value => g.id.to_string(), text => g.name })
        .collect();
    let labels: Vec<Value> = framework
        .rating_scale
        .iter()
        .map(|o| context! { value => o.value.to_string(), text => format!("{} {}", o.value, o.label) })
        .collect();
    Ok(context! {
        assessment => context! { id => id.to_string(), title => assessment.title },
        statement_choices => statements,
        group_choices => groups,
        labels,
        statement => chosen.map(|qs| context! {
            id => qs.id.to_string(), title => &qs.title,
            items => qs.checklist_items.iter().map(|i| context! { id => i.id.to_string(), field => i.id.to_string().replace('.', "_"), text => &i.text }).collect::<Vec<_>>(),
        }),
        facilitator => &actor.name,
    })
}

async fn workshop_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Query(query): Query<WorkshopQuery>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let context = workshop_context(&state, &actor, id, query.statement.as_deref()).await?;
    Ok(page
        .render(
            "engagement/workshop.html",
            context! { idempotency_key => Uuid::now_v7().to_string(), ..context },
        )?
        .into_response())
}

async fn record_workshop(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let field = |name: &str| form.get(name).map(|s| s.trim().to_owned()).unwrap_or_default();
    let statement = field("statement");
    match service::record_workshop(&state.db, &state.frameworks, &actor, id, &form).await {
        Ok(reference) => Ok(Redirect::to(&format!("/assessments/{id}?recorded={reference}")).into_response()),
        Err(EngagementError::Invalid(problems)) => {
            let context = workshop_context(&state, &actor, id, Some(&statement)).await?;
            let values: HashMap<String, String> = form.clone();
            page.render_invalid(
                "engagement/workshop.html",
                &field_errors(problems),
                context! { values, idempotency_key => field("idempotency_key"), ..context },
            )
        }
        Err(e) => Err(to_app(e)),
    }
}
