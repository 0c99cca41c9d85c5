package tracker

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func codes(c ...string) Answer { return Answer{Codes: c} }

func TestItemCheck(t *testing.T) {
	in, err := ParseInstrument(mustJSON(t, testInstrument()))
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("é", 21)
	for _, tc := range []struct {
		item   string
		answer Answer
		want   string // answer check code, "" for accepted
	}{
		// single choice, required, with prefer not to say
		{"age_band", codes("18-24"), ""},
		{"age_band", codes(PreferNotCode), ""},
		{"age_band", Answer{}, AnswerRequired},
		{"age_band", codes(""), AnswerRequired},
		{"age_band", codes("17"), AnswerInvalidOption},
		{"age_band", codes("18-24", "25-34"), AnswerInvalidOption},
		{"age_band", Answer{Codes: []string{"18-24"}, Text: "hi"}, AnswerInvalid},
		// single choice with an option to specify
		{"gender", Answer{}, ""},
		{"gender", Answer{Codes: []string{"self_describe"}, Other: "agender"}, ""},
		{"gender", Answer{Codes: []string{"self_describe"}}, ""},
		{"gender", Answer{Codes: []string{"woman"}, Other: "agender"}, AnswerOtherNotChosen},
		{"gender", Answer{Other: "agender"}, AnswerOtherNotChosen},
		{"gender", Answer{Codes: []string{"self_describe"}, Other: strings.Repeat("x", ShortTextLength+1)}, AnswerTooLong},
		// multiple choice with other and an exclusive option
		{"reasons", codes("job", "fun"), ""},
		{"reasons", Answer{Codes: []string{"job", OtherCode}, Other: "a friend"}, ""},
		{"reasons", codes("none"), ""},
		{"reasons", codes("job", "none"), AnswerExclusiveCombined},
		{"reasons", codes("job", "job"), AnswerInvalidOption},
		{"reasons", codes("job", "money"), AnswerInvalidOption},
		{"reasons", Answer{Codes: []string{"job"}, Other: "a friend"}, AnswerOtherNotChosen},
		// number
		{"n", Answer{Text: " 12 "}, ""},
		{"n", Answer{Text: "0"}, ""},
		{"n", Answer{Text: "60"}, ""},
		{"n", Answer{Text: "61"}, AnswerOutOfRange},
		{"n", Answer{Text: "-1"}, AnswerOutOfRange},
		{"n", Answer{Text: "1.5"}, AnswerNotANumber},
		{"n", Answer{Text: "ten"}, AnswerNotANumber},
		{"n", Answer{Text: "99999999999999999999"}, AnswerNotANumber},
		{"n", Answer{Text: "  "}, ""},
		{"n", codes("5"), AnswerInvalid},
		// texts: length in characters, CRLF counting as one
		{"x", Answer{Text: strings.Repeat("é", ShortTextLength)}, ""},
		{"x", Answer{Text: strings.Repeat("é", ShortTextLength+1)}, AnswerTooLong},
		{"y", Answer{Text: strings.Repeat("ab\r\n", 5)}, ""},
		{"y", Answer{Text: long}, AnswerTooLong},
		{"y", Answer{Text: "\xff"}, AnswerInvalid},
		// country and language
		{"country", codes("SI"), ""},
		{"country", codes(PreferNotCode), ""},
		{"country", codes("si"), AnswerInvalidOption},
		{"country", codes("UK"), AnswerInvalidOption},
		{"country", codes("SI", "IT"), AnswerInvalidOption},
		{"lang", codes("sl"), ""},
		{"lang", codes(PreferNotCode), AnswerInvalidOption},
		{"lang", codes("iw"), AnswerInvalidOption},
		{"lang", codes("slv"), AnswerInvalidOption},
		// scale and 0-10
		{"sat", codes("strongly_agree"), ""},
		{"sat", codes("no_difficulty"), AnswerInvalidOption},
		{"nps", codes("0"), ""},
		{"nps", codes("10"), ""},
		{"nps", codes("11"), AnswerInvalidOption},
		{"nps", codes("07"), AnswerInvalidOption},
		{"wg_seeing", codes("a_lot"), ""},
		// matrix, required: every row
		{"m", Answer{Rows: map[string]string{"clear": "agree", "useful": "disagree"}}, ""},
		{"m", Answer{Rows: map[string]string{"clear": "agree"}}, AnswerRequired},
		{"m", Answer{Rows: map[string]string{"clear": "agree", "useful": "yes"}}, AnswerInvalidOption},
		{"m", Answer{Rows: map[string]string{"clear": "agree", "useful": "agree", "fun": "agree"}}, AnswerInvalidOption},
		{"m", Answer{}, AnswerRequired},
		{"m", codes("agree"), AnswerInvalid},
	} {
		err := in.Item(tc.item).Check(tc.answer)
		var got string
		if err != nil {
			var ae *AnswerError
			if !errors.As(err, &ae) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("%s %+v: got %v, want an *AnswerError", tc.item, tc.answer, err)
			}
			if ae.Item != tc.item {
				t.Errorf("%s: error names item %q", tc.item, ae.Item)
			}
			got = ae.Code
		}
		if got != tc.want {
			t.Errorf("%s %+v: got %q, want %q", tc.item, tc.answer, got, tc.want)
		}
	}
}

