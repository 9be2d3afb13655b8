//! The evidence library's rules, with no I/O: document types and states, what an item must
//! hold, when an item is out of date, and the Information Return coverage.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::engagement::domain::Problem;
use crate::framework::{Framework, IrCode, QualityStatementId};

/// The toolkit's document types (Section D's "Document type" column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    PolicyAndProcedures,
    PerformanceReport,
    StrategyAndPlans,
    AnnualReport,
    BespokeReport,
    PublicReport,
    LeafletsAndWebpages,
    EqualityImpactAssessment,
    JointPlans,
    Other,
}

impl DocumentType {
    pub const ALL: [DocumentType; 10] = [
        DocumentType::PolicyAndProcedures,
        DocumentType::PerformanceReport,
        DocumentType::StrategyAndPlans,
        DocumentType::AnnualReport,
        DocumentType::BespokeReport,
        DocumentType::PublicReport,
        DocumentType::LeafletsAndWebpages,
        DocumentType::EqualityImpactAssessment,
        DocumentType::JointPlans,
        DocumentType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentType::PolicyAndProcedures => "policy_and_procedures",
            DocumentType::PerformanceReport => "performance_report",
            DocumentType::StrategyAndPlans => "strategy_and_plans",
            DocumentType::AnnualReport => "annual_report",
            DocumentType::BespokeReport => "bespoke_report",
            DocumentType::PublicReport => "public_report",
            DocumentType::LeafletsAndWebpages => "leaflets_and_webpages",
            DocumentType::EqualityImpactAssessment => "equality_impact_assessment",
            DocumentType::JointPlans => "joint_plans",
            DocumentType::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DocumentType::PolicyAndProcedures => "Policy and procedures",
            DocumentType::PerformanceReport => "Performance report",
            DocumentType::StrategyAndPlans => "Strategy and plans",
            DocumentType::AnnualReport => "Annual report",
            DocumentType::BespokeReport => "Bespoke report",
            DocumentType::PublicReport => "Public report",
            DocumentType::LeafletsAndWebpages => "Leaflets and webpages",
            DocumentType::EqualityImpactAssessment => "Equality impact assessment",
            DocumentType::JointPlans => "Joint plans",
            DocumentType::Other => "Other",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentType> {
        DocumentType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    Ready,
    NeedsRedaction,
    Withdrawn,
}

impl State {
    pub const ALL: [State; 4] = [State::Draft, State::Ready, State::NeedsRedaction, State::Withdrawn];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Ready => "ready",
            State::NeedsRedaction => "needs_redaction",
            State::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "Draft",
            State::Ready => "Ready",
            State::NeedsRedaction => "Needs redaction",
            State::Withdrawn => "Withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// What an item's form or JSON gives, as text.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RawItem {
    pub title: String,
    pub description: String,
    pub document_type: String,
    pub link: String,
    pub pointer: String,
    pub owner: String,
    pub effective_from: String,
    pub effective_to: String,
    pub ir_items: Vec<String>,
    pub quality_statements: Vec<String>,
}

/// A checked item (without its file).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemFields {
    pub title: String,
    pub description: String,
    pub document_type: DocumentType,
    pub link: Option<String>,
    pub pointer: String,
    pub owner: String,
    pub effective_from: Option<Date>,
    pub effective_to: Option<Date>,
    pub ir_items: Vec<IrCode>,
    pub quality_statements: Vec<QualityStatementId>,
}

pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 2_000;
pub const MAX_SHORT: usize = 200;
pub const MAX_LINK: usize = 2_000;

fn problem(field: &str, message: impl Into<String>) -> Problem {
    Problem { field: field.to_owned(), message: message.into() }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A date from a form or JSON: `YYYY-MM-DD`; empty is none.
pub fn parse_date(field: &str, value: &str, problems: &mut Vec<Problem>) -> Option<Date> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(value, &format) {
        Ok(date) => Some(date),
        Err(_) => {
            problems.push(problem(field, "Enter a real date as YYYY-MM-DD, like 2025-04-01"));
            None
        }
    }
}

/// A link people can follow: `https://` or `http://` with a host.
pub fn check_link(value: &str) -> Result<Option<String>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > MAX_LINK {
        return Err(format!("The link must be {MAX_LINK} characters or fewer"));
    }
    match url::Url::parse(value) {
        Ok(url)
            if matches!(url.scheme(), "https" | "http") && url.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            Ok(Some(url.to_string()))
        }
        _ => {
            Err("Enter a link that starts with https://, like https://www.example.gov.uk/carers-strategy"
                .into())
        }
    }
}

