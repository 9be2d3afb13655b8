//! Stage 1 analysis: where the council stands, where views differ, where evidence is missing.
//!
//! `stats` (measures of a set of answers) and `findings` (classification) are pure; `model`
//! builds the whole analysis from the running tallies the database keeps; `store` reads them.
//! `charts` draws the SVG charts, `view` shapes the figures for the pages, `export` writes the
//! CSV and XLSX files, and `routes` serves the pages and files.

pub mod api;
pub mod cache;
pub mod charts;
pub mod export;
pub mod findings;
pub mod model;
pub mod routes;
pub mod service;
pub mod stats;
pub mod store;
pub mod view;
