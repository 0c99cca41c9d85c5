package tracker

import (
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the seed corpora in testdata/fuzz")

// FuzzParseInstrument feeds instrument definitions, as an instructor
// uploads them. A definition is refused with a *DefinitionError, or it is
// accepted and then survives its own round trip through JSON (it is
// stored that way) and answering nothing.
func FuzzParseInstrument(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := ParseInstrument(data)
		if err != nil {
			var de *DefinitionError
			if !errors.As(err, &de) || !errors.Is(err, ErrInvalid) || len(de.Problems) == 0 {
				t.Fatalf("refusal is not a DefinitionError with problems: %T %v", err, err)
			}
			return
		}
		stored, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("accepted instrument does not encode: %v", err)
		}
		again, err := ParseInstrument(stored)
		if err != nil {
			t.Fatalf("accepted instrument refused once stored: %v\n%s", err, stored)
		}
		if !reflect.DeepEqual(in, again) {
			t.Fatalf("instrument changed through storage:\n%+v\n%+v", in, again)
		}
		_ = in.Check(map[string]Answer{})
		for _, it := range in.Items() {
			it.Choices("en")
		}
	})
}

// FuzzSurveyForm feeds posted survey pages: form is the urlencoded body,
// inst and page choose a built-in instrument and one of its pages. The
// answers read from the form are refused with AnswerErrors, or accepted
// and then hold only offered choices, and store and load unchanged.
func FuzzSurveyForm(f *testing.F) {
	ins, err := BuiltinInstruments()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, inst, page int, form string) {
		if inst < 0 || page < 0 {
			return
		}
		in := ins[inst%len(ins)]
		p := &in.Pages[page%len(in.Pages)]
		values, err := url.ParseQuery(form)
		if err != nil {
			return // the server answers 400 before reading answers
		}
		answers := answersFromForm(p, values)
		err = in.CheckPage(p.ID, answers)
		if err != nil {
			var errs AnswerErrors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("refusal is not AnswerErrors: %T %v", err, err)
			}
			return
		}
		for i := range p.Items {
			it := &p.Items[i]
			if in.Shown(it.ID, answers) {
				checkAccepted(t, it, answers[it.ID])
			}
		}
		kept := in.Prune(answers)
		stored, err := json.Marshal(kept)
		if err != nil {
			t.Fatal(err)
		}
		var loaded map[string]Answer
		if err := json.Unmarshal(stored, &loaded); err != nil {
			t.Fatal(err)
		}
		if len(kept) == 0 {
			kept = nil
		}
		if len(loaded) == 0 {
			loaded = nil
		}
		if !reflect.DeepEqual(kept, loaded) {
			t.Fatalf("answers changed through storage:\n%+v\n%+v", kept, loaded)
		}
	})
}

// checkAccepted holds an accepted answer to the item's own definition,
// read independently of Item.Check.
func checkAccepted(t *testing.T, it *Item, a Answer) {
	t.Helper()
	if !utf8.ValidString(a.Text) || !utf8.ValidString(a.Other) {
		t.Fatalf("item %s: accepted invalid UTF-8", it.ID)
	}
	if it.Required && a.Empty() {
		t.Fatalf("item %s: required, accepted empty", it.ID)
	}
	offered := map[string]bool{}
	for _, o := range it.Choices("en") {
		offered[o.Code] = true
	}
	for _, c := range a.chosen() {
		if !offered[c] {
			t.Fatalf("item %s: accepted code %q it does not offer", it.ID, c)
		}
	}
	for row, v := range a.Rows {
		if v != "" && (!offered[v] || !slices.ContainsFunc(it.Rows, func(o Option) bool { return o.Code == row })) {
			t.Fatalf("item %s: accepted row %q = %q", it.ID, row, v)
		}
	}
	if it.Type == NumberItem && strings.TrimSpace(a.Text) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(a.Text))
		if err != nil || (it.Min != nil && n < *it.Min) || (it.Max != nil && n > *it.Max) {
			t.Fatalf("item %s: accepted number %q", it.ID, a.Text)
		}
	}
}

// validForm answers every item of a page with its first choice, a number
// in range or a short text.
func validForm(p *InstrumentPage) url.Values {
	v := url.Values{}
	for i := range p.Items {
		it := &p.Items[i]
		switch it.Type {
		case NumberItem:
			n := 1
			if it.Min != nil {
				n = *it.Min
			}
			v.Set(fieldName(it.ID), strconv.Itoa(n))
		case ShortText, LongText:
			v.Set(fieldName(it.ID), "Ναι, ça va")
		case Matrix:
			for _, row := range it.Rows {
				v.Set(rowName(it.ID, row.Code), it.Choices("en")[0].Code)
			}
		default:
			v.Set(fieldName(it.ID), it.Choices("en")[0].Code)
		}
	}
	return v
}

