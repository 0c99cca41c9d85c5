package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/astre-lti/astre/tracker"
)

const outboxColumns = `id, kind, item_key, activity_id, learner, payload, revision, status,
	attempts, next_at, last_error, created_at, updated_at, delivered_at`

// Enqueue stores each item in one transaction; see tracker.OutboxStore.
func (db *DB) Enqueue(ctx context.Context, items ...*tracker.OutboxItem) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error { return enqueueAll(ctx, tx, items, db.now) })
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	return nil
}

// enqueueAll adds the outbox items inside tx.
func enqueueAll(ctx context.Context, tx *sql.Tx, out []*tracker.OutboxItem, now func() time.Time) error {
	for _, it := range out {
		if err := enqueue(ctx, tx, it, now); err != nil {
			return err
		}
	}
	return nil
}

// enqueue inserts or replaces one item inside tx. Replacing drops the
// lease too: the worker holding the older revision can no longer finish
// it (FinishOutbox checks the revision), and the new payload is due.
func enqueue(ctx context.Context, tx *sql.Tx, it *tracker.OutboxItem, now func() time.Time) error {
	at := now().UTC()
	created := stamp(it.CreatedAt, now)
	next := it.NextAt
	if next.IsZero() {
		next = at
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO outbox (kind, item_key, activity_id, learner, payload,
			revision, status, attempts, next_at, last_error, lease_owner, lease_until,
			created_at, updated_at, delivered_at)
		VALUES (?, ?, ?, ?, ?, 1, ?, 0, ?, '', '', 0, ?, ?, NULL)
		ON CONFLICT (kind, item_key) DO UPDATE SET activity_id = excluded.activity_id,
			learner = excluded.learner, payload = excluded.payload,
			revision = outbox.revision + 1, status = excluded.status, attempts = 0,
			next_at = excluded.next_at, last_error = '', lease_owner = '', lease_until = 0,
			updated_at = excluded.updated_at, delivered_at = NULL
		RETURNING id, revision, created_at`,
		it.Kind, it.Key, it.ActivityID, it.Learner, string(it.Payload), string(tracker.OutboxPending),
		millis(next), millis(created), millis(at),
	).Scan(&it.ID, &it.Revision, new(int64))
	if err != nil {
		return fmt.Errorf("%s %s: %w", it.Kind, it.Key, err)
	}
	it.Status, it.Attempts, it.NextAt, it.LastError, it.DeliveredAt = tracker.OutboxPending, 0, next, "", nil
	it.CreatedAt, it.UpdatedAt = created, at
	return nil
}

// ClaimOutbox leases due items with one conditional UPDATE, so two
// instances claiming at once never get the same item. Items already
// leased to owner are claimed again: they are a crashed predecessor's of
// the same name (see tracker.Outbox.Owner).
func (db *DB) ClaimOutbox(ctx context.Context, kinds []string, owner string, now time.Time, lease time.Duration, limit int) ([]tracker.OutboxItem, error) {
	if len(kinds) == 0 || limit <= 0 {
		return nil, nil
	}
	args := []any{owner, millis(now.Add(lease)), millis(now), string(tracker.OutboxPending), millis(now), millis(now), owner}
	for _, k := range kinds {
		args = append(args, k)
	}
	args = append(args, limit)
	var items []tracker.OutboxItem
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET lease_owner = ?, lease_until = ?,
				attempts = attempts + 1, updated_at = ?
			WHERE id IN (SELECT id FROM outbox
				WHERE status = ? AND next_at <= ? AND (lease_until <= ? OR lease_owner = ?)
				AND kind IN (`+placeholders("?", len(kinds))+`)
				ORDER BY next_at, id LIMIT ?)
			RETURNING `+outboxColumns, args...)
		if err != nil {
			return err
		}
		items, err = scanOutbox(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	return items, nil
}

// FinishOutbox records an attempt; see tracker.OutboxStore.
func (db *DB) FinishOutbox(ctx context.Context, a tracker.OutboxAttempt) error {
	var delivered sql.NullInt64
	if a.Status == tracker.OutboxDelivered {
		delivered = sql.NullInt64{Int64: millis(a.At), Valid: true}
	}
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET status = ?, next_at = ?, last_error = ?,
				lease_owner = '', lease_until = 0, updated_at = ?, delivered_at = ?
			WHERE id = ? AND revision = ? AND lease_owner = ?`,
			string(a.Status), millis(a.NextAt), a.Error, millis(a.At), delivered, a.ID, a.Revision, a.Owner)
		if err != nil {
			return err
		}
		if err := affected(res); err != nil {
			return tracker.ErrConflict
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finish outbox item %d: %w", a.ID, err)
	}
	return nil
}

// ReleaseOutbox gives back owner's leases. Their attempts stay counted:
// one cut short may still have reached the receiver, and a score's next
// attempt must know it is a repeat (a 409 then means it arrived).
func (db *DB) ReleaseOutbox(ctx context.Context, owner string) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET lease_owner = '', lease_until = 0
			WHERE lease_owner = ? AND status = ?`, owner, string(tracker.OutboxPending))
		return err
	})
	if err != nil {
		return fmt.Errorf("release outbox leases: %w", err)
	}
	return nil
}

