package tracker

import (
	"fmt"
	"slices"
	"sync"
)

// The learner characteristics and yes/no measures reports are built
// from, as DOMAIN.md's indicators define them. Each reads a learnerRecord:
// one learner's answers in one course, per wave, already limited to what
// their consent allows.

// learnerRecord is one consenting learner in one course.
type learnerRecord struct {
	sensitive bool              // the special-category purpose is granted
	done      map[Wave]bool     // a completed response of the wave
	answers   map[Wave]Answers  // the newest response of each wave
	started   map[Wave]int64    // when that response started, Unix ms
	responses map[Wave][]string // instrument@version of each response, for distributions
}

// Answers are one response's answers by item id.
type Answers map[string]Answer

// code is the single chosen code of item in the wave, or "".
func (r *learnerRecord) code(w Wave, item string) string {
	a, ok := r.answers[w][item]
	if !ok {
		return ""
	}
	if c := a.chosen(); len(c) == 1 {
		return c[0]
	}
	return ""
}

// codes are the chosen codes of a multiple-choice item.
func (r *learnerRecord) codes(w Wave, item string) []string {
	return r.answers[w][item].chosen()
}

// row is a matrix row's answer.
func (r *learnerRecord) row(w Wave, item, row string) string {
	return r.answers[w][item].Rows[row]
}

// Variable is a characteristic results are broken down by, from the
// entry profile.
type Variable struct {
	Key       string
	Sensitive bool // special-category: reported with the higher k
	// Item is the entry item whose option labels name the groups; ""
	// when the groups are derived and labelled by the catalog
	// (report.group.<key>.<code>).
	Item string
	// Groups lists the group codes in display order; nil when they come
	// from the answers (country), small ones then pooled into "other".
	Groups []string
	group  func(r *learnerRecord) string // "" when unknown
}

// Measure is a yes/no property of a learner, counted among the learners
// for whom it is known.
type Measure struct {
	Key       string
	Wave      Wave // the wave whose answers it needs
	Sensitive bool
	value     func(r *learnerRecord) (yes, known bool)
}

var educationGroups = map[string]string{
	"ed0": "low", "ed1": "low", "ed2": "low", "ed3": "medium", "ed4": "medium",
	"ed5": "high", "ed6": "high", "ed7": "high", "ed8": "high",
}

// firstGeneration: neither parent has higher education (ED5+). Known
// when a parent is "high", or both answered low or medium.
func firstGeneration(r *learnerRecord) string {
	p1, p2 := r.code(WaveEntry, "parent1_education"), r.code(WaveEntry, "parent2_education")
	switch {
	case p1 == "high" || p2 == "high":
		return "no"
	case (p1 == "low" || p1 == "medium") && (p2 == "low" || p2 == "medium"):
		return "yes"
	}
	return ""
}

var wgItems = []string{"wg_seeing", "wg_hearing", "wg_walking", "wg_remembering", "wg_selfcare", "wg_communicating"}

// disability follows the Washington Group's recommended cut-off: at
// least "a lot of difficulty" in one domain. Known only with the
// special-category consent and all six domains answered.
func disability(r *learnerRecord) string {
	if !r.sensitive {
		return ""
	}
	for _, item := range wgItems {
		if c := r.code(WaveEntry, item); c == "a_lot" || c == "cannot" {
			return "yes"
		}
	}
	for _, item := range wgItems {
		if r.code(WaveEntry, item) == "" {
			return ""
		}
	}
	return "no"
}

func employment(r *learnerRecord) string {
	switch c := r.code(WaveEntry, "main_activity"); c {
	case "":
		return ""
	case "employed", "unemployed", "in_education":
		return c
	default:
		return "inactive"
	}
}

// itemCode groups by an entry item's own codes, "prefer not to say" unknown.
func itemCode(item string) func(r *learnerRecord) string {
	return func(r *learnerRecord) string {
		if c := r.code(WaveEntry, item); c != PreferNotCode {
			return c
		}
		return ""
	}
}

// Variables lists the breakdowns of the equity view.
var Variables = []Variable{
	{Key: "education", Groups: []string{"low", "medium", "high"},
		group: func(r *learnerRecord) string { return educationGroups[r.code(WaveEntry, "education_level")] }},
	{Key: "first_generation", Groups: []string{"yes", "no"}, group: firstGeneration},
	{Key: "employment", Groups: []string{"employed", "unemployed", "in_education", "inactive"}, group: employment},
	{Key: "age_band", Item: "age_band", Groups: []string{"under_18", "18-24", "25-34", "35-44", "45-54", "55-64", "65_plus"}, group: itemCode("age_band")},
	{Key: "gender", Item: "gender", Groups: []string{"woman", "man", "non_binary", "self_describe"}, group: itemCode("gender")},
	{Key: "country", Item: "country_residence", group: itemCode("country_residence")},
	{Key: "disability", Sensitive: true, Groups: []string{"yes", "no"}, group: disability},
}

