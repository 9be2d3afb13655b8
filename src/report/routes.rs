//! Stage 3 pages: the document's overview, Section A, each quality statement's part of
//! Section B, Section C (process and sign-off), Section D, the readiness page and the
//! exports. Thin: the service authorises and acts, `domain` reads forms.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use minijinja::value::merge_maps;
use minijinja::{Value, context};
use serde::Deserialize;

use super::domain::{self, Problem, SectionA, SectionC, StatementPart, Tips};
use super::exports::{self, Format};
use super::readiness;
use super::service::{self, Report, ReportError, Saved};
use crate::accounts::actor::{Actor, Denied};
use crate::accounts::service::FieldError;
use crate::accounts::session::SignedIn;
use crate::startup::AppState;
use crate::web::routes::Routes;
use crate::web::{AppError, Page, format_datetime};

pub fn router() -> Routes {
    Routes::new()
        .get("/assessments/{id}/report", index)
        .get("/assessments/{id}/report/a", section_a_page)
        .post("/assessments/{id}/report/a", save_section_a)
        .get("/assessments/{id}/report/b/{qs}", statement_page)
        .post("/assessments/{id}/report/b/{qs}", save_statement)
        .get("/assessments/{id}/report/c", section_c_page)
        .post("/assessments/{id}/report/c", save_section_c)
        .post("/assessments/{id}/report/c/endorsements", add_endorsement)
        .post("/assessments/{id}/report/c/endorsements/{endorsement}/remove", remove_endorsement)
        .get("/assessments/{id}/report/d", section_d_page)
        .get("/assessments/{id}/report/readiness", readiness_page)
        .post("/assessments/{id}/report/readiness", save_tips)
        .post("/assessments/{id}/report/exports", start_export)
        .get("/assessments/{id}/report/exports/{export}", export_page)
        .get("/assessments/{id}/report/exports/{export}/download", download_export)
}

pub fn to_app(e: ReportError) -> AppError {
    match e {
        ReportError::Denied(Denied::Forbidden) => AppError::Forbidden,
        ReportError::Denied(Denied::NotFound) => AppError::NotFound,
        ReportError::Db(e) => AppError::Database(e),
        ReportError::Evidence(message) => {
            tracing::error!(%message, "the report could not read the evidence library");
            AppError::Internal
        }
        // Handlers show problems on their forms; one reaching here is a bug.
        ReportError::Invalid(_) => AppError::Internal,
    }
}

fn field_errors(problems: &[Problem]) -> Vec<FieldError> {
    problems.iter().map(|p| FieldError::new(p.field.clone(), p.message.clone())).collect()
}

fn base_of(form: &HashMap<String, String>) -> Option<i64> {
    form.get("base_version").and_then(|v| v.trim().parse().ok())
}

fn updated(updated: &Option<(String, time::OffsetDateTime)>) -> Option<String> {
    updated.as_ref().map(|(name, at)| format!("Last saved {} by {name}", format_datetime(*at)))
}

/// What every Stage 3 page shows around its content.
async fn common(state: &AppState, actor: &Actor, report: &Report) -> Result<Value, AppError> {
    let a = &report.assessment;
    let council = crate::councils::store::by_id(&state.db, a.council_id).await?.ok_or(AppError::NotFound)?;
    Ok(context! {
        assessment => context! { id => a.id.to_string(), title => &a.title },
        council => context! { id => a.council_id.to_string(), name => council.name },
        base => format!("/assessments/{}/report", a.id),
        assessment_base => format!("/assessments/{}", a.id),
        can_lead => actor.can_lead(a.council_id).is_ok(),
        limits => context! {
            statement_words => report.limits.statement_words,
            strengths => report.limits.strengths,
            improvements => report.limits.improvements,
            section_a_pages => report.limits.section_a_pages,
            section_a_words => report.limits.section_a_words(),
        },
        pdf_available => super::render::pdf_available(),
    })
}

