//! Builds the finished document (sections A to D) from the draft, the Stage 1 analysis and the
//! evidence library. Pure. The Stage 1 figures come from the analysis, so anything withheld
//! there (groups too small to stay anonymous) is withheld here too.

use super::document::{Block, Chart, ReportDocument, Table};
use super::service::{Inputs, Report};
use crate::analysis::charts::withheld_text;
use crate::analysis::model::Analysis;
use crate::analysis::view::{self, Figures};

fn heading(level: u8, text: impl Into<String>) -> Block {
    Block::Heading { level, text: text.into() }
}

fn paragraph(text: impl Into<String>) -> Block {
    Block::Paragraph { text: text.into() }
}

/// Text as typed into a box: paragraphs split at blank lines; a paragraph whose every line
/// starts with "- ", "* " or "• " becomes a bulleted list.
pub fn prose(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    for chunk in text.split("\n\n").map(str::trim).filter(|c| !c.is_empty()) {
        let lines: Vec<&str> = chunk.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let bullet = |l: &&str| ["- ", "* ", "• "].iter().any(|p| l.starts_with(p));
        if lines.iter().all(bullet) {
            out.push(Block::Bullets {
                items: lines
                    .iter()
                    .map(|l| l[l.char_indices().nth(2).map_or(l.len(), |(i, _)| i)..].trim().to_owned())
                    .collect(),
            });
        } else {
            out.push(paragraph(lines.join("\n")));
        }
    }
    out
}

fn written(text: &str) -> Vec<Block> {
    let blocks = prose(text);
    if blocks.is_empty() { vec![paragraph("Not written yet.")] } else { blocks }
}

/// A heading from the toolkit, without its trailing dots and hints ("About us..... (council)").
pub fn clean_title(title: &str) -> String {
    let t = title.trim();
    let t = t.strip_suffix("(council)").unwrap_or(t);
    t.trim().trim_end_matches('.').trim().to_owned()
}

/// The pixel size of an SVG from its `viewBox`.
fn svg_size(svg: &str) -> (f64, f64) {
    let parsed =
        svg.split_once("viewBox=\"").and_then(|(_, rest)| rest.split_once('"')).and_then(|(vb, _)| {
            let n: Vec<f64> = vb.split_whitespace().filter_map(|v| v.parse().ok()).collect();
            (n.len() == 4).then(|| (n[2], n[3]))
        });
    parsed.unwrap_or((640.0, 360.0))
}

fn section_title(report: &Report, id: &str, fallback: &str) -> String {
    let title = report.section(id).map_or(fallback, |s| s.title.as_str());
    format!("Section {id}: {title}")
}

/// Stage 1 for one quality statement: the diverging chart the analysis page shows and a table
/// of the same figures.
fn stage1(analysis: &Analysis, statement: &str) -> Vec<Block> {
    let Some(qs) = analysis.quality_statements.iter().find(|q| q.id == statement) else {
        return vec![];
    };
    let k = analysis.thresholds.min_group_size;
    let shown = view::statement(analysis, qs, None);
    let items: Vec<_> = analysis.items.iter().filter(|i| i.quality_statement == statement).collect();
    if items.is_empty() {
        return vec![];
    }
    let withheld = withheld_text(k);
    let mut alt_parts = Vec::new();
    let mut rows = Vec::new();
    for item in &items {
        let f = Figures::of(item.figures.measures.as_ref());
        if f.withheld {
            alt_parts.push(format!("{} withheld ({withheld})", item.id));
            rows.push(vec![
                item.id.clone(),
                item.text.clone(),
                withheld.clone(),
                String::new(),
                String::new(),
            ]);
        } else if f.empty {
            alt_parts.push(format!("{} no answers", item.id));
            rows.push(vec![item.id.clone(), item.text.clone(), "0".into(), String::new(), String::new()]);
        } else {
            alt_parts.push(format!("{} {} agree", item.id, f.agree));
            rows.push(vec![
                item.id.clone(),
                item.text.clone(),
                f.n.clone(),
                f.agree.clone(),
                f.dont_know.clone(),
            ]);
        }
    }
    let (width, height) = svg_size(&shown.diverging);
    let title = format!("How people rated the checklist items of {statement}");
    vec![
        heading(3, "What people told us in Stage 1"),
        Block::Chart(Chart {
            id: format!("chart-{}", statement.to_lowercase()),
            title: title.clone(),
            alt: format!(
                "Diverging bar chart of the ratings of each checklist item of {statement}: {}. The figures are in the \
                 table that follows.",
                alt_parts.join("; ")
            ),
            svg: shown.diverging,
            width,
            height,
        }),
        Block::Table(Table {
            caption: format!(
                "{title}: responses, share that agree (of those who gave a rating) and share who \
                              did not know"
            ),
            header: vec![
                "Item".into(),
                "Checklist item".into(),
                "Responses".into(),
                "Agree".into(),
                "Don't know".into(),
            ],
            rows,
        }),
    ]
}

