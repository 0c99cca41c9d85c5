package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// FollowupPlan loads an activity's stored plan; see tracker.FollowupStore.
func (db *DB) FollowupPlan(ctx context.Context, activityID int64) (*tracker.FollowupPlan, error) {
	var (
		p                 tracker.FollowupPlan
		enabled           bool
		waves             string
		reminder, updated int64
		end               sql.NullInt64
	)
	err := db.reader.QueryRowContext(ctx, `SELECT activity_id, enabled, waves, reminder_after, course_end_at, updated_at
		FROM followup_plans WHERE activity_id = ?`, activityID).Scan(&p.ActivityID, &enabled, &waves, &reminder, &end, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		err = tracker.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("follow-up plan of activity %d: %w", activityID, err)
	}
	for _, w := range strings.Split(waves, ",") {
		if w == "" {
			continue
		}
		n, err := strconv.Atoi(w)
		if err != nil {
			return nil, fmt.Errorf("follow-up plan of activity %d: wave %q: %w", activityID, w, err)
		}
		p.Waves = append(p.Waves, n)
	}
	p.Enabled, p.Reminder = enabled, time.Duration(reminder)*time.Millisecond
	p.CourseEnd, p.UpdatedAt = nullTime(end), timeOf(updated)
	return &p, nil
}

// SaveFollowupPlan inserts or replaces an activity's plan.
func (db *DB) SaveFollowupPlan(ctx context.Context, p *tracker.FollowupPlan) error {
	waves := make([]string, len(p.Waves))
	for i, w := range p.Waves {
		waves[i] = strconv.Itoa(w)
	}
	updated := stamp(p.UpdatedAt, db.now)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO followup_plans (activity_id, enabled, waves, reminder_after,
				course_end_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (activity_id) DO UPDATE SET enabled = excluded.enabled, waves = excluded.waves,
				reminder_after = excluded.reminder_after, course_end_at = excluded.course_end_at,
				updated_at = excluded.updated_at`,
			p.ActivityID, p.Enabled, strings.Join(waves, ","), p.Reminder.Milliseconds(), nullMillis(p.CourseEnd), millis(updated))
		return err
	})
	if err != nil {
		return fmt.Errorf("save follow-up plan of activity %d: %w", p.ActivityID, err)
	}
	p.UpdatedAt = updated
	return nil
}

// Completions lists the completed responses of an activity.
func (db *DB) Completions(ctx context.Context, activityID int64) ([]tracker.Completion, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT learner, completed_at FROM responses
		WHERE activity_id = ? AND status = ? AND completed_at IS NOT NULL ORDER BY id`,
		activityID, string(tracker.StatusCompleted))
	if err != nil {
		return nil, fmt.Errorf("completions of activity %d: %w", activityID, err)
	}
	defer rows.Close()
	var out []tracker.Completion
	for rows.Next() {
		var (
			c  tracker.Completion
			at int64
		)
		if err := rows.Scan(&c.Learner, &at); err != nil {
			return nil, fmt.Errorf("completions of activity %d: %w", activityID, err)
		}
		c.CompletedAt = timeOf(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// ScheduleFollowups stores waves; see tracker.FollowupStore.
func (db *DB) ScheduleFollowups(ctx context.Context, activityID int64, sch *tracker.FollowupSchedule) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return scheduleFollowups(ctx, tx, activityID, sch)
	})
	if err != nil {
		return fmt.Errorf("schedule follow-ups of activity %d: %w", activityID, err)
	}
	return nil
}

// scheduleFollowups applies sch within tx.
func scheduleFollowups(ctx context.Context, tx *sql.Tx, activityID int64, sch *tracker.FollowupSchedule) error {
	kept := make([]string, len(sch.Keep))
	for i, w := range sch.Keep {
		kept[i] = strconv.Itoa(w)
	}
	learners := map[string]bool{}
	for _, w := range sch.Waves {
		learners[w.Learner] = true
		_, err := tx.ExecContext(ctx, `INSERT INTO followups (activity_id, learner, wave, base_at, due_at,
				state, note, wave_activity_id) VALUES (?, ?, ?, ?, ?, ?, '', 0)
			ON CONFLICT (activity_id, learner, wave) DO UPDATE SET base_at = excluded.base_at,
				due_at = excluded.due_at WHERE followups.state = excluded.state`,
			activityID, w.Learner, w.Wave, millis(w.BaseAt), millis(w.DueAt), string(tracker.WaveScheduled))
		if err != nil {
			return err
		}
	}
	// The numbers are the tracker's own ints, formatted here: safe to inline.
	for learner := range learners {
		q := `DELETE FROM followups WHERE activity_id = ? AND learner = ? AND state = ?`
		if len(kept) > 0 {
			q += ` AND wave NOT IN (` + strings.Join(kept, ",") + `)`
		}
		if _, err := tx.ExecContext(ctx, q, activityID, learner, string(tracker.WaveScheduled)); err != nil {
			return err
		}
	}
	return nil
}

