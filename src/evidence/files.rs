//! Checks on uploaded files, before anything is stored: the name, the type by content (not by
//! the name), archives that would unpack into far more than they are (zip bombs), and the
//! text of each type for the personal-information checker. No database, no network: plain
//! functions over bytes and files, run off the async threads by the caller.
//!
//! # What is accepted
//!
//! | type | recognised by |
//! | --- | --- |
//! | PDF | `%PDF-` within the first 1,024 bytes |
//! | Word (DOCX) | a zip holding `[Content_Types].xml` and `word/document.xml` |
//! | Excel (XLSX) | a zip holding `[Content_Types].xml` and `xl/workbook.xml` |
//! | PNG | its 8-byte signature |
//! | JPEG | `FF D8 FF` |
//! | CSV, plain text | no other signature, no NUL or other control bytes but tab, CR, LF and form feed, UTF-8 (or a single-byte code page) |
//!
//! The name's extension must agree with the content (`.csv` or `.txt` for text). Anything
//! else (a program, a script behind `.pdf`, an ODT, a plain zip) is refused.
//!
//! # Archives (DOCX and XLSX)
//!
//! Refused when they hold more than [`ArchiveLimits::max_entries`] entries, when their entries
//! unpack (really unpack, counted while inflating, not as the archive claims) into more than
//! [`ArchiveLimits::max_total_bytes`] altogether, or when an entry over 1 MB unpacked is more
//! than [`ArchiveLimits::max_ratio`] times its packed size. PDFs' compressed streams are
//! inflated and counted against the same total.
//!
//! # Names
//!
//! A name is kept only to be shown and to name the download; files are stored under generated
//! names. Refused: empty names, names over [`MAX_NAME_CHARS`] characters, names with a `/` or
//! `\` (a path, as in `../../etc/passwd`), `..`, control characters or Unicode direction
//! overrides, and names that are only dots and spaces.

use std::io::{Read, Seek};

use serde::{Deserialize, Serialize};

use super::pii::Location;
use crate::spreadsheets::cells::column_letter;

/// The longest file name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 150;

/// A type of file the library accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FileType {
    Pdf,
    Docx,
    Xlsx,
    Csv,
    Txt,
    Png,
    Jpeg,
}

impl FileType {
    pub const ALL: [FileType; 7] = [
        FileType::Pdf,
        FileType::Docx,
        FileType::Xlsx,
        FileType::Csv,
        FileType::Txt,
        FileType::Png,
        FileType::Jpeg,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Docx => "docx",
            FileType::Xlsx => "xlsx",
            FileType::Csv => "csv",
            FileType::Txt => "txt",
            FileType::Png => "png",
            FileType::Jpeg => "jpeg",
        }
    }

    pub fn parse(s: &str) -> Option<FileType> {
        FileType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The media type it is served with (always as an attachment).
    pub fn media_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Csv => "text/csv; charset=utf-8",
            FileType::Txt => "text/plain; charset=utf-8",
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
        }
    }

    /// For people: "PDF", "Word document".
    pub fn label(self) -> &'static str {
        match self {
            FileType::Pdf => "PDF",
            FileType::Docx => "Word document",
            FileType::Xlsx => "Excel workbook",
            FileType::Csv => "CSV file",
            FileType::Txt => "text file",
            FileType::Png => "PNG image",
            FileType::Jpeg => "JPEG image",
        }
    }

    /// The extensions a name of this type may end with.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Pdf => &["pdf"],
            FileType::Docx => &["docx"],
            FileType::Xlsx => &["xlsx"],
            FileType::Csv => &["csv"],
            FileType::Txt => &["txt"],
            FileType::Png => &["png"],
            FileType::Jpeg => &["jpg", "jpeg"],
        }
    }

    /// Whether the checker can read its text (images cannot be read).
    pub fn has_text(self) -> bool {
        !matches!(self, FileType::Png | FileType::Jpeg)
    }
}

/// The accepted extensions, for the upload form's `accept` and messages.
pub const ACCEPT: &str = ".pdf,.docx,.xlsx,.csv,.txt,.png,.jpg,.jpeg";

/// Checks an uploaded file's name; returns it trimmed.
pub fn check_name(name: &str) -> Result<String, String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(
            "The file has no name: give it one (for example carers-strategy.pdf) and upload it again".into(),
        );
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "The file's name is {} characters long: shorten it to {MAX_NAME_CHARS} characters or fewer and upload it again",
            trimmed.chars().count()
        ));
    }
    if trimmed.contains('/') || trimmed.contains('\\') || trimmed.contains("..") {
        return Err(
            "The file's name contains a path (/, \\ or ..): rename the file without them and upload it again"
                .into(),
        );
    }
    let hostile = |c: char| {
        c.is_control()
            || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if trimmed.chars().any(hostile) {
        return Err("The file's name contains control characters or hidden text-direction marks: rename the file and upload it again".into());
    }
    if trimmed.chars().all(|c| c == '.' || c.is_whitespace()) {
        return Err("The file's name is only dots: rename the file and upload it again".into());
    }
    Ok(trimmed.to_owned())
}

