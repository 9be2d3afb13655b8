//! The report as a Word document (docx-rs): a title page, a table of contents, real heading
//! styles ("heading 1" to "heading 3", with outline levels, so Word's navigation pane and
//! LibreOffice's navigator list them), tables whose header row repeats on every page, the
//! charts as PNG images with alternative text, and page numbers in the footer.
//!
//! docx-rs cannot write two things the document needs, so they are added to its XML before
//! it is zipped: `<w:tblHeader/>` on header rows, and the `descr` (alternative text) and a
//! unique `id` on each image's `<wp:docPr>`. Both edits look for markup only this module
//! produces, and are checked by the tests.
//!
//! The table of contents is a TOC field over heading styles 1–3, filled in with the headings
//! (so it is not empty where fields are not updated, as in LibreOffice's conversion) and
//! marked dirty so Word brings its page numbers up to date when it opens the document. Each
//! entry links to a bookmark on its heading; its page number is a PAGEREF field.

use docx_rs::{
    AbstractNumbering, AlignmentType, BreakType, Docx, Footer, Header, IndentLevel, Level, LevelJc,
    LevelText, LineSpacing, NumPages, NumberFormat, Numbering, NumberingId, PageMargin, PageNum, Paragraph,
    Pic, Run, RunFonts, Shading, ShdType, SpecialIndentType, Start, Style, StyleType, Table, TableCell,
    TableLayoutType, TableRow, WidthType,
};

use super::{RenderError, chart_size, clean, raster};
use crate::report::document::{Block, Chart, ReportDocument};

/// A4 in twentieths of a point, and the margins (2.3 cm).
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
const MARGIN: i32 = 1304;
/// The width text runs across, in EMU (914,400 to the inch; 635 to the twip).
const TEXT_WIDTH_EMU: u64 = (PAGE_W as u64 - 2 * MARGIN as u64) * 635;
/// A chart at its own size: one SVG pixel is 1/96 inch, 9,525 EMU.
const EMU_PER_PX: f64 = 9525.0;

/// The bullet list's numbering (docx-rs already defines abstract numbering 1).
const BULLETS: usize = 10;
/// The style of the paragraph the table of contents replaces.
const TOC_PLACEHOLDER: &str = "SelfassessContents";
const FONT: &str = "Arial";
const INK: &str = "0B0C0C";

