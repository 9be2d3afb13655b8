//! The report as typst markup, for the PDF (`render::pdf`, feature `pdf`). Always compiled
//! and pure, so its tests run without typst.
//!
//! Every piece of the council's text goes into the markup as a typst *string literal*
//! (`#"…"`), never as markup: in a string only `\` and `"` mean anything, and both are
//! escaped, so headings, asterisks, dollars, labels, comments or `#` code in the text are
//! printed as they are.
//!
//! The layout: a title page without a page number; the contents (`#outline`, three levels);
//! then the sections, each on a new page, numbered from 1 in the footer. Headings become the
//! PDF's bookmarks; tables and charts are figures with captions above them, tables with a
//! header row that repeats on each page (`table.header`), charts as SVG with their
//! alternative text (`alt:`). Fonts: typst's bundled Libertinus Serif only.

use std::fmt::Write as _;

use super::{chart_size, clean};
use crate::report::document::{Block, ReportDocument};

/// The text width on the page (A4, 2.3 cm margins), in points, for sizing charts.
const TEXT_WIDTH_PT: f64 = 595.28 - 2.0 * 65.2;
/// A chart at its own size: one SVG pixel is 3/4 of a point.
const PT_PER_PX: f64 = 0.75;

/// The markup of `doc` (for `/main.typ`) and the files it names: each chart's SVG as
/// `/charts/<n>-<id>.svg`.
pub fn markup(doc: &ReportDocument) -> (String, Vec<(String, Vec<u8>)>) {
    let mut m = String::with_capacity(32 * 1024);
    let mut files = Vec::new();
    let title = format!("{} – {}", clean(&doc.title), clean(&doc.council));
    let date = date(&doc.produced_on)
        .map(|(y, mo, d)| format!(", date: datetime(year: {y}, month: {mo}, day: {d})"))
        .unwrap_or_default();
    let _ = write!(
        m,
        "#set document(title: {}, author: {}{date})\n\
         #set text(lang: \"en\", region: \"gb\", size: 11pt, font: \"Libertinus Serif\")\n\
         #set par(justify: false, spacing: 0.9em)\n\
         #set page(paper: \"a4\", margin: 2.3cm, numbering: none)\n\
         #set heading(numbering: none)\n\
         #show heading.where(level: 1): set text(size: 20pt)\n\
         #show heading.where(level: 2): set text(size: 15pt)\n\
         #show heading.where(level: 3): set text(size: 12.5pt)\n\
         #show heading: set block(above: 1.6em, below: 0.8em)\n\
         #show figure: set block(breakable: true)\n\
         #show figure.where(kind: table): set figure.caption(position: top)\n\
         #show figure.where(kind: image): set figure.caption(position: top)\n\
         #show figure.caption: set text(weight: \"bold\")\n\
         #set table(stroke: (x, y) => if y == 0 {{ (bottom: 1pt) }} else {{ (bottom: 0.4pt + luma(180)) }}, \
         inset: (x: 4pt, y: 5pt), align: left)\n\
         #set list(indent: 0.6em)\n",
        lit(&title),
        lit(&doc.council),
    );

    // The title page: the document's title element (tagged as the title), the council, the
    // assessment and the day.
    let _ = write!(
        m,
        "#v(25%)\n#title[#{}]\n#text(size: 18pt)[#{}]\n\n#{}\n\nProduced on #{}\n\
         #pagebreak()\n\
         #outline(title: [Contents], depth: 3)\n\
         #set page(numbering: \"1\", header: context align(right, text(size: 9pt)[#{}]))\n\
         #counter(page).update(1)\n",
        lit(&doc.title),
        lit(&doc.council),
        lit(&doc.subtitle),
        lit(&doc.produced_on),
        lit(&title),
    );

    let mut charts = 0usize;
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                let level = (*level).clamp(1, 3);
                if level == 1 {
                    m.push_str("#pagebreak(weak: true)\n");
                }
                let _ = writeln!(m, "#heading(level: {level})[#{}]", lit(text));
            }
            Block::Paragraph { text } => {
                let _ = writeln!(m, "#par[{}]", lines(text));
            }
            Block::LabelledText { label, text } => {
                let _ = writeln!(m, "#par[#strong[#{}:] {}]", lit(label), lines(text));
            }
            Block::Bullets { items } => {
                m.push_str("#list(");
                for item in items {
                    let _ = write!(m, "[{}], ", lines(item));
                }
                m.push_str(")\n");
            }
            Block::Table(table) => {
                let columns = table.header.len().max(1);
                let _ = write!(
                    m,
                    "#figure(kind: table, caption: [#{}], table(columns: {columns}, table.header(",
                    lit(&table.caption)
                );
                for h in &table.header {
                    let _ = write!(m, "[#strong[{}]], ", lines(h));
                }
                m.push_str("),\n");
                for row in &table.rows {
                    for i in 0..columns {
                        let _ = write!(m, "[{}], ", row.get(i).map(|c| lines(c)).unwrap_or_default());
                    }
                    m.push('\n');
                }
                m.push_str("))\n");
            }
            Block::Chart(chart) => {
                charts += 1;
                let path = format!("/charts/{charts}-{}.svg", file_stem(&chart.id));
                let (w, _) = chart_size(chart);
                let width = w * PT_PER_PX;
                let width = if width >= TEXT_WIDTH_PT { "100%".to_owned() } else { format!("{width:.1}pt") };
                let _ = writeln!(
                    m,
                    "#figure(kind: image, caption: [#{}], image({}, alt: {}, width: {width}))",
                    lit(&chart.title),
                    lit(&path),
                    lit(&chart.alt),
                );
                files.push((path, clean(&chart.svg).into_owned().into_bytes()));
            }
        }
    }
    (m, files)
}