// OutboxItems lists items matching f, newest first.
func (db *DB) OutboxItems(ctx context.Context, f tracker.OutboxFilter) ([]tracker.OutboxItem, error) {
	if f.Offset > 0 && f.Limit <= 0 {
		return nil, fmt.Errorf("outbox items: offset without limit: %w", tracker.ErrInvalid)
	}
	where, args := outboxWhere(f)
	q := `SELECT ` + outboxColumns + ` FROM outbox` + where + ` ORDER BY id DESC`
	if f.Limit > 0 {
		q += " LIMIT ? OFFSET ?"
		args = append(args, f.Limit, f.Offset)
	}
	rows, err := db.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("outbox items: %w", err)
	}
	items, err := scanOutbox(rows)
	if err != nil {
		return nil, fmt.Errorf("outbox items: %w", err)
	}
	return items, nil
}

// OutboxCounts counts the items matching f by status, with one
// GROUP BY; see tracker.OutboxStore.
func (db *DB) OutboxCounts(ctx context.Context, f tracker.OutboxFilter) (map[tracker.OutboxStatus]int, error) {
	where, args := outboxWhere(f)
	rows, err := db.reader.QueryContext(ctx, `SELECT status, COUNT(*) FROM outbox`+where+` GROUP BY status`, args...)
	if err != nil {
		return nil, fmt.Errorf("outbox counts: %w", err)
	}
	defer rows.Close()
	counts := make(map[tracker.OutboxStatus]int)
	for rows.Next() {
		var (
			status string
			n      int
		)
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("outbox counts: %w", err)
		}
		counts[tracker.OutboxStatus(status)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox counts: %w", err)
	}
	return counts, nil
}

// outboxWhere is the WHERE clause, with its arguments, that selects the
// items of f; "" when f selects all. Limit and Offset are not part of it.
func outboxWhere(f tracker.OutboxFilter) (string, []any) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.ID != 0 {
		add("id = ?", f.ID)
	}
	if f.Kind != "" {
		add("kind = ?", f.Kind)
	}
	if f.ActivityID != 0 {
		add("activity_id = ?", f.ActivityID)
	}
	if f.Learner != "" {
		add("learner = ?", f.Learner)
	}
	if f.Status != "" {
		add("status = ?", string(f.Status))
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// RetryOutbox makes an undelivered item due at now.
func (db *DB) RetryOutbox(ctx context.Context, id int64, now time.Time) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM outbox WHERE id = ?`, id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return tracker.ErrNotFound
		}
		if err != nil {
			return err
		}
		if tracker.OutboxStatus(status) == tracker.OutboxDelivered {
			return tracker.ErrConflict
		}
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET status = ?, next_at = ?, updated_at = ?
			WHERE id = ?`, string(tracker.OutboxPending), millis(now), millis(now), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("retry outbox item %d: %w", id, err)
	}
	return nil
}

// scanOutbox reads rows of outboxColumns and closes them.
func scanOutbox(rows *sql.Rows) ([]tracker.OutboxItem, error) {
	defer rows.Close()
	var items []tracker.OutboxItem
	for rows.Next() {
		var (
			it                     tracker.OutboxItem
			payload, status        string
			next, created, updated int64
			delivered              sql.NullInt64
		)
		err := rows.Scan(&it.ID, &it.Kind, &it.Key, &it.ActivityID, &it.Learner, &payload, &it.Revision,
			&status, &it.Attempts, &next, &it.LastError, &created, &updated, &delivered)
		if err != nil {
			return nil, err
		}
		it.Payload, it.Status = []byte(payload), tracker.OutboxStatus(status)
		it.NextAt, it.CreatedAt, it.UpdatedAt = timeOf(next), timeOf(created), timeOf(updated)
		if delivered.Valid {
			t := timeOf(delivered.Int64)
			it.DeliveredAt = &t
		}
		items = append(items, it)
	}
	return items, rows.Err()
}
