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
