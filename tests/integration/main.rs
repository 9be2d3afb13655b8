//! One integration test binary: a module per capability.

mod accounts;
mod analysis;
mod analysis_pages;
mod audit;
mod authorisation;
mod engagement;
mod evidence;
mod framework_file;
mod helpers;
mod journey;
mod mail;
mod pages;
mod report;
mod report_render;
mod spreadsheets;
mod storage;
mod summaries;
