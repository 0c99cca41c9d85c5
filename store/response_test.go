package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// response is an in-progress response of learner in an activity, with
// answers to q1 and q2, unsaved.
func response(learner string, activityID int64) *tracker.Response {
	return &tracker.Response{
		Learner: learner, ActivityID: activityID, InstrumentID: "entry", InstrumentVersion: 1,
		Status: tracker.StatusInProgress, Page: 1,
		Answers: map[string]tracker.Answer{
			"q1": {Codes: []string{"ED3", "ED4"}},
			"q2": {Text: "Lyon", Other: "x", Rows: map[string]string{"r1": "3", "r2": "5"}},
		},
		StartedAt: t0, UpdatedAt: t0,
	}
}

// saveResponse saves r with the answers to items or fails the test.
func saveResponse(t testing.TB, db *DB, r *tracker.Response, items ...string) *tracker.Response {
	t.Helper()
	if err := db.SaveResponse(context.Background(), r, items, nil); err != nil {
		t.Fatalf("SaveResponse(%s, %d): got %v, want nil", r.Learner, r.ActivityID, err)
	}
	return r
}

// loadResponse loads a response or fails the test.
func loadResponse(t testing.TB, db *DB, learner string, activityID int64) *tracker.Response {
	t.Helper()
	r, err := db.Response(context.Background(), learner, activityID)
	if err != nil {
		t.Fatalf("Response(%s, %d): got %v, want nil", learner, activityID, err)
	}
	return r
}

func TestSaveResponse(t *testing.T) {
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1")
	a := addActivity(t, db, p.ID, "course1", "link1")

	r := saveResponse(t, db, response("L1", a.ID), "q1", "q2")
	if r.ID <= 0 {
		t.Fatalf("ID got %d, want > 0", r.ID)
	}
	assertEqual(t, "Response", *loadResponse(t, db, "L1", a.ID), *r)

	// Completing it from a copy without the id, as a second tab would; the
	// start and the instrument version stay those of the first save.
	done := t0.Add(time.Hour)
	update := response("L1", a.ID)
	update.InstrumentVersion, update.StartedAt = 2, done
	update.Status, update.Page, update.UpdatedAt, update.CompletedAt = tracker.StatusCompleted, 3, done, &done
	saveResponse(t, db, update, "q1", "q2")
	want := *update
	want.ID, want.InstrumentVersion, want.StartedAt = r.ID, 1, t0
	assertEqual(t, "returned response after update", *update, want)
	assertEqual(t, "Response after update", *loadResponse(t, db, "L1", a.ID), want)

	// A completed response reopened (declined, then the surveys granted).
	update.Status, update.CompletedAt = tracker.StatusInProgress, nil
	saveResponse(t, db, update)
	if got := loadResponse(t, db, "L1", a.ID); got.CompletedAt != nil || got.Status != tracker.StatusInProgress {
		t.Errorf("reopened response: got status %s, completed %v; want %s, nil", got.Status, got.CompletedAt, tracker.StatusInProgress)
	}
}

func TestSaveResponseStampsZeroTimes(t *testing.T) {
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1")
	a := addActivity(t, db, p.ID, "course1", "link1")
	r := &tracker.Response{Learner: "L1", ActivityID: a.ID, InstrumentID: "entry", InstrumentVersion: 1,
		Status: tracker.StatusDeclined}
	saveResponse(t, db, r)
	got := loadResponse(t, db, "L1", a.ID)
	if !got.StartedAt.Equal(t0) || !got.UpdatedAt.Equal(t0) {
		t.Errorf("StartedAt, UpdatedAt got %v, %v; want %v for both", got.StartedAt, got.UpdatedAt, t0)
	}
	if got.Answers == nil || len(got.Answers) != 0 {
		t.Errorf("Answers got %#v, want an empty map", got.Answers)
	}
}

