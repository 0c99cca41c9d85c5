package store

import (
	"context"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// consent is a granting consent record of learner in a course, unsaved.
func consent(learner string, platformID int64, contextID string) *tracker.Consent {
	return &tracker.Consent{
		Learner: learner, PlatformID: platformID, ContextID: contextID,
		DeploymentID: "d1", ResourceLinkID: "link1",
		TextID: "consent", TextVersion: 1, TextHash: "ab12", Lang: "fr",
		Purposes: map[tracker.Purpose]bool{
			tracker.PurposeSurveys: true, tracker.PurposeLinkLMS: false, tracker.PurposeFollowup: true,
			tracker.PurposeResearch: true, tracker.PurposeSensitive: false,
		},
		Method: "lti-launch-form",
	}
}

// saveConsent stores c or fails the test.
func saveConsent(t testing.TB, db *DB, c *tracker.Consent) *tracker.Consent {
	t.Helper()
	if err := db.SaveConsent(context.Background(), c); err != nil {
		t.Fatalf("SaveConsent(%s): got %v, want nil", c.Learner, err)
	}
	return c
}

// currentConsent loads the current consent or fails the test.
func currentConsent(t testing.TB, db *DB, learner string, platformID int64, contextID string) *tracker.Consent {
	t.Helper()
	c, err := db.CurrentConsent(context.Background(), learner, platformID, contextID)
	if err != nil {
		t.Fatalf("CurrentConsent(%s, %s): got %v, want nil", learner, contextID, err)
	}
	return c
}

func TestSaveConsent(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")

	first := saveConsent(t, db, consent("L1", p.ID, "course1"))
	if first.ID <= 0 || !first.CreatedAt.Equal(t0) {
		t.Errorf("ID, CreatedAt got %d, %v; want > 0, %v", first.ID, first.CreatedAt, t0)
	}
	assertEqual(t, "CurrentConsent", *currentConsent(t, db, "L1", p.ID, "course1"), *first)

	// A new decision at the same instant is still the newer one.
	second := consent("L1", p.ID, "course1")
	second.TextVersion, second.CreatedAt = 2, t0
	second.Purposes = map[tracker.Purpose]bool{tracker.PurposeSurveys: false}
	saveConsent(t, db, second)
	other := saveConsent(t, db, consent("L1", p.ID, "course2"))
	saveConsent(t, db, consent("L2", p.ID, "course1"))

	assertEqual(t, "CurrentConsent after a new decision", *currentConsent(t, db, "L1", p.ID, "course1"), *second)
	all, err := db.Consents(ctx, "L1")
	if err != nil {
		t.Fatalf("Consents: got %v, want nil", err)
	}
	assertEqual(t, "Consents, newest first", all, []tracker.Consent{*other, *second, *first})

	none, err := db.Consents(ctx, "nobody")
	if err != nil || len(none) != 0 {
		t.Errorf("Consents(nobody): got %v, %v; want none, nil", none, err)
	}
}

func TestConsentErrors(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	saveConsent(t, db, consent("L1", p.ID, "course1"))

	err := db.SaveConsent(ctx, consent("L1", p.ID+1, "course1"))
	assertErr(t, "SaveConsent(unknown platform)", err, tracker.ErrNotFound)
	for _, tt := range []struct {
		learner, contextID string
		platformID         int64
	}{
		{"L2", "course1", p.ID},
		{"L1", "course2", p.ID},
		{"L1", "course1", p.ID + 1},
	} {
		_, err := db.CurrentConsent(ctx, tt.learner, tt.platformID, tt.contextID)
		assertErr(t, "CurrentConsent("+tt.learner+", "+tt.contextID+")", err, tracker.ErrNotFound)
		err = db.Withdraw(ctx, tt.learner, tt.platformID, tt.contextID, t0)
		assertErr(t, "Withdraw("+tt.learner+", "+tt.contextID+")", err, tracker.ErrNotFound)
	}
}

// countRows counts the rows of table matching where.
func countRows(t testing.TB, db *DB, table, where string, args ...any) int {
	t.Helper()
	var n int
	if err := db.reader.QueryRow(`SELECT COUNT(*) FROM `+table+` WHERE `+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWithdraw(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	entry := addActivity(t, db, p.ID, "course1", "entry")
	exit := addActivity(t, db, p.ID, "course1", "exit")
	elsewhere := addActivity(t, db, p.ID, "course2", "entry")

	given := saveConsent(t, db, consent("L1", p.ID, "course1"))
	otherCourse := saveConsent(t, db, consent("L1", p.ID, "course2"))
	var withdrawnIDs []int64
	for _, a := range []*tracker.Activity{entry, exit} {
		withdrawnIDs = append(withdrawnIDs, saveResponse(t, db, response("L1", a.ID), "q1", "q2").ID)
	}
	kept := saveResponse(t, db, response("L1", elsewhere.ID), "q1", "q2")
	otherLearner := saveResponse(t, db, response("L2", entry.ID), "q1", "q2")
	if err := db.SaveContact(ctx, &tracker.Contact{Learner: "L1", PlatformID: p.ID, Sealed: []byte{1}}); err != nil {
		t.Fatal(err)
	}

	at := t0.Add(time.Hour)
	if err := db.Withdraw(ctx, "L1", p.ID, "course1", at); err != nil {
		t.Fatalf("Withdraw: got %v, want nil", err)
	}

	// The proof stays: the same record, purposes cleared, withdrawal time set.
	want := *given
	want.Purposes, want.WithdrawnAt = map[tracker.Purpose]bool{}, &at
	assertEqual(t, "withdrawn consent", *currentConsent(t, db, "L1", p.ID, "course1"), want)
	assertEqual(t, "other course's consent", *currentConsent(t, db, "L1", p.ID, "course2"), *otherCourse)

	for _, a := range []*tracker.Activity{entry, exit} {
		_, err := db.Response(ctx, "L1", a.ID)
		assertErr(t, "Response in the withdrawn course", err, tracker.ErrNotFound)
	}
	for _, id := range withdrawnIDs {
		if n := countRows(t, db, "answers", "response_id = ?", id); n != 0 {
			t.Errorf("answers of withdrawn response %d: got %d rows, want 0", id, n)
		}
	}
	for _, r := range []*tracker.Response{kept, otherLearner} {
		got, err := db.Response(ctx, r.Learner, r.ActivityID)
		if err != nil {
			t.Fatalf("Response(%s, %d) after withdrawal: got %v, want nil", r.Learner, r.ActivityID, err)
		}
		assertEqual(t, "response outside the withdrawal", *got, *r)
	}
	_, err := db.Contact(ctx, "L1", p.ID)
	assertErr(t, "Contact after Withdraw", err, tracker.ErrNotFound)

	// Again: no error, the first withdrawal time stays, a response saved by
	// a late tab goes, and a contact stored since (for another course) stays.
	saveResponse(t, db, response("L1", entry.ID), "q1")
	if err := db.SaveContact(ctx, &tracker.Contact{Learner: "L1", PlatformID: p.ID, Sealed: []byte{2}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Withdraw(ctx, "L1", p.ID, "course1", at.Add(time.Hour)); err != nil {
		t.Fatalf("second Withdraw: got %v, want nil", err)
	}
	assertEqual(t, "consent after a second Withdraw", *currentConsent(t, db, "L1", p.ID, "course1"), want)
	_, err = db.Response(ctx, "L1", entry.ID)
	assertErr(t, "late response after a second Withdraw", err, tracker.ErrNotFound)
	if _, err := db.Contact(ctx, "L1", p.ID); err != nil {
		t.Errorf("Contact after a second Withdraw: got %v, want nil", err)
	}

	// Consenting again makes a new current record; the proof remains listed.
	again := saveConsent(t, db, consent("L1", p.ID, "course1"))
	assertEqual(t, "CurrentConsent after consenting again", *currentConsent(t, db, "L1", p.ID, "course1"), *again)
	all, err := db.Consents(ctx, "L1")
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "Consents after consenting again", all, []tracker.Consent{*again, *otherCourse, want})
}
