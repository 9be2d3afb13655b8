//! SQL for assessments, respondent groups, rounds and responses.

use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::domain::Answer;
use crate::db::{Db, DbError, Tx};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, FromRow)]
pub struct AssessmentRow {
    pub id: Uuid,
    pub council_id: Uuid,
    pub title: String,
    pub period_start: Date,
    pub period_end: Date,
    pub framework_key: String,
    pub status: String,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, FromRow)]
pub struct GroupRow {
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub name: String,
    pub evidence_category: String,
    pub position: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct RoundRow {
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub title: String,
    pub token: String,
    pub opens_at: OffsetDateTime,
    pub closes_at: OffsetDateTime,
    pub introduction: String,
    pub privacy_notice: String,
    pub closed_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewResponse {
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub round_id: Option<Uuid>,
    pub group_id: Uuid,
    pub mode: &'static str,
    pub user_id: Option<Uuid>,
    pub reference: String,
    pub idempotency_key: String,
    pub workshop_date: Option<Date>,
    pub facilitator: Option<String>,
    pub participants: Option<i64>,
    pub submitted_at: OffsetDateTime,
}

/// The stored response for an idempotency key: the first submission's id and reference.
#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct StoredResponse {
    pub id: Uuid,
    pub reference: String,
}

const ASSESSMENT_COLUMNS: &str =
    "id, council_id, title, period_start, period_end, framework_key, status, created_at";

pub async fn insert_assessment(
    tx: &mut Tx,
    a: &AssessmentRow,
    created_by: Option<Uuid>,
) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO assessments (id, council_id, title, period_start, period_end, framework_key, status, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(a.id)
        .bind(a.council_id)
        .bind(&a.title)
        .bind(a.period_start)
        .bind(a.period_end)
        .bind(&a.framework_key)
        .bind(&a.status)
        .bind(created_by)
        .bind(a.created_at)
        .execute(conn)
        .await?;
    });
    Ok(())
}

pub async fn insert_group(tx: &mut Tx, g: &GroupRow, now: OffsetDateTime) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO respondent_groups (id, assessment_id, name, evidence_category, position, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(g.id)
        .bind(g.assessment_id)
        .bind(&g.name)
        .bind(&g.evidence_category)
        .bind(g.position)
        .bind(now)
        .execute(conn)
        .await?;
    });
    Ok(())
}

/// Assessments of these councils, newest first (all councils when `councils` is `None`).
pub async fn assessments(db: &Db, councils: Option<&[Uuid]>) -> Result<Vec<AssessmentRow>, DbError> {
    let mut found: Vec<AssessmentRow> = match councils {
        None => {
            let sql = format!("SELECT {ASSESSMENT_COLUMNS} FROM assessments");
            on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?)
        }
        Some(ids) => {
            // One query per council: a person belongs to a handful at most.
            let sql = format!("SELECT {ASSESSMENT_COLUMNS} FROM assessments WHERE council_id = $1");
            let mut rows = Vec::new();
            for id in ids {
                let mut more: Vec<AssessmentRow> = on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_all(pool).await?);
                rows.append(&mut more);
            }
            rows
        }
    };
    found.sort_by_key(|a| std::cmp::Reverse(a.created_at));
    Ok(found)
}

/// Deletes answers in progress whose round has closed (or that have expired).
pub async fn delete_expired_drafts(db: &Db, now: OffsetDateTime) -> Result<u64, DbError> {
    Ok(
        on_db!(db, pool => sqlx::query("DELETE FROM drafts WHERE expires_at <= $1").bind(now).execute(pool).await?.rows_affected()),
    )
}

pub async fn assessment(db: &Db, id: Uuid) -> Result<Option<AssessmentRow>, DbError> {
    let sql = format!("SELECT {ASSESSMENT_COLUMNS} FROM assessments WHERE id = $1");
    Ok(on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?))
}

pub async fn groups(db: &Db, assessment_id: Uuid) -> Result<Vec<GroupRow>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT id, assessment_id, name, evidence_category, position FROM respondent_groups WHERE assessment_id = $1 ORDER BY position",
    )
    .bind(assessment_id)
    .fetch_all(pool)
    .await?))
}

