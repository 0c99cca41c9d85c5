package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// AddKey stores a new tool key, setting k.CreatedAt when it was zero.
// ErrConflict when the kid exists.
func (db *DB) AddKey(ctx context.Context, k *tracker.ToolKey) error {
	created := stamp(k.CreatedAt, db.now)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tool_keys
			(kid, alg, private_enc, public_jwk, created_at, sign_from, retire_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			k.KID, k.Alg, k.PrivateEnc, string(k.PublicJWK), millis(created), millis(k.SignFrom),
			nullMillis(k.RetireAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("add key %s: %w", k.KID, err)
	}
	k.CreatedAt = created
	return nil
}

// Keys lists all stored keys, oldest first (by created_at, then kid).
func (db *DB) Keys(ctx context.Context) ([]tracker.ToolKey, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT kid, alg, private_enc, public_jwk,
		created_at, sign_from, retire_at FROM tool_keys ORDER BY created_at, kid`)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	defer rows.Close()
	var keys []tracker.ToolKey
	for rows.Next() {
		var (
			k                 tracker.ToolKey
			created, signFrom int64
			retire            sql.NullInt64
		)
		err := rows.Scan(&k.KID, &k.Alg, &k.PrivateEnc, &k.PublicJWK, &created, &signFrom, &retire)
		if err != nil {
			return nil, fmt.Errorf("list keys: %w", err)
		}
		k.CreatedAt, k.SignFrom, k.RetireAt = timeOf(created), timeOf(signFrom), nullTime(retire)
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return keys, nil
}

// RetireKey sets the time after which the key is no longer published.
// ErrNotFound when the kid is unknown.
func (db *DB) RetireKey(ctx context.Context, kid string, at time.Time) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tool_keys SET retire_at = ? WHERE kid = ?`, millis(at), kid)
		if err != nil {
			return err
		}
		return affected(res)
	})
	if err != nil {
		return fmt.Errorf("retire key %s: %w", kid, err)
	}
	return nil
}
