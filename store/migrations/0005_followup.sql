-- 0005: the follow-up: each activity's plan of waves, each learner's
-- waves with their due times, and the confirmation of contact addresses.
--
-- Same conventions as 0001: INTEGER milliseconds UTC, INTEGER 0/1 booleans.

-- The instructor's plan for an activity. No row: the default plan, which
-- the tracker derives from the activity (on for the exit evaluation).
-- waves are months after the base, comma-separated ("3,6,12").
CREATE TABLE followup_plans (
    activity_id    INTEGER PRIMARY KEY REFERENCES activities (id) ON DELETE CASCADE,
    enabled        INTEGER NOT NULL,
    waves          TEXT    NOT NULL,
    reminder_after INTEGER NOT NULL, -- milliseconds after the invitation; 0: no reminder
    course_end_at  INTEGER,          -- the base of every learner's waves when set
    updated_at     INTEGER NOT NULL
);

-- One learner's wave of one activity. base_at is the learner's exit
-- completion; due_at the time the invitation goes (base or course end plus
-- the wave's months). state: scheduled, invited, skipped (nobody to write
-- to when due). stopped_at: the learner unsubscribed; nothing more goes.
-- wave_activity_id is the activity the wave's survey is answered in.
CREATE TABLE followups (
    id               INTEGER PRIMARY KEY,
    activity_id      INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    learner          TEXT    NOT NULL,
    wave             INTEGER NOT NULL,
    base_at          INTEGER NOT NULL,
    due_at           INTEGER NOT NULL,
    state            TEXT    NOT NULL,
    note             TEXT    NOT NULL,
    wave_activity_id INTEGER NOT NULL,
    invited_at       INTEGER,
    remind_at        INTEGER,
    reminded_at      INTEGER,
    stopped_at       INTEGER,
    UNIQUE (activity_id, learner, wave)
);
-- The scheduler's two queries: due invitations, due reminders.
CREATE INDEX followups_due ON followups (state, due_at);
CREATE INDEX followups_remind ON followups (remind_at);
CREATE INDEX followups_learner ON followups (learner);

-- confirmed: keyed hash of the address the learner confirmed by its link;
-- confirm_sent: that of the address a confirmation mail was last queued
-- for. Both are compared with the address now sealed in the row, so a
-- changed address is unconfirmed without anyone resetting a flag.
ALTER TABLE contacts ADD COLUMN confirmed TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN confirm_sent TEXT NOT NULL DEFAULT '';
