package tracker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// The provider dashboard: the indicators of every selected course side by
// side, the same over all of them, and their trend by cohort (the quarter
// in which learners started). Each figure is suppressed on its own as in
// the course report.

// DashboardMeasures are the indicators the dashboard shows, in order.
var DashboardMeasures = []string{"low_education", "first_generation", "unemployed", "disability", "exit_done", "satisfied", "promoter", "employed", "skills_used"}

// DashboardRow is one course, all courses, or one cohort.
type DashboardRow struct {
	Course      CourseRef // zero for the overall row and cohorts
	Period      string    // cohort, e.g. "2026-Q1"; "" for courses
	Launched    int
	Consented   int
	Respondents int
	CountsOnly  bool
	Indicators  []Indicator // in DashboardMeasures order; nil when CountsOnly
}

// Dashboard is the provider's cross-course view.
type Dashboard struct {
	Filter     ReportFilter
	K          int
	ComputedAt time.Time // the figures are as of then (they may come from the cache)
	Courses    []DashboardRow
	Overall    DashboardRow
	Trend      []DashboardRow
}

// tally counts yes and no per measure.
type tally struct {
	launched, consented, respondents int
	yes, no                          []int
}

func newTally() *tally {
	return &tally{yes: make([]int, len(DashboardMeasures)), no: make([]int, len(DashboardMeasures))}
}

func (t *tally) addRecord(r *learnerRecord) {
	if r.done[WaveEntry] || r.done[WaveExit] || r.done[WaveFollowup] {
		t.respondents++
	}
	for i, key := range DashboardMeasures {
		if yes, known := measure(key).value(r); known {
			if yes {
				t.yes[i]++
			} else {
				t.no[i]++
			}
		}
	}
}

// dashboardRows turns tallies into rows. Each measure is suppressed as
// one table, rows by columns (yes, no), whose column totals are the
// overall counts: hiding a course's small count alone would not do, since
// the overall minus the other courses would give it back. The overall row
// comes out of the same table; hidden counts of it stay hidden everywhere.
func (rp *Reports) dashboardRows(ts []*tally, overall *tally) ([]DashboardRow, DashboardRow) {
	rows := make([]DashboardRow, len(ts))
	for i, t := range ts {
		rows[i] = DashboardRow{Launched: t.launched, Consented: t.consented, Respondents: t.respondents,
			CountsOnly: t.respondents < rp.k(false)}
	}
	all := DashboardRow{Launched: overall.launched, Consented: overall.consented, Respondents: overall.respondents,
		CountsOnly: overall.respondents < rp.k(false)}
	for mi, key := range DashboardMeasures {
		m := measure(key)
		counts := make([][]int, len(ts))
		for i, t := range ts {
			counts[i] = []int{t.yes[mi], t.no[mi]}
		}
		if len(counts) == 0 {
			counts = [][]int{{overall.yes[mi], overall.no[mi]}}
		}
		s := Table{Counts: counts}.Suppress(rp.k(m.Sensitive))
		for i := range ts {
			if !rows[i].CountsOnly {
				rows[i].Indicators = append(rows[i].Indicators, Indicator{Key: key, Sensitive: m.Sensitive, Yes: s.Cells[i][0], Total: s.RowTotals[i]})
			}
		}
		// One row is its own total (a one-row table has no column totals).
		yes := s.Cells[0][0]
		if len(counts) > 1 {
			yes = s.ColTotals[0]
		}
		if !all.CountsOnly {
			all.Indicators = append(all.Indicators, Indicator{Key: key, Sensitive: m.Sensitive, Yes: yes, Total: s.Total})
		}
	}
	return rows, all
}

// hideWhereHidden hides in a the counts hidden in b.
func hideWhereHidden(a *DashboardRow, b DashboardRow) {
	for i := range a.Indicators {
		if i < len(b.Indicators) {
			a.Indicators[i].Yes.Hidden = a.Indicators[i].Yes.Hidden || b.Indicators[i].Yes.Hidden
			a.Indicators[i].Total.Hidden = a.Indicators[i].Total.Hidden || b.Indicators[i].Total.Hidden
		}
	}
}

