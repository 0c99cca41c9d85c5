package tracker

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFS embed.FS

// Languages lists the supported UI languages, English first: it is the
// fallback when nothing else matches.
var Languages = []string{"en", "de", "es", "el", "it", "sl"}

// languageNames are the languages' names in themselves, for the language chooser.
var languageNames = map[string]string{
	"en": "English", "de": "Deutsch", "es": "Español", "el": "Ελληνικά", "it": "Italiano", "sl": "Slovenščina",
}

// Catalogs holds the message catalog of every supported language.
type Catalogs struct {
	messages map[string]map[string]string
	matcher  language.Matcher
}

// LoadCatalogs reads the embedded catalogs and checks that every language
// has exactly the keys English has, with the same placeholders.
func LoadCatalogs() (*Catalogs, error) {
	c := &Catalogs{messages: make(map[string]map[string]string)}
	tags := make([]language.Tag, 0, len(Languages))
	for _, lang := range Languages {
		b, err := localeFS.ReadFile(path.Join("locales", lang+".json"))
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", lang, err)
		}
		m := make(map[string]string)
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", lang, err)
		}
		if err := mergeAreaCatalogs(lang, m); err != nil {
			return nil, err
		}
		c.messages[lang] = m
		tags = append(tags, language.MustParse(lang))
	}
	c.matcher = language.NewMatcher(tags)
	return c, c.check()
}

// mergeAreaCatalogs adds the messages of an area's own catalogs,
// locales/<area>.<lang>.json, to m: areas keep their strings apart, so
// that work on one area does not touch another's file. A key defined
// twice is an error.
func mergeAreaCatalogs(lang string, m map[string]string) error {
	names, err := fs.Glob(localeFS, "locales/*."+lang+".json")
	if err != nil {
		return err
	}
	for _, name := range names {
		b, err := localeFS.ReadFile(name)
		if err != nil {
			return fmt.Errorf("catalog %s: %w", name, err)
		}
		area := make(map[string]string)
		if err := json.Unmarshal(b, &area); err != nil {
			return fmt.Errorf("catalog %s: %w", name, err)
		}
		for k, v := range area {
			if _, dup := m[k]; dup {
				return fmt.Errorf("catalog %s: key %s defined twice", name, k)
			}
			m[k] = v
		}
	}
	return nil
}

// check reports missing, extra or empty keys and placeholder mismatches.
func (c *Catalogs) check() error {
	var problems []string
	en := c.messages["en"]
	for _, lang := range Languages[1:] {
		m := c.messages[lang]
		for key, want := range en {
			got, ok := m[key]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("%s: missing %s", lang, key))
			case strings.TrimSpace(got) == "":
				problems = append(problems, fmt.Sprintf("%s: empty %s", lang, key))
			case strings.Join(placeholders(got), ",") != strings.Join(placeholders(want), ","):
				problems = append(problems, fmt.Sprintf("%s: %s has placeholders %v, want %v", lang, key, placeholders(got), placeholders(want)))
			}
		}
		for key := range m {
			if _, ok := en[key]; !ok {
				problems = append(problems, fmt.Sprintf("%s: unknown key %s", lang, key))
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("catalogs: %s", strings.Join(problems, "; "))
	}
	return nil
}

// placeholders returns the sorted {name} placeholders of a message.
func placeholders(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		out = append(out, s[i+1:i+j])
		s = s[i+j+1:]
	}
	sort.Strings(out)
	return out
}

// Match picks the supported language for a launch locale (already in BCP
// 47 form) and an Accept-Language header, in that order, else English.
func (c *Catalogs) Match(locale, acceptLanguage string) string {
	if locale != "" {
		if lang, ok := c.matchTags(locale); ok {
			return lang
		}
	}
	if acceptLanguage != "" {
		if lang, ok := c.matchTags(acceptLanguage); ok {
			return lang
		}
	}
	return Languages[0]
}

func (c *Catalogs) matchTags(list string) (string, bool) {
	tags, _, err := language.ParseAcceptLanguage(list)
	if err != nil || len(tags) == 0 {
		return "", false
	}
	_, idx, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return "", false
	}
	return Languages[idx], true
}

// Supported reports whether lang is one of Languages.
func (c *Catalogs) Supported(lang string) bool {
	_, ok := c.messages[lang]
	return ok
}

// T returns the message for key in lang with {name} placeholders replaced
// from pairs (name, value, name, value...). A key missing everywhere comes
// back as itself, so a mistake shows on the page and in tests.
func (c *Catalogs) T(lang, key string, pairs ...string) string {
	msg, ok := c.messages[lang][key]
	if !ok {
		msg, ok = c.messages["en"][key]
	}
	if !ok {
		return key
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		msg = strings.ReplaceAll(msg, "{"+pairs[i]+"}", pairs[i+1])
	}
	return msg
}
