//! Stage 2 pages: the summaries of an assessment, each summary (read, write, submit, withdraw,
//! return, verify), its versions and their differences, the indicative rating, the "what if"
//! page and the readiness page. Thin: the service authorises and acts, `view` shapes.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use minijinja::{Value, context};
use serde::Deserialize;

use super::domain::{self, Content, Problem, State as SummaryState};
use super::service::{self, Saved, Scope, Summary, SummaryError};
use super::view;
use crate::accounts::actor::{Actor, Denied};
use crate::accounts::service::FieldError;
use crate::accounts::session::SignedIn;
use crate::analysis::service::Loaded;
use crate::evidence::service::Library;
use crate::framework::QualityStatement;
use crate::startup::AppState;
use crate::web::routes::Routes;
use crate::web::{AppError, Page, format_datetime};

pub fn router() -> Routes {
    Routes::new()
        .get("/assessments/{id}/summaries", index)
        .get("/assessments/{id}/summaries/{qs}", show)
        .get("/assessments/{id}/summaries/{qs}/edit", edit_page)
        .post("/assessments/{id}/summaries/{qs}/edit", edit)
        .post("/assessments/{id}/summaries/{qs}/submit", submit)
        .post("/assessments/{id}/summaries/{qs}/withdraw", withdraw)
        .post("/assessments/{id}/summaries/{qs}/return", return_summary)
        .post("/assessments/{id}/summaries/{qs}/verify", verify)
        .get("/assessments/{id}/summaries/{qs}/versions", versions)
        .get("/assessments/{id}/rating", rating_page)
        .get("/assessments/{id}/rating/what-if", what_if)
        .get("/assessments/{id}/readiness", readiness)
}

fn to_app(e: SummaryError) -> AppError {
    match e {
        SummaryError::Denied(Denied::Forbidden) => AppError::Forbidden,
        SummaryError::Denied(Denied::NotFound) => AppError::NotFound,
        SummaryError::Db(e) => AppError::Database(e),
        // Handlers show problems on their forms; one reaching here is a bug.
        SummaryError::Invalid(_) => AppError::Internal,
    }
}

fn field_errors(problems: &[Problem]) -> Vec<FieldError> {
    problems.iter().map(|p| FieldError::new(p.field.clone(), p.message.clone())).collect()
}

fn serde(value: &impl serde::Serialize) -> Value {
    Value::from(minijinja::value::Serde(value))
}

/// What every Stage 2 page shows around its content.
async fn common(state: &AppState, scope: &Scope) -> Result<Value, AppError> {
    let a = &scope.assessment;
    let council = crate::councils::store::by_id(&state.db, a.council_id).await?.ok_or(AppError::NotFound)?;
    Ok(context! {
        assessment => context! { id => a.id.to_string(), title => &a.title },
        council => context! { id => a.council_id.to_string(), name => council.name },
        base => format!("/assessments/{}/summaries", a.id),
        assessment_base => format!("/assessments/{}", a.id),
    })
}

/// The assessment's evidence library, for choosing and showing key documents.
async fn library(state: &AppState, actor: &Actor, scope: &Scope) -> Result<Library, AppError> {
    crate::evidence::service::library(
        &state.db,
        &state.frameworks,
        &state.evidence,
        actor,
        scope.assessment.id,
    )
    .await
    .map_err(crate::evidence::routes::to_app)
}

/// The library items as GOV.UK checkboxes: the title, then the state, document type and what
/// it supports.
fn checkbox_items(choices: &[view::EvidenceChoice]) -> Vec<Value> {
    choices
        .iter()
        .map(|c| {
            let supports =
                if c.supports.is_empty() { "supports no quality statement yet".to_owned() } else { format!("supports {}", c.supports) };
            let mut hint = format!("{} · {} · {supports}", c.state_label, c.document_type);
            if c.state == "withdrawn" {
                hint.push_str(" · withdrawn since it was chosen: untick it to take it out");
            }
            context! { value => &c.id, name => &c.name, text => &c.title, checked => c.checked, hint => context! { text => hint } }
        })
        .collect()
}

fn statement_value(qs: &QualityStatement) -> Value {
    context! { id => qs.id.to_string(), title => &qs.title }
}

// ---------------------------------------------------------------------------------------------
// The summaries of an assessment

