package tracker_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/astre-lti/astre/tracker"
)

func accounts(t *testing.T) *tracker.Accounts {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }
	return &tracker.Accounts{Store: openStore(t, now), Now: now, Cost: bcrypt.MinCost}
}

func TestAdminLogin(t *testing.T) {
	a := accounts(t)
	ctx := context.Background()
	if _, err := a.CreateAdmin(ctx, "qa", "short"); !errors.Is(err, tracker.ErrInvalid) {
		t.Errorf("short password: got %v, want ErrInvalid", err)
	}
	ad, err := a.CreateAdmin(ctx, "qa", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ad.PasswordHash, "horse") || !strings.HasPrefix(ad.PasswordHash, "$2") {
		t.Errorf("stored %q: want a bcrypt hash", ad.PasswordHash)
	}
	if _, err := a.CreateAdmin(ctx, "qa", "another long password"); !errors.Is(err, tracker.ErrConflict) {
		t.Errorf("same username twice: got %v, want ErrConflict", err)
	}
	for _, tc := range []struct{ user, pass string }{{"qa", "wrong password!!"}, {"nobody", "correct horse battery"}, {"qa", ""}} {
		if _, err := a.Login(ctx, tc.user, tc.pass); !errors.Is(err, tracker.ErrUnauthorized) {
			t.Errorf("login %q/%q: got %v, want ErrUnauthorized", tc.user, tc.pass, err)
		}
	}
	if got, err := a.Login(ctx, " qa ", "correct horse battery"); err != nil || got.Username != "qa" {
		t.Errorf("login: got %v, %v", got, err)
	}
	if err := a.SetPassword(ctx, "qa", "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Login(ctx, "qa", "correct horse battery"); !errors.Is(err, tracker.ErrUnauthorized) {
		t.Error("the old password still works")
	}
}

func TestAPITokens(t *testing.T) {
	a := accounts(t)
	ctx := context.Background()
	token, tok, err := a.CreateToken(ctx, "QA system")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(tok.Hash, token) || len(token) < 40 {
		t.Errorf("token %q, hash %q: want a long token stored only as a hash", token, tok.Hash)
	}
	if _, err := a.CheckToken(ctx, token); err != nil {
		t.Errorf("valid token: %v", err)
	}
	for _, bad := range []string{"", "astre_wrong", token + "x", strings.TrimPrefix(token, "astre_")} {
		if _, err := a.CheckToken(ctx, bad); !errors.Is(err, tracker.ErrUnauthorized) {
			t.Errorf("token %q: got %v, want ErrUnauthorized", bad, err)
		}
	}
	if err := a.Store.RevokeToken(ctx, tok.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CheckToken(ctx, token); !errors.Is(err, tracker.ErrUnauthorized) {
		t.Errorf("revoked token: got %v, want ErrUnauthorized", err)
	}
	list, err := a.Store.Tokens(ctx)
	if err != nil || len(list) != 1 || list[0].RevokedAt == nil || list[0].LastUsedAt == nil {
		t.Errorf("tokens: got %+v, %v; want one, used and revoked", list, err)
	}
}
