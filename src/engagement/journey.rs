//! The respondent journey at `/r/{token}`: no account needed, a quality statement per page,
//! save and resume with a code, check your answers, confirmation with a reference.
//! Works without JavaScript. Nothing about the respondent's device or address is stored.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::{Cookie, SameSite};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

use super::domain::{RawAnswer, RoundState};
use super::service::{self, EngagementError, OpenRound, Submission};
use super::store;
use crate::accounts::secrets;
use crate::accounts::session::{self, CurrentActor};
use crate::framework::QualityStatementId;
use crate::startup::AppState;
use crate::web::routes::Routes;
use crate::web::{AppError, Page};

pub fn router() -> Routes {
    Routes::new()
        .get("/r/{token}", start_page)
        .post("/r/{token}/start", start)
        .get("/r/{token}/resume", resume_page)
        .post("/r/{token}/resume", resume)
        .get("/r/{token}/group", group_page)
        .post("/r/{token}/group", choose_group)
        .get("/r/{token}/statements/{qs}", statement_page)
        .post("/r/{token}/statements/{qs}", save_statement)
        .get("/r/{token}/saved", saved_page)
        .get("/r/{token}/check", check_page)
        .post("/r/{token}/submit", submit)
        .get("/r/{token}/done", done_page)
}

const COOKIE: &str = "selfassess_resume";

/// Answers in progress, kept server-side under the hash of the resume code.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Draft {
    /// The idempotency key the submission will use: a double click stores one response.
    key: String,
    group: Option<String>,
    as_staff: bool,
    answers: BTreeMap<String, DraftAnswer>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct DraftAnswer {
    rating: Option<i64>,
    evidence: String,
    evidence_needed: String,
}

/// A resume code people can copy: 12 characters without look-alikes, in threes.
fn new_resume_code() -> String {
    let code = super::domain::new_reference().replace('-', "") + &super::domain::new_reference()[..2];
    format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..12])
}

fn normalise_code(input: &str) -> String {
    let raw: String =
        input.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    if raw.len() == 12 { format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..]) } else { raw }
}

