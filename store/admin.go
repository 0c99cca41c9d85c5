package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// AddAdmin stores a new administrator and sets a.ID. ErrConflict when
// the username is taken.
func (db *DB) AddAdmin(ctx context.Context, a *tracker.Admin) error {
	created := stamp(a.CreatedAt, db.now)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO admins (username, password_hash, created_at)
			VALUES (?, ?, ?) RETURNING id`, a.Username, a.PasswordHash, millis(created)).Scan(&a.ID)
	})
	if err != nil {
		return fmt.Errorf("add admin %s: %w", a.Username, err)
	}
	a.CreatedAt = created
	return nil
}

// Admin loads an administrator by username. ErrNotFound when absent.
func (db *DB) Admin(ctx context.Context, username string) (*tracker.Admin, error) {
	var (
		a       tracker.Admin
		created int64
		login   sql.NullInt64
	)
	err := db.reader.QueryRowContext(ctx, `SELECT id, username, password_hash, created_at, last_login_at
		FROM admins WHERE username = ?`, username).Scan(&a.ID, &a.Username, &a.PasswordHash, &created, &login)
	if errors.Is(err, sql.ErrNoRows) {
		err = tracker.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("admin %s: %w", username, err)
	}
	a.CreatedAt, a.LastLoginAt = timeOf(created), nullTime(login)
	return &a, nil
}

// SetAdminPassword replaces an administrator's password hash.
// ErrNotFound when absent.
func (db *DB) SetAdminPassword(ctx context.Context, username, hash string) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE admins SET password_hash = ? WHERE username = ?`, hash, username)
		if err != nil {
			return err
		}
		return affected(res)
	})
	if err != nil {
		return fmt.Errorf("set password of admin %s: %w", username, err)
	}
	return nil
}

// AdminLoggedIn records a successful login.
func (db *DB) AdminLoggedIn(ctx context.Context, id int64, at time.Time) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE admins SET last_login_at = ? WHERE id = ?`, millis(at), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("admin %d logged in: %w", id, err)
	}
	return nil
}

// AddToken stores a new API token (its hash) and sets t.ID.
func (db *DB) AddToken(ctx context.Context, t *tracker.APIToken) error {
	created := stamp(t.CreatedAt, db.now)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO api_tokens (name, token_hash, created_at)
			VALUES (?, ?, ?) RETURNING id`, t.Name, t.Hash, millis(created)).Scan(&t.ID)
	})
	if err != nil {
		return fmt.Errorf("add token %s: %w", t.Name, err)
	}
	t.CreatedAt = created
	return nil
}

const tokenColumns = `id, name, token_hash, created_at, last_used_at, revoked_at`

func scanToken(row scanner) (*tracker.APIToken, error) {
	var (
		t             tracker.APIToken
		created       int64
		used, revoked sql.NullInt64
	)
	if err := row.Scan(&t.ID, &t.Name, &t.Hash, &created, &used, &revoked); err != nil {
		return nil, err
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = timeOf(created), nullTime(used), nullTime(revoked)
	return &t, nil
}

// UseToken finds an unrevoked token by hash and records its use at at.
// ErrNotFound when unknown or revoked.
func (db *DB) UseToken(ctx context.Context, hash string, at time.Time) (*tracker.APIToken, error) {
	var t *tracker.APIToken
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		t, err = scanToken(tx.QueryRowContext(ctx, `UPDATE api_tokens SET last_used_at = ?
			WHERE token_hash = ? AND revoked_at IS NULL RETURNING `+tokenColumns, millis(at), hash))
		if errors.Is(err, sql.ErrNoRows) {
			return tracker.ErrNotFound
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("use token: %w", err)
	}
	return t, nil
}

// Tokens lists every token, oldest first.
func (db *DB) Tokens(ctx context.Context) ([]tracker.APIToken, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	defer rows.Close()
	var out []tracker.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// RevokeToken revokes a token by id. ErrNotFound when absent or revoked.
func (db *DB) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, millis(at), id)
		if err != nil {
			return err
		}
		return affected(res)
	})
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	return nil
}
