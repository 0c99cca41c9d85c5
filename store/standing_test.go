package store

import (
	"context"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// TestStanding checks the one-statement read of a learner page against
// the reads it replaces: ActivityAt, CurrentConsent and NewestVersion.
func TestStanding(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	standing := func(learner, contextID, link string) *tracker.Standing {
		t.Helper()
		st, err := db.Standing(ctx, learner, p.ID, contextID, link, "consent")
		if err != nil {
			t.Fatalf("Standing(%s, %s, %s): %v", learner, contextID, link, err)
		}
		return st
	}

	_, err := db.Standing(ctx, "L1", p.ID, "course1", "link1", "consent")
	assertErr(t, "Standing without the consent instrument", err, tracker.ErrNotFound)

	saveInstrument(t, db, "consent", 1, `{"id":"consent","version":1}`)
	saveInstrument(t, db, "consent", 2, `{"id":"consent","version":2}`)
	if st := standing("L1", "course1", "link1"); st.Activity != nil || st.Consent != nil || st.ConsentVersion != 2 {
		t.Errorf("nothing yet: got %+v, want no activity, no consent, version 2", st)
	}

	a := addActivity(t, db, p.ID, "course1", "link1")
	opens := t0.Add(time.Hour)
	a.OpensAt, a.Graded, a.LineItem = &opens, true, "https://lms.example/li/1"
	if err := db.SaveActivity(ctx, a); err != nil {
		t.Fatal(err)
	}
	want, err := db.ActivityAt(ctx, p.ID, "course1", "link1")
	if err != nil {
		t.Fatal(err)
	}
	st := standing("L1", "course1", "link1")
	assertEqual(t, "activity", st.Activity, want)
	if st.Consent != nil {
		t.Errorf("consent before any: %+v", st.Consent)
	}

	saveConsent(t, db, consent("L1", p.ID, "course1"))
	second := consent("L1", p.ID, "course1")
	second.TextVersion, second.Purposes[tracker.PurposeResearch] = 2, false
	saveConsent(t, db, second)
	saveConsent(t, db, consent("L2", p.ID, "course1"))
	saveConsent(t, db, consent("L1", p.ID, "course2"))
	if err := db.Withdraw(ctx, "L1", p.ID, "course1", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	st = standing("L1", "course1", "link1")
	assertEqual(t, "consent", st.Consent, currentConsent(t, db, "L1", p.ID, "course1"))
	if st.Consent.TextVersion != 2 || st.Consent.WithdrawnAt == nil {
		t.Errorf("newest consent: got %+v, want version 2, withdrawn", st.Consent)
	}
	assertEqual(t, "activity with a consent", st.Activity, want)

	// Another link of the course: the course's consent, no activity.
	if st := standing("L1", "course1", "link2"); st.Activity != nil || st.Consent == nil || st.Consent.ID != second.ID {
		t.Errorf("other link: got %+v, want no activity and consent %d", st, second.ID)
	}
}

// TestValuesScan checks the conversions of a row read into values, and
// that a value of the wrong kind is an error rather than a zero.
func TestValuesScan(t *testing.T) {
	var (
		n     int64
		i     int
		b     bool
		s, s2 string
	)
	if err := (values{int64(7), int64(3), int64(1), "x", []byte("y")}).Scan(&n, &i, &b, &s, &s2); err != nil {
		t.Fatal(err)
	}
	if n != 7 || i != 3 || !b || s != "x" || s2 != "y" {
		t.Errorf("got %d %d %v %q %q", n, i, b, s, s2)
	}
	for _, v := range []values{{"7"}, {nil}, {3.5}} {
		if err := v.Scan(&n); err == nil {
			t.Errorf("%#v into *int64: no error", v[0])
		}
	}
	if err := (values{int64(1), int64(2)}).Scan(&n); err == nil {
		t.Error("two values into one destination: no error")
	}
}