// cohort is the calendar quarter of a learner's first response.
func cohort(r *learnerRecord) string {
	first := int64(0)
	for _, at := range r.started {
		if first == 0 || at < first {
			first = at
		}
	}
	t := time.UnixMilli(first).UTC()
	return strconv.Itoa(t.Year()) + "-Q" + strconv.Itoa(int(t.Month()-1)/3+1)
}

// Dashboard returns the dashboard of the filtered courses: figures
// computed within CacheFor by any instance, else computed now and cached.
func (rp *Reports) Dashboard(ctx context.Context, f ReportFilter) (*Dashboard, error) {
	f.Items = nil
	key, err := json.Marshal(struct {
		F     ReportFilter
		K, SK int
	}{f, rp.k(false), rp.k(true)})
	if err != nil {
		return nil, err
	}
	now := rp.now()
	ttl := rp.CacheFor
	if ttl == 0 {
		ttl = DefaultCacheFor
	}
	if ttl > 0 {
		data, _, err := rp.Store.CachedReport(ctx, "dashboard:"+string(key), now.Add(-ttl))
		if err == nil {
			var d Dashboard
			if err := json.Unmarshal(data, &d); err == nil {
				return &d, nil
			}
		} else if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	d, err := rp.computeDashboard(ctx, f, now)
	if err != nil {
		return nil, err
	}
	if ttl > 0 {
		data, err := json.Marshal(d)
		if err != nil {
			return nil, err
		}
		if err := rp.Store.SaveCachedReport(ctx, "dashboard:"+string(key), data, now); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (rp *Reports) now() time.Time {
	if rp.Now == nil {
		return time.Now().UTC()
	}
	return rp.Now().UTC()
}

// computeDashboard reads the filtered courses, only the items the
// indicators need, and computes their rows.
func (rp *Reports) computeDashboard(ctx context.Context, f ReportFilter, now time.Time) (*Dashboard, error) {
	f.Items = measureItems
	d := &Dashboard{Filter: f, K: rp.k(false), ComputedAt: now}
	overall := newTally()
	var courses []*tally
	cohorts := map[string]*tally{}
	err := rp.walk(ctx, f, false, func(cd *courseData) error {
		t := newTally()
		t.launched, t.consented = cd.launched, cd.consented
		overall.launched += cd.launched
		overall.consented += cd.consented
		for _, r := range cd.records {
			t.addRecord(r)
			overall.addRecord(r)
			if len(r.started) > 0 {
				q := cohort(r)
				if cohorts[q] == nil {
					cohorts[q] = newTally()
				}
				cohorts[q].addRecord(r)
			}
		}
		courses = append(courses, t)
		d.Courses = append(d.Courses, DashboardRow{Course: cd.ref})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	rows, all := rp.dashboardRows(courses, overall)
	for i := range rows {
		rows[i].Course = d.Courses[i].Course
	}
	d.Courses = rows
	slices.SortFunc(d.Courses, func(a, b DashboardRow) int {
		if a.Course.PlatformID != b.Course.PlatformID {
			return int(a.Course.PlatformID - b.Course.PlatformID)
		}
		if a.Course.ContextID < b.Course.ContextID {
			return -1
		}
		return 1
	})
	var periods []string
	var trend []*tally
	for q := range cohorts {
		periods = append(periods, q)
	}
	slices.Sort(periods)
	for _, q := range periods {
		trend = append(trend, cohorts[q])
	}
	trendRows, trendAll := rp.dashboardRows(trend, overall)
	for i := range trendRows {
		trendRows[i].Period = periods[i]
	}
	hideWhereHidden(&all, trendAll)
	d.Overall, d.Trend = all, trendRows
	return d, nil
}