/// The docx bytes of `doc`.
pub fn render(doc: &ReportDocument) -> Result<Vec<u8>, RenderError> {
    let mut docx = base(doc);

    // Title page.
    docx = docx
        .add_paragraph(Paragraph::new().style("Title").add_run(Run::new().add_text(clean(&doc.title))))
        .add_paragraph(Paragraph::new().style("Subtitle").add_run(Run::new().add_text(clean(&doc.council))))
        .add_paragraph(Paragraph::new().add_run(Run::new().add_text(clean(&doc.subtitle))))
        .add_paragraph(
            Paragraph::new()
                .add_run(Run::new().add_text(format!("Produced on {}", clean(&doc.produced_on))))
                .add_run(Run::new().add_break(BreakType::Page)),
        );

    // Contents: a placeholder paragraph `patch_document` swaps for the TOC field (docx-rs's
    // own TOC nests content controls and packs a field into one run, which LibreOffice shows
    // as field codes).
    let headings = doc.headings();
    docx = docx.add_paragraph(Paragraph::new().style(TOC_PLACEHOLDER));

    // The charts, drawn first and in parallel (the slow part of a Word export).
    let chart_svgs: Vec<(&str, &str)> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Chart(c) => Some((c.id.as_str(), c.svg.as_str())),
            _ => None,
        })
        .collect();
    let mut drawn = raster::pngs(&chart_svgs)?.into_iter();

    // The body. Every section (level 1) starts a page; the first one ends the contents.
    let mut heading_index = 0;
    let mut tables = 0usize;
    let mut charts: Vec<&Chart> = Vec::new();
    for block in &doc.blocks {
        match block {
            Block::Heading { level, text } => {
                let level = (*level).clamp(1, 3);
                let id = heading_index + 1;
                let mut p = Paragraph::new()
                    .style(&format!("Heading{level}"))
                    .keep_next(true)
                    .add_bookmark_start(id, bookmark(heading_index))
                    .add_run(Run::new().add_text(clean(text)))
                    .add_bookmark_end(id);
                if level == 1 {
                    p = p.page_break_before(true);
                }
                heading_index += 1;
                docx = docx.add_paragraph(p);
            }
            Block::Paragraph { text } => docx = docx.add_paragraph(lines(Paragraph::new(), text, false)),
            Block::LabelledText { label, text } => {
                let p = Paragraph::new().add_run(Run::new().bold().add_text(format!("{}: ", clean(label))));
                docx = docx.add_paragraph(lines(p, text, false));
            }
            Block::Bullets { items } => {
                for item in items {
                    let p = Paragraph::new()
                        .style("ListBullet")
                        .numbering(NumberingId::new(BULLETS), IndentLevel::new(0));
                    docx = docx.add_paragraph(lines(p, item, false));
                }
            }
            Block::Table(table) => {
                tables += 1;
                docx = docx.add_paragraph(
                    Paragraph::new()
                        .style("Caption")
                        .keep_next(true)
                        .add_run(Run::new().add_text(clean(&table.caption))),
                );
                let header = TableRow::new(
                    table
                        .header
                        .iter()
                        .map(|h| {
                            TableCell::new()
                                .shading(Shading::new().shd_type(ShdType::Clear).color("auto").fill("E8E8E8"))
                                .add_paragraph(lines(Paragraph::new().style("TableText"), h, true))
                        })
                        .collect(),
                )
                // cantSplit marks header rows (only they have it); `patch_document` adds tblHeader.
                .cant_split();
                let columns = table.header.len().max(1);
                let mut rows = vec![header];
                for row in &table.rows {
                    let mut cells: Vec<TableCell> = row
                        .iter()
                        .take(columns)
                        .map(|c| {
                            TableCell::new().add_paragraph(lines(
                                Paragraph::new().style("TableText"),
                                c,
                                false,
                            ))
                        })
                        .collect();
                    // Every row has as many cells as the header, even if the document's did not.
                    while cells.len() < columns {
                        cells.push(TableCell::new().add_paragraph(Paragraph::new().style("TableText")));
                    }
                    rows.push(TableRow::new(cells));
                }
                docx = docx.add_table(
                    Table::new(rows)
                        .style("ReportTable")
                        .layout(TableLayoutType::Autofit)
                        .width(5000, WidthType::Pct),
                );
                // Word joins a table to one that follows it directly; keep them apart.
                docx = docx.add_paragraph(Paragraph::new().style("AfterTable"));
            }
            Block::Chart(chart) => {
                let png = drawn.next().ok_or_else(|| RenderError::Docx("a chart was not drawn".into()))?;
                let (w, h) = chart_size(chart);
                let (mut cx, mut cy) = (w * EMU_PER_PX, h * EMU_PER_PX);
                if cx > TEXT_WIDTH_EMU as f64 {
                    cy *= TEXT_WIDTH_EMU as f64 / cx;
                    cx = TEXT_WIDTH_EMU as f64;
                }
                let pic = Pic::new_with_dimensions(png.bytes.clone(), png.width, png.height)
                    .size(cx.round() as u32, cy.round() as u32);
                docx = docx
                    .add_paragraph(
                        Paragraph::new()
                            .style("Caption")
                            .keep_next(true)
                            .add_run(Run::new().add_text(clean(&chart.title))),
                    )
                    .add_paragraph(Paragraph::new().style("Figure").add_run(Run::new().add_image(pic)));
                charts.push(chart);
            }
        }
    }

    let mut xml = docx.build();
    xml.document = patch_document(&xml.document, &toc(&headings), tables, &charts)?;
    xml.doc_props.core = patch_core(&xml.doc_props.core, doc)?;
    xml.styles = patch_styles(&xml.styles)?;
    let mut out = std::io::Cursor::new(Vec::new());
    xml.pack(&mut out).map_err(|e| RenderError::Docx(e.to_string()))?;
    Ok(out.into_inner())
}

/// The bookmark a heading's contents entry links to.
fn bookmark(index: usize) -> String {
    format!("_Toc{:08}", index + 1)
}

/// `text` as runs of `p`, its line breaks as breaks.
fn lines(mut p: Paragraph, text: &str, bold: bool) -> Paragraph {
    let text = clean(text);
    for (i, line) in text.split('\n').enumerate() {
        let mut run = Run::new();
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        run = run.add_text(line);
        if bold {
            run = run.bold();
        }
        p = p.add_run(run);
    }
    p
}