pub async fn insert_round(
    tx: &mut Tx,
    r: &RoundRow,
    statements: &[String],
    groups: &[Uuid],
) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO rounds (id, assessment_id, title, token, opens_at, closes_at, introduction, privacy_notice, closed_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(r.id)
        .bind(r.assessment_id)
        .bind(&r.title)
        .bind(&r.token)
        .bind(r.opens_at)
        .bind(r.closes_at)
        .bind(&r.introduction)
        .bind(&r.privacy_notice)
        .bind(r.closed_at)
        .bind(r.created_at)
        .execute(&mut *conn)
        .await?;
        for statement in statements {
            sqlx::query("INSERT INTO round_statements (round_id, quality_statement) VALUES ($1, $2)")
                .bind(r.id)
                .bind(statement)
                .execute(&mut *conn)
                .await?;
        }
        for group in groups {
            sqlx::query("INSERT INTO round_groups (round_id, group_id) VALUES ($1, $2)")
                .bind(r.id)
                .bind(group)
                .execute(&mut *conn)
                .await?;
        }
    });
    Ok(())
}

const ROUND_COLUMNS: &str = "id, assessment_id, title, token, opens_at, closes_at, introduction, privacy_notice, closed_at, created_at";

pub async fn rounds(db: &Db, assessment_id: Uuid) -> Result<Vec<RoundRow>, DbError> {
    let sql = format!("SELECT {ROUND_COLUMNS} FROM rounds WHERE assessment_id = $1 ORDER BY created_at");
    Ok(
        on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(assessment_id).fetch_all(pool).await?),
    )
}

pub async fn round(db: &Db, id: Uuid) -> Result<Option<RoundRow>, DbError> {
    let sql = format!("SELECT {ROUND_COLUMNS} FROM rounds WHERE id = $1");
    Ok(on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?))
}

pub async fn round_by_token(db: &Db, token: &str) -> Result<Option<RoundRow>, DbError> {
    let sql = format!("SELECT {ROUND_COLUMNS} FROM rounds WHERE token = $1");
    Ok(on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token).fetch_optional(pool).await?))
}

/// A round found by its link, with its assessment and council, in one query.
#[derive(Debug, Clone, FromRow)]
pub struct LinkRow {
    #[sqlx(flatten)]
    pub round: RoundRow,
    pub council_id: Uuid,
    pub assessment_title: String,
    pub period_start: Date,
    pub period_end: Date,
    pub framework_key: String,
    pub status: String,
    pub assessment_created_at: OffsetDateTime,
    pub council_name: String,
}

impl LinkRow {
    pub fn assessment(&self) -> AssessmentRow {
        AssessmentRow {
            id: self.round.assessment_id,
            council_id: self.council_id,
            title: self.assessment_title.clone(),
            period_start: self.period_start,
            period_end: self.period_end,
            framework_key: self.framework_key.clone(),
            status: self.status.clone(),
            created_at: self.assessment_created_at,
        }
    }
}

pub async fn link(db: &Db, token: &str) -> Result<Option<LinkRow>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT r.id, r.assessment_id, r.title, r.token, r.opens_at, r.closes_at, r.introduction, r.privacy_notice, \
         r.closed_at, r.created_at, a.council_id, a.title AS assessment_title, a.period_start, a.period_end, \
         a.framework_key, a.status, a.created_at AS assessment_created_at, c.name AS council_name \
         FROM rounds r JOIN assessments a ON a.id = r.assessment_id JOIN councils c ON c.id = a.council_id \
         WHERE r.token = $1",
    )
    .bind(token)
    .fetch_optional(pool)
    .await?))
}

/// The respondent groups a round covers, in the assessment's order.
pub async fn round_group_rows(db: &Db, round_id: Uuid) -> Result<Vec<GroupRow>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT g.id, g.assessment_id, g.name, g.evidence_category, g.position \
         FROM round_groups rg JOIN respondent_groups g ON g.id = rg.group_id \
         WHERE rg.round_id = $1 ORDER BY g.position",
    )
    .bind(round_id)
    .fetch_all(pool)
    .await?))
}

