package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/astre-lti/astre/tracker"
)

func clientName(i int) string { return fmt.Sprintf("c%06d", i) }

// TestBackupDuringWrites takes a backup while another connection commits
// a numbered row after row. The copy must pass its checks, hold every row
// committed before the backup began, and be one snapshot: rows 0..k-1
// with no gap.
func TestBackupDuringWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "astre.db")
	db := openDB(t, src)
	for i := 0; i < 500; i++ { // something to copy
		addPlatform(t, db, "https://lms.example.org", clientName(i))
	}

	var committed atomic.Int64
	committed.Store(500)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 500; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p := &tracker.Platform{Issuer: "https://lms.example.org", ClientID: clientName(i),
				AuthURL: "https://lms.example.org/auth", TokenURL: "https://lms.example.org/token", JWKSURL: "https://lms.example.org/jwks"}
			if err := db.AddPlatform(ctx, p); err != nil {
				t.Errorf("write %d during the backup: %v", i, err)
				return
			}
			committed.Store(int64(i + 1))
		}
	}()

	before := committed.Load()
	dst := filepath.Join(dir, "backup.db")
	info, err := Backup(ctx, src, dst)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	latest, _ := LatestSchemaVersion()
	if info.SchemaVersion != latest || info.Bytes == 0 {
		t.Errorf("backup info: got %+v, want schema version %d", info, latest)
	}
	if st, err := os.Stat(dst); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("backup file: got %v %v, want mode 0600", st.Mode(), err)
	}

	copyDB := openDB(t, dst)
	ps, err := copyDB.Platforms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range ps {
		if p.ClientID != clientName(i) {
			t.Fatalf("backup row %d is %s: not one snapshot", i, p.ClientID)
		}
	}
	if int64(len(ps)) < before {
		t.Errorf("backup holds %d rows, want at least the %d committed before it began", len(ps), before)
	}
	t.Logf("rows committed before the backup: %d, in the backup: %d, by the end: %d", before, len(ps), committed.Load())
}

func TestBackupRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "astre.db")
	db := openDB(t, src)
	addPlatform(t, db, "https://lms.example.org", "c1")

	exists := filepath.Join(dir, "exists.db")
	os.WriteFile(exists, []byte("keep me"), 0o600)
	if _, err := Backup(ctx, src, exists); err == nil {
		t.Error("backup over an existing file accepted")
	}
	if b, _ := os.ReadFile(exists); string(b) != "keep me" {
		t.Error("the existing file was changed")
	}
	if _, err := Backup(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "x.db")); err == nil {
		t.Error("backup of a missing database accepted")
	}

	garbage := filepath.Join(dir, "garbage.db")
	os.WriteFile(garbage, []byte(strings.Repeat("not sqlite ", 1000)), 0o600)
	if _, err := Verify(ctx, garbage); err == nil {
		t.Error("garbage verified")
	}

	newer := filepath.Join(dir, "newer.db")
	if _, err := Backup(ctx, src, newer); err != nil {
		t.Fatal(err)
	}
	ndb := openDB(t, newer)
	if _, err := ndb.writer.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	ndb.Close()
	if _, err := Verify(ctx, newer); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("copy from a newer program: got %v, want refused as newer", err)
	}
	if _, err := Restore(ctx, newer, src); err == nil {
		t.Error("restore of a newer schema accepted")
	}
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "astre.db")
	db := openDB(t, src)
	addPlatform(t, db, "https://lms.example.org", "kept")
	backup := filepath.Join(dir, "backup.db")
	if _, err := Backup(ctx, src, backup); err != nil {
		t.Fatal(err)
	}
	addPlatform(t, db, "https://lms.example.org", "after-backup")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	saved, err := Restore(ctx, backup, src)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want []string
	}{{src, []string{"kept"}}, {saved, []string{"after-backup", "kept"}}} {
		got := openDB(t, tc.path)
		ps, err := got.Platforms(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.ClientID)
		}
		if strings.Join(ids, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: got %v, want %v", filepath.Base(tc.path), ids, tc.want)
		}
	}
}