/// Page, fonts, styles, numbering, the running header and the footer with page numbers.
fn base(doc: &ReportDocument) -> Docx {
    let fonts = RunFonts::new().ascii(FONT).hi_ansi(FONT).cs(FONT).east_asia(FONT);
    let heading = |level: usize, size: usize, before: u32| {
        Style::new(format!("Heading{level}"), StyleType::Paragraph)
            .name(format!("heading {level}"))
            .based_on("Normal")
            .next("Normal")
            .q_format(true)
            .ui_priority(9)
            .outline_lvl(level - 1)
            .bold()
            .size(size)
            .color(INK)
            .line_spacing(LineSpacing::new().before(before).after(120))
    };
    let toc = |level: usize| {
        Style::new(format!("ToC{level}"), StyleType::Paragraph)
            .name(format!("toc {level}"))
            .based_on("Normal")
            .next("Normal")
            .ui_priority(39)
            .indent(Some(((level - 1) * 240) as i32), None, Some(567), None)
            .line_spacing(LineSpacing::new().after(60))
    };
    let bullet =
        Level::new(0, Start::new(1), NumberFormat::new("bullet"), LevelText::new("•"), LevelJc::new("left"))
            .indent(Some(720), Some(SpecialIndentType::Hanging(360)), None, None);

    Docx::new()
        .page_size(PAGE_W, PAGE_H)
        .page_margin(
            PageMargin::new().top(MARGIN).bottom(MARGIN).left(MARGIN).right(MARGIN).header(600).footer(600),
        )
        .default_fonts(fonts)
        .default_size(24)
        .add_style(
            Style::new("Normal", StyleType::Paragraph)
                .name("Normal")
                .q_format(true)
                .line_spacing(LineSpacing::new().after(160).line(264)),
        )
        .add_style(heading(1, 36, 0))
        .add_style(heading(2, 30, 360))
        .add_style(heading(3, 26, 240))
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .based_on("Normal")
                .next("Normal")
                .q_format(true)
                .bold()
                .size(56)
                .color(INK)
                .line_spacing(LineSpacing::new().before(2400).after(240)),
        )
        .add_style(
            Style::new("Subtitle", StyleType::Paragraph)
                .name("Subtitle")
                .based_on("Normal")
                .next("Normal")
                .q_format(true)
                .size(36)
                .color(INK)
                .line_spacing(LineSpacing::new().after(480)),
        )
        .add_style(
            Style::new("TOCHeading", StyleType::Paragraph)
                .name("TOC Heading")
                .based_on("Normal")
                .next("Normal")
                .bold()
                .size(36)
                .line_spacing(LineSpacing::new().after(240)),
        )
        .add_style(toc(1))
        .add_style(toc(2))
        .add_style(toc(3))
        .add_style(
            Style::new("Caption", StyleType::Paragraph)
                .name("caption")
                .based_on("Normal")
                .next("Normal")
                .q_format(true)
                .bold()
                .size(22)
                .line_spacing(LineSpacing::new().before(240).after(120)),
        )
        .add_style(Style::new("Figure", StyleType::Paragraph).name("Figure").based_on("Normal"))
        .add_style(
            Style::new("ListBullet", StyleType::Paragraph)
                .name("List Bullet")
                .based_on("Normal")
                .line_spacing(LineSpacing::new().after(80)),
        )
        .add_style(
            Style::new("TableText", StyleType::Paragraph)
                .name("Table Text")
                .based_on("Normal")
                .size(20)
                .line_spacing(LineSpacing::new().before(40).after(40).line(240)),
        )
        .add_style(
            Style::new("AfterTable", StyleType::Paragraph)
                .name("After Table")
                .based_on("Normal")
                .size(12)
                .line_spacing(LineSpacing::new().after(120)),
        )
        .add_style(
            Style::new("ReportTable", StyleType::Table).name("Report Table").set_borders(Default::default()),
        )
        .add_abstract_numbering(AbstractNumbering::new(BULLETS).add_level(bullet))
        .add_numbering(Numbering::new(BULLETS, BULLETS))
        // The title page has neither header nor page number.
        .title_pg()
        .first_header(Header::new().add_paragraph(Paragraph::new()))
        .first_footer(Footer::new().add_paragraph(Paragraph::new()))
        .header(Header::new().add_paragraph(Paragraph::new().align(AlignmentType::Right).size(18).add_run(
            Run::new().size(18).add_text(format!("{} – {}", clean(&doc.council), clean(&doc.title))),
        )))
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_run(Run::new().size(20).add_text("Page "))
                    .add_page_num(PageNum::new())
                    .add_run(Run::new().size(20).add_text(" of "))
                    .add_num_pages(NumPages::new()),
            ),
        )
}