func TestMatrixCheckNamesRows(t *testing.T) {
	in := testInstrument()
	err := in.Item("m").Check(Answer{Rows: map[string]string{"useful": "agree"}})
	var ae *AnswerError
	if !errors.As(err, &ae) || ae.Code != AnswerRequired || !slices.Equal(ae.Rows, []string{"clear"}) {
		t.Errorf("got %v, want required for row clear", err)
	}
}

func TestShowIfAndPrune(t *testing.T) {
	in := testInstrument()
	answers := map[string]Answer{
		"reasons":         codes("job"),
		"reasons_primary": codes("job"),
		"job_title":       {Text: "Baker"},
		"age_band":        {},
		"ghost":           {Text: "not an item"},
	}
	for id, want := range map[string]bool{"reasons_primary": true, "job_title": true, "x": true} {
		if got := in.Shown(id, answers); got != want {
			t.Errorf("Shown(%s): got %v, want %v", id, got, want)
		}
	}
	kept := in.Prune(answers)
	if _, ok := kept["job_title"]; !ok || len(kept) != 3 {
		t.Errorf("Prune: got %v, want reasons, reasons_primary and job_title", kept)
	}

	// The learner goes back and unticks every reason: the primary reason
	// and, through it, the job title are hidden, and their stale answers go.
	answers["reasons"] = Answer{}
	if in.Shown("reasons_primary", answers) || in.Shown("job_title", answers) {
		t.Error("items depending on an unanswered item are shown")
	}
	if kept := in.Prune(answers); len(kept) != 0 {
		t.Errorf("Prune: got %v, want nothing", kept)
	}
}

func TestCheckPage(t *testing.T) {
	in := testInstrument()
	// Page 1: the required age band is missing and the number is too large.
	err := in.CheckPage("p1", map[string]Answer{"n": {Text: "100"}, "reasons": codes("none", "job")})
	var errs AnswerErrors
	if !errors.As(err, &errs) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v, want AnswerErrors", err)
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Item+":"+e.Code)
	}
	want := []string{"age_band:required", "reasons:exclusive_combined", "n:out_of_range"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}

	// A hidden item's answer is not checked.
	answers := map[string]Answer{"age_band": codes("18-24"), "reasons_primary": codes("nonsense")}
	if err := in.CheckPage("p1", answers); err != nil {
		t.Errorf("got %v, want the hidden reasons_primary skipped", err)
	}
	answers["reasons"] = codes("fun")
	if err := in.CheckPage("p1", answers); err == nil || !strings.Contains(err.Error(), `item "reasons_primary": invalid_option`) {
		t.Errorf("got %v, want reasons_primary checked once shown", err)
	}

	if err := in.CheckPage("p9", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown page: got %v, want ErrNotFound", err)
	}
	// The whole instrument: the required matrix on page 2 is missing too.
	err = in.Check(map[string]Answer{"age_band": codes("18-24")})
	if err == nil || err.Error() != `item "m": required (rows clear, useful)` {
		t.Errorf("Check: got %v", err)
	}
}

func TestChoices(t *testing.T) {
	in := testInstrument()
	for _, tc := range []struct {
		item        string
		n           int
		first, last string
	}{
		{"age_band", 3, "18-24", PreferNotCode},
		{"reasons", 4, "job", OtherCode},
		{"sat", 5, "strongly_disagree", "strongly_agree"},
		{"m", 5, "strongly_disagree", "strongly_agree"},
		{"nps", 11, "0", "10"},
		{"country", 250, "", PreferNotCode},
		{"lang", 183, "", ""},
		{"x", 0, "", ""},
	} {
		got := in.Item(tc.item).Choices("sl")
		if len(got) != tc.n {
			t.Errorf("%s: got %d choices, want %d", tc.item, len(got), tc.n)
			continue
		}
		if tc.n > 0 && ((tc.first != "" && got[0].Code != tc.first) || (tc.last != "" && got[tc.n-1].Code != tc.last)) {
			t.Errorf("%s: got %s…%s, want %s…%s", tc.item, got[0].Code, got[tc.n-1].Code, tc.first, tc.last)
		}
		for _, o := range got {
			if len(o.Label) != len(Languages) {
				t.Errorf("%s: option %s has %d labels", tc.item, o.Code, len(o.Label))
			}
		}
	}
}
