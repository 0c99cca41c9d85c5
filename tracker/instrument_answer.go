package tracker

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Answer is what a learner submitted for one item, as form values.
type Answer struct {
	// Codes are the chosen option codes: one for single choice, scale,
	// rating, country and language items, any number for multiple choice.
	// Empty strings (an unselected <select>) count as nothing chosen.
	Codes []string `json:"codes,omitempty"`
	// Text is a number or text item's answer, as typed.
	Text string `json:"text,omitempty"`
	// Other is the free text of the chosen option that asks to specify.
	Other string `json:"other,omitempty"`
	// Rows are a matrix's answers: row code → scale code.
	Rows map[string]string `json:"rows,omitempty"`
}

// Empty reports whether nothing was answered.
func (a Answer) Empty() bool {
	if strings.TrimSpace(a.Text) != "" || strings.TrimSpace(a.Other) != "" {
		return false
	}
	for _, c := range a.Codes {
		if c != "" {
			return false
		}
	}
	for _, v := range a.Rows {
		if v != "" {
			return false
		}
	}
	return true
}

// chosen returns the non-empty codes.
func (a Answer) chosen() []string {
	var out []string
	for _, c := range a.Codes {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// Answer check codes: stable keys, not sentences, so that the pages can
// say them in the learner's language.
//
//   - required: a required item (or some rows of a required matrix) left unanswered
//   - invalid_option: a code the item does not offer, the same code twice,
//     several codes for a one-answer item, or an unknown matrix row
//   - exclusive_combined: an exclusive option ("none", "prefer not to say")
//     chosen together with another
//   - other_not_chosen: an "other, please specify" text without its option
//   - not_a_number: a number item's answer is not a whole number
//   - out_of_range: a number outside the item's min and max
//   - too_long: a text longer than the item allows
//   - invalid_answer: the answer has the wrong shape for the item (e.g. a
//     text for a choice) or is not valid UTF-8; a form bug, not a learner's
const (
	AnswerRequired          = "required"
	AnswerInvalidOption     = "invalid_option"
	AnswerExclusiveCombined = "exclusive_combined"
	AnswerOtherNotChosen    = "other_not_chosen"
	AnswerNotANumber        = "not_a_number"
	AnswerOutOfRange        = "out_of_range"
	AnswerTooLong           = "too_long"
	AnswerInvalid           = "invalid_answer"
)

// AnswerError is why one item's answer was refused. It is an ErrInvalid.
type AnswerError struct {
	Item string
	Code string   // one of the Answer* codes
	Rows []string // matrix rows concerned, if any
}

func (e *AnswerError) Error() string {
	if len(e.Rows) > 0 {
		return fmt.Sprintf("item %q: %s (rows %s)", e.Item, e.Code, strings.Join(e.Rows, ", "))
	}
	return fmt.Sprintf("item %q: %s", e.Item, e.Code)
}

func (e *AnswerError) Unwrap() error { return ErrInvalid }

// AnswerErrors are the refused answers of a page, in item order. It is an
// ErrInvalid.
type AnswerErrors []*AnswerError

func (es AnswerErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

func (es AnswerErrors) Unwrap() error { return ErrInvalid }

// Check checks one answer against the item, whether or not the item is
// shown (Instrument.CheckPage skips hidden items). It returns nil or an
// *AnswerError.
func (it *Item) Check(a Answer) error {
	if e := it.check(a); e != nil {
		return e
	}
	return nil
}

func (it *Item) check(a Answer) *AnswerError {
	fail := func(code string, rows ...string) *AnswerError {
		return &AnswerError{Item: it.ID, Code: code, Rows: rows}
	}
	if !utf8.ValidString(a.Text) || !utf8.ValidString(a.Other) {
		return fail(AnswerInvalid)
	}
	codes := a.chosen()
	text := strings.TrimSpace(strings.ReplaceAll(a.Text, "\r\n", "\n"))
	other := strings.TrimSpace(a.Other)
	if a.Empty() {
		if !it.Required {
			return nil
		}
		var rows []string
		for _, r := range it.Rows {
			rows = append(rows, r.Code)
		}
		return fail(AnswerRequired, rows...)
	}

	switch it.Type {
	case Matrix:
		if len(codes) > 0 || text != "" || other != "" {
			return fail(AnswerInvalid)
		}
		return it.checkRows(a.Rows)

	case NumberItem, ShortText, LongText:
		if len(codes) > 0 || other != "" || len(a.Rows) > 0 {
			return fail(AnswerInvalid)
		}
		if text == "" {
			if it.Required {
				return fail(AnswerRequired)
			}
			return nil
		}
		if it.Type != NumberItem {
			if utf8.RuneCountInString(text) > it.TextLimit() {
				return fail(AnswerTooLong)
			}
			return nil
		}
		n, err := strconv.Atoi(text)
		if err != nil {
			return fail(AnswerNotANumber)
		}
		if (it.Min != nil && n < *it.Min) || (it.Max != nil && n > *it.Max) {
			return fail(AnswerOutOfRange)
		}
		return nil
	}

	// The items answered with codes.
	if text != "" || len(a.Rows) > 0 {
		return fail(AnswerInvalid)
	}
	if len(codes) == 0 {
		if other != "" {
			return fail(AnswerOtherNotChosen)
		}
		if it.Required {
			return fail(AnswerRequired)
		}
		return nil
	}
	if len(codes) > 1 && it.Type != MultipleChoice {
		return fail(AnswerInvalidOption)
	}
	specified := false
	for i, code := range codes {
		o, ok := it.option(code)
		if !ok || slices.Contains(codes[:i], code) {
			return fail(AnswerInvalidOption)
		}
		if o.Exclusive && len(codes) > 1 {
			return fail(AnswerExclusiveCombined)
		}
		specified = specified || o.Specify
	}
	if other != "" && !specified {
		return fail(AnswerOtherNotChosen)
	}
	if utf8.RuneCountInString(other) > ShortTextLength {
		return fail(AnswerTooLong)
	}
	return nil
}

func (it *Item) checkRows(rows map[string]string) *AnswerError {
	var bad, missing []string
	for code, v := range rows {
		if v == "" {
			continue
		}
		if !slices.ContainsFunc(it.Rows, func(r Option) bool { return r.Code == code }) {
			bad = append(bad, code)
		} else if _, ok := it.option(v); !ok {
			bad = append(bad, code)
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return &AnswerError{Item: it.ID, Code: AnswerInvalidOption, Rows: bad}
	}
	if it.Required {
		for _, r := range it.Rows {
			if rows[r.Code] == "" {
				missing = append(missing, r.Code)
			}
		}
	}
	if len(missing) > 0 {
		return &AnswerError{Item: it.ID, Code: AnswerRequired, Rows: missing}
	}
	return nil
}

// shown works out which items are shown given the answers: an item is
// shown when it has no show_if, or when the item its show_if names is
// shown and was answered with one of AnyOf (with AnyOf empty, with
// anything). An answer left behind by a now hidden item so counts for
// nothing.
func (in *Instrument) shown(answers map[string]Answer) map[string]bool {
	shown := map[string]bool{}
	for _, it := range in.Items() {
		s := it.ShowIf
		if s == nil {
			shown[it.ID] = true
			continue
		}
		codes := answers[s.Item].chosen()
		match := len(codes) > 0 && len(s.AnyOf) == 0
		for _, c := range codes {
			match = match || slices.Contains(s.AnyOf, c)
		}
		shown[it.ID] = shown[s.Item] && match
	}
	return shown
}

// Shown reports whether the item with the given id is shown, given the
// answers so far.
func (in *Instrument) Shown(id string, answers map[string]Answer) bool {
	return in.shown(answers)[id]
}

// CheckPage checks the answers to the shown items of one page. answers may
// hold other pages' answers too, which show_if conditions read. It returns
// nil or AnswerErrors.
func (in *Instrument) CheckPage(pageID string, answers map[string]Answer) error {
	p := in.Page(pageID)
	if p == nil {
		return fmt.Errorf("instrument %s: page %q: %w", in.ID, pageID, ErrNotFound)
	}
	if errs := in.checkPage(p, in.shown(answers), answers); len(errs) > 0 {
		return errs
	}
	return nil
}

func (in *Instrument) checkPage(p *InstrumentPage, shown map[string]bool, answers map[string]Answer) AnswerErrors {
	var errs AnswerErrors
	for i := range p.Items {
		it := &p.Items[i]
		if !shown[it.ID] {
			continue
		}
		if e := it.check(answers[it.ID]); e != nil {
			errs = append(errs, e)
		}
	}
	return errs
}

// Check checks the answers to every shown item of the instrument, as when
// a learner submits the last page. It returns nil or AnswerErrors.
func (in *Instrument) Check(answers map[string]Answer) error {
	shown := in.shown(answers)
	var errs AnswerErrors
	for i := range in.Pages {
		errs = append(errs, in.checkPage(&in.Pages[i], shown, answers)...)
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Prune returns the answers to keep: non-empty answers to items of the
// instrument that are shown. Answers to items hidden since (the learner
// went back and changed an earlier answer) and to unknown items are dropped.
func (in *Instrument) Prune(answers map[string]Answer) map[string]Answer {
	shown := in.shown(answers)
	out := map[string]Answer{}
	for id, a := range answers {
		if shown[id] && !a.Empty() {
			out[id] = a
		}
	}
	return out
}