/// The contents as Word writes them: a content control ("Table of Contents") around a TOC
/// field over heading styles 1–3 with hyperlinks (`\\h`), its result the headings as they are
/// now, each a link to its heading's bookmark and a PAGEREF field for its page. The field is
/// marked dirty, so Word brings the page numbers up to date when the document is opened;
/// LibreOffice works PAGEREF fields out itself.
fn toc(headings: &[(u8, &str)]) -> String {
    let text_width = PAGE_W as i32 - 2 * MARGIN;
    let mut x = String::with_capacity(512 + headings.len() * 700);
    x.push_str(
        "<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val=\"Table of Contents\" /><w:docPartUnique />\
         </w:docPartObj></w:sdtPr><w:sdtContent>\
         <w:p><w:pPr><w:pStyle w:val=\"TOCHeading\" /></w:pPr><w:r><w:t>Contents</w:t></w:r></w:p>",
    );
    let field_start = "<w:r><w:fldChar w:fldCharType=\"begin\" w:dirty=\"true\" /></w:r>\
                       <w:r><w:instrText xml:space=\"preserve\"> TOC \\o &quot;1-3&quot; \\h \\z \\u </w:instrText></w:r>\
                       <w:r><w:fldChar w:fldCharType=\"separate\" /></w:r>";
    for (i, (level, text)) in headings.iter().enumerate() {
        let level = (*level).clamp(1, 3);
        let mark = bookmark(i);
        x.push_str(&format!(
            "<w:p><w:pPr><w:pStyle w:val=\"ToC{level}\" /><w:tabs><w:tab w:val=\"right\" w:leader=\"dot\" \
             w:pos=\"{text_width}\" /></w:tabs></w:pPr>{start}<w:hyperlink w:anchor=\"{mark}\" w:history=\"1\">\
             <w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r><w:r><w:tab /></w:r>\
             <w:r><w:fldChar w:fldCharType=\"begin\" /></w:r>\
             <w:r><w:instrText xml:space=\"preserve\"> PAGEREF {mark} \\h </w:instrText></w:r>\
             <w:r><w:fldChar w:fldCharType=\"separate\" /></w:r><w:r><w:fldChar w:fldCharType=\"end\" /></w:r>\
             </w:hyperlink></w:p>",
            start = if i == 0 { field_start } else { "" },
            text = xml_escape(&clean(text)),
        ));
    }
    if headings.is_empty() {
        x.push_str(&format!("<w:p>{field_start}<w:r><w:t>No headings</w:t></w:r></w:p>"));
    }
    x.push_str("<w:p><w:r><w:fldChar w:fldCharType=\"end\" /></w:r></w:p></w:sdtContent></w:sdt>");
    x
}

/// Adds to the document's XML what docx-rs cannot say: header rows that repeat, and each
/// image's alternative text and unique id.
fn patch_document(
    document: &[u8],
    toc: &str,
    tables: usize,
    charts: &[&Chart],
) -> Result<Vec<u8>, RenderError> {
    let xml = std::str::from_utf8(document).map_err(|e| RenderError::Docx(e.to_string()))?;

    // The contents in place of their placeholder paragraph.
    let style = format!("<w:pStyle w:val=\"{TOC_PLACEHOLDER}\" />");
    let missing = || RenderError::Docx("no place for the table of contents".into());
    let at = xml.find(&style).ok_or_else(missing)?;
    let start = xml[..at].rfind("<w:p ").ok_or_else(missing)?;
    let end = at + xml[at..].find("</w:p>").ok_or_else(missing)? + "</w:p>".len();
    let xml = format!("{}{toc}{}", &xml[..start], &xml[end..]);

    const CANT_SPLIT: &str = "<w:cantSplit />";
    let header_rows = xml.matches(CANT_SPLIT).count();
    if header_rows != tables {
        return Err(RenderError::Docx(format!("expected {tables} table header rows, found {header_rows}")));
    }
    let xml = xml.replace(CANT_SPLIT, "<w:cantSplit /><w:tblHeader />");

    const DOC_PR: &str = "<wp:docPr id=\"1\" name=\"Figure\" />";
    let pieces: Vec<&str> = xml.split(DOC_PR).collect();
    if pieces.len() != charts.len() + 1 {
        return Err(RenderError::Docx(format!(
            "expected {} images, found {}",
            charts.len(),
            pieces.len() - 1
        )));
    }
    let mut out = String::with_capacity(xml.len() + charts.iter().map(|c| c.alt.len() + 64).sum::<usize>());
    for (i, piece) in pieces.iter().enumerate() {
        out.push_str(piece);
        if let Some(chart) = charts.get(i) {
            out.push_str(&format!(
                "<wp:docPr id=\"{}\" name=\"{}\" descr=\"{}\" />",
                i + 1,
                xml_escape(&clean(&chart.title)),
                xml_escape(&clean(&chart.alt))
            ));
        }
    }
    Ok(out.into_bytes())
}

