package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
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

// TestMigration7KeepsLaunchRows fills the tables a launch writes at
// schema version 6, then opens the file: every row is still there, the
// nonces and the learners' openings are rebuilt WITHOUT ROWID, the
// platform index of launch sessions is gone, and removing the platform
// still cascades to its launch sessions and its activities' learners.
func TestMigration7KeepsLaunchRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "astre.db")
	old := dbAtVersion(t, path, 6,
		`INSERT INTO platforms (id, issuer, client_id, auth_url, token_url, jwks_url, created_at)
			VALUES (1, 'https://lms.example', 'c1', 'a', 't', 'j', 0)`,
		`INSERT INTO activities (id, platform_id, context_id, resource_link_id, context_title, title,
			instrument_id, graded, show_respondents, created_at, updated_at)
			VALUES (1, 1, 'course', 'link', '', '', 'entry', 0, 0, 0, 0)`,
		`INSERT INTO login_states VALUES ('s1', 'n1', 1, 'https://lms.example', 'c1', 'https://tool/launch',
			'hint', 'mhint', 'd1', '', 'b1', 10, 20, NULL), ('s2', 'n2', 1, 'https://lms.example', 'c1',
			'https://tool/launch', 'hint2', '', 'd1', 'storage', '', 11, 21, 15)`,
		`INSERT INTO used_nonces VALUES ('https://lms.example', 'n0', 30), ('https://lms.example', 'n2', 31)`,
		`INSERT INTO launch_sessions VALUES ('h1', 1, 'd1', 'learner-1', '{"x":1}', 'csrf', 'b1', 1, 40, 50)`,
		`INSERT INTO activity_learners VALUES (1, 'learner-1', 60), (1, 'learner-2', 61)`)
	tables := []string{"login_states", "used_nonces", "launch_sessions", "activity_learners"}
	before := map[string][]string{}
	for _, table := range tables {
		before[table] = tableRows(t, old, table)
	}
	old.Close()

	db := openDB(t, path)
	for _, table := range tables {
		assertEqual(t, table+" rows after migration 7", tableRows(t, db.reader, table), before[table])
	}
	for _, table := range []string{"used_nonces", "activity_learners"} {
		var ddl string
		if err := db.reader.QueryRow(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&ddl); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(ddl, "WITHOUT ROWID") {
			t.Errorf("%s after migration 7: got %q, want a table WITHOUT ROWID", table, ddl)
		}
	}
	var indexes []string
	rows, err := db.reader.Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
		AND tbl_name IN ('login_states', 'used_nonces', 'launch_sessions', 'activity_learners') ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, name)
	}
	rows.Close()
	assertEqual(t, "indexes after migration 7", indexes,
		[]string{"launch_sessions_expires_at", "login_states_expires_at", "used_nonces_expires_at"})

	if _, err := db.writer.Exec(`DELETE FROM platforms WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"launch_sessions", "activity_learners"} {
		if got := tableRows(t, db.reader, table); len(got) != 0 {
			t.Errorf("%s after removing the platform: got %q, want no rows", table, got)
		}
	}
}

// dbAtVersion creates a database at path with the migrations up to
// version only, runs stmts on it and returns it open.
func dbAtVersion(t *testing.T, path string, version int, stmts ...string) *sql.DB {
	t.Helper()
	ctx := context.Background()
	sdb := sql.OpenDB(newCachingConnector(dsn(path, "_txlock=immediate")))
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	last := slices.IndexFunc(ms, func(m migration) bool { return m.version == version })
	if last < 0 {
		t.Fatalf("no migration %d", version)
	}
	if err := migrateThrough(ctx, sdb, ms[:last+1], clock); err != nil {
		t.Fatal(err)
	}
	for _, q := range stmts {
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return sdb
}

// tableRows reads every row of table in primary key order, each as text.
func tableRows(t *testing.T, sdb *sql.DB, table string) []string {
	t.Helper()
	rows, err := sdb.Query(`SELECT * FROM ` + table + ` ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigration8FillsLaunchActivity: the sessions stored before migration
// 8 get their activity's columns from their context.
func TestMigration8FillsLaunchActivity(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "astre.db")
	dbAtVersion(t, path, 7,
		`INSERT INTO platforms (id, issuer, client_id, auth_url, token_url, jwks_url, created_at)
			VALUES (1, 'https://lms.example', 'c1', 'a', 't', 'j', 0)`,
		`INSERT INTO launch_sessions (id_hash, platform_id, deployment_id, learner, context, csrf_token,
			binding_hash, bound, created_at, expires_at) VALUES
			('h1', 1, 'd1', 'L1', '{"iss":"x","context_id":"course-7","resource_link_id":"link-7","lang":"fr"}', 'csrf', '', 1, 0, 99999999999999),
			('h2', 1, 'd1', 'L2', '{"iss":"x","lang":"en"}', 'csrf', '', 1, 0, 99999999999999)`).Close()

	db := openDB(t, path)
	for hash, want := range map[string][2]string{"h1": {"course-7", "link-7"}, "h2": {"", ""}} {
		s, err := db.Launch(ctx, hash, t0)
		if err != nil {
			t.Fatal(err)
		}
		if got := [2]string{s.ContextID, s.ResourceLinkID}; got != want {
			t.Errorf("session %s after migration 8: activity columns %q, want %q", hash, got, want)
		}
	}
}
