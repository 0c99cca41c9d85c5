package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

func loginState(hash string, platformID int64, created, expires time.Time) *tracker.LoginState {
	return &tracker.LoginState{
		StateHash: hash, Nonce: "nonce-" + hash, PlatformID: platformID,
		Issuer: "https://lms.example", ClientID: "c1", TargetLinkURI: "https://tool.example/launch",
		LoginHint: "lh", MessageHint: "mh", DeploymentID: "d1", StorageTarget: "_parent",
		BindingHash: "binding-" + hash, CreatedAt: created, ExpiresAt: expires,
	}
}

// saveLogin stores a login state for a fresh platform, valid for ten minutes.
func saveLogin(t testing.TB, db *DB, hash string) *tracker.LoginState {
	t.Helper()
	l := loginState(hash, 1, t0, t0.Add(10*time.Minute))
	if err := db.SaveLogin(context.Background(), l); err != nil {
		t.Fatalf("SaveLogin(%s): got %v, want nil", hash, err)
	}
	return l
}

func TestConsumeLogin(t *testing.T) {
	db := newDB(t)
	l := saveLogin(t, db, "s1")
	now := t0.Add(time.Minute)
	got, err := db.ConsumeLogin(context.Background(), "s1", now)
	if err != nil {
		t.Fatalf("ConsumeLogin: got %v, want nil", err)
	}
	want := *l
	want.UsedAt = &now
	assertEqual(t, "ConsumeLogin", *got, want)
}

func TestConsumeLoginErrors(t *testing.T) {
	used := t0.Add(time.Minute)
	tests := []struct {
		name    string
		hash    string
		earlier []time.Time // consumptions before the one checked
		now     time.Time
		want    error
		usedAt  *time.Time // of the returned state; nil state for ErrNotFound
	}{
		{"unknown", "nope", nil, t0, tracker.ErrNotFound, nil},
		{"replayed", "s1", []time.Time{used}, t0.Add(2 * time.Minute), tracker.ErrReplayed, &used},
		{"expired at ExpiresAt", "s1", nil, t0.Add(10 * time.Minute), tracker.ErrExpired, nil},
		{"expired stays unused", "s1", []time.Time{t0.Add(time.Hour)}, t0.Add(time.Hour), tracker.ErrExpired, nil},
		{"replayed after expiry", "s1", []time.Time{used}, t0.Add(time.Hour), tracker.ErrReplayed, &used},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := newDB(t)
			saved := saveLogin(t, db, "s1")
			for _, at := range tt.earlier {
				db.ConsumeLogin(ctx, tt.hash, at)
			}
			got, err := db.ConsumeLogin(ctx, tt.hash, tt.now)
			assertErr(t, "ConsumeLogin", err, tt.want)
			if tt.want == tracker.ErrNotFound {
				if got != nil {
					t.Fatalf("state got %+v, want nil", got)
				}
				return
			}
			want := *saved
			want.UsedAt = tt.usedAt
			assertEqual(t, "returned state", *got, want)
		})
	}
}

// race runs fn from n goroutines at once and counts the successes and the
// ErrReplayed answers; any other answer fails the test.
func race(t *testing.T, n int, fn func() error) (ok, replayed int) {
	t.Helper()
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { errs <- fn() })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, tracker.ErrReplayed):
			replayed++
		default:
			t.Errorf("got %v, want nil or ErrReplayed", err)
		}
	}
	return ok, replayed
}

func TestConsumeLoginConcurrent(t *testing.T) {
	db := newDB(t)
	saveLogin(t, db, "s1")
	const callers = 20
	ok, replayed := race(t, callers, func() error {
		_, err := db.ConsumeLogin(context.Background(), "s1", t0.Add(time.Second))
		return err
	})
	if ok != 1 || replayed != callers-1 {
		t.Errorf("successes got %d, replays got %d; want 1 and %d", ok, replayed, callers-1)
	}
}

