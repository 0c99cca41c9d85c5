package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/astre-lti/astre/tracker"
)

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

// currentConsents maps course and learner to the purposes of the
// learner's newest consent record in each selected course. One ordered
// scan of the consents costs far less than looking the current one up
// for every response.
func (db *DB) currentConsents(ctx context.Context, f tracker.ReportFilter) (map[string]map[tracker.Purpose]bool, error) {
	where, args := reportWhere(tracker.ReportFilter{PlatformID: f.PlatformID, ContextID: f.ContextID}, "", false)
	where = strings.ReplaceAll(where, "a.", "c.")
	rows, err := db.reader.QueryContext(ctx, `SELECT c.learner, c.platform_id, c.context_id, c.purposes
		FROM consents c`+where+` ORDER BY c.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[tracker.Purpose]bool{}
	raw := map[string]string{}
	for rows.Next() {
		var (
			learner, contextID, purposes string
			platformID                   int64
		)
		if err := rows.Scan(&learner, &platformID, &contextID, &purposes); err != nil {
			return nil, err
		}
		raw[consentKey(platformID, contextID, learner)] = purposes // newest last
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	parsed := map[string]map[tracker.Purpose]bool{} // few distinct purpose sets
	for k, v := range raw {
		p, ok := parsed[v]
		if !ok {
			if err := json.Unmarshal([]byte(v), &p); err != nil {
				return nil, fmt.Errorf("consent of %s: purposes: %w", k, err)
			}
			parsed[v] = p
		}
		out[k] = p
	}
	return out, nil
}

func consentKey(platformID int64, contextID, learner string) string {
	return fmt.Sprintf("%d\x00%s\x00%s", platformID, contextID, learner)
}

// ReportResponses walks the selected responses with their answers, course
// by course. The order follows the indexes (a course's activities, their
// responses, each response's answers), so SQLite streams the rows without
// sorting them. Purposes maps are shared between responses: read only.
func (db *DB) ReportResponses(ctx context.Context, f tracker.ReportFilter, fn func(*tracker.ReportResponse) error) error {
	consents, err := db.currentConsents(ctx, f)
	if err != nil {
		return fmt.Errorf("report responses: %w", err)
	}
	where, args := reportWhere(f, "l.started_at", true)
	join := "LEFT JOIN answers ans ON ans.response_id = l.id"
	if f.Items != nil {
		marks := placeholders("?", len(f.Items))
		if len(f.Items) == 0 {
			marks = "NULL"
		}
		join += " AND ans.item_id IN (" + marks + ")"
		items := make([]any, len(f.Items))
		for i, it := range f.Items {
			items[i] = it
		}
		args = append(items, args...)
	}
	rows, err := db.reader.QueryContext(ctx, `SELECT l.id, l.learner, a.platform_id, a.context_id, a.context_title,
			l.activity_id, l.instrument_id, l.instrument_version, l.status, l.started_at, l.completed_at,
			ans.item_id, ans.value
		FROM activities a JOIN responses l ON l.activity_id = a.id `+join+where+`
		ORDER BY a.platform_id, a.context_id, a.id, l.id, ans.item_id`, args...)
	if err != nil {
		return fmt.Errorf("report responses: %w", err)
	}
	defer rows.Close()
	none := map[tracker.Purpose]bool{}
	var cur *tracker.ReportResponse
	for rows.Next() {
		var (
			r           tracker.ReportResponse
			status      string
			started     int64
			completed   sql.NullInt64
			item, value sql.NullString
		)
		err := rows.Scan(&r.ID, &r.Learner, &r.PlatformID, &r.ContextID, &r.ContextTitle, &r.ActivityID,
			&r.InstrumentID, &r.InstrumentVersion, &status, &started, &completed, &item, &value)
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
			r.Purposes = consents[consentKey(r.PlatformID, r.ContextID, r.Learner)]
			if r.Purposes == nil {
				r.Purposes = none
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
	consents, err := db.currentConsents(ctx, f)
	if err != nil {
		return fmt.Errorf("report participants: %w", err)
	}
	where, args := reportWhere(tracker.ReportFilter{PlatformID: f.PlatformID, ContextID: f.ContextID}, "", false)
	having, hargs := reportWhere(tracker.ReportFilter{From: f.From, To: f.To}, "MIN(l.first_launch_at)", false)
	rows, err := db.reader.QueryContext(ctx, `SELECT a.platform_id, a.context_id, l.learner, MIN(l.first_launch_at)
		FROM activity_learners l JOIN activities a ON a.id = l.activity_id`+where+`
		GROUP BY a.platform_id, a.context_id, l.learner`+strings.Replace(having, " WHERE ", " HAVING ", 1)+`
		ORDER BY a.platform_id, a.context_id, l.learner`, append(args, hargs...)...)
	if err != nil {
		return fmt.Errorf("report participants: %w", err)
	}
	defer rows.Close()
	none := map[tracker.Purpose]bool{}
	for rows.Next() {
		var (
			p     tracker.Participant
			first int64
		)
		if err := rows.Scan(&p.PlatformID, &p.ContextID, &p.Learner, &first); err != nil {
			return fmt.Errorf("report participants: %w", err)
		}
		p.Purposes = consents[consentKey(p.PlatformID, p.ContextID, p.Learner)]
		if p.Purposes == nil {
			p.Purposes = none
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
