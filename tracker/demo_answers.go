package tracker

import (
	"strconv"
)

// persona is a synthetic learner's background, drawn once so that their
// answers in every wave agree with each other.
type persona struct {
	age, gender, country, lang, urban string
	education                         string // ISCED code
	eduRank                           int    // 0 low, 1 medium, 2 high
	parents                           [2]string
	firstGen                          bool
	activity                          string // main activity at entry
	disabled                          bool
	satisfaction                      int // 0..4 on agree5
}

// weighted picks a code by weight.
func (d *Demo) weighted(codes []string, weights []float64) string {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := d.rng.Float64() * total
	for i, w := range weights {
		if x < w {
			return codes[i]
		}
		x -= w
	}
	return codes[len(codes)-1]
}

var demoCountries = []string{"DE", "ES", "IT", "GR", "SI", "FR", "PL", "PT", "AT", "NL", "RO", "IN", "NG", "BR", "US", "CY", "HR", "MT"}
var demoCountryWeights = []float64{14, 14, 12, 8, 5, 8, 5, 4, 3, 3, 3, 6, 3, 3, 4, 1, 2, 0.5}
var demoLanguageOf = map[string]string{"DE": "de", "AT": "de", "ES": "es", "IT": "it", "MT": "mt", "GR": "el", "CY": "el", "SI": "sl",
	"FR": "fr", "PL": "pl", "PT": "pt", "BR": "pt", "NL": "nl", "RO": "ro", "IN": "hi", "NG": "en", "US": "en", "HR": "hr"}

func (d *Demo) persona() persona {
	p := persona{
		age:     d.weighted([]string{"under_18", "18-24", "25-34", "35-44", "45-54", "55-64", "65_plus", PreferNotCode}, []float64{1, 18, 30, 24, 15, 8, 3, 1}),
		gender:  d.weighted([]string{"woman", "man", "non_binary", "self_describe", PreferNotCode}, []float64{50, 46, 1.5, 0.5, 2}),
		country: d.weighted(demoCountries, demoCountryWeights),
		urban:   d.weighted([]string{"city", "town_suburb", "rural"}, []float64{55, 30, 15}),
	}
	p.lang = demoLanguageOf[p.country]
	// MOOCs reach mostly the well educated (DOMAIN.md): skew to ED5+.
	p.education = d.weighted([]string{"ed1", "ed2", "ed3", "ed4", "ed5", "ed6", "ed7", "ed8", "not_classified", PreferNotCode},
		[]float64{1, 5, 16, 6, 8, 30, 25, 5, 1, 3})
	p.eduRank = map[string]int{"ed3": 1, "ed4": 1, "ed5": 2, "ed6": 2, "ed7": 2, "ed8": 2}[p.education]
	parentWeights := [][]float64{{50, 35, 10, 5}, {30, 40, 25, 5}, {15, 35, 45, 5}}[p.eduRank]
	for i := range p.parents {
		p.parents[i] = d.weighted([]string{"low", "medium", "high", "dont_know"}, parentWeights)
	}
	p.firstGen = p.parents[0] != "high" && p.parents[1] != "high"
	p.activity = d.weighted([]string{"employed", "unemployed", "in_education", "retired", "permanently_disabled", "domestic_tasks", "other_inactive"},
		[]float64{62, 12, 16, 4, 1, 3, 2})
	p.disabled = d.rng.Float64() < 0.08
	p.satisfaction = d.weighted4([]float64{3, 7, 15, 45, 30})
	return p
}

func (d *Demo) weighted4(w []float64) int {
	n, _ := strconv.Atoi(d.weighted([]string{"0", "1", "2", "3", "4"}, w))
	return n
}

var agree5 = []string{"strongly_disagree", "disagree", "neutral", "agree", "strongly_agree"}

// around is an agree5 code near level (0..4).
func (d *Demo) around(level int) string {
	l := min(4, max(0, level+d.rng.IntN(3)-1))
	return agree5[l]
}

// answer draws p's answer to it; false when p skips it (optional items,
// texts: demo data has no free text).
func (d *Demo) answer(it *Item, p persona) (Answer, bool) {
	one := func(code string) (Answer, bool) { return Answer{Codes: []string{code}}, code != "" }
	if !it.Required && d.rng.Float64() < 0.05 {
		return Answer{}, false
	}
	switch it.ID {
	case "age_band":
		return one(p.age)
	case "gender":
		return one(p.gender)
	case "country_residence":
		return one(p.country)
	case "first_language":
		if isLanguageCode(p.lang) {
			return one(p.lang)
		}
		return one("en")
	case "urbanisation":
		return one(p.urban)
	case "education_level":
		return one(p.education)
	case "parent1_education":
		return one(p.parents[0])
	case "parent2_education":
		return one(p.parents[1])
	case "main_activity":
		if it.Required { // the follow-up: more in work than at entry
			return one(d.weighted([]string{"employed", "unemployed", "in_education", "retired", "other_inactive"},
				[]float64{70 + 5*float64(p.eduRank), 7, 14, 5, 4}))
		}
		return one(p.activity)
	case "overall_satisfaction", "expectations_met", "relevance":
		return one(d.around(p.satisfaction))
	case "completed":
		return one(d.weighted([]string{"yes", "partly", "no"}, []float64{70, 22, 8}))
	case "recommend":
		return one(strconv.Itoa(min(10, max(0, 2*p.satisfaction+2+d.rng.IntN(3)))))
	}
	if len(it.ID) > 3 && it.ID[:3] == "wg_" {
		if p.disabled && d.rng.Float64() < 0.4 {
			return one(d.weighted([]string{"a_lot", "cannot"}, []float64{4, 1}))
		}
		return one(d.weighted([]string{"no_difficulty", "some"}, []float64{8, 2}))
	}
	switch it.Type {
	case SingleChoice:
		cs := it.Choices("en")
		return one(cs[d.rng.IntN(len(cs))].Code)
	case MultipleChoice:
		var codes []string
		for _, o := range it.Options {
			if !o.Exclusive && d.rng.Float64() < 0.25 {
				codes = append(codes, o.Code)
			}
		}
		if len(codes) == 0 {
			codes = []string{it.Options[d.rng.IntN(len(it.Options))].Code}
			if o, _ := it.option(codes[0]); o.Exclusive {
				return one(codes[0])
			}
		}
		return Answer{Codes: codes}, true
	case ScaleItem:
		return one(d.around(p.satisfaction))
	case Matrix:
		rows := map[string]string{}
		for _, r := range it.Rows {
			rows[r.Code] = d.around(p.satisfaction)
		}
		return Answer{Rows: rows}, true
	case Rating10:
		return one(strconv.Itoa(d.rng.IntN(11)))
	case NumberItem:
		lo, hi := 0, 40
		if it.Min != nil {
			lo = *it.Min
		}
		if it.Max != nil {
			hi = min(*it.Max, lo+40)
		}
		return Answer{Text: strconv.Itoa(lo + d.rng.IntN(hi-lo+1))}, true
	}
	return Answer{}, false
}
