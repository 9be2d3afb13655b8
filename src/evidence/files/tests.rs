use super::*;
use crate::evidence::samples;

#[test]
fn every_allowed_type_is_recognised_by_its_content() {
    let cases: Vec<(Vec<u8>, &str, FileType)> = vec![
        (samples::pdf(&[&["Hello"]], false), "plan.pdf", FileType::Pdf),
        (samples::docx(&["Hello"]), "plan.docx", FileType::Docx),
        (samples::xlsx("Data", &[&["a", "b"]]), "data.xlsx", FileType::Xlsx),
        (b"a,b\n1,2\n".to_vec(), "data.csv", FileType::Csv),
        ("Notes — café\n".as_bytes().to_vec(), "notes.txt", FileType::Txt),
        (samples::png(), "chart.png", FileType::Png),
        (samples::jpeg(), "photo.JPG", FileType::Jpeg),
    ];
    for (bytes, name, kind) in cases {
        assert_eq!(sniff(&bytes, name), Ok(kind), "{name}");
        if matches!(kind, FileType::Docx | FileType::Xlsx) {
            assert_eq!(
                check_archive(std::io::Cursor::new(&bytes), kind, ArchiveLimits::default()),
                Ok(()),
                "{name}"
            );
        }
    }
}

#[test]
fn the_wrong_type_behind_a_right_extension_is_refused() {
    let program = samples::windows_program();
    let err = sniff(&program, "strategy.pdf").unwrap_err();
    assert!(err.contains("Windows program"), "{err}");
    assert!(sniff(&samples::png(), "report.pdf").unwrap_err().contains("PNG image"));
    assert!(sniff(&samples::pdf(&[&["x"]], false), "report.docx").unwrap_err().contains("ends .docx"));
    assert!(sniff(b"hello", "report.pdf").unwrap_err().contains("plain text"));
    assert!(sniff(b"#!/bin/sh\nrm -rf /\n", "notes.txt").unwrap_err().contains("script"));
    assert!(sniff(&samples::docx(&["x"]), "archive.zip").unwrap_err().contains("zip archive"));
    // A zip named .docx that is not a Word document.
    let plain_zip = {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let _ = w.start_file("a.txt", zip::write::SimpleFileOptions::default());
        let _ = std::io::Write::write_all(&mut w, b"hi");
        w.finish().map(|c| c.into_inner()).unwrap_or_default()
    };
    assert_eq!(sniff(&plain_zip, "x.docx"), Ok(FileType::Docx));
    let err = check_archive(std::io::Cursor::new(&plain_zip), FileType::Docx, ArchiveLimits::default())
        .unwrap_err();
    assert!(err.contains("is not one"), "{err}");
}

#[test]
fn zip_bombs_are_refused() {
    let bomb = samples::docx_bomb(20);
    assert!(bomb.len() < 200_000, "small: {}", bomb.len());
    let err =
        check_archive(std::io::Cursor::new(&bomb), FileType::Docx, ArchiveLimits::default()).unwrap_err();
    assert!(err.contains("zip bomb"), "{err}");
    // Too many parts.
    let limits = ArchiveLimits { max_entries: 2, ..ArchiveLimits::default() };
    let docx = samples::docx(&["x"]);
    assert!(
        check_archive(std::io::Cursor::new(&docx), FileType::Docx, limits).unwrap_err().contains("parts")
    );
    // Too much in total.
    let limits = ArchiveLimits { max_total_bytes: 100, ..ArchiveLimits::default() };
    assert!(
        check_archive(std::io::Cursor::new(&docx), FileType::Docx, limits).unwrap_err().contains("zip bomb")
    );
}

#[test]
fn pdf_streams_are_counted() {
    let pdf = samples::pdf(&[&["Hello"]], true);
    assert_eq!(check_pdf_streams(&pdf, ArchiveLimits::default()), Ok(()));
    let limits = ArchiveLimits { max_total_bytes: 10, ..ArchiveLimits::default() };
    assert!(check_pdf_streams(&pdf, limits).is_err());
}

#[test]
fn hostile_names_are_refused() {
    for bad in [
        "../../etc/passwd",
        "..\\..\\windows\\system32.pdf",
        "/etc/passwd",
        "report\u{0}.pdf",
        "report\r\n.pdf",
        "invoice\u{202E}fdp.exe",
        "...",
        "",
        "   ",
    ] {
        assert!(check_name(bad).is_err(), "{bad:?}");
    }
    let long = format!("{}.pdf", "a".repeat(MAX_NAME_CHARS));
    assert!(check_name(&long).unwrap_err().contains("characters long"));
    assert_eq!(check_name(" Carers strategy 2024–27.pdf "), Ok("Carers strategy 2024–27.pdf".to_owned()));
}

#[test]
fn downloads_are_attachments_with_a_safe_name() {
    assert_eq!(
        content_disposition("Carers strategy 2024–27.pdf"),
        "attachment; filename=\"Carers-strategy-2024-27.pdf\"; filename*=UTF-8''Carers%20strategy%202024%E2%80%9327.pdf"
    );
    let value = content_disposition("a\"b;c.pdf");
    assert!(value.starts_with("attachment; filename=\"a-b-c.pdf\""), "{value}");
    assert!(!value.contains("\"b"), "{value}");
    assert_eq!(content_disposition("...").split(';').nth(1), Some(" filename=\"evidence\""));
}

#[test]
fn text_is_extracted_with_where_it_is() {
    let pdf = samples::pdf(&[&["Page one"], &["Contact Mrs Patel", "NHS 943 476 5919"]], true);
    let parts = extract_text(&pdf, FileType::Pdf).expect("pdf text");
    let found = crate::evidence::pii::scan_segments(&parts);
    assert!(
        found.iter().any(|f| f.kind == crate::evidence::pii::Kind::NhsNumber
            && matches!(f.location, Location::Page { page: 2, .. })),
        "{parts:?} {found:?}"
    );
    let docx = samples::docx(&["Intro", "Email jo@example.org & more"]);
    let parts = extract_text(&docx, FileType::Docx).expect("docx text");
    assert_eq!(parts[1], (Location::Paragraph { paragraph: 2 }, "Email jo@example.org & more".to_owned()));
    let xlsx = samples::xlsx("Staff", &[&["Name", "Phone"], &["Ann", "07700 900123"]]);
    let parts = extract_text(&xlsx, FileType::Xlsx).expect("xlsx text");
    assert!(
        parts.contains(&(
            Location::Cell { sheet: "Staff".into(), cell: "B2".into() },
            "07700 900123".to_owned()
        ))
    );
    let parts = extract_text(b"a,b\nx,SW1A 1AA\n", FileType::Csv).expect("csv text");
    assert_eq!(parts[3], (Location::Cell { sheet: String::new(), cell: "B2".into() }, "SW1A 1AA".to_owned()));
    assert!(extract_text(b"%PDF-1.4 broken", FileType::Pdf).is_err());
}

#[test]
fn docx_xml_is_read_as_paragraphs() {
    let xml = "<w:body><w:p><w:r><w:t>Mr</w:t></w:r><w:r><w:t xml:space=\"preserve\"> Smith &amp; co</w:t></w:r></w:p><w:p/><w:p><w:r><w:tab/><w:t>x</w:t></w:r></w:p></w:body>";
    assert_eq!(docx_paragraphs(xml), ["Mr Smith & co", "", "\tx"]);
}