func TestSaveResponsePartialItems(t *testing.T) {
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1")
	a := addActivity(t, db, p.ID, "course1", "link1")
	r := response("L1", a.ID)
	r.Answers["q3"] = tracker.Answer{Codes: []string{"yes"}}
	r.Answers["q4"] = tracker.Answer{Text: "42"}
	saveResponse(t, db, r, "q1", "q2", "q3", "q4")

	// A page of q2, q3, q4 and q5: q2 changed, q3 cleared (absent), q4
	// cleared (an empty answer), q5 left empty. q1 is on another page and
	// missing from Answers: it must stay.
	page := response("L1", a.ID)
	page.Answers = map[string]tracker.Answer{
		"q2": {Text: "Paris"},
		"q4": {Codes: []string{""}, Text: "  "},
		"q5": {},
	}
	saveResponse(t, db, page, "q2", "q3", "q4", "q5")

	got := loadResponse(t, db, "L1", a.ID)
	want := map[string]tracker.Answer{"q1": r.Answers["q1"], "q2": {Text: "Paris"}}
	assertEqual(t, "answers after a partial save", got.Answers, want)

	// No item ids: the response row changes, no answer does.
	page.Page = 4
	saveResponse(t, db, page)
	got = loadResponse(t, db, "L1", a.ID)
	assertEqual(t, "answers after a save without items", got.Answers, want)
	if got.Page != 4 {
		t.Errorf("Page got %d, want 4", got.Page)
	}
}

// TestSaveResponseManyItems saves more items than one statement takes,
// then clears two items in three and changes the others, so both the
// upserts and the deletes span several statements.
func TestSaveResponseManyItems(t *testing.T) {
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1")
	a := addActivity(t, db, p.ID, "course1", "link1")
	const n = 2*answerRowsPerStatement + 37
	items := make([]string, n)
	r := response("L1", a.ID)
	r.Answers = map[string]tracker.Answer{}
	for i := range items {
		items[i] = fmt.Sprintf("q%d", i)
		r.Answers[items[i]] = tracker.Answer{Text: fmt.Sprint(i)}
	}
	saveResponse(t, db, r, items...)
	assertEqual(t, "answers after the first save", loadResponse(t, db, "L1", a.ID).Answers, r.Answers)

	want := map[string]tracker.Answer{}
	for i, item := range items {
		if i%3 != 0 {
			delete(r.Answers, item)
			continue
		}
		r.Answers[item] = tracker.Answer{Text: fmt.Sprint(i * 10)}
		want[item] = r.Answers[item]
	}
	saveResponse(t, db, r, items...)
	assertEqual(t, "answers after clearing two in three", loadResponse(t, db, "L1", a.ID).Answers, want)
}

// TestSaveResponseConcurrent saves one page of one response from 20
// goroutines at once, each with its own answers; odd ones leave q3 empty.
// The rule: one response row, and its answers, page and time are exactly
// those of one submission (the last committed), never a mixture of two.
func TestSaveResponseConcurrent(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1")
	a := addActivity(t, db, p.ID, "course1", "link1")
	page := []string{"q1", "q2", "q3"}

	const tabs = 20
	submission := func(i int) *tracker.Response {
		r := response("L1", a.ID)
		r.Page = i
		r.UpdatedAt = t0.Add(time.Duration(i) * time.Second)
		v := fmt.Sprint(i)
		r.Answers = map[string]tracker.Answer{"q1": {Codes: []string{v}}, "q2": {Text: v}}
		if i%2 == 0 {
			r.Answers["q3"] = tracker.Answer{Rows: map[string]string{"r1": v}}
		}
		return r
	}
	ids := make([]int64, tabs)
	var wg sync.WaitGroup
	for i := range tabs {
		wg.Go(func() {
			r := submission(i)
			if err := db.SaveResponse(ctx, r, page, nil); err != nil {
				t.Errorf("tab %d: SaveResponse got %v, want nil", i, err)
			}
			ids[i] = r.ID
		})
	}
	wg.Wait()

	if n := countRows(t, db, "responses", "learner = ? AND activity_id = ?", "L1", a.ID); n != 1 {
		t.Fatalf("response rows got %d, want 1", n)
	}
	got := loadResponse(t, db, "L1", a.ID)
	for i, id := range ids {
		if id != got.ID {
			t.Errorf("tab %d: ID got %d, want %d", i, id, got.ID)
		}
	}
	if got.Page < 0 || got.Page >= tabs {
		t.Fatalf("Page got %d, want one of the submissions' 0..%d", got.Page, tabs-1)
	}
	winner := submission(got.Page)
	winner.ID = got.ID
	assertEqual(t, "response after concurrent saves", *got, *winner)
}

