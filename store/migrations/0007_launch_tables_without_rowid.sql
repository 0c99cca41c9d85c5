-- 0007: fewer pages written per launch. The nonce and the learner's
-- first opening, both small rows under a composite primary key, move into
-- that key's B-tree (WITHOUT ROWID): a rowid table with such a key is two
-- B-trees, the rows and the key's index, and each insert wrote a page of
-- both. Login states and launch sessions stay rowid tables: their rows are
-- large, and rows keyed by a random hash would scatter over the key's
-- B-tree and split its pages, where rowid rows append to the last page
-- (counted: WITHOUT ROWID there wrote more pages per launch, not fewer).
-- launch_sessions also loses its index on platform_id: it served only the
-- cascade when a platform is removed, a rare act of an operator that may
-- well scan the table, while every launch wrote to it. SQLite cannot
-- change a table's storage in place, hence copy, drop, rename. PostgreSQL
-- has no such clause: its tables are heaps beside their key's index.

CREATE TABLE used_nonces_v7 (
    issuer     TEXT    NOT NULL,
    nonce      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, nonce)
) WITHOUT ROWID;
INSERT INTO used_nonces_v7 (issuer, nonce, expires_at)
    SELECT issuer, nonce, expires_at FROM used_nonces;
DROP TABLE used_nonces;
ALTER TABLE used_nonces_v7 RENAME TO used_nonces;
CREATE INDEX used_nonces_expires_at ON used_nonces (expires_at);

DROP INDEX launch_sessions_platform_id;

CREATE TABLE activity_learners_v7 (
    activity_id     INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    learner         TEXT    NOT NULL,
    first_launch_at INTEGER NOT NULL,
    PRIMARY KEY (activity_id, learner)
) WITHOUT ROWID;
INSERT INTO activity_learners_v7 (activity_id, learner, first_launch_at)
    SELECT activity_id, learner, first_launch_at FROM activity_learners;
DROP TABLE activity_learners;
ALTER TABLE activity_learners_v7 RENAME TO activity_learners;
