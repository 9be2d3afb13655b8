//! The audit trail on every backend: concurrent appends keep one contiguous, intact chain;
//! tampered rows (altered, removed, last removed, swapped, reordered, inserted) are detected
//! and the first bad entry named; the log is filtered and paged newest first.

use crate::helpers::{Backend, backends, fresh_db};
use selfassess::audit::{
    self, AuditActor, AuditEntry, AuditFilter, Change, GENESIS_HASH, VerifyOutcome, before_after,
};
use selfassess::db::Db;
use selfassess::on_db;
use serde_json::{Value, json};
use std::process::ExitCode;
use uuid::Uuid;

fn change(council_id: Option<Uuid>, actor: &AuditActor, entity_id: &str) -> Change {
    Change {
        council_id,
        actor: actor.clone(),
        entity: "membership",
        entity_id: entity_id.to_owned(),
        action: "create",
        summary: json!({ "role": before_after(Value::Null, "viewer") }),
    }
}

async fn record_one(db: &Db, change: Change) {
    let mut tx = db.begin().await.expect("begin");
    audit::record(&mut tx, change).await.expect("record");
    tx.commit().await.expect("commit");
}

async fn all_entries(db: &Db) -> Vec<AuditEntry> {
    audit::list(db, &AuditFilter { limit: audit::MAX_LIST_LIMIT, ..AuditFilter::default() })
        .await
        .expect("list")
}

async fn verify(db: &Db) -> VerifyOutcome {
    audit::verify(db).await.expect("verify runs")
}

#[track_caller]
fn assert_broken_at(outcome: &VerifyOutcome, expected_seq: i64, reason_has: &str, ctx: &str) {
    match outcome {
        VerifyOutcome::Broken { seq, reason } => {
            assert_eq!(*seq, expected_seq, "{ctx}: {reason}");
            assert!(reason.contains(reason_has), "{ctx}: reason {reason:?} should mention {reason_has:?}");
        }
        VerifyOutcome::Intact { .. } => panic!("{ctx}: tampering not detected"),
    }
}

/// Runs one statement of test SQL (tampering) on either backend.
async fn exec(db: &Db, sql: &'static str, seq: i64) {
    on_db!(db, pool => {
        sqlx::query(sql).bind(seq).execute(pool).await.expect(sql);
    });
}

async fn summary_text(db: &Db, seq: i64) -> String {
    on_db!(db, pool => {
        sqlx::query_scalar("SELECT summary FROM audit_log WHERE seq = $1")
            .bind(seq)
            .fetch_one(pool)
            .await
            .expect("read summary")
    })
}

async fn set_summary_text(db: &Db, seq: i64, text: &str) {
    on_db!(db, pool => {
        sqlx::query("UPDATE audit_log SET summary = $1 WHERE seq = $2")
            .bind(text)
            .bind(seq)
            .execute(pool)
            .await
            .expect("tamper with the summary");
    });
}

/// A fresh database holding a chain of `n` entries, each with its own entity id and role.
async fn seeded(backend: Backend, n: i64) -> (Db, tempfile::TempDir) {
    let (db, guard) = fresh_db(backend).await;
    let actor = AuditActor::user(Uuid::now_v7(), "Ada Lovelace");
    for i in 1..=n {
        let mut c = change(Some(Uuid::from_u128(1)), &actor, &format!("m{i}"));
        c.summary = json!({ "role": before_after(Value::Null, format!("role {i}")) });
        record_one(&db, c).await;
    }
    assert_eq!(verify(&db).await, VerifyOutcome::Intact { entries: n });
    (db, guard)
}

