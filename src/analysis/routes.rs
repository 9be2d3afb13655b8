//! The analysis pages: the dashboard, a page per quality statement, the thresholds (leads),
//! and the exports. Thin: the service loads and authorises, `view` shapes, `export` writes.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use minijinja::{Value, context};
use std::collections::HashMap;
use uuid::Uuid;

use super::api::{AnalysisQuery, round_filter};
use super::export::{self, ExportInfo};
use super::findings::Thresholds;
use super::service::{self, Loaded};
use super::view;
use crate::accounts::actor::Actor;
use crate::accounts::service::FieldError;
use crate::accounts::session::SignedIn;
use crate::engagement::service::EngagementError;
use crate::framework::QualityStatementId;
use crate::spreadsheets::cells::safe_file_name;
use crate::startup::AppState;
use crate::web::routes::Routes;
use crate::web::{AppError, Page};

pub fn router() -> Routes {
    Routes::new()
        .get("/assessments/{id}/analysis", dashboard)
        .get("/assessments/{id}/analysis.csv", export_csv)
        .get("/assessments/{id}/analysis.xlsx", export_xlsx)
        .get("/assessments/{id}/analysis/settings", settings_page)
        .post("/assessments/{id}/analysis/settings", save_settings)
        .get("/assessments/{id}/analysis/{qs}", statement_page)
}

fn to_app(e: EngagementError) -> AppError {
    match e {
        EngagementError::Denied(crate::accounts::actor::Denied::Forbidden) => AppError::Forbidden,
        EngagementError::Db(e) => AppError::Database(e),
        _ => AppError::NotFound,
    }
}

/// The analysis of the assessment in the path, for all rounds or the one in `?round=`.
async fn load(state: &AppState, actor: &Actor, raw: &str, query: &AnalysisQuery) -> Result<Loaded, AppError> {
    let id = crate::web::path_id(raw)?;
    let round = round_filter(query.round.as_deref()).map_err(to_app)?;
    service::load(&state.db, &state.frameworks, actor, id, round).await.map_err(to_app)
}

async fn council_name(state: &AppState, council_id: Uuid) -> Result<String, AppError> {
    Ok(crate::councils::store::by_id(&state.db, council_id).await?.ok_or(AppError::NotFound)?.name)
}

/// What every analysis page shows around its figures: the assessment, its council, the round
/// filter and the links that keep it.
async fn common(state: &AppState, actor: &Actor, loaded: &Loaded) -> Result<Value, AppError> {
    let a = &loaded.assessment;
    let round = loaded.analysis.round;
    let round_query = round.map(|r| format!("?round={r}")).unwrap_or_default();
    let round_items: Vec<Value> =
        std::iter::once(context! { value => "", text => "All rounds", selected => round.is_none() })
            .chain(loaded.rounds.iter().map(
                |r| context! { value => r.id.to_string(), text => &r.title, selected => Some(r.id) == round },
            ))
            .collect();
    let round_title = round.and_then(|id| loaded.rounds.iter().find(|r| r.id == id)).map(|r| r.title.clone());
    let statements: Vec<Value> = loaded
        .framework
        .quality_statements()
        .map(|qs| context! { id => qs.id.to_string(), title => &qs.title })
        .collect();
    Ok(context! {
        assessment => context! { id => a.id.to_string(), title => &a.title },
        council => context! { id => a.council_id.to_string(), name => council_name(state, a.council_id).await? },
        base => format!("/assessments/{}/analysis", a.id),
        round_query,
        round_items,
        round_title,
        has_rounds => !loaded.rounds.is_empty(),
        statements,
        is_lead => actor.can_lead(a.council_id).is_ok(),
        k => loaded.analysis.thresholds.min_group_size,
    })
}

async fn dashboard(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Query(query): Query<AnalysisQuery>,
) -> Result<Response, AppError> {
    let loaded = load(&state, &actor, &raw, &query).await?;
    let view = view::dashboard(&loaded.analysis);
    let context = context! {
        view => Value::from(minijinja::value::Serde(&view)),
        heat_map => Value::from_safe_string(view.heat_map.clone()),
        ..common(&state, &actor, &loaded).await?
    };
    Ok(page.render("analysis/dashboard.html", context)?.into_response())
}

async fn statement_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path((raw, raw_qs)): Path<(String, String)>,
    Query(query): Query<AnalysisQuery>,
) -> Result<Response, AppError> {
    let statement: QualityStatementId = raw_qs.parse().map_err(|_| AppError::NotFound)?;
    let loaded = load(&state, &actor, &raw, &query).await?;
    let id = statement.to_string();
    let qs = loaded.analysis.quality_statements.iter().find(|q| q.id == id).ok_or(AppError::NotFound)?;
    // Free text is read only when the statement's figures may be shown.
    let text = if qs.figures.suppressed {
        None
    } else {
        Some(service::statement_text(&state.db, &loaded, statement).await.map_err(to_app)?)
    };
    let view = view::statement(&loaded.analysis, qs, text);
    let context = context! {
        view => Value::from(minijinja::value::Serde(&view)),
        diverging => Value::from_safe_string(view.diverging.clone()),
        group_chart => Value::from_safe_string(view.group_chart.clone()),
        ..common(&state, &actor, &loaded).await?
    };
    Ok(page.render("analysis/statement.html", context)?.into_response())
}

