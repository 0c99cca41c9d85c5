package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/astre-lti/astre/tracker"
)

// Standing reads, in one statement, what every learner page starts from:
// the activity at (platform, context, resource link), the learner's
// newest consent record in the course, and the newest version of the
// consent instrument consentID. A nil activity or consent means there is
// none; ErrNotFound when the consent instrument is absent.
//
// Three statements became one because a learner page ran them on every
// request, and each statement costs about as much as reading the rows.
func (db *DB) Standing(ctx context.Context, learner string, platformID int64, contextID, resourceLinkID, consentID string) (*tracker.Standing, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT `+qualified("a", activityColumns)+`, `+qualified("c", consentColumns)+`,
			(SELECT MAX(version) FROM instruments WHERE id = ?)
		FROM (SELECT 1 AS here) AS one
		LEFT JOIN activities a ON a.platform_id = ? AND a.context_id = ? AND a.resource_link_id = ?
		LEFT JOIN consents c ON c.id = (SELECT id FROM consents
			WHERE learner = ? AND platform_id = ? AND context_id = ? ORDER BY id DESC LIMIT 1)`,
		consentID, platformID, contextID, resourceLinkID, learner, platformID, contextID)
	if err != nil {
		return nil, fmt.Errorf("standing of %s: %w", learner, err)
	}
	defer rows.Close()
	na, nc := columnCount(activityColumns), columnCount(consentColumns)
	vals := make([]any, na+nc+1)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if !rows.Next() { // the one-row table always gives a row, unless reading failed
		err := rows.Err()
		if err == nil {
			err = errors.New("no row")
		}
		return nil, fmt.Errorf("standing of %s: %w", learner, err)
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("standing of %s: %w", learner, err)
	}
	var st tracker.Standing
	if vals[0] != nil {
		if st.Activity, err = scanActivity(values(vals[:na])); err != nil {
			return nil, fmt.Errorf("standing of %s: activity: %w", learner, err)
		}
	}
	if vals[na] != nil {
		if st.Consent, err = scanConsent(values(vals[na : na+nc])); err != nil {
			return nil, fmt.Errorf("standing of %s: consent: %w", learner, err)
		}
	}
	newest, ok := vals[na+nc].(int64)
	if !ok {
		return nil, fmt.Errorf("standing of %s: newest version of instrument %s: %w", learner, consentID, tracker.ErrNotFound)
	}
	st.ConsentVersion = int(newest)
	return &st, rows.Close()
}

// qualified prefixes each column of a column list with a table alias.
func qualified(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

func columnCount(columns string) int {
	return strings.Count(columns, ",") + 1
}

// values replays a row already read into values to the scan functions
// written for database rows (scanActivity, scanConsent), so that a row of
// a join feeds them too. It converts what the SQLite driver returns
// (int64, float64, string, []byte, nil) to the destinations they use.
type values []any

func (v values) Scan(dest ...any) error {
	if len(dest) != len(v) {
		return fmt.Errorf("scan %d values into %d destinations", len(v), len(dest))
	}
	for i, d := range dest {
		if err := assign(d, v[i]); err != nil {
			return fmt.Errorf("column %d: %w", i, err)
		}
	}
	return nil
}

func assign(dest, src any) error {
	if s, ok := dest.(sql.Scanner); ok {
		return s.Scan(src)
	}
	switch d := dest.(type) {
	case *int64:
		if n, ok := src.(int64); ok {
			*d = n
			return nil
		}
	case *int:
		if n, ok := src.(int64); ok {
			*d = int(n)
			return nil
		}
	case *bool:
		if n, ok := src.(int64); ok {
			*d = n != 0
			return nil
		}
	case *string:
		switch s := src.(type) {
		case string:
			*d = s
			return nil
		case []byte:
			*d = string(s)
			return nil
		}
	}
	return fmt.Errorf("cannot store %T in %T", src, dest)
}