#[tokio::test]
async fn concurrent_appends_keep_one_contiguous_intact_chain() {
    for backend in backends() {
        let (db, _guard) = fresh_db(backend).await;
        assert_eq!(
            verify(&db).await,
            VerifyOutcome::Intact { entries: 0 },
            "{backend:?}: an empty log is intact"
        );
        assert_eq!(audit::run_verify_command(&db).await.expect("command"), ExitCode::SUCCESS);

        let council = Uuid::now_v7();
        let mut tasks = Vec::new();
        for t in 0..10 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let actor = AuditActor::user(Uuid::now_v7(), format!("Writer {t}"));
                for i in 0..5 {
                    // Another change in the same transaction, as a use case would make.
                    let mut tx = db.begin().await.expect("begin");
                    selfassess::on_tx!(&mut tx, conn => {
                        sqlx::query("UPDATE readiness_probe SET token = token WHERE id = 1")
                            .execute(&mut *conn)
                            .await
                            .expect("a change");
                    });
                    audit::record(&mut tx, change(Some(council), &actor, &format!("{t}-{i}")))
                        .await
                        .expect("record");
                    tx.commit().await.expect("commit");
                }
            }));
        }
        // Verifying meanwhile sees a consistent snapshot: never a false break.
        let verifier = {
            let db = db.clone();
            tokio::spawn(async move {
                let mut checks = 0;
                loop {
                    match audit::verify(&db).await.expect("verify runs") {
                        VerifyOutcome::Intact { entries: 50 } => break,
                        VerifyOutcome::Intact { .. } => checks += 1,
                        broken => panic!("a false break while appending: {broken:?}"),
                    }
                    tokio::task::yield_now().await;
                }
                checks
            })
        };
        for task in tasks {
            task.await.expect("task finished");
        }
        verifier.await.expect("verifier finished");

        assert_eq!(verify(&db).await, VerifyOutcome::Intact { entries: 50 }, "{backend:?}");
        let entries = all_entries(&db).await;
        let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=50).rev().collect::<Vec<_>>(), "{backend:?}");
        let mut ids: Vec<Uuid> = entries.iter().map(|e| e.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 50);
        let mut from_tasks: Vec<&str> = entries.iter().map(|e| e.entity_id.as_str()).collect();
        from_tasks.sort_unstable();
        from_tasks.dedup();
        assert_eq!(from_tasks.len(), 50, "every append is there once");
        // Times are canonical, and follow the seqs (taken under the head's lock).
        for entry in &entries {
            assert_eq!(entry.at.len(), "2026-11-22T19:58:24.964293Z".len(), "{}", entry.at);
            assert!(entry.at.ends_with('Z'));
            let parsed =
                time::OffsetDateTime::parse(&entry.at, &time::format_description::well_known::Rfc3339)
                    .expect("RFC 3339");
            assert_eq!(audit::domain::format_at(parsed), entry.at);
        }
        assert!(entries.windows(2).all(|w| w[0].at >= w[1].at));

        assert_eq!(audit::run_verify_command(&db).await.expect("command"), ExitCode::SUCCESS);
        db.close().await;
    }
}

#[tokio::test]
async fn an_entry_commits_or_rolls_back_with_its_change() {
    for backend in backends() {
        let (db, _guard) = fresh_db(backend).await;
        let actor = AuditActor::command_line();
        {
            let mut tx = db.begin().await.expect("begin");
            audit::record(&mut tx, change(None, &actor, "dropped")).await.expect("record");
            // Dropped without commit: rolled back.
        }
        assert_eq!(verify(&db).await, VerifyOutcome::Intact { entries: 0 });
        assert!(all_entries(&db).await.is_empty());

        record_one(&db, change(None, &actor, "kept")).await;
        assert_eq!(verify(&db).await, VerifyOutcome::Intact { entries: 1 });
        let entries = all_entries(&db).await;
        assert_eq!(entries.len(), 1);
        let entry = &entries[0];
        assert_eq!(entry.seq, 1, "{backend:?}: the rolled-back seq is reused");
        assert_eq!(entry.entity_id, "kept");
        assert_eq!(entry.actor_name, "command line");
        assert_eq!(entry.actor_id, None);
        assert_eq!(entry.council_id, None);
        let prev: String = on_db!(&db, pool => {
            sqlx::query_scalar("SELECT prev_hash FROM audit_log WHERE seq = 1")
                .fetch_one(pool)
                .await
                .expect("prev_hash")
        });
        assert_eq!(prev, GENESIS_HASH);
        db.close().await;
    }
}

