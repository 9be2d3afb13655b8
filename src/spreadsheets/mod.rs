//! Spreadsheets: blank Stage 1 checklists to download (.xlsx laid out like the toolkit's, and
//! a CSV template), exports of every response (CSV and XLSX, streamed in bounded memory, every
//! cell that could be a formula neutralised), and the import of a completed checklist
//! (upload, preview, confirm; all or nothing; the same file counted once).
//!
//! - `cells`: pure cell rules (formula neutralisation, sheet names, ratings, problem places)
//! - `blank`: the blank workbook and CSV template
//! - `export`: rows to CSV and to a constant-memory workbook
//! - `import`: reading a completed checklist back, naming every problem's sheet, row, column
//! - `store`: SQL; `service`: use cases and authorisation; `routes`: pages and downloads

pub mod blank;
pub mod cells;
pub mod export;
pub mod import;
pub mod jobs;
pub mod routes;
pub mod service;
pub mod store;
pub mod survey;
