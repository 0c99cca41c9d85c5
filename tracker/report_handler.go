package tracker

import (
	"fmt"
	"net/http"
)

// reportPage is templates/report.html: the course report an instructor
// opens from the activity.
type reportPage struct {
	Page
	*courseReportView
}

// courseReport shows the launch's course report in the viewer's language.
func (s *Server) courseReport(w http.ResponseWriter, r *http.Request) error {
	lc, sess := launchContextFrom(r), launchSessionFrom(r)
	if lc.ContextID == "" {
		return fmt.Errorf("report: launch without a course: %w", ErrNotFound)
	}
	p := s.launchPage(r)
	rep, err := s.Reports.CourseReport(r.Context(), sess.PlatformID, lc.ContextID, p.Lang, func(k string) string { return p.T(k) })
	if err != nil {
		return err
	}
	if rep.Course.Title == "" {
		rep.Course.Title = firstNonEmpty(lc.ContextTitle, lc.ContextLabel, lc.ContextID)
	}
	v := newCourseReportView(rep, reportText{t: p.T, num: newNumbers(p.Lang), k: rep.K})
	p.Title = p.T("report.title", "course", v.Course)
	id := launchIDFrom(r)
	v.Exports = []exportLink{
		{URL: s.launchURL(id, "/report/responses.csv"), Label: p.T("export.csv")},
		{URL: s.launchURL(id, "/report/responses.json"), Label: p.T("export.json")},
		{URL: s.launchURL(id, "/report/codebook.json"), Label: p.T("export.codebook")},
	}
	return s.Render.Render(w, http.StatusOK, "report", &reportPage{Page: p, courseReportView: v})
}