/// The settings form's fields, with what was typed (or the value in force).
fn settings_fields(thresholds: &Thresholds, typed: Option<&HashMap<String, String>>) -> Vec<Value> {
    view::thresholds(thresholds)
        .into_iter()
        .map(|row| {
            let value = typed.and_then(|t| t.get(row.name).cloned()).unwrap_or_else(|| row.value.to_string());
            context! {
                name => row.name, label => row.label, hint => row.hint, suffix => row.suffix,
                value, default => row.default,
            }
        })
        .collect()
}

async fn settings_context(
    state: &AppState,
    assessment: &crate::engagement::store::AssessmentRow,
    fields: Vec<Value>,
) -> Result<Value, AppError> {
    Ok(context! {
        assessment => context! { id => assessment.id.to_string(), title => &assessment.title },
        council => context! { id => assessment.council_id.to_string(), name => council_name(state, assessment.council_id).await? },
        base => format!("/assessments/{}/analysis", assessment.id),
        fields,
    })
}

async fn settings_page(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    let (assessment, thresholds) =
        service::thresholds_for_lead(&state.db, &actor, id).await.map_err(to_app)?;
    let context = settings_context(&state, &assessment, settings_fields(&thresholds, None)).await?;
    Ok(page.render("analysis/settings.html", context)?.into_response())
}

/// How each threshold is named in an error message.
fn short_name(field: &str) -> &'static str {
    match field {
        "min_group_size" => "the smallest group shown",
        "strength_agree_percent" => "the strength threshold",
        "improvement_agree_percent" => "the improvement threshold",
        "differing_gap_points" => "the gap between groups",
        "differing_consensus_percent" => "the consensus threshold",
        "dont_know_percent" => "the \u{201c}Don't know\u{201d} threshold",
        _ => "the evidence threshold",
    }
}

/// Reads the form: whole numbers (a trailing % is allowed), each problem named by field.
pub fn parse_thresholds(form: &HashMap<String, String>) -> Result<Thresholds, Vec<FieldError>> {
    let mut thresholds = Thresholds::default();
    let mut errors = Vec::new();
    for (name, ..) in view::THRESHOLD_FIELDS {
        let raw = form.get(name).map(|v| v.trim().trim_end_matches('%').trim()).unwrap_or_default();
        let short = short_name(name);
        if raw.is_empty() {
            errors.push(FieldError::new(name, format!("Enter {short}")));
            continue;
        }
        if !raw.chars().all(|c| c.is_ascii_digit()) {
            let mut message = format!(
                "{short} must be a whole number, like {}",
                view::threshold_value(&Thresholds::default(), name)
            );
            message[..1].make_ascii_uppercase();
            errors.push(FieldError::new(name, message));
            continue;
        }
        // Digits only: too long to be a u32 is simply too big.
        view::set_threshold(&mut thresholds, name, raw.parse::<u32>().unwrap_or(u32::MAX));
    }
    // Every problem at once: those of the numbers that were read, beside those that were not
    // (a comparison with a field that was not read is left out: it compared with a default).
    let unread: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
    let comparison_unsure = unread.iter().any(|f| f == "strength_agree_percent");
    for (field, message) in thresholds.problems() {
        let unsure = comparison_unsure && message.contains("above the strength threshold");
        let read = !unread.iter().any(|f| f == field);
        if read && !unsure {
            errors.push(FieldError::new(field, message));
        }
    }
    if errors.is_empty() {
        return Ok(thresholds);
    }
    // In the order of the form.
    let position = |field: &str| view::THRESHOLD_FIELDS.iter().position(|(name, ..)| *name == field);
    errors.sort_by_key(|e| position(&e.field));
    Err(errors)
}

async fn save_settings(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    page: Page,
    Path(raw): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let id = crate::web::path_id(&raw)?;
    // Who may, before what they sent: another council's id is 404, another role 403.
    let (assessment, current) = service::thresholds_for_lead(&state.db, &actor, id).await.map_err(to_app)?;
    let errors = match parse_thresholds(&form) {
        Ok(thresholds) => match service::save_thresholds(&state.db, &actor, id, thresholds).await {
            Ok(()) => return Ok(Redirect::to(&format!("/assessments/{id}/analysis")).into_response()),
            Err(EngagementError::Invalid(problems)) => {
                problems.into_iter().map(|p| FieldError::new(p.field, p.message)).collect()
            }
            Err(e) => return Err(to_app(e)),
        },
        Err(errors) => errors,
    };
    let context = settings_context(&state, &assessment, settings_fields(&current, Some(&form))).await?;
    page.render_invalid("analysis/settings.html", &errors, context)
}

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const CSV_TYPE: &str = "text/csv; charset=utf-8";