async fn index(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let scope = service::scope(&state.db, &state.frameworks, &actor, id).await.map_err(to_app)?;
    let summaries = service::all(&state.db, &scope).await.map_err(to_app)?;
    let leads = super::store::statement_leads(&state.db, scope.assessment.council_id).await?;
    let council_id = scope.assessment.council_id;
    let rows: Vec<Value> = summaries
        .iter()
        .filter_map(|s| {
            let qs = scope.framework.quality_statement(s.statement)?;
            let id = s.statement.to_string();
            let names: Vec<&str> = leads.iter().filter(|(q, _)| *q == id).map(|(_, n)| n.as_str()).collect();
            Some(context! {
                statement => statement_value(qs),
                state => serde(&view::state_view(s.state, s.verification)),
                score => serde(&view::score_view(&scope.framework, s.rating_score())),
                leads => names.join(", "),
                updated => s.row.as_ref().map(|r| format!("{} by {}", format_datetime(r.updated_at), r.updated_by_name)),
                can_edit => actor.can_edit_summary(council_id, s.statement).is_ok(),
            })
        })
        .collect();
    let verified = summaries.iter().filter(|s| s.verification == domain::Verification::Valid).count();
    let context = context! {
        rows,
        verified,
        total => summaries.len(),
        can_try => actor.can_try_scores(council_id).is_ok(),
        ..common(&state, &scope).await?
    };
    Ok(page.render("summaries/index.html", context)?.into_response())
}

// ---------------------------------------------------------------------------------------------
// One summary

#[derive(Deserialize, Default)]
struct ShowQuery {
    done: Option<String>,
}

fn done_message(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "saved" => "Your changes are saved as a new version.",
        "voided" => {
            "Your changes are saved. They void the verification: submit the summary to be verified again."
        }
        "unchanged" => "Nothing had changed, so nothing was saved.",
        "submitted" => {
            "The summary is submitted for verification. A verifier can now verify it or return it with comments."
        }
        "withdrawn" => "The summary is withdrawn from verification and can be changed again.",
        "returned" => "The summary is returned with your comments.",
        "verified" => {
            "The summary is verified. Any change to it from now on voids the verification until it is verified again."
        }
        _ => return None,
    })
}

/// What a verifier typed, to show again with problems.
#[derive(Deserialize, Default)]
struct VerifierForm {
    #[serde(default)]
    verifier_name: Option<String>,
    #[serde(default)]
    verifier_post: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    content_hash: String,
    #[serde(default)]
    comments: String,
}

async fn show_context(
    state: &AppState,
    actor: &Actor,
    scope: &Scope,
    summary: &Summary,
    done: Option<&str>,
    typed: &VerifierForm,
) -> Result<Value, AppError> {
    let framework = &scope.framework;
    let qs = framework.quality_statement(summary.statement).ok_or(AppError::NotFound)?;
    let council_id = scope.assessment.council_id;
    let can_edit = actor.can_edit_summary(council_id, summary.statement).is_ok();
    let can_verify = actor.can_verify(council_id).is_ok();
    // Asked only when there is something to verify.
    let own_summary = can_verify
        && summary.state == Some(SummaryState::Submitted)
        && !service::independent_of(&state.db, actor, summary).await.map_err(to_app)?;
    let events = service::history(&state.db, summary).await.map_err(to_app)?;
    let latest = |action: &str| events.iter().rev().find(|e| e.action == action);
    let returned = latest("return")
        .filter(|_| summary.state == Some(SummaryState::Returned))
        .map(|e| context! { who => &e.actor_name, when => format_datetime(e.at), comments => &e.comments });
    let submitted = latest("submit")
        .filter(|_| summary.state == Some(SummaryState::Submitted))
        .map(|e| context! { who => &e.actor_name, when => format_datetime(e.at) });
    let row = summary.row.as_ref();
    let verification = row.and_then(|r| {
        Some(context! {
            name => r.verifier_name.as_deref()?,
            post => r.verifier_post.as_deref().unwrap_or_default(),
            account => r.verifier_account.as_deref().unwrap_or_default(),
            at => format_datetime(r.verified_at?),
            version => r.verified_version,
            hash => r.verified_hash.as_deref().unwrap_or_default(),
            voided_at => r.voided_at.map(format_datetime),
            voided_by => r.voided_by_name.as_deref(),
        })
    });
    let history: Vec<view::EventView> = events.iter().rev().map(view::event_view).collect();
    let state_now = summary.state;
    let library = library(state, actor, scope).await?;
    let content = view::content_view(framework, &summary.content, Some(&library), summary.statement);
    Ok(context! {
        statement => statement_value(qs),
        state => serde(&view::state_view(state_now, summary.verification)),
        started => row.is_some(),
        version => summary.version(),
        content_hash => summary.content_hash(),
        saved => row.map(|r| context! { who => &r.updated_by_name, when => format_datetime(r.updated_at) }),
        verification,
        returned,
        submitted,
        view => serde(&content),
        can_edit,
        editable => state_now.is_none_or(SummaryState::editable),
        can_submit => can_edit && matches!(state_now, Some(SummaryState::Draft | SummaryState::Returned)),
        can_withdraw => can_edit && state_now == Some(SummaryState::Submitted),
        can_verify => can_verify && !own_summary && state_now == Some(SummaryState::Submitted),
        own_summary,
        is_verifier => can_verify,
        history => serde(&history),
        done => done_message(done),
        verifier_name => typed.verifier_name.clone().unwrap_or_else(|| actor.name.clone()),
        verifier_post => &typed.verifier_post,
        comments => &typed.comments,
        ..common(state, scope).await?
    })
}

