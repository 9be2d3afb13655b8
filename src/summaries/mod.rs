//! Stage 2: a summary per quality statement, proposed scores, verification, and the
//! indicative overall rating.
//!
//! `domain` (the template's content, its limits, canonical text and hash, the states, the
//! word-level difference of versions) and `rating` (CQC's method) are pure; `store` holds the
//! SQL; `service` decides who may do what and records each change with its audit entry;
//! `view` shapes things for the pages; `routes` serves the pages and `api` the JSON.

pub mod api;
pub mod domain;
pub mod rating;
pub mod routes;
pub mod service;
pub mod store;
pub mod view;
