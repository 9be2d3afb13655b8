//! From the file as written to the checked [`Framework`]: every problem is collected with
//! its location, so a person editing the file sees them all at once.

use super::domain::*;
use super::file::{self, FrameworkFile, QualityStatementRefs};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One thing wrong with a framework file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// A path into the document such as `toolkit.information_return.items[4].quality_statements`,
    /// with the line and column when the YAML parser knows them.
    pub location: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FrameworkError {
    pub file: String,
    pub problems: Vec<Problem>,
}

impl fmt::Display for FrameworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {}: {}", self.file, problem.location, problem.message)?;
        }
        Ok(())
    }
}

/// Parses and checks the text of a framework file. `file` names it in error messages.
pub fn parse(file: &str, text: &str) -> Result<Framework, FrameworkError> {
    let error = |problems| FrameworkError { file: file.to_owned(), problems };
    let deserializer = serde_yaml_ng::Deserializer::from_str(text);
    let raw: FrameworkFile = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let mut location = if path == "." { "document".to_owned() } else { path };
        if let Some(mark) = inner.location() {
            location = format!("{location} (line {}, column {})", mark.line(), mark.column());
        }
        // serde_yaml_ng repeats the position at the end of its message; we give it once.
        let message = inner.to_string();
        let message = match message.rfind(" at line ") {
            Some(at) => message[..at].to_owned(),
            None => message,
        };
        error(vec![Problem { location, message }])
    })?;
    let mut checker = Checker::default();
    let framework = checker.build(raw);
    if checker.problems.is_empty() { Ok(framework) } else { Err(error(checker.problems)) }
}

