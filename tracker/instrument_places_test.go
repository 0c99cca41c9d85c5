package tracker

import (
	"strings"
	"testing"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

func TestPlaceOptions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		list  func(string) []Option
		n     int
		code  string
		names map[string]string // language → expected label of code
	}{
		{"countries", CountryOptions, 249, "SI", map[string]string{
			"en": "Slovenia", "de": "Slowenien", "es": "Eslovenia", "el": "Σλοβενία", "it": "Slovenia", "sl": "Slovenija"}},
		{"languages", LanguageOptions, 183, "sl", map[string]string{
			"en": "Slovenian", "de": "Slowenisch", "es": "Esloveno", "el": "Σλοβενικά", "it": "Sloveno", "sl": "Slovenščina"}},
		{"languages capitalised", LanguageOptions, 183, "de", map[string]string{"es": "Alemán", "it": "Tedesco", "el": "Γερμανικά"}},
	} {
		for _, lang := range Languages {
			opts := tc.list(lang)
			if len(opts) != tc.n {
				t.Fatalf("%s in %s: got %d, want %d", tc.name, lang, len(opts), tc.n)
			}
			col := collate.New(language.Make(lang))
			seen := map[string]bool{}
			for i, o := range opts {
				if seen[o.Code] {
					t.Errorf("%s in %s: %s twice", tc.name, lang, o.Code)
				}
				seen[o.Code] = true
				for _, l := range Languages {
					if strings.TrimSpace(o.Label[l]) == "" {
						t.Errorf("%s: %s has no %s name", tc.name, o.Code, l)
					}
				}
				if i > 0 && col.CompareString(opts[i-1].Label[lang], o.Label[lang]) > 0 {
					t.Errorf("%s in %s: %q sorted before %q", tc.name, lang, opts[i-1].Label[lang], o.Label[lang])
				}
				if o.Code == tc.code {
					if want, ok := tc.names[lang]; ok && o.Label[lang] != want {
						t.Errorf("%s in %s: %s is %q, want %q", tc.name, lang, o.Code, o.Label[lang], want)
					}
				}
			}
			if !seen[tc.code] {
				t.Errorf("%s in %s: no %s", tc.name, lang, tc.code)
			}
		}
	}
	// An unsupported language sorts as English.
	if got, want := CountryOptions("fr")[0].Code, CountryOptions("en")[0].Code; got != want {
		t.Errorf("fr: first is %s, want English order's %s", got, want)
	}
}

func TestPlaceCodes(t *testing.T) {
	for code, want := range map[string]bool{"SI": true, "GB": true, "XK": false, "UK": false, "EU": false, "YU": false, "si": false, "": false, "SI ": false} {
		if got := isCountryCode(code); got != want {
			t.Errorf("isCountryCode(%q): got %v, want %v", code, got, want)
		}
	}
	for code, want := range map[string]bool{"sl": true, "he": true, "iw": false, "slv": false, "SL": false, "": false} {
		if got := isLanguageCode(code); got != want {
			t.Errorf("isLanguageCode(%q): got %v, want %v", code, got, want)
		}
	}
	// Every listed code is one x/text knows as a current code.
	for _, code := range strings.Fields(iso3166Alpha2) {
		r, err := language.ParseRegion(code)
		if err != nil || r.String() != code || !r.IsCountry() {
			t.Errorf("region %s: %v %v", code, r, err)
		}
	}
	for _, code := range strings.Fields(iso6391) {
		b, err := language.ParseBase(code)
		if err != nil || b.String() != code {
			t.Errorf("language %s: %v %v", code, b, err)
		}
	}
}

func BenchmarkCountryOptions(b *testing.B) {
	for b.Loop() {
		CountryOptions("sl")
	}
}
