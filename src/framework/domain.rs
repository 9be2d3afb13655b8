//! The checked framework: typed ids, joined CQC and toolkit content, no I/O.

use serde::{Serialize, Serializer};
use std::fmt;

pub use super::file::Entry;

macro_rules! display_id {
    ($name:ident, $fmt:literal, $($field:ident),+) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, $fmt, $(self.$field),+)
            }
        }
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
    };
}

/// `T1`…`T9`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThemeId {
    pub number: u8,
}
display_id!(ThemeId, "T{}", number);

/// `QS1`…`QS99`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QualityStatementId {
    pub number: u8,
}
display_id!(QualityStatementId, "QS{}", number);

/// `QS<n>.<m>`: the m-th Stage 1 checklist item of quality statement n.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChecklistItemId {
    pub statement: u8,
    pub number: u8,
}
display_id!(ChecklistItemId, "QS{}.{}", statement, number);

/// `IR<n>`: a CQC Information Return item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IrCode {
    pub number: u8,
}
display_id!(IrCode, "IR{}", number);

fn parse_number(s: &str, prefix: &str) -> Option<u8> {
    let digits = s.strip_prefix(prefix)?;
    // No sign, no leading zero: one spelling per id.
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl std::str::FromStr for ThemeId {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        parse_number(s, "T").map(|number| Self { number }).ok_or(())
    }
}

impl std::str::FromStr for QualityStatementId {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        parse_number(s, "QS").map(|number| Self { number }).ok_or(())
    }
}

impl std::str::FromStr for ChecklistItemId {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let (statement, number) = s.split_once('.').ok_or(())?;
        let statement: QualityStatementId = statement.parse()?;
        let number = parse_number(number, "").ok_or(())?;
        Ok(Self { statement: statement.number, number })
    }
}

impl std::str::FromStr for IrCode {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        parse_number(s, "IR").map(|number| Self { number }).ok_or(())
    }
}

