package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// AddRegistrationLink stores a new one-time Dynamic Registration link,
// setting l.CreatedAt when it was zero. ErrConflict when the hash exists.
func (db *DB) AddRegistrationLink(ctx context.Context, l *tracker.RegistrationLink) error {
	created := stamp(l.CreatedAt, db.now)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO registration_links (token_hash, created_at, expires_at, used_at)
			VALUES (?, ?, ?, ?)`, l.TokenHash, millis(created), millis(l.ExpiresAt), nullMillis(l.UsedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("add registration link: %w", err)
	}
	l.CreatedAt = created
	return nil
}

// RegistrationLink loads a link, used or not. ErrNotFound when unknown.
func (db *DB) RegistrationLink(ctx context.Context, tokenHash string) (*tracker.RegistrationLink, error) {
	var (
		l                tracker.RegistrationLink
		created, expires int64
		used             sql.NullInt64
	)
	err := db.reader.QueryRowContext(ctx, `SELECT token_hash, created_at, expires_at, used_at
		FROM registration_links WHERE token_hash = ?`, tokenHash).Scan(&l.TokenHash, &created, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		err = tracker.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("registration link: %w", err)
	}
	l.CreatedAt, l.ExpiresAt, l.UsedAt = timeOf(created), timeOf(expires), nullTime(used)
	return &l, nil
}

// RegisterPlatform stores p and its deployments and, when linkHash is not
// "", claims the link in the same transaction: a link is consumed exactly
// when a platform is registered with it. ErrNotFound for an unknown link,
// ErrReplayed for a used one, ErrExpired for one at or past its expiry;
// ErrConflict when (issuer, client_id) is registered already.
func (db *DB) RegisterPlatform(ctx context.Context, p *tracker.Platform, linkHash string, now time.Time) error {
	created := stamp(p.CreatedAt, db.now)
	var id int64
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if linkHash != "" {
			if err := claimLink(ctx, tx, linkHash, now); err != nil {
				return err
			}
		}
		var err error
		id, err = insertPlatform(ctx, tx, p, created)
		return err
	})
	if err != nil {
		return fmt.Errorf("register platform %s %s: %w", p.Issuer, p.ClientID, err)
	}
	p.ID, p.CreatedAt = id, created
	return nil
}

// claimLink marks the link used with one conditional UPDATE, so of two
// concurrent registrations only one can claim it; a second read says why
// nothing was claimed.
func claimLink(ctx context.Context, tx *sql.Tx, hash string, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE registration_links SET used_at = ?
		WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`, millis(now), hash, millis(now))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var used sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT used_at FROM registration_links WHERE token_hash = ?`, hash).Scan(&used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return tracker.ErrNotFound
	case err != nil:
		return err
	case used.Valid:
		return tracker.ErrReplayed
	default:
		return tracker.ErrExpired
	}
}
