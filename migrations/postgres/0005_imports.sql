-- Spreadsheet imports: a completed checklist file (or a survey tool's export), read and
-- checked, waits here for the lead to confirm the preview; confirming stores it as a
-- response (one per row of a survey export). The file itself is not
-- kept: only the SHA-256 of its bytes, which detects the same file imported twice.

CREATE TABLE spreadsheet_imports (
    id UUID PRIMARY KEY,
    assessment_id UUID NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    -- Hex SHA-256 of the uploaded file's bytes.
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('checklist_workbook', 'checklist_csv', 'survey_export')),
    -- The group of a checklist; none for a survey tool's export, whose rows name theirs.
    group_id UUID REFERENCES respondent_groups (id) ON DELETE CASCADE,
    mode TEXT NOT NULL CHECK (mode IN ('import', 'workshop')),
    workshop_date DATE,
    facilitator TEXT,
    participants BIGINT,
    -- While the preview waits, JSON: a checklist's checked answers, or a survey export's
    -- table, column mapping and checked responses. Emptied once confirmed, when the answers
    -- live in `answers`.
    content TEXT NOT NULL,
    answer_count BIGINT NOT NULL,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    -- Unix seconds after which an unconfirmed preview is void (and may be deleted).
    expires_at BIGINT NOT NULL,
    confirmed_at TIMESTAMPTZ,
    response_id UUID REFERENCES responses (id) ON DELETE SET NULL
);
CREATE INDEX spreadsheet_imports_assessment ON spreadsheet_imports (assessment_id, sha256);
CREATE INDEX spreadsheet_imports_expiry ON spreadsheet_imports (expires_at);

-- Exports page through an assessment's responses by id (uuid v7, so in time order).
CREATE INDEX spreadsheets_responses_by_assessment ON responses (assessment_id, id);