/// What the database says of a round's link at the moment of a write, inside the writing
/// transaction: its token and times. On PostgreSQL the row is share-locked, so a lead closing
/// the round or replacing its link waits for the write to commit (and the write sees a close
/// committed before it).
#[derive(Debug, Clone, FromRow)]
pub struct LinkState {
    pub token: String,
    pub opens_at: OffsetDateTime,
    pub closes_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
}

pub async fn link_state(tx: &mut Tx, round_id: Uuid) -> Result<Option<LinkState>, DbError> {
    Ok(match tx {
        Tx::Sqlite(tx) => {
            sqlx::query_as("SELECT token, opens_at, closes_at, closed_at FROM rounds WHERE id = $1")
                .bind(round_id)
                .fetch_optional(&mut **tx)
                .await?
        }
        Tx::Postgres(tx) => {
            sqlx::query_as("SELECT token, opens_at, closes_at, closed_at FROM rounds WHERE id = $1 FOR SHARE")
                .bind(round_id)
                .fetch_optional(&mut **tx)
                .await?
        }
    })
}

/// The response stored with an idempotency key, inside a transaction.
pub async fn response_by_key_tx(
    tx: &mut Tx,
    assessment_id: Uuid,
    key: &str,
) -> Result<Option<StoredResponse>, DbError> {
    Ok(on_tx!(tx, conn => sqlx::query_as(
        "SELECT id, reference FROM responses WHERE assessment_id = $1 AND idempotency_key = $2",
    )
    .bind(assessment_id)
    .bind(key)
    .fetch_optional(conn)
    .await?))
}

pub async fn round_statements(db: &Db, round_id: Uuid) -> Result<Vec<String>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_scalar(
        "SELECT quality_statement FROM round_statements WHERE round_id = $1",
    )
    .bind(round_id)
    .fetch_all(pool)
    .await?))
}

pub async fn round_groups(db: &Db, round_id: Uuid) -> Result<Vec<Uuid>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_scalar(
        "SELECT rg.group_id FROM round_groups rg JOIN respondent_groups g ON g.id = rg.group_id \
         WHERE rg.round_id = $1 ORDER BY g.position",
    )
    .bind(round_id)
    .fetch_all(pool)
    .await?))
}

pub async fn set_round_closed(
    tx: &mut Tx,
    id: Uuid,
    closed_at: Option<OffsetDateTime>,
    closes_at: Option<OffsetDateTime>,
) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE rounds SET closed_at = $1, closes_at = COALESCE($2, closes_at) WHERE id = $3")
            .bind(closed_at)
            .bind(closes_at)
            .bind(id)
            .execute(conn)
            .await?;
    });
    Ok(())
}

pub async fn set_round_token(tx: &mut Tx, id: Uuid, token: &str) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE rounds SET token = $1 WHERE id = $2").bind(token).bind(id).execute(conn).await?;
    });
    Ok(())
}

pub async fn response_by_key(
    db: &Db,
    assessment_id: Uuid,
    key: &str,
) -> Result<Option<StoredResponse>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT id, reference FROM responses WHERE assessment_id = $1 AND idempotency_key = $2",
    )
    .bind(assessment_id)
    .bind(key)
    .fetch_optional(pool)
    .await?))
}

