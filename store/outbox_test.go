package store

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

func TestOutboxClaimIsExclusiveAndLeasesRunOut(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	now := time.Now().UTC()
	for _, key := range []string{"a", "b", "c"} {
		if err := db.Enqueue(ctx, &tracker.OutboxItem{Kind: "score", Key: key, Payload: []byte(`{}`), NextAt: now}); err != nil {
			t.Fatalf("Enqueue %s: %v", key, err)
		}
	}
	if err := db.Enqueue(ctx, &tracker.OutboxItem{Kind: "score", Key: "later", Payload: []byte(`{}`), NextAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	first, err := db.ClaimOutbox(ctx, []string{"score"}, "one", now, time.Minute, 2)
	if err != nil || len(first) != 2 {
		t.Fatalf("first claim: got %d items, %v; want 2, nil", len(first), err)
	}
	second, err := db.ClaimOutbox(ctx, []string{"score", "mail"}, "two", now, time.Minute, 10)
	if err != nil || len(second) != 1 || second[0].Key != "c" {
		t.Fatalf("second claim: got %+v, %v; want only c (b and a leased, later not due)", second, err)
	}
	if second[0].Attempts != 1 {
		t.Errorf("attempts after one claim: got %d, want 1", second[0].Attempts)
	}
	none, _ := db.ClaimOutbox(ctx, []string{"mail"}, "three", now, time.Minute, 10)
	if len(none) != 0 {
		t.Errorf("claim of another kind: got %d items, want 0", len(none))
	}
	// "one" restarts under its name: it takes back its own leases at once,
	// counting another attempt, and leaves "two"'s alone.
	mine, err := db.ClaimOutbox(ctx, []string{"score"}, "one", now, time.Minute, 10)
	if err != nil || len(mine) != 2 || mine[0].Key == "c" || mine[1].Key == "c" || mine[0].Attempts != 2 {
		t.Fatalf("claim by the restarted owner: got %+v, %v; want a and b at their second attempt", mine, err)
	}
	// "one" crashes: its leases run out and "two" takes them over.
	again, err := db.ClaimOutbox(ctx, []string{"score"}, "two", now.Add(2*time.Minute), time.Minute, 10)
	if err != nil || len(again) != 3 {
		t.Fatalf("claim after the leases ran out: got %d, %v; want 3 (a, b, c)", len(again), err)
	}
	stale := first[0]
	err = db.FinishOutbox(ctx, tracker.OutboxAttempt{ID: stale.ID, Revision: stale.Revision, Owner: "one", Status: tracker.OutboxDelivered, At: now})
	if !errors.Is(err, tracker.ErrConflict) {
		t.Errorf("finish by the owner that lost the lease: got %v, want ErrConflict", err)
	}
}

func TestOutboxEnqueueAgainSupersedesTheAttemptInFlight(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	now := time.Now().UTC()
	it := &tracker.OutboxItem{Kind: "score", Key: "k", ActivityID: 7, Learner: "p1", Payload: []byte(`{"v":1}`), NextAt: now}
	if err := db.Enqueue(ctx, it); err != nil {
		t.Fatal(err)
	}
	claimed, err := db.ClaimOutbox(ctx, []string{"score"}, "w", now, time.Minute, 1)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %d, %v", len(claimed), err)
	}
	newer := &tracker.OutboxItem{Kind: "score", Key: "k", ActivityID: 7, Learner: "p1", Payload: []byte(`{"v":2}`), NextAt: now}
	if err := db.Enqueue(ctx, newer); err != nil {
		t.Fatal(err)
	}
	if newer.ID != it.ID || newer.Revision != 2 {
		t.Errorf("enqueue again: got id %d revision %d, want id %d revision 2", newer.ID, newer.Revision, it.ID)
	}
	err = db.FinishOutbox(ctx, tracker.OutboxAttempt{ID: it.ID, Revision: claimed[0].Revision, Owner: "w", Status: tracker.OutboxDelivered, At: now})
	if !errors.Is(err, tracker.ErrConflict) {
		t.Fatalf("finishing the older revision: got %v, want ErrConflict", err)
	}
	got, err := db.ClaimOutbox(ctx, []string{"score"}, "w", now, time.Minute, 1)
	if err != nil || len(got) != 1 || string(got[0].Payload) != `{"v":2}` {
		t.Fatalf("the newer payload: got %+v, %v; want it due", got, err)
	}
	err = db.FinishOutbox(ctx, tracker.OutboxAttempt{ID: got[0].ID, Revision: got[0].Revision, Owner: "w", Status: tracker.OutboxDelivered, NextAt: now, At: now})
	if err != nil {
		t.Fatalf("finish: %v", err)
	}
	items, err := db.OutboxItems(ctx, tracker.OutboxFilter{ActivityID: 7})
	if err != nil || len(items) != 1 || items[0].Status != tracker.OutboxDelivered || items[0].DeliveredAt == nil {
		t.Fatalf("items: got %+v, %v; want one delivered", items, err)
	}
	if err := db.RetryOutbox(ctx, items[0].ID, now); !errors.Is(err, tracker.ErrConflict) {
		t.Errorf("retry of a delivered item: got %v, want ErrConflict", err)
	}
}

func TestOutboxRetryAndRelease(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	now := time.Now().UTC()
	it := &tracker.OutboxItem{Kind: "mail", Key: "m", Payload: []byte(`{}`), NextAt: now}
	if err := db.Enqueue(ctx, it); err != nil {
		t.Fatal(err)
	}
	c, _ := db.ClaimOutbox(ctx, []string{"mail"}, "w", now, time.Hour, 1)
	if len(c) != 1 {
		t.Fatal("nothing claimed")
	}
	if err := db.ReleaseOutbox(ctx, "w"); err != nil {
		t.Fatal(err)
	}
	c, _ = db.ClaimOutbox(ctx, []string{"mail"}, "v", now, time.Hour, 1)
	if len(c) != 1 || c[0].Attempts != 2 {
		t.Fatalf("after release: got %+v, want the item with its cut-short attempt still counted", c)
	}
	err := db.FinishOutbox(ctx, tracker.OutboxAttempt{ID: c[0].ID, Revision: c[0].Revision, Owner: "v", Status: tracker.OutboxFailed, Error: "550 no such user", NextAt: now, At: now})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := db.ClaimOutbox(ctx, []string{"mail"}, "v", now.Add(time.Hour), time.Hour, 1); len(c) != 0 {
		t.Fatalf("a failed item was claimed again")
	}
	if err := db.RetryOutbox(ctx, it.ID, now); err != nil {
		t.Fatal(err)
	}
	c, _ = db.ClaimOutbox(ctx, []string{"mail"}, "v", now, time.Hour, 1)
	if len(c) != 1 || c[0].LastError != "550 no such user" {
		t.Fatalf("retry now: got %+v, want the failed item due with its last error", c)
	}
	if err := db.RetryOutbox(ctx, 999, now); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("retry of an unknown item: got %v, want ErrNotFound", err)
	}
}

