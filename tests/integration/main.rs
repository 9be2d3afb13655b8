//! One integration test binary: a module per capability.

mod accounts;
mod audit;
mod authorisation;
mod engagement;
mod framework_file;
mod helpers;
mod pages;
mod storage;
