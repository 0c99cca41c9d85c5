package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/astre-lti/astre/tracker"
)

var _ tracker.DemoStore = (*DB)(nil)

// BulkLoad inserts launches, consent records and responses with their
// answers in one transaction through prepared statements: the way to
// load many rows fast (synthetic data, imports). It sets the responses'
// IDs. Responses must be new: (learner, activity) must not exist yet.
func (db *DB) BulkLoad(ctx context.Context, b *tracker.Bulk) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		seen, err := tx.PrepareContext(ctx, `INSERT INTO activity_learners (activity_id, learner, first_launch_at)
			VALUES (?, ?, ?) ON CONFLICT (activity_id, learner) DO NOTHING`)
		if err != nil {
			return err
		}
		defer seen.Close()
		for _, s := range b.Seen {
			if _, err := seen.ExecContext(ctx, s.ActivityID, s.Learner, millis(s.At)); err != nil {
				return fmt.Errorf("launch of %s: %w", s.Learner, err)
			}
		}
		if err := bulkConsents(ctx, tx, b.Consents, db); err != nil {
			return err
		}
		return bulkResponses(ctx, tx, b.Responses, db)
	})
	if err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	return nil
}

func bulkConsents(ctx context.Context, tx *sql.Tx, cs []*tracker.Consent, db *DB) error {
	st, err := tx.PrepareContext(ctx, `INSERT INTO consents (learner, platform_id, context_id,
		deployment_id, resource_link_id, text_id, text_version, text_hash, lang, purposes,
		method, created_at, withdrawn_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, c := range cs {
		purposes, err := purposesJSON(c.Purposes)
		if err != nil {
			return err
		}
		created := stamp(c.CreatedAt, db.now)
		err = st.QueryRowContext(ctx, c.Learner, c.PlatformID, c.ContextID, c.DeploymentID, c.ResourceLinkID,
			c.TextID, c.TextVersion, c.TextHash, c.Lang, purposes, c.Method, millis(created), nullMillis(c.WithdrawnAt)).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("consent of %s: %w", c.Learner, err)
		}
	}
	return nil
}

func bulkResponses(ctx context.Context, tx *sql.Tx, rs []*tracker.Response, db *DB) error {
	resp, err := tx.PrepareContext(ctx, `INSERT INTO responses (learner, activity_id, instrument_id,
		instrument_version, status, page, started_at, updated_at, completed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
	if err != nil {
		return err
	}
	defer resp.Close()
	ans, err := tx.PrepareContext(ctx, `INSERT INTO answers (response_id, item_id, value, updated_at) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ans.Close()
	for _, r := range rs {
		started, updated := stamp(r.StartedAt, db.now), stamp(r.UpdatedAt, db.now)
		err := resp.QueryRowContext(ctx, r.Learner, r.ActivityID, r.InstrumentID, r.InstrumentVersion,
			string(r.Status), r.Page, millis(started), millis(updated), nullMillis(r.CompletedAt)).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("response of %s: %w", r.Learner, err)
		}
		for item, a := range r.Answers {
			if a.Empty() {
				continue
			}
			v, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if _, err := ans.ExecContext(ctx, r.ID, item, string(v), millis(updated)); err != nil {
				return fmt.Errorf("response of %s item %s: %w", r.Learner, item, err)
			}
		}
	}
	return nil
}