fn cookie_code(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

fn resume_cookie(token: &str, code: &str, secure: bool) -> Cookie<'static> {
    Cookie::build((COOKIE, code.to_owned()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path(format!("/r/{token}"))
        .build()
}

async fn open_round(state: &AppState, token: &str) -> Result<Arc<OpenRound>, AppError> {
    service::round_for_link(&state.db, &state.frameworks, token).await.map_err(to_app)
}

fn to_app(e: EngagementError) -> AppError {
    match e {
        EngagementError::Db(e) => AppError::Database(e),
        _ => AppError::NotFound,
    }
}

/// The round's public face: what every journey page shows in its caption.
fn round_context(open: &OpenRound, council_name: &str) -> Value {
    context! {
        token => &open.round.token,
        title => &open.round.title,
        council => council_name,
        introduction => &open.round.introduction,
        privacy_notice => &open.round.privacy_notice,
        closes => crate::web::format_datetime(open.round.closes_at),
        opens => crate::web::format_datetime(open.round.opens_at),
        statements => open.statements.iter().map(|id| {
            let title = open.framework.quality_statement(*id).map(|qs| qs.title.clone()).unwrap_or_default();
            context! { id => id.to_string(), title }
        }).collect::<Vec<_>>(),
        groups => open.groups.iter().map(|g| context! { id => g.id.to_string(), name => &g.name }).collect::<Vec<_>>(),
    }
}

async fn council_name(_state: &AppState, open: &OpenRound) -> Result<String, AppError> {
    Ok(open.council_name.clone())
}

/// When the round is not open, the page that says so (410).
async fn closed_page(state: &AppState, page: &Page, open: &OpenRound) -> Result<Option<Response>, AppError> {
    let now = OffsetDateTime::now_utc();
    let round_state =
        super::domain::round_state(open.round.opens_at, open.round.closes_at, open.round.closed_at, now);
    if round_state == RoundState::Open {
        return Ok(None);
    }
    let round = round_context(open, &council_name(state, open).await?);
    let html = page.render(
        "journey/closed.html",
        context! { round, not_yet => round_state == RoundState::NotYetOpen },
    )?;
    Ok(Some((StatusCode::GONE, html).into_response()))
}

async fn load_draft(
    state: &AppState,
    open: &OpenRound,
    headers: &HeaderMap,
) -> Result<Option<(String, Draft)>, AppError> {
    let Some(code) = cookie_code(headers) else { return Ok(None) };
    let Some(row) = store::draft(&state.db, &secrets::token_hash(&code)).await? else { return Ok(None) };
    if row.round_id != open.round.id || row.expires_at <= OffsetDateTime::now_utc() {
        return Ok(None);
    }
    Ok(serde_json::from_str(&row.content).ok().map(|draft| (code, draft)))
}

async fn store_draft(state: &AppState, open: &OpenRound, code: &str, draft: &Draft) -> Result<(), AppError> {
    let now = OffsetDateTime::now_utc();
    let content = serde_json::to_string(draft).map_err(|_| AppError::Internal)?;
    // Kept until the round closes (and at most 90 days).
    let expires = open.round.closes_at.min(now + Duration::days(90));
    store::save_draft(&state.db, &secrets::token_hash(code), open.round.id, &content, now, expires).await?;
    Ok(())
}

fn first_page(open: &OpenRound, draft: &Draft) -> String {
    let token = &open.round.token;
    if draft.group.is_none() {
        return format!("/r/{token}/group");
    }
    for id in &open.statements {
        let Some(qs) = open.framework.quality_statement(*id) else { continue };
        // Saved for later, an item may be in the draft without an answer yet.
        let unanswered = |id: String| draft.answers.get(&id).and_then(|answer| answer.rating).is_none();
        if qs.checklist_items.iter().any(|item| unanswered(item.id.to_string())) {
            return format!("/r/{token}/statements/{id}");
        }
    }
    format!("/r/{token}/check")
}

fn no_draft(token: &str) -> Response {
    Redirect::to(&format!("/r/{token}")).into_response()
}

/// The open round and the visitor's answers in progress — or, instead, the page to show: the
/// closed page (410) or back to the start when nothing is in progress.
async fn in_progress(
    state: &AppState,
    page: &Page,
    token: &str,
    headers: &HeaderMap,
    statement: Option<&str>,
) -> Result<Result<(Arc<OpenRound>, String, Draft), Response>, AppError> {
    let open = open_round(state, token).await?;
    // A quality statement the round does not cover is not found, whatever else holds.
    if let Some(statement) = statement {
        statement_index(&open, statement)?;
    }
    if let Some(closed) = closed_page(state, page, &open).await? {
        return Ok(Err(closed));
    }
    Ok(match load_draft(state, &open, headers).await? {
        Some((code, draft)) => Ok((open, code, draft)),
        None => Err(no_draft(token)),
    })
}

async fn start_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    current: axum::Extension<CurrentActor>,
) -> Result<Response, AppError> {
    let open = open_round(&state, &token).await?;
    if let Some(closed) = closed_page(&state, &page, &open).await? {
        return Ok(closed);
    }
    let round = round_context(&open, &council_name(&state, &open).await?);
    // Signed-in members of the council's staff may answer as themselves instead of anonymously.
    let staff_name = current
        .0
        .0
        .as_ref()
        .filter(|a| a.membership(open.assessment.council_id).is_some())
        .map(|a| a.name.clone());
    Ok(page.render("journey/start.html", context! { round, staff_name })?.into_response())
}

#[derive(Deserialize)]
struct StartForm {
    #[serde(default)]
    as_staff: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    current: axum::Extension<CurrentActor>,
    Form(form): Form<StartForm>,
) -> Result<Response, AppError> {
    let open = open_round(&state, &token).await?;
    // Staff answer as themselves only when signed in as a member of the council.
    let as_staff = form.as_staff.is_some()
        && current.0.0.as_ref().is_some_and(|a| a.membership(open.assessment.council_id).is_some());
    let code = new_resume_code();
    let mut draft = Draft { key: uuid::Uuid::now_v7().to_string(), as_staff, ..Draft::default() };
    if open.groups.len() == 1 {
        draft.group = open.groups.first().map(|g| g.id.to_string());
    }
    store_draft(&state, &open, &code, &draft).await?;
    let mut response = Redirect::to(&first_page(&open, &draft)).into_response();
    session::cookie_to_header(&mut response, resume_cookie(&token, &code, session::secure_request(&headers)));
    Ok(response)
}

async fn resume_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let open = open_round(&state, &token).await?;
    let round = round_context(&open, &council_name(&state, &open).await?);
    Ok(page.render("journey/resume.html", context! { round })?.into_response())
}