/// Checks an item. `has_file` says whether it has (or is getting) a file: an item needs a link
/// or a file.
pub fn check_item(raw: &RawItem, framework: &Framework, has_file: bool) -> Result<ItemFields, Vec<Problem>> {
    let mut problems = Vec::new();
    let title = one_line(&raw.title);
    if title.is_empty() {
        problems.push(problem("title", "Enter a title, such as Carers strategy 2024 to 2027"));
    } else if title.chars().count() > MAX_TITLE {
        problems.push(problem("title", format!("The title must be {MAX_TITLE} characters or fewer")));
    }
    let description = raw.description.trim().replace("\r\n", "\n");
    if description.chars().count() > MAX_DESCRIPTION {
        problems.push(problem(
            "description",
            format!("The description must be {MAX_DESCRIPTION} characters or fewer"),
        ));
    }
    let document_type = DocumentType::parse(raw.document_type.trim());
    if document_type.is_none() {
        problems.push(problem("document_type", "Choose the type of document"));
    }
    let link = match check_link(&raw.link) {
        Ok(link) => link,
        Err(message) => {
            problems.push(problem("link", message));
            None
        }
    };
    if raw.link.trim().is_empty() && !has_file {
        problems.push(problem("link", "Give a link to the document, or upload the file"));
    }
    let pointer = one_line(&raw.pointer);
    if pointer.chars().count() > MAX_SHORT {
        problems.push(problem(
            "pointer",
            format!("Where in the document must be {MAX_SHORT} characters or fewer"),
        ));
    }
    let owner = one_line(&raw.owner);
    if owner.chars().count() > MAX_SHORT {
        problems.push(problem("owner", format!("The owner must be {MAX_SHORT} characters or fewer")));
    }
    let effective_from = parse_date("effective_from", &raw.effective_from, &mut problems);
    let effective_to = parse_date("effective_to", &raw.effective_to, &mut problems);
    if effective_to.is_some() && effective_from.is_none() && raw.effective_from.trim().is_empty() {
        problems.push(problem("effective_from", "Enter the start of the period the document covers"));
    }
    if let (Some(from), Some(to)) = (effective_from, effective_to)
        && to < from
    {
        problems.push(problem("effective_to", "The end of the period must be after its start"));
    }
    let mut ir_items = BTreeSet::new();
    for code in &raw.ir_items {
        let code = code.trim();
        match code.parse::<IrCode>() {
            Ok(ir) if framework.information_return_items.iter().any(|i| i.code == ir) => {
                ir_items.insert(ir);
            }
            _ => problems.push(problem(
                "ir_items",
                format!("{code:?} is not an Information Return item of this framework"),
            )),
        }
    }
    let mut statements = BTreeSet::new();
    for id in &raw.quality_statements {
        let id = id.trim();
        match id.parse::<QualityStatementId>() {
            Ok(qs) if framework.quality_statement(qs).is_some() => {
                statements.insert(qs);
            }
            _ => problems.push(problem(
                "quality_statements",
                format!("{id:?} is not a quality statement of this framework"),
            )),
        }
    }
    match (problems.is_empty(), document_type) {
        (true, Some(document_type)) => Ok(ItemFields {
            title,
            description,
            document_type,
            link,
            pointer,
            owner,
            effective_from,
            effective_to,
            ir_items: ir_items.into_iter().collect(),
            quality_statements: statements.into_iter().collect(),
        }),
        _ => Err(problems),
    }
}

/// The quality statements an item supports: those named, and those of its IR items.
pub fn statements_of(
    framework: &Framework,
    ir_items: &[IrCode],
    named: &[QualityStatementId],
) -> Vec<QualityStatementId> {
    let mut all: BTreeSet<QualityStatementId> = named.iter().copied().collect();
    for code in ir_items {
        if let Some(item) = framework.information_return_items.iter().find(|i| i.code == *code) {
            all.extend(item.quality_statements.iter().copied());
        }
    }
    all.into_iter().collect()
}

/// How many months old an item may be, by default (the toolkit: "data should, generally,
/// cover the last 12 months").
pub const DEFAULT_CURRENCY_MONTHS: u32 = 12;
pub const MAX_CURRENCY_MONTHS: u32 = 120;

/// The date currency is judged from: the assessment's period end, or today while the period
/// has not ended.
pub fn reference_date(period_end: Date, today: Date) -> Date {
    period_end.min(today)
}

/// `date` minus `months` calendar months (the day kept, or the month's last day).
pub fn months_before(date: Date, months: u32) -> Date {
    let total = date.year() * 12 + (date.month() as i32 - 1) - months as i32;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = time::Month::try_from(month0 as u8 + 1).unwrap_or(time::Month::January);
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, date.day().min(last)).unwrap_or(date)
}

/// Whether an item is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Currency {
    Current,
    /// Its date is more than the allowed months before the reference date.
    OutOfDate,
    /// It has no effective date.
    Undated,
}

/// An item's currency: its date (the end of the period it covers, or its one date) against
/// the reference date less `months`.
pub fn currency(from: Option<Date>, to: Option<Date>, reference: Date, months: u32) -> Currency {
    match to.or(from) {
        None => Currency::Undated,
        Some(date) if date < months_before(reference, months) => Currency::OutOfDate,
        Some(_) => Currency::Current,
    }
}

/// An IR item's or quality statement's evidence, summed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// At least one ready item.
    Ready,
    /// Items, none ready (draft or needing redaction).
    DraftOnly,
    /// No item (withdrawn ones do not count).
    Missing,
}

