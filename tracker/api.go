package tracker

import "time"

// The JSON shapes of the read-only API (api_handler.go, openapi.json). A
// suppressed count is {"hidden": true}, never a number.

// APICell is a count, or hidden.
type APICell struct {
	N      *int `json:"n,omitempty"`
	Hidden bool `json:"hidden,omitempty"`
}

func apiCell(c Cell) APICell {
	if c.Hidden {
		return APICell{Hidden: true}
	}
	n := c.N
	return APICell{N: &n}
}

// APIIndicator is an indicator: yes among total, share when both show.
type APIIndicator struct {
	Key       string   `json:"key"`
	Sensitive bool     `json:"sensitive,omitempty"`
	Yes       APICell  `json:"yes"`
	Total     APICell  `json:"total"`
	Share     *float64 `json:"share,omitempty"`
}

func apiIndicators(in []Indicator) []APIIndicator {
	out := make([]APIIndicator, 0, len(in))
	for _, i := range in {
		a := APIIndicator{Key: i.Key, Sensitive: i.Sensitive, Yes: apiCell(i.Yes), Total: apiCell(i.Total)}
		if s, ok := i.Share(); ok {
			a.Share = &s
		}
		out = append(out, a)
	}
	return out
}

// APICourse names a course.
type APICourse struct {
	Platform int64  `json:"platform"`
	Issuer   string `json:"issuer,omitempty"`
	Course   string `json:"course"`
	Title    string `json:"title"`
}

// APIIndicatorRow is one course, the overall row or a cohort.
type APIIndicatorRow struct {
	Course      *APICourse     `json:"course,omitempty"`
	Cohort      string         `json:"cohort,omitempty"`
	Launched    int            `json:"launched"`
	Consented   int            `json:"consented"`
	Respondents int            `json:"respondents"`
	CountsOnly  bool           `json:"counts_only"`
	Indicators  []APIIndicator `json:"indicators"`
}

func apiRow(r DashboardRow) APIIndicatorRow {
	out := APIIndicatorRow{Cohort: r.Period, Launched: r.Launched, Consented: r.Consented, Respondents: r.Respondents,
		CountsOnly: r.CountsOnly, Indicators: apiIndicators(r.Indicators)}
	if r.Course.ContextID != "" {
		out.Course = &APICourse{Platform: r.Course.PlatformID, Issuer: r.Course.Issuer, Course: r.Course.ContextID, Title: r.Course.Title}
	}
	return out
}

// APIIndicators is the dashboard as JSON.
type APIIndicators struct {
	K       int               `json:"k"`
	Courses []APIIndicatorRow `json:"courses"`
	Overall APIIndicatorRow   `json:"overall"`
	Trend   []APIIndicatorRow `json:"trend"`
}

// NewAPIIndicators converts a dashboard.
func NewAPIIndicators(d *Dashboard) APIIndicators {
	out := APIIndicators{K: d.K, Courses: []APIIndicatorRow{}, Overall: apiRow(d.Overall), Trend: []APIIndicatorRow{}}
	for _, r := range d.Courses {
		out.Courses = append(out.Courses, apiRow(r))
	}
	for _, r := range d.Trend {
		out.Trend = append(out.Trend, apiRow(r))
	}
	return out
}

// APIPage is one page of a list: its items and the next page's URL.
type APIPage[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// APIReport is a course report as JSON: funnel, indicators, breakdowns.
type APIReport struct {
	Course      APICourse       `json:"course"`
	K           int             `json:"k"`
	SensitiveK  int             `json:"sensitive_k"`
	Funnel      []APIFunnelStep `json:"funnel"`
	Respondents int             `json:"respondents"`
	CountsOnly  bool            `json:"counts_only"`
	Indicators  []APIIndicator  `json:"indicators"`
	Equity      []APIBreakdown  `json:"equity"`
	GeneratedAt time.Time       `json:"generated_at"`
}

// APIFunnelStep is a funnel step; N is absent when not known.
type APIFunnelStep struct {
	Key string `json:"key"`
	N   *int   `json:"n,omitempty"`
}

// APIBreakdown is one variable of the equity view.
type APIBreakdown struct {
	Variable  string                `json:"variable"`
	Sensitive bool                  `json:"sensitive,omitempty"`
	Groups    []string              `json:"groups"`
	Measures  []APIBreakdownMeasure `json:"measures"`
}

// APIBreakdownMeasure is one measure by group.
type APIBreakdownMeasure struct {
	Key   string    `json:"key"`
	Yes   []APICell `json:"yes"`
	Total []APICell `json:"total"`
}

// NewAPIReport converts a course report.
func NewAPIReport(rep *CourseReport, at time.Time) APIReport {
	out := APIReport{Course: APICourse{Platform: rep.Course.PlatformID, Issuer: rep.Course.Issuer, Course: rep.Course.ContextID, Title: rep.Course.Title},
		K: rep.K, SensitiveK: rep.SensitiveK, Respondents: rep.Respondents, CountsOnly: rep.CountsOnly,
		Indicators: apiIndicators(rep.Indicators), Equity: []APIBreakdown{}, GeneratedAt: at.UTC()}
	for _, s := range rep.Funnel {
		st := APIFunnelStep{Key: s.Key}
		if s.Known {
			n := s.N
			st.N = &n
		}
		out.Funnel = append(out.Funnel, st)
	}
	for _, b := range rep.Equity {
		ab := APIBreakdown{Variable: b.Variable, Sensitive: b.Sensitive, Groups: b.Groups}
		for _, m := range b.Measures {
			am := APIBreakdownMeasure{Key: m.Key}
			for i := range b.Groups {
				am.Yes = append(am.Yes, apiCell(m.Yes[i]))
				am.Total = append(am.Total, apiCell(m.Total[i]))
			}
			ab.Measures = append(ab.Measures, am)
		}
		out.Equity = append(out.Equity, ab)
	}
	return out
}