/// The lower-case extension of a name, if any.
pub fn extension(name: &str) -> Option<String> {
    let (_, ext) = name.rsplit_once('.')?;
    (!ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// A `Content-Disposition` value for a download: always an attachment, with an ASCII fallback
/// name (letters, digits, `-`, `_`, `.`) and the original name encoded as RFC 5987 allows.
pub fn content_disposition(name: &str) -> String {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, ext),
        _ => (name, ""),
    };
    let clean = |s: &str, max: usize| -> String {
        let mut out = String::new();
        for c in s.chars() {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
            if out.len() >= max {
                break;
            }
        }
        out.trim_end_matches('-').to_owned()
    };
    let stem = clean(stem, 100);
    let ext = clean(ext, 10);
    let fallback = match (stem.is_empty(), ext.is_empty()) {
        (true, true) => "evidence".to_owned(),
        (true, false) => format!("evidence.{ext}"),
        (false, true) => stem,
        (false, false) => format!("{stem}.{ext}"),
    };
    let encoded: String =
        url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20");
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The type of a file by its first bytes (`head`: at least the first 8 KB, or the whole file
/// when shorter), checked against the name's extension. Archives' contents are checked later
/// by [`check_archive`].
pub fn sniff(head: &[u8], name: &str) -> Result<FileType, String> {
    let ext = extension(name).unwrap_or_default();
    let found = if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        FileType::Png
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        FileType::Jpeg
    } else if head.windows(5).take(1024).any(|w| w == b"%PDF-") {
        FileType::Pdf
    } else if head.starts_with(b"PK\x03\x04") {
        match ext.as_str() {
            "docx" => FileType::Docx,
            "xlsx" => FileType::Xlsx,
            _ => {
                return Err(format!(
                    "The file is a zip archive{}: upload a PDF, Word (.docx), Excel (.xlsx), CSV, text, PNG or JPEG file",
                    if ext.is_empty() { String::new() } else { format!(" named .{ext}") }
                ));
            }
        }
    } else if let Some(what) = program(head) {
        return Err(format!(
            "The file is {what}, not a document: it cannot be added to the evidence library"
        ));
    } else if looks_like_text(head) {
        match ext.as_str() {
            "csv" => FileType::Csv,
            "txt" => FileType::Txt,
            _ => {
                return Err(format!(
                    "The file holds plain text but its name ends .{ext}: name it .csv or .txt, or upload the document itself"
                ));
            }
        }
    } else {
        return Err(
            "The file is not a type the library takes: upload a PDF, Word (.docx), Excel (.xlsx), CSV, text, PNG or JPEG file"
                .into(),
        );
    };
    if !found.extensions().contains(&ext.as_str()) {
        return Err(format!(
            "The file is a {} but its name ends {}: rename it to end .{} and upload it again",
            found.label(),
            if ext.is_empty() { "without an extension".to_owned() } else { format!(".{ext}") },
            found.extensions()[0]
        ));
    }
    Ok(found)
}

/// Programs and scripts, by their signatures.
fn program(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"MZ") {
        Some("a Windows program")
    } else if head.starts_with(b"\x7fELF") {
        Some("a Linux program")
    } else if head.starts_with(&[0xCF, 0xFA, 0xED, 0xFE]) || head.starts_with(&[0xCA, 0xFE, 0xBA, 0xBE]) {
        Some("a macOS program")
    } else if head.starts_with(b"#!") {
        Some("a script")
    } else if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Some(
            "an old-style Office file (.doc, .xls, which can carry macros): save it as .docx or .xlsx or PDF",
        )
    } else {
        None
    }
}

/// Text: no NUL and no control bytes but tab, LF, CR and form feed; UTF-8, or single-byte.
fn looks_like_text(head: &[u8]) -> bool {
    !head.is_empty() && !head.iter().any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)) && {
        // A UTF-8 sequence may be cut at the end of the head.
        match std::str::from_utf8(head) {
            Ok(_) => true,
            Err(e) => e.error_len().is_none() || !head.contains(&0x7F),
        }
    }
}

/// Limits on archives (and on PDFs' compressed streams).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    pub max_entries: usize,
    pub max_total_bytes: u64,
    pub max_ratio: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits { max_entries: 2_000, max_total_bytes: 300 * 1024 * 1024, max_ratio: 100 }
    }
}