#[tokio::test]
async fn summaries_holding_secrets_are_refused_and_nothing_is_written() {
    for backend in backends() {
        let (db, _guard) = fresh_db(backend).await;
        let actor = AuditActor::command_line();
        for summary in [
            json!({ "password": before_after(Value::Null, "hunter2") }),
            json!({ "user": { "password_hash": "$argon2id$v=19$..." } }),
            json!({ "token_hash": "abc" }),
            json!({ "answer": { "free_text": "my care was..." } }),
            json!({ "note": "x".repeat(5000) }),
        ] {
            let mut tx = db.begin().await.expect("begin");
            let mut c = change(None, &actor, "u1");
            c.summary = summary.clone();
            let err = audit::record(&mut tx, c).await.expect_err("a secret in the summary is refused");
            assert!(err.to_string().contains("audit summary rejected"), "{backend:?} {summary}: {err}");
            drop(tx);
        }
        assert_eq!(verify(&db).await, VerifyOutcome::Intact { entries: 0 });
        db.close().await;
    }
}

#[tokio::test]
async fn an_altered_entry_is_detected() {
    for backend in backends() {
        let (db, _guard) = seeded(backend, 10).await;
        let text = summary_text(&db, 7).await;
        set_summary_text(&db, 7, &text.replace("role 7", "assessment_lead")).await;
        let outcome = verify(&db).await;
        assert_broken_at(&outcome, 7, "entry 7: its hash does not match its content", "altered");
        assert_eq!(audit::run_verify_command(&db).await.expect("command"), ExitCode::FAILURE);

        // Other columns too, each detected at that entry.
        let (db, _guard) = seeded(backend, 10).await;
        exec(&db, "UPDATE audit_log SET actor_name = 'Mallory' WHERE seq = $1", 4).await;
        exec(&db, "UPDATE audit_log SET action = 'delete' WHERE seq = $1", 9).await;
        assert_broken_at(&verify(&db).await, 4, "hash does not match", "actor name");

        let (db, _guard) = seeded(backend, 10).await;
        exec(&db, "UPDATE audit_log SET council_id = NULL WHERE seq = $1", 2).await;
        assert_broken_at(&verify(&db).await, 2, "hash does not match", "council");

        let (db, _guard) = seeded(backend, 10).await;
        exec(&db, "UPDATE audit_log SET at = '2020-01-01T00:00:00.000000Z' WHERE seq = $1", 10).await;
        assert_broken_at(&verify(&db).await, 10, "hash does not match", "time");
    }
}

#[tokio::test]
async fn a_removed_entry_is_detected() {
    for backend in backends() {
        let (db, _guard) = seeded(backend, 10).await;
        exec(&db, "DELETE FROM audit_log WHERE seq = $1", 5).await;
        let outcome = verify(&db).await;
        assert_eq!(
            outcome,
            VerifyOutcome::Broken { seq: 5, reason: "entry 5 is missing (removed?)".to_owned() },
            "{backend:?}"
        );

        // Removed and the later entries renumbered to close the gap.
        let (db, _guard) = seeded(backend, 10).await;
        exec(&db, "DELETE FROM audit_log WHERE seq = $1", 3).await;
        for seq in 4..=10 {
            exec(&db, "UPDATE audit_log SET seq = seq - 1 WHERE seq = $1", seq).await;
        }
        exec(&db, "UPDATE audit_head SET seq = seq - $1", 1).await;
        assert_broken_at(&verify(&db).await, 3, "hash does not match", "renumbered");

        // The first entry removed.
        let (db, _guard) = seeded(backend, 10).await;
        exec(&db, "DELETE FROM audit_log WHERE seq = $1", 1).await;
        assert_broken_at(&verify(&db).await, 1, "entry 1 is missing", "first");
    }
}

