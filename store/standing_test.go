package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// TestStanding checks the one-statement read of a learner page against
// the reads it replaces: ActivityAt, CurrentConsent and NewestVersion;
// and at each step, that LaunchStanding reads the same standing with a
// session in that place, and the same session as Launch.
func TestStanding(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	sessions := 0
	// launch stores a session of learner in the activity at (contextID,
	// link) and returns its id hash.
	launch := func(learner, contextID, link string) string {
		t.Helper()
		sessions++
		s := launchSession(fmt.Sprint("session-", sessions), p.ID, t0.Add(time.Hour))
		s.Learner, s.ContextID, s.ResourceLinkID = learner, contextID, link
		if err := db.SaveLaunch(ctx, s); err != nil {
			t.Fatal(err)
		}
		return s.IDHash
	}
	standing := func(learner, contextID, link string) *tracker.Standing {
		t.Helper()
		st, err := db.Standing(ctx, learner, p.ID, contextID, link, "consent")
		if err != nil {
			t.Fatalf("Standing(%s, %s, %s): %v", learner, contextID, link, err)
		}
		id := launch(learner, contextID, link)
		sess, withSession, err := db.LaunchStanding(ctx, id, t0, "consent")
		if err != nil {
			t.Fatalf("LaunchStanding(%s, %s, %s): %v", learner, contextID, link, err)
		}
		alone, err := db.Launch(ctx, id, t0)
		if err != nil {
			t.Fatal(err)
		}
		assertEqual(t, "session read with the standing", sess, alone)
		assertEqual(t, "standing read with the session", withSession, st)
		return st
	}

	_, err := db.Standing(ctx, "L1", p.ID, "course1", "link1", "consent")
	assertErr(t, "Standing without the consent instrument", err, tracker.ErrNotFound)
	_, _, err = db.LaunchStanding(ctx, launch("L1", "course1", "link1"), t0, "consent")
	assertErr(t, "LaunchStanding without the consent instrument", err, tracker.ErrNotFound)

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

// TestLaunchStandingSession: an expired or unknown session is not found,
// whatever the standing; a session without an activity reads none.
func TestLaunchStandingSession(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	saveInstrument(t, db, "consent", 1, `{"id":"consent","version":1}`)
	addActivity(t, db, p.ID, "c", "link-1")
	if err := db.SaveLaunch(ctx, launchSession("l1", p.ID, t0.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	_, _, err := db.LaunchStanding(ctx, "l1", t0.Add(time.Minute), "consent")
	assertErr(t, "LaunchStanding at expiry", err, tracker.ErrNotFound)
	_, _, err = db.LaunchStanding(ctx, "l2", t0, "consent")
	assertErr(t, "LaunchStanding of an unknown session", err, tracker.ErrNotFound)
	s, st, err := db.LaunchStanding(ctx, "l1", t0, "consent")
	if err != nil || s.IDHash != "l1" || st.Activity == nil || st.Activity.ResourceLinkID != "link-1" || st.ConsentVersion != 1 {
		t.Fatalf("LaunchStanding: got %+v, %+v, %v; want l1 in activity link-1, consent version 1", s, st, err)
	}

	none := launchSession("l3", p.ID, t0.Add(time.Minute))
	none.ContextID, none.ResourceLinkID = "", ""
	if err := db.SaveLaunch(ctx, none); err != nil {
		t.Fatal(err)
	}
	if _, st, err := db.LaunchStanding(ctx, "l3", t0, "consent"); err != nil || st.Activity != nil || st.Consent != nil {
		t.Errorf("session without an activity: got %+v, %v; want no activity, no consent", st, err)
	}
}

// BenchmarkLaunchStanding reads a page's session and the learner's
// standing as two statements (Launch, then Standing) and as one
// (LaunchStanding), among 200 sessions with their activity and consent.
func BenchmarkLaunchStanding(b *testing.B) {
	ctx := context.Background()
	db := newDB(b)
	p := addPlatform(b, db, "https://lms.example", "c1", "d1")
	saveInstrument(b, db, "consent", 1, `{"id":"consent","version":1}`)
	const n = 200
	for i := range n {
		s := launchSession(fmt.Sprint("l", i), p.ID, t0.Add(time.Hour))
		s.Learner, s.ContextID = fmt.Sprint("L", i), fmt.Sprint("course-", i)
		addActivity(b, db, p.ID, s.ContextID, s.ResourceLinkID)
		if err := db.SaveLaunch(ctx, s); err != nil {
			b.Fatal(err)
		}
		saveConsent(b, db, consent(s.Learner, p.ID, s.ContextID))
	}
	b.Run("separate", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			s, err := db.Launch(ctx, fmt.Sprint("l", i%n), t0)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.Standing(ctx, s.Learner, s.PlatformID, s.ContextID, s.ResourceLinkID, "consent"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("joined", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			if _, _, err := db.LaunchStanding(ctx, fmt.Sprint("l", i%n), t0, "consent"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
