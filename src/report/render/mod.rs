//! Renderers of a [`super::document::ReportDocument`]: Word, HTML, PDF (feature `pdf`) and
//! the zip pack. Each is pure: a document in, bytes out; nothing is read from the disk (the
//! fonts charts are drawn with are compiled in).
//!
//! Text the council wrote is never markup in any format: every renderer escapes it for its
//! own syntax (XML, HTML, typst), and [`clean`] first drops the control characters none of
//! the formats can carry (XML 1.0 forbids most of them), so all three say the same thing.

use std::borrow::Cow;

pub mod docx;
pub mod html;
pub mod pack;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod raster;
pub mod sample;
pub mod typst;

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the Word document could not be written: {0}")]
    Docx(String),
    #[error("chart {id} could not be drawn: {reason}")]
    Chart { id: String, reason: String },
    #[error("the PDF could not be typeset: {0}")]
    Pdf(String),
    #[error("the zip could not be written ({entry}): {source}")]
    Zip {
        entry: String,
        #[source]
        source: zip::result::ZipError,
    },
    #[error("the zip could not be written ({entry}): {source}")]
    ZipIo {
        entry: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the PDF export needs selfassess built with the `pdf` feature")]
    PdfUnavailable,
    #[error("the pack's {entry} could not be written: {reason}")]
    PackEntry { entry: String, reason: String },
}

/// Whether this build can make PDFs (the `pdf` cargo feature), so pages can offer the PDF or
/// say why not.
pub const fn pdf_available() -> bool {
    cfg!(feature = "pdf")
}

/// The text with the characters no format can carry taken out: C0 controls other than tab
/// and line breaks, DEL and C1 controls, and the noncharacters U+FFFE/U+FFFF. Tabs become
/// spaces and CR LF or CR becomes LF, so a line break means the same in every format.
pub fn clean(text: &str) -> Cow<'_, str> {
    let unwanted = |c: char| {
        (c.is_control() && c != '\n')
            || c == '\u{FFFE}'
            || c == '\u{FFFF}'
            || c == '\u{2028}'
            || c == '\u{2029}'
    };
    if !text.chars().any(unwanted) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push(' '),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\u{2028}' | '\u{2029}' => out.push('\n'),
            c if unwanted(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The chart's own size in pixels, or a sensible one when the document did not say.
pub(crate) fn chart_size(chart: &super::document::Chart) -> (f64, f64) {
    let ok = |v: f64| v.is_finite() && v > 0.0;
    if ok(chart.width) && ok(chart.height) { (chart.width, chart.height) } else { (800.0, 400.0) }
}

/// Hostile text used by every renderer's tests: markup of each format, XML specials and
/// control characters.
#[cfg(test)]
pub(crate) const HOSTILE: &str = "<script>alert(1)</script> & \"q\" 'a' #set page(width: 1cm) \
     = not a heading *bold* _it_ $x^2$ <label> @ref [x] \\ // c /* d */ -- ... 1. \u{1}\u{7}\u{1b}\u{7f}end";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_drops_control_characters_and_keeps_line_breaks() {
        assert_eq!(clean("a\u{0}b\u{7}c\u{1b}d\u{7f}e\u{85}f\u{ffff}g"), "abcdefg");
        assert_eq!(clean("one\r\ntwo\rthree\nfour\tfive"), "one\ntwo\nthree\nfour five");
        assert!(matches!(clean("plain text, é and ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn pdf_availability_follows_the_feature() {
        assert_eq!(pdf_available(), cfg!(feature = "pdf"));
    }
}