/// The document's title and language in its properties (read by screen readers and
/// accessibility checkers).
fn patch_core(core: &[u8], doc: &ReportDocument) -> Result<Vec<u8>, RenderError> {
    let xml = std::str::from_utf8(core).map_err(|e| RenderError::Docx(e.to_string()))?;
    let close = "</cp:coreProperties>";
    let at = xml.rfind(close).ok_or_else(|| RenderError::Docx("no core properties".into()))?;
    let title = format!("{} – {}", clean(&doc.title), clean(&doc.council));
    let mut out = String::with_capacity(xml.len() + title.len() + 80);
    out.push_str(&xml[..at]);
    out.push_str(&format!("<dc:title>{}</dc:title><dc:language>en-GB</dc:language>", xml_escape(&title)));
    out.push_str(&xml[at..]);
    Ok(out.into_bytes())
}

/// British English as the text's language, for spelling and for screen readers.
fn patch_styles(styles: &[u8]) -> Result<Vec<u8>, RenderError> {
    let xml = std::str::from_utf8(styles).map_err(|e| RenderError::Docx(e.to_string()))?;
    let open = "<w:rPrDefault><w:rPr>";
    if !xml.contains(open) {
        return Err(RenderError::Docx("no default run properties in the styles".into()));
    }
    Ok(xml.replacen(open, "<w:rPrDefault><w:rPr><w:lang w:val=\"en-GB\" />", 1).into_bytes())
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
    out
}

/// What a .docx holds, read back from its XML: for tests (here and in the integration
/// tests) to assert the document's structure explicitly.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Structure {
    /// (paragraph style, text) of each paragraph styled Title or HeadingN, in order.
    pub headings: Vec<(String, String)>,
    /// Per table: whether its first row is a repeating header row, and its row count.
    pub tables: Vec<(bool, usize)>,
    /// (name, alternative text) of each image.
    pub images: Vec<(String, String)>,
    /// Entries of the pre-filled table of contents, and whether the TOC field is there.
    pub toc_entries: Vec<String>,
    pub toc_field: bool,
    /// Whether a footer holds a PAGE field.
    pub page_field: bool,
    /// Styles defined as "heading N" with their outline level.
    pub heading_styles: Vec<(String, Option<u32>)>,
}

