-- Councils, people, roles, sessions, invitations, API tokens and login throttling.
-- Ids are UUIDv7 made in Rust (UUID here, BLOB in SQLite); times are UTC.

CREATE TABLE councils (
    id UUID PRIMARY KEY,
    gss_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id UUID PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT,
    is_platform_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL,
    password_changed_at TIMESTAMPTZ
);

CREATE TABLE memberships (
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    council_id UUID NOT NULL REFERENCES councils (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('assessment_lead', 'quality_statement_lead', 'verifier', 'contributor', 'viewer')),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, council_id, role)
);
CREATE INDEX memberships_council ON memberships (council_id);

-- The quality statements a quality statement lead owns.
CREATE TABLE membership_statements (
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    council_id UUID NOT NULL REFERENCES councils (id) ON DELETE CASCADE,
    quality_statement TEXT NOT NULL,
    PRIMARY KEY (user_id, council_id, quality_statement)
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token: a stolen database does not yield live sessions.
    token_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE invitations (
    id UUID PRIMARY KEY,
    council_id UUID NOT NULL REFERENCES councils (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    quality_statements TEXT NOT NULL DEFAULT '',
    token_hash TEXT NOT NULL UNIQUE,
    invited_by UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX invitations_council ON invitations (council_id);

CREATE TABLE api_tokens (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Failed sign-ins, kept for the throttling window only. Keys are keyed hashes: no email
-- address or IP address is stored.
CREATE TABLE login_failures (
    account_key TEXT NOT NULL,
    address_key TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_account ON login_failures (account_key, at);
CREATE INDEX login_failures_address ON login_failures (address_key, at);

-- Server-side keys made at first start (e.g. the key for hashing throttling keys).
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
