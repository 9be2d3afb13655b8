//! The report as one accessible, self-contained HTML page: `lang="en-GB"`, a skip link, a
//! contents list linking to every heading, headings h1 (the title) to h4, tables with
//! captions and column headers, and the charts inline as SVG (`role="img"`, named by their
//! alternative text). No scripts and no external resources: the page is a download that
//! must open anywhere, offline.
//!
//! The one `<style>` element is fine in a downloaded file, but the app's Content Security
//! Policy forbids inline styles: to show this page inside the app, serve [`STYLE`] as a
//! stylesheet of its own (or give the element the request's CSP nonce) instead.
//!
//! All text is escaped. The chart SVG is not copied as it stands: it is parsed and written
//! out again keeping only drawing elements and attributes (no scripts, event handlers,
//! links, `style` or foreign content), so even a chart made from hostile labels cannot carry
//! markup into the page.

use std::fmt::Write as _;

use super::{chart_size, clean};
use crate::report::document::{Block, Chart, ReportDocument, Table};

/// The page's own styles (system fonts only, nothing loaded).
pub const STYLE: &str = "\
body{font-family:Arial,Helvetica,sans-serif;font-size:1.1875rem;line-height:1.5;color:#0b0c0c;\
max-width:48rem;margin:0 auto;padding:0 1rem 3rem}\
.skip-link{position:absolute;left:-9999px}\
.skip-link:focus{position:static;display:inline-block;margin:.5rem 0;padding:.25rem;background:#fd0;\
color:#0b0c0c;outline:3px solid #0b0c0c}\
a{color:#1d70b8}a:focus{background:#fd0;color:#0b0c0c;outline:3px solid #fd0;box-shadow:0 4px #0b0c0c}\
h1{font-size:2.5rem;line-height:1.1}h2{font-size:1.9rem;margin-top:2.5rem}h3{font-size:1.4rem}\
h4{font-size:1.2rem}.council{font-size:1.5rem;margin:0}\
nav ol{list-style:none;padding-left:1.25rem}nav>ol{padding-left:0}\
table{border-collapse:collapse;width:100%;margin:1rem 0 2rem}caption{font-weight:bold;text-align:left;\
padding-bottom:.5rem}th,td{border-bottom:1px solid #b1b4b6;padding:.4rem .6rem .4rem 0;text-align:left;\
vertical-align:top;overflow-wrap:anywhere}thead th{border-bottom:2px solid #0b0c0c}\
figure{margin:1.5rem 0}figcaption{font-weight:bold;margin-bottom:.5rem}svg{max-width:100%;height:auto}\
@media print{.skip-link{display:none}h2{break-before:page}}";

/// The HTML page of `doc`.
pub fn render(doc: &ReportDocument) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let ids = heading_ids(doc);
    let title = format!("{} – {}", clean(&doc.title), clean(&doc.council));
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <a class=\"skip-link\" href=\"#main\">Skip to main content</a>\n<main id=\"main\">\n\
         <h1>{}</h1>\n<p class=\"council\">{}</p>\n<p>{}</p>\n<p>Produced on {}</p>\n",
        esc(&title),
        esc(&doc.title),
        esc(&doc.council),
        esc(&doc.subtitle),
        esc(&doc.produced_on),
    );
    contents(&mut out, doc, &ids);

    let mut heading = 0;
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                let h = level.clamp(&1, &3) + 1;
                let _ = writeln!(out, "<h{h} id=\"{}\">{}</h{h}>", ids[heading], esc(text));
                heading += 1;
            }
            Block::Paragraph { text } => {
                let _ = writeln!(out, "<p>{}</p>", esc_lines(text));
            }
            Block::LabelledText { label, text } => {
                let _ = writeln!(out, "<p><strong>{}:</strong> {}</p>", esc(label), esc_lines(text));
            }
            Block::Bullets { items } => {
                out.push_str("<ul>\n");
                for item in items {
                    let _ = writeln!(out, "<li>{}</li>", esc_lines(item));
                }
                out.push_str("</ul>\n");
            }
            Block::Table(table) => write_table(&mut out, table),
            Block::Chart(chart) => write_chart(&mut out, chart),
        }
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// A unique id for each heading, from its position and words ("s3-about-us").
fn heading_ids(doc: &ReportDocument) -> Vec<String> {
    doc.headings()
        .iter()
        .enumerate()
        .map(|(i, (_, text))| {
            let mut slug = String::new();
            for c in text.chars().flat_map(char::to_lowercase) {
                if c.is_ascii_alphanumeric() {
                    slug.push(c);
                } else if !slug.ends_with('-') && !slug.is_empty() {
                    slug.push('-');
                }
                if slug.len() >= 64 {
                    break;
                }
            }
            let slug = slug.trim_end_matches('-');
            if slug.is_empty() { format!("s{}", i + 1) } else { format!("s{}-{slug}", i + 1) }
        })
        .collect()
}