func TestSaveLogin(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	l := loginState("s1", 1, time.Time{}, t0.Add(time.Minute))
	if err := db.SaveLogin(ctx, l); err != nil {
		t.Fatalf("SaveLogin: got %v, want nil", err)
	}
	if !l.CreatedAt.Equal(t0) {
		t.Errorf("CreatedAt got %v, want %v", l.CreatedAt, t0)
	}
	again := loginState("s1", 1, t0, t0.Add(time.Minute))
	assertErr(t, "SaveLogin of a known state hash", db.SaveLogin(ctx, again), tracker.ErrConflict)
}

func TestLoginSurvivesPlatformRemoval(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	l := loginState("s1", p.ID, t0, t0.Add(time.Minute))
	if err := db.SaveLogin(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := db.RemovePlatform(ctx, p.Issuer, p.ClientID); err != nil {
		t.Fatal(err)
	}
	// The tracker reports the removed registration itself at launch.
	if _, err := db.ConsumeLogin(ctx, "s1", t0); err != nil {
		t.Fatalf("ConsumeLogin after platform removal: got %v, want nil", err)
	}
}

func TestStartLaunchNonce(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://a.example", "c1", "d1")
	exp := t0.Add(time.Hour)
	steps := []struct {
		issuer, nonce string
		want          error
	}{
		{"https://a.example", "n1", nil},
		{"https://a.example", "n1", tracker.ErrReplayed},
		{"https://b.example", "n1", nil}, // nonces are per issuer
		{"https://a.example", "n2", nil},
	}
	for i, s := range steps {
		state := saveLogin(t, db, fmt.Sprint("s", i)).StateHash
		err := db.StartLaunch(ctx, &tracker.LaunchStart{StateHash: state, At: t0, Nonce: tracker.UsedNonce{Issuer: s.issuer, Nonce: s.nonce, ExpiresAt: exp}, Session: launchSession(fmt.Sprint("l", i), p.ID, exp)})
		assertErr(t, fmt.Sprintf("step %d StartLaunch(%s, %s)", i, s.issuer, s.nonce), err, s.want)
		_, err = db.Launch(ctx, fmt.Sprint("l", i), t0)
		if s.want == nil && err != nil || s.want != nil && !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("step %d: session after StartLaunch: %v (a replayed nonce must leave none)", i, err)
		}
		// The state is used with the launch, and only then.
		_, err = db.Login(ctx, state, t0)
		if s.want == nil && !errors.Is(err, tracker.ErrReplayed) || s.want != nil && err != nil {
			t.Errorf("step %d: login state after StartLaunch: %v", i, err)
		}
	}
}

// TestStartLaunchState checks that a launch needs a usable login state
// and that a refused one changes nothing.
func TestStartLaunchState(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://a.example", "c1", "d1")
	exp := t0.Add(time.Hour)
	saveLogin(t, db, "used")
	if _, err := db.ConsumeLogin(ctx, "used", t0); err != nil {
		t.Fatal(err)
	}
	saveLogin(t, db, "late")
	for i, tc := range []struct {
		state string
		at    time.Time
		want  error
	}{
		{"unknown", t0, tracker.ErrNotFound},
		{"used", t0, tracker.ErrReplayed},
		{"late", t0.Add(10 * time.Minute), tracker.ErrExpired},
	} {
		n := tracker.UsedNonce{Issuer: p.Issuer, Nonce: fmt.Sprint("n", i), ExpiresAt: exp}
		err := db.StartLaunch(ctx, &tracker.LaunchStart{StateHash: tc.state, At: tc.at, Nonce: n, Session: launchSession(fmt.Sprint("l", i), p.ID, exp)})
		assertErr(t, "StartLaunch with state "+tc.state, err, tracker.ErrLoginState)
		assertErr(t, "StartLaunch with state "+tc.state, err, tc.want)
		if _, err := db.Launch(ctx, fmt.Sprint("l", i), t0); !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("state %s: session after a refused StartLaunch: %v", tc.state, err)
		}
		// The nonce was not recorded: a launch with a good state may use it.
		saveLogin(t, db, fmt.Sprint("good", i))
		if err := db.StartLaunch(ctx, &tracker.LaunchStart{StateHash: fmt.Sprint("good", i), At: t0, Nonce: n, Session: launchSession(fmt.Sprint("g", i), p.ID, exp)}); err != nil {
			t.Errorf("state %s: the nonce was kept by a refused StartLaunch: %v", tc.state, err)
		}
	}
}