/// An entry over this many bytes unpacked must not be more than `max_ratio` times its size.
const RATIO_FLOOR: u64 = 1024 * 1024;

const BOMB: &str =
    "The file unpacks into far more than its size (it looks like a \"zip bomb\"), so it was refused";

/// Checks a DOCX or XLSX: a readable zip with the parts of its type, within the limits,
/// counted by really inflating every entry.
pub fn check_archive<R: Read + Seek>(reader: R, kind: FileType, limits: ArchiveLimits) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(reader)
        .map_err(|_| format!("The file is named as a {} but cannot be opened as one", kind.label()))?;
    if archive.len() > limits.max_entries {
        return Err(format!(
            "The file holds {} parts, more than the {} a document may have, so it was refused",
            archive.len(),
            limits.max_entries
        ));
    }
    let required: &[&str] = match kind {
        FileType::Docx => &["[Content_Types].xml", "word/document.xml"],
        FileType::Xlsx => &["[Content_Types].xml", "xl/workbook.xml"],
        _ => &[],
    };
    for part in required {
        if archive.index_for_name(part).is_none() {
            return Err(format!(
                "The file is named as a {} but is not one (it has no {part}): save it again from Word or Excel",
                kind.label()
            ));
        }
    }
    let mut total: u64 = 0;
    let mut buffer = vec![0u8; 64 * 1024];
    for i in 0..archive.len() {
        let mut entry =
            archive.by_index(i).map_err(|_| format!("A part of the {} cannot be read", kind.label()))?;
        let raw = entry.name_raw();
        if raw.windows(2).any(|w| w == b"..") || raw.starts_with(b"/") || raw.contains(&b'\\') {
            return Err("The file holds a part with a path outside the document, so it was refused".into());
        }
        let packed = entry.compressed_size().max(1);
        let claimed = entry.size();
        if claimed > limits.max_total_bytes || (claimed > RATIO_FLOOR && claimed / packed > limits.max_ratio)
        {
            return Err(BOMB.into());
        }
        let mut unpacked: u64 = 0;
        loop {
            let n = entry
                .read(&mut buffer)
                .map_err(|_| format!("A part of the {} cannot be read", kind.label()))?;
            if n == 0 {
                break;
            }
            unpacked += n as u64;
            total += n as u64;
            if total > limits.max_total_bytes
                || (unpacked > RATIO_FLOOR && unpacked / packed > limits.max_ratio)
            {
                return Err(BOMB.into());
            }
        }
    }
    Ok(())
}

/// Inflates every `/FlateDecode` stream of a PDF, counting the bytes against the limits (a
/// small PDF can hold a stream that inflates to gigabytes).
pub fn check_pdf_streams(bytes: &[u8], limits: ArchiveLimits) -> Result<(), String> {
    let mut total: u64 = 0;
    let mut at = 0;
    let mut buffer = vec![0u8; 64 * 1024];
    while let Some(offset) = find(&bytes[at..], b"stream") {
        let start = at + offset + b"stream".len();
        at = start;
        // "endstream" also contains "stream": skip it.
        if bytes[..start].ends_with(b"endstream") {
            continue;
        }
        let data_start = match bytes.get(start..start + 2) {
            Some(b"\r\n") => start + 2,
            Some([b'\n', _]) => start + 1,
            _ => continue,
        };
        let Some(length) = find(&bytes[data_start..], b"endstream") else { break };
        let data = &bytes[data_start..data_start + length];
        // Only streams whose dictionary (between the object's `obj` and `stream`) names
        // FlateDecode.
        let head = &bytes[start.saturating_sub(4096)..start];
        let object = head.windows(3).rposition(|w| w == b"obj").unwrap_or(0);
        let flate = find(&head[object..], b"FlateDecode").is_some();
        if flate {
            let mut decoder = flate2::read::ZlibDecoder::new(data);
            let mut unpacked: u64 = 0;
            loop {
                match decoder.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        unpacked += n as u64;
                        total += n as u64;
                        let packed = data.len().max(1) as u64;
                        if total > limits.max_total_bytes
                            || (unpacked > RATIO_FLOOR * 10 && unpacked / packed > limits.max_ratio * 10)
                        {
                            return Err(BOMB.replace("zip bomb", "decompression bomb"));
                        }
                    }
                }
            }
        }
        at = data_start + length;
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The text of a file, in parts each with its location, for the personal-information checker.
/// Images have none. An error means the text could not be read (the item then needs a look).
pub fn extract_text(bytes: &[u8], kind: FileType) -> Result<Vec<(Location, String)>, String> {
    match kind {
        FileType::Txt => Ok(vec![(Location::Line { line: 1 }, decode_text(bytes))]),
        FileType::Csv => csv_text(bytes),
        FileType::Docx => docx_text(bytes),
        FileType::Xlsx => xlsx_text(bytes),
        FileType::Pdf => pdf_text(bytes),
        FileType::Png | FileType::Jpeg => Ok(vec![]),
    }
}

