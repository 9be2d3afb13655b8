-- /readyz writes and reads this one row to prove the database accepts writes.
CREATE TABLE readiness_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    token TEXT NOT NULL,
    checked_at TIMESTAMPTZ NOT NULL
);
