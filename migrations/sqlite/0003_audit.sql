-- The audit trail: append-only, each entry chained to the one before by a SHA-256 hash, so
-- altering or removing an entry is detectable (`selfassess audit verify`).
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    -- Kept as canonical RFC 3339 text on both backends: the hash covers this exact text.
    at TEXT NOT NULL,
    council_id BLOB,
    actor_id BLOB,
    actor_name TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    summary TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_council ON audit_log (council_id, seq);

-- The chain's head: appends update this one row first, which serialises them.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
