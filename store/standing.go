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

// Standing reads, in one statement, what every learner page starts from:
// the activity at (platform, context, resource link), the learner's
// newest consent record in the course, and the newest version of the
// consent instrument consentID. A nil activity or consent means there is
// none; ErrNotFound when the consent instrument is absent.
//
// Three statements became one because a learner page ran them on every
// request, and each statement costs about as much as reading the rows.
func (db *DB) Standing(ctx context.Context, learner string, platformID int64, contextID, resourceLinkID, consentID string) (*tracker.Standing, error) {
	var st *tracker.Standing
	err := db.readOne(ctx, standingWidth, func(vals []any) (err error) {
		st, err = scanStanding(vals, consentID)
		return err
	}, `SELECT `+standingColumns+`
		FROM (SELECT 1 AS here) AS one
		LEFT JOIN activities a ON a.platform_id = ? AND a.context_id = ? AND a.resource_link_id = ?
		LEFT JOIN consents c ON c.id = (SELECT id FROM consents
			WHERE learner = ? AND platform_id = ? AND context_id = ? ORDER BY id DESC LIMIT 1)`,
		consentID, platformID, contextID, resourceLinkID, learner, platformID, contextID)
	if err != nil {
		return nil, fmt.Errorf("standing of %s: %w", learner, err)
	}
	return st, nil
}

// LaunchStanding reads an unexpired launch session, bound or not, and
// the learner's standing in the session's activity, as Standing reads it,
// in one statement: what every page inside a launch starts from.
// ErrNotFound when the session is absent or expired, or when the consent
// instrument is.
func (db *DB) LaunchStanding(ctx context.Context, idHash string, now time.Time, consentID string) (*tracker.LaunchSession, *tracker.Standing, error) {
	var (
		s  *tracker.LaunchSession
		st *tracker.Standing
	)
	err := db.readOne(ctx, launchWidth+standingWidth, func(vals []any) (err error) {
		if s, err = scanLaunch(values(vals[:launchWidth])); err != nil {
			return err
		}
		st, err = scanStanding(vals[launchWidth:], consentID)
		return err
	}, launchStandingQuery, consentID, idHash, millis(now))
	if errors.Is(err, sql.ErrNoRows) {
		err = tracker.ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("launch session and standing: %w", err)
	}
	return s, st, nil
}

// launchStandingQuery is LaunchStanding's statement, put together once.
var launchStandingQuery = `SELECT ` + qualified("s", launchColumns) + `, ` + standingColumns + `
		FROM launch_sessions s
		LEFT JOIN activities a ON a.platform_id = s.platform_id AND a.context_id = s.context_id
			AND a.resource_link_id = s.resource_link_id
		LEFT JOIN consents c ON c.id = (SELECT id FROM consents
			WHERE learner = s.learner AND platform_id = s.platform_id AND context_id = s.context_id
			ORDER BY id DESC LIMIT 1)
		WHERE s.id_hash = ? AND s.expires_at > ?`

// standingColumns are what a standing read selects: the activity (alias
// a), the consent record (alias c), and the newest version of the consent
// instrument, the statement's first parameter.
var (
	standingColumns = qualified("a", activityColumns) + `, ` + qualified("c", consentColumns) + `,
		(SELECT MAX(version) FROM instruments WHERE id = ?)`
	activityWidth = columnCount(activityColumns)
	consentWidth  = columnCount(consentColumns)
	launchWidth   = columnCount(launchColumns)
	standingWidth = activityWidth + consentWidth + 1
)

// scanStanding builds a Standing from the values of standingColumns.
func scanStanding(vals []any, consentID string) (*tracker.Standing, error) {
	na, nc := activityWidth, consentWidth
	var (
		st  tracker.Standing
		err error
	)
	if vals[0] != nil {
		if st.Activity, err = scanActivity(values(vals[:na])); err != nil {
			return nil, fmt.Errorf("activity: %w", err)
		}
	}
	if vals[na] != nil {
		if st.Consent, err = scanConsent(values(vals[na : na+nc])); err != nil {
			return nil, fmt.Errorf("consent: %w", err)
		}
	}
	newest, ok := vals[na+nc].(int64)
	if !ok {
		return nil, fmt.Errorf("newest version of instrument %s: %w", consentID, tracker.ErrNotFound)
	}
	st.ConsentVersion = int(newest)
	return &st, nil
}

// readOne runs a query of width columns that gives at most one row and
// hands the row's values to scan; sql.ErrNoRows when it gives none.
func (db *DB) readOne(ctx context.Context, width int, scan func(vals []any) error, query string, args ...any) error {
	rows, err := db.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	vals := make([]any, width)
	ptrs := make([]any, width)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return err
	}
	if err := scan(vals); err != nil {
		return err
	}
	return rows.Close()
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
	case *[]byte:
		switch b := src.(type) {
		case []byte: // database/sql copied it into the row's values already
			*d = b
			return nil
		case string:
			*d = []byte(b)
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
