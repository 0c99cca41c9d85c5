package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// SaveBrowserSession inserts or replaces a browser session.
func (db *DB) SaveBrowserSession(ctx context.Context, s *tracker.BrowserSession) error {
	data := s.Data
	if data == nil {
		data = []byte{} // the column is NOT NULL; no data is empty data
	}
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO browser_sessions (id, name, data, expires_at)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, data = excluded.data,
				expires_at = excluded.expires_at`,
			s.ID, s.Name, data, millis(s.ExpiresAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("save browser session %s: %w", s.Name, err)
	}
	return nil
}

// BrowserSession loads one session unexpired at now. ErrNotFound when
// absent or expired.
func (db *DB) BrowserSession(ctx context.Context, id string, now time.Time) (*tracker.BrowserSession, error) {
	var (
		s       tracker.BrowserSession
		expires int64
	)
	err := db.reader.QueryRowContext(ctx, `SELECT id, name, data, expires_at FROM browser_sessions
		WHERE id = ? AND expires_at > ?`, id, millis(now)).Scan(&s.ID, &s.Name, &s.Data, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		err = tracker.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("browser session: %w", err)
	}
	s.ExpiresAt = timeOf(expires)
	return &s, nil
}

// DeleteBrowserSession removes a session; absent is not an error.
func (db *DB) DeleteBrowserSession(ctx context.Context, id string) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM browser_sessions WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete browser session: %w", err)
	}
	return nil
}

const launchColumns = `id_hash, platform_id, deployment_id, learner, context, csrf_token,
	binding_hash, bound, created_at, expires_at, context_id, resource_link_id`

// SaveLaunch inserts or replaces a launch session, setting s.CreatedAt when
// it was zero.
func (db *DB) SaveLaunch(ctx context.Context, s *tracker.LaunchSession) error {
	created := stamp(s.CreatedAt, db.now)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error { return saveLaunch(ctx, tx, s, created) })
	if err != nil {
		return fmt.Errorf("save launch session for platform %d: %w", s.PlatformID, err)
	}
	s.CreatedAt = created
	return nil
}

// StartLaunch uses the login state, records the launch's nonce as used,
// inserts its session and records the learner's opening of the activity
// in one transaction: a launch that is accepted costs one commit.
// ErrLoginState wrapping ConsumeLogin's error when the state cannot be
// used (another launch used it meanwhile), ErrReplayed when the nonce was
// recorded before; either way nothing is kept and the state stays as it
// was. The opening is not recorded while the activity does not exist
// yet: the learner's first page creates it and records the opening then.
func (db *DB) StartLaunch(ctx context.Context, l *tracker.LaunchStart) error {
	s := l.Session
	created := stamp(s.CreatedAt, db.now)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := consumeLogin(ctx, tx, l.StateHash, l.At); err != nil {
			return fmt.Errorf("%w: %w", tracker.ErrLoginState, err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO used_nonces (issuer, nonce, expires_at) VALUES (?, ?, ?)`,
			l.Nonce.Issuer, l.Nonce.Nonce, millis(l.Nonce.ExpiresAt))
		if err != nil {
			return err
		}
		if err := saveLaunch(ctx, tx, s, created); err != nil {
			return err
		}
		if l.Opened {
			_, err = tx.ExecContext(ctx, `INSERT INTO activity_learners (activity_id, learner, first_launch_at)
				SELECT id, ?, ? FROM activities WHERE platform_id = ? AND context_id = ? AND resource_link_id = ?
				ON CONFLICT (activity_id, learner) DO NOTHING`,
				s.Learner, millis(l.At), s.PlatformID, s.ContextID, s.ResourceLinkID)
		}
		return err
	})
	switch {
	case errors.Is(err, tracker.ErrLoginState):
		return fmt.Errorf("start launch: %w", err)
	case errors.Is(err, tracker.ErrConflict):
		return fmt.Errorf("use nonce for %s: %w", l.Nonce.Issuer, tracker.ErrReplayed)
	case err != nil:
		return fmt.Errorf("start launch for platform %d: %w", s.PlatformID, err)
	}
	s.CreatedAt = created
	return nil
}

func saveLaunch(ctx context.Context, tx *sql.Tx, s *tracker.LaunchSession, created time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO launch_sessions (`+launchColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id_hash) DO UPDATE SET platform_id = excluded.platform_id,
			deployment_id = excluded.deployment_id, learner = excluded.learner,
			context = excluded.context, csrf_token = excluded.csrf_token,
			binding_hash = excluded.binding_hash, bound = excluded.bound,
			created_at = excluded.created_at, expires_at = excluded.expires_at,
			context_id = excluded.context_id, resource_link_id = excluded.resource_link_id`,
		s.IDHash, s.PlatformID, s.Deployment, s.Learner, string(s.Context), s.CSRFToken,
		s.BindingHash, s.Bound, millis(created), millis(s.ExpiresAt), s.ContextID, s.ResourceLinkID)
	return err
}

// Launch loads a launch session unexpired at now, bound or not.
// ErrNotFound when absent or expired.
func (db *DB) Launch(ctx context.Context, idHash string, now time.Time) (*tracker.LaunchSession, error) {
	s, err := scanLaunch(db.reader.QueryRowContext(ctx, `SELECT `+launchColumns+` FROM launch_sessions
		WHERE id_hash = ? AND expires_at > ?`, idHash, millis(now)))
	if errors.Is(err, sql.ErrNoRows) {
		err = tracker.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("launch session: %w", err)
	}
	return s, nil
}

func scanLaunch(row scanner) (*tracker.LaunchSession, error) {
	var (
		s                tracker.LaunchSession
		created, expires int64
	)
	err := row.Scan(&s.IDHash, &s.PlatformID, &s.Deployment, &s.Learner, &s.Context, &s.CSRFToken,
		&s.BindingHash, &s.Bound, &created, &expires, &s.ContextID, &s.ResourceLinkID)
	if err != nil {
		return nil, err
	}
	s.CreatedAt, s.ExpiresAt = timeOf(created), timeOf(expires)
	return &s, nil
}

// CountLaunches counts stored launch sessions, expired ones included until
// PurgeExpired removes them.
func (db *DB) CountLaunches(ctx context.Context) (int, error) {
	var n int
	if err := db.reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM launch_sessions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count launch sessions: %w", err)
	}
	return n, nil
}
