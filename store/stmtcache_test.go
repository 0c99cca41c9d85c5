package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

const versionsQuery = `SELECT version FROM schema_migrations ORDER BY version`

// versions reads versionsQuery in tx, running the same query again for
// each row while the outer rows are still open when nested is set.
func versions(t *testing.T, tx *sql.Tx, nested bool) []int {
	t.Helper()
	rows, err := tx.Query(versionsQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
		if len(got) > 1000 {
			t.Fatal("the rows never end: the statement was reset under them")
		}
		if nested {
			if inner := versions(t, tx, false); len(inner) == 0 {
				t.Fatal("the nested query read no rows")
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestStmtCacheNestedSameQuery runs a query while the same query's rows
// are open on the same connection: the cached statement is busy, so the
// inner query must get its own, and the outer one reads every row once.
func TestStmtCacheNestedSameQuery(t *testing.T) {
	db := newDB(t)
	tx, err := db.writer.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	want := versions(t, tx, false)
	if len(want) < 2 {
		t.Fatalf("got %d migrations, want at least 2 for this test", len(want))
	}
	if got := versions(t, tx, true); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("outer rows with a nested query: got %v, want %v", got, want)
	}
}

// TestStmtCacheReuses checks that a query run twice is prepared once and
// is free again after its rows are closed.
func TestStmtCacheReuses(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var first *cachedStmt
	for i := range 2 {
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version > ?`, 0).Scan(&n); err != nil {
			t.Fatal(err)
		}
		err := conn.Raw(func(dc any) error {
			c, ok := dc.(*cachingConn)
			if !ok {
				return fmt.Errorf("driver connection is %T, want *cachingConn", dc)
			}
			s := c.stmts[`SELECT COUNT(*) FROM schema_migrations WHERE version > ?`]
			switch {
			case s == nil:
				return fmt.Errorf("run %d: the statement is not cached", i)
			case s.busy:
				return fmt.Errorf("run %d: the statement is still busy after its row was read", i)
			case first != nil && s != first:
				return fmt.Errorf("run %d: prepared again", i)
			}
			first = s
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkLoginRoundTrip is the store's share of a launch: a login state
// saved at /lti/login and consumed at /lti/launch, two write
// transactions on the single writer connection.
func BenchmarkLoginRoundTrip(b *testing.B) {
	db := newDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		hash := fmt.Sprintf("state-%d", i)
		if err := db.SaveLogin(ctx, loginState(hash, 1, t0, t0.Add(10*time.Minute))); err != nil {
			b.Fatal(err)
		}
		if _, err := db.ConsumeLogin(ctx, hash, t0.Add(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConcurrentWrites is many requests writing at once, as under a
// wave of launches: each operation one small write transaction (a launch
// session) from one of 16 goroutines per CPU.
func BenchmarkConcurrentWrites(b *testing.B) {
	db := newDB(b)
	ctx := context.Background()
	p := addPlatform(b, db, "https://lms.example", "c1", "d1")
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprintf("launch-%d", n.Add(1))
			if err := db.SaveLaunch(ctx, launchSession(id, p.ID, t0.Add(time.Hour))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
