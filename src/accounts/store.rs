//! The only place with SQL for people, roles, sessions, invitations, tokens and throttling.

use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Db, DbError, Tx};
use crate::{on_db, on_tx};

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    pub is_platform_admin: bool,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, FromRow)]
pub struct MembershipRow {
    pub council_id: Uuid,
    pub council_name: String,
    pub role: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct StatementRow {
    pub council_id: Uuid,
    pub quality_statement: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub user_id: Uuid,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, FromRow)]
pub struct InvitationRow {
    pub id: Uuid,
    pub council_id: Uuid,
    pub email: String,
    pub role: String,
    pub quality_statements: String,
    pub invited_by: Uuid,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub accepted_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, FromRow)]
pub struct ApiTokenRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, FromRow)]
pub struct PersonRow {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: String,
    pub has_password: bool,
}

const USER_COLUMNS: &str = "id, email, name, password_hash, is_platform_admin, created_at";

pub async fn insert_user(tx: &mut Tx, user: &UserRow) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO users (id, email, name, password_hash, is_platform_admin, created_at, password_changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(user.id)
        .bind(&user.email)
        .bind(&user.name)
        .bind(&user.password_hash)
        .bind(user.is_platform_admin)
        .bind(user.created_at)
        .bind(user.password_hash.as_ref().map(|_| user.created_at))
        .execute(conn)
        .await?;
    });
    Ok(())
}

pub async fn user_by_email(db: &Db, email: &str) -> Result<Option<UserRow>, DbError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    Ok(on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(email).fetch_optional(pool).await?))
}

pub async fn user_by_email_tx(tx: &mut Tx, email: &str) -> Result<Option<UserRow>, DbError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    Ok(on_tx!(tx, conn => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(email).fetch_optional(conn).await?))
}

pub async fn user_by_id(db: &Db, id: Uuid) -> Result<Option<UserRow>, DbError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    Ok(on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?))
}

pub async fn set_password(
    tx: &mut Tx,
    user_id: Uuid,
    hash: &str,
    now: OffsetDateTime,
) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(now)
            .bind(user_id)
            .execute(conn)
            .await?;
    });
    Ok(())
}

pub async fn set_name(tx: &mut Tx, user_id: Uuid, name: &str) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE users SET name = $1 WHERE id = $2").bind(name).bind(user_id).execute(conn).await?;
    });
    Ok(())
}

pub async fn memberships_of(db: &Db, user_id: Uuid) -> Result<Vec<MembershipRow>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT m.council_id, c.name AS council_name, m.role FROM memberships m \
         JOIN councils c ON c.id = m.council_id WHERE m.user_id = $1 ORDER BY c.name, m.role",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?))
}

pub async fn statements_of(db: &Db, user_id: Uuid) -> Result<Vec<StatementRow>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT council_id, quality_statement FROM membership_statements WHERE user_id = $1 ORDER BY quality_statement",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?))
}

/// Adds a role (ignoring one the person already has) and, for quality statement leads, the
/// statements they own. Returns whether the role was new.
pub async fn add_membership(
    tx: &mut Tx,
    user_id: Uuid,
    council_id: Uuid,
    role: &str,
    statements: &[String],
    now: OffsetDateTime,
) -> Result<bool, DbError> {
    let added = on_tx!(tx, conn => {
        let result = sqlx::query(
            "INSERT INTO memberships (user_id, council_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id, council_id, role) DO NOTHING",
        )
        .bind(user_id)
        .bind(council_id)
        .bind(role)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        for statement in statements {
            sqlx::query(
                "INSERT INTO membership_statements (user_id, council_id, quality_statement) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, council_id, quality_statement) DO NOTHING",
            )
            .bind(user_id)
            .bind(council_id)
            .bind(statement)
            .execute(&mut *conn)
            .await?;
        }
        result.rows_affected() > 0
    });
    Ok(added)
}

pub async fn people_of_council(db: &Db, council_id: Uuid) -> Result<Vec<PersonRow>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT u.id AS user_id, u.name, u.email, m.role, (u.password_hash IS NOT NULL) AS has_password \
         FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.council_id = $1 ORDER BY u.name, m.role",
    )
    .bind(council_id)
    .fetch_all(pool)
    .await?))
}

pub async fn insert_session(
    db: &Db,
    token_hash: &str,
    user_id: Uuid,
    csrf_token: &str,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<(), DbError> {
    on_db!(db, pool => {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(now)
        .bind(expires_at)
        .execute(pool)
        .await?;
    });
    Ok(())
}

pub async fn session(db: &Db, token_hash: &str) -> Result<Option<SessionRow>, DbError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT user_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?))
}

pub async fn touch_session(db: &Db, token_hash: &str, now: OffsetDateTime) -> Result<(), DbError> {
    on_db!(db, pool => {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(pool)
            .await?;
    });
    Ok(())
}

pub async fn delete_session(db: &Db, token_hash: &str) -> Result<(), DbError> {
    on_db!(db, pool => {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
    });
    Ok(())
}

/// Signs a person out everywhere but the session they are using (after a password change).
pub async fn delete_other_sessions(tx: &mut Tx, user_id: Uuid, keep_hash: &str) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep_hash)
            .execute(conn)
            .await?;
    });
    Ok(())
}

pub async fn delete_expired_sessions(
    db: &Db,
    now: OffsetDateTime,
    idle_since: OffsetDateTime,
) -> Result<u64, DbError> {
    let deleted = on_db!(db, pool => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
        .bind(now)
        .bind(idle_since)
        .execute(pool)
        .await?
        .rows_affected());
    Ok(deleted)
}

