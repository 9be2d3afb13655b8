//! The finished self-assessment document as plain data: headings, paragraphs, lists, tables
//! and charts in reading order. `service` builds it from the assessment; the renderers
//! (`render::docx`, `render::html`, `render::typst`) only lay it out, so the three formats
//! always say the same thing.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportDocument {
    /// "Adult social care self-assessment" — the document's title.
    pub title: String,
    /// The council's name, shown under the title and in the running header.
    pub council: String,
    /// The assessment's own title and period, for the title page.
    pub subtitle: String,
    /// The day the document was produced (ISO 8601, "2026-11-23"), shown on the title page.
    pub produced_on: String,
    /// A stable identifier (the assessment id), for the PDF's document id.
    pub ident: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// Level 1 is a section ("Section A: Overview and summary"), 2 a part of one, 3 below.
    Heading {
        level: u8,
        text: String,
    },
    /// One paragraph of plain text (no markup; line breaks inside are soft breaks).
    Paragraph {
        text: String,
    },
    /// A short label and its text on one line, e.g. "Name: Jo Bloggs".
    LabelledText {
        label: String,
        text: String,
    },
    Bullets {
        items: Vec<String>,
    },
    Table(Table),
    Chart(Chart),
}

/// A table with one header row. Every row has as many cells as the header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// Says what the table holds (a caption in HTML and PDF, a caption paragraph in Word).
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A Stage 1 chart: the SVG the analysis pages show, with its alternative text. Every chart
/// is followed in the document by a table of the same figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    /// Unique in the document; safe as a file name ("chart-qs1").
    pub id: String,
    pub title: String,
    /// Alternative text: what the chart shows, in words.
    pub alt: String,
    pub svg: String,
    /// The SVG's intrinsic size in pixels (from its viewBox), for scaling in Word and PDF.
    pub width: f64,
    pub height: f64,
}

impl ReportDocument {
    /// Every heading, in order, with its level (for tables of contents and tests).
    pub fn headings(&self) -> Vec<(u8, &str)> {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading { level, text } => Some((*level, text.as_str())),
                _ => None,
            })
            .collect()
    }

    /// A small document with one of every block, for the renderers' tests and the bench.
    pub fn sample() -> ReportDocument {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 120" width="400" height="120" role="img" aria-labelledby="t d"><title id="t">Answers</title><desc id="d">Two bars</desc><rect x="10" y="10" width="300" height="40" fill="#12436d"/><rect x="10" y="60" width="150" height="40" fill="#f46a25"/><text x="320" y="35" font-family="Arial" font-size="14">75%</text></svg>"##;
        ReportDocument {
            title: "Adult social care self-assessment".into(),
            council: "Exampleshire County Council".into(),
            subtitle: "Self-assessment 2026 (1 April 2026 to 31 March 2027)".into(),
            produced_on: "2026-11-23".into(),
            ident: "00000000-0000-0000-0000-000000000000".into(),
            blocks: vec![
                Block::Heading { level: 1, text: "Section A: Overview and summary".into() },
                Block::Heading { level: 2, text: "About us".into() },
                Block::Paragraph {
                    text: "We are a county council of 800,000 people & <many> villages.".into(),
                },
                Block::Bullets { items: vec!["First strength".into(), "Second strength".into()] },
                Block::Heading {
                    level: 1,
                    text: "Section C: Our self-assessment process and sign-off".into(),
                },
                Block::Chart(Chart {
                    id: "chart-sample".into(),
                    title: "Answers to one statement".into(),
                    alt: "75% agree, 25% disagree".into(),
                    svg: svg.into(),
                    width: 400.0,
                    height: 120.0,
                }),
                Block::Table(Table {
                    caption: "Responses by group".into(),
                    header: vec!["Group".into(), "Responses".into()],
                    rows: vec![
                        vec!["Staff".into(), "120".into()],
                        vec!["Partners".into(), "fewer than 5".into()],
                    ],
                }),
                Block::LabelledText {
                    label: "Director of adult social services".into(),
                    text: "Jo Bloggs".into(),
                },
            ],
        }
    }
}
