package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/astre-lti/astre/tracker"
)

const loginColumns = `state_hash, nonce, platform_id, issuer, client_id, target_link_uri,
	login_hint, message_hint, deployment_id, storage_target, binding_hash,
	created_at, expires_at, used_at`

// SaveLogin stores a new login state, setting l.CreatedAt when it was zero.
// ErrConflict when the state hash exists.
func (db *DB) SaveLogin(ctx context.Context, l *tracker.LoginState) error {
	created := stamp(l.CreatedAt, db.now)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO login_states (`+loginColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			l.StateHash, l.Nonce, l.PlatformID, l.Issuer, l.ClientID, l.TargetLinkURI,
			l.LoginHint, l.MessageHint, l.DeploymentID, l.StorageTarget, l.BindingHash,
			millis(created), millis(l.ExpiresAt), nullMillis(l.UsedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("save login state for %s %s: %w", l.Issuer, l.ClientID, err)
	}
	l.CreatedAt = created
	return nil
}

// ConsumeLogin marks the login state used at now and returns it.
// ErrNotFound when unknown, ErrReplayed when already used, ErrExpired when
// now is at or past ExpiresAt; in the last two cases the returned state is
// still filled in.
func (db *DB) ConsumeLogin(ctx context.Context, stateHash string, now time.Time) (*tracker.LoginState, error) {
	var l *tracker.LoginState
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		l, err = consumeLogin(ctx, tx, stateHash, now)
		return err
	})
	if err != nil {
		return l, fmt.Errorf("consume login state: %w", err)
	}
	return l, nil
}

// Login reads the login state for a launch without using it. Its errors
// are ConsumeLogin's: ErrNotFound, ErrReplayed, ErrExpired (the last two
// with the state filled in).
func (db *DB) Login(ctx context.Context, stateHash string, now time.Time) (*tracker.LoginState, error) {
	l, err := checkLogin(db.reader.QueryRowContext(ctx, selectLogin, stateHash), now)
	if err != nil {
		return l, fmt.Errorf("login state: %w", err)
	}
	return l, nil
}

// consumeLogin claims the state with one conditional UPDATE: of two
// concurrent calls only one can see used_at IS NULL. When nothing was
// claimed, a second read says why.
func consumeLogin(ctx context.Context, tx *sql.Tx, stateHash string, now time.Time) (*tracker.LoginState, error) {
	l, err := scanLogin(tx.QueryRowContext(ctx, `UPDATE login_states SET used_at = ?
		WHERE state_hash = ? AND used_at IS NULL AND expires_at > ?
		RETURNING `+loginColumns, millis(now), stateHash, millis(now)))
	if !errors.Is(err, sql.ErrNoRows) {
		return l, err
	}
	l, err = checkLogin(tx.QueryRowContext(ctx, selectLogin, stateHash), now)
	if err == nil { // unclaimed but usable cannot be: the UPDATE has the same conditions
		err = tracker.ErrExpired
	}
	return l, err
}

const selectLogin = `SELECT ` + loginColumns + ` FROM login_states WHERE state_hash = ?`

// checkLogin scans a state read by selectLogin and says why it cannot be
// used at now, if it cannot: ErrNotFound, ErrReplayed or ErrExpired.
func checkLogin(row scanner, now time.Time) (*tracker.LoginState, error) {
	l, err := scanLogin(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, tracker.ErrNotFound
	case err != nil:
		return nil, err
	case l.UsedAt != nil:
		return l, tracker.ErrReplayed
	case !now.Before(l.ExpiresAt):
		return l, tracker.ErrExpired
	}
	return l, nil
}

func scanLogin(row scanner) (*tracker.LoginState, error) {
	var (
		l                tracker.LoginState
		created, expires int64
		used             sql.NullInt64
	)
	err := row.Scan(&l.StateHash, &l.Nonce, &l.PlatformID, &l.Issuer, &l.ClientID, &l.TargetLinkURI,
		&l.LoginHint, &l.MessageHint, &l.DeploymentID, &l.StorageTarget, &l.BindingHash,
		&created, &expires, &used)
	if err != nil {
		return nil, err
	}
	l.CreatedAt, l.ExpiresAt, l.UsedAt = timeOf(created), timeOf(expires), nullTime(used)
	return &l, nil
}
