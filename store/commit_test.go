package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// TestGroupCommitKeepsEachWriteApart holds the committer with one write
// while others queue, so they share the next transaction: the ones that
// fail (a replayed nonce, a panic) leave nothing, the others all commit.
func TestGroupCommitKeepsEachWriteApart(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	var mu sync.Mutex
	var sizes []int
	db.batched = func(n int) { mu.Lock(); sizes = append(sizes, n); mu.Unlock() }
	exp := t0.Add(time.Hour)
	nonce := func(n string) tracker.UsedNonce {
		return tracker.UsedNonce{Issuer: p.Issuer, Nonce: n, ExpiresAt: exp}
	}

	const writers = 30
	for i := range writers {
		saveLogin(t, db, fmt.Sprint("s", i))
	}

	started, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			close(started)
			<-release
			_, err := tx.ExecContext(ctx, `INSERT INTO used_nonces (issuer, nonce, expires_at) VALUES (?, ?, ?)`, p.Issuer, "held", millis(exp))
			return err
		})
	}()
	<-started

	errs := make([]error, writers)
	var panicked any
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			n := fmt.Sprint("n", i)
			if i%2 == 1 {
				n = "held" // used by the held write, committed before
			}
			errs[i] = db.StartLaunch(ctx, &tracker.LaunchStart{StateHash: fmt.Sprint("s", i), At: t0, Nonce: nonce(n), Session: launchSession(fmt.Sprint("l", i), p.ID, exp)})
		})
	}
	wg.Go(func() {
		defer func() { panicked = recover() }()
		db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			if err := saveLaunch(ctx, tx, launchSession("panics", p.ID, exp), t0); err != nil {
				return err
			}
			panic("boom")
		})
	})
	time.Sleep(300 * time.Millisecond) // let them all queue behind the held write
	close(release)
	wg.Wait()
	if err := <-held; err != nil {
		t.Fatalf("held write: %v", err)
	}

	for i, err := range errs {
		_, lerr := db.Launch(ctx, fmt.Sprint("l", i), t0)
		switch {
		case i%2 == 0 && (err != nil || lerr != nil):
			t.Errorf("write %d: got %v and session %v, want both nil", i, err, lerr)
		case i%2 == 1 && (!errors.Is(err, tracker.ErrReplayed) || !errors.Is(lerr, tracker.ErrNotFound)):
			t.Errorf("write %d: got %v and session %v, want ErrReplayed and no session", i, err, lerr)
		}
	}
	if panicked != "boom" {
		t.Errorf("the panicking write's caller got %v, want the panic", panicked)
	}
	if _, err := db.Launch(ctx, "panics", t0); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("the panicking write left its session: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if slices.Max(sizes) < 2 {
		t.Errorf("batch sizes %v: the queued writes never shared a transaction", sizes)
	}
}

func TestWriteRefusedWhenCancelledOrClosed(t *testing.T) {
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	s := launchSession("l1", p.ID, t0.Add(time.Hour))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.SaveLaunch(cancelled, s); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
	if _, err := db.Launch(context.Background(), "l1", t0); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("a cancelled write was stored: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveLaunch(context.Background(), s); !errors.Is(err, errClosed) {
		t.Errorf("after Close: got %v, want errClosed", err)
	}
}

// TestBackgroundCheckpoint: committed pages reach the database file
// without any commit having to checkpoint (the WAL stays far below the
// writer's own threshold).
func TestBackgroundCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "astre.db")
	db := openDB(t, path)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	for i := range 300 {
		if err := db.SaveLaunch(context.Background(), launchSession(fmt.Sprint("l", i), p.ID, t0.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes: nothing was checkpointed", before)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
