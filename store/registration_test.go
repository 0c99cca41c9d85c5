package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

func addLink(t *testing.T, db *DB, hash string, ttl time.Duration) {
	t.Helper()
	l := &tracker.RegistrationLink{TokenHash: hash, CreatedAt: t0, ExpiresAt: t0.Add(ttl)}
	if err := db.AddRegistrationLink(context.Background(), l); err != nil {
		t.Fatalf("AddRegistrationLink(%s): got %v, want nil", hash, err)
	}
}

func dynPlatform(clientID string) *tracker.Platform {
	return &tracker.Platform{
		Issuer: "https://moodle.example.org", ClientID: clientID, AuthURL: "https://moodle.example.org/mod/lti/auth.php",
		TokenURL: "https://moodle.example.org/mod/lti/token.php", JWKSURL: "https://moodle.example.org/mod/lti/certs.php",
		Deployments: []string{"2"},
	}
}

func TestRegisterPlatformConsumesLink(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	addLink(t, db, "h1", time.Hour)
	if err := db.AddRegistrationLink(ctx, &tracker.RegistrationLink{TokenHash: "h1", ExpiresAt: t0}); !errors.Is(err, tracker.ErrConflict) {
		t.Errorf("same hash twice: got %v, want ErrConflict", err)
	}
	now := t0.Add(time.Minute)
	if err := db.RegisterPlatform(ctx, dynPlatform("c1"), "h1", now); err != nil {
		t.Fatalf("RegisterPlatform: got %v, want nil", err)
	}
	l, err := db.RegistrationLink(ctx, "h1")
	if err != nil || l.UsedAt == nil || !l.UsedAt.Equal(now) || !l.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("link after use: got %+v, %v; want used at %v", l, err, now)
	}
	p, err := db.Platform(ctx, "https://moodle.example.org", "c1")
	if err != nil || len(p.Deployments) != 1 || p.Deployments[0] != "2" {
		t.Fatalf("platform: got %+v, %v", p, err)
	}
	if _, err := db.RegistrationLink(ctx, "nope"); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("unknown link: got %v, want ErrNotFound", err)
	}
}

func TestRegisterPlatformRefusesBadLinks(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	addLink(t, db, "used", time.Hour)
	addLink(t, db, "expired", time.Minute)
	if err := db.RegisterPlatform(ctx, dynPlatform("first"), "used", t0); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		hash string
		want error
	}{
		{"used", tracker.ErrReplayed},
		{"expired", tracker.ErrExpired},
		{"unknown", tracker.ErrNotFound},
	} {
		err := db.RegisterPlatform(ctx, dynPlatform("c-"+tc.hash), tc.hash, t0.Add(time.Minute))
		if !errors.Is(err, tc.want) {
			t.Errorf("%s link: got %v, want %v", tc.hash, err, tc.want)
		}
		if _, err := db.Platform(ctx, "https://moodle.example.org", "c-"+tc.hash); !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("%s link: the platform was stored (%v)", tc.hash, err)
		}
	}
	// Without a link (allow-listed host) nothing is claimed.
	if err := db.RegisterPlatform(ctx, dynPlatform("allowed"), "", t0); err != nil {
		t.Errorf("no link: got %v, want nil", err)
	}
}

func TestRegisterPlatformLinkUsedOnce(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	addLink(t, db, "h", time.Hour)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.RegisterPlatform(ctx, dynPlatform("c"+string(rune('a'+i))), "h", t0)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, tracker.ErrReplayed):
			t.Errorf("got %v, want nil or ErrReplayed", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d registrations used the link, want 1", ok)
	}
}
