//! SQL for the analysis: the running tallies, a full recount to check them, the free text and
//! each assessment's thresholds.

use time::OffsetDateTime;
use uuid::Uuid;

use super::findings::Thresholds;
use super::model::{ResponseTallyRow, TallyRow};
use crate::db::{Db, DbError, Tx};
use crate::{on_db, on_tx};

type TallyTuple = (Uuid, Uuid, String, String, i64, i64, i64);

fn tally_row((round_id, group_id, mode, item, rating, answers, with_evidence): TallyTuple) -> TallyRow {
    TallyRow { round_id, group_id, mode, item, rating, answers, with_evidence }
}

/// The running counts the triggers keep (migration 0006).
pub async fn tallies(db: &Db, assessment_id: Uuid) -> Result<Vec<TallyRow>, DbError> {
    let rows: Vec<TallyTuple> = on_db!(db, pool => sqlx::query_as(
        "SELECT round_id, group_id, mode, item, rating, answers, with_evidence FROM answer_tallies \
         WHERE assessment_id = $1 AND answers > 0",
    )
    .bind(assessment_id)
    .fetch_all(pool)
    .await?);
    Ok(rows.into_iter().map(tally_row).collect())
}

/// The same counts recomputed from every answer: slow, for checks only.
pub async fn recount(db: &Db, assessment_id: Uuid) -> Result<Vec<TallyRow>, DbError> {
    let rows: Vec<TallyTuple> = on_db!(db, pool => sqlx::query_as(
        "SELECT COALESCE(r.round_id, $2), r.group_id, r.mode, a.item, a.rating, COUNT(*), \
                SUM(CASE WHEN a.evidence <> '' THEN 1 ELSE 0 END) \
         FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.assessment_id = $1 \
         GROUP BY COALESCE(r.round_id, $2), r.group_id, r.mode, a.item, a.rating",
    )
    .bind(assessment_id)
    .bind(Uuid::nil())
    .fetch_all(pool)
    .await?);
    Ok(rows.into_iter().map(tally_row).collect())
}

pub async fn response_tallies(db: &Db, assessment_id: Uuid) -> Result<Vec<ResponseTallyRow>, DbError> {
    let rows: Vec<(Uuid, Uuid, String, i64, i64)> = on_db!(db, pool => sqlx::query_as(
        "SELECT round_id, group_id, mode, responses, participants FROM response_tallies WHERE assessment_id = $1",
    )
    .bind(assessment_id)
    .fetch_all(pool)
    .await?);
    Ok(rows
        .into_iter()
        .map(|(round_id, group_id, mode, responses, participants)| ResponseTallyRow {
            round_id,
            group_id,
            mode,
            responses,
            participants,
        })
        .collect())
}

/// Which free-text answer to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreeText {
    /// "What evidence do you have?"
    EvidenceGiven,
    /// "What evidence do you need?"
    EvidenceNeeded,
}

/// Free-text answers to some items, as (item, text, how many gave it) in alphabetical order of
/// the text, so that nothing about the order, time or person of a response shows through. At
/// most `limit` different (item, text) pairs.
pub async fn free_text(
    db: &Db,
    assessment_id: Uuid,
    items: &[String],
    which: FreeText,
    round: Option<Uuid>,
    limit: i64,
) -> Result<Vec<(String, String, i64)>, DbError> {
    if items.is_empty() {
        return Ok(vec![]);
    }
    let column = match which {
        FreeText::EvidenceGiven => "evidence",
        FreeText::EvidenceNeeded => "evidence_needed",
    };
    let placeholders: Vec<String> = (0..items.len()).map(|i| format!("${}", i + 4)).collect();
    let sql = format!(
        "SELECT a.item, a.{column}, COUNT(*) FROM answers a JOIN responses r ON r.id = a.response_id \
         WHERE a.item IN ({}) AND a.{column} <> '' AND r.assessment_id = $1 \
         AND ($2 IS NULL OR r.round_id = $2) GROUP BY a.{column}, a.item ORDER BY a.{column}, a.item LIMIT $3",
        placeholders.join(", ")
    );
    Ok(on_db!(db, pool => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(assessment_id).bind(round).bind(limit);
        for item in items {
            query = query.bind(item);
        }
        query.fetch_all(pool).await?
    }))
}

type SettingsTuple = (i64, i64, i64, i64, i64, i64, i64);

pub async fn thresholds(db: &Db, assessment_id: Uuid) -> Result<Option<Thresholds>, DbError> {
    let row: Option<SettingsTuple> = on_db!(db, pool => sqlx::query_as(
        "SELECT min_group_size, strength_agree_percent, improvement_agree_percent, differing_gap_points, \
                differing_consensus_percent, dont_know_percent, evidence_percent \
         FROM analysis_settings WHERE assessment_id = $1",
    )
    .bind(assessment_id)
    .fetch_optional(pool)
    .await?);
    let to = |v: i64| u32::try_from(v).unwrap_or(0);
    Ok(row.map(|(k, strength, improvement, gap, consensus, dont_know, evidence)| Thresholds {
        min_group_size: to(k),
        strength_agree_percent: to(strength),
        improvement_agree_percent: to(improvement),
        differing_gap_points: to(gap),
        differing_consensus_percent: to(consensus),
        dont_know_percent: to(dont_know),
        evidence_percent: to(evidence),
    }))
}

pub async fn save_thresholds(
    tx: &mut Tx,
    assessment_id: Uuid,
    t: &Thresholds,
    user_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO analysis_settings (assessment_id, min_group_size, strength_agree_percent, \
             improvement_agree_percent, differing_gap_points, differing_consensus_percent, dont_know_percent, \
             evidence_percent, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (assessment_id) DO UPDATE SET min_group_size = excluded.min_group_size, \
             strength_agree_percent = excluded.strength_agree_percent, \
             improvement_agree_percent = excluded.improvement_agree_percent, \
             differing_gap_points = excluded.differing_gap_points, \
             differing_consensus_percent = excluded.differing_consensus_percent, \
             dont_know_percent = excluded.dont_know_percent, evidence_percent = excluded.evidence_percent, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(assessment_id)
        .bind(i64::from(t.min_group_size))
        .bind(i64::from(t.strength_agree_percent))
        .bind(i64::from(t.improvement_agree_percent))
        .bind(i64::from(t.differing_gap_points))
        .bind(i64::from(t.differing_consensus_percent))
        .bind(i64::from(t.dont_know_percent))
        .bind(i64::from(t.evidence_percent))
        .bind(user_id)
        .bind(now)
        .execute(conn)
        .await?;
    });
    Ok(())
}
