//! Account use cases: each checks who may do it, changes data in one transaction, and
//! appends its audit entry in that same transaction.

use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::net::IpAddr;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::actor::{Actor, Denied, Membership, Via};
use super::domain::{Email, NewPassword, PersonName, Role, format_statements, parse_statements};
use super::{secrets, store};
use crate::audit::{self, AuditActor, Change};
use crate::councils;
use crate::councils::store::CouncilRow;
use crate::db::{Db, DbError};
use crate::framework::QualityStatementId;

/// Failed sign-ins allowed per account, and per address, within the window.
pub const ACCOUNT_FAILURE_LIMIT: i64 = 5;
pub const ADDRESS_FAILURE_LIMIT: i64 = 20;
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
pub const INVITATION_LIFETIME: Duration = Duration::days(7);
pub const MAX_TOKEN_DAYS: i64 = 366;

/// A problem with one form field, for the GOV.UK error summary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The form field's id, which the error summary links to.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("denied")]
    Denied(Denied),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Hash(#[from] secrets::HashError),
}

impl From<Denied> for ServiceError {
    fn from(denied: Denied) -> Self {
        ServiceError::Denied(denied)
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::Invalid(vec![FieldError::new(field, message)])
}

/// Builds the actor for a user id: their roles in each council.
pub async fn load_actor(db: &Db, user_id: Uuid, via: Via) -> Result<Option<Actor>, DbError> {
    let Some(user) = store::user_by_id(db, user_id).await? else { return Ok(None) };
    let mut memberships: BTreeMap<Uuid, Membership> = BTreeMap::new();
    for row in store::memberships_of(db, user_id).await? {
        let entry = memberships.entry(row.council_id).or_insert_with(|| Membership {
            council_id: row.council_id,
            council_name: row.council_name.clone(),
            roles: Default::default(),
            statements: Vec::new(),
        });
        if let Some(role) = Role::parse(&row.role) {
            entry.roles.insert(role);
        }
    }
    for row in store::statements_of(db, user_id).await? {
        if let (Some(membership), Ok(id)) =
            (memberships.get_mut(&row.council_id), row.quality_statement.parse())
        {
            membership.statements.push(id);
        }
    }
    let mut memberships: Vec<Membership> = memberships.into_values().collect();
    memberships.sort_by(|a, b| a.council_name.cmp(&b.council_name));
    Ok(Some(Actor {
        user_id: user.id,
        name: user.name,
        email: user.email,
        is_platform_admin: user.is_platform_admin,
        memberships,
        via,
    }))
}

pub async fn actor_for_api_token(
    db: &Db,
    token: &str,
    now: OffsetDateTime,
) -> Result<Option<Actor>, DbError> {
    if !token.starts_with(secrets::API_TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some(row) = store::api_token_by_hash(db, &secrets::token_hash(token)).await? else { return Ok(None) };
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Ok(None);
    }
    if row.last_used_at.is_none_or(|at| now - at >= Duration::minutes(1)) {
        store::touch_api_token(db, row.id, now).await?;
    }
    load_actor(db, row.user_id, Via::ApiToken { id: row.id }).await
}

/// A keyed hash, so throttling rows hold neither email addresses nor IP addresses.
pub fn throttle_key(key: &str, kind: &str, value: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [key, kind, value] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

pub enum SignIn {
    /// The new session's cookie token.
    SignedIn {
        token: String,
    },
    /// The same answer whether the email is unknown or the password wrong.
    Refused,
    Throttled {
        retry_after_seconds: i64,
    },
}

pub async fn sign_in(
    db: &Db,
    server_key: &str,
    email_input: &str,
    password: &str,
    address: Option<IpAddr>,
    now: OffsetDateTime,
) -> Result<SignIn, ServiceError> {
    let normalised = email_input.trim().to_lowercase();
    let account_key = throttle_key(server_key, "account", &normalised);
    let address_key =
        throttle_key(server_key, "address", &address.map(|a| a.to_string()).unwrap_or_default());
    let since = now - FAILURE_WINDOW;
    let ((account_failures, account_oldest), (address_failures, address_oldest)) =
        store::login_failures(db, &account_key, &address_key, since).await?;
    let oldest = match (account_failures >= ACCOUNT_FAILURE_LIMIT, address_failures >= ADDRESS_FAILURE_LIMIT)
    {
        (true, _) => account_oldest,
        (false, true) => address_oldest,
        (false, false) => None,
    };
    if let Some(oldest) = oldest {
        let retry = (oldest + FAILURE_WINDOW - now).whole_seconds().max(1);
        return Ok(SignIn::Throttled { retry_after_seconds: retry });
    }

    let user = store::user_by_email(db, &normalised).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    // Verified even when there is no such account, against a dummy hash: the same work either way.
    let ok = secrets::verify_password(password.to_owned(), stored).await;
    let (true, Some(user)) = (ok, user) else {
        store::record_login_failure(db, &account_key, &address_key, now).await?;
        return Ok(SignIn::Refused);
    };
    store::clear_login_failures(db, &account_key, since).await?;
    let token = secrets::random_token();
    let csrf = secrets::random_token();
    store::insert_session(
        db,
        &secrets::token_hash(&token),
        user.id,
        &csrf,
        now,
        now + super::session::ABSOLUTE_TIMEOUT,
    )
    .await?;
    let mut tx = db.begin().await?;
    audit::record(
        &mut tx,
        Change {
            council_id: None,
            actor: AuditActor { user_id: Some(user.id), name: user.name.clone() },
            entity: "session",
            entity_id: user.id.to_string(),
            action: "sign_in",
            summary: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(SignIn::SignedIn { token })
}

pub async fn sign_out(db: &Db, actor: &Actor) -> Result<(), ServiceError> {
    if let Some(hash) = actor.session_hash() {
        store::delete_session(db, hash).await?;
    }
    Ok(())
}

pub async fn change_password(
    db: &Db,
    actor: &Actor,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<(), ServiceError> {
    let user = store::user_by_id(db, actor.user_id).await?.ok_or(ServiceError::Denied(Denied::NotFound))?;
    let mut errors = Vec::new();
    if current.is_empty() {
        errors.push(FieldError::new("current_password", "Enter your current password"));
    } else if !secrets::verify_password(current.to_owned(), user.password_hash.clone()).await {
        errors.push(FieldError::new("current_password", "Your current password is not right"));
    }
    let new_password = match NewPassword::parse(new, &user.email, &user.name) {
        Ok(p) => Some(p),
        Err(message) => {
            errors.push(FieldError::new("new_password", message));
            None
        }
    };
    if new_password.is_some() && new != confirm {
        errors.push(FieldError::new("confirm_password", "The passwords do not match"));
    }
    let (true, Some(new_password)) = (errors.is_empty(), new_password) else {
        return Err(ServiceError::Invalid(errors));
    };
    let hash = secrets::hash_password(new_password.expose().to_owned()).await?;
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    store::set_password(&mut tx, user.id, &hash, now).await?;
    // Other sessions end: whoever knew the old password is signed out.
    store::delete_other_sessions(&mut tx, user.id, actor.session_hash().unwrap_or_default()).await?;
    audit::record(
        &mut tx,
        Change {
            council_id: None,
            actor: actor.audit_actor(),
            entity: "user",
            entity_id: user.id.to_string(),
            action: "change_password",
            summary: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn create_council(db: &Db, actor: &Actor, gss_code: &str) -> Result<CouncilRow, ServiceError> {
    actor.can_administer_platform()?;
    let Some(reference) = councils::reference_by_code(gss_code.trim()) else {
        return Err(invalid("gss_code", "Select a council from the list"));
    };
    let council = CouncilRow {
        id: Uuid::now_v7(),
        gss_code: reference.gss_code.clone(),
        name: reference.name.clone(),
        created_at: OffsetDateTime::now_utc(),
    };
    let mut tx = db.begin().await?;
    if !councils::store::insert(&mut tx, &council).await? {
        return Err(invalid("gss_code", format!("{} is already set up", reference.name)));
    }
    audit::record(
        &mut tx,
        Change {
            council_id: Some(council.id),
            actor: actor.audit_actor(),
            entity: "council",
            entity_id: council.id.to_string(),
            action: "create",
            summary: json!({"gss_code": council.gss_code, "name": council.name}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(council)
}

pub struct Invited {
    pub invitation_id: Uuid,
    /// Shown once to the inviter (and sent by email when mail is configured).
    pub token: String,
    pub expires_at: OffsetDateTime,
}

pub async fn invite(
    db: &Db,
    actor: &Actor,
    council_id: Uuid,
    email_input: &str,
    role_input: &str,
    statements: &[String],
    known_statements: &[QualityStatementId],
) -> Result<Invited, ServiceError> {
    actor.can_lead(council_id)?;
    let mut errors = Vec::new();
    let email = Email::parse(email_input).map_err(|m| errors.push(FieldError::new("email", m))).ok();
    let role = Role::parse(role_input);
    if role.is_none() {
        errors.push(FieldError::new("role", "Select a role"));
    }
    let mut chosen = Vec::new();
    for s in statements {
        match s.parse::<QualityStatementId>() {
            Ok(id) if known_statements.contains(&id) => chosen.push(id),
            _ => errors.push(FieldError::new("statements", "Select quality statements from the list")),
        }
    }
    if role == Some(Role::QualityStatementLead) && chosen.is_empty() {
        errors.push(FieldError::new("statements", "Select the quality statements this person will lead"));
    }
    if role.is_some() && role != Some(Role::QualityStatementLead) {
        chosen.clear();
    }
    let (true, Some(email), Some(role)) = (errors.is_empty(), email, role) else {
        return Err(ServiceError::Invalid(errors));
    };
    let now = OffsetDateTime::now_utc();
    let token = secrets::random_token();
    let invitation = store::InvitationRow {
        id: Uuid::now_v7(),
        council_id,
        email: email.as_str().to_owned(),
        role: role.as_str().to_owned(),
        quality_statements: format_statements(&chosen),
        invited_by: actor.user_id,
        created_at: now,
        expires_at: now + INVITATION_LIFETIME,
        accepted_at: None,
        revoked_at: None,
    };
    let mut tx = db.begin().await?;
    store::insert_invitation(&mut tx, &invitation, &secrets::token_hash(&token)).await?;
    audit::record(
        &mut tx,
        Change {
            council_id: Some(council_id),
            actor: actor.audit_actor(),
            entity: "invitation",
            entity_id: invitation.id.to_string(),
            action: "create",
            summary: json!({"email": invitation.email, "role": invitation.role, "quality_statements": invitation.quality_statements}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Invited { invitation_id: invitation.id, token, expires_at: invitation.expires_at })
}

pub async fn revoke_invitation(
    db: &Db,
    actor: &Actor,
    council_id: Uuid,
    invitation_id: Uuid,
) -> Result<(), ServiceError> {
    actor.can_lead(council_id)?;
    let mut tx = db.begin().await?;
    if !store::revoke_invitation(&mut tx, invitation_id, council_id, OffsetDateTime::now_utc()).await? {
        return Err(ServiceError::Denied(Denied::NotFound));
    }
    audit::record(
        &mut tx,
        Change {
            council_id: Some(council_id),
            actor: actor.audit_actor(),
            entity: "invitation",
            entity_id: invitation_id.to_string(),
            action: "revoke",
            summary: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An invitation that can still be accepted.
pub struct OpenInvitation {
    pub invitation: store::InvitationRow,
    pub council_name: String,
    /// The invitee already has an account (they sign in to accept instead of setting a password).
    pub existing_user: bool,
}

pub enum InvitationState {
    Open(Box<OpenInvitation>),
    Expired,
    Used,
    Unknown,
}

pub async fn find_invitation(db: &Db, token: &str) -> Result<InvitationState, ServiceError> {
    let Some(invitation) = store::invitation_by_token(db, &secrets::token_hash(token)).await? else {
        return Ok(InvitationState::Unknown);
    };
    if invitation.accepted_at.is_some() || invitation.revoked_at.is_some() {
        return Ok(InvitationState::Used);
    }
    if invitation.expires_at <= OffsetDateTime::now_utc() {
        return Ok(InvitationState::Expired);
    }
    let council_name =
        councils::store::by_id(db, invitation.council_id).await?.map(|c| c.name).unwrap_or_default();
    let existing_user =
        store::user_by_email(db, &invitation.email).await?.is_some_and(|u| u.password_hash.is_some());
    Ok(InvitationState::Open(Box::new(OpenInvitation { invitation, council_name, existing_user })))
}

/// Accepts an invitation: a new person names themselves and sets a password; a person who
/// already has an account must be signed in as the invited address.
pub async fn accept_invitation(
    db: &Db,
    token: &str,
    signed_in: Option<&Actor>,
    name: &str,
    password: &str,
    confirm: &str,
) -> Result<Accepted, ServiceError> {
    let InvitationState::Open(open) = find_invitation(db, token).await? else {
        return Err(ServiceError::Denied(Denied::NotFound));
    };
    let invitation = open.invitation.clone();
    let now = OffsetDateTime::now_utc();
    let role = Role::parse(&invitation.role).ok_or(ServiceError::Denied(Denied::NotFound))?;
    let statements: Vec<String> =
        parse_statements(&invitation.quality_statements).iter().map(|s| s.to_string()).collect();

    let mut errors = Vec::new();
    let mut new_user = None;
    if open.existing_user {
        match signed_in {
            Some(actor) if actor.email == invitation.email => {}
            _ => return Err(ServiceError::Denied(Denied::Forbidden)),
        }
    } else {
        let name = PersonName::parse(name).map_err(|m| errors.push(FieldError::new("name", m))).ok();
        let password = match NewPassword::parse(
            password,
            &invitation.email,
            name.as_ref().map(|n| n.as_str()).unwrap_or_default(),
        ) {
            Ok(p) => Some(p),
            Err(m) => {
                errors.push(FieldError::new("password", m));
                None
            }
        };
        if password.is_some() && password.as_ref().map(|p| p.expose()) != Some(confirm) {
            errors.push(FieldError::new("confirm_password", "The passwords do not match"));
        }
        if let (true, Some(name), Some(password)) = (errors.is_empty(), name, password) {
            new_user = Some((name, secrets::hash_password(password.expose().to_owned()).await?));
        } else {
            return Err(ServiceError::Invalid(errors));
        }
    }

    let mut tx = db.begin().await?;
    if !store::accept_invitation(&mut tx, invitation.id, now).await? {
        return Err(ServiceError::Denied(Denied::NotFound));
    }
    let user_id = match store::user_by_email_tx(&mut tx, &invitation.email).await? {
        Some(user) => {
            if let Some((name, hash)) = &new_user {
                // An account made by an earlier invitation but never given a password.
                store::set_password(&mut tx, user.id, hash, now).await?;
                store::set_name(&mut tx, user.id, name.as_str()).await?;
            }
            user.id
        }
        None => {
            let (name, hash) = new_user.ok_or(ServiceError::Denied(Denied::Forbidden))?;
            let user = store::UserRow {
                id: Uuid::now_v7(),
                email: invitation.email.clone(),
                name: name.as_str().to_owned(),
                password_hash: Some(hash),
                is_platform_admin: false,
                created_at: now,
            };
            store::insert_user(&mut tx, &user).await?;
            user.id
        }
    };
    store::add_membership(&mut tx, user_id, invitation.council_id, role.as_str(), &statements, now).await?;
    audit::record(
        &mut tx,
        Change {
            council_id: Some(invitation.council_id),
            actor: AuditActor { user_id: Some(user_id), name: invitation.email.clone() },
            entity: "membership",
            entity_id: user_id.to_string(),
            action: "accept_invitation",
            summary: json!({"role": role.as_str(), "quality_statements": invitation.quality_statements, "invitation": invitation.id.to_string()}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Accepted { user_id, existing_user: open.existing_user })
}

pub struct Accepted {
    pub user_id: Uuid,
    /// The invitee already had an account (and was signed in to accept).
    pub existing_user: bool,
}

pub struct CreatedToken {
    pub id: Uuid,
    /// Shown once.
    pub token: String,
    pub expires_at: OffsetDateTime,
}

pub async fn create_api_token(
    db: &Db,
    actor: &Actor,
    name: &str,
    days: i64,
    via_cli: bool,
) -> Result<CreatedToken, ServiceError> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(invalid("name", "Enter a name for the token, such as the script that will use it"));
    }
    if name.chars().count() > 100 {
        return Err(invalid("name", "Name must be 100 characters or fewer"));
    }
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(invalid("days", format!("Expiry must be between 1 and {MAX_TOKEN_DAYS} days")));
    }
    let now = OffsetDateTime::now_utc();
    let token = secrets::new_api_token();
    let row = store::ApiTokenRow {
        id: Uuid::now_v7(),
        user_id: actor.user_id,
        name,
        created_at: now,
        expires_at: now + Duration::days(days),
        revoked_at: None,
        last_used_at: None,
    };
    let mut tx = db.begin().await?;
    store::insert_api_token(&mut tx, &row, &secrets::token_hash(&token)).await?;
    let audit_actor = if via_cli {
        AuditActor { user_id: Some(actor.user_id), name: "command line".into() }
    } else {
        actor.audit_actor()
    };
    audit::record(
        &mut tx,
        Change {
            council_id: None,
            actor: audit_actor,
            entity: "api_token",
            entity_id: row.id.to_string(),
            action: "create",
            summary: json!({"name": row.name, "expires_at": row.expires_at.date().to_string(), "user": actor.email}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedToken { id: row.id, token, expires_at: row.expires_at })
}

pub async fn revoke_api_token(db: &Db, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
    let mut tx = db.begin().await?;
    if !store::revoke_api_token(&mut tx, id, actor.user_id, OffsetDateTime::now_utc()).await? {
        return Err(ServiceError::Denied(Denied::NotFound));
    }
    audit::record(
        &mut tx,
        Change {
            council_id: None,
            actor: actor.audit_actor(),
            entity: "api_token",
            entity_id: id.to_string(),
            action: "revoke",
            summary: json!({}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `selfassess admin create`: the first platform administrator (or another one).
pub async fn create_platform_admin(
    db: &Db,
    email: &str,
    name: &str,
    password: &str,
) -> Result<Uuid, ServiceError> {
    let mut errors = Vec::new();
    let email = Email::parse(email).map_err(|m| errors.push(FieldError::new("email", m))).ok();
    let name = PersonName::parse(name).map_err(|m| errors.push(FieldError::new("name", m))).ok();
    let password = match (&email, &name) {
        (Some(e), Some(n)) => NewPassword::parse(password, e.as_str(), n.as_str())
            .map_err(|m| errors.push(FieldError::new("password", m)))
            .ok(),
        _ => None,
    };
    let (true, Some(email), Some(name), Some(password)) = (errors.is_empty(), email, name, password) else {
        return Err(ServiceError::Invalid(errors));
    };
    if store::user_by_email(db, email.as_str()).await?.is_some() {
        return Err(invalid("email", format!("An account for {email} already exists")));
    }
    let hash = secrets::hash_password(password.expose().to_owned()).await?;
    let user = store::UserRow {
        id: Uuid::now_v7(),
        email: email.as_str().to_owned(),
        name: name.as_str().to_owned(),
        password_hash: Some(hash),
        is_platform_admin: true,
        created_at: OffsetDateTime::now_utc(),
    };
    let mut tx = db.begin().await?;
    store::insert_user(&mut tx, &user).await?;
    audit::record(
        &mut tx,
        Change {
            council_id: None,
            actor: AuditActor { user_id: None, name: "command line".into() },
            entity: "user",
            entity_id: user.id.to_string(),
            action: "create_platform_admin",
            summary: json!({"email": user.email, "name": user.name}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user.id)
}

/// `selfassess admin token`: a personal API token for scripting.
pub async fn cli_token(db: &Db, email: &str, name: &str, days: i64) -> Result<CreatedToken, ServiceError> {
    let email = Email::parse(email).map_err(|m| invalid("email", m))?;
    let user = store::user_by_email(db, email.as_str())
        .await?
        .ok_or_else(|| invalid("email", format!("No account for {email}")))?;
    let actor = load_actor(db, user.id, Via::ApiToken { id: Uuid::nil() })
        .await?
        .ok_or_else(|| invalid("email", "No such account"))?;
    create_api_token(db, &actor, name, days, true).await
}
