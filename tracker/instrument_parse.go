package tracker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

var (
	// Instrument, page and item ids: they become form field names, URL
	// parts and column names, so they stay plain.
	instrumentIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	// Option and row codes may also start with a digit and use hyphens,
	// as bands do ("18-24").
	optionCodePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
)

const maxIDLength = 64

// DefinitionProblem is one mistake in an instrument definition, located by
// the item (or else the page) it is in.
type DefinitionProblem struct {
	Page string // page id, when the problem is in a page but in none of its items
	Item string // item id, when the problem is in an item
	Msg  string
}

func (p DefinitionProblem) String() string {
	switch {
	case p.Item != "":
		return fmt.Sprintf("item %q: %s", p.Item, p.Msg)
	case p.Page != "":
		return fmt.Sprintf("page %q: %s", p.Page, p.Msg)
	}
	return p.Msg
}

// DefinitionError lists every problem found in an instrument definition. It
// is an ErrInvalid.
type DefinitionError struct {
	Instrument string // id, when known
	Problems   []DefinitionProblem
}

func (e *DefinitionError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	name := "instrument"
	if e.Instrument != "" {
		name = fmt.Sprintf("instrument %q", e.Instrument)
	}
	return fmt.Sprintf("%s: %d problem(s): %s", name, len(parts), strings.Join(parts, "; "))
}

func (e *DefinitionError) Unwrap() error { return ErrInvalid }