func is(values ...string) func(string) bool {
	return func(c string) bool { return slices.Contains(values, c) }
}

var agreed = is("agree", "strongly_agree")

// codeMeasure is yes when item's code passes yes, known when answered.
func codeMeasure(w Wave, item string, yes func(string) bool) func(r *learnerRecord) (bool, bool) {
	return func(r *learnerRecord) (bool, bool) {
		c := r.code(w, item)
		if c == "" || c == PreferNotCode {
			return false, false
		}
		return yes(c), true
	}
}

func groupMeasure(group func(*learnerRecord) string, yes string) func(r *learnerRecord) (bool, bool) {
	return func(r *learnerRecord) (bool, bool) {
		g := group(r)
		return g == yes, g != ""
	}
}

// Measures are the indicators of DOMAIN.md, in report order.
var Measures = []Measure{
	// Participation of disadvantaged groups, from the entry profile.
	{Key: "low_education", Wave: WaveEntry, value: groupMeasure(Variables[0].group, "low")},
	{Key: "first_generation", Wave: WaveEntry, value: groupMeasure(firstGeneration, "yes")},
	{Key: "unemployed", Wave: WaveEntry, value: groupMeasure(employment, "unemployed")},
	{Key: "rural", Wave: WaveEntry, value: codeMeasure(WaveEntry, "urbanisation", is("rural"))},
	{Key: "disability", Wave: WaveEntry, Sensitive: true, value: groupMeasure(disability, "yes")},
	// Completion: of the learners who did the entry profile, who did the exit.
	{Key: "exit_done", Wave: WaveEntry, value: func(r *learnerRecord) (bool, bool) {
		return r.done[WaveExit], r.done[WaveEntry]
	}},
	{Key: "course_completed", Wave: WaveExit, value: codeMeasure(WaveExit, "completed", is("yes"))},
	// Satisfaction and quality.
	{Key: "satisfied", Wave: WaveExit, value: codeMeasure(WaveExit, "overall_satisfaction", agreed)},
	{Key: "expectations_met", Wave: WaveExit, value: codeMeasure(WaveExit, "expectations_met", agreed)},
	{Key: "promoter", Wave: WaveExit, value: codeMeasure(WaveExit, "recommend", is("9", "10"))},
	// Placement and utilisation, from the follow-up.
	{Key: "employed", Wave: WaveFollowup, value: codeMeasure(WaveFollowup, "main_activity", is("employed"))},
	{Key: "further_study", Wave: WaveFollowup, value: func(r *learnerRecord) (bool, bool) {
		c := r.code(WaveFollowup, "main_activity")
		if c == "" {
			return false, false
		}
		return c == "in_education" || slices.Contains(r.codes(WaveFollowup, "changes"), "further_formal_study"), true
	}},
	{Key: "skills_used", Wave: WaveFollowup, value: func(r *learnerRecord) (bool, bool) {
		c := r.row(WaveFollowup, "skills_use", "use_in_work_study")
		return agreed(c), c != ""
	}},
	{Key: "skills_relevant", Wave: WaveFollowup, value: func(r *learnerRecord) (bool, bool) {
		c := r.row(WaveFollowup, "skills_use", "relevant_to_occupation")
		return agreed(c), c != ""
	}},
}

// EquityMeasures are the results the equity view breaks down by group.
var EquityMeasures = []string{"exit_done", "course_completed", "satisfied", "employed", "skills_used"}

// measure finds a measure by key.
func measure(key string) *Measure {
	for i := range Measures {
		if Measures[i].Key == key {
			return &Measures[i]
		}
	}
	return nil
}

// measureItems are the item ids the measures and variables read, for a
// report that needs no item distributions (the dashboard).
var measureItems = append([]string{
	"education_level", "parent1_education", "parent2_education", "main_activity", "urbanisation",
	"age_band", "gender", "country_residence", "completed", "overall_satisfaction",
	"expectations_met", "recommend", "changes", "skills_use",
}, wgItems...)

// entryInstrument is the built-in entry profile, whose option labels
// name the groups of item-based variables.
var entryInstrument = sync.OnceValues(func() (*Instrument, error) {
	ins, err := BuiltinInstruments()
	if err != nil {
		return nil, err
	}
	for _, in := range ins {
		if in.ID == "entry" {
			return in, nil
		}
	}
	return nil, fmt.Errorf("built-in entry instrument: %w", ErrNotFound)
})