func TestResponseErrors(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1")
	a := addActivity(t, db, p.ID, "course1", "link1")
	saveResponse(t, db, response("L1", a.ID), "q1")

	err := db.SaveResponse(ctx, response("L1", a.ID+1), []string{"q1"}, nil)
	assertErr(t, "SaveResponse(unknown activity)", err, tracker.ErrNotFound)
	_, err = db.Response(ctx, "L2", a.ID)
	assertErr(t, "Response(other learner)", err, tracker.ErrNotFound)
	_, err = db.Response(ctx, "L1", a.ID+1)
	assertErr(t, "Response(other activity)", err, tracker.ErrNotFound)
}

func TestLearnerResponses(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1")
	entry := addActivity(t, db, p.ID, "course1", "entry")
	exit := addActivity(t, db, p.ID, "course1", "exit")
	other := addActivity(t, db, p.ID, "course2", "entry")

	late := response("L1", entry.ID)
	late.StartedAt = t0.Add(2 * time.Hour)
	saveResponse(t, db, late, "q1", "q2")
	early := response("L1", other.ID)
	early.Answers = map[string]tracker.Answer{}
	saveResponse(t, db, early)
	middle := response("L1", exit.ID)
	middle.StartedAt = t0.Add(time.Hour)
	saveResponse(t, db, middle, "q1", "q2")
	saveResponse(t, db, response("L2", entry.ID), "q1")

	got, err := db.LearnerResponses(ctx, "L1")
	if err != nil {
		t.Fatalf("LearnerResponses: got %v, want nil", err)
	}
	summary := func(r *tracker.Response, a *tracker.Activity) tracker.ResponseSummary {
		return tracker.ResponseSummary{Response: *r, ContextID: a.ContextID, ContextTitle: a.ContextTitle,
			ActivityTitle: a.Title, PlatformID: a.PlatformID}
	}
	want := []tracker.ResponseSummary{summary(early, other), summary(middle, exit), summary(late, entry)}
	assertEqual(t, "LearnerResponses, oldest first", got, want)

	none, err := db.LearnerResponses(ctx, "nobody")
	if err != nil || len(none) != 0 {
		t.Errorf("LearnerResponses(nobody): got %v, %v; want none, nil", none, err)
	}
}

func TestSurveyDataSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "astre.db")
	db := openDB(t, path)
	p := addPlatform(t, db, "https://lms.example", "c1", "d1")
	a := addActivity(t, db, p.ID, "course1", "link1")
	in := saveInstrument(t, db, "entry", 1, `{"id":"entry"}`)
	c := saveConsent(t, db, consent("L1", p.ID, "course1"))
	r := saveResponse(t, db, response("L1", a.ID), "q1", "q2")
	ct := &tracker.Contact{Learner: "L1", PlatformID: p.ID, Sealed: []byte{7, 7}}
	if err := db.SaveContact(ctx, ct); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: got %v, want nil", err)
	}

	db = openDB(t, path)
	gotA, err := db.Activity(ctx, a.ID)
	if err != nil {
		t.Fatalf("Activity after reopen: got %v, want nil", err)
	}
	assertEqual(t, "activity after reopen", *gotA, *a)
	gotIn, err := db.Instrument(ctx, "entry", 0)
	if err != nil {
		t.Fatalf("Instrument after reopen: got %v, want nil", err)
	}
	assertEqual(t, "instrument after reopen", *gotIn, *in)
	assertEqual(t, "consent after reopen", *currentConsent(t, db, "L1", p.ID, "course1"), *c)
	assertEqual(t, "response after reopen", *loadResponse(t, db, "L1", a.ID), *r)
	gotCt, err := db.Contact(ctx, "L1", p.ID)
	if err != nil {
		t.Fatalf("Contact after reopen: got %v, want nil", err)
	}
	assertEqual(t, "contact after reopen", *gotCt, *ct)
}

func BenchmarkSaveResponse(b *testing.B) {
	ctx := context.Background()
	db := newDB(b)
	p := addPlatform(b, db, "https://lms.example", "c1")
	a := addActivity(b, db, p.ID, "course1", "link1")
	r := response("L1", a.ID)
	for b.Loop() {
		if err := db.SaveResponse(ctx, r, []string{"q1", "q2", "q3"}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
