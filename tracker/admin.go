package tracker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/astre-lti/astre/lti"
)

// Accounts manages administrator accounts and API tokens.
type Accounts struct {
	Store AdminStore
	Now   func() time.Time
	// Cost is the bcrypt cost; 0 means bcrypt.DefaultCost. Tests lower it.
	Cost int
}

// Password length limits: bcrypt reads at most 72 bytes.
const (
	MinPasswordLength = 12
	maxPasswordBytes  = 72
)

// dummyHash is compared against when the username is unknown, so that a
// login takes as long whether or not the account exists.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("astre-no-such-admin"), bcrypt.DefaultCost)
	return h
})

func (a *Accounts) hash(password string) (string, error) {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return "", fmt.Errorf("password shorter than %d characters: %w", MinPasswordLength, ErrInvalid)
	}
	if len(password) > maxPasswordBytes {
		return "", fmt.Errorf("password longer than %d bytes: %w", maxPasswordBytes, ErrInvalid)
	}
	cost := a.Cost
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// CreateAdmin adds an administrator. ErrConflict when the username is
// taken, ErrInvalid for an empty username or a too short password.
func (a *Accounts) CreateAdmin(ctx context.Context, username, password string) (*Admin, error) {
	username = strings.TrimSpace(username)
	if username == "" || len(username) > 100 {
		return nil, fmt.Errorf("username must have 1 to 100 characters: %w", ErrInvalid)
	}
	h, err := a.hash(password)
	if err != nil {
		return nil, err
	}
	ad := &Admin{Username: username, PasswordHash: h, CreatedAt: a.Now().UTC()}
	if err := a.Store.AddAdmin(ctx, ad); err != nil {
		return nil, err
	}
	return ad, nil
}

// SetPassword replaces an administrator's password.
func (a *Accounts) SetPassword(ctx context.Context, username, password string) error {
	h, err := a.hash(password)
	if err != nil {
		return err
	}
	return a.Store.SetAdminPassword(ctx, strings.TrimSpace(username), h)
}

// Login checks a username and password. ErrUnauthorized when either is
// wrong, without saying which.
func (a *Accounts) Login(ctx context.Context, username, password string) (*Admin, error) {
	ad, err := a.Store.Admin(ctx, strings.TrimSpace(username))
	if errors.Is(err, ErrNotFound) {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return nil, fmt.Errorf("admin login: %w", ErrUnauthorized)
	}
	if err != nil {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(ad.PasswordHash), []byte(password)) != nil {
		return nil, fmt.Errorf("admin login %s: %w", ad.Username, ErrUnauthorized)
	}
	if err := a.Store.AdminLoggedIn(ctx, ad.ID, a.Now().UTC()); err != nil {
		return nil, err
	}
	return ad, nil
}

// tokenPrefix marks ASTRE API tokens, so that secret scanners find them.
const tokenPrefix = "astre_"

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a new API token named name and returns it: the only
// time it is seen in clear.
func (a *Accounts) CreateToken(ctx context.Context, name string) (string, *APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, fmt.Errorf("token name must not be empty: %w", ErrInvalid)
	}
	token := tokenPrefix + lti.RandomToken()
	t := &APIToken{Name: name, Hash: tokenHash(token), CreatedAt: a.Now().UTC()}
	if err := a.Store.AddToken(ctx, t); err != nil {
		return "", nil, err
	}
	return token, t, nil
}

// CheckToken accepts a valid, unrevoked token. ErrUnauthorized otherwise.
func (a *Accounts) CheckToken(ctx context.Context, token string) (*APIToken, error) {
	if !strings.HasPrefix(token, tokenPrefix) {
		return nil, fmt.Errorf("api token: %w", ErrUnauthorized)
	}
	t, err := a.Store.UseToken(ctx, tokenHash(token), a.Now().UTC())
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("api token: %w", ErrUnauthorized)
	}
	return t, err
}
