package tracker

import (
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestEveryPageRendersInEveryLanguage(t *testing.T) {
	cat, err := LoadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(cat)
	if err != nil {
		t.Fatal(err)
	}
	cfg := (&Server{BaseURL: "https://astre.example.org"}).Config()
	for _, lang := range Languages {
		pages := map[string]page{
			"landing learner": &landingPage{Page: Page{Lang: lang, LanguageAction: "/s/x/language", CSRF: "t"}, Course: "C", Activity: "A", RoleKey: "role.learner", Anonymous: true},
			"landing teacher": &landingPage{Page: Page{Lang: lang}, Instructor: true, Course: "C", Activity: "A", RoleKey: "role.instructor", DeepLinking: true},
			"error":           &errorPage{Page: Page{Lang: lang, RequestID: "r1"}, Heading: "h", Message: "m", NewWindowURL: "https://x", ReturnURL: "https://y"},
			"config":          &configPage{Page: Page{Lang: lang}, Config: cfg},
			"storage put":     &storagePage{Page: Page{Lang: lang}, Mode: "put", Next: "https://lms/auth"},
			"storage get":     &storagePage{Page: Page{Lang: lang}, Mode: "get", Next: "/lti/launch/bind", Form: map[string]string{"launch": "x"}},
		}
		for name, p := range pages {
			tmpl := strings.Fields(name)[0]
			b, err := r.Bytes(tmpl, p)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, name, err)
			}
			html := string(b)
			if !strings.Contains(html, `<html lang="`+lang+`">`) {
				t.Errorf("%s %s: wrong html lang", lang, name)
			}
			for key := range cat.messages["en"] { // T prints a missing key as itself
				if strings.Contains(html, ">"+key) || strings.Contains(html, key+"<") || strings.Contains(html, "\""+key+"\"") {
					t.Errorf("%s %s: untranslated key %q on the page", lang, name, key)
				}
			}
			if strings.Contains(html, "http://") && name != "config" {
				t.Errorf("%s %s: page loads something over plain http", lang, name)
			}
			if len(b) > 14*1024 {
				t.Errorf("%s %s: %d bytes, want a page that fits the first round trip (14 KiB)", lang, name, len(b))
			}
		}
	}
}

func TestConfigJSONGolden(t *testing.T) {
	s := &Server{BaseURL: "https://astre.example.org"}
	rec := httptest.NewRecorder()
	if err := s.configJSON(rec, httptest.NewRequest("GET", "/lti/config.json", nil)); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "config.golden.json")
	if *update {
		if err := os.WriteFile(golden, rec.Body.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Body.String(); got != string(want) {
		t.Errorf("config.json changed (run go test ./tracker -run Golden -update if intended)\ngot:\n%s\nwant:\n%s", got, want)
	}
}

// TestTemplateKeysExist: every key a template or handler asks for is in
// the catalogs (a missing one would print as itself).
func TestTemplateKeysExist(t *testing.T) {
	cat, err := LoadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	used := regexp.MustCompile(`\.?T "([a-z][a-z0-9_.]+)"|T\("([a-z][a-z0-9_.]+)"|"(error\.[a-z0-9_.]+)"`)
	var sources []string
	for _, pattern := range []string{"../templates/*.html", "*.go"} {
		files, _ := filepath.Glob(pattern)
		sources = append(sources, files...)
	}
	n := 0
	for _, f := range sources {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			key := m[1] + m[2] + m[3]
			if strings.HasSuffix(key, ".") { // a prefix completed at run time, checked below
				continue
			}
			n++
			if _, ok := cat.messages["en"][key]; !ok {
				t.Errorf("%s uses %q, which no catalog has", f, key)
			}
		}
	}
	for _, st := range []ResponseStatus{StatusInProgress, StatusCompleted, StatusDeclined} {
		if _, ok := cat.messages["en"]["mydata.status."+string(st)]; !ok {
			t.Errorf("no catalog key for status %s", st)
		}
	}
	for _, r := range []Role{RoleLearner, RoleInstructor, RoleAdministrator, RoleOther} {
		if _, ok := cat.messages["en"]["role."+string(r)]; !ok {
			t.Errorf("no catalog key for role %s", r)
		}
	}
	if n < 30 {
		t.Errorf("found only %d key uses: the scan is broken", n)
	}
}
