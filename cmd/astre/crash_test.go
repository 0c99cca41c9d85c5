//go:build unix

package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/store"
	"github.com/astre-lti/astre/tracker"
)

var crashSeed = flag.Uint64("crash.seed", 0, "seed of the crash test's kill moments (0: from the clock)")

// crashRounds and crashWorkers size the crash test: each round streams
// learners, kills the server, restarts it and checks everything.
const (
	crashRounds  = 3
	crashWorkers = 8
)

// TestCrashKeepsAcknowledgedAnswersAndGrades streams learners through a
// graded survey, kills the server with SIGKILL at a random moment,
// restarts it on the same data dir and checks that every acknowledged
// answer is stored and every acknowledged completion's score reached the
// gradebook exactly once.
func TestCrashKeepsAcknowledgedAnswersAndGrades(t *testing.T) {
	bin := buildAstre(t)
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("crash seed %d (rerun with -crash.seed=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	lms := ltitest.NewPlatform(ltitest.Moodle)
	defer lms.Close()
	srv := newChild(t, bin)
	srv.register(lms, "", "")
	srv.start()

	in := entryInstrument(t)
	l := &ledger{}
	var users atomic.Int64
	for round := 1; round <= crashRounds; round++ {
		// Learners stream in; the server dies under them, mid-request.
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for range crashWorkers {
			wg.Go(func() {
				for ctx.Err() == nil {
					user := fmt.Sprintf("learner-%d", users.Add(1))
					if runLearner(ctx, lms, in, l, ltitest.LaunchOptions{UserID: user}) != nil {
						time.Sleep(10 * time.Millisecond) // the server is down: try again soon
					}
				}
			})
		}
		// Kill at a random moment once a few completions were
		// acknowledged, so every round has scores to check, also on a
		// slow machine or under the race detector.
		waitCompletions(t, l, l.completions()+crashWorkers/2)
		killAfter := time.Duration(rng.IntN(1000)) * time.Millisecond
		t.Logf("round %d: SIGKILL %s after the round's first completions", round, killAfter)
		time.Sleep(killAfter)
		srv.kill()
		srv.start()
		time.Sleep(300 * time.Millisecond) // learners keep coming to the restarted server
		stop()
		wg.Wait()

		checkAnswers(t, l)
		checkScores(t, srv, lms, l)
		if t.Failed() {
			t.Fatalf("round %d failed; server log:\n%s", round, srv.stderr.String())
		}
	}
	srv.terminate()
	if code := srv.wait(); code != 0 {
		t.Errorf("exit code after SIGTERM: got %d, want 0\n%s", code, srv.stderr.String())
	}
}

// waitCompletions waits until n completions were acknowledged in all.
func waitCompletions(t *testing.T, l *ledger, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for l.completions() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d completions acknowledged after 30s", l.completions(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkAnswers reads every learner's own data export and looks for each
// acknowledged answer in it.
func checkAnswers(t *testing.T, l *ledger) {
	t.Helper()
	ctx := context.Background()
	pages, completions := 0, 0
	for _, r := range l.snapshot() {
		if len(r.pages) == 0 {
			continue
		}
		pages += len(r.pages)
		ex, err := myData(ctx, r)
		if err != nil {
			t.Errorf("%s: %v", r.user, err)
			continue
		}
		if len(ex.Responses) != 1 {
			t.Errorf("%s: got %d stored responses, want 1", r.user, len(ex.Responses))
			continue
		}
		resp := ex.Responses[0]
		if missing := missingAnswers(r.pages, resp.Answers); len(missing) > 0 {
			t.Errorf("%s: acknowledged answers not stored: %v", r.user, missing)
		}
		if r.completed {
			completions++
			if resp.Status != tracker.StatusCompleted {
				t.Errorf("%s: acknowledged completion stored as %q", r.user, resp.Status)
			}
		}
	}
	t.Logf("%d learners so far, %d acknowledged pages, %d acknowledged completions", len(l.snapshot()), pages, completions)
	if completions == 0 {
		t.Error("no completion was acknowledged: the test checked no score")
	}
}

// checkScores waits until the outbox has no score left to deliver, then
// checks the gradebook: one score per acknowledged completion, none for
// anyone twice, timestamps strictly increasing per user, and as many
// scores as delivered outbox items.
func checkScores(t *testing.T, srv *child, lms *ltitest.Platform, l *ledger) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(srv.data, "astre.db"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var items []tracker.OutboxItem
	deadline := time.Now().Add(30 * time.Second)
	for {
		items, err = db.OutboxItems(ctx, tracker.OutboxFilter{Kind: tracker.KindScore})
		if err != nil {
			t.Fatal(err)
		}
		pending := 0
		for _, it := range items {
			if it.Status == tracker.OutboxPending {
				pending++
			}
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%d of %d scores still pending 30s after the restart", pending, len(items))
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	delivered := 0
	for _, it := range items {
		switch it.Status {
		case tracker.OutboxDelivered:
			delivered++
		case tracker.OutboxFailed:
			t.Errorf("score %s failed: %s", it.Key, it.LastError)
		}
	}

	received := map[string]int{}
	last := map[string]time.Time{}
	for _, s := range lms.Scores() {
		user, _ := s.Score["userId"].(string)
		stamp, _ := s.Score["timestamp"].(string)
		at, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil {
			t.Errorf("%s: score timestamp %q: %v", user, stamp, err)
		}
		if prev, ok := last[user]; ok && !at.After(prev) {
			t.Errorf("%s: score timestamp %s not after the previous %s", user, at, prev)
		}
		last[user] = at
		received[user]++
	}
	completed := 0
	for _, r := range l.snapshot() {
		if r.completed {
			completed++
			if received[r.user] == 0 {
				t.Errorf("%s: acknowledged completion, but no score in the gradebook", r.user)
			}
		}
	}
	for user, n := range received {
		if n != 1 {
			t.Errorf("%s: the gradebook received %d scores, want 1", user, n)
		}
	}
	if len(received) != delivered {
		t.Errorf("the gradebook has scores for %d users, the outbox delivered %d", len(received), delivered)
	}
	t.Logf("%d scores delivered for %d acknowledged completions", delivered, completed)
}