// TestFuzzSeeds checks the committed corpora (the valid seeds must be
// accepted, or fuzzing would rarely get past the first refusal), and with
// -update-seeds writes them again.
func TestFuzzSeeds(t *testing.T) {
	ins, err := BuiltinInstruments()
	if err != nil {
		t.Fatal(err)
	}
	if *updateSeeds {
		for i, in := range ins {
			for p := range in.Pages {
				writeSeed(t, "FuzzParseInstrument", in.ID+"-"+in.Pages[p].ID, "[]byte("+strconv.Quote(string(onePage(t, in, p)))+")")

				form := validForm(&in.Pages[p]).Encode()
				writeSeed(t, "FuzzSurveyForm", in.ID+"-"+in.Pages[p].ID,
					"int("+strconv.Itoa(i)+")\nint("+strconv.Itoa(p)+")\nstring("+strconv.Quote(form)+")")
			}
		}
		writeSeed(t, "FuzzParseInstrument", "misspelt-field", `[]byte("{\"id\":\"x\",\"requried\":true}")`)
		writeSeed(t, "FuzzSurveyForm", "other-without-option", "int(1)\nint(0)\nstring(\"o.gender=abc&i.gender=\")")
	}
	defs, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParseInstrument", "*"))
	for _, file := range defs {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		literal := strings.TrimPrefix(strings.TrimSpace(string(b)), "go test fuzz v1\n[]byte(")
		data, err := strconv.Unquote(strings.TrimSuffix(literal, ")"))
		if err != nil {
			t.Fatalf("%s is not a one-value corpus file: %v", file, err)
		}
		if _, err := ParseInstrument([]byte(data)); (err == nil) != (filepath.Base(file) != "misspelt-field") {
			t.Errorf("seed %s: got %v", file, err)
		}
	}
	if len(defs) < len(ins) {
		t.Errorf("FuzzParseInstrument: %d seeds, want at least %d", len(defs), len(ins))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzSurveyForm", "*"))
	accepted := 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 4 || lines[0] != "go test fuzz v1" {
			t.Fatalf("%s is not a three-value corpus file", file)
		}
		i, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(lines[1], "int("), ")"))
		p, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(lines[2], "int("), ")"))
		form, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[3], "string("), ")"))
		values, qerr := url.ParseQuery(form)
		if err != nil || qerr != nil {
			t.Fatalf("%s: %v %v", file, err, qerr)
		}
		in := ins[i%len(ins)]
		pg := &in.Pages[p%len(in.Pages)]
		if in.CheckPage(pg.ID, answersFromForm(pg, values)) == nil {
			accepted++
		}
	}
	if want := len(files) - 1; accepted < want {
		t.Errorf("FuzzSurveyForm: %d of %d seeds accepted, want %d (go test -run TestFuzzSeeds -update-seeds)", accepted, len(files), want)
	}
}

// onePage is a small valid instrument made of one page of in, every text
// cut to its language code: small seeds mutate faster than whole
// questionnaires in six languages.
func onePage(t *testing.T, in *Instrument, page int) []byte {
	t.Helper()
	cut := *in
	cut.Pages = []InstrumentPage{in.Pages[page]}
	cut.Pages[0].Items = slices.Clone(cut.Pages[0].Items)
	for i := range cut.Pages[0].Items {
		it := &cut.Pages[0].Items[i]
		if it.ShowIf != nil && cut.Item(it.ShowIf.Item) == nil {
			it.ShowIf = nil // its condition was on another page
		}
	}
	b, err := json.Marshal(&cut)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	b, err = json.Marshal(shortTexts(doc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseInstrument(b); err != nil {
		t.Fatalf("seed %s page %d: %v", in.ID, page, err)
	}
	return b
}

// shortTexts replaces each text in every language by the language code.
func shortTexts(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == len(Languages) {
			texts := true
			for _, l := range Languages {
				_, ok := v[l].(string)
				texts = texts && ok
			}
			if texts {
				for _, l := range Languages {
					v[l] = l
				}
				return v
			}
		}
		for k, x := range v {
			v[k] = shortTexts(x)
		}
	case []any:
		for i, x := range v {
			v[i] = shortTexts(x)
		}
	}
	return v
}

func writeSeed(t *testing.T, target, name, values string) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte("go test fuzz v1\n"+values+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
