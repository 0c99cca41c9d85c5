package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/astre-lti/astre/tracker"
)

const instrumentColumns = `id, version, definition, builtin, created_at`

// SaveInstrument stores one instrument version, setting in.CreatedAt when
// it was zero. Storing the same definition again, byte for byte, is not an
// error and changes nothing; a different definition under an existing
// (id, version) is ErrConflict: consents and answers refer to the version,
// so its text must not move under them.
func (db *DB) SaveInstrument(ctx context.Context, in *tracker.StoredInstrument) error {
	created := stamp(in.CreatedAt, db.now)
	inserted := false
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO instruments (`+instrumentColumns+`)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (id, version) DO NOTHING`,
			in.ID, in.Version, string(in.Definition), in.Builtin, millis(created))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			inserted = n == 1
			return err
		}
		var stored []byte
		err = tx.QueryRowContext(ctx, `SELECT definition FROM instruments WHERE id = ? AND version = ?`,
			in.ID, in.Version).Scan(&stored)
		if err != nil {
			return err
		}
		if !bytes.Equal(stored, in.Definition) {
			return fmt.Errorf("%w: a different definition is stored", tracker.ErrConflict)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save instrument %s v%d: %w", in.ID, in.Version, err)
	}
	if inserted {
		in.CreatedAt = created
	}
	return nil
}

// Instrument loads one version of an instrument; version 0 means the
// newest. ErrNotFound when absent.
func (db *DB) Instrument(ctx context.Context, id string, version int) (*tracker.StoredInstrument, error) {
	var row *sql.Row
	if version == 0 {
		row = db.reader.QueryRowContext(ctx, `SELECT `+instrumentColumns+` FROM instruments
			WHERE id = ? ORDER BY version DESC LIMIT 1`, id)
	} else {
		row = db.reader.QueryRowContext(ctx, `SELECT `+instrumentColumns+` FROM instruments
			WHERE id = ? AND version = ?`, id, version)
	}
	in, err := scanInstrument(row)
	if errors.Is(err, sql.ErrNoRows) {
		err = tracker.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("instrument %s v%d: %w", id, version, err)
	}
	return in, nil
}

// NewestVersion is the newest version number of an instrument, read from
// the primary key's index alone. ErrNotFound when absent.
func (db *DB) NewestVersion(ctx context.Context, id string) (int, error) {
	var v sql.NullInt64
	err := db.reader.QueryRowContext(ctx, `SELECT MAX(version) FROM instruments WHERE id = ?`, id).Scan(&v)
	if err == nil && !v.Valid {
		err = tracker.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("newest version of instrument %s: %w", id, err)
	}
	return int(v.Int64), nil
}

// Instruments lists the newest version of every instrument, by id.
func (db *DB) Instruments(ctx context.Context) ([]tracker.StoredInstrument, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT `+instrumentColumns+` FROM instruments i
		WHERE version = (SELECT MAX(version) FROM instruments WHERE id = i.id) ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list instruments: %w", err)
	}
	defer rows.Close()
	var ins []tracker.StoredInstrument
	for rows.Next() {
		in, err := scanInstrument(rows)
		if err != nil {
			return nil, fmt.Errorf("list instruments: %w", err)
		}
		ins = append(ins, *in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list instruments: %w", err)
	}
	return ins, nil
}

// InstrumentInUse reports whether any response was started, or any consent
// given, under this instrument version; then the version is frozen.
func (db *DB) InstrumentInUse(ctx context.Context, id string, version int) (bool, error) {
	var used bool
	err := db.reader.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM responses WHERE instrument_id = ? AND instrument_version = ?)
		OR EXISTS (SELECT 1 FROM consents WHERE text_id = ? AND text_version = ?)`,
		id, version, id, version).Scan(&used)
	if err != nil {
		return false, fmt.Errorf("instrument %s v%d in use: %w", id, version, err)
	}
	return used, nil
}

func scanInstrument(row scanner) (*tracker.StoredInstrument, error) {
	var (
		in      tracker.StoredInstrument
		created int64
	)
	if err := row.Scan(&in.ID, &in.Version, &in.Definition, &in.Builtin, &created); err != nil {
		return nil, err
	}
	in.CreatedAt = timeOf(created)
	return &in, nil
}
