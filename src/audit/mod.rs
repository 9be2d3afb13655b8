//! The audit trail: every change to data is appended to a hash-chained log.
//!
//! A use case describes its change as a [`Change`] (who, what entity, what action, a short
//! before/after summary) and calls [`record`] inside the same transaction as the change, so
//! both commit or neither does. [`list`] browses the log (a lead for their council, a
//! platform administrator for all); [`verify`] walks the chain and names the first bad entry;
//! [`run_verify_command`] is `selfassess audit verify`.
//!
//! # The chain
//!
//! Entry `n` stores `prev_hash` (entry `n-1`'s hash, or [`GENESIS_HASH`] for entry 1) and
//! `hash` = SHA-256 over an unambiguous, length-prefixed encoding of all its fields and
//! `prev_hash` ([`domain::encode_for_hash`]). The `audit_head` row holds the last seq and hash;
//! appends update it first, which serialises them. Altering an entry breaks its hash;
//! removing one leaves a gap (or, if the rest were renumbered, breaks their hashes); removing
//! the last ones leaves the log short of the head; inserting or reordering breaks the links.
//! Someone able to rewrite the whole database, head included, can recompute every hash: the
//! chain shows tampering by anyone who cannot, and a head hash noted elsewhere pins it.
//!
//! # What a summary may hold
//!
//! Names, roles, ids, statuses, dates, counts: never passwords, secrets, tokens or their
//! hashes, nor respondents' free-text answers. [`record`] refuses a summary with a key named
//! like `password`, `secret`, `token`, `token_hash`, `csrf`, `free_text` or `answer_text` (at
//! any depth, any case), a value that looks like a password hash, or one over
//! [`MAX_SUMMARY_BYTES`]; the refusal is a `DbError` and so fails the use case's transaction.
//! See [`domain::check_summary`].

pub mod domain;
pub mod routes;
mod store;

pub use domain::{
    AuditActor, AuditEntry, AuditFilter, Change, GENESIS_HASH, MAX_LIST_LIMIT, MAX_SUMMARY_BYTES,
    SummaryError, VerifyOutcome, before_after,
};

use crate::db::{Db, DbError, Tx};
use std::process::ExitCode;

/// Appends one entry inside the caller's transaction (so the change and its entry commit
/// together).
///
/// Fails, without writing, when the summary holds what it must not (see the module notes).
pub async fn record(tx: &mut Tx, change: Change) -> Result<(), DbError> {
    store::append(tx, change).await
}

/// Entries matching `filter`, newest first, at most `filter.limit` (capped at
/// [`MAX_LIST_LIMIT`]). For the next page, pass the last entry's seq as `before_seq`.
pub async fn list(db: &Db, filter: &AuditFilter) -> Result<Vec<AuditEntry>, DbError> {
    store::list(db, filter).await
}

/// Walks the whole chain in seq order, streaming (bounded memory), recomputing each hash, and
/// reports the first bad entry.
pub async fn verify(db: &Db) -> Result<VerifyOutcome, DbError> {
    store::verify(db).await
}

/// `selfassess audit verify`: prints "audit trail intact: N entries" and exits 0, or prints
/// "audit trail broken at entry N: reason" to standard error and exits 1.
pub async fn run_verify_command(db: &Db) -> Result<ExitCode, DbError> {
    let outcome = verify(db).await?;
    let (line, code) = verify_report(&outcome);
    match code {
        0 => println!("{line}"),
        _ => eprintln!("{line}"),
    }
    Ok(ExitCode::from(code))
}

/// The command's line and exit status for an outcome.
fn verify_report(outcome: &VerifyOutcome) -> (String, u8) {
    match outcome {
        VerifyOutcome::Intact { entries } => {
            let noun = if *entries == 1 { "entry" } else { "entries" };
            (format!("audit trail intact: {entries} {noun}"), 0)
        }
        VerifyOutcome::Broken { seq, reason } => (format!("audit trail broken at entry {seq}: {reason}"), 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_reports_intact_and_broken_chains() {
        assert_eq!(
            verify_report(&VerifyOutcome::Intact { entries: 12 }),
            ("audit trail intact: 12 entries".to_owned(), 0)
        );
        assert_eq!(
            verify_report(&VerifyOutcome::Intact { entries: 1 }),
            ("audit trail intact: 1 entry".to_owned(), 0)
        );
        assert_eq!(
            verify_report(&VerifyOutcome::Broken {
                seq: 5,
                reason: "entry 5 is missing (removed?)".to_owned()
            }),
            ("audit trail broken at entry 5: entry 5 is missing (removed?)".to_owned(), 1)
        );
    }
}
