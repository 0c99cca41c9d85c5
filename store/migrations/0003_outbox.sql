-- 0003: the outbox of messages owed to the outside (scores, mails, xAPI
-- statements), who launched each activity, course rosters, where an
-- activity's grades go, and one-time Dynamic Registration links.
--
-- Same conventions as 0001: INTEGER milliseconds UTC, INTEGER 0/1 booleans,
-- JSON as TEXT.

-- One row per (kind, key): a newer message for the same key replaces an
-- undelivered one (revision counts the replacements). lease_owner and
-- lease_until let several instances share the work: an item is claimed by
-- one conditional UPDATE, and a crashed instance's lease simply runs out.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,
    item_key     TEXT    NOT NULL,
    activity_id  INTEGER NOT NULL,
    learner      TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    revision     INTEGER NOT NULL,
    status       TEXT    NOT NULL,
    attempts     INTEGER NOT NULL,
    next_at      INTEGER NOT NULL,
    last_error   TEXT    NOT NULL,
    lease_owner  TEXT    NOT NULL,
    lease_until  INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    delivered_at INTEGER,
    UNIQUE (kind, item_key)
);
-- The worker's query: pending items by due time.
CREATE INDEX outbox_due ON outbox (status, next_at);
CREATE INDEX outbox_activity ON outbox (activity_id, kind);

-- Who opened an activity at least once: the "launched" step of the
-- response funnel. Launch sessions expire; this stays.
CREATE TABLE activity_learners (
    activity_id    INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    learner        TEXT    NOT NULL,
    first_launch_at INTEGER NOT NULL,
    PRIMARY KEY (activity_id, learner)
);

-- The course roster from NRPS, as pseudonyms of active learners only (no
-- names, no e-mails), refreshed on the instructor's request. refusal holds
-- the platform's reason when it would not give the roster.
CREATE TABLE rosters (
    platform_id INTEGER NOT NULL REFERENCES platforms (id) ON DELETE CASCADE,
    context_id  TEXT    NOT NULL,
    learners    TEXT    NOT NULL,
    refusal     TEXT    NOT NULL,
    fetched_at  INTEGER NOT NULL,
    PRIMARY KEY (platform_id, context_id)
);

-- The line item an activity's scores go to, once known or created.
ALTER TABLE activities ADD COLUMN line_item TEXT NOT NULL DEFAULT '';

-- One-time links an operator mints for Dynamic Registration; stored as
-- hashes only.
CREATE TABLE registration_links (
    token_hash TEXT    PRIMARY KEY,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
