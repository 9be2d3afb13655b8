-- The evidence library (issue 7): documents and links, each aligned to CQC Information Return
-- items and quality statements, with an optional uploaded file (stored through object_store
-- under a generated key; only its name, type, size and SHA-256 are here) and the personal
-- information found in it, each finding reviewed or not.

CREATE TABLE evidence_items (
    id UUID PRIMARY KEY,
    assessment_id UUID NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    document_type TEXT NOT NULL CHECK (document_type IN ('policy_and_procedures', 'performance_report',
        'strategy_and_plans', 'annual_report', 'bespoke_report', 'public_report', 'leaflets_and_webpages',
        'equality_impact_assessment', 'joint_plans', 'other')),
    link TEXT,
    -- Where in the document: "pages 12-14", "section 3".
    pointer TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL DEFAULT '',
    -- The date the document is effective from, or the start of the period it covers; and the
    -- end of that period (none for a single date). Not when it was added (created_at).
    effective_from DATE,
    effective_to DATE,
    state TEXT NOT NULL CHECK (state IN ('draft', 'ready', 'needs_redaction', 'withdrawn')),
    -- The uploaded file, when there is one: its key in the file store, its name as uploaded,
    -- its type by content, size and SHA-256; and whether its text could be read for the checker.
    file_key TEXT,
    file_name TEXT,
    file_type TEXT CHECK (file_type IN ('pdf', 'docx', 'xlsx', 'csv', 'txt', 'png', 'jpeg')),
    file_size BIGINT,
    file_sha256 TEXT,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_by UUID REFERENCES users (id) ON DELETE SET NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX evidence_items_assessment ON evidence_items (assessment_id, created_at);

CREATE TABLE evidence_item_ir (
    item_id UUID NOT NULL REFERENCES evidence_items (id) ON DELETE CASCADE,
    ir_code TEXT NOT NULL,
    PRIMARY KEY (item_id, ir_code)
);

CREATE TABLE evidence_item_statements (
    item_id UUID NOT NULL REFERENCES evidence_items (id) ON DELETE CASCADE,
    quality_statement TEXT NOT NULL,
    PRIMARY KEY (item_id, quality_statement)
);

-- Likely personal information in an item's file or its own text (title, description,
-- pointer), and its review: a person looked and gave a reason it may stay (a public
-- switchboard number) or the file was redacted and uploaded again (then the findings of the
-- old file go).
CREATE TABLE evidence_findings (
    id UUID PRIMARY KEY,
    item_id UUID NOT NULL REFERENCES evidence_items (id) ON DELETE CASCADE,
    source TEXT NOT NULL CHECK (source IN ('file', 'text')),
    -- A kind of personal information, or 'unreadable' for a file whose text could not be read
    -- (an image, a scanned or damaged PDF): someone must look at it.
    kind TEXT NOT NULL,
    matched TEXT NOT NULL,
    location TEXT NOT NULL,
    position BIGINT NOT NULL,
    reviewed_by UUID REFERENCES users (id) ON DELETE SET NULL,
    reviewed_by_name TEXT,
    reviewed_at TIMESTAMPTZ,
    review_reason TEXT
);
CREATE INDEX evidence_findings_item ON evidence_findings (item_id, position);

-- How many months before the assessment's date an item may be dated and still be current.
CREATE TABLE evidence_settings (
    assessment_id UUID PRIMARY KEY REFERENCES assessments (id) ON DELETE CASCADE,
    currency_months BIGINT NOT NULL,
    updated_by UUID REFERENCES users (id) ON DELETE SET NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