async fn show(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_qs)): Path<(String, String)>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let (scope, summary) =
        service::load(&state.db, &state.frameworks, &actor, id, &raw_qs).await.map_err(to_app)?;
    let context =
        show_context(&state, &actor, &scope, &summary, query.done.as_deref(), &VerifierForm::default())
            .await?;
    Ok(page.render("summaries/show.html", context)?.into_response())
}

/// The summary page again with problems (422), keeping what the verifier typed.
async fn show_invalid(
    state: &AppState,
    actor: &Actor,
    page: &Page,
    id: uuid::Uuid,
    raw_qs: &str,
    problems: &[Problem],
    typed: &VerifierForm,
) -> Result<Response, AppError> {
    let (scope, summary) =
        service::load(&state.db, &state.frameworks, actor, id, raw_qs).await.map_err(to_app)?;
    let context = show_context(state, actor, &scope, &summary, None, typed).await?;
    page.render_invalid("summaries/show.html", &field_errors(problems), context)
}

fn redirect_done(id: uuid::Uuid, statement: &str, done: &str) -> Response {
    Redirect::to(&format!("/assessments/{id}/summaries/{statement}?done={done}")).into_response()
}

// ---------------------------------------------------------------------------------------------
// Writing a summary

/// The Stage 1 analysis behind the starting points, and the statement's free text when its
/// figures may be shown.
async fn stage1(
    state: &AppState,
    actor: &Actor,
    scope: &Scope,
    summary: &Summary,
) -> Result<(Loaded, Vec<crate::analysis::service::Collated>, bool), AppError> {
    let analysis_error = |e: crate::engagement::service::EngagementError| to_app(SummaryError::from(e));
    let loaded =
        crate::analysis::service::load(&state.db, &state.frameworks, actor, scope.assessment.id, None)
            .await
            .map_err(analysis_error)?;
    let id = summary.statement.to_string();
    let withheld =
        loaded.analysis.quality_statements.iter().find(|q| q.id == id).is_none_or(|q| q.figures.suppressed);
    let quotes = if withheld {
        vec![]
    } else {
        crate::analysis::service::statement_text(&state.db, &loaded, summary.statement)
            .await
            .map_err(analysis_error)?
            .evidence_given
    };
    Ok((loaded, quotes, withheld))
}