#[tokio::test]
async fn a_removed_last_entry_is_detected() {
    for backend in backends() {
        let (db, _guard) = seeded(backend, 10).await;
        exec(&db, "DELETE FROM audit_log WHERE seq >= $1", 9).await;
        assert_broken_at(
            &verify(&db).await,
            9,
            "entry 9 is missing (removed?): the chain's head records 10 entries",
            "last two",
        );

        let (db, _guard) = seeded(backend, 10).await;
        exec(&db, "DELETE FROM audit_log WHERE seq = $1", 10).await;
        assert_broken_at(&verify(&db).await, 10, "entry 10 is missing", "last");

        // ... and the head moved back too: the head's hash is not the new last entry's.
        exec(&db, "UPDATE audit_head SET seq = $1", 9).await;
        assert_broken_at(&verify(&db).await, 9, "not the one the chain's head records", "head moved back");

        // Everything removed.
        let (db, _guard) = seeded(backend, 3).await;
        exec(&db, "DELETE FROM audit_log WHERE seq >= $1", 1).await;
        assert_broken_at(&verify(&db).await, 1, "entry 1 is missing", "all");
    }
}

#[tokio::test]
async fn swapped_or_reordered_entries_are_detected() {
    for backend in backends() {
        // Two entries' summaries swapped.
        let (db, _guard) = seeded(backend, 10).await;
        let three = summary_text(&db, 3).await;
        let eight = summary_text(&db, 8).await;
        set_summary_text(&db, 3, &eight).await;
        set_summary_text(&db, 8, &three).await;
        assert_broken_at(&verify(&db).await, 3, "hash does not match", "summaries swapped");

        // Two whole rows swapped (every column but seq): a reordering.
        let (db, _guard) = seeded(backend, 10).await;
        exec(&db, "UPDATE audit_log SET seq = -1 WHERE seq = $1", 3).await;
        exec(&db, "UPDATE audit_log SET seq = 3 WHERE seq = $1", 8).await;
        exec(&db, "UPDATE audit_log SET seq = 8 WHERE seq = $1", -1).await;
        assert_broken_at(&verify(&db).await, 3, "hash does not match", "rows swapped");
    }
}

