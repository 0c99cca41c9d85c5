package store

import (
	"context"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

func TestBrowserSession(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	s := &tracker.BrowserSession{ID: "b1", Name: "astre-login", Data: []byte(`{"k":"v"}`), ExpiresAt: t0.Add(time.Hour)}
	if err := db.SaveBrowserSession(ctx, s); err != nil {
		t.Fatalf("SaveBrowserSession: got %v, want nil", err)
	}
	got, err := db.BrowserSession(ctx, "b1", t0)
	if err != nil {
		t.Fatalf("BrowserSession: got %v, want nil", err)
	}
	assertEqual(t, "BrowserSession", *got, *s)

	replaced := &tracker.BrowserSession{ID: "b1", Name: "astre-prefs", Data: []byte(`{}`), ExpiresAt: t0.Add(2 * time.Hour)}
	if err := db.SaveBrowserSession(ctx, replaced); err != nil {
		t.Fatalf("SaveBrowserSession (replace): got %v, want nil", err)
	}
	got, err = db.BrowserSession(ctx, "b1", t0)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "BrowserSession after replace", *got, *replaced)

	if err := db.DeleteBrowserSession(ctx, "b1"); err != nil {
		t.Fatalf("DeleteBrowserSession: got %v, want nil", err)
	}
	_, err = db.BrowserSession(ctx, "b1", t0)
	assertErr(t, "BrowserSession after delete", err, tracker.ErrNotFound)
	assertErr(t, "DeleteBrowserSession(absent)", db.DeleteBrowserSession(ctx, "b1"), nil)
}

func TestBrowserSessionExpiry(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	exp := t0.Add(time.Hour)
	if err := db.SaveBrowserSession(ctx, &tracker.BrowserSession{ID: "b1", Name: "n", ExpiresAt: exp}); err != nil {
		t.Fatalf("SaveBrowserSession with nil data: got %v, want nil", err)
	}
	tests := []struct {
		name string
		id   string
		now  time.Time
		want error
	}{
		{"live", "b1", exp.Add(-time.Millisecond), nil},
		{"at ExpiresAt", "b1", exp, tracker.ErrNotFound},
		{"past ExpiresAt", "b1", exp.Add(time.Hour), tracker.ErrNotFound},
		{"unknown", "nope", t0, tracker.ErrNotFound},
	}
	for _, tt := range tests {
		_, err := db.BrowserSession(ctx, tt.id, tt.now)
		assertErr(t, tt.name, err, tt.want)
	}
}

func launchSession(hash string, platformID int64, expires time.Time) *tracker.LaunchSession {
	return &tracker.LaunchSession{
		IDHash: hash, PlatformID: platformID, Deployment: "d1", Learner: "pseudo-1",
		Context: []byte(`{"course":"c"}`), CSRFToken: "csrf", BindingHash: "bind",
		CreatedAt: t0, ExpiresAt: expires, ContextID: "c", ResourceLinkID: "link-1",
	}
}

func TestLaunch(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	s := launchSession("l1", p.ID, t0.Add(time.Minute))
	if err := db.SaveLaunch(ctx, s); err != nil {
		t.Fatalf("SaveLaunch: got %v, want nil", err)
	}
	got, err := db.Launch(ctx, "l1", t0)
	if err != nil {
		t.Fatalf("Launch: got %v, want nil", err)
	}
	assertEqual(t, "Launch (pending)", *got, *s)

	// Binding confirmed: the same session is saved again, bound and longer.
	s.Bound, s.ExpiresAt, s.Context = true, t0.Add(8*time.Hour), []byte(`{"lang":"fr"}`)
	if err := db.SaveLaunch(ctx, s); err != nil {
		t.Fatalf("SaveLaunch (replace): got %v, want nil", err)
	}
	got, err = db.Launch(ctx, "l1", t0.Add(time.Hour))
	if err != nil {
		t.Fatalf("Launch after replace: got %v, want nil", err)
	}
	assertEqual(t, "Launch (bound)", *got, *s)

	n, err := db.CountLaunches(ctx)
	if err != nil || n != 1 {
		t.Errorf("CountLaunches: got %d, %v, want 1, nil", n, err)
	}
}

func TestLaunchErrors(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	exp := t0.Add(time.Minute)
	if err := db.SaveLaunch(ctx, launchSession("l1", p.ID, exp)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		hash string
		now  time.Time
		want error
	}{
		{"at ExpiresAt", "l1", exp, tracker.ErrNotFound},
		{"past ExpiresAt", "l1", exp.Add(time.Hour), tracker.ErrNotFound},
		{"unknown", "nope", t0, tracker.ErrNotFound},
	}
	for _, tt := range tests {
		_, err := db.Launch(ctx, tt.hash, tt.now)
		assertErr(t, tt.name, err, tt.want)
	}
	err := db.SaveLaunch(ctx, launchSession("l2", p.ID+100, exp))
	assertErr(t, "SaveLaunch for an unknown platform", err, tracker.ErrNotFound)
}

func TestRemovePlatformEndsLaunches(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	gone := addPlatform(t, db, "https://lms.example", "c1", "d1")
	kept := addPlatform(t, db, "https://lms.example", "c2", "d1")
	for _, s := range []*tracker.LaunchSession{
		launchSession("l1", gone.ID, t0.Add(time.Hour)),
		launchSession("l2", kept.ID, t0.Add(time.Hour)),
	} {
		if err := db.SaveLaunch(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.RemovePlatform(ctx, gone.Issuer, gone.ClientID); err != nil {
		t.Fatal(err)
	}
	_, err := db.Launch(ctx, "l1", t0)
	assertErr(t, "Launch of the removed platform", err, tracker.ErrNotFound)
	_, err = db.Launch(ctx, "l2", t0)
	assertErr(t, "Launch of the kept platform", err, nil)
	n, err := db.CountLaunches(ctx)
	if err != nil || n != 1 {
		t.Errorf("CountLaunches: got %d, %v, want 1, nil", n, err)
	}
}
