package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/astre-lti/astre/tracker"
)

// SaveResponse creates or updates the learner's response in the activity,
// setting r.ID. The response row is upserted by (learner, activity): status,
// page, UpdatedAt (now when zero) and CompletedAt follow r; the instrument
// version and StartedAt stay those of the first save, since the stored
// answers mean what that version asked, and r gets them back. Then each
// item of itemIDs gets r.Answers' entry, or loses its stored answer when
// r.Answers has none or an empty one; answers to other items are untouched.
//
// It is one write transaction: concurrent saves (two tabs submitting the
// same page) queue on the single writer connection, and the last one
// leaves its whole page, never a mixture. The follow-up waves then (for
// a completion; nil: none) and the outbox items out (a score) commit in
// the same transaction, so a completion never stands without them.
// ErrNotFound when the activity is absent.
func (db *DB) SaveResponse(ctx context.Context, r *tracker.Response, itemIDs []string, then *tracker.FollowupSchedule, out ...*tracker.OutboxItem) error {
	started, updated := stamp(r.StartedAt, db.now), stamp(r.UpdatedAt, db.now)
	values := make(map[string]string, len(itemIDs))
	for _, item := range itemIDs {
		a, ok := r.Answers[item]
		if !ok || a.Empty() {
			continue
		}
		b, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("save response of %s in activity %d: item %s: %w", r.Learner, r.ActivityID, item, err)
		}
		values[item] = string(b)
	}
	var (
		id, startedMS  int64
		instrumentID   string
		instrumentVers int
	)
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO responses (learner, activity_id, instrument_id,
			instrument_version, status, page, started_at, updated_at, completed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (learner, activity_id) DO UPDATE SET status = excluded.status,
				page = excluded.page, updated_at = excluded.updated_at,
				completed_at = excluded.completed_at
			RETURNING id, instrument_id, instrument_version, started_at`,
			r.Learner, r.ActivityID, r.InstrumentID, r.InstrumentVersion, string(r.Status), r.Page,
			millis(started), millis(updated), nullMillis(r.CompletedAt),
		).Scan(&id, &instrumentID, &instrumentVers, &startedMS)
		if err != nil {
			return err
		}
		if err := saveAnswers(ctx, tx, id, itemIDs, values, millis(updated)); err != nil {
			return err
		}
		if then != nil {
			if err := scheduleFollowups(ctx, tx, r.ActivityID, then); err != nil {
				return fmt.Errorf("follow-ups: %w", err)
			}
		}
		return enqueueAll(ctx, tx, out, db.now)
	})
	if err != nil {
		return fmt.Errorf("save response of %s in activity %d: %w", r.Learner, r.ActivityID, err)
	}
	r.ID, r.StartedAt, r.UpdatedAt = id, timeOf(startedMS), updated
	r.InstrumentID, r.InstrumentVersion = instrumentID, instrumentVers
	return nil
}

// answerRowsPerStatement bounds the rows of one statement of saveAnswers,
// far below any database's limit on bound values (4 per row).
const answerRowsPerStatement = 100

// saveAnswers upserts the answer to each of items that values has and
// deletes the others' stored answers, in one statement of each kind per
// up to answerRowsPerStatement items: a page's answers were one statement
// per item, a fifth of a survey page's write.
func saveAnswers(ctx context.Context, tx *sql.Tx, responseID int64, items []string, values map[string]string, updated int64) error {
	var upsert, remove []any
	for _, item := range items {
		if value, ok := values[item]; ok {
			upsert = append(upsert, responseID, item, value, updated)
		} else {
			remove = append(remove, item)
		}
	}
	for len(upsert) > 0 {
		n := min(len(upsert)/4, answerRowsPerStatement)
		if _, err := tx.ExecContext(ctx, `INSERT INTO answers (response_id, item_id, value, updated_at)
			VALUES `+placeholders("(?, ?, ?, ?)", n)+`
			ON CONFLICT (response_id, item_id) DO UPDATE SET value = excluded.value,
				updated_at = excluded.updated_at`, upsert[:4*n]...); err != nil {
			return fmt.Errorf("answers: %w", err)
		}
		upsert = upsert[4*n:]
	}
	for len(remove) > 0 {
		n := min(len(remove), answerRowsPerStatement)
		args := append([]any{responseID}, remove[:n]...)
		if _, err := tx.ExecContext(ctx, `DELETE FROM answers WHERE response_id = ? AND item_id IN (`+placeholders("?", n)+`)`, args...); err != nil {
			return fmt.Errorf("answers removed: %w", err)
		}
		remove = remove[n:]
	}
	return nil
}

const responseColumns = `r.id, r.learner, r.activity_id, r.instrument_id, r.instrument_version,
	r.status, r.page, r.started_at, r.updated_at, r.completed_at`

// Response loads the learner's response in an activity with its answers.
// ErrNotFound when there is none.
func (db *DB) Response(ctx context.Context, learner string, activityID int64) (*tracker.Response, error) {
	rs, err := db.responses(ctx, "WHERE r.learner = ? AND r.activity_id = ?", learner, activityID)
	if err == nil && len(rs) == 0 {
		err = tracker.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("response of %s in activity %d: %w", learner, activityID, err)
	}
	return &rs[0].Response, nil
}

// LearnerResponses lists every response of a learner with where it was
// given, answers included, oldest first.
func (db *DB) LearnerResponses(ctx context.Context, learner string) ([]tracker.ResponseSummary, error) {
	rs, err := db.responses(ctx, "WHERE r.learner = ?", learner)
	if err != nil {
		return nil, fmt.Errorf("responses of %s: %w", learner, err)
	}
	return rs, nil
}

// responses reads responses, their activity and their answers in one
// query, so that all come from the same snapshot, oldest response first.
// where is a constant filter.
func (db *DB) responses(ctx context.Context, where string, args ...any) ([]tracker.ResponseSummary, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT `+responseColumns+`,
		a.context_id, a.context_title, a.title, a.platform_id, ans.item_id, ans.value
		FROM responses r JOIN activities a ON a.id = r.activity_id
		LEFT JOIN answers ans ON ans.response_id = r.id `+where+`
		ORDER BY r.started_at, r.id, ans.item_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var rs []tracker.ResponseSummary
	for rows.Next() {
		var (
			s                tracker.ResponseSummary
			status           string
			started, updated int64
			completed        sql.NullInt64
			item, value      sql.NullString
		)
		err := rows.Scan(&s.ID, &s.Learner, &s.ActivityID, &s.InstrumentID, &s.InstrumentVersion,
			&status, &s.Page, &started, &updated, &completed,
			&s.ContextID, &s.ContextTitle, &s.ActivityTitle, &s.PlatformID, &item, &value)
		if err != nil {
			return nil, err
		}
		if n := len(rs); n == 0 || rs[n-1].ID != s.ID {
			s.Status = tracker.ResponseStatus(status)
			s.StartedAt, s.UpdatedAt, s.CompletedAt = timeOf(started), timeOf(updated), nullTime(completed)
			s.Answers = map[string]tracker.Answer{}
			rs = append(rs, s)
		}
		if item.Valid {
			var a tracker.Answer
			if err := json.Unmarshal([]byte(value.String), &a); err != nil {
				return nil, fmt.Errorf("response %d item %s: %w", s.ID, item.String, err)
			}
			rs[len(rs)-1].Answers[item.String] = a
		}
	}
	return rs, rows.Err()
}