/// Reads the structure of a .docx written by [`render`].
pub fn structure(docx: &[u8]) -> Result<Structure, RenderError> {
    use std::io::Read as _;
    let fail = |e: String| RenderError::Docx(format!("reading back: {e}"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).map_err(|e| fail(e.to_string()))?;
    let mut part = |name: &str| -> Result<String, RenderError> {
        let mut text = String::new();
        archive
            .by_name(name)
            .map_err(|e| fail(format!("{name}: {e}")))?
            .read_to_string(&mut text)
            .map_err(|e| fail(e.to_string()))?;
        Ok(text)
    };
    let document = part("word/document.xml")?;
    let styles = part("word/styles.xml")?;
    let footers: Vec<String> = (1..=4).filter_map(|n| part(&format!("word/footer{n}.xml")).ok()).collect();

    const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    let text_of = |node: roxmltree::Node<'_, '_>| -> String {
        node.descendants()
            .filter(|n| n.has_tag_name((W, "t")))
            .filter_map(|n| n.text())
            .collect::<Vec<_>>()
            .concat()
    };
    let mut out = Structure::default();
    let doc = roxmltree::Document::parse(&document).map_err(|e| fail(e.to_string()))?;
    for node in doc.descendants() {
        if node.has_tag_name((W, "p")) {
            let style = node
                .descendants()
                .find(|n| n.has_tag_name((W, "pStyle")))
                .and_then(|n| n.attribute((W, "val")))
                .unwrap_or_default();
            if style == "Title" || style.starts_with("Heading") {
                out.headings.push((style.to_owned(), text_of(node)));
            } else if style.starts_with("ToC") {
                let text = text_of(node);
                if !text.is_empty() {
                    out.toc_entries.push(text);
                }
            }
        } else if node.has_tag_name((W, "tbl")) {
            let rows: Vec<_> = node.children().filter(|n| n.has_tag_name((W, "tr"))).collect();
            let header =
                rows.first().is_some_and(|r| r.descendants().any(|n| n.has_tag_name((W, "tblHeader"))));
            out.tables.push((header, rows.len()));
        } else if node.tag_name().name() == "docPr" {
            out.images.push((
                node.attribute("name").unwrap_or_default().to_owned(),
                node.attribute("descr").unwrap_or_default().to_owned(),
            ));
        } else if node.has_tag_name((W, "instrText"))
            && node.text().is_some_and(|t| t.trim_start().starts_with("TOC "))
        {
            out.toc_field = true;
        }
    }
    out.page_field = footers.iter().any(|f| f.contains("<w:instrText>PAGE</w:instrText>"));
    let styles = roxmltree::Document::parse(&styles).map_err(|e| fail(e.to_string()))?;
    for style in styles.descendants().filter(|n| n.has_tag_name((W, "style"))) {
        let name = style
            .children()
            .find(|n| n.has_tag_name((W, "name")))
            .and_then(|n| n.attribute((W, "val")))
            .unwrap_or_default();
        if name.starts_with("heading ") {
            let level = style
                .descendants()
                .find(|n| n.has_tag_name((W, "outlineLvl")))
                .and_then(|n| n.attribute((W, "val")))
                .and_then(|v| v.parse().ok());
            out.heading_styles.push((name.to_owned(), level));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::render::HOSTILE;

    fn s(v: &str) -> String {
        v.to_owned()
    }

    #[test]
    fn the_sample_has_styled_headings_a_toc_header_rows_alt_text_and_page_numbers() {
        let bytes = render(&ReportDocument::sample()).expect("renders");
        let got = structure(&bytes).expect("reads back");
        assert_eq!(
            got,
            Structure {
                headings: vec![
                    (s("Title"), s("Adult social care self-assessment")),
                    (s("Heading1"), s("Section A: Overview and summary")),
                    (s("Heading2"), s("About us")),
                    (s("Heading1"), s("Section C: Our self-assessment process and sign-off")),
                ],
                tables: vec![(true, 3)],
                images: vec![(s("Answers to one statement"), s("75% agree, 25% disagree"))],
                toc_entries: vec![
                    s("Section A: Overview and summary"),
                    s("About us"),
                    s("Section C: Our self-assessment process and sign-off"),
                ],
                toc_field: true,
                page_field: true,
                heading_styles: vec![
                    (s("heading 1"), Some(0)),
                    (s("heading 2"), Some(1)),
                    (s("heading 3"), Some(2))
                ],
            }
        );
    }

    #[test]
    fn the_demo_sized_report_has_every_chart_and_table() {
        let doc = crate::report::render::sample::report(crate::report::render::sample::Size::DEMO);
        let got = structure(&render(&doc).expect("renders")).expect("reads back");
        assert_eq!(got.images.len(), 10);
        assert!(got.images.iter().all(|(_, alt)| alt.starts_with("Diverging bars")));
        assert_eq!(got.tables.len(), 12);
        assert!(got.tables.iter().all(|(header, _)| *header));
        assert_eq!(got.tables.last(), Some(&(true, 61)));
        assert_eq!(got.toc_entries.len(), doc.headings().len());
    }

    #[test]
    fn hostile_text_is_written_literally() {
        let mut doc = ReportDocument::sample();
        doc.council = HOSTILE.into();
        doc.blocks.push(Block::Heading { level: 2, text: HOSTILE.into() });
        doc.blocks.push(Block::Paragraph { text: HOSTILE.into() });
        if let Some(Block::Chart(chart)) = doc.blocks.iter_mut().find(|b| matches!(b, Block::Chart(_))) {
            chart.alt = HOSTILE.into();
            chart.title = HOSTILE.into();
        }
        let got = structure(&render(&doc).expect("renders")).expect("well-formed XML");
        let literal = clean(HOSTILE).into_owned();
        assert!(got.headings.contains(&(s("Heading2"), literal.clone())), "{:?}", got.headings);
        assert_eq!(got.images, vec![(literal.clone(), literal)]);
    }

    #[test]
    fn line_breaks_in_text_are_breaks() {
        let mut doc = ReportDocument::sample();
        doc.blocks = vec![Block::Paragraph { text: "one\ntwo".into() }];
        let bytes = render(&doc).expect("renders");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").expect("part"), &mut xml)
            .expect("read");
        assert!(xml.contains("<w:br w:type=\"textWrapping\" />"), "{xml}");
    }
}