// ParseInstrument reads and validates an instrument definition. Unknown
// fields are refused, so that a misspelt "requried" does not pass silently.
// Any problem comes back as a *DefinitionError.
func ParseInstrument(data []byte) (*Instrument, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var in Instrument
	if err := dec.Decode(&in); err != nil {
		return nil, &DefinitionError{Problems: []DefinitionProblem{{Msg: jsonProblem(data, err)}}}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &DefinitionError{Instrument: in.ID, Problems: []DefinitionProblem{{Msg: "unexpected data after the instrument"}}}
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return &in, nil
}

// jsonProblem describes a decoding error with its line when it has one.
func jsonProblem(data []byte, err error) string {
	var offset int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
		err = fmt.Errorf("%s must be %s, not %s", typ.Field, typ.Type, typ.Value)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if offset >= 0 && offset <= int64(len(data)) {
		line := bytes.Count(data[:offset], []byte("\n")) + 1
		return fmt.Sprintf("bad JSON at line %d: %s", line, msg)
	}
	return "bad JSON: " + msg
}

// Validate checks a definition and returns every problem in one
// *DefinitionError, or nil.
func (in *Instrument) Validate() error {
	c := &definitionChecker{in: in, position: map[string]int{}, items: map[string]*Item{}}
	c.instrument()
	if len(c.problems) == 0 {
		return nil
	}
	return &DefinitionError{Instrument: in.ID, Problems: c.problems}
}

type definitionChecker struct {
	in       *Instrument
	problems []DefinitionProblem
	position map[string]int   // item id → place in the instrument, from 0
	items    map[string]*Item // first item with each id
}

func (c *definitionChecker) add(page, item, format string, args ...any) {
	c.problems = append(c.problems, DefinitionProblem{Page: page, Item: item, Msg: fmt.Sprintf(format, args...)})
}

func (c *definitionChecker) instrument() {
	in := c.in
	top := func(format string, args ...any) { c.add("", "", format, args...) }
	c.id(top, "id", in.ID)
	if in.Version < 1 {
		top("version must be 1 or more, got %d", in.Version)
	}
	if !slices.Contains(Waves, in.Wave) {
		top("wave %q is unknown (want one of %s)", in.Wave, joinWaves())
	}
	if in.Minutes < 1 {
		top("minutes must be 1 or more, got %d", in.Minutes)
	}
	c.text(top, "title", in.Title, true)
	c.text(top, "description", in.Description, false)
	if len(in.Pages) == 0 {
		top("has no pages")
	}

	// Positions first, so that show_if can tell "later" from "unknown".
	n := 0
	for _, p := range in.Pages {
		for i := range p.Items {
			id := p.Items[i].ID
			if _, dup := c.position[id]; !dup && id != "" {
				c.position[id] = n
				c.items[id] = &p.Items[i]
			}
			n++
		}
	}

	pages := map[string]bool{}
	seen := map[string]bool{}
	n = 0
	for pi := range in.Pages {
		p := &in.Pages[pi]
		name := p.ID
		if name == "" {
			name = fmt.Sprintf("#%d", pi+1)
		}
		pageProblem := func(format string, args ...any) { c.add(name, "", format, args...) }
		if p.ID == "" {
			pageProblem("page has no id")
		} else {
			c.id(pageProblem, "id", p.ID)
			if pages[p.ID] {
				pageProblem("page id is used twice")
			}
			pages[p.ID] = true
		}
		c.text(pageProblem, "title", p.Title, true)
		c.text(pageProblem, "intro", p.Intro, false)
		if len(p.Items) == 0 {
			pageProblem("has no items")
		}
		for ii := range p.Items {
			it := &p.Items[ii]
			var report func(string, ...any)
			if it.ID == "" {
				report = func(format string, args ...any) {
					c.add(name, "", "item %d: %s", ii+1, fmt.Sprintf(format, args...))
				}
				report("has no id")
			} else {
				report = func(format string, args ...any) { c.add(name, it.ID, format, args...) }
				c.id(report, "id", it.ID)
				if seen[it.ID] {
					report("id is used twice")
				}
				seen[it.ID] = true
			}
			c.item(report, p, it, n)
			n++
		}
	}
}

func joinWaves() string {
	s := make([]string, len(Waves))
	for i, w := range Waves {
		s[i] = string(w)
	}
	return strings.Join(s, ", ")
}

func (c *definitionChecker) id(report func(string, ...any), what, id string) {
	if !instrumentIDPattern.MatchString(id) || len(id) > maxIDLength {
		report("%s %q must match %s and be at most %d characters", what, id, instrumentIDPattern, maxIDLength)
	}
}

// text checks that t has a non-blank text in every supported language and
// no other; an optional text may be absent altogether.
func (c *definitionChecker) text(report func(string, ...any), what string, t Text, required bool) {
	if len(t) == 0 {
		if required {
			report("%s is missing", what)
		}
		return
	}
	for _, lang := range Languages {
		if strings.TrimSpace(t[lang]) == "" {
			report("%s has no %s text", what, display.English.Languages().Name(language.Make(lang)))
		}
	}
	var extra []string
	for lang := range t {
		if !slices.Contains(Languages, lang) {
			extra = append(extra, lang)
		}
	}
	slices.Sort(extra)
	for _, lang := range extra {
		report("%s has text in unsupported language %q", what, lang)
	}
}

// typeFields says which optional fields each type may have.
var typeFields = map[ItemType][]string{
	SingleChoice:   {"options", "other", "prefer_not_to_say"},
	MultipleChoice: {"options", "other", "prefer_not_to_say"},
	ScaleItem:      {"scale", "prefer_not_to_say"},
	Rating10:       {"low_label", "high_label"},
	Matrix:         {"scale", "rows", "prefer_not_to_say"},
	NumberItem:     {"min", "max"},
	ShortText:      {"max_length"},
	LongText:       {"max_length"},
	CountryItem:    {"prefer_not_to_say"},
	LanguageItem:   {"prefer_not_to_say"},
}

func (c *definitionChecker) item(report func(string, ...any), p *InstrumentPage, it *Item, pos int) {
	c.text(report, "label", it.Label, true)
	c.text(report, "help", it.Help, false)
	if it.Sensitive && it.Required {
		report("a sensitive item cannot be required")
	}
	if it.Sensitive != p.Sensitive {
		if it.Sensitive {
			report("is sensitive but its page %q is not", p.ID)
		} else {
			report("is not sensitive but its page %q is", p.ID)
		}
	}
	c.showIf(report, it, pos)

	allowed, known := typeFields[it.Type]
	switch {
	case it.Type == "":
		report("type is missing")
		return
	case !known:
		report("type %q is unknown", it.Type)
		return
	}
	present := map[string]bool{
		"options":           it.Options != nil,
		"other":             it.Other,
		"prefer_not_to_say": it.PreferNotToSay,
		"scale":             it.Scale != "",
		"rows":              it.Rows != nil,
		"min":               it.Min != nil,
		"max":               it.Max != nil,
		"max_length":        it.MaxLength != 0,
		"low_label":         it.LowLabel != nil,
		"high_label":        it.HighLabel != nil,
	}
	for _, f := range []string{"options", "other", "prefer_not_to_say", "scale", "rows", "min", "max", "max_length", "low_label", "high_label"} {
		if present[f] && !slices.Contains(allowed, f) {
			why := ""
			if f == "options" && (it.Type == CountryItem || it.Type == LanguageItem) {
				why = " (the list is generated)"
			}
			report("%s is not allowed on a %s item%s", f, it.Type, why)
		}
	}

	switch it.Type {
	case SingleChoice, MultipleChoice:
		c.options(report, it)
	case ScaleItem, Matrix:
		switch {
		case it.Scale == "":
			report("scale is missing (want one of %s)", strings.Join(ScaleNames, ", "))
		case !isScaleName(it.Scale):
			report("scale %q is unknown (want one of %s)", it.Scale, strings.Join(ScaleNames, ", "))
		}
		if it.Type == Matrix {
			c.rows(report, it)
		}
	case Rating10:
		if (it.LowLabel == nil) != (it.HighLabel == nil) {
			report("low_label and high_label go together")
		}
		c.text(report, "low_label", it.LowLabel, false)
		c.text(report, "high_label", it.HighLabel, false)
	case NumberItem:
		switch {
		case it.Min == nil || it.Max == nil:
			report("number needs both min and max")
		case *it.Min > *it.Max:
			report("min %d is greater than max %d", *it.Min, *it.Max)
		}
	case ShortText, LongText:
		if it.MaxLength < 0 || it.MaxLength > MaxTextLength {
			report("max_length %d must be between 1 and %d", it.MaxLength, MaxTextLength)
		}
	}
}

func (c *definitionChecker) options(report func(string, ...any), it *Item) {
	if n := len(it.Options) + oneIf(it.Other); n < 2 {
		report("%s needs at least 2 options, has %d", it.Type, n)
	}
	codes := map[string]bool{}
	specify, inclusive := oneIf(it.Other), 0
	for i, o := range it.Options {
		name := o.Code
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		switch {
		case !checkCode(report, "option", name, o.Code, codes):
		case o.Code == PreferNotCode:
			report("option code %q is reserved: set prefer_not_to_say instead", o.Code)
		case o.Code == OtherCode && it.Other:
			report("option code %q is reserved when other is set", o.Code)
		}
		c.text(report, fmt.Sprintf("option %q label", name), o.Label, true)
		if o.Exclusive && it.Type != MultipleChoice {
			report("option %q: exclusive only applies to multiple_choice", name)
		}
		if !o.Exclusive {
			inclusive++
		}
		if o.Specify {
			specify++
		}
	}
	if specify > 1 {
		report("only one option may ask to specify (other or specify), found %d", specify)
	}
	if it.Type == MultipleChoice && inclusive+oneIf(it.Other) == 0 && len(it.Options) > 0 {
		report("every option is exclusive")
	}
}

// checkCode reports an option or row code that is missing, malformed or
// used twice among seen, records it, and tells whether it was sound.
func checkCode(report func(string, ...any), kind, name, code string, seen map[string]bool) bool {
	defer func() { seen[code] = true }()
	switch {
	case code == "":
		report("%s %s has no code", kind, name)
	case !optionCodePattern.MatchString(code) || len(code) > maxIDLength:
		report("%s code %q must match %s", kind, code, optionCodePattern)
	case seen[code]:
		report("%s code %q is used twice", kind, code)
	default:
		return true
	}
	return false
}

func (c *definitionChecker) rows(report func(string, ...any), it *Item) {
	if len(it.Rows) == 0 {
		report("matrix needs rows")
	}
	codes := map[string]bool{}
	for i, r := range it.Rows {
		name := r.Code
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		checkCode(report, "row", name, r.Code, codes)
		c.text(report, fmt.Sprintf("row %q label", name), r.Label, true)
		if r.Exclusive || r.Specify {
			report("row %q: exclusive and specify do not apply to rows", name)
		}
	}
}

func (c *definitionChecker) showIf(report func(string, ...any), it *Item, pos int) {
	s := it.ShowIf
	if s == nil {
		return
	}
	ref, ok := c.items[s.Item]
	refPos := c.position[s.Item]
	switch {
	case s.Item == "":
		report("show_if has no item")
		return
	case !ok:
		report("show_if refers to unknown item %q", s.Item)
		return
	case refPos == pos:
		report("show_if refers to the item itself")
		return
	case refPos > pos:
		report("show_if refers to %q which comes later", s.Item)
		return
	case !ref.hasCodes():
		report("show_if refers to %q, a %s item, whose answers have no codes", s.Item, ref.Type)
		return
	case ref.Sensitive && !it.Sensitive:
		report("show_if refers to sensitive item %q from an item that is not sensitive", s.Item)
	}
	seen := map[string]bool{}
	for _, code := range s.AnyOf {
		if seen[code] {
			report("show_if lists %q twice", code)
		}
		seen[code] = true
		if _, ok := ref.option(code); !ok {
			report("show_if: %q has no option %q", s.Item, code)
		}
	}
}

func oneIf(b bool) int {
	if b {
		return 1
	}
	return 0
}
