package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// t0 is the clock of every test store.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return t0 }

// newDB opens a fresh store in a temporary directory.
func newDB(t testing.TB) *DB {
	t.Helper()
	return openDB(t, filepath.Join(t.TempDir(), "astre.db"))
}

// openDB opens the store at path and closes it when the test ends.
func openDB(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path, clock)
	if err != nil {
		t.Fatalf("Open(%s): got %v, want nil", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func appliedVersions(t *testing.T, db *DB) []int {
	t.Helper()
	rows, err := db.reader.Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

func TestOpenAppliesMigrationsOnce(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for _, m := range ms {
		want = append(want, m.version)
	}
	path := filepath.Join(t.TempDir(), "astre.db")
	for i := range 3 {
		db, err := Open(context.Background(), path, clock)
		if err != nil {
			t.Fatalf("open #%d: got %v, want nil", i+1, err)
		}
		got := appliedVersions(t, db)
		db.Close()
		if !slices.Equal(got, want) {
			t.Fatalf("open #%d: applied versions got %v, want %v", i+1, got, want)
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "astre.db")
	db := openDB(t, path)
	if _, err := db.writer.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err := Open(context.Background(), path, clock); err == nil {
		db.Close()
		t.Fatalf("Open with schema version 9999: got nil error, want one")
	}
}

func TestOpenRefusesNonFilePath(t *testing.T) {
	for _, path := range []string{"", ":memory:", "a.db?mode=memory"} {
		if db, err := Open(context.Background(), path, clock); err == nil {
			db.Close()
			t.Errorf("Open(%q): got nil error, want one", path)
		}
	}
}

func TestOpenKeepsDataAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "astre.db")
	db := openDB(t, path)
	p := &tracker.Platform{Issuer: "https://lms.example", ClientID: "c1", AuthURL: "a", TokenURL: "t", JWKSURL: "j",
		Deployments: []string{"d1"}}
	if err := db.AddPlatform(ctx, p); err != nil {
		t.Fatal(err)
	}
	k := &tracker.ToolKey{KID: "k1", Alg: "RS256", PrivateEnc: []byte{1, 2}, PublicJWK: []byte(`{}`), SignFrom: t0}
	if err := db.AddKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: got %v, want nil", err)
	}

	db = openDB(t, path)
	got, err := db.Platform(ctx, p.Issuer, p.ClientID)
	if err != nil {
		t.Fatalf("Platform after reopen: got %v, want nil", err)
	}
	assertEqual(t, "platform after reopen", *got, *p)
	keys, err := db.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "keys after reopen", keys, []tracker.ToolKey{*k})
}

func TestOpenSetsPragmasOnEveryConnection(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	want := map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "1", "busy_timeout": "5000"}
	pools := []struct {
		name  string
		pool  *sql.DB
		conns int
	}{
		{"writer", db.writer, 1},
		{"reader", db.reader, readers},
	}
	for _, p := range pools {
		// Hold every connection of the pool at once, so each is a distinct one.
		var held []*sql.Conn
		for i := range p.conns {
			c, err := p.pool.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, c)
			for pragma, w := range want {
				var got string
				if err := c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
					t.Fatalf("%s conn %d: PRAGMA %s: %v", p.name, i, pragma, err)
				}
				if got != w {
					t.Errorf("%s conn %d: PRAGMA %s got %q, want %q", p.name, i, pragma, got, w)
				}
			}
		}
		for _, c := range held {
			c.Close()
		}
	}
}

func TestReaderRefusesWrites(t *testing.T) {
	db := newDB(t)
	_, err := db.reader.Exec(`INSERT INTO used_nonces (issuer, nonce, expires_at) VALUES ('i', 'n', 0)`)
	if err == nil {
		t.Fatalf("write through the reader pool: got nil error, want one")
	}
}

func TestPing(t *testing.T) {
	db := newDB(t)
	if err := db.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: got %v, want nil", err)
	}
	db.Close()
	if err := db.Ping(context.Background()); err == nil {
		t.Fatalf("Ping after Close: got nil, want an error")
	}
}

// assertErr checks that err is of kind want (nil for no error).
func assertErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

// assertEqual compares got and want deeply.
func assertEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\ngot  %+v\nwant %+v", what, got, want)
	}
}
