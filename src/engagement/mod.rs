//! Stage 1 engagement: assessment cycles, respondent groups, survey rounds and responses.

pub mod api;
pub mod domain;
pub mod service;
pub mod store;
