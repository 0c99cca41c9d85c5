package store

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

func TestFollowupInvitedOnce(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	a := addActivity(t, db, p.ID, "course1", "exit")
	due := t0.Add(time.Hour)
	waves := []tracker.FollowupWave{{Learner: "L1", Wave: 3, BaseAt: t0, DueAt: due}, {Learner: "L1", Wave: 6, BaseAt: t0, DueAt: due.Add(time.Hour)}}
	if err := db.ScheduleFollowups(ctx, a.ID, &tracker.FollowupSchedule{Waves: waves, Keep: []int{3, 6}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.DueFollowups(ctx, due, 10)
	if err != nil || len(got) != 1 || got[0].Wave != 3 {
		t.Fatalf("due at %v: got %+v, %v; want wave 3 only", due, got, err)
	}
	w := got[0]
	at := due
	w.InvitedAt = &at
	item := func() *tracker.OutboxItem {
		return &tracker.OutboxItem{Kind: tracker.MailKind, Key: "followup/1/invite", Payload: []byte(`{}`)}
	}
	if err := db.InviteFollowup(ctx, &w, item()); err != nil {
		t.Fatal(err)
	}
	// A second instance with the same due list: refused, nothing enqueued again.
	if err := db.InviteFollowup(ctx, &w, item()); !errors.Is(err, tracker.ErrConflict) {
		t.Errorf("second invitation: got %v, want ErrConflict", err)
	}
	items, _ := db.OutboxItems(ctx, tracker.OutboxFilter{Kind: tracker.MailKind})
	if len(items) != 1 || items[0].Revision != 1 {
		t.Errorf("outbox: got %+v, want one item at revision 1", items)
	}
	// Rescheduling moves waiting waves only, and drops waves left out of the plan.
	later := []tracker.FollowupWave{{Learner: "L1", Wave: 3, BaseAt: t0, DueAt: due.AddDate(1, 0, 0)}}
	if err := db.ScheduleFollowups(ctx, a.ID, &tracker.FollowupSchedule{Waves: later, Keep: []int{3}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.FollowupWave(ctx, w.ID); got.State != tracker.WaveInvited || !got.DueAt.Equal(due) {
		t.Errorf("an invited wave was rescheduled: %+v", got)
	}
	if got, _ := db.DueFollowups(ctx, due.AddDate(2, 0, 0), 10); len(got) != 0 {
		t.Errorf("the dropped six-month wave is still due: %+v", got)
	}
}

func TestRequestConfirmationOncePerAddress(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	if err := db.SaveContact(ctx, &tracker.Contact{Learner: "L1", PlatformID: p.ID, Sealed: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	item := &tracker.OutboxItem{Kind: tracker.MailKind, Key: "confirm/1/L1", Payload: []byte(`{}`)}
	for i, want := range []bool{true, false} {
		if queued, err := db.RequestConfirmation(ctx, "L1", p.ID, "h1", false, item); err != nil || queued != want {
			t.Errorf("request #%d: got %v, %v; want %v", i+1, queued, err, want)
		}
	}
	if queued, _ := db.RequestConfirmation(ctx, "L1", p.ID, "h1", true, item); !queued {
		t.Error("a forced request was not queued")
	}
	if err := db.ConfirmContact(ctx, "L1", p.ID, "h1"); err != nil {
		t.Fatal(err)
	}
	// Replacing the sealed contact keeps the hashes: the tracker compares them with the new address.
	if err := db.SaveContact(ctx, &tracker.Contact{Learner: "L1", PlatformID: p.ID, Sealed: []byte("y")}); err != nil {
		t.Fatal(err)
	}
	c, err := db.Contact(ctx, "L1", p.ID)
	if err != nil || c.Confirmed != "h1" || c.ConfirmSent != "h1" || string(c.Sealed) != "y" {
		t.Errorf("contact: got %+v, %v", c, err)
	}
	if err := db.ConfirmContact(ctx, "L2", p.ID, "h1"); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("confirming no contact: got %v, want ErrNotFound", err)
	}
}

// TestCompletionCarriesItsFollowups saves a completed response with its
// follow-up waves: both are stored, and when the waves cannot be stored
// (a trigger refuses them here) neither is, so a completion never stands
// without its waves.
func TestCompletionCarriesItsFollowups(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	a := addActivity(t, db, p.ID, "course1", "exit")
	done := t0.Add(time.Hour)
	completed := func(learner string) *tracker.Response {
		r := response(learner, a.ID)
		r.Status, r.CompletedAt = tracker.StatusCompleted, &done
		return r
	}
	then := func(learner string) *tracker.FollowupSchedule {
		return &tracker.FollowupSchedule{Keep: []int{3}, Waves: []tracker.FollowupWave{
			{Learner: learner, Wave: 3, BaseAt: done, DueAt: done.AddDate(0, 3, 0)}}}
	}
	if err := db.SaveResponse(ctx, completed("L1"), []string{"q1"}, then("L1")); err != nil {
		t.Fatal(err)
	}
	if got, err := db.DueFollowups(ctx, done.AddDate(0, 3, 0), 10); err != nil || len(got) != 1 || got[0].Learner != "L1" {
		t.Errorf("waves after the completion: got %+v, %v; want L1's three-month wave", got, err)
	}

	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TRIGGER refuse_followups BEFORE INSERT ON followups
			BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveResponse(ctx, completed("L2"), []string{"q1"}, then("L2")); err == nil {
		t.Fatal("a completion whose waves were refused was saved")
	}
	if _, err := db.Response(ctx, "L2", a.ID); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("the completion stayed without its waves: %v", err)
	}
	if err := db.SaveResponse(ctx, completed("L3"), []string{"q1"}, nil); err != nil {
		t.Errorf("a save without waves: %v", err)
	}
}
