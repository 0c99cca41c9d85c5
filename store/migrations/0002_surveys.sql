-- 0002: surveys: the activities instructors place in courses, the
-- versioned instrument definitions, learners' consent records, their
-- responses and answers, and the sealed contacts kept for the follow-up.
--
-- Same conventions as 0001: INTEGER milliseconds UTC, INTEGER 0/1 booleans,
-- BLOB for sealed bytes, JSON as TEXT. Foreign-key columns are indexed (or
-- lead a key) so that a cascade reads only what it deletes.

-- One placement of ASTRE in a course (an LTI resource link) and the
-- instructor's settings for it.
CREATE TABLE activities (
    id               INTEGER PRIMARY KEY,
    platform_id      INTEGER NOT NULL REFERENCES platforms (id) ON DELETE CASCADE,
    context_id       TEXT    NOT NULL,
    resource_link_id TEXT    NOT NULL,
    context_title    TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    instrument_id    TEXT    NOT NULL,
    graded           INTEGER NOT NULL,
    opens_at         INTEGER,
    closes_at        INTEGER,
    show_respondents INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (platform_id, context_id, resource_link_id)
);

-- definition stays TEXT in PostgreSQL too, not JSONB: consents record the
-- SHA-256 of these exact bytes, and JSONB would not give them back.
CREATE TABLE instruments (
    id         TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    definition TEXT    NOT NULL,
    builtin    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (id, version)
);

-- A new decision is a new row; the newest (highest id) is current. A
-- withdrawn row keeps who, which text, when and how, with purposes '{}'.
CREATE TABLE consents (
    id               INTEGER PRIMARY KEY,
    learner          TEXT    NOT NULL,
    platform_id      INTEGER NOT NULL REFERENCES platforms (id) ON DELETE CASCADE,
    context_id       TEXT    NOT NULL,
    deployment_id    TEXT    NOT NULL,
    resource_link_id TEXT    NOT NULL,
    text_id          TEXT    NOT NULL,
    text_version     INTEGER NOT NULL,
    text_hash        TEXT    NOT NULL,
    lang             TEXT    NOT NULL,
    purposes         TEXT    NOT NULL,
    method           TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    withdrawn_at     INTEGER
);
-- Serves the current consent in a course and, by its prefix, a learner's list.
CREATE INDEX consents_learner ON consents (learner, platform_id, context_id, id);
CREATE INDEX consents_platform_id ON consents (platform_id);
CREATE INDEX consents_text ON consents (text_id, text_version);

-- One learner's answers to one activity. instrument_id/version are fixed
-- when the response starts: its answers mean what that version asked.
CREATE TABLE responses (
    id                 INTEGER PRIMARY KEY,
    learner            TEXT    NOT NULL,
    activity_id        INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    instrument_id      TEXT    NOT NULL,
    instrument_version INTEGER NOT NULL,
    status             TEXT    NOT NULL,
    page               INTEGER NOT NULL,
    started_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    completed_at       INTEGER,
    UNIQUE (learner, activity_id)
);
CREATE INDEX responses_activity_id ON responses (activity_id);
CREATE INDEX responses_instrument ON responses (instrument_id, instrument_version);

-- value is the JSON of a tracker.Answer (JSONB in PostgreSQL).
CREATE TABLE answers (
    response_id INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    item_id     TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (response_id, item_id)
);

-- sealed is the name and e-mail encrypted by the tracker; never clear text.
CREATE TABLE contacts (
    learner     TEXT    NOT NULL,
    platform_id INTEGER NOT NULL REFERENCES platforms (id) ON DELETE CASCADE,
    sealed      BLOB    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (learner, platform_id)
);
CREATE INDEX contacts_platform_id ON contacts (platform_id);
