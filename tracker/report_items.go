package tracker

import "slices"

// itemTally counts the answers to one instrument version's items.
type itemTally struct {
	in        *Instrument
	responses int // responses counted
	completed int
	counts    map[string]map[string]int // item (or item/row) → code → count
	answered  map[string]int            // item (or item/row) → responses with an answer
}

func newItemTally(in *Instrument) *itemTally {
	return &itemTally{in: in, counts: map[string]map[string]int{}, answered: map[string]int{}}
}

func (t *itemTally) count(key, code string) {
	m := t.counts[key]
	if m == nil {
		m = map[string]int{}
		t.counts[key] = m
	}
	m[code]++
}

func (t *itemTally) add(answers Answers, completed bool) {
	t.responses++
	if completed {
		t.completed++
	}
	for id, a := range answers {
		if len(a.Rows) > 0 {
			for row, code := range a.Rows {
				if code != "" {
					t.count(id+"/"+row, code)
					t.answered[id+"/"+row]++
				}
			}
			continue
		}
		codes := a.chosen()
		for _, c := range codes {
			t.count(id, c)
		}
		if len(codes) > 0 {
			t.answered[id]++
		}
	}
}

// ItemReport is the distribution of the answers to one item.
type ItemReport struct {
	ID        string
	Label     string
	Type      ItemType
	Sensitive bool
	// Multiple: a multiple-choice item, whose counts do not add up to its
	// respondents; each count is suppressed on its own.
	Multiple bool
	Rows     []DistRow // one, or one per matrix row
}

// DistRow is one distribution: a count per code and the respondents.
type DistRow struct {
	Code   string // the matrix row's code; "" for other items
	Label  string
	Codes  []string
	Labels []string
	Cells  []Cell
	Total  Cell
}

// pooled is the code of the pooled small groups of long code lists.
const pooled = "other_pooled"

// distribution builds and suppresses one item's distribution.
func (rp *Reports) distribution(t *itemTally, it *Item, sensitivePage bool, lang string, label func(key string) string) *ItemReport {
	switch it.Type {
	case ShortText, LongText, NumberItem:
		return nil
	}
	sensitive := it.Sensitive || sensitivePage
	k := rp.k(sensitive)
	ir := &ItemReport{ID: it.ID, Label: it.Label.In(lang), Type: it.Type, Sensitive: sensitive, Multiple: it.Type == MultipleChoice}
	choices := it.Choices(lang)
	keys := []string{it.ID}
	rowLabels := []string{""}
	rowCodes := []string{""}
	if it.Type == Matrix {
		keys, rowLabels, rowCodes = nil, nil, nil
		for _, row := range it.Rows {
			keys = append(keys, it.ID+"/"+row.Code)
			rowLabels = append(rowLabels, row.Label.In(lang))
			rowCodes = append(rowCodes, row.Code)
		}
	}
	long := it.Type == CountryItem || it.Type == LanguageItem
	for i, key := range keys {
		counts := t.counts[key]
		d := DistRow{Code: rowCodes[i], Label: rowLabels[i]}
		var values []int
		pool := 0
		for _, o := range choices {
			n := counts[o.Code]
			if long && n < k {
				pool += n // long lists: small codes go to one pooled group first
				continue
			}
			d.Codes = append(d.Codes, o.Code)
			d.Labels = append(d.Labels, o.Label.In(lang))
			values = append(values, n)
		}
		if long {
			d.Codes = append(d.Codes, pooled)
			d.Labels = append(d.Labels, label("report.pooled"))
			values = append(values, pool)
		}
		if ir.Multiple {
			for _, n := range values {
				d.Cells = append(d.Cells, Cell{N: n, Hidden: n < k})
			}
			n := t.answered[key]
			d.Total = Cell{N: n, Hidden: n < k}
		} else {
			s := Table{Counts: [][]int{values}}.Suppress(k)
			d.Cells, d.Total = s.Cells[0], s.RowTotals[0]
		}
		ir.Rows = append(ir.Rows, d)
	}
	return ir
}

// InstrumentReport is the item distributions of one instrument version.
type InstrumentReport struct {
	ID        string
	Version   int
	Wave      Wave
	Title     string
	Responses int // responses counted, finished or not
	Completed int
	// CountsOnly: fewer than K responses, so no distribution is shown.
	CountsOnly bool
	Items      []*ItemReport
}

func (rp *Reports) instrumentReport(t *itemTally, lang string, label func(string) string) InstrumentReport {
	in := t.in
	out := InstrumentReport{ID: in.ID, Version: in.Version, Wave: in.Wave, Title: in.Title.In(lang),
		Responses: t.responses, Completed: t.completed, CountsOnly: t.responses < rp.k(false)}
	if out.CountsOnly {
		return out
	}
	for _, p := range in.Pages {
		for i := range p.Items {
			if ir := rp.distribution(t, &p.Items[i], p.Sensitive, lang, label); ir != nil {
				out.Items = append(out.Items, ir)
			}
		}
	}
	return out
}

// waveOrder sorts instrument reports by course order, then id and version.
func waveOrder(a, b InstrumentReport) int {
	ia, ib := slices.Index(Waves, a.Wave), slices.Index(Waves, b.Wave)
	switch {
	case ia != ib:
		return ia - ib
	case a.ID != b.ID:
		if a.ID < b.ID {
			return -1
		}
		return 1
	}
	return a.Version - b.Version
}