async fn edit_context(
    state: &AppState,
    actor: &Actor,
    scope: &Scope,
    summary: &Summary,
    content: &Content,
    base_version: i64,
    used: Option<view::Used>,
) -> Result<Value, AppError> {
    let framework = &scope.framework;
    let qs = framework.quality_statement(summary.statement).ok_or(AppError::NotFound)?;
    let (loaded, quotes, withheld) = stage1(state, actor, scope, summary).await?;
    let statement_id = summary.statement.to_string();
    let (strengths, improvements) = view::starting_points(&loaded.analysis, &statement_id);
    let form = content.padded();
    let library = library(state, actor, scope).await?;
    let choices = view::library_choices(&library, summary.statement, content);
    let links: Vec<&domain::Document> = content.links();
    let findings = view::text_findings(content);
    let score = form.score.map(|s| s.to_string()).unwrap_or_default();
    let score_items: Vec<Value> = framework
        .scoring
        .score_labels
        .iter()
        .map(|l| {
            let value = l.score.to_string();
            context! { value => &value, text => format!("{}: {}", l.score, l.label), checked => value == score }
        })
        .collect();
    let guidance: HashMap<String, String> =
        framework.stage2_template.sections.iter().map(|s| (s.id.clone(), s.guidance.clone())).collect();
    let headings: HashMap<String, String> =
        framework.stage2_template.sections.iter().map(|s| (s.id.clone(), s.heading.clone())).collect();
    let events = service::history(&state.db, summary).await.map_err(to_app)?;
    let returned = events
        .iter()
        .rev()
        .find(|e| e.action == "return")
        .filter(|_| summary.state == Some(SummaryState::Returned))
        .map(|e| context! { who => &e.actor_name, when => format_datetime(e.at), comments => &e.comments });
    let voided =
        summary.row.as_ref().filter(|_| summary.verification == domain::Verification::Void).and_then(|r| {
            Some(context! { at => format_datetime(r.voided_at?), by => r.voided_by_name.as_deref() })
        });
    Ok(context! {
        statement => statement_value(qs),
        state => serde(&view::state_view(summary.state, summary.verification)),
        editable => summary.state.is_none_or(SummaryState::editable),
        base_version,
        form => serde(&form),
        links => serde(&links),
        supporting_items => checkbox_items(&choices.supporting),
        other_items => checkbox_items(&choices.others),
        choices => serde(&choices),
        library_href => format!("/assessments/{}/evidence", scope.assessment.id),
        can_add_evidence => library.can_edit,
        findings => serde(&findings),
        score_items,
        guidance,
        headings,
        prompts_intro => &framework.stage2_template.prompts_intro,
        prompts => serde(&qs.stage2_prompts),
        what_cqc_looks_for => &qs.what_cqc_looks_for,
        strengths => serde(&strengths),
        improvements => serde(&improvements),
        quotes => serde(&view::quote_options(&quotes)),
        more_quotes => quotes.len().saturating_sub(view::QUOTES_OFFERED),
        withheld,
        k => loaded.analysis.thresholds.min_group_size,
        used => used.map(|u| serde(&u)),
        returned,
        voided,
        limits => context! {
            long => domain::LONG_TEXT, short => domain::SHORT_TEXT, quotation => domain::QUOTATION_TEXT,
            source => domain::SOURCE_TEXT, title => domain::TITLE_TEXT, url => domain::URL_TEXT,
        },
        ..common(state, scope).await?
    })
}

async fn edit_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_qs)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let (scope, summary) =
        service::load_for_edit(&state.db, &state.frameworks, &actor, id, &raw_qs).await.map_err(to_app)?;
    let content = summary.content.clone();
    let context = edit_context(&state, &actor, &scope, &summary, &content, summary.version(), None).await?;
    Ok(page.render("summaries/edit.html", context)?.into_response())
}

/// Saves the form, or (a "Use this" button) adds a Stage 1 starting point or quotation to it
/// and shows it again unsaved: no JavaScript needed.
async fn edit(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_qs)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let (scope, summary) =
        service::load_for_edit(&state.db, &state.frameworks, &actor, id, &raw_qs).await.map_err(to_app)?;
    let library = library(&state, &actor, &scope).await?;
    let (mut content, problems) =
        domain::read_form_with_library(&form, &summary.content, &view::library_entries(&library));
    let posted_base = form.get("base_version").and_then(|v| v.trim().parse::<i64>().ok());
    let base = posted_base.unwrap_or(summary.version());
    if let Some(value) = form.get("use").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let (loaded, quotes, _) = stage1(&state, &actor, &scope, &summary).await?;
        let used =
            view::apply_use(&mut content, value, &loaded.analysis, &summary.statement.to_string(), &quotes);
        let context = edit_context(&state, &actor, &scope, &summary, &content, base, Some(used)).await?;
        return Ok(page.render("summaries/edit.html", context)?.into_response());
    }
    let problems = if problems.is_empty() {
        match service::save(&state.db, &state.frameworks, &actor, id, &raw_qs, &content, posted_base).await {
            Ok(Saved::Version { voided, .. }) => {
                return Ok(redirect_done(id, &raw_qs, if voided { "voided" } else { "saved" }));
            }
            Ok(Saved::Unchanged) => return Ok(redirect_done(id, &raw_qs, "unchanged")),
            Err(SummaryError::Invalid(problems)) => problems,
            Err(e) => return Err(to_app(e)),
        }
    } else {
        problems
    };
    // After a clash with someone else's save, the form carries their version, so saving
    // again replaces it knowingly.
    let (scope, summary) =
        service::load_for_edit(&state.db, &state.frameworks, &actor, id, &raw_qs).await.map_err(to_app)?;
    let base = if problems.iter().any(|p| p.field == "base_version") { summary.version() } else { base };
    let context = edit_context(&state, &actor, &scope, &summary, &content, base, None).await?;
    page.render_invalid("summaries/edit.html", &field_errors(&problems), context)
}