#[tokio::test]
async fn rehashed_and_inserted_entries_are_detected() {
    use audit::domain::{ChainFields, entry_hash};
    for backend in backends() {
        // An entry altered and its own hash recomputed: the next entry no longer follows it.
        let (db, _guard) = seeded(backend, 10).await;
        let (id, at, actor_name, summary, prev_hash): (Uuid, String, String, String, String) = on_db!(&db, pool => {
            sqlx::query_as(
                "SELECT id, at, actor_name, summary, prev_hash FROM audit_log WHERE seq = 4",
            )
            .fetch_one(pool)
            .await
            .expect("entry 4")
        });
        let forged_summary = summary.replace("role 4", "assessment_lead");
        let forged_hash = entry_hash(&ChainFields {
            seq: 4,
            id,
            at: &at,
            council_id: Some(Uuid::from_u128(1)),
            actor_id: None,
            actor_name: &actor_name,
            entity: "membership",
            entity_id: "m4",
            action: "create",
            summary: &forged_summary,
            prev_hash: &prev_hash,
        });
        on_db!(&db, pool => {
            sqlx::query(
                "UPDATE audit_log SET summary = $1, actor_id = NULL, hash = $2 WHERE seq = 4",
            )
            .bind(&forged_summary)
            .bind(&forged_hash)
            .execute(pool)
            .await
            .expect("forge entry 4");
        });
        assert_broken_at(&verify(&db).await, 5, "entry 5: it does not follow entry 4", "rehashed");

        // A well-formed entry appended by hand without moving the head.
        let (db, _guard) = seeded(backend, 10).await;
        let last_hash: String = on_db!(&db, pool => {
            sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = 10")
                .fetch_one(pool)
                .await
                .expect("entry 10")
        });
        let id = Uuid::now_v7();
        let at = "2026-11-22T19:58:24.964293Z";
        let summary = r#"{"role":{"after":"assessment_lead","before":null}}"#;
        let hash = entry_hash(&ChainFields {
            seq: 11,
            id,
            at,
            council_id: None,
            actor_id: None,
            actor_name: "Mallory",
            entity: "membership",
            entity_id: "m11",
            action: "create",
            summary,
            prev_hash: &last_hash,
        });
        on_db!(&db, pool => {
            sqlx::query(
                "INSERT INTO audit_log (seq, id, at, council_id, actor_id, actor_name, entity, \
                 entity_id, action, summary, prev_hash, hash) \
                 VALUES (11, $1, $2, NULL, NULL, 'Mallory', 'membership', 'm11', 'create', $3, $4, $5)",
            )
            .bind(id)
            .bind(at)
            .bind(summary)
            .bind(&last_hash)
            .bind(&hash)
            .execute(pool)
            .await
            .expect("insert a forged entry");
        });
        assert_broken_at(&verify(&db).await, 11, "entry 11 is beyond the chain's head", "inserted");

        // A row whose content is not even of the right type (SQLite has no column types).
        if backend == Backend::Sqlite {
            let (db, _guard) = seeded(backend, 5).await;
            exec(&db, "UPDATE audit_log SET id = 'not a uuid' WHERE seq = $1", 2).await;
            assert_broken_at(&verify(&db).await, 2, "cannot be read", "unreadable");
            // Listing still works for the rest.
            exec(&db, "DELETE FROM audit_log WHERE seq = $1", 2).await;
            assert_eq!(all_entries(&db).await.len(), 4);
        }
    }
}

