package tracker

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// CourseReport is the quality-assurance report of one course.
type CourseReport struct {
	Course     CourseRef
	K          int
	SensitiveK int
	Funnel     []FunnelStep
	// Respondents are the consenting learners with at least one finished
	// survey; below K the report shows counts only.
	Respondents int
	CountsOnly  bool
	Indicators  []Indicator
	Equity      []Breakdown
	Instruments []InstrumentReport
}

// FunnelStep is one step of the response funnel. Known is false for a
// roster the platform never gave.
type FunnelStep struct {
	Key   string // roster, launched, consented, entry, exit, followup
	N     int
	Known bool
}

// Indicator is a yes/no measure: Yes among Total learners for whom it is
// known. Yes and the complementary "no" are suppressed together with the
// total, so a hidden count never follows from the other two.
type Indicator struct {
	Key       string
	Sensitive bool
	Yes       Cell
	Total     Cell
}

// Share is Yes/Total, and false when either is hidden or Total is zero.
func (i Indicator) Share() (float64, bool) {
	if i.Yes.Hidden || i.Total.Hidden || i.Total.N == 0 {
		return 0, false
	}
	return float64(i.Yes.N) / float64(i.Total.N), true
}

// Breakdown is one variable of the equity view: each equity measure per
// group of the variable.
type Breakdown struct {
	Variable  string
	Sensitive bool
	Groups    []string // group codes, in order
	Labels    []string // group labels in the report's language
	Measures  []BreakdownMeasure
}

// BreakdownMeasure is one measure by group; Yes[i] and Total[i] are
// group i's counts, Overall the column totals.
type BreakdownMeasure struct {
	Key     string
	Yes     []Cell
	Total   []Cell
	Overall Indicator
}

// Share is group i's share, false when hidden.
func (m BreakdownMeasure) Share(i int) (float64, bool) {
	return Indicator{Yes: m.Yes[i], Total: m.Total[i]}.Share()
}

// CourseReport builds the report of one course in lang; label translates
// catalog keys (group names, the pooled group).
func (rp *Reports) CourseReport(ctx context.Context, platformID int64, contextID, lang string, label func(string) string) (*CourseReport, error) {
	f := ReportFilter{PlatformID: platformID, ContextID: contextID}
	var data *courseData
	err := rp.walk(ctx, f, true, func(cd *courseData) error { data = cd; return nil })
	if err != nil {
		return nil, fmt.Errorf("course report %d %s: %w", platformID, contextID, err)
	}
	if data == nil {
		return nil, fmt.Errorf("course report %d %s: %w", platformID, contextID, ErrNotFound)
	}
	rep := rp.summary(data, lang, label)
	roster, err := rp.Store.Roster(ctx, platformID, contextID)
	switch {
	case err == nil && roster.Refusal == "":
		rep.Funnel[0] = FunnelStep{Key: "roster", N: len(roster.Learners), Known: true}
	case err != nil && !errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("course report %d %s: %w", platformID, contextID, err)
	}
	if !rep.CountsOnly {
		for _, key := range data.instrOrder {
			rep.Instruments = append(rep.Instruments, rp.instrumentReport(data.items[key], lang, label))
		}
		slices.SortStableFunc(rep.Instruments, waveOrder)
	}
	return rep, nil
}

// summary computes the funnel, indicators and equity view of a course.
func (rp *Reports) summary(cd *courseData, lang string, label func(string) string) *CourseReport {
	rep := &CourseReport{Course: cd.ref, K: rp.k(false), SensitiveK: rp.k(true)}
	rep.Funnel = []FunnelStep{
		{Key: "roster"},
		{Key: "launched", N: cd.launched, Known: true},
		{Key: "consented", N: cd.consented, Known: true},
	}
	for _, w := range []Wave{WaveEntry, WaveExit, WaveFollowup} {
		n := 0
		for _, r := range cd.records {
			if r.done[w] {
				n++
			}
		}
		rep.Funnel = append(rep.Funnel, FunnelStep{Key: string(w), N: n, Known: true})
	}
	for _, r := range cd.records {
		if r.done[WaveEntry] || r.done[WaveExit] || r.done[WaveFollowup] {
			rep.Respondents++
		}
	}
	rep.CountsOnly = rep.Respondents < rep.K
	if rep.CountsOnly {
		return rep
	}
	for _, m := range Measures {
		rep.Indicators = append(rep.Indicators, rp.indicator(m, cd.records))
	}
	for _, v := range Variables {
		rep.Equity = append(rep.Equity, rp.breakdown(v, cd.records, lang, label))
	}
	return rep
}

