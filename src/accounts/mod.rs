//! People, roles, sign-in sessions, invitations and personal API tokens.

pub mod actor;
pub mod api;
pub mod domain;
pub mod routes;
pub mod secrets;
pub mod service;
pub mod session;
pub mod store;
