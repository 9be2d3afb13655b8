//! Stage 2: a summary per quality statement, proposed scores, verification, and the
//! indicative overall rating.

pub mod rating;