fn done_banner(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "saved" => "Your changes are saved.",
        "unchanged" => "Nothing had changed, so nothing was saved.",
        "endorsed" => "The endorsement is recorded.",
        "removed" => "The endorsement is removed.",
        "tips" => "Your self-check is saved.",
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

fn saved_redirect(path: String, saved: Saved) -> Response {
    let done = if saved == Saved::Unchanged { "unchanged" } else { "saved" };
    Redirect::to(&format!("{path}?done={done}")).into_response()
}

/// A save's outcome: the redirect back to `path`, or the problems to show on the form.
fn after_save(
    result: Result<Saved, ReportError>,
    path: String,
) -> Result<Result<Response, Vec<Problem>>, AppError> {
    match result {
        Ok(saved) => Ok(Ok(saved_redirect(path, saved))),
        Err(ReportError::Invalid(problems)) => Ok(Err(problems)),
        Err(e) => Err(to_app(e)),
    }
}

/// The draft and the quality statement in the path, for those who may write its part (others
/// 403; another council's, or a statement not in the framework, 404).
async fn load_for_statement(
    state: &AppState,
    actor: &Actor,
    raw: &str,
    raw_qs: &str,
) -> Result<(Report, crate::framework::QualityStatementId), AppError> {
    let id = crate::web::path_id(raw)?;
    let report = service::load(&state.db, &state.frameworks, actor, id).await.map_err(to_app)?;
    let qs = service::statement_id(&report, raw_qs).map_err(to_app)?;
    actor.can_edit_summary(report.assessment.council_id, qs).map_err(|d| to_app(d.into()))?;
    Ok((report, qs))
}

/// The draft of the assessment in the path, for its assessment leads (others 403; another
/// council's 404).
async fn load_for_lead(state: &AppState, actor: &Actor, raw: &str) -> Result<Report, AppError> {
    let id = crate::web::path_id(raw)?;
    let report = service::load(&state.db, &state.frameworks, actor, id).await.map_err(to_app)?;
    actor.can_lead(report.assessment.council_id).map_err(|d| to_app(d.into()))?;
    Ok(report)
}

// ---------------------------------------------------------------------------------------------
// The document's overview

async fn index(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let inputs =
        service::inputs(&state.db, &state.frameworks, &state.evidence, &actor, id).await.map_err(to_app)?;
    let report = &inputs.report;
    let ready = readiness::check(&inputs);
    let council_id = report.assessment.council_id;
    let statements: Vec<Value> = report
        .statements
        .iter()
        .map(|s| {
            let words = s.part.value.words();
            context! {
                id => s.id.to_string(),
                title => &s.title,
                started => s.part.version > 0,
                words,
                over => words > report.limits.statement_words,
                verified => s.summary.verification == crate::summaries::domain::Verification::Valid,
                can_edit => actor.can_edit_summary(council_id, s.id).is_ok(),
                updated => updated(&s.part.updated),
            }
        })
        .collect();
    let a_missing =
        report.section_a_parts().iter().filter(|(id, _, _)| report.a.value.text(id).is_empty()).count();
    let context = context! {
        statements,
        section_a => context! {
            words => report.a.value.words(),
            missing => a_missing,
            updated => updated(&report.a.updated),
        },
        section_c => context! {
            written => !report.c.value.process.is_empty(),
            endorsements => report.endorsements.len(),
        },
        section_d => context! {
            items => inputs.library.items.iter().filter(|i| i.state != crate::evidence::domain::State::Withdrawn).count(),
        },
        readiness => Value::from(minijinja::value::Serde(&ready)),
        formats => Format::ALL.iter().filter(|f| f.available()).map(|f| context! { id => f.id(), label => f.label() }).collect::<Vec<_>>(),
        banner => done_banner(query.done.as_deref()),
        ..common(&state, &actor, report).await?
    };
    Ok(page.render("report/index.html", context)?.into_response())
}

// ---------------------------------------------------------------------------------------------
// Section A

fn section_a_context(report: &Report, a: &SectionA, base_version: i64) -> Value {
    let parts: Vec<Value> = report
        .section_a_parts()
        .into_iter()
        .map(|(id, title, guidance)| {
            context! {
                id,
                title => super::compose::clean_title(title),
                guidance,
                value => a.text(id),
                words => domain::word_count(a.text(id)),
            }
        })
        .collect();
    context! {
        parts,
        words => a.words(),
        base_version,
        guidance => report.section("A").map(|s| s.guidance.clone()),
        updated => updated(&report.a.updated),
    }
}

async fn section_a_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let report = load_for_lead(&state, &actor, &raw).await?;
    let context = merge_maps([
        context! { banner => done_banner(query.done.as_deref()) },
        section_a_context(&report, &report.a.value, report.a.version),
        common(&state, &actor, &report).await?,
    ]);
    Ok(page.render("report/section_a.html", context)?.into_response())
}

