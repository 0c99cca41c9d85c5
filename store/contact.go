package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/astre-lti/astre/tracker"
)

// SaveContact inserts or replaces a learner's sealed contact on a platform,
// setting c.UpdatedAt when it was zero. ErrNotFound when c.PlatformID
// names no platform.
func (db *DB) SaveContact(ctx context.Context, c *tracker.Contact) error {
	updated := stamp(c.UpdatedAt, db.now)
	sealed := c.Sealed
	if sealed == nil {
		sealed = []byte{} // the column is NOT NULL
	}
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO contacts (learner, platform_id, sealed, updated_at)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (learner, platform_id) DO UPDATE SET sealed = excluded.sealed,
				updated_at = excluded.updated_at`,
			c.Learner, c.PlatformID, sealed, millis(updated))
		return err
	})
	if err != nil {
		return fmt.Errorf("save contact of %s on platform %d: %w", c.Learner, c.PlatformID, err)
	}
	c.UpdatedAt = updated
	return nil
}

// Contact loads a learner's sealed contact on a platform. ErrNotFound when
// absent.
func (db *DB) Contact(ctx context.Context, learner string, platformID int64) (*tracker.Contact, error) {
	var (
		c       tracker.Contact
		updated int64
	)
	err := db.reader.QueryRowContext(ctx, `SELECT learner, platform_id, sealed, updated_at, confirmed, confirm_sent
		FROM contacts WHERE learner = ? AND platform_id = ?`, learner, platformID).Scan(&c.Learner, &c.PlatformID,
		&c.Sealed, &updated, &c.Confirmed, &c.ConfirmSent)
	if errors.Is(err, sql.ErrNoRows) {
		err = tracker.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("contact of %s on platform %d: %w", learner, platformID, err)
	}
	c.UpdatedAt = timeOf(updated)
	return &c, nil
}

// DeleteContact removes a learner's contact on a platform; absent is not an
// error.
func (db *DB) DeleteContact(ctx context.Context, learner string, platformID int64) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error { return deleteContact(ctx, tx, learner, platformID) })
	if err != nil {
		return fmt.Errorf("delete contact of %s on platform %d: %w", learner, platformID, err)
	}
	return nil
}

func deleteContact(ctx context.Context, tx *sql.Tx, learner string, platformID int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM contacts WHERE learner = ? AND platform_id = ?`, learner, platformID)
	return err
}
