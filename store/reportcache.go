package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// CachedReport loads cached report figures computed at or after
// notBefore. ErrNotFound when there are none that fresh.
func (db *DB) CachedReport(ctx context.Context, key string, notBefore time.Time) ([]byte, time.Time, error) {
	var (
		data string
		at   int64
	)
	err := db.reader.QueryRowContext(ctx, `SELECT data, computed_at FROM report_cache
		WHERE cache_key = ? AND computed_at >= ?`, key, millis(notBefore)).Scan(&data, &at)
	if errors.Is(err, sql.ErrNoRows) {
		err = tracker.ErrNotFound
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("cached report %s: %w", key, err)
	}
	return []byte(data), timeOf(at), nil
}

// SaveCachedReport stores report figures under key, replacing older ones.
func (db *DB) SaveCachedReport(ctx context.Context, key string, data []byte, at time.Time) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO report_cache (cache_key, data, computed_at) VALUES (?, ?, ?)
			ON CONFLICT (cache_key) DO UPDATE SET data = excluded.data, computed_at = excluded.computed_at`,
			key, string(data), millis(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("save cached report %s: %w", key, err)
	}
	return nil
}
