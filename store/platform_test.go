package store

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/astre-lti/astre/tracker"
)

// addPlatform registers issuer/clientID with deployments or fails the test.
func addPlatform(t testing.TB, db *DB, issuer, clientID string, deployments ...string) *tracker.Platform {
	t.Helper()
	p := &tracker.Platform{
		Issuer: issuer, ClientID: clientID, Deployments: deployments,
		AuthURL: issuer + "/auth", TokenURL: issuer + "/token", JWKSURL: issuer + "/jwks",
	}
	if err := db.AddPlatform(context.Background(), p); err != nil {
		t.Fatalf("AddPlatform(%s, %s): got %v, want nil", issuer, clientID, err)
	}
	return p
}

func TestAddPlatform(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://moodle.example", "c1", "d2", "d1")
	if p.ID <= 0 {
		t.Errorf("ID got %d, want > 0", p.ID)
	}
	if !p.CreatedAt.Equal(t0) {
		t.Errorf("CreatedAt got %v, want %v", p.CreatedAt, t0)
	}
	got, err := db.Platform(ctx, p.Issuer, p.ClientID)
	if err != nil {
		t.Fatalf("Platform: got %v, want nil", err)
	}
	want := *p
	want.Deployments = []string{"d1", "d2"} // sorted on the way out
	assertEqual(t, "Platform", *got, want)

	bare := addPlatform(t, db, "https://moodle.example", "c2")
	got, err = db.Platform(ctx, bare.Issuer, bare.ClientID)
	if err != nil {
		t.Fatalf("Platform without deployments: got %v, want nil", err)
	}
	assertEqual(t, "Platform without deployments", *got, *bare)
}

func TestPlatformsOrder(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	addPlatform(t, db, "https://b.example", "c1", "x")
	addPlatform(t, db, "https://a.example", "c2", "y", "z")
	addPlatform(t, db, "https://a.example", "c1")

	type key struct{ issuer, clientID, deployments string }
	keys := func(ps []tracker.Platform) []key {
		var ks []key
		for _, p := range ps {
			ks = append(ks, key{p.Issuer, p.ClientID, strings.Join(p.Deployments, ",")})
		}
		return ks
	}
	all, err := db.Platforms(ctx)
	if err != nil {
		t.Fatalf("Platforms: got %v, want nil", err)
	}
	assertEqual(t, "Platforms", keys(all), []key{
		{"https://a.example", "c1", ""},
		{"https://a.example", "c2", "y,z"},
		{"https://b.example", "c1", "x"},
	})
	byIssuer, err := db.PlatformsByIssuer(ctx, "https://a.example")
	if err != nil {
		t.Fatalf("PlatformsByIssuer: got %v, want nil", err)
	}
	assertEqual(t, "PlatformsByIssuer", keys(byIssuer), []key{
		{"https://a.example", "c1", ""},
		{"https://a.example", "c2", "y,z"},
	})
	none, err := db.PlatformsByIssuer(ctx, "https://nobody.example")
	if err != nil || len(none) != 0 {
		t.Fatalf("PlatformsByIssuer(unknown): got %v, %v, want none, nil", none, err)
	}
}

func TestDeployments(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	if err := db.AddDeployment(ctx, p.Issuer, p.ClientID, "d0"); err != nil {
		t.Fatalf("AddDeployment: got %v, want nil", err)
	}
	if err := db.RemoveDeployment(ctx, p.Issuer, p.ClientID, "d1"); err != nil {
		t.Fatalf("RemoveDeployment: got %v, want nil", err)
	}
	got, err := db.Platform(ctx, p.Issuer, p.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"d0"}; !slices.Equal(got.Deployments, want) {
		t.Errorf("Deployments got %v, want %v", got.Deployments, want)
	}
}

func TestPlatformErrors(t *testing.T) {
	const iss, cid = "https://lms.example", "c1"
	tests := []struct {
		name string
		do   func(context.Context, *DB) error
		want error
	}{
		{"duplicate platform", func(ctx context.Context, db *DB) error {
			return db.AddPlatform(ctx, &tracker.Platform{Issuer: iss, ClientID: cid})
		}, tracker.ErrConflict},
		{"same client id, other issuer", func(ctx context.Context, db *DB) error {
			return db.AddPlatform(ctx, &tracker.Platform{Issuer: "https://other.example", ClientID: cid})
		}, nil},
		{"duplicate deployment", func(ctx context.Context, db *DB) error {
			return db.AddDeployment(ctx, iss, cid, "d1")
		}, tracker.ErrConflict},
		{"deployment of missing platform", func(ctx context.Context, db *DB) error {
			return db.AddDeployment(ctx, iss, "nope", "d1")
		}, tracker.ErrNotFound},
		{"missing platform", func(ctx context.Context, db *DB) error {
			_, err := db.Platform(ctx, iss, "nope")
			return err
		}, tracker.ErrNotFound},
		{"remove missing platform", func(ctx context.Context, db *DB) error {
			return db.RemovePlatform(ctx, iss, "nope")
		}, tracker.ErrNotFound},
		{"remove missing deployment", func(ctx context.Context, db *DB) error {
			return db.RemoveDeployment(ctx, iss, cid, "nope")
		}, tracker.ErrNotFound},
		{"remove deployment of missing platform", func(ctx context.Context, db *DB) error {
			return db.RemoveDeployment(ctx, iss, "nope", "d1")
		}, tracker.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := newDB(t)
			addPlatform(t, db, iss, cid, "d1")
			assertErr(t, tt.name, tt.do(context.Background(), db), tt.want)
		})
	}
}

func TestAddPlatformRollsBackOnDuplicateDeployment(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := &tracker.Platform{Issuer: "https://lms.example", ClientID: "c1", Deployments: []string{"d1", "d1"}}
	assertErr(t, "AddPlatform with a repeated deployment", db.AddPlatform(ctx, p), tracker.ErrConflict)
	_, err := db.Platform(ctx, p.Issuer, p.ClientID)
	assertErr(t, "Platform after the failed add", err, tracker.ErrNotFound)
}

func TestRemovePlatform(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1", "d2")
	keep := addPlatform(t, db, "https://lms.example", "c2", "d1")
	if err := db.RemovePlatform(ctx, p.Issuer, p.ClientID); err != nil {
		t.Fatalf("RemovePlatform: got %v, want nil", err)
	}
	_, err := db.Platform(ctx, p.Issuer, p.ClientID)
	assertErr(t, "Platform after removal", err, tracker.ErrNotFound)
	var n int
	if err := db.reader.QueryRow(`SELECT COUNT(*) FROM deployments WHERE platform_id = ?`, p.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("deployments left of the removed platform: got %d, want 0", n)
	}
	got, err := db.Platform(ctx, keep.Issuer, keep.ClientID)
	if err != nil {
		t.Fatalf("other platform after removal: got %v, want nil", err)
	}
	assertEqual(t, "other platform", *got, *keep)
}
