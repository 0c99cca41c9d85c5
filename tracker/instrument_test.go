package tracker

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// tx returns a complete text: s in every language.
func tx(s string) Text {
	t := Text{}
	for _, l := range Languages {
		t[l] = s + " (" + l + ")"
	}
	return t
}

func opt(code string) Option { return Option{Code: code, Label: tx(code)} }

func intp(n int) *int { return &n }

// testInstrument is a valid instrument with one item of every type.
func testInstrument() *Instrument {
	return &Instrument{ID: "test", Version: 1, Wave: WaveExit, Title: tx("Test"), Minutes: 3,
		Pages: []InstrumentPage{
			{ID: "p1", Title: tx("One"), Items: []Item{
				{ID: "age_band", Type: SingleChoice, Label: tx("Age"), Required: true, PreferNotToSay: true,
					Options: []Option{opt("18-24"), opt("25-34")}},
				{ID: "gender", Type: SingleChoice, Label: tx("Gender"),
					Options: []Option{opt("woman"), opt("man"), {Code: "self_describe", Label: tx("self"), Specify: true}}},
				{ID: "reasons", Type: MultipleChoice, Label: tx("Why"), Other: true,
					Options: []Option{opt("job"), opt("fun"), {Code: "none", Label: tx("None"), Exclusive: true}}},
				{ID: "reasons_primary", Type: SingleChoice, Label: tx("Main reason"), ShowIf: &ShowIf{Item: "reasons"},
					Options: []Option{opt("job"), opt("fun")}},
				{ID: "n", Type: NumberItem, Label: tx("Hours"), Min: intp(0), Max: intp(60)},
				{ID: "x", Type: ShortText, Label: tx("Name it")},
				{ID: "y", Type: LongText, Label: tx("Tell us"), MaxLength: 20},
			}},
			{ID: "p2", Title: tx("Two"), Items: []Item{
				{ID: "country", Type: CountryItem, Label: tx("Country"), PreferNotToSay: true},
				{ID: "lang", Type: LanguageItem, Label: tx("Language")},
				{ID: "sat", Type: ScaleItem, Label: tx("Satisfied"), Scale: ScaleAgree5},
				{ID: "nps", Type: Rating10, Label: tx("Recommend"), LowLabel: tx("Never"), HighLabel: tx("Surely")},
				{ID: "m", Type: Matrix, Label: tx("Rate"), Scale: ScaleAgree5, Required: true,
					Rows: []Option{opt("clear"), opt("useful")}},
				{ID: "job_title", Type: ShortText, Label: tx("Job"), ShowIf: &ShowIf{Item: "reasons_primary", AnyOf: []string{"job"}}},
			}},
			{ID: "p3", Title: tx("Three"), Sensitive: true, Items: []Item{
				{ID: "wg_seeing", Type: ScaleItem, Label: tx("Seeing"), Scale: ScaleWG4, Sensitive: true},
			}},
		}}
}

