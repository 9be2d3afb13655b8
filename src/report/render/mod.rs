//! Renderers of a [`super::document::ReportDocument`]: Word, HTML, PDF (feature `pdf`) and
//! the zip pack.
