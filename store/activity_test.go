package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// addActivity ensures the activity of a resource link in a course or fails
// the test.
func addActivity(t testing.TB, db *DB, platformID int64, contextID, linkID string) *tracker.Activity {
	t.Helper()
	a, err := db.EnsureActivity(context.Background(), &tracker.Activity{
		PlatformID: platformID, ContextID: contextID, ResourceLinkID: linkID,
		ContextTitle: "Course " + contextID, Title: "Survey " + linkID, InstrumentID: "entry",
	})
	if err != nil {
		t.Fatalf("EnsureActivity(%d, %s, %s): got %v, want nil", platformID, contextID, linkID, err)
	}
	return a
}

func TestEnsureActivityKeepsInstructorSettings(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")

	first, err := db.EnsureActivity(ctx, &tracker.Activity{
		PlatformID: p.ID, ContextID: "course1", ResourceLinkID: "link1",
		ContextTitle: "Biology", Title: "Entry survey", InstrumentID: "entry",
	})
	if err != nil {
		t.Fatalf("EnsureActivity (create): got %v, want nil", err)
	}
	if first.ID <= 0 {
		t.Errorf("ID got %d, want > 0", first.ID)
	}
	want := tracker.Activity{
		ID: first.ID, PlatformID: p.ID, ContextID: "course1", ResourceLinkID: "link1",
		ContextTitle: "Biology", Title: "Entry survey", InstrumentID: "entry",
		CreatedAt: t0, UpdatedAt: t0,
	}
	assertEqual(t, "created activity", *first, want)

	// The instructor sets up the activity.
	opens, closes := t0.Add(24*time.Hour), t0.Add(30*24*time.Hour)
	settings := *first
	settings.InstrumentID, settings.Graded, settings.ShowRespondents = "exit", true, true
	settings.OpensAt, settings.ClosesAt = &opens, &closes
	settings.UpdatedAt = t0.Add(time.Minute)
	if err := db.SaveActivity(ctx, &settings); err != nil {
		t.Fatalf("SaveActivity: got %v, want nil", err)
	}

	// A later launch renames the course and the link and carries launch
	// defaults that must not override the settings.
	later := t0.Add(time.Hour)
	second, err := db.EnsureActivity(ctx, &tracker.Activity{
		PlatformID: p.ID, ContextID: "course1", ResourceLinkID: "link1",
		ContextTitle: "Biology 2025", Title: "Start here", InstrumentID: "entry",
		CreatedAt: later, UpdatedAt: later,
	})
	if err != nil {
		t.Fatalf("EnsureActivity (existing): got %v, want nil", err)
	}
	want = settings
	want.ContextTitle, want.Title, want.UpdatedAt = "Biology 2025", "Start here", later
	assertEqual(t, "activity after second EnsureActivity", *second, want)

	got, err := db.Activity(ctx, first.ID)
	if err != nil {
		t.Fatalf("Activity: got %v, want nil", err)
	}
	assertEqual(t, "Activity", *got, want)

	other := addActivity(t, db, p.ID, "course1", "link2")
	if other.ID == first.ID {
		t.Errorf("another resource link got the same activity id %d", other.ID)
	}
}

func TestActivityErrors(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	_, err := db.EnsureActivity(ctx, &tracker.Activity{PlatformID: 99, ContextID: "c", ResourceLinkID: "l"})
	assertErr(t, "EnsureActivity(unknown platform)", err, tracker.ErrNotFound)
	_, err = db.Activity(ctx, 42)
	assertErr(t, "Activity(absent)", err, tracker.ErrNotFound)
	err = db.SaveActivity(ctx, &tracker.Activity{ID: 42, Title: "x"})
	assertErr(t, "SaveActivity(absent)", err, tracker.ErrNotFound)
}

func TestRemovePlatformRemovesActivities(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1")
	a := addActivity(t, db, p.ID, "course1", "link1")
	if err := db.RemovePlatform(ctx, p.Issuer, p.ClientID); err != nil {
		t.Fatal(err)
	}
	_, err := db.Activity(ctx, a.ID)
	assertErr(t, "Activity after RemovePlatform", err, tracker.ErrNotFound)
}

func TestActivityAt(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	p := addPlatform(t, db, "https://lms.example.org", "c1", "1")
	if _, err := db.ActivityAt(ctx, p.ID, "c", "r"); !errors.Is(err, tracker.ErrNotFound) {
		t.Fatalf("absent: got %v, want ErrNotFound", err)
	}
	made := addActivity(t, db, p.ID, "c", "r")
	got, err := db.ActivityAt(ctx, p.ID, "c", "r")
	if err != nil || got.ID != made.ID || got.Title != made.Title || got.InstrumentID != "entry" {
		t.Errorf("got %+v %v, want the activity made", got, err)
	}
}
