-- Stage 1 engagement: assessment cycles, respondent groups, survey rounds, responses.
-- No IP address or user agent is stored anywhere with answers.

CREATE TABLE assessments (
    id UUID PRIMARY KEY,
    council_id UUID NOT NULL REFERENCES councils (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    framework_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planning', 'stage1', 'stage2', 'stage3', 'complete')),
    created_by UUID REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX assessments_council ON assessments (council_id);

CREATE TABLE respondent_groups (
    id UUID PRIMARY KEY,
    assessment_id UUID NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- The CQC evidence category the group's answers inform.
    evidence_category TEXT NOT NULL CHECK (evidence_category IN ('peoples_experience', 'staff_and_leaders', 'partners')),
    position BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (assessment_id, name)
);

CREATE TABLE rounds (
    id UUID PRIMARY KEY,
    assessment_id UUID NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    -- The public link is /r/{token}: 256 random bits, replaceable by a lead.
    token TEXT NOT NULL UNIQUE,
    opens_at TIMESTAMPTZ NOT NULL,
    closes_at TIMESTAMPTZ NOT NULL,
    introduction TEXT NOT NULL DEFAULT '',
    privacy_notice TEXT NOT NULL DEFAULT '',
    closed_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX rounds_assessment ON rounds (assessment_id);

CREATE TABLE round_statements (
    round_id UUID NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    quality_statement TEXT NOT NULL,
    PRIMARY KEY (round_id, quality_statement)
);

CREATE TABLE round_groups (
    round_id UUID NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    group_id UUID NOT NULL REFERENCES respondent_groups (id) ON DELETE CASCADE,
    PRIMARY KEY (round_id, group_id)
);

CREATE TABLE responses (
    id UUID PRIMARY KEY,
    assessment_id UUID NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    round_id UUID REFERENCES rounds (id) ON DELETE SET NULL,
    group_id UUID NOT NULL REFERENCES respondent_groups (id),
    mode TEXT NOT NULL CHECK (mode IN ('survey', 'staff', 'workshop', 'import')),
    -- Only for signed-in staff answering as themselves; anonymous responses have none.
    user_id UUID REFERENCES users (id) ON DELETE SET NULL,
    -- A short code the respondent sees on the confirmation page.
    reference TEXT NOT NULL UNIQUE,
    -- Replays of one submission (double clicks, retries) store one response.
    idempotency_key TEXT NOT NULL,
    workshop_date DATE,
    facilitator TEXT,
    participants BIGINT,
    submitted_at TIMESTAMPTZ NOT NULL,
    UNIQUE (assessment_id, idempotency_key)
);
CREATE INDEX responses_round ON responses (round_id);

CREATE TABLE answers (
    response_id UUID NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    item TEXT NOT NULL,
    rating BIGINT NOT NULL CHECK (rating BETWEEN 0 AND 4),
    evidence TEXT NOT NULL DEFAULT '',
    evidence_needed TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (response_id, item)
);

-- Save and resume: answers in progress, found by the hash of a resume code.
CREATE TABLE drafts (
    code_hash TEXT PRIMARY KEY,
    round_id UUID NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