#[derive(Deserialize)]
struct ResumeForm {
    #[serde(default)]
    code: String,
}

async fn resume(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ResumeForm>,
) -> Result<Response, AppError> {
    let open = open_round(&state, &token).await?;
    let code = normalise_code(&form.code);
    let found = store::draft(&state.db, &secrets::token_hash(&code)).await?;
    let draft = found
        .filter(|row| row.round_id == open.round.id && row.expires_at > OffsetDateTime::now_utc())
        .and_then(|row| serde_json::from_str::<Draft>(&row.content).ok());
    let Some(draft) = draft else {
        let round = round_context(&open, &council_name(&state, &open).await?);
        let message = if form.code.trim().is_empty() {
            "Enter your resume code"
        } else {
            "There are no saved answers with that code for this survey. Check the code, or start again"
        };
        let errors = [crate::accounts::service::FieldError::new("code", message)];
        return page.render_invalid(
            "journey/resume.html",
            &errors,
            context! { round, code => form.code.trim() },
        );
    };
    let mut response = Redirect::to(&first_page(&open, &draft)).into_response();
    session::cookie_to_header(&mut response, resume_cookie(&token, &code, session::secure_request(&headers)));
    Ok(response)
}

async fn group_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (open, _, draft) = match in_progress(&state, &page, &token, &headers, None).await? {
        Ok(found) => found,
        Err(instead) => return Ok(instead),
    };
    let round = round_context(&open, &council_name(&state, &open).await?);
    Ok(page.render("journey/group.html", context! { round, chosen => draft.group })?.into_response())
}

#[derive(Deserialize)]
struct GroupForm {
    #[serde(default)]
    group: String,
}

async fn choose_group(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<GroupForm>,
) -> Result<Response, AppError> {
    let (open, code, mut draft) = match in_progress(&state, &page, &token, &headers, None).await? {
        Ok(found) => found,
        Err(instead) => return Ok(instead),
    };
    if !open.groups.iter().any(|g| g.id.to_string() == form.group) {
        let round = round_context(&open, &council_name(&state, &open).await?);
        let errors =
            [crate::accounts::service::FieldError::new("group", "Select the group that best describes you")];
        return page.render_invalid("journey/group.html", &errors, context! { round });
    }
    draft.group = Some(form.group);
    store_draft(&state, &open, &code, &draft).await?;
    Ok(Redirect::to(&first_page(&open, &draft)).into_response())
}

fn statement_index(open: &OpenRound, raw: &str) -> Result<(usize, QualityStatementId), AppError> {
    let id: QualityStatementId = raw.parse().map_err(|()| AppError::NotFound)?;
    let index = open.statements.iter().position(|s| *s == id).ok_or(AppError::NotFound)?;
    Ok((index, id))
}

