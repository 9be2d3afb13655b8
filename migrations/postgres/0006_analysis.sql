-- Stage 1 analysis: running counts kept by triggers in the same transaction as each answer,
-- so the analysis reads a few hundred rows instead of every answer. Responses and answers are
-- append-only (nothing deletes or rewrites a rating); deleting an assessment deletes its tallies.
-- A response without a round is counted under the nil id.

CREATE TABLE answer_tallies (
    assessment_id UUID NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    round_id UUID NOT NULL,
    group_id UUID NOT NULL,
    mode TEXT NOT NULL,
    item TEXT NOT NULL,
    rating BIGINT NOT NULL,
    answers BIGINT NOT NULL,
    -- Answers whose "What evidence do you have?" is not empty.
    with_evidence BIGINT NOT NULL,
    PRIMARY KEY (assessment_id, round_id, group_id, mode, item, rating)
);

CREATE TABLE response_tallies (
    assessment_id UUID NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    round_id UUID NOT NULL,
    group_id UUID NOT NULL,
    mode TEXT NOT NULL,
    responses BIGINT NOT NULL,
    -- People present at workshops (a workshop is one response).
    participants BIGINT NOT NULL,
    PRIMARY KEY (assessment_id, round_id, group_id, mode)
);

CREATE FUNCTION tally_response() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO response_tallies (assessment_id, round_id, group_id, mode, responses, participants)
    VALUES (NEW.assessment_id, COALESCE(NEW.round_id, '00000000-0000-0000-0000-000000000000'::uuid),
            NEW.group_id, NEW.mode, 1, COALESCE(NEW.participants, 0))
    ON CONFLICT (assessment_id, round_id, group_id, mode) DO UPDATE
        SET responses = response_tallies.responses + 1,
            participants = response_tallies.participants + EXCLUDED.participants;
    RETURN NEW;
END $$;

CREATE TRIGGER responses_tally AFTER INSERT ON responses
    FOR EACH ROW EXECUTE FUNCTION tally_response();

CREATE FUNCTION tally_answer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO answer_tallies (assessment_id, round_id, group_id, mode, item, rating, answers, with_evidence)
    SELECT r.assessment_id, COALESCE(r.round_id, '00000000-0000-0000-0000-000000000000'::uuid), r.group_id,
           r.mode, NEW.item, NEW.rating, 1, CASE WHEN NEW.evidence <> '' THEN 1 ELSE 0 END
    FROM responses r WHERE r.id = NEW.response_id
    ON CONFLICT (assessment_id, round_id, group_id, mode, item, rating) DO UPDATE
        SET answers = answer_tallies.answers + 1,
            with_evidence = answer_tallies.with_evidence + EXCLUDED.with_evidence;
    RETURN NEW;
END $$;

CREATE TRIGGER answers_tally AFTER INSERT ON answers
    FOR EACH ROW EXECUTE FUNCTION tally_answer();

-- Counts for what was stored before this migration.
INSERT INTO response_tallies (assessment_id, round_id, group_id, mode, responses, participants)
SELECT assessment_id, COALESCE(round_id, '00000000-0000-0000-0000-000000000000'::uuid), group_id, mode,
       COUNT(*), COALESCE(SUM(participants), 0)
FROM responses GROUP BY 1, 2, 3, 4;

INSERT INTO answer_tallies (assessment_id, round_id, group_id, mode, item, rating, answers, with_evidence)
SELECT r.assessment_id, COALESCE(r.round_id, '00000000-0000-0000-0000-000000000000'::uuid), r.group_id, r.mode,
       a.item, a.rating, COUNT(*), SUM(CASE WHEN a.evidence <> '' THEN 1 ELSE 0 END)
FROM answers a JOIN responses r ON r.id = a.response_id
GROUP BY 1, 2, 3, 4, 5, 6;

-- Free text by item, for the quality statement pages and the evidence-request lists.
CREATE INDEX answers_evidence_given ON answers (item) WHERE evidence <> '';
CREATE INDEX answers_evidence_needed ON answers (item) WHERE evidence_needed <> '';

-- Thresholds of the findings and the smallest group shown, per assessment (defaults when absent).
CREATE TABLE analysis_settings (
    assessment_id UUID PRIMARY KEY REFERENCES assessments (id) ON DELETE CASCADE,
    min_group_size BIGINT NOT NULL CHECK (min_group_size >= 3),
    strength_agree_percent BIGINT NOT NULL,
    improvement_agree_percent BIGINT NOT NULL,
    differing_gap_points BIGINT NOT NULL,
    differing_consensus_percent BIGINT NOT NULL,
    dont_know_percent BIGINT NOT NULL,
    evidence_percent BIGINT NOT NULL,
    updated_by UUID REFERENCES users (id) ON DELETE SET NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