async fn save_section_a(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let report = load_for_lead(&state, &actor, &raw).await?;
    let id = report.assessment.id;
    let ids: Vec<&str> = report.section_a_parts().iter().map(|(id, _, _)| *id).collect();
    // The service checks what the form reading checks, and more.
    let (a, _) = SectionA::from_form(&form, &ids);
    let base = base_of(&form);
    let saved = service::save_section_a(&state.db, &report, &actor, &a, base).await;
    let problems = match after_save(saved, format!("/assessments/{id}/report/a"))? {
        Ok(redirect) => return Ok(redirect),
        Err(problems) => problems,
    };
    let base =
        if problems.iter().any(|p| p.field == "base_version") { report.a.version } else { base.unwrap_or(0) };
    let context = merge_maps([section_a_context(&report, &a, base), common(&state, &actor, &report).await?]);
    page.render_invalid("report/section_a.html", &field_errors(&problems), context)
}

// ---------------------------------------------------------------------------------------------
// Section B: one quality statement

#[derive(Deserialize, Default)]
struct StatementQuery {
    done: Option<String>,
}

async fn statement_context(
    state: &AppState,
    actor: &Actor,
    report: &Report,
    qs: crate::framework::QualityStatementId,
    part: &StatementPart,
    base_version: i64,
    restarted: bool,
) -> Result<Value, AppError> {
    let entry = report.statement(qs).ok_or(AppError::NotFound)?;
    let fields = part.form_fields(&report.limits);
    let list = |prefix: &str, most: usize| -> Vec<Value> {
        (1..=part_len(part, prefix).max(most))
            .map(|n| {
                let id = format!("{prefix}-{n}");
                context! { id => &id, n, value => fields.get(&id).cloned().unwrap_or_default() }
            })
            .collect()
    };
    let guidance: Vec<Value> = report
        .section("B")
        .map(|s| s.parts.iter().map(|p| context! { title => &p.title, guidance => &p.guidance }).collect())
        .unwrap_or_default();
    // The saved text: what the document would carry.
    let findings: Vec<Value> = entry
        .part
        .value
        .texts()
        .flat_map(crate::evidence::pii::scan)
        .map(|f| context! { label => f.kind.label() })
        .collect();
    Ok(context! {
        statement => context! { id => qs.to_string(), title => &entry.title },
        form => context! {
            introduction => &part.introduction,
            performance => &part.performance,
            priorities => &part.priorities,
            strengths => list("strengths", report.limits.strengths),
            improvements => list("improvements", report.limits.improvements),
        },
        started_from => part.started_from.as_ref().map(|s| s.version),
        words => part.words(),
        base_version,
        saved => entry.part.version > 0,
        restarted,
        verified => entry.verified_from().is_some(),
        verification => format!("{:?}", entry.summary.verification).to_lowercase(),
        moved_on => entry.summary_moved_on(),
        guidance,
        findings,
        summary_href => format!("/assessments/{}/summaries/{qs}", report.assessment.id),
        updated => updated(&entry.part.updated),
        ..common(state, actor, report).await?
    })
}