async fn submit(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_qs)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    match service::submit(&state.db, &state.frameworks, &actor, id, &raw_qs).await {
        Ok(()) => Ok(redirect_done(id, &raw_qs, "submitted")),
        Err(SummaryError::Invalid(problems)) if problems.iter().all(|p| p.field == "state") => {
            show_invalid(&state, &actor, &page, id, &raw_qs, &problems, &VerifierForm::default()).await
        }
        // Parts missing: the form, with each problem beside its field.
        Err(SummaryError::Invalid(problems)) => {
            let (scope, summary) = service::load_for_edit(&state.db, &state.frameworks, &actor, id, &raw_qs)
                .await
                .map_err(to_app)?;
            let content = summary.content.clone();
            let context =
                edit_context(&state, &actor, &scope, &summary, &content, summary.version(), None).await?;
            page.render_invalid("summaries/edit.html", &field_errors(&problems), context)
        }
        Err(e) => Err(to_app(e)),
    }
}

async fn withdraw(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_qs)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    match service::withdraw(&state.db, &state.frameworks, &actor, id, &raw_qs).await {
        Ok(()) => Ok(redirect_done(id, &raw_qs, "withdrawn")),
        Err(SummaryError::Invalid(problems)) => {
            show_invalid(&state, &actor, &page, id, &raw_qs, &problems, &VerifierForm::default()).await
        }
        Err(e) => Err(to_app(e)),
    }
}

async fn return_summary(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_qs)): Path<(String, String)>,
    Form(form): Form<VerifierForm>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    match service::return_with_comments(&state.db, &state.frameworks, &actor, id, &raw_qs, &form.comments)
        .await
    {
        Ok(()) => Ok(redirect_done(id, &raw_qs, "returned")),
        Err(SummaryError::Invalid(problems)) => {
            show_invalid(&state, &actor, &page, id, &raw_qs, &problems, &form).await
        }
        Err(e) => Err(to_app(e)),
    }
}