fn download(content_type: &'static str, file_name: &str, bytes: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn file_stem(loaded: &Loaded) -> String {
    let round = loaded.analysis.round.and_then(|id| loaded.rounds.iter().find(|r| r.id == id));
    match round {
        Some(r) => format!("analysis {} {}", loaded.assessment.title, r.title),
        None => format!("analysis {}", loaded.assessment.title),
    }
}

async fn export_csv(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(raw): Path<String>,
    Query(query): Query<AnalysisQuery>,
) -> Result<Response, AppError> {
    let loaded = load(&state, &actor, &raw, &query).await?;
    let bytes = export::csv(&loaded.analysis).map_err(|e| {
        tracing::error!(error = %e, "cannot write the analysis CSV");
        AppError::Internal
    })?;
    Ok(download(CSV_TYPE, &safe_file_name(&file_stem(&loaded), "csv"), bytes))
}

async fn export_xlsx(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    Path(raw): Path<String>,
    Query(query): Query<AnalysisQuery>,
) -> Result<Response, AppError> {
    let loaded = load(&state, &actor, &raw, &query).await?;
    let council = council_name(&state, loaded.assessment.council_id).await?;
    let round = loaded
        .analysis
        .round
        .and_then(|id| loaded.rounds.iter().find(|r| r.id == id))
        .map(|r| r.title.clone())
        .unwrap_or_else(|| "All rounds".to_owned());
    let info = ExportInfo { council: &council, assessment: &loaded.assessment.title, round: &round };
    let bytes = export::xlsx(&loaded.analysis, &info).map_err(|e| {
        tracing::error!(error = %e, "cannot write the analysis workbook");
        AppError::Internal
    })?;
    Ok(download(XLSX_TYPE, &safe_file_name(&file_stem(&loaded), "xlsx"), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let mut form: HashMap<String, String> = view::THRESHOLD_FIELDS
            .iter()
            .map(|(name, ..)| {
                (name.to_string(), view::threshold_value(&Thresholds::default(), name).to_string())
            })
            .collect();
        for (k, v) in pairs {
            form.insert(k.to_string(), v.to_string());
        }
        form
    }

    fn fields(result: Result<Thresholds, Vec<FieldError>>) -> Vec<(String, String)> {
        result.err().unwrap_or_default().into_iter().map(|e| (e.field, e.message)).collect()
    }

    #[test]
    fn the_defaults_parse_and_a_percent_sign_is_allowed() {
        assert_eq!(parse_thresholds(&form(&[])), Ok(Thresholds::default()));
        let t = parse_thresholds(&form(&[("strength_agree_percent", " 80% ")])).expect("ok");
        assert_eq!(t.strength_agree_percent, 80);
    }

    #[test]
    fn each_problem_is_named() {
        let e = fields(parse_thresholds(&form(&[("min_group_size", "2")])));
        assert_eq!(e[0].0, "min_group_size");
        assert!(e[0].1.contains("3 or more"), "{e:?}");
        let e = fields(parse_thresholds(&form(&[("dont_know_percent", "101")])));
        assert_eq!(e, [("dont_know_percent".to_owned(), "Enter a number from 0 to 100".to_owned())]);
        let e = fields(parse_thresholds(&form(&[("improvement_agree_percent", "80")])));
        assert_eq!(e[0].0, "improvement_agree_percent");
        let e = fields(parse_thresholds(&form(&[("evidence_percent", "ten"), ("differing_gap_points", "")])));
        assert_eq!(
            e,
            [
                ("differing_gap_points".to_owned(), "Enter the gap between groups".to_owned()),
                (
                    "evidence_percent".to_owned(),
                    "The evidence threshold must be a whole number, like 25".to_owned()
                ),
            ]
        );
        // Every problem at once, in the order of the form; no comparison with an unread number.
        let e = fields(parse_thresholds(&form(&[
            ("strength_agree_percent", "lots"),
            ("min_group_size", "2"),
            ("improvement_agree_percent", "90"),
        ])));
        let named: Vec<&str> = e.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(named, ["min_group_size", "strength_agree_percent"], "{e:?}");
        let e = fields(parse_thresholds(&form(&[
            ("evidence_percent", "x"),
            ("improvement_agree_percent", "90"),
        ])));
        let named: Vec<&str> = e.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(named, ["improvement_agree_percent", "evidence_percent"], "{e:?}");
        let e = fields(parse_thresholds(&form(&[("strength_agree_percent", "99999999999")])));
        assert_eq!(e[0].0, "strength_agree_percent");
        assert_eq!(fields(parse_thresholds(&form(&[("min_group_size", "-4")])))[0].0, "min_group_size");
    }
}
