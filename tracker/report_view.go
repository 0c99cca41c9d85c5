package tracker

import "strconv"

// figure is one chart with the table of its numbers.
type figure struct {
	ID    string
	Title string
	Chart Chart
	Head  []string   // column headers; the first names the row headers
	Rows  [][]string // each row starts with its header cell
}

// courseReportView is the data of templates/report.html.
type courseReportView struct {
	Course      string
	Report      *CourseReport
	Privacy     string
	CountsOnly  string
	Funnel      figure
	Indicators  figure
	Equity      []figure
	Instruments []instrumentView
	Exports     []exportLink
}

type instrumentView struct {
	Title      string
	Summary    string
	CountsOnly string
	Items      []figure
}

type exportLink struct{ URL, Label string }

// reportText is what a view needs from the page: translation and numbers.
type reportText struct {
	t   func(key string, pairs ...string) string
	num numbers
	k   int // the report's k, for notes
}

func (rt reportText) cell(c Cell) string {
	if c.Hidden {
		return rt.t("report.hidden")
	}
	return rt.num.Count(c.N)
}

func (rt reportText) share(i Indicator) (string, float64, bool) {
	s, ok := i.Share()
	if !ok {
		return rt.t("report.hidden"), 0, false
	}
	return rt.num.Share(s), s, true
}

// newCourseReportView lays out a course report for reading in one language.
func newCourseReportView(rep *CourseReport, rt reportText) *courseReportView {
	v := &courseReportView{Course: firstNonEmpty(rep.Course.Title, rep.Course.ContextID), Report: rep,
		Privacy: rt.t("report.privacy", "k", strconv.Itoa(rep.K), "sensitive_k", strconv.Itoa(rep.SensitiveK))}
	if rep.CountsOnly {
		v.CountsOnly = rt.t("report.countsonly", "k", strconv.Itoa(rep.K))
	}
	v.Funnel = funnelFigure(rep, rt)
	if len(rep.Indicators) > 0 {
		v.Indicators = indicatorFigure("indicators", rt.t("report.indicators"), rep.Indicators, rt)
	}
	for _, b := range rep.Equity {
		v.Equity = append(v.Equity, equityFigure(b, rt))
	}
	for _, ir := range rep.Instruments {
		v.Instruments = append(v.Instruments, instrumentFigures(ir, rt))
	}
	return v
}

func funnelFigure(rep *CourseReport, rt reportText) figure {
	f := figure{ID: "funnel", Title: rt.t("report.funnel"), Head: []string{rt.t("report.step"), rt.t("report.learners"), rt.t("report.rate")}}
	base := 0
	for _, s := range rep.Funnel {
		if s.Known && s.N > 0 && base == 0 {
			base = s.N
		}
	}
	var bars []barValue
	for _, s := range rep.Funnel {
		label := rt.t("report.funnel." + s.Key)
		if !s.Known {
			f.Rows = append(f.Rows, []string{label, rt.t("report.unknown"), ""})
			bars = append(bars, barValue{label: label, text: rt.t("report.unknown"), hidden: true})
			continue
		}
		rate := ""
		if base > 0 {
			rate = rt.num.Share(float64(s.N) / float64(base))
		}
		f.Rows = append(f.Rows, []string{label, rt.num.Count(s.N), rate})
		bars = append(bars, barValue{label: label, text: rt.num.Count(s.N), value: float64(s.N)})
	}
	f.Chart = newChart(bars, 0)
	return f
}

func indicatorFigure(id, title string, inds []Indicator, rt reportText) figure {
	f := figure{ID: id, Title: title, Head: []string{rt.t("report.indicator"), rt.t("report.yes"), rt.t("report.of"), rt.t("report.share")}}
	var bars []barValue
	for _, i := range inds {
		label := rt.t("report.measure." + i.Key)
		text, share, ok := rt.share(i)
		f.Rows = append(f.Rows, []string{label, rt.cell(i.Yes), rt.cell(i.Total), text})
		bars = append(bars, barValue{label: label, text: text, value: share, hidden: !ok})
	}
	f.Chart = newChart(bars, 1)
	return f
}

// equityFigure tabulates each equity measure by group; the chart shows
// the first measure (completion) by group.
func equityFigure(b Breakdown, rt reportText) figure {
	title := rt.t("report.variable." + b.Variable)
	f := figure{ID: "equity-" + b.Variable, Title: title, Head: []string{rt.t("report.group")}}
	for _, m := range b.Measures {
		f.Head = append(f.Head, rt.t("report.measure."+m.Key))
	}
	var bars []barValue
	for gi, label := range b.Labels {
		row := []string{label}
		for mi, m := range b.Measures {
			ind := Indicator{Yes: m.Yes[gi], Total: m.Total[gi]}
			text, share, ok := rt.share(ind)
			if ok {
				text = rt.t("report.share.of", "share", text, "n", rt.num.Count(m.Total[gi].N))
			}
			row = append(row, text)
			if mi == 0 {
				bars = append(bars, barValue{label: label, text: text, value: share, hidden: !ok})
			}
		}
		f.Rows = append(f.Rows, row)
	}
	f.Chart = newChart(bars, 1)
	return f
}

func instrumentFigures(ir InstrumentReport, rt reportText) instrumentView {
	v := instrumentView{Title: rt.t("report.instrument", "title", ir.Title, "version", strconv.Itoa(ir.Version)),
		Summary: rt.t("report.responses", "n", rt.num.Count(ir.Responses), "completed", rt.num.Count(ir.Completed))}
	if ir.CountsOnly {
		v.CountsOnly = rt.t("report.countsonly", "k", strconv.Itoa(rt.k))
	}
	for _, it := range ir.Items {
		for ri, d := range it.Rows {
			title := it.Label
			if d.Label != "" {
				title += " — " + d.Label
			}
			f := figure{ID: "item-" + ir.ID + "-" + strconv.Itoa(ir.Version) + "-" + it.ID + "-" + strconv.Itoa(ri), Title: title,
				Head: []string{rt.t("report.answer"), rt.t("report.count"), rt.t("report.share")}}
			var bars []barValue
			for ci, c := range d.Cells {
				share := rt.t("report.hidden")
				if !c.Hidden && !d.Total.Hidden && d.Total.N > 0 {
					share = rt.num.Share(float64(c.N) / float64(d.Total.N))
				}
				f.Rows = append(f.Rows, []string{d.Labels[ci], rt.cell(c), share})
				bars = append(bars, barValue{label: d.Labels[ci], text: rt.cell(c), value: float64(c.Value()), hidden: c.Hidden})
			}
			f.Rows = append(f.Rows, []string{rt.t("report.respondents"), rt.cell(d.Total), ""})
			f.Chart = newChart(bars, 0)
			v.Items = append(v.Items, f)
		}
	}
	return v
}
