//! Stage 2: a summary per quality statement, proposed scores, verification, and the
//! indicative overall rating.
//!
//! `domain` (the template's content, its limits, canonical text and hash, the states, the
//! word-level difference of versions) and `rating` (CQC's method) are pure.

pub mod domain;
pub mod rating;