fn engagement(analysis: &Analysis) -> Vec<Block> {
    let e = &analysis.engagement;
    let k = analysis.thresholds.min_group_size;
    let count = |suppressed: bool, n: Option<u64>| {
        if suppressed { withheld_text(k) } else { n.unwrap_or(0).to_string() }
    };
    let mut out = vec![heading(2, "Engagement in figures")];
    out.push(paragraph(format!(
        "Responses to the Stage 1 checklist: {}. Workshops held: {}, with {} participants. Figures for groups of \
         fewer than {k} people are withheld so that nobody can be identified.",
        count(e.suppressed, e.responses),
        e.workshops,
        e.workshop_participants
    )));
    out.push(Block::Table(Table {
        caption: "Responses by respondent group".into(),
        header: vec!["Respondent group".into(), "Responses".into()],
        rows: e.by_group.iter().map(|s| vec![s.label.clone(), count(s.suppressed, s.responses)]).collect(),
    }));
    out.push(Block::Table(Table {
        caption: "Responses by how they were given".into(),
        header: vec!["How".into(), "Responses".into()],
        rows: e.by_mode.iter().map(|s| vec![s.label.clone(), count(s.suppressed, s.responses)]).collect(),
    }));
    out
}

/// The whole document. `council` is the council's name; `today` the production date.
pub fn document(inputs: &Inputs, council: &str, today: time::Date) -> ReportDocument {
    let report = &inputs.report;
    let analysis = &inputs.analysis;
    let mut blocks = Vec::new();

    // Section A
    blocks.push(heading(1, section_title(report, "A", "Overview and summary")));
    for (id, title, _) in report.section_a_parts() {
        blocks.push(heading(2, clean_title(title)));
        blocks.extend(written(report.a.value.text(id)));
    }

    // Section B
    blocks.push(heading(1, section_title(report, "B", "Self-assessment against the CQC themes")));
    let b_parts: Vec<String> = report
        .section("B")
        .map(|s| s.parts.iter().map(|p| clean_title(&p.title)).collect())
        .unwrap_or_default();
    let part_title =
        |i: usize, fallback: &str| b_parts.get(i).cloned().unwrap_or_else(|| fallback.to_owned());
    for s in &report.statements {
        // Until a part is saved, it reads as its form starts: from the verified summary.
        let part = s.starting_point(&report.limits);
        let p = &part;
        blocks.push(heading(2, format!("{}: {}", s.id, s.title)));
        blocks.push(heading(3, part_title(0, "An introduction and summary")));
        blocks.extend(written(&p.introduction));
        blocks.push(heading(3, part_title(1, "Current performance")));
        blocks.extend(prose(&p.performance));
        if !p.strengths.is_empty() {
            blocks.push(paragraph("Our strengths:"));
            blocks.push(Block::Bullets { items: p.strengths.clone() });
        }
        if !p.improvements.is_empty() {
            blocks.push(paragraph("Areas for improvement:"));
            blocks.push(Block::Bullets { items: p.improvements.clone() });
        }
        if p.performance.is_empty() && p.strengths.is_empty() && p.improvements.is_empty() {
            blocks.push(paragraph("Not written yet."));
        }
        blocks.push(heading(3, part_title(2, "Priorities to maintain and improve")));
        blocks.extend(written(&p.priorities));
        blocks.extend(stage1(analysis, &s.id.to_string()));
    }

    // Section C
    blocks.push(heading(1, section_title(report, "C", "Our self-assessment process and sign off")));
    blocks.push(heading(2, "Our process"));
    blocks.extend(written(&report.c.value.process));
    blocks.extend(engagement(analysis));
    blocks.push(heading(2, "Sign-off and endorsements"));
    if report.endorsements.is_empty() {
        blocks.push(paragraph("No endorsements recorded yet."));
    }
    for e in &report.endorsements {
        blocks.push(heading(3, report.role_title(&e.role)));
        blocks.push(Block::LabelledText { label: "Name".into(), text: e.name.clone() });
        blocks.push(Block::LabelledText {
            label: "Date".into(),
            text: crate::web::format_date(e.endorsed_on.midnight().assume_utc()),
        });
        blocks.extend(prose(&e.comment));
    }

    // Section D
    blocks.push(heading(1, section_title(report, "D", "Our self-assessment library and evidence")));
    blocks.push(paragraph(
        "The documents this self-assessment draws on, by the CQC Information Return item they answer. Withdrawn \
         documents are left out.",
    ));
    let rows = crate::evidence::export::rows(&inputs.library);
    let mut themes: Vec<String> = Vec::new();
    for row in &rows {
        if !themes.contains(&row[0]) {
            themes.push(row[0].clone());
        }
    }
    for theme in themes {
        blocks.push(heading(2, theme.clone()));
        blocks.push(Block::Table(Table {
            caption: format!("Evidence for {theme}"),
            header: ["CQC IR", "Evidence item", "Quality statement", "Document type", "Link"]
                .map(String::from)
                .to_vec(),
            rows: rows
                .iter()
                .filter(|r| r[0] == theme)
                .map(|r| vec![r[1].clone(), r[3].clone(), r[4].clone(), r[5].clone(), r[6].clone()])
                .collect(),
        }));
    }

    let a = &report.assessment;
    ReportDocument {
        title: "Adult social care self-assessment".into(),
        council: council.to_owned(),
        subtitle: format!(
            "{} ({} to {})",
            a.title,
            crate::web::format_date(a.period_start.midnight().assume_utc()),
            crate::web::format_date(a.period_end.midnight().assume_utc())
        ),
        produced_on: today.to_string(),
        ident: a.id.to_string(),
        blocks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_paragraphs_and_lists() {
        let blocks = prose("First para\ncontinues.\n\n- one\n- two\n\n  \n\nLast.");
        assert_eq!(
            blocks,
            vec![
                paragraph("First para\ncontinues."),
                Block::Bullets { items: vec!["one".into(), "two".into()] },
                paragraph("Last."),
            ]
        );
        assert!(prose("  \n ").is_empty());
        assert_eq!(prose("• bullet"), vec![Block::Bullets { items: vec!["bullet".into()] }]);
    }

    #[test]
    fn toolkit_titles_lose_their_hints() {
        assert_eq!(clean_title("About us..... (council)"), "About us");
        assert_eq!(clean_title("Our key strengths"), "Our key strengths");
    }

    #[test]
    fn svg_sizes_come_from_the_view_box() {
        assert_eq!(svg_size(r#"<svg viewBox="0 0 720 310.5">"#), (720.0, 310.5));
        assert_eq!(svg_size("<svg>"), (640.0, 360.0));
    }
}