#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn problem(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem { location: location.into(), message: message.into() });
    }

    fn non_empty(&mut self, location: &str, value: &str) {
        if value.trim().is_empty() {
            self.problem(location, "must not be empty");
        }
    }

    fn non_empty_list<T>(&mut self, location: &str, list: &[T]) {
        if list.is_empty() {
            self.problem(location, "must list at least one entry");
        }
    }

    fn entries(&mut self, location: &str, entries: &[Entry]) {
        for (i, entry) in entries.iter().enumerate() {
            let here = format!("{location}[{i}]");
            match entry {
                Entry::Text(text) => self.non_empty(&here, text),
                Entry::Nested { text, items } => {
                    self.non_empty(&format!("{here}.text"), text);
                    self.non_empty_list(&format!("{here}.items"), items);
                    for (j, item) in items.iter().enumerate() {
                        self.non_empty(&format!("{here}.items[{j}]"), item);
                    }
                }
            }
        }
    }

    fn unique<'a>(&mut self, seen: &mut BTreeSet<&'a str>, location: &str, id: &'a str) {
        if !seen.insert(id) {
            self.problem(location, format!("duplicate id `{id}`"));
        }
    }

    fn build(&mut self, raw: FrameworkFile) -> Framework {
        let is_slug = !raw.key.is_empty()
            && raw.key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !is_slug {
            self.problem("key", "must be lower-case letters, digits and hyphens, e.g. `cqc-la-2023`");
        }
        self.non_empty("title", &raw.title);
        self.non_empty("version", &raw.version);
        let mut source_ids = BTreeSet::new();
        for (i, source) in raw.sources.iter().enumerate() {
            self.unique(&mut source_ids, &format!("sources[{i}].id"), &source.id);
            self.non_empty(&format!("sources[{i}].title"), &source.title);
            self.non_empty(&format!("sources[{i}].version"), &source.version);
        }
        for required in ["cqc", "toolkit"] {
            if !source_ids.contains(required) {
                self.problem("sources", format!("must name the `{required}` source document"));
            }
        }

        let evidence_categories = self.evidence_categories(&raw.cqc.evidence_categories);
        let themes = self.themes(&raw, &evidence_categories);
        let statement_ids: BTreeSet<QualityStatementId> =
            themes.iter().flat_map(|t| t.quality_statements.iter().map(|qs| qs.id)).collect();
        let toolkit = &raw.toolkit;

        for (i, tip) in toolkit.top_tips.iter().enumerate() {
            self.non_empty(&format!("toolkit.top_tips[{i}]"), tip);
        }
        let rating_scale = self.rating_scale(&toolkit.rating_scale);
        self.non_empty("toolkit.free_text_question", &toolkit.free_text_question);
        let stage2_template = self.stage2_template(&toolkit.stage2_template);
        let stage3 = self.stage3(&toolkit.stage3);
        let (information_return_groups, information_return_items) =
            self.information_return(&toolkit.information_return, &themes, &statement_ids);
        let scoring = self.scoring(&raw.scoring);

        Framework {
            key: raw.key,
            title: raw.title,
            version: raw.version,
            sources: raw
                .sources
                .into_iter()
                .map(|s| Source {
                    id: s.id,
                    title: s.title,
                    publisher: s.publisher,
                    version: s.version,
                    url: s.url,
                })
                .collect(),
            introduction: raw.cqc.introduction,
            evidence_categories,
            themes,
            top_tips: raw.toolkit.top_tips,
            learning: raw.toolkit.learning,
            stages: raw
                .toolkit
                .stages
                .into_iter()
                .map(|s| Stage { number: s.number, title: s.title, tool: s.tool, description: s.description })
                .collect(),
            rating_scale,
            free_text_question: raw.toolkit.free_text_question,
            stage2_template,
            stage3,
            information_return_groups,
            information_return_items,
            data_sources: DataSources {
                introduction: raw.toolkit.data_sources.introduction,
                groups: raw
                    .toolkit
                    .data_sources
                    .groups
                    .into_iter()
                    .map(|g| DataSourceGroup {
                        title: g.title,
                        introduction: g.introduction,
                        sources: g
                            .sources
                            .into_iter()
                            .map(|s| DataSource { title: s.title, description: s.description })
                            .collect(),
                    })
                    .collect(),
            },
            scoring,
        }
    }

    fn evidence_categories(&mut self, raw: &[file::EvidenceCategoryFile]) -> Vec<EvidenceCategory> {
        let mut seen = BTreeSet::new();
        self.non_empty_list("cqc.evidence_categories", raw);
        raw.iter()
            .enumerate()
            .map(|(i, c)| {
                self.unique(&mut seen, &format!("cqc.evidence_categories[{i}].id"), &c.id);
                self.non_empty(&format!("cqc.evidence_categories[{i}].title"), &c.title);
                EvidenceCategory {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    used_for_local_authorities: c.used_for_local_authorities,
                }
            })
            .collect()
    }

    fn themes(&mut self, raw: &FrameworkFile, categories: &[EvidenceCategory]) -> Vec<Theme> {
        let mut themes: Vec<Theme> = Vec::new();
        self.non_empty_list("cqc.themes", &raw.cqc.themes);
        for (i, theme) in raw.cqc.themes.iter().enumerate() {
            let here = format!("cqc.themes[{i}]");
            let expected = ThemeId { number: (i + 1) as u8 };
            match theme.id.parse::<ThemeId>() {
                Ok(id) if id == expected => {}
                Ok(_) | Err(()) => self.problem(
                    format!("{here}.id"),
                    format!(
                        "is `{}`; themes are numbered in order, so this one must be `{expected}`",
                        theme.id
                    ),
                ),
            }
            self.non_empty(&format!("{here}.title"), &theme.title);
            let introduction = match raw.toolkit.themes.get(&expected.to_string()) {
                Some(t) => t.introduction.clone(),
                None => {
                    self.problem("toolkit.themes", format!("has no introduction for theme `{expected}`"));
                    String::new()
                }
            };
            themes.push(Theme {
                id: expected,
                title: theme.title.clone(),
                covers: theme.covers.clone(),
                introduction,
                quality_statements: Vec::new(),
            });
        }
        for key in raw.toolkit.themes.keys() {
            if !themes.iter().any(|t| t.id.to_string() == *key) {
                self.problem(format!("toolkit.themes.{key}"), format!("names unknown theme `{key}`"));
            }
        }

        let mut last_theme = 0;
        let mut toolkit_used = BTreeSet::new();
        self.non_empty_list("cqc.quality_statements", &raw.cqc.quality_statements);
        for (i, qs) in raw.cqc.quality_statements.iter().enumerate() {
            let here = format!("cqc.quality_statements[{i}]");
            let id = QualityStatementId { number: (i + 1) as u8 };
            if qs.id.parse::<QualityStatementId>() != Ok(id) {
                self.problem(
                    format!("{here}.id"),
                    format!(
                        "is `{}`; quality statements are numbered in order, so this one must be `{id}`",
                        qs.id
                    ),
                );
            }
            let Some(theme_index) = themes.iter().position(|t| t.id.to_string() == qs.theme) else {
                self.problem(format!("{here}.theme"), format!("names unknown theme `{}`", qs.theme));
                continue;
            };
            if theme_index < last_theme {
                self.problem(
                    format!("{here}.theme"),
                    "quality statements must be listed theme by theme, in the themes' order",
                );
            }
            last_theme = theme_index;
            self.non_empty(&format!("{here}.title"), &qs.title);
            self.non_empty_list(&format!("{here}.we_statements"), &qs.we_statements);
            for (j, s) in qs.we_statements.iter().chain(&qs.i_statements).enumerate() {
                self.non_empty(&format!("{here}.statements[{j}]"), s);
            }
            self.non_empty(&format!("{here}.summary"), &qs.summary);
            self.non_empty_list(&format!("{here}.care_act_sections"), &qs.care_act_sections);

            let mut required_evidence = Vec::new();
            for category in categories {
                match qs.required_evidence.get(&category.id) {
                    Some(evidence) => {
                        let at = format!("{here}.required_evidence.{}", category.id);
                        if evidence.sources.is_empty() && evidence.note.is_none() {
                            self.problem(&at, "needs `sources`, or a `note` saying why there are none");
                        }
                        self.entries(&format!("{at}.sources"), &evidence.sources);
                        self.entries(&format!("{at}.if_available"), &evidence.if_available);
                        required_evidence.push(RequiredEvidence {
                            category: category.id.clone(),
                            title: category.title.clone(),
                            used_for_local_authorities: category.used_for_local_authorities,
                            note: evidence.note.clone(),
                            sources: evidence.sources.clone(),
                            if_available_intro: evidence.if_available_intro.clone(),
                            if_available: evidence.if_available.clone(),
                        });
                    }
                    None => self.problem(
                        format!("{here}.required_evidence"),
                        format!("is missing the evidence category `{}`", category.id),
                    ),
                }
            }
            for key in qs.required_evidence.keys() {
                if !categories.iter().any(|c| &c.id == key) {
                    self.problem(
                        format!("{here}.required_evidence.{key}"),
                        format!("names unknown evidence category `{key}`"),
                    );
                }
            }

            let key = id.to_string();
            let Some(toolkit) = raw.toolkit.quality_statements.get(&key) else {
                self.problem("toolkit.quality_statements", format!("has no entry for `{key}`"));
                continue;
            };
            toolkit_used.insert(key.clone());
            let at = format!("toolkit.quality_statements.{key}");
            self.non_empty(&format!("{at}.what_cqc_looks_for"), &toolkit.what_cqc_looks_for);
            self.entries(&format!("{at}.data_examples"), &toolkit.data_examples);
            self.entries(&format!("{at}.stage2_prompts"), &toolkit.stage2_prompts);
            self.non_empty_list(&format!("{at}.checklist_items"), &toolkit.checklist_items);
            let mut checklist_items = Vec::new();
            for (j, item) in toolkit.checklist_items.iter().enumerate() {
                let item_at = format!("{at}.checklist_items[{j}]");
                let expected = ChecklistItemId { statement: id.number, number: (j + 1) as u8 };
                if item.id.parse::<ChecklistItemId>() != Ok(expected) {
                    self.problem(
                        format!("{item_at}.id"),
                        format!(
                            "is `{}`; checklist items are numbered in order within their quality statement, so this one must be `{expected}`",
                            item.id
                        ),
                    );
                }
                self.non_empty(&format!("{item_at}.text"), &item.text);
                checklist_items.push(ChecklistItem { id: expected, text: item.text.clone() });
            }

            let theme = themes[theme_index].id;
            themes[theme_index].quality_statements.push(QualityStatement {
                id,
                theme,
                title: qs.title.clone(),
                we_statements: qs.we_statements.clone(),
                i_statements: qs.i_statements.clone(),
                summary: qs.summary.clone(),
                what_cqc_looks_for: toolkit.what_cqc_looks_for.clone(),
                care_act_sections: qs.care_act_sections.clone(),
                care_act_note: qs.care_act_note.clone(),
                required_evidence,
                best_practice: qs.best_practice.clone(),
                data_examples: toolkit.data_examples.clone(),
                checklist_items,
                stage2_prompts: toolkit.stage2_prompts.clone(),
            });
        }
        for key in raw.toolkit.quality_statements.keys() {
            if !toolkit_used.contains(key) && key.parse::<QualityStatementId>().is_ok() {
                self.problem(
                    format!("toolkit.quality_statements.{key}"),
                    format!("names unknown quality statement `{key}`"),
                );
            } else if key.parse::<QualityStatementId>().is_err() {
                self.problem(
                    format!("toolkit.quality_statements.{key}"),
                    format!("`{key}` is not a quality statement id (QS1, QS2, …)"),
                );
            }
        }
        for theme in &themes {
            if theme.quality_statements.is_empty() {
                self.problem(
                    "cqc.quality_statements",
                    format!("no quality statement belongs to theme `{}`", theme.id),
                );
            }
        }
        themes
    }

    fn rating_scale(&mut self, raw: &[file::RatingOptionFile]) -> Vec<RatingOption> {
        let values: BTreeSet<u8> = raw.iter().map(|o| o.value).collect();
        if values != BTreeSet::from([0, 1, 2, 3, 4]) || raw.len() != 5 {
            self.problem(
                "toolkit.rating_scale",
                "must have exactly the five answers 1, 2, 3, 4 and 0 (don't know), each once",
            );
        }
        for (i, option) in raw.iter().enumerate() {
            self.non_empty(&format!("toolkit.rating_scale[{i}].label"), &option.label);
        }
        raw.iter().map(|o| RatingOption { value: o.value, label: o.label.clone() }).collect()
    }

    fn stage2_template(&mut self, raw: &file::Stage2TemplateFile) -> Stage2Template {
        let mut seen = BTreeSet::new();
        self.non_empty_list("toolkit.stage2_template.sections", &raw.sections);
        for (i, section) in raw.sections.iter().enumerate() {
            let at = format!("toolkit.stage2_template.sections[{i}]");
            self.unique(&mut seen, &format!("{at}.id"), &section.id);
            self.non_empty(&format!("{at}.heading"), &section.heading);
        }
        Stage2Template {
            prompts_intro: raw.prompts_intro.clone(),
            sections: raw
                .sections
                .iter()
                .map(|s| Stage2Section {
                    id: s.id.clone(),
                    heading: s.heading.clone(),
                    guidance: s.guidance.clone(),
                    strengths: s.strengths,
                })
                .collect(),
            verification_heading: raw.verification.heading.clone(),
            verification_fields: raw.verification.fields.clone(),
        }
    }

    fn stage3(&mut self, raw: &file::Stage3File) -> Stage3 {
        let mut seen = BTreeSet::new();
        let mut sections = Vec::new();
        for (i, section) in raw.sections.iter().enumerate() {
            let at = format!("toolkit.stage3.sections[{i}]");
            self.unique(&mut seen, &format!("{at}.id"), &section.id);
            self.non_empty(&format!("{at}.title"), &section.title);
            let mut part_ids = BTreeSet::new();
            for (j, part) in section.parts.iter().enumerate() {
                self.unique(&mut part_ids, &format!("{at}.parts[{j}].id"), &part.id);
                self.non_empty(&format!("{at}.parts[{j}].title"), &part.title);
            }
            let mut role_ids = BTreeSet::new();
            for (j, role) in section.sign_off_roles.iter().enumerate() {
                self.unique(&mut role_ids, &format!("{at}.sign_off_roles[{j}].id"), &role.id);
                self.non_empty(&format!("{at}.sign_off_roles[{j}].title"), &role.title);
            }
            sections.push(Stage3Section {
                id: section.id.clone(),
                title: section.title.clone(),
                guidance: section.guidance.clone(),
                suggested_max_pages: section.suggested_max_pages,
                word_limit: section.word_limit,
                max_strengths: section.max_strengths,
                max_improvements: section.max_improvements,
                parts: section
                    .parts
                    .iter()
                    .map(|p| Stage3Part {
                        id: p.id.clone(),
                        title: p.title.clone(),
                        guidance: p.guidance.clone(),
                    })
                    .collect(),
                sign_off_roles: section
                    .sign_off_roles
                    .iter()
                    .map(|r| SignOffRole { id: r.id.clone(), title: r.title.clone() })
                    .collect(),
            });
        }
        for required in ["A", "B", "C", "D"] {
            if !seen.contains(required) {
                self.problem("toolkit.stage3.sections", format!("is missing section `{required}`"));
            }
        }
        Stage3 { introduction: raw.introduction.clone(), sections }
    }

    fn information_return(
        &mut self,
        raw: &file::InformationReturnFile,
        themes: &[Theme],
        statement_ids: &BTreeSet<QualityStatementId>,
    ) -> (Vec<IrGroup>, Vec<IrItem>) {
        let mut group_ids = BTreeSet::new();
        for (i, group) in raw.groups.iter().enumerate() {
            let at = format!("toolkit.information_return.groups[{i}]");
            self.unique(&mut group_ids, &format!("{at}.id"), &group.id);
            if group.id != "all" && !themes.iter().any(|t| t.id.to_string() == group.id) {
                self.problem(format!("{at}.id"), format!("must be `all` or a theme id, not `{}`", group.id));
            }
        }
        let groups =
            raw.groups.iter().map(|g| IrGroup { id: g.id.clone(), title: g.title.clone() }).collect();

        let mut codes = BTreeMap::new();
        let mut items = Vec::new();
        self.non_empty_list("toolkit.information_return.items", &raw.items);
        for (i, item) in raw.items.iter().enumerate() {
            let at = format!("toolkit.information_return.items[{i}]");
            let Ok(code) = item.code.parse::<IrCode>() else {
                self.problem(
                    format!("{at}.code"),
                    format!("`{}` is not an Information Return code such as `IR5`", item.code),
                );
                continue;
            };
            if codes.insert(code, i).is_some() {
                self.problem(format!("{at}.code"), format!("duplicate Information Return item `{code}`"));
            }
            if !group_ids.contains(item.group.as_str()) {
                self.problem(format!("{at}.group"), format!("names unknown group `{}`", item.group));
            }
            self.non_empty(&format!("{at}.title"), &item.title);
            self.non_empty_list(&format!("{at}.document_types"), &item.document_types);
            let (applies_to_all, quality_statements) = match &item.quality_statements {
                QualityStatementRefs::Keyword(word) if word == "all" => {
                    (true, statement_ids.iter().copied().collect())
                }
                QualityStatementRefs::Keyword(word) => {
                    self.problem(
                        format!("{at}.quality_statements"),
                        format!("must be `all` or a list of quality statement ids, not `{word}`"),
                    );
                    (false, Vec::new())
                }
                QualityStatementRefs::List(list) => {
                    self.non_empty_list(&format!("{at}.quality_statements"), list);
                    let mut ids = Vec::new();
                    for (j, id) in list.iter().enumerate() {
                        match id.parse::<QualityStatementId>() {
                            Ok(qs) if statement_ids.contains(&qs) => ids.push(qs),
                            _ => self.problem(
                                format!("{at}.quality_statements[{j}]"),
                                format!("names unknown quality statement `{id}`"),
                            ),
                        }
                    }
                    (false, ids)
                }
            };
            items.push(IrItem {
                code,
                group: item.group.clone(),
                title: item.title.clone(),
                detail: item.detail.clone(),
                applies_to_all,
                quality_statements,
                document_types: item.document_types.clone(),
            });
        }
        (groups, items)
    }

    fn scoring(&mut self, raw: &file::ScoringFile) -> Scoring {
        let scores: Vec<u8> = raw.score_labels.iter().map(|l| l.score).collect();
        if scores != [1, 2, 3, 4] {
            self.problem(
                "scoring.score_labels",
                "must give the labels of scores 1, 2, 3 and 4, in that order",
            );
        }
        // The bands must tile 25-100 % (all 1s is 25 %) without gaps or overlaps.
        let mut next = 25u8;
        for (i, band) in raw.rating_bands.iter().enumerate() {
            if band.min_percent != next || band.max_percent < band.min_percent {
                self.problem(
                    format!("scoring.rating_bands[{i}]"),
                    format!("must start at {next}% and end at or above its start, so the bands cover 25-100% without gaps"),
                );
            }
            next = band.max_percent.saturating_add(1);
        }
        if next != 101 {
            self.problem("scoring.rating_bands", "the last band must end at 100%");
        }
        Scoring {
            source: raw.source.clone(),
            score_labels: raw
                .score_labels
                .iter()
                .map(|l| ScoreLabel { score: l.score, label: l.label.clone() })
                .collect(),
            rating_bands: raw
                .rating_bands
                .iter()
                .map(|b| RatingBand {
                    id: b.id.clone(),
                    label: b.label.clone(),
                    min_percent: b.min_percent,
                    max_percent: b.max_percent,
                })
                .collect(),
        }
    }
}
