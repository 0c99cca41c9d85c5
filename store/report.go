package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/astre-lti/astre/tracker"
)

// currentPurposes is the purposes of the learner's newest consent record
// in the activity's course, '{}' when there is none. It expects the
// aliases l (a table with a learner column) and a (activities).
const currentPurposes = `COALESCE((SELECT c.purposes FROM consents c
	WHERE c.learner = l.learner AND c.platform_id = a.platform_id AND c.context_id = a.context_id
	ORDER BY c.id DESC LIMIT 1), '{}')`

// reportWhere builds the course, instrument and period conditions of f;
// timeColumn is the column the period bounds.
func reportWhere(f tracker.ReportFilter, timeColumn string, instrument bool) (string, []any) {
	var conds []string
	var args []any
	if f.PlatformID != 0 {
		conds, args = append(conds, "a.platform_id = ?"), append(args, f.PlatformID)
	}
	if f.ContextID != "" {
		conds, args = append(conds, "a.context_id = ?"), append(args, f.ContextID)
	}
	if instrument && f.InstrumentID != "" {
		conds, args = append(conds, "l.instrument_id = ?"), append(args, f.InstrumentID)
		if f.InstrumentVersion != 0 {
			conds, args = append(conds, "l.instrument_version = ?"), append(args, f.InstrumentVersion)
		}
	}
	if !f.From.IsZero() {
		conds, args = append(conds, timeColumn+" >= ?"), append(args, millis(f.From))
	}
	if !f.To.IsZero() {
		conds, args = append(conds, timeColumn+" < ?"), append(args, millis(f.To))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ReportResponses walks the selected responses with their answers, by
// platform, course, learner and start. The current consent is looked up
// once per response (the MATERIALIZED selection), not once per answer.
func (db *DB) ReportResponses(ctx context.Context, f tracker.ReportFilter, fn func(*tracker.ReportResponse) error) error {
	where, args := reportWhere(f, "l.started_at", true)
	join := "LEFT JOIN answers ans ON ans.response_id = s.id"
	if f.Items != nil {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.Items)), ", ")
		if len(f.Items) == 0 {
			marks = "NULL"
		}
		join += " AND ans.item_id IN (" + marks + ")"
		for _, it := range f.Items {
			args = append(args, it)
		}
	}
	rows, err := db.reader.QueryContext(ctx, `WITH s AS MATERIALIZED (
			SELECT l.id, l.learner, a.platform_id, a.context_id, a.context_title, l.activity_id,
				l.instrument_id, l.instrument_version, l.status, l.started_at, l.completed_at,
				`+currentPurposes+` AS purposes
			FROM responses l JOIN activities a ON a.id = l.activity_id`+where+`)
		SELECT s.*, ans.item_id, ans.value FROM s `+join+`
		ORDER BY s.platform_id, s.context_id, s.learner, s.started_at, s.id`, args...)
	if err != nil {
		return fmt.Errorf("report responses: %w", err)
	}
	defer rows.Close()
	var cur *tracker.ReportResponse
	for rows.Next() {
		var (
			r                tracker.ReportResponse
			status, purposes string
			started          int64
			completed        sql.NullInt64
			item, value      sql.NullString
		)
		err := rows.Scan(&r.ID, &r.Learner, &r.PlatformID, &r.ContextID, &r.ContextTitle, &r.ActivityID,
			&r.InstrumentID, &r.InstrumentVersion, &status, &started, &completed, &purposes, &item, &value)
		if err != nil {
			return fmt.Errorf("report responses: %w", err)
		}
		if cur == nil || cur.ID != r.ID {
			if cur != nil {
				if err := fn(cur); err != nil {
					return err
				}
			}
			r.Status, r.StartedAt, r.CompletedAt = tracker.ResponseStatus(status), timeOf(started), nullTime(completed)
			if err := json.Unmarshal([]byte(purposes), &r.Purposes); err != nil {
				return fmt.Errorf("report responses: response %d purposes: %w", r.ID, err)
			}
			r.Answers = map[string]tracker.Answer{}
			cur = &r
		}
		if item.Valid {
			var a tracker.Answer
			if err := json.Unmarshal([]byte(value.String), &a); err != nil {
				return fmt.Errorf("report responses: response %d item %s: %w", r.ID, item.String, err)
			}
			cur.Answers[item.String] = a
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report responses: %w", err)
	}
	if cur != nil {
		return fn(cur)
	}
	return nil
}

// ReportParticipants walks the learners who opened the selected courses'
// activities, once per course, with their first launch there.
func (db *DB) ReportParticipants(ctx context.Context, f tracker.ReportFilter, fn func(*tracker.Participant) error) error {
	where, args := reportWhere(tracker.ReportFilter{PlatformID: f.PlatformID, ContextID: f.ContextID}, "", false)
	having, hargs := reportWhere(tracker.ReportFilter{From: f.From, To: f.To}, "MIN(l.first_launch_at)", false)
	rows, err := db.reader.QueryContext(ctx, `SELECT a.platform_id, a.context_id, l.learner,
			MIN(l.first_launch_at), `+currentPurposes+`
		FROM activity_learners l JOIN activities a ON a.id = l.activity_id`+where+`
		GROUP BY a.platform_id, a.context_id, l.learner`+strings.Replace(having, " WHERE ", " HAVING ", 1)+`
		ORDER BY a.platform_id, a.context_id, l.learner`, append(args, hargs...)...)
	if err != nil {
		return fmt.Errorf("report participants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			p        tracker.Participant
			first    int64
			purposes string
		)
		if err := rows.Scan(&p.PlatformID, &p.ContextID, &p.Learner, &first, &purposes); err != nil {
			return fmt.Errorf("report participants: %w", err)
		}
		if err := json.Unmarshal([]byte(purposes), &p.Purposes); err != nil {
			return fmt.Errorf("report participants: purposes: %w", err)
		}
		p.FirstLaunchAt = timeOf(first)
		if err := fn(&p); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report participants: %w", err)
	}
	return nil
}

// ReportCourses lists the courses with activities; with an instrument in
// f, only those where it was answered.
func (db *DB) ReportCourses(ctx context.Context, f tracker.ReportFilter) ([]tracker.CourseRef, error) {
	where, args := reportWhere(tracker.ReportFilter{PlatformID: f.PlatformID, ContextID: f.ContextID}, "", false)
	if f.InstrumentID != "" {
		cond := "EXISTS (SELECT 1 FROM responses l WHERE l.activity_id = a.id AND l.instrument_id = ?)"
		if where == "" {
			where = " WHERE " + cond
		} else {
			where += " AND " + cond
		}
		args = append(args, f.InstrumentID)
	}
	rows, err := db.reader.QueryContext(ctx, `SELECT a.platform_id, p.issuer, a.context_id, MAX(a.context_title)
		FROM activities a JOIN platforms p ON p.id = a.platform_id`+where+`
		GROUP BY a.platform_id, p.issuer, a.context_id ORDER BY a.platform_id, a.context_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("report courses: %w", err)
	}
	defer rows.Close()
	var out []tracker.CourseRef
	for rows.Next() {
		var c tracker.CourseRef
		if err := rows.Scan(&c.PlatformID, &c.Issuer, &c.ContextID, &c.Title); err != nil {
			return nil, fmt.Errorf("report courses: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