fn part_len(part: &StatementPart, prefix: &str) -> usize {
    if prefix == "strengths" { part.strengths.len() } else { part.improvements.len() }
}

async fn statement_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_qs)): Path<(String, String)>,
    Query(query): Query<StatementQuery>,
) -> Result<Response, AppError> {
    let (report, qs) = load_for_statement(&state, &actor, &raw, &raw_qs).await?;
    let entry = report.statement(qs).ok_or(AppError::NotFound)?;
    let part = entry.starting_point(&report.limits);
    let context = context! {
        banner => done_banner(query.done.as_deref()),
        ..statement_context(&state, &actor, &report, qs, &part, entry.part.version, false).await?
    };
    Ok(page.render("report/statement.html", context)?.into_response())
}

/// Saves the part, or (the "Start again from the Stage 2 summary" button) shows the form
/// filled from the verified summary, unsaved.
async fn save_statement(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_qs)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let (report, qs) = load_for_statement(&state, &actor, &raw, &raw_qs).await?;
    let id = report.assessment.id;
    let entry = report.statement(qs).ok_or(AppError::NotFound)?;
    let base = base_of(&form);
    if form.contains_key("restart") {
        let part = entry.from_verified_summary(&report.limits);
        let context =
            statement_context(&state, &actor, &report, qs, &part, base.unwrap_or(entry.part.version), true)
                .await?;
        return Ok(page.render("report/statement.html", context)?.into_response());
    }
    // Which Stage 2 version the part rests on is carried by the form, not typed.
    let started_from = match form.get("started_from").and_then(|v| v.parse::<i64>().ok()) {
        Some(v) if entry.verified_from().is_some_and(|f| f.version == v) => entry.verified_from(),
        Some(v) if entry.part.value.started_from.as_ref().is_some_and(|f| f.version == v) => {
            entry.part.value.started_from.clone()
        }
        _ => None,
    };
    let (part, _) = StatementPart::from_form(&form, started_from, &report.limits);
    let saved = service::save_statement(&state.db, &report, &actor, qs, &part, base).await;
    let problems = match after_save(saved, format!("/assessments/{id}/report/b/{qs}"))? {
        Ok(redirect) => return Ok(redirect),
        Err(problems) => problems,
    };
    let base = if problems.iter().any(|p| p.field == "base_version") {
        entry.part.version
    } else {
        base.unwrap_or(0)
    };
    let context = statement_context(&state, &actor, &report, qs, &part, base, false).await?;
    page.render_invalid("report/statement.html", &field_errors(&problems), context)
}

// ---------------------------------------------------------------------------------------------
// Section C

async fn section_c_context(
    state: &AppState,
    actor: &Actor,
    report: &Report,
    process: &str,
    base_version: i64,
    endorsement: &HashMap<String, String>,
) -> Result<Value, AppError> {
    let loaded =
        crate::analysis::service::load(&state.db, &state.frameworks, actor, report.assessment.id, None)
            .await
            .map_err(|e| to_app(crate::summaries::service::SummaryError::from(e).into()))?;
    let e = &loaded.analysis.engagement;
    let k = loaded.analysis.thresholds.min_group_size;
    let count = |suppressed: bool, n: Option<u64>| -> String {
        if suppressed { crate::analysis::charts::withheld_text(k) } else { n.unwrap_or(0).to_string() }
    };
    let endorsements: Vec<Value> = report
        .endorsements
        .iter()
        .map(|e| {
            context! {
                id => e.id.to_string(),
                role => report.role_title(&e.role),
                name => &e.name,
                comment => &e.comment,
                date => crate::web::format_date(e.endorsed_on.midnight().assume_utc()),
            }
        })
        .collect();
    let roles: Vec<Value> = report
        .sign_off_roles()
        .into_iter()
        .map(|(id, title)| context! { value => id, text => title, selected => endorsement.get("role").is_some_and(|r| r == id) })
        .collect();
    Ok(context! {
        process,
        base_version,
        guidance => report.section("C").map(|s| s.guidance.clone()),
        updated => updated(&report.c.updated),
        figures => context! {
            total => count(e.suppressed, e.responses),
            by_group => e.by_group.iter().map(|s| context! { label => &s.label, responses => count(s.suppressed, s.responses) }).collect::<Vec<_>>(),
            by_mode => e.by_mode.iter().map(|s| context! { label => &s.label, responses => count(s.suppressed, s.responses) }).collect::<Vec<_>>(),
            workshops => e.workshops,
            participants => e.workshop_participants,
            k,
        },
        endorsements,
        roles,
        endorsement => endorsement,
        ..common(state, actor, report).await?
    })
}