fn statement_context(open: &OpenRound, index: usize, id: QualityStatementId, draft: &Draft) -> Value {
    let qs = open.framework.quality_statement(id);
    let items: Vec<Value> = qs
        .map(|qs| {
            qs.checklist_items
                .iter()
                .map(|item| {
                    let key = item.id.to_string();
                    let saved = draft.answers.get(&key).cloned().unwrap_or_default();
                    context! {
                        id => &key,
                        field => key.replace('.', "_"),
                        text => &item.text,
                        rating => saved.rating.map(|r| r.to_string()),
                        evidence => saved.evidence,
                        evidence_needed => saved.evidence_needed,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    context! {
        statement => context! {
            id => id.to_string(),
            title => qs.map(|q| q.title.clone()),
            we => qs.and_then(|q| q.we_statements.first().cloned()),
        },
        items,
        number => index + 1,
        of => open.statements.len(),
        back => if index == 0 {
            if open.groups.len() > 1 { format!("/r/{}/group", open.round.token) } else { format!("/r/{}", open.round.token) }
        } else {
            format!("/r/{}/statements/{}", open.round.token, open.statements[index - 1])
        },
    }
}

async fn statement_page(
    State(state): State<AppState>,
    page: Page,
    Path((token, qs)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (open, code, draft) = match in_progress(&state, &page, &token, &headers, Some(&qs)).await? {
        Ok(found) => found,
        Err(instead) => return Ok(instead),
    };
    let (index, id) = statement_index(&open, &qs)?;
    let round = round_context(&open, &council_name(&state, &open).await?);
    let labels = rating_labels(&open);
    Ok(page
        .render(
            "journey/statement.html",
            context! { round, labels, resume_code => code, ..statement_context(&open, index, id, &draft) },
        )?
        .into_response())
}

fn rating_labels(open: &OpenRound) -> Vec<Value> {
    open.framework
        .rating_scale
        .iter()
        .map(|o| context! { value => o.value.to_string(), text => format!("{} {}", o.value, o.label) })
        .collect()
}

async fn save_statement(
    State(state): State<AppState>,
    page: Page,
    Path((token, qs)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (open, code, mut draft) = match in_progress(&state, &page, &token, &headers, Some(&qs)).await? {
        Ok(found) => found,
        Err(instead) => return Ok(instead),
    };
    let (index, id) = statement_index(&open, &qs)?;
    let Some(statement) = open.framework.quality_statement(id) else { return Err(AppError::NotFound) };
    let later = form.contains_key("save_for_later");
    let mut errors = Vec::new();
    for item in &statement.checklist_items {
        let key = item.id.to_string();
        let field = key.replace('.', "_");
        let rating = form
            .get(&format!("{field}_rating"))
            .and_then(|r| r.parse::<i64>().ok())
            .filter(|r| (0..=4).contains(r));
        let text = |suffix: &str| {
            form.get(&format!("{field}_{suffix}")).map(|t| t.trim().to_owned()).unwrap_or_default()
        };
        let (evidence, evidence_needed) = (text("evidence"), text("evidence_needed"));
        if rating.is_none() && !later {
            errors.push(crate::accounts::service::FieldError::new(
                format!("{field}_rating"),
                format!("Select an answer for {key}, or 0 Don't know"),
            ));
        }
        for (suffix, value) in [("evidence", &evidence), ("evidence_needed", &evidence_needed)] {
            if value.chars().count() > super::domain::MAX_TEXT_CHARS {
                errors.push(crate::accounts::service::FieldError::new(
                    format!("{field}_{suffix}"),
                    format!(
                        "Your answer for {key} must be {} characters or fewer",
                        super::domain::MAX_TEXT_CHARS
                    ),
                ));
            }
        }
        draft.answers.insert(key, DraftAnswer { rating, evidence, evidence_needed });
    }
    let too_long =
        errors.iter().any(|e| e.field.ends_with("evidence") || e.field.ends_with("evidence_needed"));
    if !too_long {
        // What was typed is kept even when something is missing: nothing acknowledged is lost.
        store_draft(&state, &open, &code, &draft).await?;
    }
    if later && !too_long {
        return Ok(Redirect::to(&format!("/r/{token}/saved")).into_response());
    }
    if !errors.is_empty() {
        let round = round_context(&open, &council_name(&state, &open).await?);
        let labels = rating_labels(&open);
        let context =
            context! { round, labels, resume_code => code, ..statement_context(&open, index, id, &draft) };
        return page.render_invalid("journey/statement.html", &errors, context);
    }
    let next = match open.statements.get(index + 1) {
        Some(next) => format!("/r/{token}/statements/{next}"),
        None => format!("/r/{token}/check"),
    };
    Ok(Redirect::to(&next).into_response())
}

async fn saved_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let open = open_round(&state, &token).await?;
    let Some((code, _)) = load_draft(&state, &open, &headers).await? else { return Ok(no_draft(&token)) };
    let round = round_context(&open, &council_name(&state, &open).await?);
    Ok(page.render("journey/saved.html", context! { round, code })?.into_response())
}

async fn check_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (open, _, draft) = match in_progress(&state, &page, &token, &headers, None).await? {
        Ok(found) => found,
        Err(instead) => return Ok(instead),
    };
    let target = first_page(&open, &draft);
    if !target.ends_with("/check") {
        return Ok(Redirect::to(&target).into_response());
    }
    let labels: BTreeMap<i64, String> = open
        .framework
        .rating_scale
        .iter()
        .map(|o| (i64::from(o.value), format!("{} {}", o.value, o.label)))
        .collect();
    let sections: Vec<Value> = open
        .statements
        .iter()
        .filter_map(|id| open.framework.quality_statement(*id))
        .map(|qs| {
            let rows: Vec<Value> = qs
                .checklist_items
                .iter()
                .map(|item| {
                    let a = draft.answers.get(&item.id.to_string()).cloned().unwrap_or_default();
                    context! {
                        id => item.id.to_string(),
                        text => &item.text,
                        rating => a.rating.and_then(|r| labels.get(&r).cloned()),
                        evidence => a.evidence,
                        evidence_needed => a.evidence_needed,
                    }
                })
                .collect();
            context! { id => qs.id.to_string(), title => &qs.title, rows }
        })
        .collect();
    let group = open.groups.iter().find(|g| Some(g.id.to_string()) == draft.group).map(|g| g.name.clone());
    let round = round_context(&open, &council_name(&state, &open).await?);
    Ok(page
        .render("journey/check.html", context! { round, sections, group, key => &draft.key, as_staff => draft.as_staff, many_groups => open.groups.len() > 1 })?
        .into_response())
}

#[derive(Deserialize)]
struct SubmitForm {
    #[serde(default)]
    idempotency_key: String,
}

async fn submit(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    headers: HeaderMap,
    current: axum::Extension<CurrentActor>,
    Form(form): Form<SubmitForm>,
) -> Result<Response, AppError> {
    let open = open_round(&state, &token).await?;
    // A replay after the draft is gone (back button, double click): the first confirmation.
    if let Some(existing) =
        store::response_by_key(&state.db, open.assessment.id, form.idempotency_key.trim()).await?
    {
        return Ok(Redirect::to(&format!("/r/{token}/done?reference={}", existing.reference)).into_response());
    }
    let Some((code, draft)) = load_draft(&state, &open, &headers).await? else { return Ok(no_draft(&token)) };
    let answers: Vec<RawAnswer> = draft
        .answers
        .iter()
        .filter_map(|(item, a)| {
            a.rating.map(|rating| RawAnswer {
                item: item.clone(),
                rating: Some(rating.into()),
                evidence: Some(a.evidence.clone()),
                evidence_needed: Some(a.evidence_needed.clone()),
            })
        })
        .collect();
    let as_user = if draft.as_staff {
        current.0.0.as_ref().filter(|a| a.membership(open.assessment.council_id).is_some()).map(|a| a.user_id)
    } else {
        None
    };
    let submission = Submission {
        group: draft.group.as_deref().unwrap_or_default(),
        answers: &answers,
        idempotency_key: &draft.key,
    };
    match service::submit_survey(&state.db, &state.writer, &open, submission, as_user).await {
        Ok(done) => {
            store::delete_draft(&state.db, &secrets::token_hash(&code)).await?;
            Ok(Redirect::to(&format!("/r/{token}/done?reference={}", done.response.reference))
                .into_response())
        }
        Err(EngagementError::Gone(_)) => {
            // Closed since the round was looked up: look again for the closed page.
            let open = open_round(&state, &token).await?;
            Ok(closed_page(&state, &page, &open).await?.unwrap_or_else(|| no_draft(&token)))
        }
        Err(EngagementError::Invalid(_)) => Ok(Redirect::to(&first_page(&open, &draft)).into_response()),
        Err(other) => Err(to_app(other)),
    }
}

#[derive(Deserialize)]
struct DoneQuery {
    #[serde(default)]
    reference: String,
}

async fn done_page(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let open = open_round(&state, &token).await?;
    let reference: String =
        query.reference.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(20).collect();
    let round = round_context(&open, &council_name(&state, &open).await?);
    Ok(page.render("journey/done.html", context! { round, reference })?.into_response())
}
