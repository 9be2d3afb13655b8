//! The evidence library (issue 7): documents and links aligned to CQC's Information Return.

pub mod files;
pub mod pii;
pub mod samples;
