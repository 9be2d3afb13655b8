//! The assessment pack: one zip of files already rendered (the document in each format, the
//! evidence table, the analysis workbook). Pure: names and bytes in, zip bytes out.

use std::io::Write as _;

use zip::write::SimpleFileOptions;

use super::RenderError;

/// A zip holding each `(name, bytes)` entry in order. Names are used as they are, so give
/// plain relative ones ("report.docx", "evidence/evidence.csv"); a name that is absolute,
/// climbs out (`..`) or repeats another is refused.
pub fn zip(entries: &[(String, Vec<u8>)]) -> Result<Vec<u8>, RenderError> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut seen = std::collections::HashSet::new();
    for (name, bytes) in entries {
        let bad = name.is_empty()
            || name.starts_with('/')
            || name.contains('\\')
            || name.split('/').any(|part| part == ".." || part == "." || part.is_empty())
            || name.chars().any(char::is_control)
            || !seen.insert(name.as_str());
        if bad {
            return Err(RenderError::Zip {
                entry: name.clone(),
                source: zip::result::ZipError::InvalidArchive("unsafe or repeated entry name".into()),
            });
        }
        // Already-compressed formats (docx, xlsx, pdf, zip) are stored, the rest deflated.
        let compressed = [".docx", ".xlsx", ".zip", ".png"].iter().any(|ext| name.ends_with(ext));
        let method =
            if compressed { zip::CompressionMethod::Stored } else { zip::CompressionMethod::Deflated };
        let options = SimpleFileOptions::default().compression_method(method).unix_permissions(0o644);
        writer
            .start_file(name.as_str(), options)
            .map_err(|source| RenderError::Zip { entry: name.clone(), source })?;
        writer.write_all(bytes).map_err(|source| RenderError::ZipIo { entry: name.clone(), source })?;
    }
    let cursor = writer.finish().map_err(|source| RenderError::Zip { entry: "(end)".into(), source })?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn entries_come_back_with_their_names_and_bytes() {
        let entries = vec![
            ("report.html".to_string(), b"<!DOCTYPE html>".to_vec()),
            ("evidence/evidence.csv".to_string(), b"a,b\n1,2\n".to_vec()),
            ("report.docx".to_string(), vec![1, 2, 3]),
        ];
        let bytes = zip(&entries).expect("zips");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("reads");
        let names: Vec<String> =
            archive.file_names().map(|n| n.map(|n| n.into_owned())).collect::<Result<_, _>>().expect("names");
        assert_eq!(names, ["report.html", "evidence/evidence.csv", "report.docx"]);
        for (name, bytes) in &entries {
            let mut back = Vec::new();
            archive.by_name(name).expect("entry").read_to_end(&mut back).expect("read");
            assert_eq!(&back, bytes);
        }
    }

    #[test]
    fn unsafe_or_repeated_names_are_refused() {
        for name in ["", "/etc/passwd", "../x", "a/../../x", "a//b", "a\\b"] {
            assert!(zip(&[(name.to_string(), vec![])]).is_err(), "{name:?}");
        }
        let twice = vec![("a.csv".to_string(), vec![]), ("a.csv".to_string(), vec![])];
        assert!(zip(&twice).is_err());
    }
}
