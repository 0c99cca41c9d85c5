-- 0006: computed report figures kept for a few minutes, shared by every
-- instance. Rows hold only suppressed aggregates; a withdrawal empties
-- the table in its own transaction, so a withdrawn learner never lingers.
CREATE TABLE report_cache (
    cache_key   TEXT    PRIMARY KEY,
    data        TEXT    NOT NULL,
    computed_at INTEGER NOT NULL
);
