package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// BackupInfo describes a verified database copy.
type BackupInfo struct {
	SchemaVersion int   // the last migration the copy has
	Bytes         int64 // its size
}

// Backup writes a consistent copy of the database file src to dst while
// other processes (a running server) keep reading and writing it. VACUUM
// INTO runs in one read transaction: under WAL, writers go on meanwhile,
// and the copy holds exactly the transactions committed before it began,
// including those still in the -wal file. The copy is written next to
// dst, verified, synced and only then renamed to dst, with mode 0600. An
// existing dst is refused, never overwritten. src is never migrated: a
// newer program can back up an older database before upgrading it.
func Backup(ctx context.Context, src, dst string) (BackupInfo, error) {
	if _, err := os.Stat(src); err != nil {
		return BackupInfo{}, fmt.Errorf("backup %s: %w", src, err)
	}
	if _, err := os.Stat(dst); err == nil {
		return BackupInfo{}, fmt.Errorf("backup to %s: the file exists", dst)
	} else if !errors.Is(err, os.ErrNotExist) {
		return BackupInfo{}, fmt.Errorf("backup to %s: %w", dst, err)
	}
	tmp, err := tempName(dst)
	if err != nil {
		return BackupInfo{}, err
	}
	defer os.Remove(tmp) // gone after the rename; left over only on failure

	// Not query_only: SQLite counts VACUUM INTO as a write, though it only
	// reads src.
	db, err := sql.Open("sqlite", dsn(src))
	if err != nil {
		return BackupInfo{}, fmt.Errorf("backup %s: %w", src, err)
	}
	db.SetMaxOpenConns(1)
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return BackupInfo{}, fmt.Errorf("backup %s: vacuum into %s: %w", src, tmp, err)
	}
	info, err := Verify(ctx, tmp)
	if err != nil {
		return BackupInfo{}, err
	}
	if err := syncFile(tmp); err != nil {
		return BackupInfo{}, err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	return info, syncDir(filepath.Dir(dst))
}

// Verify checks that the file at path is an intact ASTRE database this
// program can open: integrity_check and foreign_key_check find nothing,
// and its schema version is not newer than this program's migrations.
func Verify(ctx context.Context, path string) (BackupInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("verify %s: %w", path, err)
	}
	// Read-only, and none of dsn's pragmas: checking a file must not
	// change it. A copy made by Backup is in rollback-journal mode, which
	// opens read-only without -wal and -shm files.
	db, err := sql.Open("sqlite", path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("verify %s: %w", path, err)
	}
	defer db.Close()
	var problems []string
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("verify %s: not a database: %w", path, err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return BackupInfo{}, fmt.Errorf("verify %s: %w", path, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return BackupInfo{}, fmt.Errorf("verify %s: integrity check: %w", path, err)
	}
	if len(problems) > 0 {
		return BackupInfo{}, fmt.Errorf("verify %s: integrity check: %s", path, strings.Join(problems, "; "))
	}
	var table, fkParent string
	var rowid, fkid sql.NullInt64
	err = db.QueryRowContext(ctx, `PRAGMA foreign_key_check`).Scan(&table, &rowid, &fkParent, &fkid)
	if err == nil {
		return BackupInfo{}, fmt.Errorf("verify %s: a row of %s refers to a missing %s row", path, table, fkParent)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return BackupInfo{}, fmt.Errorf("verify %s: foreign key check: %w", path, err)
	}
	var version int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return BackupInfo{}, fmt.Errorf("verify %s: not an ASTRE database: %w", path, err)
	}
	latest, err := LatestSchemaVersion()
	if err != nil {
		return BackupInfo{}, err
	}
	if version > latest {
		return BackupInfo{}, fmt.Errorf("verify %s: schema version %d is newer than this program's %d", path, version, latest)
	}
	if version == 0 {
		return BackupInfo{}, fmt.Errorf("verify %s: no migration recorded: not an ASTRE database", path)
	}
	return BackupInfo{SchemaVersion: version, Bytes: st.Size()}, nil
}

// LatestSchemaVersion is the version of this program's last migration.
func LatestSchemaVersion() (int, error) {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0, fmt.Errorf("embedded migrations: %v", err)
	}
	return ms[len(ms)-1].version, nil
}

// Restore puts a verified copy of backup in place of the database file
// dst. No process may have dst open: the caller makes sure of that. The
// database being replaced is first backed up to dst.before-restore-ID
// (whose name is returned), so a mistaken restore can be undone; its -wal
// and -shm files are removed before the copy is renamed into place, so
// that SQLite never replays the old log onto the restored file.
func Restore(ctx context.Context, backup, dst string) (saved string, err error) {
	if _, err := Verify(ctx, backup); err != nil {
		return "", err
	}
	if _, err := os.Stat(dst); err == nil {
		name, err := tempName(dst + ".before-restore")
		if err != nil {
			return "", err
		}
		if _, err := Backup(ctx, dst, name); err != nil {
			return "", fmt.Errorf("restore: keep the current database: %w", err)
		}
		saved = name
	}
	tmp, err := tempName(dst)
	if err != nil {
		return saved, err
	}
	defer os.Remove(tmp)
	if err := copyFile(backup, tmp); err != nil {
		return saved, fmt.Errorf("restore: %w", err)
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(dst + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return saved, fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		return saved, fmt.Errorf("restore: %w", err)
	}
	return saved, syncDir(filepath.Dir(dst))
}

// tempName is a fresh name beside path.
func tempName(path string) (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return path + "-" + hex.EncodeToString(b), nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return errors.Join(out.Sync(), out.Close())
}

// syncFile makes the file private and durable before it is renamed.
func syncFile(path string) error {
	if err := os.Chmod(path, 0o600); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
