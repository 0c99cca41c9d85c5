package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

func TestPurgeExpired(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	now := t0.Add(time.Hour)
	// Per table: one row expired before now, one expiring at now, one live.
	expiries := []time.Time{now.Add(-time.Minute), now, now.Add(time.Millisecond)}
	for i, exp := range expiries {
		id := fmt.Sprint(i)
		steps := []error{
			db.SaveLogin(ctx, loginState("s"+id, p.ID, t0, exp)),
			db.StartLaunch(ctx, &tracker.LaunchStart{StateHash: "s" + id, At: t0, Nonce: tracker.UsedNonce{Issuer: p.Issuer, Nonce: "n" + id, ExpiresAt: exp}, Session: launchSession("l"+id, p.ID, exp)}),
			db.SaveBrowserSession(ctx, &tracker.BrowserSession{ID: "b" + id, Name: "n", ExpiresAt: exp}),
			db.AddRegistrationLink(ctx, &tracker.RegistrationLink{TokenHash: "r" + id, CreatedAt: t0, ExpiresAt: exp}),
		}
		for _, err := range steps {
			if err != nil {
				t.Fatalf("seed row %d: %v", i, err)
			}
		}
	}

	n, err := db.PurgeExpired(ctx, now)
	if err != nil {
		t.Fatalf("PurgeExpired: got %v, want nil", err)
	}
	if want := int64(2 * len(expiring)); n != want {
		t.Errorf("PurgeExpired removed got %d rows, want %d", n, want)
	}
	for _, table := range expiring {
		var left int
		if err := db.reader.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 1 {
			t.Errorf("%s rows left got %d, want 1", table, left)
		}
	}
	if _, err := db.Launch(ctx, "l2", now); err != nil {
		t.Errorf("live launch after purge: got %v, want nil", err)
	}
	if _, err := db.BrowserSession(ctx, "b2", now); err != nil {
		t.Errorf("live browser session after purge: got %v, want nil", err)
	}
	_, err = db.Login(ctx, "s2", now) // kept, and used by its launch
	assertErr(t, "live login state after purge", err, tracker.ErrReplayed)
	if err := db.SaveLogin(ctx, loginState("s9", p.ID, now, now.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	err = db.StartLaunch(ctx, &tracker.LaunchStart{StateHash: "s9", At: now, Nonce: tracker.UsedNonce{Issuer: p.Issuer, Nonce: "n2", ExpiresAt: now.Add(time.Hour)}, Session: launchSession("l9", p.ID, now.Add(time.Hour))})
	assertErr(t, "live nonce after purge", err, tracker.ErrReplayed)

	n, err = db.PurgeExpired(ctx, now)
	if err != nil || n != 0 {
		t.Errorf("second PurgeExpired: got %d, %v, want 0, nil", n, err)
	}
}