/// Stores a response and its answers, unless one with the same idempotency key exists: then
/// returns that one (`false`: not new) and stores nothing.
pub async fn insert_response(
    tx: &mut Tx,
    r: &NewResponse,
    answers: &[Answer],
) -> Result<(StoredResponse, bool), DbError> {
    let outcome = on_tx!(tx, conn => {
        let inserted = sqlx::query(
            "INSERT INTO responses (id, assessment_id, round_id, group_id, mode, user_id, reference, idempotency_key, \
             workshop_date, facilitator, participants, submitted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (assessment_id, idempotency_key) DO NOTHING",
        )
        .bind(r.id)
        .bind(r.assessment_id)
        .bind(r.round_id)
        .bind(r.group_id)
        .bind(r.mode)
        .bind(r.user_id)
        .bind(&r.reference)
        .bind(&r.idempotency_key)
        .bind(r.workshop_date)
        .bind(&r.facilitator)
        .bind(r.participants)
        .bind(r.submitted_at)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if inserted == 0 {
            let existing: StoredResponse = sqlx::query_as(
                "SELECT id, reference FROM responses WHERE assessment_id = $1 AND idempotency_key = $2",
            )
            .bind(r.assessment_id)
            .bind(&r.idempotency_key)
            .fetch_one(&mut *conn)
            .await?;
            (existing, false)
        } else {
            // In item order, so concurrent transactions take the analysis tallies' row locks
            // (PostgreSQL) in one order and cannot deadlock.
            let mut ordered: Vec<&Answer> = answers.iter().collect();
            ordered.sort_by_key(|a| a.item);
            for a in ordered {
                sqlx::query(
                    "INSERT INTO answers (response_id, item, rating, evidence, evidence_needed) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(r.id)
                .bind(a.item.to_string())
                .bind(i64::from(a.rating.value()))
                .bind(&a.evidence)
                .bind(&a.evidence_needed)
                .execute(&mut *conn)
                .await?;
            }
            (StoredResponse { id: r.id, reference: r.reference.clone() }, true)
        }
    });
    Ok(outcome)
}

/// Responses per multi-row statement in [`insert_many`] (12 values each).
const RESPONSES_PER_STATEMENT: usize = 200;
/// Answer rows per multi-row statement in [`insert_many`] (5 values each): under SQLite's
/// 32,766 and PostgreSQL's 65,535 bound values.
const ANSWERS_PER_STATEMENT: usize = 6000;

/// Stores many responses with their answers in the caller's transaction, as
/// [`insert_response`] stores one (same rows; a key already stored inserts nothing), but with
/// one multi-row statement per 200 responses and per 6,000 answers instead of one per row: a
/// large import holds the transaction (on SQLite, the write lock) for seconds, not minutes.
/// Returns whether each response was new. `stored` is told how many responses are stored so
/// far, after each statement.
pub async fn insert_many(
    tx: &mut Tx,
    responses: &[(NewResponse, Vec<Answer>)],
    mut stored: impl FnMut(usize),
) -> Result<Vec<bool>, DbError> {
    // Numbered placeholders for PostgreSQL; plain `?` for SQLite, which binds `$n` by name and
    // looks each name up in turn (quadratic in a statement of thousands of values).
    let numbered = matches!(tx, Tx::Postgres(_));
    let row = |r: usize, width: usize| -> String {
        let values: Vec<String> = (1..=width)
            .map(|c| if numbered { format!("${}", r * width + c) } else { "?".to_owned() })
            .collect();
        format!("({})", values.join(", "))
    };
    let mut new = Vec::with_capacity(responses.len());
    let mut done = 0;
    for chunk in responses.chunks(RESPONSES_PER_STATEMENT) {
        let rows: Vec<String> = (0..chunk.len()).map(|r| row(r, 12)).collect();
        let sql = format!(
            "INSERT INTO responses (id, assessment_id, round_id, group_id, mode, user_id, reference, idempotency_key, \
             workshop_date, facilitator, participants, submitted_at) VALUES {} \
             ON CONFLICT (assessment_id, idempotency_key) DO NOTHING RETURNING id",
            rows.join(", ")
        );
        let inserted: std::collections::HashSet<Uuid> = on_tx!(tx, conn => {
            let mut query = sqlx::query_scalar::<_, Uuid>(sqlx::AssertSqlSafe(sql)).persistent(false);
            for (r, _) in chunk {
                query = query
                    .bind(r.id)
                    .bind(r.assessment_id)
                    .bind(r.round_id)
                    .bind(r.group_id)
                    .bind(r.mode)
                    .bind(r.user_id)
                    .bind(r.reference.clone())
                    .bind(r.idempotency_key.clone())
                    .bind(r.workshop_date)
                    .bind(r.facilitator.clone())
                    .bind(r.participants)
                    .bind(r.submitted_at);
            }
            query.fetch_all(&mut *conn).await?.into_iter().collect()
        });
        // In item order (then group), so concurrent PostgreSQL transactions take the analysis
        // tallies' row locks in one order, as `insert_response` does.
        let mut answers: Vec<(Uuid, Uuid, &Answer)> = chunk
            .iter()
            .filter(|(r, _)| inserted.contains(&r.id))
            .flat_map(|(r, answers)| answers.iter().map(move |a| (r.id, r.group_id, a)))
            .collect();
        answers.sort_by_key(|(_, group, a)| (a.item, *group));
        for rows in answers.chunks(ANSWERS_PER_STATEMENT) {
            let values: Vec<String> = (0..rows.len()).map(|r| row(r, 5)).collect();
            let sql = format!(
                "INSERT INTO answers (response_id, item, rating, evidence, evidence_needed) VALUES {}",
                values.join(", ")
            );
            on_tx!(tx, conn => {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
                for (response_id, _, a) in rows {
                    query = query
                        .bind(*response_id)
                        .bind(a.item.to_string())
                        .bind(i64::from(a.rating.value()))
                        .bind(a.evidence.clone())
                        .bind(a.evidence_needed.clone());
                }
                query.execute(&mut *conn).await?;
            });
        }
        new.extend(chunk.iter().map(|(r, _)| inserted.contains(&r.id)));
        done += chunk.len();
        stored(done);
    }
    Ok(new)
}

pub async fn count_responses(db: &Db, assessment_id: Uuid) -> Result<(i64, i64), DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM responses WHERE assessment_id = $1), \
         (SELECT COUNT(*) FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.assessment_id = $1)",
    )
    .bind(assessment_id)
    .fetch_one(pool)
    .await?))
}

