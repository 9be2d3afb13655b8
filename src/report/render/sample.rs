//! A synthetic report the size of a whole council's, for the renderers' tests and the
//! benchmark (`bench/report.sh`): Section A of about 2,000 words, nine quality statement
//! parts of about 750 words each, Section C with a table of responses by group and Stage 1
//! charts drawn by [`crate::analysis::charts::diverging`] (ten rows each), and Section D's
//! evidence table. Deterministic: the same arguments give the same document.

use crate::analysis::charts::{ChartText, DivergingRow, diverging};
use crate::report::document::{Block, Chart, ReportDocument, Table};

/// How big the synthetic report is.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    /// Quality statement parts in Section B (nine in the demo framework).
    pub statements: usize,
    /// Words in each part.
    pub words_per_statement: usize,
    /// Stage 1 charts in Section C.
    pub charts: usize,
    /// Rows of the Section D evidence table.
    pub evidence_rows: usize,
}

impl Size {
    /// The demo council's report.
    pub const DEMO: Size = Size { statements: 9, words_per_statement: 750, charts: 10, evidence_rows: 60 };
}

const WORDS: &[&str] = &[
    "people",
    "carers",
    "we",
    "our",
    "support",
    "assessment",
    "needs",
    "teams",
    "partners",
    "care",
    "and",
    "the",
    "with",
    "to",
    "improve",
    "outcomes",
    "waiting",
    "times",
    "reduced",
    "providers",
    "market",
    "quality",
    "safe",
    "services",
    "community",
    "health",
    "integrated",
    "feedback",
    "shows",
    "that",
    "most",
    "residents",
    "agree",
    "in",
    "of",
    "for",
    "local",
    "priorities",
    "strength",
    "area",
    "development",
    "workforce",
    "plan",
    "data",
];

/// `count` words of plain prose, in sentences, different for each `seed`.
pub fn prose(seed: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 8);
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(12_345);
    for i in 0..count {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let word = WORDS[(state >> 33) % WORDS.len()];
        let sentence_start = i % 15 == 0;
        if i > 0 {
            out.push_str(if sentence_start { ". " } else { " " });
        }
        if sentence_start {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push_str(word);
        }
    }
    out.push('.');
    out
}

