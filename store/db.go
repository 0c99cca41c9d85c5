// Package store persists what package tracker declares in tracker.Store, in
// one SQLite database file opened through modernc.org/sqlite.
//
// Times are stored as INTEGER milliseconds since the Unix epoch, in UTC.
// They compare and index as plain integers (RFC 3339 text with a variable
// number of fractional digits does not sort correctly), need no parsing, and
// map one to one onto a BIGINT column should the store move to PostgreSQL.
// Precision below a millisecond is dropped on the way in.
//
// A record expires at its ExpiresAt: from that instant on it is expired.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/astre-lti/astre/tracker"
)

var _ tracker.Store = (*DB)(nil)

// DB is the SQLite store. Create it with Open and release it with Close.
type DB struct {
	// writer has exactly one connection, used by the group committer
	// (commit.go) alone: writes queue there for their turn instead of
	// meeting SQLITE_BUSY from each other.
	writer *sql.DB
	// reader is a small pool of query-only connections; under WAL they read
	// a committed snapshot while the writer works.
	reader *sql.DB
	now    func() time.Time

	// checkpointer is the background checkpoints' own connection
	// (checkpoint.go).
	checkpointer     *sql.DB
	writes           chan *writeOp
	closing          chan struct{}
	committerDone    chan struct{}
	checkpointerDone chan struct{}
	closeOnce        sync.Once
	batched          func(size int) // tests: told each batch's size before it runs
}

// readers is the size of the read pool.
const readers = 4

// pragmas are set through the DSN so that every connection a pool opens,
// now or later, gets them, not only the first one.
//
//   - journal_mode(WAL): readers and the writer do not block each other.
//   - synchronous(NORMAL): under WAL a commit is durable across application
//     crashes, since the WAL frames are written before COMMIT returns; only
//     an OS crash or power loss can lose the last commits, and never
//     corrupts the file. FULL would fsync on every commit for no gain we need.
//   - busy_timeout(5000): a checkpoint or another process can still hold a
//     lock briefly; waiting up to 5 s beats failing a request.
//   - foreign_keys(1): SQLite leaves them off, per connection, by default.
//   - wal_autocheckpoint: a commit checkpoints by itself only past this
//     many WAL pages; the background checkpointer (checkpoint.go) does it
//     off the requests' path long before.
var pragmas = []string{
	"busy_timeout(5000)",
	"foreign_keys(1)",
	"journal_mode(WAL)",
	"synchronous(NORMAL)",
	"wal_autocheckpoint(" + strconv.Itoa(walBackstopPages) + ")",
}

// Open opens (creating if needed) the SQLite database file at path and
// applies the migrations it has not seen yet. now stamps the created-at
// values the store fills in itself. path must name a file: the two pools
// would not share an in-memory database.
func Open(ctx context.Context, path string, now func() time.Time) (*DB, error) {
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, ":memory:") {
		return nil, fmt.Errorf("open database %q: want a file path without '?'", path)
	}
	// _txlock=immediate takes the write lock at BEGIN, so a transaction never
	// fails half-way when it upgrades from reading to writing.
	writer := sql.OpenDB(newCachingConnector(dsn(path, "_txlock=immediate")))
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	if err := migrate(ctx, writer, now); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db := &DB{writer: writer, checkpointer: openCheckpointer(path), now: now,
		writes: make(chan *writeOp), closing: make(chan struct{}),
		committerDone: make(chan struct{}), checkpointerDone: make(chan struct{})}
	go db.commitLoop()
	go db.checkpointLoop()
	// The readers open after the writer switched the file to WAL. They use
	// query_only rather than mode=ro: a read-only open of a WAL database
	// fails whenever the -wal and -shm files are absent (SQLite removes them
	// when the last connection closes), while query_only still stops a write
	// from slipping past the writer.
	reader := sql.OpenDB(newCachingConnector(dsn(path, "_pragma=query_only(1)")))
	reader.SetMaxOpenConns(readers)
	reader.SetMaxIdleConns(readers)
	db.reader = reader
	if err := reader.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}

func dsn(path string, extra ...string) string {
	params := make([]string, 0, len(pragmas)+len(extra))
	for _, p := range pragmas {
		params = append(params, "_pragma="+p)
	}
	return path + "?" + strings.Join(append(params, extra...), "&")
}

// Close stops the committer, once the writes it holds are committed, and
// the checkpointer, and closes the connections. Writes after Close fail.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		close(db.closing)
		<-db.committerDone
		<-db.checkpointerDone
	})
	var err error
	if db.reader != nil {
		err = db.reader.Close()
	}
	return errors.Join(err, db.checkpointer.Close(), db.writer.Close())
}

// Ping checks that the database answers on both pools.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("ping writer: %w", err)
	}
	if err := db.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("ping reader: %w", err)
	}
	return nil
}

func inTx(ctx context.Context, sdb *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := sdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return kind(err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", kind(err))
	}
	return nil
}

// kind adds the tracker error kind a SQLite constraint error stands for,
// decided by the extended result code, never the message text. A missing
// foreign key means the referenced row (a platform) is not there.
func kind(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("%w: %w", tracker.ErrConflict, err)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("%w: %w", tracker.ErrNotFound, err)
	}
	return err
}

// affected turns a statement that touched no row into tracker.ErrNotFound.
func affected(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return tracker.ErrNotFound
	}
	return nil
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

// millis is how a time is stored.
func millis(t time.Time) int64 { return t.UnixMilli() }

// timeOf is how a stored time is read back.
func timeOf(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func nullMillis(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: millis(*t), Valid: true}
}

func nullTime(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := timeOf(n.Int64)
	return &t
}

// stamp returns t, or now when t is zero, as it will read back.
func stamp(t time.Time, now func() time.Time) time.Time {
	if t.IsZero() {
		t = now()
	}
	return timeOf(millis(t))
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered file of migrations/.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded migrations in version order. Names start
// with the version: 0001_init.sql.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		prefix, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(prefix)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number", base)
		}
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(body)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", ms[i-1].name, ms[i].name, ms[i].version)
		}
	}
	return ms, nil
}

// migrate applies, each in its own transaction, the migrations the
// database has not recorded yet. Forward only: a database that knows a
// version this binary does not is refused rather than guessed at.
func migrate(ctx context.Context, sdb *sql.DB, now func() time.Time) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return migrateThrough(ctx, sdb, ms, now)
}

// migrateThrough applies ms, the migrations in version order, up to the
// last one given (the tests stop at an older version).
func migrateThrough(ctx context.Context, sdb *sql.DB, ms []migration, now func() time.Time) error {
	_, err := sdb.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`)
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var latest int
	err = sdb.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&latest)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if len(ms) > 0 && latest > ms[len(ms)-1].version {
		return fmt.Errorf("database schema version %d is newer than this program's %d", latest, ms[len(ms)-1].version)
	}
	for _, m := range ms {
		if err := inTx(ctx, sdb, func(tx *sql.Tx) error { return apply(ctx, tx, m, now) }); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// apply runs m unless it is recorded. The check sits inside the (immediate)
// transaction so two processes opening one file cannot both apply it.
func apply(ctx context.Context, tx *sql.Tx, m migration, now func() time.Time) error {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n)
	if err != nil || n > 0 {
		return err
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		m.version, millis(now().UTC()))
	return err
}
