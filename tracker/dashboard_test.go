package tracker_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/astre-lti/astre/tracker"
)

// sibling is another course in c's database.
func (c *course) sibling(id string) *course {
	c.t.Helper()
	s := *c
	s.id = id
	for _, in := range []string{"entry", "exit"} {
		a, err := c.srv.Store.EnsureActivity(context.Background(), &tracker.Activity{PlatformID: c.platform, ContextID: id,
			ResourceLinkID: in, ContextTitle: "Course " + id, Title: in, InstrumentID: in})
		if err != nil {
			c.t.Fatal(err)
		}
		if in == "entry" {
			s.entry = a
		} else {
			s.exit = a
		}
	}
	return &s
}

func TestDashboardSuppressesAcrossCourses(t *testing.T) {
	a := newCourse(t, "a")
	b := a.sibling("b")
	z := a.sibling("z")
	// a: 3 of 20 unemployed (small); b: 12 of 30; z: 2 learners only.
	for i := range 20 {
		act := map[string]string{"main_activity": "employed"}
		if i < 3 {
			act["main_activity"] = "unemployed"
		}
		a.learner(fmt.Sprintf("a%d", i), surveysOnly, a.entry, act)
	}
	for i := range 30 {
		act := map[string]string{"main_activity": "employed"}
		if i < 12 {
			act["main_activity"] = "unemployed"
		}
		b.learner(fmt.Sprintf("b%d", i), surveysOnly, b.entry, act)
	}
	for i := range 2 {
		z.learner(fmt.Sprintf("z%d", i), surveysOnly, z.entry, map[string]string{"main_activity": "unemployed"})
	}
	d, err := a.srv.Reports.Dashboard(context.Background(), tracker.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Courses) != 3 || !d.Courses[2].CountsOnly || d.Courses[2].Indicators != nil {
		t.Fatalf("got %d courses (last %+v), want 3 with z counts only", len(d.Courses), d.Courses[len(d.Courses)-1])
	}
	idx := -1
	for i, key := range tracker.DashboardMeasures {
		if key == "unemployed" {
			idx = i
		}
	}
	overall := d.Overall.Indicators[idx]
	if overall.Total.Value() != 52 && !overall.Total.Hidden {
		t.Errorf("overall known: got %d, want 52", overall.Total.Value())
	}
	visibleSum, hidden := 0, 0
	for _, row := range d.Courses {
		if row.CountsOnly {
			hidden++ // not shown at all
			continue
		}
		c := row.Indicators[idx].Yes
		if !c.Hidden && c.N < d.K {
			t.Errorf("%s: %d shown, below k", row.Course.ContextID, c.N)
		}
		if c.Hidden {
			hidden++
		} else {
			visibleSum += c.N
		}
	}
	if !overall.Yes.Hidden && hidden == 1 {
		t.Errorf("overall unemployed %d shown with one course hidden: %d - %d gives it back", overall.Yes.N, overall.Yes.N, visibleSum)
	}
	if a.srv.Reports == nil || len(d.Trend) == 0 {
		t.Error("no trend rows")
	}
}

func TestDashboardCachedUntilAWithdrawal(t *testing.T) {
	a := newCourse(t, "a")
	employed := map[string]string{"main_activity": "employed"}
	for i := range 10 {
		a.learner(fmt.Sprintf("a%d", i), surveysOnly, a.entry, employed)
	}
	ctx := context.Background()
	dash := func() *tracker.Dashboard {
		t.Helper()
		d, err := a.srv.Reports.Dashboard(ctx, tracker.ReportFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := dash()
	if first.Overall.Respondents != 10 {
		t.Fatalf("respondents: got %d, want 10", first.Overall.Respondents)
	}
	// A new answer waits for the cache to expire: every instance shows
	// the same figures, with the time they were computed.
	a.learner("late", surveysOnly, a.entry, employed)
	if got := dash(); got.Overall.Respondents != 10 || !got.ComputedAt.Equal(first.ComputedAt) {
		t.Errorf("within the cache time: got %d respondents computed at %s, want the cached 10 of %s",
			got.Overall.Respondents, got.ComputedAt, first.ComputedAt)
	}
	// A withdrawal clears the cache at once: the learner leaves every figure.
	for _, who := range []string{"a0", "a1"} {
		if err := a.srv.Store.Withdraw(ctx, who, a.platform, "a", a.at); err != nil {
			t.Fatal(err)
		}
	}
	if got := dash(); got.Overall.Respondents != 9 {
		t.Errorf("after two withdrawals: got %d respondents, want 9 (11 answered, 2 withdrew)", got.Overall.Respondents)
	}
	// Without the cache, figures are always fresh.
	a.srv.Reports.CacheFor = -1
	a.learner("later", surveysOnly, a.entry, employed)
	if got := dash(); got.Overall.Respondents != 10 {
		t.Errorf("cache off: got %d respondents, want 10", got.Overall.Respondents)
	}
}