func TestOutboxCountsAndOffset(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	now := time.Now().UTC()
	var ids []int64 // activity 7's scores, oldest first
	for i := 0; i < 7; i++ {
		it := &tracker.OutboxItem{Kind: "score", Key: "7:" + strconv.Itoa(i), ActivityID: 7, Payload: []byte(`{}`), NextAt: now}
		if err := db.Enqueue(ctx, it); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, it.ID)
	}
	// Others the filter must leave out: another activity, another kind.
	later := now.Add(time.Hour)
	for _, it := range []*tracker.OutboxItem{
		{Kind: "score", Key: "8:0", ActivityID: 8, Payload: []byte(`{}`), NextAt: later},
		{Kind: "score", Key: "8:1", ActivityID: 8, Payload: []byte(`{}`), NextAt: later},
		{Kind: "mail", Key: "m", ActivityID: 7, Payload: []byte(`{}`), NextAt: later},
	} {
		if err := db.Enqueue(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	claimed, err := db.ClaimOutbox(ctx, []string{"score"}, "w", now, time.Minute, 3)
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claim: got %d, %v; want 3", len(claimed), err)
	}
	for i, c := range claimed {
		a := tracker.OutboxAttempt{ID: c.ID, Revision: c.Revision, Owner: "w", Status: tracker.OutboxFailed, Error: "refused", NextAt: now, At: now}
		if i == 0 {
			a.Status, a.Error = tracker.OutboxDelivered, ""
		}
		if err := db.FinishOutbox(ctx, a); err != nil {
			t.Fatal(err)
		}
	}

	scores := tracker.OutboxFilter{Kind: "score", ActivityID: 7}
	got, err := db.OutboxCounts(ctx, scores)
	want := map[tracker.OutboxStatus]int{tracker.OutboxPending: 4, tracker.OutboxDelivered: 1, tracker.OutboxFailed: 2}
	if err != nil || !maps.Equal(got, want) {
		t.Errorf("counts: got %v, %v; want %v", got, err, want)
	}
	failed := scores
	failed.Status = tracker.OutboxFailed
	got, err = db.OutboxCounts(ctx, failed)
	if want := map[tracker.OutboxStatus]int{tracker.OutboxFailed: 2}; err != nil || !maps.Equal(got, want) {
		t.Errorf("counts of failed: got %v, %v; want %v", got, err, want)
	}
	got, err = db.OutboxCounts(ctx, tracker.OutboxFilter{ActivityID: 99})
	if err != nil || len(got) != 0 {
		t.Errorf("counts of an activity without items: got %v, %v; want none", got, err)
	}

	for _, tc := range []struct {
		limit, offset int
		want          []int64
	}{
		{3, 0, []int64{ids[6], ids[5], ids[4]}},
		{3, 2, []int64{ids[4], ids[3], ids[2]}},
		{3, 6, []int64{ids[0]}},
		{3, 7, nil},
	} {
		f := scores
		f.Limit, f.Offset = tc.limit, tc.offset
		items, err := db.OutboxItems(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, it := range items {
			got = append(got, it.ID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("limit %d offset %d: got ids %v, want %v", tc.limit, tc.offset, got, tc.want)
		}
	}
	if _, err := db.OutboxItems(ctx, tracker.OutboxFilter{Offset: 2}); !errors.Is(err, tracker.ErrInvalid) {
		t.Errorf("offset without limit: got %v, want ErrInvalid", err)
	}
}

func TestActivityProgressAndWithdrawal(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	a := addActivity(t, db, p.ID, "course1", "link1")
	now := time.Now().UTC()
	for _, l := range []string{"p1", "p2", "p1"} {
		if err := db.SeeLearner(ctx, a.ID, l, now); err != nil {
			t.Fatal(err)
		}
	}
	err := db.SaveConsent(ctx, &tracker.Consent{Learner: "p1", PlatformID: p.ID, ContextID: "course1",
		TextID: "consent", TextVersion: 1, TextHash: "h", Lang: "en", Method: "test", CreatedAt: now,
		Purposes: map[tracker.Purpose]bool{tracker.PurposeSurveys: true}})
	if err != nil {
		t.Fatal(err)
	}
	r := &tracker.Response{Learner: "p1", ActivityID: a.ID, InstrumentID: "entry", InstrumentVersion: 1, Status: tracker.StatusCompleted, CompletedAt: &now}
	started := &tracker.OutboxItem{Kind: tracker.XAPIKind, Key: "s1", ActivityID: a.ID, Learner: "p1", Payload: []byte(`{}`), NextAt: now}
	if err := db.SaveResponse(ctx, r, nil, nil, started); err != nil {
		t.Fatal(err)
	}
	got, err := db.ActivityProgress(ctx, a.ID)
	if err != nil || len(got) != 2 {
		t.Fatalf("progress: got %+v, %v; want 2 learners", got, err)
	}
	byLearner := map[string]tracker.LearnerProgress{got[0].Learner: got[0], got[1].Learner: got[1]}
	if p1 := byLearner["p1"]; !p1.Consented || p1.Status != tracker.StatusCompleted {
		t.Errorf("p1: got %+v, want consented and completed", p1)
	}
	if p2 := byLearner["p2"]; p2.Consented || p2.Status != "" {
		t.Errorf("p2: got %+v, want launched only", p2)
	}
	if err := db.Withdraw(ctx, "p1", p.ID, "course1", now); err != nil {
		t.Fatal(err)
	}
	got, _ = db.ActivityProgress(ctx, a.ID)
	if len(got) != 1 || got[0].Learner != "p2" {
		t.Errorf("after p1 withdrew: got %+v, want p2 only", got)
	}
	items, _ := db.OutboxItems(ctx, tracker.OutboxFilter{Kind: tracker.XAPIKind})
	if len(items) != 0 {
		t.Errorf("after p1 withdrew: %d xAPI statements about their surveys still pending, want none", len(items))
	}
}

func TestRosterRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	if _, err := db.Roster(ctx, p.ID, "course1"); !errors.Is(err, tracker.ErrNotFound) {
		t.Fatalf("no roster yet: got %v, want ErrNotFound", err)
	}
	in := &tracker.Roster{PlatformID: p.ID, ContextID: "course1", Learners: []string{"a", "b"}}
	if err := db.SaveRoster(ctx, in); err != nil {
		t.Fatal(err)
	}
	in.Learners, in.Refusal = nil, "too many learners"
	if err := db.SaveRoster(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := db.Roster(ctx, p.ID, "course1")
	if err != nil || len(got.Learners) != 0 || got.Refusal != "too many learners" {
		t.Fatalf("roster: got %+v, %v; want the refusal replacing the list", got, err)
	}
	a := addActivity(t, db, p.ID, "course1", "link1")
	if err := db.SetLineItem(ctx, a.ID, "https://lms.example/li/1"); err != nil {
		t.Fatal(err)
	}
	acts, err := db.CourseActivities(ctx, p.ID, "course1")
	if err != nil || len(acts) != 1 || acts[0].LineItem != "https://lms.example/li/1" {
		t.Fatalf("course activities: got %+v, %v", acts, err)
	}
}
