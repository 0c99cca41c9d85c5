package tracker_test

import (
	"context"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

func TestDemoData(t *testing.T) {
	c := newCourse(t, "unused")
	ctx := context.Background()
	d := &tracker.Demo{Store: c.srv.Store.(tracker.DemoStore), Courses: 3, Learners: 60, Seed: 7,
		Now: func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }}
	res, err := d.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Courses != 3 || res.Learners < 45 || res.Responses < res.Learners/2 || res.Answers < 10*res.Responses {
		t.Fatalf("got %+v, want 3 courses with learners, responses and answers", res)
	}
	courses, err := c.srv.Store.ReportCourses(ctx, tracker.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(courses) != 4 { // the three demo courses and newCourse's
		t.Fatalf("got %d courses, want 4", len(courses))
	}
	// Every response is valid for its instrument, and consent rules hold:
	// no response without the surveys purpose granted.
	checked := 0
	err = c.srv.Store.ReportResponses(ctx, tracker.ReportFilter{}, func(r *tracker.ReportResponse) error {
		in, _, err := c.srv.Surveys.Instrument(ctx, r.InstrumentID, r.InstrumentVersion)
		if err != nil {
			return err
		}
		if !r.Purposes[tracker.PurposeSurveys] {
			t.Errorf("response %d of a learner without the surveys purpose", r.ID)
		}
		for _, it := range in.Items() {
			a, ok := r.Answers[it.ID]
			if !ok {
				continue
			}
			if err := it.Check(a); err != nil {
				t.Errorf("response %d: %v", r.ID, err)
			}
			if it.Sensitive && !r.Purposes[tracker.PurposeSensitive] {
				t.Errorf("response %d: special-category answer without that purpose", r.ID)
			}
		}
		checked++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked != res.Responses {
		t.Errorf("walked %d responses, want %d", checked, res.Responses)
	}
	rep, err := c.srv.Reports.CourseReport(ctx, courses[1].PlatformID, courses[1].ContextID, "de", func(k string) string { return k })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Funnel[0].N == 0 || !rep.Funnel[0].Known || rep.Funnel[1].N > rep.Funnel[0].N {
		t.Errorf("funnel %+v: want a roster at least as large as the launches", rep.Funnel)
	}
}
