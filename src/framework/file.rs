//! The framework file as written on disk (see `frameworks/FORMAT.md`).
//!
//! These types mirror the YAML one to one and reject unknown fields, so a typo in a key is
//! reported instead of silently ignored. `validate.rs` turns them into the checked
//! [`super::Framework`].

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkFile {
    pub key: String,
    pub title: String,
    pub version: String,
    pub sources: Vec<SourceFile>,
    pub cqc: CqcPart,
    pub toolkit: ToolkitPart,
    pub scoring: ScoringFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    pub id: String,
    pub title: String,
    pub publisher: String,
    pub version: String,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CqcPart {
    pub introduction: String,
    pub evidence_categories: Vec<EvidenceCategoryFile>,
    pub themes: Vec<ThemeFile>,
    pub quality_statements: Vec<QualityStatementFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceCategoryFile {
    pub id: String,
    pub title: String,
    #[serde(default = "yes")]
    pub used_for_local_authorities: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeFile {
    pub id: String,
    pub title: String,
    pub covers: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QualityStatementFile {
    pub id: String,
    pub theme: String,
    pub title: String,
    pub we_statements: Vec<String>,
    pub i_statements: Vec<String>,
    pub summary: String,
    pub care_act_sections: Vec<String>,
    #[serde(default)]
    pub care_act_note: Option<String>,
    pub required_evidence: BTreeMap<String, RequiredEvidenceFile>,
    pub best_practice: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredEvidenceFile {
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub sources: Vec<Entry>,
    #[serde(default)]
    pub if_available_intro: Option<String>,
    #[serde(default)]
    pub if_available: Vec<Entry>,
}

/// A list entry: plain text, or text with sub-items.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Entry {
    Text(String),
    Nested { text: String, items: Vec<String> },
}

impl Entry {
    pub fn text(&self) -> &str {
        match self {
            Entry::Text(text) | Entry::Nested { text, .. } => text,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolkitPart {
    pub top_tips: Vec<String>,
    pub learning: String,
    pub stages: Vec<StageFile>,
    pub rating_scale: Vec<RatingOptionFile>,
    pub free_text_question: String,
    pub themes: BTreeMap<String, ToolkitThemeFile>,
    pub quality_statements: BTreeMap<String, ToolkitQualityStatementFile>,
    pub stage2_template: Stage2TemplateFile,
    pub stage3: Stage3File,
    pub information_return: InformationReturnFile,
    pub data_sources: DataSourcesFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageFile {
    pub number: u8,
    pub title: String,
    pub tool: String,
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingOptionFile {
    pub value: u8,
    pub label: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolkitThemeFile {
    pub introduction: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolkitQualityStatementFile {
    pub title: String,
    pub what_cqc_looks_for: String,
    pub data_examples: Vec<Entry>,
    pub checklist_items: Vec<ChecklistItemFile>,
    pub stage2_prompts: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItemFile {
    pub id: String,
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage2TemplateFile {
    pub prompts_intro: String,
    pub sections: Vec<Stage2SectionFile>,
    pub verification: VerificationFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage2SectionFile {
    pub id: String,
    pub heading: String,
    pub guidance: String,
    #[serde(default)]
    pub strengths: Option<u8>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerificationFile {
    pub heading: String,
    pub fields: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage3File {
    #[serde(default)]
    pub introduction: Option<String>,
    pub sections: Vec<Stage3SectionFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage3SectionFile {
    pub id: String,
    pub title: String,
    pub guidance: String,
    #[serde(default)]
    pub suggested_max_pages: Option<u8>,
    #[serde(default)]
    pub word_limit: Option<u32>,
    #[serde(default)]
    pub max_strengths: Option<u8>,
    #[serde(default)]
    pub max_improvements: Option<u8>,
    #[serde(default)]
    pub parts: Vec<Stage3PartFile>,
    #[serde(default)]
    pub sign_off_roles: Vec<SignOffRoleFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage3PartFile {
    pub id: String,
    pub title: String,
    pub guidance: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignOffRoleFile {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InformationReturnFile {
    pub groups: Vec<IrGroupFile>,
    pub items: Vec<IrItemFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IrGroupFile {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IrItemFile {
    pub code: String,
    pub group: String,
    pub title: String,
    #[serde(default)]
    pub detail: Option<String>,
    pub quality_statements: QualityStatementRefs,
    pub document_types: Vec<String>,
}

/// `all`, or a list of quality statement ids.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum QualityStatementRefs {
    Keyword(String),
    List(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSourcesFile {
    pub introduction: String,
    pub groups: Vec<DataSourceGroupFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSourceGroupFile {
    pub title: String,
    #[serde(default)]
    pub introduction: Option<String>,
    pub sources: Vec<DataSourceFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSourceFile {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringFile {
    pub source: String,
    pub score_labels: Vec<ScoreLabelFile>,
    pub rating_bands: Vec<RatingBandFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreLabelFile {
    pub score: u8,
    pub label: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingBandFile {
    pub id: String,
    pub label: String,
    pub min_percent: u8,
    pub max_percent: u8,
}