impl ChecklistItemId {
    pub fn quality_statement(&self) -> QualityStatementId {
        QualityStatementId { number: self.statement }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Framework {
    pub key: String,
    pub title: String,
    pub version: String,
    pub sources: Vec<Source>,
    pub introduction: String,
    pub evidence_categories: Vec<EvidenceCategory>,
    pub themes: Vec<Theme>,
    pub top_tips: Vec<String>,
    pub learning: String,
    pub stages: Vec<Stage>,
    pub rating_scale: Vec<RatingOption>,
    pub free_text_question: String,
    pub stage2_template: Stage2Template,
    pub stage3: Stage3,
    pub information_return_groups: Vec<IrGroup>,
    pub information_return_items: Vec<IrItem>,
    pub data_sources: DataSources,
    pub scoring: Scoring,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Source {
    pub id: String,
    pub title: String,
    pub publisher: String,
    pub version: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvidenceCategory {
    pub id: String,
    pub title: String,
    pub used_for_local_authorities: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Theme {
    pub id: ThemeId,
    pub title: String,
    pub covers: Vec<String>,
    /// The toolkit's short introduction to the theme.
    pub introduction: String,
    pub quality_statements: Vec<QualityStatement>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QualityStatement {
    pub id: QualityStatementId,
    pub theme: ThemeId,
    pub title: String,
    pub we_statements: Vec<String>,
    pub i_statements: Vec<String>,
    pub summary: String,
    pub what_cqc_looks_for: String,
    pub care_act_sections: Vec<String>,
    /// A sentence under the Care Act heading that is not a section (QS8, QS9).
    pub care_act_note: Option<String>,
    pub required_evidence: Vec<RequiredEvidence>,
    pub best_practice: Vec<String>,
    pub data_examples: Vec<Entry>,
    pub checklist_items: Vec<ChecklistItem>,
    pub stage2_prompts: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequiredEvidence {
    pub category: String,
    pub title: String,
    pub used_for_local_authorities: bool,
    pub note: Option<String>,
    pub sources: Vec<Entry>,
    pub if_available_intro: Option<String>,
    pub if_available: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChecklistItem {
    pub id: ChecklistItemId,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub number: u8,
    pub title: String,
    pub tool: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RatingOption {
    pub value: u8,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage2Template {
    pub prompts_intro: String,
    pub sections: Vec<Stage2Section>,
    pub verification_heading: String,
    pub verification_fields: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage2Section {
    pub id: String,
    pub heading: String,
    pub guidance: String,
    pub strengths: Option<u8>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage3 {
    pub introduction: Option<String>,
    pub sections: Vec<Stage3Section>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage3Section {
    pub id: String,
    pub title: String,
    pub guidance: String,
    pub suggested_max_pages: Option<u8>,
    pub word_limit: Option<u32>,
    pub max_strengths: Option<u8>,
    pub max_improvements: Option<u8>,
    pub parts: Vec<Stage3Part>,
    pub sign_off_roles: Vec<SignOffRole>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage3Part {
    pub id: String,
    pub title: String,
    pub guidance: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignOffRole {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IrGroup {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IrItem {
    pub code: IrCode,
    pub group: String,
    pub title: String,
    pub detail: Option<String>,
    /// True when the toolkit maps the item to "All" quality statements.
    pub applies_to_all: bool,
    pub quality_statements: Vec<QualityStatementId>,
    pub document_types: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DataSources {
    pub introduction: String,
    pub groups: Vec<DataSourceGroup>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DataSourceGroup {
    pub title: String,
    pub introduction: Option<String>,
    pub sources: Vec<DataSource>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DataSource {
    pub title: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scoring {
    pub source: String,
    pub score_labels: Vec<ScoreLabel>,
    pub rating_bands: Vec<RatingBand>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScoreLabel {
    pub score: u8,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RatingBand {
    pub id: String,
    pub label: String,
    pub min_percent: u8,
    pub max_percent: u8,
}

impl Framework {
    pub fn quality_statements(&self) -> impl Iterator<Item = &QualityStatement> {
        self.themes.iter().flat_map(|t| t.quality_statements.iter())
    }

    pub fn quality_statement(&self, id: QualityStatementId) -> Option<&QualityStatement> {
        self.quality_statements().find(|qs| qs.id == id)
    }

    pub fn theme(&self, id: ThemeId) -> Option<&Theme> {
        self.themes.iter().find(|t| t.id == id)
    }

    pub fn checklist_item(&self, id: ChecklistItemId) -> Option<&ChecklistItem> {
        self.quality_statement(id.quality_statement())?.checklist_items.iter().find(|item| item.id == id)
    }

    pub fn checklist_item_count(&self) -> usize {
        self.quality_statements().map(|qs| qs.checklist_items.len()).sum()
    }

    pub fn ir_items_for(&self, id: QualityStatementId) -> impl Iterator<Item = &IrItem> {
        self.information_return_items.iter().filter(move |item| item.quality_statements.contains(&id))
    }

    /// One line with the counts, as `selfassess framework check` prints it.
    pub fn summary_line(&self) -> String {
        let per_statement: Vec<String> =
            self.quality_statements().map(|qs| qs.checklist_items.len().to_string()).collect();
        format!(
            "{} ({}): {} themes, {} quality statements, {} checklist items ({}), {} Information Return items",
            self.key,
            self.version,
            self.themes.len(),
            self.quality_statements().count(),
            self.checklist_item_count(),
            per_statement.join(", "),
            self.information_return_items.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_parse_one_spelling_only() {
        assert_eq!("QS1".parse::<QualityStatementId>(), Ok(QualityStatementId { number: 1 }));
        assert_eq!("T4".parse::<ThemeId>(), Ok(ThemeId { number: 4 }));
        assert_eq!("QS7.15".parse::<ChecklistItemId>(), Ok(ChecklistItemId { statement: 7, number: 15 }));
        assert_eq!("IR38".parse::<IrCode>(), Ok(IrCode { number: 38 }));
        for bad in ["QS01", "qs1", "QS", "QS1.", "QS1.0", "QS-1", "QS1 ", "QS+1", "QS1.1.1"] {
            assert!(bad.parse::<ChecklistItemId>().is_err(), "{bad}");
        }
        for bad in ["QS0", "QS01", "Q1", "QS1.1", "QS300"] {
            assert!(bad.parse::<QualityStatementId>().is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn checklist_ids_round_trip(statement in 1u8.., number in 1u8..) {
            let id = ChecklistItemId { statement, number };
            prop_assert_eq!(id.to_string().parse::<ChecklistItemId>(), Ok(id));
        }
    }
}
