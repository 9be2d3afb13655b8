//! Stage 3: the final self-assessment document (toolkit sections A to D), its limits and
//! readiness checks, and its Word, PDF and HTML exports.
//!
//! `document` is the finished document as plain data; `render` lays it out as .docx, .html
//! and (with the `pdf` feature) .pdf, and packs the zip.

pub mod api;
pub mod compose;
pub mod demo;
pub mod document;
pub mod domain;
pub mod exports;
pub mod readiness;
pub mod render;
pub mod routes;
pub mod service;
pub mod store;
