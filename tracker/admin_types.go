package tracker

import (
	"context"
	"time"
)

// Admin is an ASTRE administrator: provider QA staff who read the
// dashboard of every course. The password is kept as a bcrypt hash.
type Admin struct {
	ID           int64
	Username     string
	PasswordHash string
	CreatedAt    time.Time
	LastLoginAt  *time.Time
}

// APIToken lets the provider's QA system read the API. Only the SHA-256
// of the token is stored; the token itself is shown once, at creation.
type APIToken struct {
	ID         int64
	Name       string
	Hash       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// AdminStore is what administrator accounts and API tokens need from
// persistence. Each method is one transaction.
type AdminStore interface {
	// AddAdmin stores a new administrator. ErrConflict when the username exists.
	AddAdmin(ctx context.Context, a *Admin) error
	// Admin loads one by username. ErrNotFound when absent.
	Admin(ctx context.Context, username string) (*Admin, error)
	// SetAdminPassword replaces the hash. ErrNotFound when absent.
	SetAdminPassword(ctx context.Context, username, hash string) error
	// AdminLoggedIn records a login.
	AdminLoggedIn(ctx context.Context, id int64, at time.Time) error

	// AddToken stores a token's hash and name.
	AddToken(ctx context.Context, t *APIToken) error
	// UseToken finds an unrevoked token by hash and records the use.
	// ErrNotFound when unknown or revoked.
	UseToken(ctx context.Context, hash string, at time.Time) (*APIToken, error)
	// Tokens lists every token, revoked ones included.
	Tokens(ctx context.Context) ([]APIToken, error)
	// RevokeToken revokes one. ErrNotFound when absent or already revoked.
	RevokeToken(ctx context.Context, id int64, at time.Time) error
}
