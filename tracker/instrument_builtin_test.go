package tracker

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestBuiltinInstruments(t *testing.T) {
	ins, err := BuiltinInstruments()
	if err != nil {
		t.Fatal(err) // names every item and problem of every file
	}
	ids := map[string]bool{}
	for _, in := range ins {
		ids[in.ID] = true
		t.Run(in.ID, func(t *testing.T) {
			for _, p := range in.Pages {
				if n := len(p.Items); n < 1 || n > 7 {
					t.Errorf("page %s has %d items, want 1 to 7", p.ID, n)
				}
			}
			checkTranslated(t, in)
		})
	}
	if !ids["entry"] {
		t.Errorf("got instruments %v, want entry among them", ids)
	}
}

// checkTranslated walks every text of an instrument: each has all
// languages, and no sentence was left in English.
func checkTranslated(t *testing.T, in *Instrument) {
	t.Helper()
	check := func(where string, text Text, optional bool) {
		if optional && text == nil {
			return
		}
		if len(text) != len(Languages) {
			t.Errorf("%s: got %d languages, want %d", where, len(text), len(Languages))
		}
		for _, l := range Languages {
			s := text[l]
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s: no %s text", where, l)
			}
			if l != "en" && s == text["en"] && len(s) > 12 {
				t.Errorf("%s: %s is still the English %q", where, l, s)
			}
		}
	}
	check("title", in.Title, false)
	check("description", in.Description, true)
	for _, p := range in.Pages {
		check("page "+p.ID+" title", p.Title, false)
		check("page "+p.ID+" intro", p.Intro, true)
		for _, it := range p.Items {
			check(it.ID+" label", it.Label, false)
			check(it.ID+" help", it.Help, true)
			check(it.ID+" low_label", it.LowLabel, true)
			check(it.ID+" high_label", it.HighLabel, true)
			for _, o := range slices.Concat(it.Options, it.Rows) {
				check(fmt.Sprintf("%s option %s", it.ID, o.Code), o.Label, false)
			}
		}
	}
}

// TestEntryInstrumentCodes pins the entry profile to DOMAIN.md's standard
// codes: reports and exports depend on them.
func TestEntryInstrumentCodes(t *testing.T) {
	ins, err := BuiltinInstruments()
	if err != nil {
		t.Fatal(err)
	}
	var entry *Instrument
	for _, in := range ins {
		if in.ID == "entry" {
			entry = in
		}
	}
	if entry == nil {
		t.Fatal("no entry instrument")
	}
	if entry.Wave != WaveEntry {
		t.Errorf("wave: got %s, want entry", entry.Wave)
	}
	isced := []string{"ed0", "ed1", "ed2", "ed3", "ed4", "ed5", "ed6", "ed7", "ed8", "not_classified", PreferNotCode}
	parents := []string{"low", "medium", "high", "dont_know"}
	bands := []string{"none", "1", "2-5", "6-10", "11_plus"}
	reasons := []string{"current_job", "career_change", "start_business", "formal_study", "cv_certificate",
		"personal_interest", "online_curiosity", "teach_topic", "employer_required", OtherCode}
	for _, tc := range []struct {
		item  string
		typ   ItemType
		codes []string // nil: not checked
	}{
		{"age_band", SingleChoice, []string{"under_18", "18-24", "25-34", "35-44", "45-54", "55-64", "65_plus", PreferNotCode}},
		{"gender", SingleChoice, []string{"woman", "man", "non_binary", "self_describe", PreferNotCode}},
		{"country_residence", CountryItem, nil},
		{"first_language", LanguageItem, nil},
		{"urbanisation", SingleChoice, []string{"city", "town_suburb", "rural"}},
		{"education_level", SingleChoice, isced},
		{"education_field", SingleChoice, []string{"f00", "f01", "f02", "f03", "f04", "f05", "f06", "f07", "f08", "f09", "f10"}},
		{"parent1_education", SingleChoice, parents},
		{"parent2_education", SingleChoice, parents},
		{"main_activity", SingleChoice, []string{"employed", "unemployed", "in_education", "retired", "permanently_disabled",
			"military_service", "domestic_tasks", "other_inactive"}},
		{"employment_status", SingleChoice, []string{"employee_permanent", "employee_fixed_term", "employee_casual", "employer",
			"own_account", "dependent_contractor", "apprentice", "family_worker"}},
		{"occupation", SingleChoice, []string{"isco1", "isco2", "isco3", "isco4", "isco5", "isco6", "isco7", "isco8", "isco9", "isco0"}},
		{"income_feeling", SingleChoice, []string{"comfortable", "coping", "difficult", "very_difficult"}},
		{"intent", SingleChoice, []string{"browse", "some_activities", "complete_certificate", "undecided"}},
		{"reasons", MultipleChoice, reasons},
		{"primary_reason", SingleChoice, reasons},
		{"planned_hours", NumberItem, nil},
		{"courses_started", SingleChoice, bands},
		{"courses_completed", SingleChoice, bands},
		{"certificates", SingleChoice, bands},
		{"digital_skills", SingleChoice, []string{"limited", "basic", "intermediate", "advanced"}},
		{"main_device", SingleChoice, []string{"computer", "tablet", "smartphone", "shared_computer"}},
		{"connection", SingleChoice, []string{"good", "adequate", "poor", "occasional"}},
		{"adjustments", MultipleChoice, []string{"captions", "screen_reader", "keyboard_only", "contrast", "extra_time",
			"simpler_language", "offline", "none", OtherCode}},
	} {
		it := entry.Item(tc.item)
		if it == nil {
			t.Errorf("no item %s", tc.item)
			continue
		}
		if it.Type != tc.typ {
			t.Errorf("%s: type %s, want %s", tc.item, it.Type, tc.typ)
		}
		if tc.codes == nil {
			continue
		}
		var got []string
		for _, o := range it.Choices("en") {
			got = append(got, o.Code)
		}
		if !slices.Equal(got, tc.codes) {
			t.Errorf("%s: codes %v, want %v", tc.item, got, tc.codes)
		}
	}

	// The Washington Group short set: six domains on wg4, sensitive, on a
	// page of their own with the adjustments.
	wg := entry.Page("accessibility")
	if wg == nil || !wg.Sensitive {
		t.Fatal("no sensitive accessibility page")
	}
	var domains []string
	for _, it := range wg.Items {
		if it.Type == ScaleItem && it.Scale == ScaleWG4 && it.Sensitive && !it.Required {
			domains = append(domains, it.ID)
		}
	}
	want := []string{"wg_seeing", "wg_hearing", "wg_walking", "wg_remembering", "wg_selfcare", "wg_communicating"}
	if !slices.Equal(domains, want) {
		t.Errorf("Washington Group items: got %v, want %v", domains, want)
	}

	// Work questions show only to people in work.
	for _, id := range []string{"employment_status", "occupation"} {
		if entry.Shown(id, map[string]Answer{"main_activity": codes("retired")}) ||
			!entry.Shown(id, map[string]Answer{"main_activity": codes("employed")}) {
			t.Errorf("%s: want shown only when main_activity is employed", id)
		}
	}
	if entry.Shown("primary_reason", nil) || !entry.Shown("primary_reason", map[string]Answer{"reasons": codes("teach_topic")}) {
		t.Error("primary_reason: want shown once reasons are answered")
	}
}