const followupColumns = `id, activity_id, learner, wave, base_at, due_at, state, note, wave_activity_id,
	invited_at, remind_at, reminded_at, stopped_at`

// DueFollowups lists scheduled waves due at now.
func (db *DB) DueFollowups(ctx context.Context, now time.Time, limit int) ([]tracker.FollowupWave, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT `+followupColumns+` FROM followups
		WHERE state = ? AND due_at <= ? AND stopped_at IS NULL ORDER BY due_at, id LIMIT ?`,
		string(tracker.WaveScheduled), millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due follow-ups: %w", err)
	}
	return scanFollowups(rows)
}

// DueReminders lists invited waves whose reminder is due at now.
func (db *DB) DueReminders(ctx context.Context, now time.Time, limit int) ([]tracker.FollowupWave, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT `+followupColumns+` FROM followups
		WHERE remind_at <= ? AND state = ? AND reminded_at IS NULL AND stopped_at IS NULL
		ORDER BY remind_at, id LIMIT ?`,
		millis(now), string(tracker.WaveInvited), limit)
	if err != nil {
		return nil, fmt.Errorf("due reminders: %w", err)
	}
	return scanFollowups(rows)
}

// FollowupWave loads one wave.
func (db *DB) FollowupWave(ctx context.Context, id int64) (*tracker.FollowupWave, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT `+followupColumns+` FROM followups WHERE id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("follow-up %d: %w", id, err)
	}
	ws, err := scanFollowups(rows)
	if err != nil {
		return nil, fmt.Errorf("follow-up %d: %w", id, err)
	}
	if len(ws) == 0 {
		return nil, fmt.Errorf("follow-up %d: %w", id, tracker.ErrNotFound)
	}
	return &ws[0], nil
}

// InviteFollowup marks a wave invited and enqueues its mail at once.
func (db *DB) InviteFollowup(ctx context.Context, w *tracker.FollowupWave, item *tracker.OutboxItem) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE followups SET state = ?, invited_at = ?, remind_at = ?,
				wave_activity_id = ? WHERE id = ? AND state = ? AND stopped_at IS NULL`,
			string(tracker.WaveInvited), nullMillis(w.InvitedAt), nullMillis(w.RemindAt), w.WaveActivityID,
			w.ID, string(tracker.WaveScheduled))
		if err != nil {
			return err
		}
		if affected(res) != nil {
			return tracker.ErrConflict
		}
		return enqueue(ctx, tx, item, db.now)
	})
	if err != nil {
		return fmt.Errorf("invite follow-up %d: %w", w.ID, err)
	}
	w.State = tracker.WaveInvited
	return nil
}

// SkipFollowup marks a scheduled wave skipped.
func (db *DB) SkipFollowup(ctx context.Context, id int64, note string) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE followups SET state = ?, note = ? WHERE id = ? AND state = ?`,
			string(tracker.WaveSkipped), note, id, string(tracker.WaveScheduled))
		return err
	})
	if err != nil {
		return fmt.Errorf("skip follow-up %d: %w", id, err)
	}
	return nil
}

// RemindFollowup settles a due reminder, enqueuing item when there is one.
func (db *DB) RemindFollowup(ctx context.Context, id int64, at time.Time, item *tracker.OutboxItem) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var reminded sql.NullInt64
		if item != nil {
			reminded = sql.NullInt64{Int64: millis(at), Valid: true}
		}
		res, err := tx.ExecContext(ctx, `UPDATE followups SET remind_at = NULL, reminded_at = ?
			WHERE id = ? AND remind_at IS NOT NULL AND reminded_at IS NULL AND stopped_at IS NULL`, reminded, id)
		if err != nil {
			return err
		}
		if affected(res) != nil {
			return tracker.ErrConflict
		}
		if item == nil {
			return nil
		}
		return enqueue(ctx, tx, item, db.now)
	})
	if err != nil {
		return fmt.Errorf("remind follow-up %d: %w", id, err)
	}
	return nil
}