func mustJSON(t *testing.T, in *Instrument) []byte {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseInstrumentValid(t *testing.T) {
	in, err := ParseInstrument(mustJSON(t, testInstrument()))
	if err != nil {
		t.Fatalf("got %v, want no error", err)
	}
	if got := len(in.Items()); got != 14 {
		t.Errorf("got %d items, want 14", got)
	}
	if in.Item("nps") == nil || in.Item("nope") != nil || in.Page("p2") == nil {
		t.Error("Item or Page lookup is wrong")
	}
}

func TestParseInstrumentProblems(t *testing.T) {
	item := func(in *Instrument, id string) *Item {
		if it := in.Item(id); it != nil {
			return it
		}
		panic("no item " + id)
	}
	for _, tc := range []struct {
		name string
		edit func(in *Instrument)
		want []string
	}{
		{"duplicate option code", func(in *Instrument) {
			item(in, "age_band").Options[1].Code = "18-24"
		}, []string{`item "age_band": option code "18-24" is used twice`}},
		{"show_if on a later item", func(in *Instrument) {
			item(in, "gender").ShowIf = &ShowIf{Item: "reasons"}
		}, []string{`item "gender": show_if refers to "reasons" which comes later`}},
		{"show_if on a later page", func(in *Instrument) {
			item(in, "x").ShowIf = &ShowIf{Item: "sat", AnyOf: []string{"agree"}}
		}, []string{`item "x": show_if refers to "sat" which comes later`}},
		{"show_if on itself", func(in *Instrument) {
			item(in, "x").ShowIf = &ShowIf{Item: "x"}
		}, []string{`item "x": show_if refers to the item itself`}},
		{"show_if on an unknown item", func(in *Instrument) {
			item(in, "x").ShowIf = &ShowIf{Item: "nothing"}
		}, []string{`item "x": show_if refers to unknown item "nothing"`}},
		{"show_if on a text", func(in *Instrument) {
			item(in, "y").ShowIf = &ShowIf{Item: "x"}
		}, []string{`item "y": show_if refers to "x", a short_text item, whose answers have no codes`}},
		{"show_if with a code the item lacks", func(in *Instrument) {
			item(in, "x").ShowIf = &ShowIf{Item: "reasons", AnyOf: []string{"job", "money", "other"}}
		}, []string{`item "x": show_if: "reasons" has no option "money"`}},
		{"show_if on a sensitive item", func(in *Instrument) {
			in.Pages[2].Items = append(in.Pages[2].Items, Item{ID: "z", Type: ShortText, Label: tx("z"), ShowIf: &ShowIf{Item: "wg_seeing"}})
		}, []string{`item "z": show_if refers to sensitive item "wg_seeing"`, `item "z": is not sensitive but its page "p3" is`}},
		{"no English label", func(in *Instrument) {
			delete(item(in, "x").Label, "en")
		}, []string{`item "x": label has no English text`}},
		{"blank Greek help", func(in *Instrument) {
			item(in, "x").Help = tx("Help")
			item(in, "x").Help["el"] = "  "
		}, []string{`item "x": help has no Greek text`}},
		{"unsupported language", func(in *Instrument) {
			item(in, "x").Label["fr"] = "Nom"
		}, []string{`item "x": label has text in unsupported language "fr"`}},
		{"no label", func(in *Instrument) {
			item(in, "x").Label = nil
		}, []string{`item "x": label is missing`}},
		{"option label incomplete", func(in *Instrument) {
			delete(item(in, "age_band").Options[0].Label, "sl")
		}, []string{`item "age_band": option "18-24" label has no Slovenian text`}},
		{"page title incomplete", func(in *Instrument) {
			delete(in.Pages[0].Title, "de")
		}, []string{`page "p1": title has no German text`}},
		{"unknown type", func(in *Instrument) {
			item(in, "y").Type = "slider"
		}, []string{`item "y": type "slider" is unknown`}},
		{"no type", func(in *Instrument) {
			item(in, "y").Type = ""
		}, []string{`item "y": type is missing`}},
		{"min above max", func(in *Instrument) {
			item(in, "n").Min, item(in, "n").Max = intp(10), intp(5)
		}, []string{`item "n": min 10 is greater than max 5`}},
		{"number without bounds", func(in *Instrument) {
			item(in, "n").Max = nil
		}, []string{`item "n": number needs both min and max`}},
		{"bad item id", func(in *Instrument) {
			item(in, "x").ID = "Job-Title"
		}, []string{`item "Job-Title": id "Job-Title" must match ^[a-z][a-z0-9_]*$`}},
		{"item without id", func(in *Instrument) {
			item(in, "x").ID = ""
		}, []string{`page "p1": item 6: has no id`}},
		{"item id used twice across pages", func(in *Instrument) {
			item(in, "lang").ID = "x"
		}, []string{`item "x": id is used twice`}},
		{"page id used twice", func(in *Instrument) {
			in.Pages[1].ID = "p1"
		}, []string{`page "p1": page id is used twice`}},
		{"one option", func(in *Instrument) {
			item(in, "age_band").Options = item(in, "age_band").Options[:1]
		}, []string{`item "age_band": single_choice needs at least 2 options, has 1`}},
		{"country with options", func(in *Instrument) {
			item(in, "country").Options = []Option{opt("si"), opt("it")}
		}, []string{`item "country": options is not allowed on a country item (the list is generated)`}},
		{"matrix without rows or scale", func(in *Instrument) {
			item(in, "m").Rows, item(in, "m").Scale = nil, ""
		}, []string{`item "m": matrix needs rows`, `item "m": scale is missing`}},
		{"unknown scale", func(in *Instrument) {
			item(in, "sat").Scale = "agree7"
		}, []string{`item "sat": scale "agree7" is unknown`}},
		{"field of another type", func(in *Instrument) {
			item(in, "x").Other = true
			item(in, "x").Scale = ScaleAgree5
		}, []string{`item "x": other is not allowed on a short_text item`, `item "x": scale is not allowed on a short_text item`}},
		{"prefer_not written by hand", func(in *Instrument) {
			it := item(in, "gender")
			it.Options = append(it.Options, opt(PreferNotCode))
		}, []string{`item "gender": option code "prefer_not" is reserved: set prefer_not_to_say instead`}},
		{"other twice", func(in *Instrument) {
			it := item(in, "reasons")
			it.Options = append(it.Options, opt(OtherCode))
		}, []string{`item "reasons": option code "other" is reserved when other is set`}},
		{"two options to specify", func(in *Instrument) {
			item(in, "gender").Other = true
		}, []string{`item "gender": only one option may ask to specify`}},
		{"exclusive in single choice", func(in *Instrument) {
			item(in, "gender").Options[0].Exclusive = true
		}, []string{`item "gender": option "woman": exclusive only applies to multiple_choice`}},
		{"bad option code", func(in *Instrument) {
			item(in, "gender").Options[0].Code = "Woman"
		}, []string{`item "gender": option code "Woman" must match`}},
		{"half of the anchors", func(in *Instrument) {
			item(in, "nps").HighLabel = nil
		}, []string{`item "nps": low_label and high_label go together`}},
		{"negative max_length", func(in *Instrument) {
			item(in, "y").MaxLength = -1
		}, []string{`item "y": max_length -1 must be between 1 and`}},
		{"required sensitive item", func(in *Instrument) {
			item(in, "wg_seeing").Required = true
		}, []string{`item "wg_seeing": a sensitive item cannot be required`}},
		{"sensitive item on an ordinary page", func(in *Instrument) {
			item(in, "x").Sensitive = true
		}, []string{`item "x": is sensitive but its page "p1" is not`}},
		{"instrument fields", func(in *Instrument) {
			in.ID, in.Version, in.Wave, in.Minutes = "Entry", 0, "midterm", 0
		}, []string{`instrument "Entry": 4 problem(s): id "Entry" must match`, "; version must be 1 or more, got 0",
			`; wave "midterm" is unknown (want one of consent, entry, exit, followup, microcredential, provider)`, "; minutes must be 1 or more, got 0"}},
		{"no pages", func(in *Instrument) {
			in.Pages = nil
		}, []string{`instrument "test": 1 problem(s): has no pages`}},
		{"empty page", func(in *Instrument) {
			in.Pages[1].Items = nil
		}, []string{`page "p2": has no items`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := testInstrument()
			tc.edit(in)
			_, err := ParseInstrument(mustJSON(t, in))
			var de *DefinitionError
			if !errors.As(err, &de) {
				t.Fatalf("got %v, want a *DefinitionError", err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("got %v, want it to be ErrInvalid", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("got %v\nwant it to say %q", err, want)
				}
			}
			if len(de.Problems) != len(tc.want) {
				t.Errorf("got %d problems %v, want %d", len(de.Problems), de.Problems, len(tc.want))
			}
		})
	}
}

func TestParseInstrumentReportsAllProblems(t *testing.T) {
	in := testInstrument()
	in.Item("age_band").Options[1].Code = "18-24"
	in.Item("n").Min = intp(100)
	delete(in.Item("x").Label, "it")
	_, err := ParseInstrument(mustJSON(t, in))
	var de *DefinitionError
	if !errors.As(err, &de) {
		t.Fatalf("got %v, want a *DefinitionError", err)
	}
	want := []DefinitionProblem{
		{Page: "p1", Item: "age_band", Msg: `option code "18-24" is used twice`},
		{Page: "p1", Item: "n", Msg: "min 100 is greater than max 60"},
		{Page: "p1", Item: "x", Msg: "label has no Italian text"},
	}
	if len(de.Problems) != len(want) {
		t.Fatalf("got %v, want %v", de.Problems, want)
	}
	for i := range want {
		if de.Problems[i] != want[i] {
			t.Errorf("problem %d: got %+v, want %+v", i, de.Problems[i], want[i])
		}
	}
}

func TestParseInstrumentJSON(t *testing.T) {
	valid := string(mustJSON(t, testInstrument()))
	for _, tc := range []struct{ name, data, want string }{
		{"unknown field", strings.Replace(valid, `"required":true`, `"requried":true`, 1), `unknown field "requried"`},
		{"wrong type", "{\n\"id\": \"t\",\n\"version\": \"1\"}", `bad JSON at line 3: version must be int, not string`},
		{"syntax", "{\n\"id\": \"t\",,}", "bad JSON at line 2"},
		{"trailing data", valid + ` {}`, "unexpected data after the instrument"},
		{"text is not a map", `{"id": "t", "title": "Test"}`, "bad JSON at line 1: title must be tracker.Text, not string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseInstrument([]byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalid) {
				t.Errorf("got %v, want an ErrInvalid saying %q", err, tc.want)
			}
		})
	}
}

func TestTextIn(t *testing.T) {
	text := Text{"en": "Hello", "de": "Hallo", "sl": ""}
	for _, tc := range []struct{ lang, want string }{{"de", "Hallo"}, {"sl", "Hello"}, {"fr", "Hello"}} {
		if got := text.In(tc.lang); got != tc.want {
			t.Errorf("In(%q): got %q, want %q", tc.lang, got, tc.want)
		}
	}
}

func TestScalesComplete(t *testing.T) {
	for _, name := range ScaleNames {
		opts, ok := ScaleOptions(name)
		if !ok || len(opts) < 2 {
			t.Fatalf("scale %s: got %d options", name, len(opts))
		}
		for _, o := range opts {
			for _, l := range Languages {
				if strings.TrimSpace(o.Label[l]) == "" {
					t.Errorf("scale %s option %s: no %s label", name, o.Code, l)
				}
			}
		}
	}
	for _, o := range []Option{otherOption(), preferNotOption()} {
		if len(o.Label) != len(Languages) {
			t.Errorf("%s: got %d labels, want %d", o.Code, len(o.Label), len(Languages))
		}
	}
	if _, ok := ScaleOptions("agree7"); ok {
		t.Error("agree7 should not exist")
	}
}
