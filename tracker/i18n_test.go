package tracker

import (
	"strings"
	"testing"
)

func TestCatalogsComplete(t *testing.T) {
	cat, err := LoadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.messages) != len(Languages) {
		t.Fatalf("got %d catalogs, want %d", len(cat.messages), len(Languages))
	}
	// check() is what LoadCatalogs runs; make sure it catches each kind of mistake.
	broken := &Catalogs{messages: map[string]map[string]string{}}
	for _, lang := range Languages {
		broken.messages[lang] = map[string]string{}
		for k, v := range cat.messages[lang] {
			broken.messages[lang][k] = v
		}
	}
	delete(broken.messages["sl"], "error.title")
	broken.messages["de"]["error.reference"] = "Referenz"
	broken.messages["it"]["only.in.italian"] = "x"
	broken.messages["el"]["nav.skip"] = " "
	err = broken.check()
	for _, want := range []string{"sl: missing error.title", "de: error.reference has placeholders", "it: unknown key only.in.italian", "el: empty nav.skip"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("check(): got %v, want it to report %q", err, want)
		}
	}
}

func TestCatalogsNoEnglishLeftBehind(t *testing.T) {
	cat, err := LoadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	// Short strings (names, codes) may stay the same; sentences may not.
	for key, en := range cat.messages["en"] {
		for _, lang := range Languages[1:] {
			if cat.messages[lang][key] == en && len(en) > 12 {
				t.Errorf("%s: %s is still the English text %q", lang, key, en)
			}
		}
	}
}

func TestMatchLanguage(t *testing.T) {
	cat, err := LoadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ locale, accept, want string }{
		{"de-DE", "", "de"},
		{"sl", "de", "sl"},
		{"pt-BR", "es-ES,es;q=0.9", "es"}, // unsupported launch locale: fall through to the browser
		{"", "el-GR,en;q=0.5", "el"},
		{"", "", "en"},
		{"", "zz", "en"},
		{"it-CH", "", "it"},
	} {
		if got := cat.Match(tc.locale, tc.accept); got != tc.want {
			t.Errorf("Match(%q, %q): got %q, want %q", tc.locale, tc.accept, got, tc.want)
		}
	}
}

func TestTPlaceholders(t *testing.T) {
	cat, err := LoadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	got := cat.T("en", "landing.learner.title", "activity", "Entry survey")
	if got != "Welcome to Entry survey" {
		t.Errorf("got %q", got)
	}
	if got := cat.T("de", "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key: got %q, want the key itself", got)
	}
}
