//! Stage 1 analysis: where the council stands, where views differ, where evidence is missing.
//!
//! `stats` (measures of a set of answers) and `findings` (classification) are pure; `model`
//! builds the whole analysis from the running tallies the database keeps; `store` reads them.

pub mod api;
pub mod findings;
pub mod model;
pub mod service;
pub mod stats;
pub mod store;