impl Coverage {
    pub fn label(self) -> &'static str {
        match self {
            Coverage::Ready => "Ready",
            Coverage::DraftOnly => "Draft only",
            Coverage::Missing => "Missing",
        }
    }
}

/// What coverage needs of an item.
#[derive(Debug, Clone)]
pub struct ItemSummary {
    pub id: Uuid,
    pub title: String,
    pub state: State,
    pub ir_items: Vec<IrCode>,
    pub quality_statements: Vec<QualityStatementId>,
    pub currency: Currency,
}

/// The coverage of a set of items.
pub fn coverage_of<'a>(items: impl IntoIterator<Item = &'a ItemSummary>) -> Coverage {
    let mut any = false;
    for item in items {
        match item.state {
            State::Ready => return Coverage::Ready,
            State::Draft | State::NeedsRedaction => any = true,
            State::Withdrawn => {}
        }
    }
    if any { Coverage::DraftOnly } else { Coverage::Missing }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn framework() -> std::sync::Arc<Framework> {
        crate::framework::Frameworks::shipped().expect("frameworks").all()[0].clone()
    }

    #[test]
    fn an_item_needs_a_title_a_type_and_a_link_or_file() {
        let f = framework();
        let raw = RawItem::default();
        let problems = check_item(&raw, &f, false).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["title", "document_type", "link"]);
        let raw = RawItem {
            title: "  Carers   strategy ".into(),
            document_type: "strategy_and_plans".into(),
            link: "https://www.example.gov.uk/carers".into(),
            effective_from: "2025-04-01".into(),
            effective_to: "2026-03-31".into(),
            ir_items: vec!["IR33".into(), "IR33".into()],
            quality_statements: vec!["QS2".into()],
            ..RawItem::default()
        };
        let item = check_item(&raw, &f, false).expect("valid");
        assert_eq!(item.title, "Carers strategy");
        assert_eq!(item.ir_items.len(), 1);
        assert!(
            check_item(&RawItem { link: String::new(), ..raw.clone() }, &f, true).is_ok(),
            "a file instead"
        );
        for (field, bad) in [
            ("link", RawItem { link: "javascript:alert(1)".into(), ..raw.clone() }),
            ("link", RawItem { link: "file:///etc/passwd".into(), ..raw.clone() }),
            ("ir_items", RawItem { ir_items: vec!["IR31".into()], ..raw.clone() }),
            ("quality_statements", RawItem { quality_statements: vec!["QS10".into()], ..raw.clone() }),
            ("effective_to", RawItem { effective_to: "2024-01-01".into(), ..raw.clone() }),
            ("effective_from", RawItem { effective_from: "2025-02-30".into(), ..raw.clone() }),
        ] {
            let problems = check_item(&bad, &f, false).unwrap_err();
            assert_eq!(problems[0].field, field, "{problems:?}");
        }
    }

    #[test]
    fn currency_counts_calendar_months_back_from_the_reference_date() {
        assert_eq!(months_before(date!(2027 - 03 - 31), 12), date!(2026 - 03 - 31));
        assert_eq!(months_before(date!(2026 - 03 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(months_before(date!(2026 - 01 - 15), 13), date!(2024 - 12 - 15));
        let reference = reference_date(date!(2027 - 03 - 31), date!(2026 - 10 - 01));
        assert_eq!(reference, date!(2026 - 10 - 01), "the period has not ended: today");
        assert_eq!(currency(Some(date!(2025 - 10 - 01)), None, reference, 12), Currency::Current);
        assert_eq!(currency(Some(date!(2025 - 09 - 30)), None, reference, 12), Currency::OutOfDate);
        assert_eq!(
            currency(Some(date!(2024 - 04 - 01)), Some(date!(2025 - 12 - 31)), reference, 12),
            Currency::Current,
            "a period counts by its end"
        );
        assert_eq!(currency(None, None, reference, 12), Currency::Undated);
        assert_eq!(currency(Some(date!(2025 - 01 - 01)), None, reference, 24), Currency::Current);
    }

    #[test]
    fn coverage_is_ready_when_any_item_is() {
        let item = |state| ItemSummary {
            id: Uuid::nil(),
            title: String::new(),
            state,
            ir_items: vec![],
            quality_statements: vec![],
            currency: Currency::Current,
        };
        assert_eq!(coverage_of(&[item(State::Draft), item(State::Ready)]), Coverage::Ready);
        assert_eq!(coverage_of(&[item(State::NeedsRedaction)]), Coverage::DraftOnly);
        assert_eq!(coverage_of(&[item(State::Withdrawn)]), Coverage::Missing);
        assert_eq!(coverage_of(&[]), Coverage::Missing);
    }

    #[test]
    fn statements_come_from_ir_items_too() {
        let f = framework();
        let all = statements_of(&f, &["IR37".parse().expect("code")], &[]);
        assert_eq!(all.len(), 9, "IR37 is for all statements");
        let qs: QualityStatementId = "QS1".parse().expect("qs");
        let some = statements_of(&f, &["IR5".parse().expect("code")], &[qs]);
        assert_eq!(some, [qs]);
    }
}
