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

const consentColumns = `id, learner, platform_id, context_id, deployment_id, resource_link_id,
	text_id, text_version, text_hash, lang, purposes, method, created_at, withdrawn_at`

// SaveConsent inserts a new consent record, setting c.ID (and c.CreatedAt
// when it was zero). ErrNotFound when c.PlatformID names no platform.
func (db *DB) SaveConsent(ctx context.Context, c *tracker.Consent, out ...*tracker.OutboxItem) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := insertConsent(ctx, tx, c, db.now); err != nil {
			return err
		}
		return enqueueAll(ctx, tx, out, db.now)
	})
	if err != nil {
		return fmt.Errorf("save consent of %s: %w", c.Learner, err)
	}
	return nil
}

// insertConsent inserts c inside tx and sets its ID and CreatedAt.
func insertConsent(ctx context.Context, tx *sql.Tx, c *tracker.Consent, now func() time.Time) error {
	created := stamp(c.CreatedAt, now)
	purposes, err := purposesJSON(c.Purposes)
	if err != nil {
		return err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO consents (learner, platform_id, context_id,
		deployment_id, resource_link_id, text_id, text_version, text_hash, lang, purposes,
		method, created_at, withdrawn_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.Learner, c.PlatformID, c.ContextID, c.DeploymentID, c.ResourceLinkID,
		c.TextID, c.TextVersion, c.TextHash, c.Lang, purposes, c.Method,
		millis(created), nullMillis(c.WithdrawnAt)).Scan(&id)
	if err != nil {
		return err
	}
	c.ID, c.CreatedAt = id, created
	return nil
}

// CurrentConsent is the newest consent record (highest id: created_at may
// tie) of a learner in a course, withdrawn or not. ErrNotFound when none.
func (db *DB) CurrentConsent(ctx context.Context, learner string, platformID int64, contextID string) (*tracker.Consent, error) {
	c, err := scanConsent(db.reader.QueryRowContext(ctx, `SELECT `+consentColumns+` FROM consents
		WHERE learner = ? AND platform_id = ? AND context_id = ? ORDER BY id DESC LIMIT 1`,
		learner, platformID, contextID))
	if errors.Is(err, sql.ErrNoRows) {
		err = tracker.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("current consent of %s: %w", learner, err)
	}
	return c, nil
}

// Consents lists a learner's consent records in every course, newest first.
func (db *DB) Consents(ctx context.Context, learner string) ([]tracker.Consent, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT `+consentColumns+` FROM consents
		WHERE learner = ? ORDER BY id DESC`, learner)
	if err != nil {
		return nil, fmt.Errorf("consents of %s: %w", learner, err)
	}
	defer rows.Close()
	var cs []tracker.Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, fmt.Errorf("consents of %s: %w", learner, err)
		}
		cs = append(cs, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("consents of %s: %w", learner, err)
	}
	return cs, nil
}

// Withdraw marks the learner's current consent in the course withdrawn at
// at, clears its purposes, and deletes, in the same transaction, the
// learner's responses in the course's activities (their answers cascade)
// and the learner's contact on the platform. What stays is the proof:
// learner, course, text id, version and hash, language, method, times.
//
// ErrNotFound when the learner never consented in the course. When the
// current consent is withdrawn already, the call succeeds, keeps the first
// withdrawal time, and deletes again any response of the course: one a
// second tab saved while the first withdrew. It leaves the contact alone
// then, since a later consent in another course of the platform may have
// stored it.
func (db *DB) Withdraw(ctx context.Context, learner string, platformID int64, contextID string, at time.Time, out ...*tracker.OutboxItem) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var (
			id        int64
			withdrawn sql.NullInt64
		)
		err := tx.QueryRowContext(ctx, `SELECT id, withdrawn_at FROM consents
			WHERE learner = ? AND platform_id = ? AND context_id = ? ORDER BY id DESC LIMIT 1`,
			learner, platformID, contextID).Scan(&id, &withdrawn)
		if errors.Is(err, sql.ErrNoRows) {
			return tracker.ErrNotFound
		}
		if err != nil {
			return err
		}
		if !withdrawn.Valid {
			_, err := tx.ExecContext(ctx, `UPDATE consents SET withdrawn_at = ?, purposes = '{}' WHERE id = ?`,
				millis(at), id)
			if err != nil {
				return err
			}
			if err := deleteContact(ctx, tx, learner, platformID); err != nil {
				return err
			}
		}
		// The learner also leaves the "launched" counts and the follow-up
		// waves: withdrawn learners disappear from every report.
		// Cached report figures may count the learner: they go too.
		if _, err := tx.ExecContext(ctx, `DELETE FROM report_cache`); err != nil {
			return err
		}
		for _, table := range []string{"responses", "activity_learners", "followups"} {
			_, err = tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE learner = ? AND activity_id IN
				(SELECT id FROM activities WHERE platform_id = ? AND context_id = ?)`,
				learner, platformID, contextID)
			if err != nil {
				return err
			}
		}
		// Statements about the learner's surveys that have not left yet
		// go: processing stops with the withdrawal.
		_, err = tx.ExecContext(ctx, `DELETE FROM outbox WHERE kind = ? AND learner = ? AND status = ?
			AND activity_id IN (SELECT id FROM activities WHERE platform_id = ? AND context_id = ?)`,
			tracker.XAPIKind, learner, string(tracker.OutboxPending), platformID, contextID)
		if err != nil {
			return err
		}
		return enqueueAll(ctx, tx, out, db.now)
	})
	if err != nil {
		return fmt.Errorf("withdraw consent of %s in %d/%s: %w", learner, platformID, contextID, err)
	}
	return nil
}

// purposesJSON encodes purposes as a JSON object; none is {}, not null.
func purposesJSON(ps map[tracker.Purpose]bool) (string, error) {
	if len(ps) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(ps)
	return string(b), err
}

func scanConsent(row scanner) (*tracker.Consent, error) {
	var (
		c         tracker.Consent
		purposes  string
		created   int64
		withdrawn sql.NullInt64
	)
	err := row.Scan(&c.ID, &c.Learner, &c.PlatformID, &c.ContextID, &c.DeploymentID, &c.ResourceLinkID,
		&c.TextID, &c.TextVersion, &c.TextHash, &c.Lang, &purposes, &c.Method, &created, &withdrawn)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(purposes), &c.Purposes); err != nil {
		return nil, fmt.Errorf("consent %d purposes: %w", c.ID, err)
	}
	if c.Purposes == nil {
		c.Purposes = map[tracker.Purpose]bool{}
	}
	c.CreatedAt, c.WithdrawnAt = timeOf(created), nullTime(withdrawn)
	return &c, nil
}
