-- Stage 3: the final document. Each part is the JSON of its `report::domain` type, saved as
-- a whole with a version for optimistic concurrency: 'a' (Section A), a quality statement
-- id such as 'QS1' (its Section B part), 'c' (Section C's narrative), 'tips' (the top tips
-- self-check). Endorsements (Section C's sign-off) are rows of their own.

CREATE TABLE report_parts (
    assessment_id UUID NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    part TEXT NOT NULL,
    content TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_by UUID REFERENCES users (id) ON DELETE SET NULL,
    updated_by_name TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (assessment_id, part)
);

CREATE TABLE report_endorsements (
    id UUID PRIMARY KEY,
    assessment_id UUID NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    comment TEXT NOT NULL,
    endorsed_on DATE NOT NULL,
    recorded_by UUID REFERENCES users (id) ON DELETE SET NULL,
    recorded_by_name TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX report_endorsements_assessment ON report_endorsements (assessment_id, endorsed_on);
