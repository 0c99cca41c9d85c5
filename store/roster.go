package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// SeeLearner records a learner's first launch of an activity. It reads
// first: every later launch finds the row and takes no write lock.
func (db *DB) SeeLearner(ctx context.Context, activityID int64, learner string, at time.Time) error {
	var seen int
	err := db.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM activity_learners
		WHERE activity_id = ? AND learner = ?`, activityID, learner).Scan(&seen)
	if err != nil {
		return fmt.Errorf("see learner %s in activity %d: %w", learner, activityID, err)
	}
	if seen > 0 {
		return nil
	}
	err = db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO activity_learners (activity_id, learner, first_launch_at)
			VALUES (?, ?, ?) ON CONFLICT (activity_id, learner) DO NOTHING`, activityID, learner, millis(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("see learner %s in activity %d: %w", learner, activityID, err)
	}
	return nil
}

// ActivityProgress lists who opened the activity with their current
// consent in its course and their response status, in one snapshot.
func (db *DB) ActivityProgress(ctx context.Context, activityID int64) ([]tracker.LearnerProgress, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT l.learner, l.first_launch_at,
			COALESCE((SELECT c.purposes FROM consents c
				WHERE c.learner = l.learner AND c.platform_id = a.platform_id AND c.context_id = a.context_id
				ORDER BY c.id DESC LIMIT 1), '{}'),
			COALESCE(r.status, '')
		FROM activity_learners l JOIN activities a ON a.id = l.activity_id
		LEFT JOIN responses r ON r.activity_id = l.activity_id AND r.learner = l.learner
		WHERE l.activity_id = ? ORDER BY l.first_launch_at, l.learner`, activityID)
	if err != nil {
		return nil, fmt.Errorf("progress in activity %d: %w", activityID, err)
	}
	defer rows.Close()
	var out []tracker.LearnerProgress
	for rows.Next() {
		var (
			p                tracker.LearnerProgress
			first            int64
			purposes, status string
		)
		if err := rows.Scan(&p.Learner, &first, &purposes, &status); err != nil {
			return nil, fmt.Errorf("progress in activity %d: %w", activityID, err)
		}
		var granted map[tracker.Purpose]bool
		if err := json.Unmarshal([]byte(purposes), &granted); err != nil {
			return nil, fmt.Errorf("progress in activity %d: purposes: %w", activityID, err)
		}
		p.FirstLaunchAt, p.Consented, p.Status = timeOf(first), granted[tracker.PurposeSurveys], tracker.ResponseStatus(status)
		out = append(out, p)
	}
	return out, rows.Err()
}

// CourseActivities lists a course's activities, oldest first.
func (db *DB) CourseActivities(ctx context.Context, platformID int64, contextID string) ([]tracker.Activity, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT `+activityColumns+` FROM activities
		WHERE platform_id = ? AND context_id = ? ORDER BY created_at, id`, platformID, contextID)
	if err != nil {
		return nil, fmt.Errorf("activities of %d %s: %w", platformID, contextID, err)
	}
	defer rows.Close()
	var out []tracker.Activity
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return nil, fmt.Errorf("activities of %d %s: %w", platformID, contextID, err)
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// SaveRoster inserts or replaces a course's roster.
func (db *DB) SaveRoster(ctx context.Context, r *tracker.Roster) error {
	learners, err := json.Marshal(r.Learners)
	if err != nil {
		return err
	}
	fetched := stamp(r.FetchedAt, db.now)
	err = db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO rosters (platform_id, context_id, learners, refusal, fetched_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform_id, context_id) DO UPDATE SET
				learners = excluded.learners, refusal = excluded.refusal, fetched_at = excluded.fetched_at`,
			r.PlatformID, r.ContextID, string(learners), r.Refusal, millis(fetched))
		return err
	})
	if err != nil {
		return fmt.Errorf("save roster of %d %s: %w", r.PlatformID, r.ContextID, err)
	}
	r.FetchedAt = fetched
	return nil
}

// Roster loads a course's roster. ErrNotFound when never fetched.
func (db *DB) Roster(ctx context.Context, platformID int64, contextID string) (*tracker.Roster, error) {
	r := &tracker.Roster{PlatformID: platformID, ContextID: contextID}
	var (
		learners string
		fetched  int64
	)
	err := db.reader.QueryRowContext(ctx, `SELECT learners, refusal, fetched_at FROM rosters
		WHERE platform_id = ? AND context_id = ?`, platformID, contextID).Scan(&learners, &r.Refusal, &fetched)
	if errors.Is(err, sql.ErrNoRows) {
		err = tracker.ErrNotFound
	}
	if err == nil {
		err = json.Unmarshal([]byte(learners), &r.Learners)
	}
	if err != nil {
		return nil, fmt.Errorf("roster of %d %s: %w", platformID, contextID, err)
	}
	r.FetchedAt = timeOf(fetched)
	return r, nil
}

// SetLineItem records where an activity's scores go.
func (db *DB) SetLineItem(ctx context.Context, activityID int64, lineItem string) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE activities SET line_item = ? WHERE id = ?`, lineItem, activityID)
		if err != nil {
			return err
		}
		return affected(res)
	})
	if err != nil {
		return fmt.Errorf("set line item of activity %d: %w", activityID, err)
	}
	return nil
}
