package tracker

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// dashboardPage is templates/dashboard.html.
type dashboardPage struct {
	Page
	Action       string // where the filter form submits (GET)
	Platforms    []filterOption
	Courses      []filterOption
	Instruments  []filterOption
	From, To     string
	FixedScope   string // the platform an LMS administrator is limited to
	Privacy      string
	AsOf         string // when the figures were computed (they are cached a few minutes)
	Head         []string
	Rows         [][]string
	Overall      []string
	Trend        figure
	Exports      []exportLink
	LogoutAction string
	LogoutCSRF   string
}

type filterOption struct {
	Value, Label string
	Selected     bool
}

// dashboardFilter reads the filter form: platform, course (platform id and
// course id as "p/course"), instrument ("id" or "id@version"), from, to.
func dashboardFilter(q url.Values) ReportFilter {
	var f ReportFilter
	f.PlatformID, _ = strconv.ParseInt(q.Get("platform"), 10, 64)
	if p, c, ok := strings.Cut(q.Get("course"), "/"); ok {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			f.PlatformID, f.ContextID = id, c
		}
	}
	if id, v, ok := strings.Cut(q.Get("instrument"), "@"); ok {
		f.InstrumentID = id
		f.InstrumentVersion, _ = strconv.Atoi(v)
	} else {
		f.InstrumentID = q.Get("instrument")
	}
	if t, err := time.Parse(dateLayout, q.Get("from")); err == nil {
		f.From = t
	}
	if t, err := time.Parse(dateLayout, q.Get("to")); err == nil {
		f.To = t.AddDate(0, 0, 1) // the "to" day is included
	}
	return f
}

// adminDashboard is the provider dashboard of a signed-in administrator.
func (s *Server) adminDashboard(w http.ResponseWriter, r *http.Request) error {
	p := s.newPage(r, s.adminLang(r))
	sess := adminSessionFrom(r)
	return s.renderDashboard(w, r, p, 0, "/admin/", "/admin/", func(v *dashboardPage) {
		v.LogoutAction, v.LogoutCSRF = "/admin/logout", sessionValue(sess, "csrf")
	})
}

// launchDashboard is the dashboard for an LMS administrator's launch,
// limited to the launch's platform registration.
func (s *Server) launchDashboard(w http.ResponseWriter, r *http.Request) error {
	if launchContextFrom(r).Role != RoleAdministrator {
		return ErrForbidden
	}
	id := launchIDFrom(r)
	return s.renderDashboard(w, r, s.launchPage(r), launchSessionFrom(r).PlatformID, s.launchURL(id, "/dashboard"), s.launchURL(id, "/dashboard/"), nil)
}

// renderDashboard builds the dashboard for the request's filters; a
// non-zero platform fixes the scope. exportBase prefixes the downloads.
func (s *Server) renderDashboard(w http.ResponseWriter, r *http.Request, p Page, platform int64, action, exportBase string, edit func(*dashboardPage)) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := dashboardFilter(q)
	if platform != 0 {
		if f.PlatformID != platform {
			f.ContextID = ""
		}
		f.PlatformID = platform
	}
	d, err := s.Reports.Dashboard(ctx, f)
	if err != nil {
		return err
	}
	rt := reportText{t: p.T, num: newNumbers(p.Lang), k: d.K}
	v := &dashboardPage{Page: p, Action: action, From: q.Get("from"), To: q.Get("to"),
		Privacy: rt.t("report.privacy", "k", strconv.Itoa(d.K), "sensitive_k", strconv.Itoa(s.Reports.k(true)))}
	v.Title = p.T("dashboard.title")
	v.AsOf = p.T("dashboard.asof", "time", d.ComputedAt.UTC().Format("2006-01-02 15:04")+" UTC")
	if err := s.dashboardFilters(r, v, platform); err != nil {
		return err
	}
	v.Head = []string{p.T("dashboard.course"), p.T("report.funnel.launched"), p.T("report.funnel.consented"), p.T("report.respondents")}
	for _, key := range DashboardMeasures {
		v.Head = append(v.Head, p.T("report.measure."+key))
	}
	for _, row := range d.Courses {
		v.Rows = append(v.Rows, dashboardCells(firstNonEmpty(row.Course.Title, row.Course.ContextID), row, rt))
	}
	v.Overall = dashboardCells(p.T("dashboard.overall"), d.Overall, rt)
	v.Trend = trendFigure(d.Trend, rt)
	query := r.URL.RawQuery
	if query != "" {
		query = "?" + query
	}
	v.Exports = []exportLink{
		{URL: exportBase + "responses.csv" + query, Label: p.T("export.csv")},
		{URL: exportBase + "responses.json" + query, Label: p.T("export.json")},
		{URL: exportBase + "codebook.json", Label: p.T("export.codebook")},
	}
	if edit != nil {
		edit(v)
	}
	return s.Render.Render(w, http.StatusOK, "dashboard", v)
}

