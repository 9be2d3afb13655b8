//! Councils: the organisations of the deployment, chosen from the 153 councils with adult
//! social services responsibilities (`reference/councils-with-adult-social-care.csv`).

pub mod routes;
pub mod store;

use serde::Serialize;
use std::sync::OnceLock;

/// One row of the reference list.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReferenceCouncil {
    /// ONS (GSS) code, e.g. `E06000001`.
    pub gss_code: String,
    pub name: String,
    pub council_type: String,
    pub region_code: String,
    pub region_name: String,
    pub dfe_la_code: String,
}

const REFERENCE_CSV: &str = include_str!("../../reference/councils-with-adult-social-care.csv");

#[derive(Debug, thiserror::Error)]
#[error("reference/councils-with-adult-social-care.csv row {row}: {message}")]
pub struct ReferenceError {
    pub row: usize,
    pub message: String,
}

fn parse_reference(text: &str) -> Result<Vec<ReferenceCouncil>, ReferenceError> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut councils = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 2; // the header is row 1
        let record = record.map_err(|e| ReferenceError { row, message: e.to_string() })?;
        let field = |i: usize| record.get(i).map(str::trim).unwrap_or_default().to_owned();
        let council = ReferenceCouncil {
            gss_code: field(0),
            name: field(1),
            council_type: field(2),
            region_code: field(3),
            region_name: field(4),
            dfe_la_code: field(5),
        };
        let code_ok = council.gss_code.len() == 9
            && council.gss_code.starts_with('E')
            && council.gss_code[1..].bytes().all(|b| b.is_ascii_digit());
        if !code_ok || council.name.is_empty() {
            return Err(ReferenceError { row, message: "needs a GSS code like E06000001 and a name".into() });
        }
        councils.push(council);
    }
    Ok(councils)
}

/// The 153 councils, parsed once (the file is part of the binary and checked by a test).
pub fn reference() -> &'static [ReferenceCouncil] {
    static LIST: OnceLock<Vec<ReferenceCouncil>> = OnceLock::new();
    LIST.get_or_init(|| parse_reference(REFERENCE_CSV).unwrap_or_default())
}

pub fn reference_by_code(gss_code: &str) -> Option<&'static ReferenceCouncil> {
    reference().iter().find(|c| c.gss_code == gss_code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn the_reference_list_has_the_153_councils() {
        let councils = parse_reference(REFERENCE_CSV).expect("reference list parses");
        assert_eq!(councils.len(), 153);
        let mut by_type = BTreeMap::new();
        for c in &councils {
            *by_type.entry(c.council_type.as_str()).or_insert(0) += 1;
        }
        assert_eq!(by_type["County council"], 21);
        assert_eq!(by_type["Metropolitan district"], 36);
        assert_eq!(by_type["London borough"], 33);
        let codes: std::collections::BTreeSet<_> = councils.iter().map(|c| &c.gss_code).collect();
        assert_eq!(codes.len(), 153, "codes are unique");
        assert_eq!(reference_by_code("E06000001").map(|c| c.name.as_str()), Some("Hartlepool"));
        // Names with commas survive the CSV quoting.
        assert!(councils.iter().any(|c| c.name.contains(", ")), "a quoted name with a comma");
    }

    #[test]
    fn a_broken_row_is_named() {
        let error =
            parse_reference("gss_code,name,council_type,region_code,region_name,dfe_la_code\nX1,,a,b,c,d\n")
                .expect_err("broken");
        assert_eq!(error.row, 2);
    }
}
