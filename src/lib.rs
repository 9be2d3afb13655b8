//! selfassess: an English council's adult social care self-assessment against CQC's
//! *Assessment framework for local authority assurance*, following the LGA / ADASS toolkit.

pub mod accounts;
pub mod analysis;
pub mod audit;
pub mod config;
pub mod councils;
pub mod db;
pub mod engagement;
pub mod evidence;
pub mod framework;
pub mod mail;
pub mod report;
pub mod spreadsheets;
pub mod startup;
pub mod summaries;
pub mod web;
