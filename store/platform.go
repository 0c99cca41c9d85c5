package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// AddPlatform stores p and its deployments in one transaction and sets p.ID
// (and p.CreatedAt when it was zero). ErrConflict when (issuer, client_id)
// is registered already or a deployment id repeats.
func (db *DB) AddPlatform(ctx context.Context, p *tracker.Platform) error {
	created := stamp(p.CreatedAt, db.now)
	var id int64
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		id, err = insertPlatform(ctx, tx, p, created)
		return err
	})
	if err != nil {
		return fmt.Errorf("add platform %s %s: %w", p.Issuer, p.ClientID, err)
	}
	p.ID, p.CreatedAt = id, created
	return nil
}

// insertPlatform inserts a registration and its deployments and returns its id.
func insertPlatform(ctx context.Context, tx *sql.Tx, p *tracker.Platform, created time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO platforms
		(issuer, client_id, auth_url, token_url, jwks_url, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Issuer, p.ClientID, p.AuthURL, p.TokenURL, p.JWKSURL, millis(created)).Scan(&id)
	if err != nil {
		return 0, err
	}
	for _, d := range p.Deployments {
		if err := insertDeployment(ctx, tx, id, d); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// Platforms lists every registration with its deployments, by issuer then
// client_id.
func (db *DB) Platforms(ctx context.Context) ([]tracker.Platform, error) {
	ps, err := db.platforms(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("list platforms: %w", err)
	}
	return ps, nil
}

// PlatformsByIssuer lists the registrations of one issuer, by client_id.
func (db *DB) PlatformsByIssuer(ctx context.Context, issuer string) ([]tracker.Platform, error) {
	ps, err := db.platforms(ctx, "WHERE p.issuer = ?", issuer)
	if err != nil {
		return nil, fmt.Errorf("list platforms of %s: %w", issuer, err)
	}
	return ps, nil
}

// Platform finds one registration. ErrNotFound when absent.
func (db *DB) Platform(ctx context.Context, issuer, clientID string) (*tracker.Platform, error) {
	ps, err := db.platforms(ctx, "WHERE p.issuer = ? AND p.client_id = ?", issuer, clientID)
	if err == nil && len(ps) == 0 {
		err = tracker.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("platform %s %s: %w", issuer, clientID, err)
	}
	return &ps[0], nil
}

// platforms reads registrations and their deployments in one query, so the
// two always come from the same snapshot. where is a constant filter.
func (db *DB) platforms(ctx context.Context, where string, args ...any) ([]tracker.Platform, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT p.id, p.issuer, p.client_id, p.auth_url,
		p.token_url, p.jwks_url, p.created_at, d.deployment_id
		FROM platforms p LEFT JOIN deployments d ON d.platform_id = p.id `+where+`
		ORDER BY p.issuer, p.client_id, d.deployment_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ps []tracker.Platform
	for rows.Next() {
		var (
			p          tracker.Platform
			created    int64
			deployment sql.NullString
		)
		err := rows.Scan(&p.ID, &p.Issuer, &p.ClientID, &p.AuthURL, &p.TokenURL, &p.JWKSURL, &created, &deployment)
		if err != nil {
			return nil, err
		}
		if n := len(ps); n == 0 || ps[n-1].ID != p.ID {
			p.CreatedAt = timeOf(created)
			ps = append(ps, p)
		}
		if deployment.Valid {
			last := &ps[len(ps)-1]
			last.Deployments = append(last.Deployments, deployment.String)
		}
	}
	return ps, rows.Err()
}

// RemovePlatform deletes a registration; its deployments and launch
// sessions go with it (ON DELETE CASCADE). ErrNotFound when absent.
func (db *DB) RemovePlatform(ctx context.Context, issuer, clientID string) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM platforms WHERE issuer = ? AND client_id = ?`, issuer, clientID)
		if err != nil {
			return err
		}
		return affected(res)
	})
	if err != nil {
		return fmt.Errorf("remove platform %s %s: %w", issuer, clientID, err)
	}
	return nil
}

// AddDeployment adds a deployment id to a registration. ErrNotFound when
// there is no such platform, ErrConflict when the deployment is present.
func (db *DB) AddDeployment(ctx context.Context, issuer, clientID, deploymentID string) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		id, err := platformID(ctx, tx, issuer, clientID)
		if err != nil {
			return err
		}
		return insertDeployment(ctx, tx, id, deploymentID)
	})
	if err != nil {
		return fmt.Errorf("add deployment %s to %s %s: %w", deploymentID, issuer, clientID, err)
	}
	return nil
}

// RemoveDeployment removes a deployment id from a registration.
// ErrNotFound when the platform or the deployment is absent.
func (db *DB) RemoveDeployment(ctx context.Context, issuer, clientID, deploymentID string) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM deployments WHERE deployment_id = ?
			AND platform_id = (SELECT id FROM platforms WHERE issuer = ? AND client_id = ?)`,
			deploymentID, issuer, clientID)
		if err != nil {
			return err
		}
		return affected(res)
	})
	if err != nil {
		return fmt.Errorf("remove deployment %s from %s %s: %w", deploymentID, issuer, clientID, err)
	}
	return nil
}

func platformID(ctx context.Context, tx *sql.Tx, issuer, clientID string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM platforms WHERE issuer = ? AND client_id = ?`,
		issuer, clientID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, tracker.ErrNotFound
	}
	return id, err
}

func insertDeployment(ctx context.Context, tx *sql.Tx, platformID int64, deploymentID string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO deployments (platform_id, deployment_id) VALUES (?, ?)`,
		platformID, deploymentID)
	return err
}
