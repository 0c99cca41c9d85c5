package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// expiring are the tables whose rows end at expires_at. Each has an index
// on that column, so a purge reads only what it deletes, except the
// registration links, a handful of rows an operator mints by hand.
var expiring = []string{"login_states", "used_nonces", "browser_sessions", "launch_sessions", "registration_links"}

// PurgeExpired deletes login states, nonces, browser and launch sessions
// expired at now, in one transaction, and returns how many rows went.
func (db *DB) PurgeExpired(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, table := range expiring {
			n, err := purge(ctx, tx, table, now)
			if err != nil {
				return err
			}
			total += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge expired: %w", err)
	}
	return total, nil
}

// purge deletes the expired rows of table, a name from expiring.
func purge(ctx context.Context, tx *sql.Tx, table string, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE expires_at <= ?`, millis(now))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", table, err)
	}
	return res.RowsAffected()
}