async fn verify(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_qs)): Path<(String, String)>,
    Form(form): Form<VerifierForm>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let input = service::VerifyInput {
        name: form.verifier_name.as_deref().unwrap_or_default(),
        post: &form.verifier_post,
        version: &form.version,
        content_hash: &form.content_hash,
    };
    match service::verify(&state.db, &state.frameworks, &actor, id, &raw_qs, input).await {
        Ok(()) => Ok(redirect_done(id, &raw_qs, "verified")),
        Err(SummaryError::Invalid(problems)) => {
            let typed =
                VerifierForm { verifier_name: Some(form.verifier_name.clone().unwrap_or_default()), ..form };
            show_invalid(&state, &actor, &page, id, &raw_qs, &problems, &typed).await
        }
        Err(e) => Err(to_app(e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Versions

#[derive(Deserialize, Default)]
struct VersionsQuery {
    from: Option<String>,
    to: Option<String>,
}

async fn versions(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_qs)): Path<(String, String)>,
    Query(query): Query<VersionsQuery>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let (scope, summary, versions) =
        service::versions(&state.db, &state.frameworks, &actor, id, &raw_qs).await.map_err(to_app)?;
    let qs = scope.framework.quality_statement(summary.statement).ok_or(AppError::NotFound)?;
    let latest = summary.version();
    let mut problems = Vec::new();
    let mut pick = |field: &str, raw: Option<&str>, default: i64| -> Option<i64> {
        match raw.map(str::trim).filter(|r| !r.is_empty()) {
            None => (default >= 1).then_some(default),
            Some(raw) => match raw.parse::<i64>() {
                Ok(v) if versions.iter().any(|row| row.version == v) => Some(v),
                _ => {
                    let which = if field == "from" { "the older version" } else { "the newer version" };
                    problems.push(Problem {
                        field: field.to_owned(),
                        message: format!("Choose {which} from the list (versions 1 to {latest})"),
                    });
                    None
                }
            },
        }
    };
    let (from, to) = if latest >= 2 || query.from.is_some() || query.to.is_some() {
        (pick("from", query.from.as_deref(), latest - 1), pick("to", query.to.as_deref(), latest))
    } else {
        (None, None)
    };
    let diff = match (from, to) {
        (Some(from), Some(to)) => {
            let before = service::version_content(&state.db, &summary, from).await.map_err(to_app)?;
            let after = service::version_content(&state.db, &summary, to).await.map_err(to_app)?;
            match (before, after) {
                (Some(before), Some(after)) => {
                    let framework = scope.framework.clone();
                    let label = move |s: u8| view::score_label(&framework, s);
                    let parts = domain::compare(&before, &after, &label);
                    let unchanged: Vec<String> = parts
                        .iter()
                        .filter(|p| !p.changed && !p.segments.is_empty())
                        .map(|p| p.label.clone())
                        .collect();
                    let changed: Vec<&domain::FieldDiff> = parts.iter().filter(|p| p.changed).collect();
                    Some(context! { from, to, changed => serde(&changed), unchanged })
                }
                _ => None,
            }
        }
        _ => None,
    };
    let choices = |selected: Option<i64>| -> Vec<Value> {
        versions
            .iter()
            .map(|v| {
                context! {
                    value => v.version.to_string(),
                    text => format!("Version {}: {} by {}", v.version, format_datetime(v.saved_at), v.saved_by_name),
                    selected => Some(v.version) == selected,
                }
            })
            .collect()
    };
    let rows: Vec<Value> = versions
        .iter()
        .map(|v| {
            context! {
                version => v.version,
                who => &v.saved_by_name,
                when => format_datetime(v.saved_at),
                hash => &v.content_hash,
                score => v.score,
                verified => summary.row.as_ref().and_then(|r| r.verified_version) == Some(v.version)
                    && summary.row.as_ref().and_then(|r| r.verified_hash.as_deref()) == Some(v.content_hash.as_str()),
            }
        })
        .collect();
    let context = context! {
        statement => statement_value(qs),
        state => serde(&view::state_view(summary.state, summary.verification)),
        rows,
        from_items => choices(from),
        to_items => choices(to),
        diff,
        ..common(&state, &scope).await?
    };
    if problems.is_empty() {
        Ok(page.render("summaries/versions.html", context)?.into_response())
    } else {
        page.render_invalid("summaries/versions.html", &field_errors(&problems), context)
    }
}

// ---------------------------------------------------------------------------------------------
// The indicative rating

fn statement_scores(scope: &Scope, indicative: &service::Indicative) -> Vec<Value> {
    indicative
        .statements
        .iter()
        .map(|s| {
            context! {
                id => s.id.to_string(),
                title => &s.title,
                score => serde(&view::score_view(&scope.framework, s.score)),
            }
        })
        .collect()
}

async fn rating_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let (scope, indicative) =
        service::indicative_rating(&state.db, &state.frameworks, &actor, id).await.map_err(to_app)?;
    let count = |source: domain::ScoreSource| {
        indicative.statements.iter().filter(|s| s.score.is_some_and(|(_, src)| src == source)).count()
    };
    let unscored: Vec<String> =
        indicative.statements.iter().filter(|s| s.score.is_none()).map(|s| s.id.to_string()).collect();
    let context = context! {
        statements => statement_scores(&scope, &indicative),
        rating => indicative.rating.as_ref().map(|r| serde(&view::rating_view(r))),
        verified => count(domain::ScoreSource::Verified),
        proposed => count(domain::ScoreSource::Proposed),
        unscored,
        total => indicative.statements.len(),
        bands => serde(&scope.framework.scoring.rating_bands),
        can_try => actor.can_try_scores(scope.assessment.council_id).is_ok(),
        ..common(&state, &scope).await?
    };
    Ok(page.render("summaries/rating.html", context)?.into_response())
}

