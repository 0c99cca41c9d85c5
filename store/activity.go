package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/astre-lti/astre/tracker"
)

const activityColumns = `id, platform_id, context_id, resource_link_id, context_title, title,
	instrument_id, graded, opens_at, closes_at, show_respondents, line_item, created_at, updated_at`

// EnsureActivity returns the activity of (a.PlatformID, a.ContextID,
// a.ResourceLinkID). When absent it is created from a, its zero times set
// to now; when present only ContextTitle, Title and UpdatedAt follow a (the
// LMS may rename the course or the link), and the instructor's settings
// stay as stored. ErrNotFound when a.PlatformID names no platform.
func (db *DB) EnsureActivity(ctx context.Context, a *tracker.Activity) (*tracker.Activity, error) {
	created, updated := stamp(a.CreatedAt, db.now), stamp(a.UpdatedAt, db.now)
	var got *tracker.Activity
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		got, err = scanActivity(tx.QueryRowContext(ctx, `INSERT INTO activities (platform_id, context_id,
			resource_link_id, context_title, title, instrument_id, graded, opens_at, closes_at,
			show_respondents, line_item, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (platform_id, context_id, resource_link_id) DO UPDATE SET
				context_title = excluded.context_title, title = excluded.title,
				updated_at = excluded.updated_at
			RETURNING `+activityColumns,
			a.PlatformID, a.ContextID, a.ResourceLinkID, a.ContextTitle, a.Title, a.InstrumentID,
			a.Graded, nullMillis(a.OpensAt), nullMillis(a.ClosesAt), a.ShowRespondents, a.LineItem,
			millis(created), millis(updated)))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ensure activity %d/%s/%s: %w", a.PlatformID, a.ContextID, a.ResourceLinkID, err)
	}
	return got, nil
}

// Activity loads an activity by id. ErrNotFound when absent.
func (db *DB) Activity(ctx context.Context, id int64) (*tracker.Activity, error) {
	a, err := scanActivity(db.reader.QueryRowContext(ctx, `SELECT `+activityColumns+`
		FROM activities WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = tracker.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("activity %d: %w", id, err)
	}
	return a, nil
}

// ActivityAt loads the activity of (platform, context, resource link).
// ErrNotFound when absent.
func (db *DB) ActivityAt(ctx context.Context, platformID int64, contextID, resourceLinkID string) (*tracker.Activity, error) {
	a, err := scanActivity(db.reader.QueryRowContext(ctx, `SELECT `+activityColumns+`
		FROM activities WHERE platform_id = ? AND context_id = ? AND resource_link_id = ?`,
		platformID, contextID, resourceLinkID))
	if errors.Is(err, sql.ErrNoRows) {
		err = tracker.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("activity at %d %s %s: %w", platformID, contextID, resourceLinkID, err)
	}
	return a, nil
}

// SaveActivity stores the settings of the existing activity a.ID: titles,
// instrument, grading, opening window and respondent visibility, with
// UpdatedAt (now when zero). Where it sits (platform, context, resource
// link) and CreatedAt never change. ErrNotFound when a.ID is absent.
func (db *DB) SaveActivity(ctx context.Context, a *tracker.Activity) error {
	updated := stamp(a.UpdatedAt, db.now)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE activities SET context_title = ?, title = ?,
			instrument_id = ?, graded = ?, opens_at = ?, closes_at = ?, show_respondents = ?,
			updated_at = ? WHERE id = ?`,
			a.ContextTitle, a.Title, a.InstrumentID, a.Graded, nullMillis(a.OpensAt),
			nullMillis(a.ClosesAt), a.ShowRespondents, millis(updated), a.ID)
		if err != nil {
			return err
		}
		return affected(res)
	})
	if err != nil {
		return fmt.Errorf("save activity %d: %w", a.ID, err)
	}
	a.UpdatedAt = updated
	return nil
}

func scanActivity(row scanner) (*tracker.Activity, error) {
	var (
		a                tracker.Activity
		opens, closes    sql.NullInt64
		created, updated int64
	)
	err := row.Scan(&a.ID, &a.PlatformID, &a.ContextID, &a.ResourceLinkID, &a.ContextTitle, &a.Title,
		&a.InstrumentID, &a.Graded, &opens, &closes, &a.ShowRespondents, &a.LineItem, &created, &updated)
	if err != nil {
		return nil, err
	}
	a.OpensAt, a.ClosesAt = nullTime(opens), nullTime(closes)
	a.CreatedAt, a.UpdatedAt = timeOf(created), timeOf(updated)
	return &a, nil
}