func dashboardCells(name string, row DashboardRow, rt reportText) []string {
	cells := []string{name, rt.num.Count(row.Launched), rt.num.Count(row.Consented), rt.num.Count(row.Respondents)}
	for i := range DashboardMeasures {
		if row.CountsOnly {
			cells = append(cells, rt.t("dashboard.toofew"))
			continue
		}
		text, _, ok := rt.share(row.Indicators[i])
		if ok {
			text = rt.t("report.share.of", "share", text, "n", rt.num.Count(row.Indicators[i].Total.N))
		}
		cells = append(cells, text)
	}
	return cells
}

// trendFigure charts completion by cohort and tabulates every measure.
func trendFigure(rows []DashboardRow, rt reportText) figure {
	f := figure{ID: "trend", Title: rt.t("dashboard.trend"), Head: []string{rt.t("dashboard.cohort"), rt.t("report.respondents")}}
	completion := 0
	for i, key := range DashboardMeasures {
		f.Head = append(f.Head, rt.t("report.measure."+key))
		if key == "exit_done" {
			completion = i
		}
	}
	var bars []barValue
	for _, row := range rows {
		cells := []string{row.Period, rt.num.Count(row.Respondents)}
		for i := range DashboardMeasures {
			if row.CountsOnly {
				cells = append(cells, rt.t("dashboard.toofew"))
				continue
			}
			text, _, _ := rt.share(row.Indicators[i])
			cells = append(cells, text)
		}
		f.Rows = append(f.Rows, cells)
		label := row.Period + " · " + rt.t("report.measure.exit_done")
		if row.CountsOnly {
			bars = append(bars, barValue{label: label, text: rt.t("dashboard.toofew"), hidden: true})
			continue
		}
		text, share, ok := rt.share(row.Indicators[completion])
		bars = append(bars, barValue{label: label, text: text, value: share, hidden: !ok})
	}
	f.Chart = newChart(bars, 1)
	return f
}

// dashboardFilters fills the filter form's choices.
func (s *Server) dashboardFilters(r *http.Request, v *dashboardPage, platform int64) error {
	ctx := r.Context()
	q := r.URL.Query()
	platforms, err := s.Store.Platforms(ctx)
	if err != nil {
		return err
	}
	v.Platforms = []filterOption{{Value: "", Label: v.T("dashboard.all")}}
	for _, pl := range platforms {
		if platform != 0 && pl.ID != platform {
			continue
		}
		if platform != 0 {
			v.FixedScope = pl.Issuer
		}
		id := strconv.FormatInt(pl.ID, 10)
		v.Platforms = append(v.Platforms, filterOption{Value: id, Label: pl.Issuer + " · " + pl.ClientID, Selected: q.Get("platform") == id})
	}
	courses, err := s.Store.ReportCourses(ctx, ReportFilter{PlatformID: platform})
	if err != nil {
		return err
	}
	v.Courses = []filterOption{{Value: "", Label: v.T("dashboard.all")}}
	for _, c := range courses {
		val := strconv.FormatInt(c.PlatformID, 10) + "/" + c.ContextID
		v.Courses = append(v.Courses, filterOption{Value: val, Label: firstNonEmpty(c.Title, c.ContextID), Selected: q.Get("course") == val})
	}
	ins, err := s.Store.Instruments(ctx)
	if err != nil {
		return err
	}
	v.Instruments = []filterOption{{Value: "", Label: v.T("dashboard.all")}}
	for _, st := range ins {
		if st.ID == ConsentInstrumentID {
			continue
		}
		in, err := s.Reports.instrument(ctx, st.ID, st.Version)
		if err != nil {
			return err
		}
		v.Instruments = append(v.Instruments, filterOption{Value: st.ID, Label: in.Title.In(v.Lang), Selected: q.Get("instrument") == st.ID})
		for ver := 1; ver <= st.Version && st.Version > 1; ver++ {
			val := st.ID + "@" + strconv.Itoa(ver)
			v.Instruments = append(v.Instruments, filterOption{Value: val,
				Label: v.T("report.instrument", "title", in.Title.In(v.Lang), "version", strconv.Itoa(ver)), Selected: q.Get("instrument") == val})
		}
	}
	return nil
}

// dashboardDataset exports the dashboard's filtered dataset; in a launch,
// only an LMS administrator's, limited to the launch's platform.
func (s *Server) dashboardDataset(format string, launch bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f := dashboardFilter(r.URL.Query())
		lang := s.exportLang(r, s.adminLang(r))
		if launch {
			if launchContextFrom(r).Role != RoleAdministrator {
				return ErrForbidden
			}
			if pid := launchSessionFrom(r).PlatformID; f.PlatformID != pid {
				f.PlatformID, f.ContextID = pid, ""
			}
			lang = s.exportLang(r, launchContextFrom(r).Lang)
		}
		return s.writeDataset(w, r, f, format, lang, "astre-dataset")
	}
}
