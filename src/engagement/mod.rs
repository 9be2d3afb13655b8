//! Stage 1 engagement: assessment cycles, respondent groups, survey rounds and responses.

pub mod api;
pub mod demo;
pub mod domain;
pub mod journey;
pub mod links;
pub mod routes;
pub mod service;
pub mod store;
pub mod writer;
