-- Councils, people, roles, sessions, invitations, API tokens and login throttling.
-- Ids are UUIDv7 made in Rust (BLOB here, UUID in PostgreSQL); times are UTC.

CREATE TABLE councils (
    id BLOB PRIMARY KEY,
    gss_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id BLOB PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT,
    is_platform_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    password_changed_at TEXT
);

CREATE TABLE memberships (
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    council_id BLOB NOT NULL REFERENCES councils (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('assessment_lead', 'quality_statement_lead', 'verifier', 'contributor', 'viewer')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, council_id, role)
);
CREATE INDEX memberships_council ON memberships (council_id);

-- The quality statements a quality statement lead owns.
CREATE TABLE membership_statements (
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    council_id BLOB NOT NULL REFERENCES councils (id) ON DELETE CASCADE,
    quality_statement TEXT NOT NULL,
    PRIMARY KEY (user_id, council_id, quality_statement)
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token: a stolen database does not yield live sessions.
    token_hash TEXT PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE invitations (
    id BLOB PRIMARY KEY,
    council_id BLOB NOT NULL REFERENCES councils (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    quality_statements TEXT NOT NULL DEFAULT '',
    token_hash TEXT NOT NULL UNIQUE,
    invited_by BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    accepted_at TEXT,
    revoked_at TEXT
);
CREATE INDEX invitations_council ON invitations (council_id);

CREATE TABLE api_tokens (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Failed sign-ins, kept for the throttling window only. Keys are keyed hashes: no email
-- address or IP address is stored.
CREATE TABLE login_failures (
    account_key TEXT NOT NULL,
    address_key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_account ON login_failures (account_key, at);
CREATE INDEX login_failures_address ON login_failures (address_key, at);

-- Server-side keys made at first start (e.g. the key for hashing throttling keys).
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
