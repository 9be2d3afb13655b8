//! The evidence library (issue 7): documents and links aligned to CQC's Information Return,
//! with files kept through `object_store`, currency checks and personal-information flags.
//!
//! `domain` (types, rules, coverage), `pii` (the personal-information checker) and `files`
//! (upload checks, text extraction) are pure; `storage` keeps files in a directory or an
//! S3-compatible bucket; `store` is the SQL; `service` decides who may do what and records
//! each change in the audit trail in the same transaction; `routes` (pages), `api` (JSON) and
//! `export` (the Section D table) are thin. `samples` makes small files of each type for tests.

pub mod api;
pub mod domain;
pub mod export;
pub mod files;
pub mod pii;
pub mod routes;
pub mod samples;
pub mod service;
pub mod storage;
pub mod store;