#[derive(Debug, Clone, FromRow)]
pub struct DraftRow {
    pub round_id: Uuid,
    pub content: String,
    pub expires_at: OffsetDateTime,
}

pub async fn save_draft(
    db: &Db,
    code_hash: &str,
    round_id: Uuid,
    content: &str,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<(), DbError> {
    on_db!(db, pool => {
        sqlx::query(
            "INSERT INTO drafts (code_hash, round_id, content, updated_at, expires_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (code_hash) DO UPDATE SET content = excluded.content, updated_at = excluded.updated_at",
        )
        .bind(code_hash)
        .bind(round_id)
        .bind(content)
        .bind(now)
        .bind(expires_at)
        .execute(pool)
        .await?;
    });
    Ok(())
}

pub async fn draft(db: &Db, code_hash: &str) -> Result<Option<DraftRow>, DbError> {
    Ok(
        on_db!(db, pool => sqlx::query_as("SELECT round_id, content, expires_at FROM drafts WHERE code_hash = $1")
        .bind(code_hash)
        .fetch_optional(pool)
        .await?),
    )
}

pub async fn delete_draft(db: &Db, code_hash: &str) -> Result<(), DbError> {
    on_db!(db, pool => {
        sqlx::query("DELETE FROM drafts WHERE code_hash = $1").bind(code_hash).execute(pool).await?;
    });
    Ok(())
}

pub async fn set_assessment_status(tx: &mut Tx, id: Uuid, status: &str) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE assessments SET status = $1 WHERE id = $2").bind(status).bind(id).execute(conn).await?;
    });
    Ok(())
}

/// Responses per round and group, for the lead's overview (counts only).
pub async fn response_counts(
    db: &Db,
    assessment_id: Uuid,
) -> Result<Vec<(Option<Uuid>, Uuid, String, i64)>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT round_id, group_id, mode, COUNT(*) FROM responses WHERE assessment_id = $1 GROUP BY round_id, group_id, mode",
    )
    .bind(assessment_id)
    .fetch_all(pool)
    .await?))
}

pub async fn update_group(
    tx: &mut Tx,
    id: Uuid,
    assessment_id: Uuid,
    name: &str,
    category: &str,
) -> Result<bool, DbError> {
    let done = on_tx!(tx, conn => sqlx::query(
        "UPDATE respondent_groups SET name = $1, evidence_category = $2 WHERE id = $3 AND assessment_id = $4",
    )
    .bind(name)
    .bind(category)
    .bind(id)
    .bind(assessment_id)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(done == 1)
}

pub async fn set_answer_notes(
    tx: &mut Tx,
    response_id: Uuid,
    item: &str,
    notes: &str,
) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE answers SET notes = $1 WHERE response_id = $2 AND item = $3")
            .bind(notes)
            .bind(response_id)
            .bind(item)
            .execute(conn)
            .await?;
    });
    Ok(())
}