/// The contents: nested lists following the heading levels.
fn contents(out: &mut String, doc: &ReportDocument, ids: &[String]) {
    let headings = doc.headings();
    if headings.is_empty() {
        return;
    }
    out.push_str("<nav aria-labelledby=\"contents-title\">\n<h2 id=\"contents-title\">Contents</h2>\n");
    // For each open list, whether its last item is still open.
    let mut open: Vec<bool> = Vec::new();
    for ((level, text), id) in headings.iter().zip(ids) {
        let level = usize::from((*level).clamp(1, 3));
        while open.len() > level {
            if open.pop() == Some(true) {
                out.push_str("</li>");
            }
            out.push_str("</ol>\n");
        }
        if open.len() == level && open.last() == Some(&true) {
            out.push_str("</li>\n");
            if let Some(last) = open.last_mut() {
                *last = false;
            }
        }
        while open.len() < level {
            // A level skipped (1 then 3) still nests inside an item.
            if let Some(last) = open.last_mut()
                && !*last
            {
                out.push_str("<li>");
                *last = true;
            }
            out.push_str("<ol>\n");
            open.push(false);
        }
        let _ = write!(out, "<li><a href=\"#{id}\">{}</a>", esc(text));
        if let Some(last) = open.last_mut() {
            *last = true;
        }
    }
    while let Some(item_open) = open.pop() {
        if item_open {
            out.push_str("</li>");
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</nav>\n");
}

fn write_table(out: &mut String, table: &Table) {
    let _ = write!(out, "<table>\n<caption>{}</caption>\n<thead>\n<tr>", esc(&table.caption));
    for h in &table.header {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc_lines(h));
    }
    out.push_str("</tr>\n</thead>\n<tbody>\n");
    let columns = table.header.len();
    for row in &table.rows {
        out.push_str("<tr>");
        for cell in row.iter().take(columns.max(1)) {
            let _ = write!(out, "<td>{}</td>", esc_lines(cell));
        }
        for _ in row.len()..columns {
            out.push_str("<td></td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn write_chart(out: &mut String, chart: &Chart) {
    let _ = write!(out, "<figure>\n<figcaption>{}</figcaption>\n", esc(&chart.title));
    match safe_svg(chart) {
        Some(svg) => out.push_str(&svg),
        // An SVG that does not parse is left out; its words stay.
        None => {
            let _ = write!(out, "<p>{}</p>", esc(&chart.alt));
        }
    }
    out.push_str("\n</figure>\n");
}

/// Elements a chart may draw with; anything else is left out with its content.
const SVG_ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "title",
    "desc",
    "defs",
    "pattern",
    "linearGradient",
    "radialGradient",
    "stop",
    "clipPath",
    "rect",
    "line",
    "polyline",
    "polygon",
    "path",
    "circle",
    "ellipse",
    "text",
    "tspan",
];

/// The chart's SVG written out again from its parsed tree: allowed elements and plain
/// presentation attributes only, every value and text escaped, the root named by the chart's
/// alternative text.
fn safe_svg(chart: &Chart) -> Option<String> {
    let svg = clean(&chart.svg);
    let tree = roxmltree::Document::parse(&svg).ok()?;
    let root = tree.root_element();
    if root.tag_name().name() != "svg" {
        return None;
    }
    let mut out = String::with_capacity(svg.len() + 128);
    let (w, h) = chart_size(chart);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\" focusable=\"false\"",
        esc(&chart.alt)
    );
    if root.attribute("viewBox").is_none() {
        let _ = write!(out, " viewBox=\"0 0 {w} {h}\"");
    }
    write_attributes(&mut out, root, true);
    out.push('>');
    for child in root.children() {
        write_node(&mut out, child);
    }
    out.push_str("</svg>");
    Some(out)
}

fn write_node(out: &mut String, node: roxmltree::Node<'_, '_>) {
    if node.is_text() {
        out.push_str(&esc(node.text().unwrap_or_default()));
        return;
    }
    if !node.is_element() || node.tag_name().namespace() != Some("http://www.w3.org/2000/svg") {
        return;
    }
    let name = node.tag_name().name();
    let Some(name) = SVG_ELEMENTS.iter().find(|allowed| **allowed == name) else {
        return;
    };
    let _ = write!(out, "<{name}");
    write_attributes(out, node, false);
    out.push('>');
    for child in node.children() {
        write_node(out, child);
    }
    let _ = write!(out, "</{name}>");
}

fn write_attributes(out: &mut String, node: roxmltree::Node<'_, '_>, root: bool) {
    for attr in node.attributes() {
        let name = attr.name();
        let value = attr.value();
        let lower = name.to_ascii_lowercase();
        let plain = attr.namespace().is_none()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && !lower.starts_with("on")
            && lower != "style"
            && lower != "href"
            && lower != "xmlns";
        // The root's accessibility attributes are the chart's own (set above).
        let replaced = root
            && matches!(
                lower.as_str(),
                "role" | "aria-labelledby" | "aria-describedby" | "aria-label" | "focusable"
            );
        let safe_value = !value.to_ascii_lowercase().contains("javascript:")
            && value.match_indices("url(").all(|(at, _)| value[at + 4..].trim_start().starts_with('#'));
        if plain && !replaced && safe_value {
            let _ = write!(out, " {name}=\"{}\"", esc(value));
        }
    }
}

/// Text safe in HTML content and attribute values.
fn esc(text: &str) -> String {
    let text = clean(text);
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped text with its line breaks as `<br>`.
fn esc_lines(text: &str) -> String {
    esc(text).replace('\n', "<br>\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::render::HOSTILE;
    use scraper::{Html, Selector};

    fn select<'a>(page: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
        page.select(&Selector::parse(css).expect("selector")).collect()
    }
    fn texts(page: &Html, css: &str) -> Vec<String> {
        select(page, css).iter().map(|e| e.text().collect::<String>().trim().to_owned()).collect()
    }

    #[test]
    fn the_sample_is_one_accessible_page() {
        let html = render(&ReportDocument::sample());
        let page = Html::parse_document(&html);
        assert_eq!(select(&page, "html")[0].value().attr("lang"), Some("en-GB"));
        assert_eq!(
            texts(&page, "head > title"),
            ["Adult social care self-assessment – Exampleshire County Council"]
        );
        assert_eq!(select(&page, "a.skip-link")[0].value().attr("href"), Some("#main"));
        assert_eq!(select(&page, "main#main").len(), 1);
        assert_eq!(texts(&page, "h1"), ["Adult social care self-assessment"]);
        assert_eq!(
            texts(&page, "main > h2, main > h3, main > h4"),
            [
                "Section A: Overview and summary",
                "About us",
                "Section C: Our self-assessment process and sign-off"
            ]
        );
        // The contents link to every heading, nested by level.
        let links: Vec<String> =
            select(&page, "nav a").iter().filter_map(|a| a.value().attr("href").map(str::to_owned)).collect();
        assert_eq!(
            links,
            [
                "#s1-section-a-overview-and-summary",
                "#s2-about-us",
                "#s3-section-c-our-self-assessment-process-and-sign-off"
            ]
        );
        for link in &links {
            assert_eq!(select(&page, link).len(), 1, "{link}");
        }
        assert_eq!(texts(&page, "nav > ol > li > ol > li > a"), ["About us"]);
        assert_eq!(texts(&page, "table caption"), ["Responses by group"]);
        assert_eq!(texts(&page, "thead th[scope=col]"), ["Group", "Responses"]);
        assert_eq!(texts(&page, "tbody tr:first-child td"), ["Staff", "120"]);
        let svg = &select(&page, "figure svg")[0];
        assert_eq!(svg.value().attr("role"), Some("img"));
        assert_eq!(svg.value().attr("aria-label"), Some("75% agree, 25% disagree"));
        assert_eq!(texts(&page, "figure figcaption"), ["Answers to one statement"]);
        assert_eq!(texts(&page, "ul li"), ["First strength", "Second strength"]);
        // No scripts and nothing loaded from elsewhere.
        assert!(select(&page, "script, link, img, iframe, object").is_empty());
        assert!(!html.replace("http://www.w3.org/2000/svg", "").contains("http"));
        assert!(html.contains("We are a county council of 800,000 people &amp; &lt;many&gt; villages."));
    }

    #[test]
    fn hostile_text_is_escaped_everywhere() {
        let mut doc = ReportDocument::sample();
        doc.title = HOSTILE.into();
        doc.blocks.push(Block::Heading { level: 3, text: HOSTILE.into() });
        doc.blocks.push(Block::LabelledText { label: HOSTILE.into(), text: HOSTILE.into() });
        doc.blocks.push(Block::Table(Table {
            caption: HOSTILE.into(),
            header: vec![HOSTILE.into()],
            rows: vec![vec![HOSTILE.into()]],
        }));
        let html = render(&doc);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains('\u{7}') && !html.contains('\u{1b}'));
        let page = Html::parse_document(&html);
        let literal = clean(HOSTILE).into_owned();
        assert_eq!(texts(&page, "h1"), [literal.trim()]);
        assert_eq!(texts(&page, "h4"), [literal.trim()]);
        assert_eq!(texts(&page, "table:last-of-type thead th"), [literal.trim()]);
        assert_eq!(texts(&page, "table:last-of-type caption"), [literal.trim()]);
    }

    #[test]
    fn chart_svg_keeps_drawing_and_loses_anything_active() {
        let hostile_svg = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10" onload="alert(1)" role="presentation"><script>alert(2)</script><rect width="5" height="5" fill="url(#p)" onclick="x()" style="fill:red"/><rect width="5" height="5" fill="url(https://evil.example/x)"/><a xlink:href="javascript:alert(3)"><text x="1" y="1">hi &lt;b&gt;</text></a><foreignObject><div>x</div></foreignObject><image href="https://evil.example/i.png"/><text x="1" y="9">kept</text></svg>"##;
        let chart = Chart {
            id: "c".into(),
            title: "T".into(),
            alt: "A \"quoted\" <alt>".into(),
            svg: hostile_svg.into(),
            width: 10.0,
            height: 10.0,
        };
        let svg = safe_svg(&chart).expect("parses");
        for bad in [
            "script",
            "onload",
            "onclick",
            "style",
            "evil",
            "javascript",
            "foreignObject",
            "<a",
            "<image",
            "presentation",
        ] {
            assert!(!svg.contains(bad), "{bad} in {svg}");
        }
        assert!(svg.contains("fill=\"url(#p)\""), "{svg}");
        assert!(svg.contains("<text x=\"1\" y=\"9\">kept</text>"), "{svg}");
        assert!(svg.contains("aria-label=\"A &quot;quoted&quot; &lt;alt&gt;\""), "{svg}");
        // Not SVG at all: the words stay, the markup does not.
        let mut broken = chart.clone();
        broken.svg = "<svg><unclosed>".into();
        let mut out = String::new();
        write_chart(&mut out, &broken);
        assert!(out.contains("<p>A &quot;quoted&quot; &lt;alt&gt;</p>"), "{out}");
    }

    #[test]
    fn skipped_heading_levels_still_nest_in_the_contents() {
        let mut doc = ReportDocument::sample();
        doc.blocks = vec![
            Block::Heading { level: 1, text: "One".into() },
            Block::Heading { level: 3, text: "Three".into() },
            Block::Heading { level: 1, text: "Again".into() },
        ];
        let page = Html::parse_document(&render(&doc));
        assert_eq!(texts(&page, "nav > ol > li > a"), ["One", "Again"]);
        assert_eq!(texts(&page, "nav > ol > li > ol > li > ol > li > a"), ["Three"]);
    }
}