/// A report of the given size.
pub fn report(size: Size) -> ReportDocument {
    let mut blocks = Vec::new();
    let heading = |level: u8, text: &str| Block::Heading { level, text: text.to_owned() };
    let paragraphs = |blocks: &mut Vec<Block>, seed: usize, words: usize| {
        // Paragraphs of about 120 words.
        let mut left = words;
        let mut n = 0;
        while left > 0 {
            let take = left.min(120);
            blocks.push(Block::Paragraph { text: prose(seed * 100 + n, take) });
            left -= take;
            n += 1;
        }
    };

    blocks.push(heading(1, "Section A: Overview and summary"));
    for (i, part) in [
        "About us",
        "Our strategy for adult social care",
        "Our key strengths",
        "Our key risks, issues and challenges",
    ]
    .iter()
    .enumerate()
    {
        blocks.push(heading(2, part));
        paragraphs(&mut blocks, i + 1, 500);
    }

    blocks.push(heading(1, "Section B: Quality statements"));
    for qs in 1..=size.statements {
        blocks.push(heading(2, &format!("QS{qs}: Quality statement {qs}")));
        let words = size.words_per_statement;
        blocks.push(heading(3, "Introduction and summary"));
        paragraphs(&mut blocks, 100 + qs, words * 2 / 5);
        blocks.push(heading(3, "Current performance"));
        blocks.push(Block::LabelledText { label: "Strengths".into(), text: String::new() });
        blocks.push(Block::Bullets { items: (0..3).map(|i| prose(200 + qs * 10 + i, words / 15)).collect() });
        blocks.push(Block::LabelledText { label: "Areas for improvement".into(), text: String::new() });
        blocks.push(Block::Bullets { items: (0..3).map(|i| prose(300 + qs * 10 + i, words / 15)).collect() });
        blocks.push(heading(3, "Priorities to maintain and improve"));
        paragraphs(&mut blocks, 400 + qs, words / 5);
    }

    blocks.push(heading(1, "Section C: Our self-assessment process and sign-off"));
    blocks.push(heading(2, "Our process"));
    paragraphs(&mut blocks, 500, 400);
    let groups = [
        "People who draw on care and support",
        "Unpaid carers",
        "Staff",
        "Partners",
        "Care providers",
        "Voluntary and community sector",
        "Elected members",
        "Health partners",
        "Young carers",
        "People waiting for an assessment",
    ];
    blocks.push(Block::Table(Table {
        caption: "Responses by group and mode".into(),
        header: vec!["Group".into(), "Survey".into(), "Workshop".into(), "Total".into()],
        rows: groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let (s, w) = (40 + i * 17, 3 + i);
                vec![(*g).into(), s.to_string(), w.to_string(), (s + w).to_string()]
            })
            .collect(),
    }));
    blocks.push(heading(2, "What people told us"));
    for c in 0..size.charts {
        let id = format!("chart-qs{}", c + 1);
        let title = format!("Answers to the statements of quality statement {}", c + 1);
        let rows: Vec<DivergingRow> = (0..10)
            .map(|r| DivergingRow {
                label: format!("Statement {}.{}", c + 1, r + 1),
                counts: if (c + r) % 9 == 8 {
                    None
                } else {
                    Some([
                        (r as u64 * 3) % 7,
                        5 + r as u64,
                        10 + c as u64,
                        30 + (r * c) as u64 % 20,
                        20 + r as u64,
                    ])
                },
            })
            .collect();
        let alt = format!(
            "Diverging bars of the answers to ten statements of quality statement {}: most people agree with each.",
            c + 1
        );
        let svg = diverging(&ChartText { id: &id, title: &title, description: &alt }, &rows, 5);
        let (width, height) = view_box(&svg).unwrap_or((800.0, 450.0));
        blocks.push(Block::Chart(Chart { id, title: title.clone(), alt, svg, width, height }));
        blocks.push(Block::Table(Table {
            caption: format!("{title} (figures)"),
            header: vec!["Statement".into(), "Disagree".into(), "Agree".into(), "Don't know".into()],
            rows: (0..10)
                .map(|r| {
                    vec![format!("Statement {}.{}", c + 1, r + 1), "20%".into(), "75%".into(), "5%".into()]
                })
                .collect(),
        }));
    }
    blocks.push(heading(2, "Sign-off"));
    for role in ["Council leader", "Chief executive", "Director of adult social services"] {
        blocks.push(Block::LabelledText { label: role.into(), text: "Jo Bloggs, 20 November 2026".into() });
        blocks.push(Block::Paragraph { text: prose(role.len(), 40) });
    }

    blocks.push(heading(1, "Section D: Our self-assessment library and evidence"));
    blocks.push(Block::Table(Table {
        caption: "Evidence library".into(),
        header: ["Theme", "CQC IR", "Evidence item", "Quality statement", "Document type", "Date or period"]
            .iter()
            .map(|h| (*h).to_owned())
            .collect(),
        rows: (0..size.evidence_rows)
            .map(|i| {
                vec![
                    format!("Theme {}", i % 4 + 1),
                    format!("IR{}", i + 1),
                    format!("Evidence item {}: {}", i + 1, prose(600 + i, 8)),
                    format!("QS{}", i % 9 + 1),
                    "Report".into(),
                    "2026-04-01 to 2027-03-31".into(),
                ]
            })
            .collect(),
    }));

    ReportDocument {
        title: "Adult social care self-assessment".into(),
        council: "Exampleshire County Council".into(),
        subtitle: "Self-assessment 2026 (1 April 2026 to 31 March 2027)".into(),
        produced_on: "2026-11-23".into(),
        ident: "00000000-0000-0000-0000-000000000001".into(),
        blocks,
    }
}

/// The width and height of an SVG's `viewBox`.
pub fn view_box(svg: &str) -> Option<(f64, f64)> {
    let start = svg.find("viewBox=\"")? + "viewBox=\"".len();
    let end = start + svg[start..].find('"')?;
    let parts: Vec<f64> = svg[start..end].split_whitespace().filter_map(|p| p.parse().ok()).collect();
    match parts[..] {
        [_, _, w, h] => Some((w, h)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_sized_report_has_the_expected_parts() {
        let doc = report(Size::DEMO);
        let words = |b: &Block| match b {
            Block::Paragraph { text } => text.split_whitespace().count(),
            Block::Bullets { items } => items.iter().map(|i| i.split_whitespace().count()).sum(),
            _ => 0,
        };
        let total: usize = doc.blocks.iter().map(words).sum();
        assert!((8_000..11_000).contains(&total), "{total} words");
        let charts = doc.blocks.iter().filter(|b| matches!(b, Block::Chart(_))).count();
        assert_eq!(charts, 10);
        assert_eq!(doc.headings().iter().filter(|(l, _)| *l == 1).count(), 4);
        assert_eq!(prose(1, 10), prose(1, 10));
        assert_eq!(view_box("<svg viewBox=\"0 0 812.5 446\">"), Some((812.5, 446.0)));
    }
}
