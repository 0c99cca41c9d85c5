package tracker

import (
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Form field names: "i.ID" carries an item's codes or typed text, "o.ID"
// the text of an option that asks to specify, "m.ID.ROW" a matrix row.
// They are built and read here only.
func fieldName(id string) string       { return "i." + id }
func otherName(id string) string       { return "o." + id }
func rowName(id, row string) string    { return "m." + id + "." + row }
func controlID(id, code string) string { return "f-" + id + "-" + code }
func errorAnchor(id string) string     { return "q-" + id }

// answersFromForm reads the answers to the items of one page.
func answersFromForm(page *InstrumentPage, form url.Values) map[string]Answer {
	out := make(map[string]Answer, len(page.Items))
	for i := range page.Items {
		it := &page.Items[i]
		var a Answer
		switch it.Type {
		case NumberItem, ShortText, LongText:
			a.Text = strings.TrimSpace(form.Get(fieldName(it.ID)))
		case Matrix:
			for _, row := range it.Rows {
				if v := form.Get(rowName(it.ID, row.Code)); v != "" {
					if a.Rows == nil {
						a.Rows = map[string]string{}
					}
					a.Rows[row.Code] = v
				}
			}
		default:
			a.Codes = form[fieldName(it.ID)]
			a.Other = strings.TrimSpace(form.Get(otherName(it.ID)))
		}
		out[it.ID] = a
	}
	return out
}

// itemView is one item of a survey or consent page.
type itemView struct {
	ID        string
	Anchor    string
	Name      string
	OtherName string
	Control   string // radio, checkbox, select, number, text, textarea, matrix
	Label     string
	Help      string
	Required  bool
	// Choices are the radio buttons or checkboxes, and SelectOptions a
	// select's options, already HTML. InRow: eleven choices (a 0-10
	// rating) sit in one row.
	Choices       template.HTML
	SelectOptions template.HTML
	InRow         bool
	Rows          []rowView
	Text          string
	Error         string
	MaxLength     int
	LowLabel      string
	HighLabel     string
	HTML          template.HTML // the whole item, written by itemHTML
}

type optionView struct {
	ID      string
	Code    string
	Label   string
	Checked bool
	Specify bool
}

type rowView struct {
	Code    string
	Label   string
	Name    string
	Choices template.HTML // the row's radio buttons, already HTML
}

// itemViews builds the views of a page's items shown for answers, with
// the error messages of errs in lang.
func itemViews(in *Instrument, page *InstrumentPage, answers map[string]Answer, errs AnswerErrors, lang string, cat *Catalogs) []itemView {
	var out []itemView
	optional, choose := cat.T(lang, "survey.optional"), cat.T(lang, "survey.choose")
	for i := range page.Items {
		it := &page.Items[i]
		if it.ShowIf != nil && !onPage(page, it.ShowIf.Item) && !in.Shown(it.ID, answers) {
			continue
		}
		a := answers[it.ID]
		v := itemView{
			ID: it.ID, Anchor: errorAnchor(it.ID), Name: fieldName(it.ID), OtherName: otherName(it.ID),
			Label: it.Label.In(lang), Help: it.Help.In(lang), Required: it.Required,
			Text: a.Text, MaxLength: it.TextLimit(),
			LowLabel: it.LowLabel.In(lang), HighLabel: it.HighLabel.In(lang),
		}
		for _, e := range errs {
			if e.Item == it.ID {
				v.Error = cat.T(lang, "answer."+e.Code)
			}
		}
		choices := it.Choices(lang)
		opts := func(name string, chosen []string) []optionView {
			o := make([]optionView, len(choices))
			for j, c := range choices {
				o[j] = optionView{ID: controlID(name, c.Code), Code: c.Code, Label: c.Label.In(lang),
					Checked: slices.Contains(chosen, c.Code), Specify: c.Specify || c.Code == OtherCode}
			}
			return o
		}
		specify := choiceInput{Label: cat.T(lang, "survey.specify"), Name: v.OtherName, Value: a.Other}
		switch it.Type {
		case SingleChoice, ScaleItem, Rating10:
			v.Control, v.InRow = "radio", len(choices) == 11
			v.Choices = choiceInputs("radio", v.Name, opts(it.ID, a.Codes), specify)
		case MultipleChoice:
			v.Control, v.InRow = "checkbox", len(choices) == 11
			v.Choices = choiceInputs("checkbox", v.Name, opts(it.ID, a.Codes), specify)
		case CountryItem, LanguageItem:
			v.Control, v.SelectOptions = "select", selectOptions(choices, a.Codes, lang)
		case NumberItem:
			v.Control = "number"
		case ShortText:
			v.Control = "text"
		case LongText:
			v.Control = "textarea"
		case Matrix:
			v.Control = "matrix"
			for _, row := range it.Rows {
				name := rowName(it.ID, row.Code)
				v.Rows = append(v.Rows, rowView{Code: row.Code, Label: row.Label.In(lang), Name: name,
					Choices: choiceInputs("radio", name, opts(it.ID+"-"+row.Code, []string{a.Rows[row.Code]}), choiceInput{})})
			}
		}
		v.HTML = itemHTML(&v, optional, choose)
		out = append(out, v)
	}
	return out
}

func onPage(page *InstrumentPage, id string) bool {
	for _, it := range page.Items {
		if it.ID == id {
			return true
		}
	}
	return false
}

// progress is "page n of m" for the template.
type progress struct {
	Current, Total, Percent string
}

func progressOf(index, total int) progress {
	if total == 0 {
		return progress{}
	}
	return progress{Current: strconv.Itoa(index + 1), Total: strconv.Itoa(total), Percent: strconv.Itoa(100 * (index + 1) / total)}
}
