package tracker_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/tracker"
)

// BenchmarkScoreLatency measures, for 1,000 completions committed at
// once, the time from each completion's commit to its score arriving at
// the fake Moodle, with the outbox worker running as in serve. With
// ASTRE_BENCH_OUTAGE=30s in the environment the platform refuses every
// score for that long first. Run with -benchtime=1x: one op is 1,000
// completions; p50 and p99 are reported in milliseconds.
func BenchmarkScoreLatency(b *testing.B) {
	outage, _ := time.ParseDuration(os.Getenv("ASTRE_BENCH_OUTAGE"))
	for range b.N {
		scoreLatency(b, 1000, outage)
	}
}

func scoreLatency(b *testing.B, n int, outage time.Duration) {
	h := newHarness(b, ltitest.Moodle)
	ctx := context.Background()
	pl, err := h.db.Platform(ctx, h.lms.Issuer, h.lms.ClientID)
	if err != nil {
		b.Fatal(err)
	}
	a, err := h.db.EnsureActivity(ctx, &tracker.Activity{PlatformID: pl.ID, ContextID: "2", ResourceLinkID: "1",
		Title: "Entry", InstrumentID: "entry", Graded: true})
	if err != nil {
		b.Fatal(err)
	}
	ags, _ := h.lms.Claims(ltitest.LaunchOptions{}, "", "n")[lti.ClaimAGSEndpoint].(map[string]any)
	lc := &tracker.LaunchContext{Issuer: h.lms.Issuer, ClientID: h.lms.ClientID, ContextID: "2", ResourceLinkID: "1",
		AGS: &lti.AGSEndpoint{Scope: []string{lti.ScopeScore}, LineItems: ags["lineitems"].(string), LineItem: ags["lineitem"].(string)}}

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- h.srv.Outbox.Run(runCtx) }()
	defer func() { stop(); <-done }()
	if outage > 0 {
		h.lms.FailScoresFor(outage)
	}

	b.ResetTimer()
	committed := make(map[string]time.Time, n)
	for i := range n {
		user := strconv.Itoa(1000 + i)
		lc.UserID = user
		now := time.Now().UTC()
		r := &tracker.Response{Learner: "p" + user, ActivityID: a.ID, InstrumentID: "entry", InstrumentVersion: 1,
			Status: tracker.StatusCompleted, StartedAt: now, UpdatedAt: now, CompletedAt: &now}
		item := tracker.ScoreItem(tracker.Place{Learner: r.Learner, PlatformID: pl.ID, Context: lc}, a, r)
		if err := h.db.SaveResponse(ctx, r, nil, nil, item); err != nil {
			b.Fatal(err)
		}
		committed[user] = time.Now()
		h.srv.Outbox.Wake()
	}
	deadline := time.Now().Add(5 * time.Minute)
	for len(h.lms.Scores()) < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	b.StopTimer()
	got := h.lms.Scores()
	if len(got) != n {
		b.Fatalf("%d of %d scores arrived", len(got), n)
	}
	lat := make([]float64, 0, n)
	seen := map[string]bool{}
	for _, s := range got {
		user, _ := s.Score["userId"].(string)
		if seen[user] {
			b.Fatalf("user %s scored twice", user)
		}
		seen[user] = true
		lat = append(lat, float64(s.At.Sub(committed[user]).Microseconds())/1000)
	}
	slices.Sort(lat)
	b.ReportMetric(lat[len(lat)/2], "p50-ms")
	b.ReportMetric(lat[len(lat)*99/100], "p99-ms")
	b.ReportMetric(lat[len(lat)-1], "max-ms")
}