/// Tries other scores without saving anything: a GET form with a score per statement.
async fn what_if(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let (scope, indicative) =
        service::what_if(&state.db, &state.frameworks, &actor, id).await.map_err(to_app)?;
    let tried = indicative.statements.iter().any(|s| query.contains_key(&s.id.to_string()));
    let mut problems = Vec::new();
    let mut chosen: Vec<(String, Option<u8>)> = Vec::new();
    for s in &indicative.statements {
        let id = s.id.to_string();
        let value = if tried {
            match query.get(&id).map(|v| v.trim()).unwrap_or_default() {
                "" => None,
                raw => match raw.parse::<u8>() {
                    Ok(v) if (1..=4).contains(&v) => Some(v),
                    _ => {
                        problems.push(Problem {
                            field: id.clone(),
                            message: format!("Choose a score for {id} from 1 to 4, or no score"),
                        });
                        None
                    }
                },
            }
        } else {
            s.score.map(|(v, _)| v)
        };
        chosen.push((id, value));
    }
    let scores: Vec<u8> = chosen.iter().filter_map(|(_, v)| *v).collect();
    let result = super::rating::rate(&scores, &scope.framework.scoring.rating_bands).ok();
    let labels = &scope.framework.scoring.score_labels;
    let selects: Vec<Value> = indicative
        .statements
        .iter()
        .zip(&chosen)
        .map(|(s, (id, value))| {
            let now = view::score_view(&scope.framework, s.score);
            let items: Vec<Value> =
                std::iter::once(context! { value => "", text => "No score", selected => value.is_none() })
                    .chain(labels.iter().map(|l| {
                        context! {
                            value => l.score.to_string(),
                            text => format!("{}: {}", l.score, l.label),
                            selected => *value == Some(l.score),
                        }
                    }))
                    .collect();
            context! { id, title => &s.title, items, now => serde(&now) }
        })
        .collect();
    let context = context! {
        selects,
        tried,
        result => result.as_ref().map(|r| serde(&view::rating_view(r))),
        current => indicative.rating.as_ref().map(|r| serde(&view::rating_view(r))),
        scored => scores.len(),
        total => indicative.statements.len(),
        ..common(&state, &scope).await?
    };
    if problems.is_empty() {
        Ok(page.render("summaries/what_if.html", context)?.into_response())
    } else {
        page.render_invalid("summaries/what_if.html", &field_errors(&problems), context)
    }
}

// ---------------------------------------------------------------------------------------------
// Readiness

async fn readiness(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let scope = service::scope(&state.db, &state.frameworks, &actor, id).await.map_err(to_app)?;
    let summaries = service::all(&state.db, &scope).await.map_err(to_app)?;
    let loaded = crate::analysis::service::load(&state.db, &state.frameworks, &actor, id, None)
        .await
        .map_err(|e| to_app(SummaryError::from(e)))?;
    let analysis = &loaded.analysis;
    let groups: Vec<Value> = analysis
        .engagement
        .by_group
        .iter()
        .map(|g| context! { label => &g.label, withheld => g.suppressed, responses => g.responses })
        .collect();
    let rows: Vec<Value> = summaries
        .iter()
        .filter_map(|s| {
            let qs = scope.framework.quality_statement(s.statement)?;
            let id = s.statement.to_string();
            let stage1 = analysis.quality_statements.iter().find(|q| q.id == id)?;
            let cells: Vec<Value> = stage1
                .figures
                .by_group
                .iter()
                .map(|slice| match (&slice.measures, slice.suppressed) {
                    (_, true) => context! { withheld => true },
                    (Some(m), false) if m.n > 0 => context! {
                        answers => m.n,
                        agree => m.agree_share.map(crate::analysis::stats::percent),
                    },
                    _ => context! { answers => 0 },
                })
                .collect();
            Some(context! {
                statement => statement_value(qs),
                cells,
                state => serde(&view::state_view(s.state, s.verification)),
                score => serde(&view::score_view(&scope.framework, s.rating_score())),
            })
        })
        .collect();
    let count = |value: &str| {
        summaries.iter().filter(|s| view::state_view(s.state, s.verification).value == value).count()
    };
    let context = context! {
        groups,
        total_responses => analysis.engagement.responses,
        total_withheld => analysis.engagement.suppressed,
        rows,
        k => analysis.thresholds.min_group_size,
        verified => summaries.iter().filter(|s| s.verification == domain::Verification::Valid).count(),
        submitted => count("submitted"),
        returned => count("returned"),
        draft => count("draft"),
        not_started => count("not_started"),
        total => summaries.len(),
        ..common(&state, &scope).await?
    };
    Ok(page.render("summaries/readiness.html", context)?.into_response())
}