// Unsubscribe records the new consent, deletes the contact and stops the
// learner's waves in the course, in one transaction.
func (db *DB) Unsubscribe(ctx context.Context, c *tracker.Consent) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := insertConsent(ctx, tx, c, db.now); err != nil {
			return err
		}
		if err := deleteContact(ctx, tx, c.Learner, c.PlatformID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE followups SET stopped_at = ?, remind_at = NULL
			WHERE learner = ? AND stopped_at IS NULL AND activity_id IN
				(SELECT id FROM activities WHERE platform_id = ? AND context_id = ?)`,
			millis(c.CreatedAt), c.Learner, c.PlatformID, c.ContextID)
		return err
	})
	if err != nil {
		return fmt.Errorf("unsubscribe %s in %d/%s: %w", c.Learner, c.PlatformID, c.ContextID, err)
	}
	return nil
}

// FollowupCounts sums an activity's waves. A wave is answered when its
// survey is completed; failed when its invitation or reminder mail was
// refused for good while the learner was still subscribed.
func (db *DB) FollowupCounts(ctx context.Context, activityID int64) ([]tracker.WaveCounts, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT f.wave,
			SUM(f.state = ? AND f.stopped_at IS NULL),
			SUM(f.invited_at IS NOT NULL),
			SUM(f.reminded_at IS NOT NULL),
			SUM(EXISTS (SELECT 1 FROM responses r WHERE r.learner = f.learner
				AND r.activity_id = f.wave_activity_id AND r.status = ?)),
			SUM(f.stopped_at IS NOT NULL),
			SUM(f.stopped_at IS NULL AND EXISTS (SELECT 1 FROM outbox o WHERE o.kind = ? AND o.status = ?
				AND o.item_key IN ('followup/' || f.id || '/invite', 'followup/' || f.id || '/remind')))
		FROM followups f WHERE f.activity_id = ? GROUP BY f.wave ORDER BY f.wave`,
		string(tracker.WaveScheduled), string(tracker.StatusCompleted), tracker.MailKind, string(tracker.OutboxFailed), activityID)
	if err != nil {
		return nil, fmt.Errorf("follow-up counts of activity %d: %w", activityID, err)
	}
	defer rows.Close()
	var out []tracker.WaveCounts
	for rows.Next() {
		var c tracker.WaveCounts
		if err := rows.Scan(&c.Wave, &c.Scheduled, &c.Invited, &c.Reminded, &c.Answered, &c.Unsubscribed, &c.Failed); err != nil {
			return nil, fmt.Errorf("follow-up counts of activity %d: %w", activityID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RequestConfirmation queues a confirmation mail once per address.
func (db *DB) RequestConfirmation(ctx context.Context, learner string, platformID int64, addr string, force bool, item *tracker.OutboxItem) (bool, error) {
	queued := false
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		q := `UPDATE contacts SET confirm_sent = ? WHERE learner = ? AND platform_id = ?`
		args := []any{addr, learner, platformID}
		if !force {
			q += ` AND confirm_sent != ?`
			args = append(args, addr)
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if affected(res) != nil {
			return nil
		}
		queued = true
		return enqueue(ctx, tx, item, db.now)
	})
	if err != nil {
		return false, fmt.Errorf("request confirmation of %s on platform %d: %w", learner, platformID, err)
	}
	return queued, nil
}

// ConfirmContact records the learner's confirmed address.
func (db *DB) ConfirmContact(ctx context.Context, learner string, platformID int64, addr string) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE contacts SET confirmed = ? WHERE learner = ? AND platform_id = ?`,
			addr, learner, platformID)
		if err != nil {
			return err
		}
		return affected(res)
	})
	if err != nil {
		return fmt.Errorf("confirm contact of %s on platform %d: %w", learner, platformID, err)
	}
	return nil
}

// scanFollowups reads rows of followupColumns and closes them.
func scanFollowups(rows *sql.Rows) ([]tracker.FollowupWave, error) {
	defer rows.Close()
	var out []tracker.FollowupWave
	for rows.Next() {
		var (
			w                                    tracker.FollowupWave
			state                                string
			base, due                            int64
			invited, remind, reminded, stoppedAt sql.NullInt64
		)
		err := rows.Scan(&w.ID, &w.ActivityID, &w.Learner, &w.Wave, &base, &due, &state, &w.Note,
			&w.WaveActivityID, &invited, &remind, &reminded, &stoppedAt)
		if err != nil {
			return nil, err
		}
		w.BaseAt, w.DueAt, w.State = timeOf(base), timeOf(due), tracker.WaveState(state)
		w.InvitedAt, w.RemindAt, w.RemindedAt, w.StoppedAt = nullTime(invited), nullTime(remind), nullTime(reminded), nullTime(stoppedAt)
		out = append(out, w)
	}
	return out, rows.Err()
}