#[tokio::test]
async fn the_log_is_filtered_by_council_entity_action_and_actor_and_paged_newest_first() {
    for backend in backends() {
        let (db, _guard) = fresh_db(backend).await;
        let camden = Uuid::now_v7();
        let leeds = Uuid::now_v7();
        let ada = AuditActor::user(Uuid::now_v7(), "Ada Lovelace");
        let grace = AuditActor::user(Uuid::now_v7(), "Grace Hopper");
        let percent = AuditActor::user(Uuid::now_v7(), "100% Bot");
        let cli = AuditActor::command_line();
        let plan: Vec<(Option<Uuid>, &AuditActor, &'static str, &'static str)> = vec![
            (None, &cli, "council", "create"),
            (Some(camden), &ada, "invitation", "create"),
            (Some(camden), &ada, "invitation", "revoke"),
            (Some(leeds), &grace, "invitation", "create"),
            (Some(camden), &grace, "membership", "update"),
            (Some(leeds), &grace, "membership", "create"),
            (Some(camden), &ada, "user", "sign_in"),
            (None, &percent, "api_token", "create"),
            (Some(camden), &ada, "invitation", "create"),
        ];
        for (i, (council, actor, entity, action)) in plan.iter().enumerate() {
            let mut tx = db.begin().await.expect("begin");
            audit::record(
                &mut tx,
                Change {
                    council_id: *council,
                    actor: (*actor).clone(),
                    entity,
                    entity_id: format!("e{}", i + 1),
                    action,
                    summary: json!({ "n": i + 1, "name": before_after("old", "new") }),
                },
            )
            .await
            .expect("record");
            tx.commit().await.expect("commit");
        }

        let seqs = |entries: &[AuditEntry]| entries.iter().map(|e| e.seq).collect::<Vec<_>>();
        let list = |filter: AuditFilter| {
            let db = db.clone();
            async move { audit::list(&db, &filter).await.expect("list") }
        };

        let all = list(AuditFilter::default()).await;
        assert_eq!(seqs(&all), (1..=9).rev().collect::<Vec<_>>(), "{backend:?}");
        let first = all.last().expect("entry 1");
        assert_eq!(first.entity, "council");
        assert_eq!(first.actor_name, "command line");
        let second = &all[all.len() - 2];
        assert_eq!(second.council_id, Some(camden));
        assert_eq!(second.actor_id, ada.user_id);
        assert_eq!(second.entity_id, "e2");
        assert_eq!(second.summary, json!({ "n": 2, "name": { "before": "old", "after": "new" } }));
        let serialised = serde_json::to_value(second).expect("serialize");
        assert_eq!(serialised["entity"], "invitation");
        assert_eq!(serialised["seq"], 2);

        let camden_only = list(AuditFilter { council_id: Some(camden), ..AuditFilter::default() }).await;
        assert_eq!(seqs(&camden_only), vec![9, 7, 5, 3, 2]);
        assert!(camden_only.iter().all(|e| e.council_id == Some(camden)));

        let invitations =
            list(AuditFilter { entity: Some("invitation".to_owned()), ..AuditFilter::default() }).await;
        assert_eq!(seqs(&invitations), vec![9, 4, 3, 2]);

        let creations_in_camden = list(AuditFilter {
            council_id: Some(camden),
            entity: Some("invitation".to_owned()),
            action: Some("create".to_owned()),
            ..AuditFilter::default()
        })
        .await;
        assert_eq!(seqs(&creations_in_camden), vec![9, 2]);

        let revoked = list(AuditFilter { action: Some("revoke".to_owned()), ..AuditFilter::default() }).await;
        assert_eq!(seqs(&revoked), vec![3]);

        let by_grace = list(AuditFilter { actor: Some("hopper".to_owned()), ..AuditFilter::default() }).await;
        assert_eq!(seqs(&by_grace), vec![6, 5, 4], "case-insensitive substring");
        let by_grace_in_leeds = list(AuditFilter {
            council_id: Some(leeds),
            actor: Some("GRACE".to_owned()),
            ..AuditFilter::default()
        })
        .await;
        assert_eq!(seqs(&by_grace_in_leeds), vec![6, 4]);
        let percent_sign = list(AuditFilter { actor: Some("%".to_owned()), ..AuditFilter::default() }).await;
        assert_eq!(seqs(&percent_sign), vec![8], "% is literal, not a wildcard");
        let underscore = list(AuditFilter { actor: Some("_".to_owned()), ..AuditFilter::default() }).await;
        assert!(underscore.is_empty(), "_ is literal, not a wildcard");
        let nobody = list(AuditFilter { actor: Some("Babbage".to_owned()), ..AuditFilter::default() }).await;
        assert!(nobody.is_empty());

        // Paging: newest first, 4 at a time, each page continuing below the last seq.
        let mut pages = Vec::new();
        let mut before_seq = None;
        loop {
            let page = list(AuditFilter { before_seq, limit: 4, ..AuditFilter::default() }).await;
            if page.is_empty() {
                break;
            }
            before_seq = page.last().map(|e| e.seq);
            pages.push(seqs(&page));
        }
        assert_eq!(pages, vec![vec![9, 8, 7, 6], vec![5, 4, 3, 2], vec![1]]);
        let camden_page_two = list(AuditFilter {
            council_id: Some(camden),
            before_seq: Some(5),
            limit: 2,
            ..AuditFilter::default()
        })
        .await;
        assert_eq!(seqs(&camden_page_two), vec![3, 2]);

        assert!(list(AuditFilter { limit: 0, ..AuditFilter::default() }).await.is_empty());
        assert_eq!(list(AuditFilter { limit: u32::MAX, ..AuditFilter::default() }).await.len(), 9);
        assert_eq!(verify(&db).await, VerifyOutcome::Intact { entries: 9 });
        db.close().await;
    }
}