pub async fn insert_invitation(
    tx: &mut Tx,
    invitation: &InvitationRow,
    token_hash: &str,
) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO invitations (id, council_id, email, role, quality_statements, token_hash, invited_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(invitation.id)
        .bind(invitation.council_id)
        .bind(&invitation.email)
        .bind(&invitation.role)
        .bind(&invitation.quality_statements)
        .bind(token_hash)
        .bind(invitation.invited_by)
        .bind(invitation.created_at)
        .bind(invitation.expires_at)
        .execute(conn)
        .await?;
    });
    Ok(())
}

const INVITATION_COLUMNS: &str = "id, council_id, email, role, quality_statements, invited_by, created_at, expires_at, accepted_at, revoked_at";

pub async fn invitation_by_token(db: &Db, token_hash: &str) -> Result<Option<InvitationRow>, DbError> {
    let sql = format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE token_hash = $1");
    Ok(
        on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(pool).await?),
    )
}

pub async fn invitations_of_council(db: &Db, council_id: Uuid) -> Result<Vec<InvitationRow>, DbError> {
    let sql = format!(
        "SELECT {INVITATION_COLUMNS} FROM invitations WHERE council_id = $1 AND accepted_at IS NULL \
         AND revoked_at IS NULL ORDER BY created_at DESC"
    );
    Ok(on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(council_id).fetch_all(pool).await?))
}

/// Marks an open invitation accepted; false when it was already used or revoked meanwhile.
pub async fn accept_invitation(tx: &mut Tx, id: Uuid, now: OffsetDateTime) -> Result<bool, DbError> {
    let done = on_tx!(tx, conn => sqlx::query(
        "UPDATE invitations SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(done == 1)
}

pub async fn revoke_invitation(
    tx: &mut Tx,
    id: Uuid,
    council_id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbError> {
    let done = on_tx!(tx, conn => sqlx::query(
        "UPDATE invitations SET revoked_at = $1 WHERE id = $2 AND council_id = $3 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(council_id)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(done == 1)
}

pub async fn insert_api_token(tx: &mut Tx, token: &ApiTokenRow, token_hash: &str) -> Result<(), DbError> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token.id)
        .bind(token.user_id)
        .bind(&token.name)
        .bind(token_hash)
        .bind(token.created_at)
        .bind(token.expires_at)
        .execute(conn)
        .await?;
    });
    Ok(())
}

const TOKEN_COLUMNS: &str = "id, user_id, name, created_at, expires_at, revoked_at, last_used_at";

pub async fn api_tokens_of(db: &Db, user_id: Uuid) -> Result<Vec<ApiTokenRow>, DbError> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC");
    Ok(on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_all(pool).await?))
}

pub async fn api_token_by_hash(db: &Db, token_hash: &str) -> Result<Option<ApiTokenRow>, DbError> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1");
    Ok(
        on_db!(db, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(pool).await?),
    )
}

pub async fn touch_api_token(db: &Db, id: Uuid, now: OffsetDateTime) -> Result<(), DbError> {
    on_db!(db, pool => {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now).bind(id).execute(pool).await?;
    });
    Ok(())
}

pub async fn revoke_api_token(
    tx: &mut Tx,
    id: Uuid,
    user_id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbError> {
    let done = on_tx!(tx, conn => sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(user_id)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(done == 1)
}

pub async fn record_login_failure(
    db: &Db,
    account_key: &str,
    address_key: &str,
    now: OffsetDateTime,
) -> Result<(), DbError> {
    on_db!(db, pool => {
        sqlx::query("INSERT INTO login_failures (account_key, address_key, at) VALUES ($1, $2, $3)")
            .bind(account_key)
            .bind(address_key)
            .bind(now)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Failures since `since` for the account and for the address, and the oldest of each
/// (to say when the window frees up).
pub async fn login_failures(
    db: &Db,
    account_key: &str,
    address_key: &str,
    since: OffsetDateTime,
) -> Result<((i64, Option<OffsetDateTime>), (i64, Option<OffsetDateTime>)), DbError> {
    let (account, address) = on_db!(db, pool => {
        let account: (i64, Option<OffsetDateTime>) =
            sqlx::query_as("SELECT COUNT(*), MIN(at) FROM login_failures WHERE account_key = $1 AND at > $2")
                .bind(account_key)
                .bind(since)
                .fetch_one(pool)
                .await?;
        let address: (i64, Option<OffsetDateTime>) =
            sqlx::query_as("SELECT COUNT(*), MIN(at) FROM login_failures WHERE address_key = $1 AND at > $2")
                .bind(address_key)
                .bind(since)
                .fetch_one(pool)
                .await?;
        (account, address)
    });
    Ok((account, address))
}

pub async fn clear_login_failures(db: &Db, account_key: &str, before: OffsetDateTime) -> Result<(), DbError> {
    on_db!(db, pool => {
        sqlx::query("DELETE FROM login_failures WHERE account_key = $1 OR at <= $2")
            .bind(account_key)
            .bind(before)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// The value of a server key, made (once, by whichever instance gets there first) if absent.
pub async fn server_key(db: &Db, name: &str, fresh: &str) -> Result<String, DbError> {
    let value = on_db!(db, pool => {
        sqlx::query("INSERT INTO server_keys (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(fresh)
            .execute(pool)
            .await?;
        sqlx::query_scalar("SELECT value FROM server_keys WHERE name = $1").bind(name).fetch_one(pool).await?
    });
    Ok(value)
}

/// Deletes sign-in failures older than `before` (they only matter inside the throttling window).
pub async fn delete_old_login_failures(db: &Db, before: OffsetDateTime) -> Result<u64, DbError> {
    Ok(
        on_db!(db, pool => sqlx::query("DELETE FROM login_failures WHERE at <= $1").bind(before).execute(pool).await?.rows_affected()),
    )
}