/// A typst string literal holding `text` exactly.
pub fn lit(text: &str) -> String {
    let text = clean(text);
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Content of `text` with its line breaks kept: string literals joined by `#linebreak()`.
fn lines(text: &str) -> String {
    clean(text).split('\n').map(|line| format!("#{}", lit(line))).collect::<Vec<_>>().join("#linebreak()")
}

/// A chart id as a file name: letters, digits, `-` and `_` only.
fn file_stem(id: &str) -> String {
    let stem: String =
        id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').take(64).collect();
    if stem.is_empty() { "chart".into() } else { stem }
}

/// "2026-11-23" as (2026, 11, 23), if it is a date.
pub fn date(iso: &str) -> Option<(i32, u8, u8)> {
    let mut parts = iso.trim().splitn(3, '-');
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next()?.parse().ok()?;
    let d: u8 = parts.next()?.get(..2)?.parse().ok()?;
    ((1..=9999).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::render::HOSTILE;

    #[test]
    fn string_literals_escape_only_backslash_quote_and_line_breaks() {
        assert_eq!(lit(r#"a\b"c"#), r#""a\\b\"c""#);
        assert_eq!(lit("one\ntwo"), r#""one\ntwo""#);
        assert_eq!(lit("#set *x* $y$ <l> @r // c"), "\"#set *x* $y$ <l> @r // c\"");
        assert_eq!(lit("bell\u{7}"), "\"bell\"");
    }

    #[test]
    fn hostile_text_is_only_ever_inside_string_literals() {
        let mut doc = ReportDocument::sample();
        doc.council = HOSTILE.into();
        doc.blocks.push(crate::report::document::Block::Paragraph { text: format!("{HOSTILE}\nline two") });
        let (markup, _) = markup(&doc);
        // Take every string literal out: what is left must hold none of the hostile text.
        let mut outside = String::new();
        let mut chars = markup.chars();
        while let Some(c) = chars.next() {
            if c == '"' {
                while let Some(s) = chars.next() {
                    match s {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
                outside.push_str("\"\"");
            } else {
                outside.push(c);
            }
        }
        for piece in ["<script>", "not a heading", "alert", "@ref", "$x^2$", "width: 1cm"] {
            assert!(!outside.contains(piece), "{piece} outside a string literal:\n{outside}");
        }
        assert!(!markup.contains('\u{7}') && !markup.contains('\u{1b}'));
    }

    #[test]
    fn the_sample_becomes_headings_figures_and_files() {
        let (markup, files) = markup(&ReportDocument::sample());
        assert!(markup.contains("#heading(level: 1)[#\"Section A: Overview and summary\"]"), "{markup}");
        assert!(markup.contains("#heading(level: 2)[#\"About us\"]"));
        assert!(markup.contains("#outline(title: [Contents], depth: 3)"));
        assert!(markup.contains("table.header([#strong[#\"Group\"]], [#strong[#\"Responses\"]], )"));
        assert!(markup.contains("alt: \"75% agree, 25% disagree\""));
        assert!(markup.contains("datetime(year: 2026, month: 11, day: 23)"));
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "/charts/1-chart-sample.svg");
        assert!(files[0].1.starts_with(b"<svg"));
        // A 400 px chart is printed at its own size (300 pt), not stretched.
        assert!(markup.contains("width: 300.0pt"));
    }

    #[test]
    fn dates_are_read_strictly() {
        assert_eq!(date("2026-11-23"), Some((2026, 11, 23)));
        assert_eq!(date("2026-13-01"), None);
        assert_eq!(date("soon"), None);
    }

    #[test]
    fn chart_files_have_safe_names() {
        assert_eq!(file_stem("../../etc/passwd"), "etcpasswd");
        assert_eq!(file_stem("<>"), "chart");
    }
}
