//! The report as a tagged PDF (feature `pdf`): the markup of [`super::typst::markup`]
//! typeset by `selfassess-pdf` with typst's bundled fonts, all embedded. Headings become
//! bookmarks; the structure tree makes it a tagged PDF.

use super::{RenderError, typst};
use crate::report::document::ReportDocument;

/// The PDF bytes of `doc`.
pub fn render(doc: &ReportDocument) -> Result<Vec<u8>, RenderError> {
    let (markup, files) = typst::markup(doc);
    let date = typst::date(&doc.produced_on).unwrap_or((1970, 1, 1));
    selfassess_pdf::typeset(&selfassess_pdf::Document {
        markup: &markup,
        files: &files,
        ident: &doc.ident,
        date,
    })
    .map_err(|e| RenderError::Pdf(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::Block;
    use crate::report::render::HOSTILE;

    #[test]
    fn the_sample_typesets_as_a_tagged_pdf() {
        let pdf = render(&ReportDocument::sample()).expect("typesets");
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.windows(14).any(|w| w == b"StructTreeRoot"));
        assert!(pdf.windows(8).any(|w| w == b"/Outline"), "bookmarks");
    }

    #[test]
    fn hostile_text_typesets() {
        let mut doc = ReportDocument::sample();
        doc.title = HOSTILE.into();
        doc.blocks.push(Block::Heading { level: 2, text: HOSTILE.into() });
        doc.blocks.push(Block::Paragraph { text: format!("{HOSTILE}\n{HOSTILE}") });
        doc.blocks.push(Block::Bullets { items: vec![HOSTILE.into()] });
        render(&doc).expect("typesets");
    }
}