// TestStartLaunchStateConcurrent starts 20 launches on one login state,
// each with its own nonce: one session, and the others refused.
func TestStartLaunchStateConcurrent(t *testing.T) {
	db := newDB(t)
	p := addPlatform(t, db, "https://a.example", "c1", "d1")
	saveLogin(t, db, "s1")
	const callers = 20
	var n atomic.Int64
	ok, replayed := race(t, callers, func() error {
		i := n.Add(1)
		err := db.StartLaunch(context.Background(), &tracker.LaunchStart{StateHash: "s1", At: t0,
			Nonce:   tracker.UsedNonce{Issuer: p.Issuer, Nonce: fmt.Sprint("n", i), ExpiresAt: t0.Add(time.Hour)},
			Session: launchSession(fmt.Sprint("l", i), p.ID, t0.Add(time.Hour))})
		if err != nil && !errors.Is(err, tracker.ErrLoginState) {
			t.Errorf("got %v, want nil or ErrLoginState", err)
		}
		return err
	})
	if ok != 1 || replayed != callers-1 {
		t.Errorf("successes got %d, replays got %d; want 1 and %d", ok, replayed, callers-1)
	}
}

func TestStartLaunchNonceConcurrent(t *testing.T) {
	db := newDB(t)
	p := addPlatform(t, db, "https://a.example", "c1", "d1")
	const callers = 20
	var n atomic.Int64
	for i := range callers {
		saveLogin(t, db, fmt.Sprint("s", i+1))
	}
	ok, replayed := race(t, callers, func() error {
		i := n.Add(1)
		s := launchSession(fmt.Sprint("l", i), p.ID, t0.Add(time.Hour))
		return db.StartLaunch(context.Background(), &tracker.LaunchStart{StateHash: fmt.Sprint("s", i), At: t0,
			Nonce: tracker.UsedNonce{Issuer: "https://a.example", Nonce: "n1", ExpiresAt: t0.Add(time.Hour)}, Session: s})
	})
	if ok != 1 || replayed != callers-1 {
		t.Errorf("successes got %d, replays got %d; want 1 and %d", ok, replayed, callers-1)
	}
}

func BenchmarkConsumeLogin(b *testing.B) {
	ctx := context.Background()
	db := newDB(b)
	i := 0
	for b.Loop() {
		hash := fmt.Sprintf("%064x", i)
		i++
		if err := db.SaveLogin(ctx, loginState(hash, 1, t0, t0.Add(time.Minute))); err != nil {
			b.Fatal(err)
		}
		if _, err := db.ConsumeLogin(ctx, hash, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// TestStartLaunchOpening checks that a launch records the learner's
// opening of an existing activity once, at the first launch's time, and
// nothing for an activity that does not exist yet.
func TestStartLaunchOpening(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://a.example", "c1", "d1")
	a := addActivity(t, db, p.ID, "course1", "link1")
	exp := t0.Add(time.Hour)
	launch := func(i int, link string, at time.Time) {
		t.Helper()
		state := saveLogin(t, db, fmt.Sprint("s", i)).StateHash
		s := launchSession(fmt.Sprint("l", i), p.ID, exp)
		s.Learner, s.ContextID, s.ResourceLinkID = "L1", "course1", link
		err := db.StartLaunch(ctx, &tracker.LaunchStart{StateHash: state, At: at,
			Nonce:   tracker.UsedNonce{Issuer: p.Issuer, Nonce: fmt.Sprint("n", i), ExpiresAt: exp},
			Session: s, Opened: true})
		if err != nil {
			t.Fatalf("launch %d: %v", i, err)
		}
	}
	launch(1, "link1", t0)
	launch(2, "link1", t0.Add(time.Minute))
	launch(3, "no-activity-yet", t0)
	progress, err := db.ActivityProgress(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(progress) != 1 || progress[0].Learner != "L1" || !progress[0].FirstLaunchAt.Equal(t0) {
		t.Errorf("openings of the activity: got %+v, want L1 once, at the first launch", progress)
	}
	if n := countRows(t, db, "activity_learners", "1 = 1"); n != 1 {
		t.Errorf("got %d openings in all, want 1 (none for a link without an activity)", n)
	}
}