async fn section_c_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let report = load_for_lead(&state, &actor, &raw).await?;
    let context = context! {
        banner => done_banner(query.done.as_deref()),
        ..section_c_context(&state, &actor, &report, &report.c.value.process, report.c.version, &HashMap::new()).await?
    };
    Ok(page.render("report/section_c.html", context)?.into_response())
}

async fn save_section_c(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let report = load_for_lead(&state, &actor, &raw).await?;
    let id = report.assessment.id;
    let (c, _) = SectionC::from_form(&form);
    let base = base_of(&form);
    let saved = service::save_section_c(&state.db, &report, &actor, &c, base).await;
    let problems = match after_save(saved, format!("/assessments/{id}/report/c"))? {
        Ok(redirect) => return Ok(redirect),
        Err(problems) => problems,
    };
    let base =
        if problems.iter().any(|p| p.field == "base_version") { report.c.version } else { base.unwrap_or(0) };
    let context = section_c_context(&state, &actor, &report, &c.process, base, &HashMap::new()).await?;
    page.render_invalid("report/section_c.html", &field_errors(&problems), context)
}

async fn add_endorsement(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let report = load_for_lead(&state, &actor, &raw).await?;
    let id = report.assessment.id;
    let roles: Vec<&str> = report.sign_off_roles().iter().map(|(id, _)| *id).collect();
    let today = time::OffsetDateTime::now_utc().date();
    let (endorsement, problems) = domain::read_endorsement(&form, &roles, today);
    let problems = if problems.is_empty() {
        match service::add_endorsement(&state.db, &report, &actor, &endorsement).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!("/assessments/{id}/report/c?done=endorsed#endorsements"))
                    .into_response());
            }
            Err(ReportError::Invalid(problems)) => problems,
            Err(e) => return Err(to_app(e)),
        }
    } else {
        problems
    };
    let context =
        section_c_context(&state, &actor, &report, &report.c.value.process, report.c.version, &form).await?;
    page.render_invalid("report/section_c.html", &field_errors(&problems), context)
}