// indicator counts a measure and suppresses it as a one-row table of
// (yes, no).
func (rp *Reports) indicator(m Measure, records map[string]*learnerRecord) Indicator {
	yes, no := 0, 0
	for _, r := range records {
		if v, ok := m.value(r); ok {
			if v {
				yes++
			} else {
				no++
			}
		}
	}
	s := Table{Counts: [][]int{{yes, no}}}.Suppress(rp.k(m.Sensitive))
	return Indicator{Key: m.Key, Sensitive: m.Sensitive, Yes: s.Cells[0][0], Total: s.RowTotals[0]}
}

// breakdown counts each equity measure by the variable's groups, as a
// groups × (yes, no) table suppressed with its margins.
func (rp *Reports) breakdown(v Variable, records map[string]*learnerRecord, lang string, label func(string) string) Breakdown {
	k := rp.k(v.Sensitive)
	groups := v.Groups
	pool := map[string]bool{}
	if groups == nil {
		// Codes from the answers; groups smaller than k are pooled first.
		size := map[string]int{}
		for _, r := range records {
			if g := v.group(r); g != "" {
				size[g]++
			}
		}
		for g, n := range size {
			if n >= k {
				groups = append(groups, g)
			} else {
				pool[g] = true
			}
		}
		slices.Sort(groups)
		groups = append(groups, pooled)
	}
	b := Breakdown{Variable: v.Key, Sensitive: v.Sensitive, Groups: groups, Labels: groupLabels(v, groups, lang, label)}
	index := map[string]int{}
	for i, g := range groups {
		index[g] = i
	}
	for _, key := range EquityMeasures {
		m := measure(key)
		counts := make([][]int, len(groups))
		for i := range counts {
			counts[i] = make([]int, 2)
		}
		for _, r := range records {
			g := v.group(r)
			if pool[g] {
				g = pooled
			}
			i, ok := index[g]
			if !ok {
				continue
			}
			if yes, known := m.value(r); known {
				if yes {
					counts[i][0]++
				} else {
					counts[i][1]++
				}
			}
		}
		s := Table{Counts: counts}.Suppress(max(k, rp.k(m.Sensitive)))
		bm := BreakdownMeasure{Key: key, Total: s.RowTotals}
		for i := range groups {
			bm.Yes = append(bm.Yes, s.Cells[i][0])
		}
		if len(groups) > 1 {
			bm.Overall = Indicator{Key: key, Yes: s.ColTotals[0], Total: s.Total}
		} else {
			bm.Overall = Indicator{Key: key, Yes: s.Cells[0][0], Total: s.Total}
		}
		b.Measures = append(b.Measures, bm)
	}
	return b
}

// groupLabels names a variable's groups in lang.
func groupLabels(v Variable, groups []string, lang string, label func(string) string) []string {
	var choices []Option
	if v.Item == "country_residence" {
		choices = CountryOptions(lang)
	} else if v.Item != "" {
		if in, err := entryInstrument(); err == nil {
			if it := in.Item(v.Item); it != nil {
				choices = it.Choices(lang)
			}
		}
	}
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = label("report.group." + v.Key + "." + g)
		if g == pooled {
			out[i] = label("report.pooled")
		}
		for _, o := range choices {
			if o.Code == g {
				out[i] = o.Label.In(lang)
			}
		}
	}
	return out
}