/// UTF-8 (a byte-order mark dropped), or else Windows-1252 as Latin-1.
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

fn csv_text(bytes: &[u8]) -> Result<Vec<(Location, String)>, String> {
    let text = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("The CSV file cannot be read: {e}"))?;
        for (col, value) in record.iter().enumerate() {
            if !value.trim().is_empty() {
                let cell = format!("{}{}", column_letter(col as u32), row + 1);
                out.push((Location::Cell { sheet: String::new(), cell }, value.to_owned()));
            }
        }
    }
    Ok(out)
}

fn xlsx_text(bytes: &[u8]) -> Result<Vec<(Location, String)>, String> {
    use calamine::{Data, Reader};
    let mut workbook: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .map_err(|_| "The Excel workbook cannot be read".to_owned())?;
    let mut out = Vec::new();
    for sheet in workbook.sheet_names() {
        let Ok(range) = workbook.worksheet_range(&sheet) else { continue };
        let (row0, col0) = range.start().unwrap_or((0, 0));
        for (r, row) in range.rows().enumerate() {
            for (c, value) in row.iter().enumerate() {
                let text = match value {
                    Data::String(s) => s.clone(),
                    // NHS numbers and phone numbers are often typed as numbers.
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                    Data::Int(i) => i.to_string(),
                    Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                    _ => continue,
                };
                if text.trim().is_empty() {
                    continue;
                }
                let cell = format!("{}{}", column_letter(col0 + c as u32), row0 as usize + r + 1);
                out.push((Location::Cell { sheet: sheet.clone(), cell }, text));
            }
        }
    }
    Ok(out)
}

/// The text of `<w:t>` runs, a paragraph (`<w:p>`) at a time, from the body, headers,
/// footers, footnotes, endnotes and comments.
fn docx_text(bytes: &[u8]) -> Result<Vec<(Location, String)>, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|_| "The Word document cannot be read".to_owned())?;
    let mut names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .filter(|n| {
            *n == "word/document.xml"
                || (n.starts_with("word/")
                    && n.ends_with(".xml")
                    && ["header", "footer", "footnotes", "endnotes", "comments"]
                        .iter()
                        .any(|p| n[5..].starts_with(p)))
        })
        .collect();
    names.sort_by_key(|n| (n != "word/document.xml", n.clone()));
    let mut out = Vec::new();
    let mut paragraph = 0u32;
    for name in names {
        let mut xml = String::new();
        archive
            .by_name(&name)
            .map_err(|_| "The Word document cannot be read".to_owned())?
            .read_to_string(&mut xml)
            .map_err(|_| "The Word document cannot be read".to_owned())?;
        for text in docx_paragraphs(&xml) {
            paragraph += 1;
            if !text.trim().is_empty() {
                out.push((Location::Paragraph { paragraph }, text));
            }
        }
    }
    Ok(out)
}

/// The paragraphs of a WordprocessingML part, as text.
pub fn docx_paragraphs(xml: &str) -> Vec<String> {
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else { break };
        let tag = &rest[open + 1..open + close];
        let after = &rest[open + close + 1..];
        let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or_default();
        match name {
            "w:t" if !tag.starts_with('/') && !tag.ends_with('/') => {
                let end = after.find("</w:t>").unwrap_or(after.len());
                current.push_str(&unescape_xml(&after[..end]));
                rest = &after[end..];
                continue;
            }
            "w:tab" => current.push('\t'),
            "w:br" | "w:cr" => current.push('\n'),
            "w:p" if tag.starts_with('/') || tag.ends_with('/') => {
                paragraphs.push(std::mem::take(&mut current));
            }
            _ => {}
        }
        rest = after;
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs
}

fn unescape_xml(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';').filter(|s| *s <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        let entity = &after[..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn pdf_text(bytes: &[u8]) -> Result<Vec<(Location, String)>, String> {
    // pdf-extract panics on some malformed files: a panic is a file that cannot be read.
    let pages = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem_by_pages(bytes))
        .map_err(|_| "The PDF's text cannot be read".to_owned())?
        .map_err(|_| "The PDF's text cannot be read (it may be encrypted or damaged)".to_owned())?;
    Ok(pages
        .into_iter()
        .enumerate()
        .map(|(i, text)| (Location::Page { page: i as u32 + 1, line: 1 }, text))
        .collect())
}

#[cfg(test)]
pub mod tests;