async fn remove_endorsement(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path((raw, raw_endorsement)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let endorsement = crate::web::path_id(&raw_endorsement)?;
    let report = service::load(&state.db, &state.frameworks, &actor, id).await.map_err(to_app)?;
    service::remove_endorsement(&state.db, &report, &actor, endorsement).await.map_err(to_app)?;
    Ok(Redirect::to(&format!("/assessments/{id}/report/c?done=removed#endorsements")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Section D

async fn section_d_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let inputs =
        service::inputs(&state.db, &state.frameworks, &state.evidence, &actor, id).await.map_err(to_app)?;
    let rows = crate::evidence::export::rows(&inputs.library);
    let mut themes: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    for row in rows {
        let cells = vec![row[1].clone(), row[3].clone(), row[4].clone(), row[5].clone(), row[6].clone()];
        match themes.iter_mut().find(|(t, _)| *t == row[0]) {
            Some((_, rows)) => rows.push(cells),
            None => themes.push((row[0].clone(), vec![cells])),
        }
    }
    let themes: Vec<Value> = themes.into_iter().map(|(title, rows)| context! { title, rows }).collect();
    let context = context! {
        themes,
        guidance => inputs.report.section("D").map(|s| s.guidance.clone()),
        evidence_base => format!("/assessments/{id}/evidence"),
        ..common(&state, &actor, &inputs.report).await?
    };
    Ok(page.render("report/section_d.html", context)?.into_response())
}

// ---------------------------------------------------------------------------------------------
// Readiness

async fn readiness_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let inputs =
        service::inputs(&state.db, &state.frameworks, &state.evidence, &actor, id).await.map_err(to_app)?;
    let ready = readiness::check(&inputs);
    let report = &inputs.report;
    let tips: Vec<Value> = report
        .framework
        .top_tips
        .iter()
        .enumerate()
        .map(|(i, tip)| {
            context! { value => format!("tip-{}", i + 1), text => tip, checked => report.tips.value.checked.contains(tip) }
        })
        .collect();
    let context = context! {
        readiness => Value::from(minijinja::value::Serde(&ready)),
        tips,
        tips_checked => report.tips.value.checked.len(),
        tips_updated => updated(&report.tips.updated),
        banner => done_banner(query.done.as_deref()),
        ..common(&state, &actor, report).await?
    };
    Ok(page.render("report/readiness.html", context)?.into_response())
}

async fn save_tips(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let report = service::load(&state.db, &state.frameworks, &actor, id).await.map_err(to_app)?;
    // Checkboxes share the name `tips`; each value is `tip-N`.
    let ticked: HashMap<String, String> =
        form.into_iter().filter(|(k, _)| k == "tips").map(|(_, v)| (v, "yes".to_owned())).collect();
    let tips = Tips::from_form(&ticked, &report.framework.top_tips);
    service::save_tips(&state.db, &report, &actor, &tips).await.map_err(to_app)?;
    Ok(Redirect::to(&format!("/assessments/{id}/report/readiness?done=tips#tips")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Exports

async fn start_export(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    crate::engagement::service::readable_assessment(&state.db, &actor, id)
        .await
        .map_err(|_| AppError::NotFound)?;
    let format = form.get("format").and_then(|f| Format::parse(f)).filter(|f| f.available());
    let Some(format) = format else {
        return Ok(Redirect::to(&format!("/assessments/{id}/report#export")).into_response());
    };
    let export = exports::start(&state, &actor, id, format).await?;
    // Quick exports go straight to the file; a slow one shows its progress page.
    match export.wait(state.limits.export_wait).await {
        Some(Ok(_)) => {
            Ok(Redirect::to(&format!("/assessments/{id}/report/exports/{}/download", export.id))
                .into_response())
        }
        _ => Ok(Redirect::to(&format!("/assessments/{id}/report/exports/{}", export.id)).into_response()),
    }
}

async fn export_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_export)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let export = exports::find(&state, &actor, id, &raw_export).await?;
    let report = service::load(&state.db, &state.frameworks, &actor, id).await.map_err(to_app)?;
    let outcome = export.outcome();
    let context = context! {
        export => context! {
            id => export.id.to_string(),
            label => export.format.label(),
            running => outcome.is_none(),
            failed => outcome.as_ref().is_some_and(Result::is_err),
            size => outcome.as_ref().and_then(|o| o.as_ref().ok()).map(|b| crate::web::error::size_text(b.len())),
            elapsed => format!("{} seconds", export.started.elapsed().as_secs()),
        },
        current_path => format!("/assessments/{id}/report/exports/{}", export.id),
        ..common(&state, &actor, &report).await?
    };
    Ok(page.render("report/export.html", context)?.into_response())
}

async fn download_export(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path((raw, raw_export)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let export = exports::find(&state, &actor, id, &raw_export).await?;
    match export.outcome() {
        Some(Ok(bytes)) => Ok(exports::attachment(export.format, &export.file_name, bytes)),
        _ => Ok(Redirect::to(&format!("/assessments/{id}/report/exports/{}", export.id)).into_response()),
    }
}
