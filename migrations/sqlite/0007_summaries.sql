-- Stage 2: a summary per quality statement per assessment, every saved version of it, and
-- what happened to it (submitted, withdrawn, returned with comments, verified).
-- Content is the canonical JSON of `summaries::domain::Content`; content_hash its SHA-256.

CREATE TABLE summaries (
    id BLOB PRIMARY KEY,
    assessment_id BLOB NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    quality_statement TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'verified')),
    -- The latest version (1, 2, …), its content and hash, and its proposed score.
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    score INTEGER CHECK (score BETWEEN 1 AND 4),
    updated_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    updated_by_name TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- The latest verification, kept when a change voids it (voided_at) until the next one.
    verified_version INTEGER,
    verified_hash TEXT,
    verifier_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    verifier_account TEXT,
    verifier_name TEXT,
    verifier_post TEXT,
    verified_at TEXT,
    voided_at TEXT,
    voided_by_name TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (assessment_id, quality_statement)
);

CREATE TABLE summary_versions (
    summary_id BLOB NOT NULL REFERENCES summaries (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    score INTEGER,
    saved_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    saved_by_name TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (summary_id, version)
);

CREATE TABLE summary_events (
    id BLOB PRIMARY KEY,
    summary_id BLOB NOT NULL REFERENCES summaries (id) ON DELETE CASCADE,
    action TEXT NOT NULL CHECK (action IN ('save', 'submit', 'withdraw', 'return', 'verify')),
    -- The version acted on, its hash, and whether a save voided a verification.
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    voided INTEGER NOT NULL DEFAULT 0,
    actor_id BLOB REFERENCES users (id) ON DELETE SET NULL,
    actor_name TEXT NOT NULL,
    -- A verifier's comments when returning; the post they gave when verifying.
    comments TEXT NOT NULL DEFAULT '',
    verifier_post TEXT,
    at TEXT NOT NULL
);
CREATE INDEX summary_events_summary ON summary_events (summary_id, at);
