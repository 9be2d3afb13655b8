//! A typst "world" with nothing in it but one markup file, the files it names (chart
//! images) and typst's bundled fonts: nothing is read from the disk or the network, so a
//! report typesets the same on every machine.

use std::collections::HashMap;
use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

/// Why a document could not be typeset.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the report could not be typeset: {0}")]
    Typeset(String),
    #[error("an attached file has an unusable name: {0}")]
    FileName(String),
}

/// Fonts are parsed once per process; typst's bundled set (Libertinus, New Computer Modern,
/// DejaVu Sans Mono) is embedded in the binary.
static FONTS: LazyLock<(LazyHash<FontBook>, Vec<Font>)> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
    (LazyHash::new(FontBook::from_fonts(&fonts)), fonts)
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::builder().build()));

/// A document to typeset: typst markup for `/main.typ` and the files it refers to by
/// absolute path (for example `("/charts/qs1.svg", bytes)`).
pub struct Document<'a> {
    pub markup: &'a str,
    pub files: &'a [(String, Vec<u8>)],
    /// Stable identifier for the PDF's document id (for example the assessment id).
    pub ident: &'a str,
    /// The day printed as the document's date (year, month, day).
    pub date: (i32, u8, u8),
}

struct ReportWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: Option<Datetime>,
}

fn file_id(path: &str) -> Result<FileId, PdfError> {
    let vpath = VirtualPath::new(path).map_err(|_| PdfError::FileName(path.to_string()))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.0
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::AccessDenied) }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files.get(&id).cloned().ok_or(FileError::AccessDenied)
    }
    fn font(&self, index: usize) -> Option<Font> {
        FONTS.1.get(index).cloned()
    }
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

fn describe(diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics.iter().map(|d| d.message.to_string()).collect::<Vec<_>>().join("; ")
}

/// Typesets `document` as a tagged PDF (typst tags by default) with every font embedded.
pub fn typeset(document: &Document<'_>) -> Result<Vec<u8>, PdfError> {
    let main_id = file_id("/main.typ")?;
    let mut files = HashMap::new();
    for (path, bytes) in document.files {
        files.insert(file_id(path)?, Bytes::new(bytes.clone()));
    }
    let (year, month, day) = document.date;
    let world = ReportWorld {
        main: Source::new(main_id, document.markup.to_string()),
        files,
        today: Datetime::from_ymd(year, month, day),
    };
    let compiled = typst::compile::<PagedDocument>(&world);
    let result = compiled.output.map_err(|errors| PdfError::Typeset(describe(&errors))).and_then(|paged| {
        let options = typst_pdf::PdfOptions {
            ident: Smart::Custom(document.ident.to_string()),
            tagged: true,
            ..Default::default()
        };
        typst_pdf::pdf(&paged, &options).map_err(|errors| PdfError::Typeset(describe(&errors)))
    });
    // typst memoises work across compilations (fonts, layouts, images) in process-wide
    // caches; in a long-running server they would only grow. Drop entries unused for the
    // last few compilations, as typst's own watch mode does.
    typst::comemo::evict(EVICT_AFTER);
    result
}

/// Compilations a memoised result may go unused before it is evicted.
const EVICT_AFTER: usize = 10;

/// Typst markup escaping for text we did not write (titles, answers, names), for when it
/// must be markup rather than a string literal (`#"…"`, which is simpler and preferred).
///
/// Every ASCII punctuation character is escaped with a backslash (in markup a backslash
/// before any character that is not whitespace or `u{` prints that character), which covers
/// the markup syntax (`# * _ ` $ < > @ = - + / [ ] ~ " '`, comments `//` and `/*`) and the
/// shorthands (`...`, `--`, `-?`, numbered items `1.` and term lists `/ a:`), and makes
/// links (`https://`) plain text. A line break becomes a forced line break (`\` and a
/// newline), so a blank line in the text cannot end a paragraph early, and other control
/// characters, which no PDF text can show, are left out.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4 + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("\\\n"),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typesets_a_page_with_a_heading_and_an_image() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><rect width="100" height="50" fill="navy"/></svg>"#;
        let files = vec![("/chart.svg".to_string(), svg.to_vec())];
        let markup = "#set document(title: [Test])\n= Heading\nSome text.\n#image(\"/chart.svg\", alt: \"A navy box\")\n";
        let pdf =
            typeset(&Document { markup, files: &files, ident: "t", date: (2026, 11, 23) }).expect("typesets");
        assert!(pdf.starts_with(b"%PDF-"));
        // Tagged: the structure tree root is present.
        assert!(pdf.windows(14).any(|w| w == b"StructTreeRoot"));
    }

    #[test]
    fn markup_errors_are_reported_not_panicked() {
        let err = typeset(&Document { markup: "#nonexistent()", files: &[], ident: "t", date: (2026, 1, 1) });
        assert!(matches!(err, Err(PdfError::Typeset(_))));
    }

    #[test]
    fn escaped_text_is_typeset_literally() {
        let hostile = "#panic(\"x\") = not a heading *bold* $x$ <label> @ref\n\n1. item\n- item\n\
                       // comment /* open comment ... -- https://example.org \\ \u{7}";
        let markup = format!("{}\n", escape(hostile));
        let pdf = typeset(&Document { markup: &markup, files: &[], ident: "t", date: (2026, 1, 1) });
        assert!(pdf.is_ok(), "{pdf:?}");
    }

    #[test]
    fn escape_covers_line_starts_shorthands_and_controls() {
        assert_eq!(escape("1. a"), "1\\. a");
        assert_eq!(escape("a\nb"), "a\\\nb");
        assert_eq!(escape("a\r\nb"), "a\\\nb");
        assert_eq!(escape("x\u{7}y"), "xy");
        assert_eq!(escape("..."), "\\.\\.\\.");
        assert_eq!(escape("é ✓"), "é ✓");
    }
}
