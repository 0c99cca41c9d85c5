package tracker_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/astre-lti/astre/tracker"
)

// course is a small course written through the store as the survey pages
// would write it.
type course struct {
	t        *testing.T
	srv      *tracker.Server
	platform int64
	id       string
	entry    *tracker.Activity
	exit     *tracker.Activity
	at       time.Time
}

func newCourse(t *testing.T, id string) *course {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }
	db := openStore(t, now)
	srv, err := tracker.New(tracker.Options{Store: db, Secrets: testSecrets(), BaseURL: "http://tool.test", Now: now, Log: zerolog.Nop(),
		Mail: tracker.MailOptions{Dir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := srv.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	p := &tracker.Platform{Issuer: "https://lms.test", ClientID: "c1", AuthURL: "https://lms.test/a", TokenURL: "https://lms.test/t", JWKSURL: "https://lms.test/j"}
	if err := db.AddPlatform(ctx, p); err != nil {
		t.Fatal(err)
	}
	c := &course{t: t, srv: srv, platform: p.ID, id: id, at: now()}
	for _, in := range []string{"entry", "exit"} {
		a, err := db.EnsureActivity(ctx, &tracker.Activity{PlatformID: p.ID, ContextID: id, ResourceLinkID: in,
			ContextTitle: "Course " + id, Title: in, InstrumentID: in})
		if err != nil {
			t.Fatal(err)
		}
		if in == "entry" {
			c.entry = a
		} else {
			c.exit = a
		}
	}
	return c
}

// learner consents with the given purposes and answers the activity's
// instrument with answers (single codes by item), finishing it.
func (c *course) learner(name string, purposes []tracker.Purpose, a *tracker.Activity, answers map[string]string) {
	c.t.Helper()
	ctx := context.Background()
	st := c.srv.Store
	if err := st.SeeLearner(ctx, a.ID, name, c.at); err != nil {
		c.t.Fatal(err)
	}
	granted := map[tracker.Purpose]bool{}
	for _, p := range purposes {
		granted[p] = true
	}
	err := st.SaveConsent(ctx, &tracker.Consent{Learner: name, PlatformID: c.platform, ContextID: c.id,
		TextID: "consent", TextVersion: 1, Lang: "en", Purposes: granted, Method: "test"})
	if err != nil {
		c.t.Fatal(err)
	}
	if answers == nil {
		return
	}
	r := &tracker.Response{Learner: name, ActivityID: a.ID, InstrumentID: a.InstrumentID, InstrumentVersion: 1,
		Status: tracker.StatusCompleted, Answers: map[string]tracker.Answer{}, CompletedAt: &c.at}
	var ids []string
	for item, code := range answers {
		r.Answers[item] = tracker.Answer{Codes: []string{code}}
		ids = append(ids, item)
	}
	if err := st.SaveResponse(ctx, r, ids, nil); err != nil {
		c.t.Fatal(err)
	}
}

func (c *course) report() *tracker.CourseReport {
	c.t.Helper()
	rep, err := c.srv.Reports.CourseReport(context.Background(), c.platform, c.id, "en", func(k string) string { return k })
	if err != nil {
		c.t.Fatal(err)
	}
	return rep
}

var surveysOnly = []tracker.Purpose{tracker.PurposeSurveys}

func funnel(rep *tracker.CourseReport) map[string]int {
	out := map[string]int{}
	for _, s := range rep.Funnel {
		out[s.Key] = s.N
	}
	return out
}

func indicator(rep *tracker.CourseReport, key string) tracker.Indicator {
	for _, i := range rep.Indicators {
		if i.Key == key {
			return i
		}
	}
	return tracker.Indicator{}
}

func TestCourseReportCountsOnlyGrantedAnswers(t *testing.T) {
	c := newCourse(t, "c")
	// 12 learners with low education, 8 with high.
	for i := range 20 {
		level := "ed7"
		if i < 12 {
			level = "ed1"
		}
		c.learner(fmt.Sprintf("l%02d", i), surveysOnly, c.entry, map[string]string{"education_level": level, "urbanisation": "city"})
	}
	// Not counted: surveys refused (an answer left from before), withdrawn.
	c.learner("refused", []tracker.Purpose{tracker.PurposeResearch}, c.entry, map[string]string{"education_level": "ed1"})
	c.learner("gone", surveysOnly, c.entry, map[string]string{"education_level": "ed1"})
	if err := c.srv.Store.Withdraw(context.Background(), "gone", c.platform, c.id, c.at); err != nil {
		t.Fatal(err)
	}
	rep := c.report()
	f := funnel(rep)
	if f["launched"] != 21 || f["consented"] != 20 || f["entry"] != 20 {
		t.Errorf("funnel: got %v, want launched 21 (the withdrawn learner gone), consented 20, entry 20", f)
	}
	low := indicator(rep, "low_education")
	if low.Yes.Value() != 12 || low.Total.Value() != 20 {
		t.Errorf("low education: got %d of %d, want 12 of 20", low.Yes.Value(), low.Total.Value())
	}
	if rep.CountsOnly {
		t.Error("20 respondents: want a full report")
	}
}

func TestCourseReportSpecialCategoryNeedsItsConsent(t *testing.T) {
	c := newCourse(t, "c")
	wg := map[string]string{"education_level": "ed3", "wg_seeing": "a_lot", "wg_hearing": "no_difficulty", "wg_walking": "no_difficulty",
		"wg_remembering": "no_difficulty", "wg_selfcare": "no_difficulty", "wg_communicating": "no_difficulty"}
	// 12 with a disability and 12 without grant special-category; 10
	// more with a disability answered it earlier but refuse it now.
	for i := range 34 {
		purposes := surveysOnly
		if i < 24 {
			purposes = []tracker.Purpose{tracker.PurposeSurveys, tracker.PurposeSensitive}
		}
		answers := map[string]string{}
		for k, v := range wg {
			answers[k] = v
		}
		if i >= 12 && i < 24 {
			answers["wg_seeing"] = "some"
		}
		c.learner(fmt.Sprintf("l%02d", i), purposes, c.entry, answers)
	}
	d := indicator(c.report(), "disability")
	if d.Yes.Value() != 12 || d.Total.Value() != 24 {
		t.Errorf("disability: got %d of %d, want 12 of 24 (only those who granted special-category)", d.Yes.Value(), d.Total.Value())
	}
	if !d.Sensitive {
		t.Error("disability is special-category")
	}
}

func TestCourseReportSuppressesSmallCells(t *testing.T) {
	c := newCourse(t, "c")
	for i := range 30 {
		level := "ed7"
		if i < 3 {
			level = "ed1" // a small group
		}
		c.learner(fmt.Sprintf("l%02d", i), surveysOnly, c.entry, map[string]string{"education_level": level, "urbanisation": "town_suburb"})
	}
	rep := c.report()
	low := indicator(rep, "low_education")
	if !low.Yes.Hidden {
		t.Errorf("3 of 30 with low education: got yes %+v, want it hidden", low.Yes)
	}
	var edu *tracker.ItemReport
	for _, ir := range rep.Instruments {
		for _, it := range ir.Items {
			if it.ID == "education_level" {
				edu = it
			}
		}
	}
	if edu == nil {
		t.Fatal("no education_level distribution")
	}
	hidden := 0
	for i, cell := range edu.Rows[0].Cells {
		if !cell.Hidden && cell.N < rep.K {
			t.Errorf("education %s: %d shown", edu.Rows[0].Codes[i], cell.N)
		}
		if cell.Hidden {
			hidden++
		}
	}
	if hidden < 2 {
		t.Errorf("education: %d hidden cells, want at least 2", hidden)
	}
	for _, b := range rep.Equity {
		for _, m := range b.Measures {
			for i := range b.Groups {
				if c := m.Yes[i]; !c.Hidden && c.N < rep.K {
					t.Errorf("equity %s/%s/%s: yes %d shown", b.Variable, m.Key, b.Groups[i], c.N)
				}
			}
		}
	}
}

func TestCourseReportFewerThanKShowsCountsOnly(t *testing.T) {
	c := newCourse(t, "c")
	for i := range 4 {
		c.learner(fmt.Sprintf("l%d", i), surveysOnly, c.exit, map[string]string{"overall_satisfaction": "agree"})
	}
	rep := c.report()
	if !rep.CountsOnly || len(rep.Indicators) > 0 || len(rep.Equity) > 0 || len(rep.Instruments) > 0 {
		t.Errorf("4 respondents: got counts only %v, %d indicators, %d breakdowns, %d instruments; want counts only",
			rep.CountsOnly, len(rep.Indicators), len(rep.Equity), len(rep.Instruments))
	}
	if f := funnel(rep); f["exit"] != 4 {
		t.Errorf("funnel exit: got %d, want 4", f["exit"])
	}
}
