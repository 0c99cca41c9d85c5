package main

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/astre-lti/astre/tracker"
)

// The load test answers ASTRE's own pages, so it reads them the way its
// tests do: the CSRF token, the page index, and which items are on the
// page.
var (
	csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	pageField = regexp.MustCompile(`name="page" value="(\d+)"`)
)

// builtinInstrument returns the built-in instrument id, as a new
// activity places it.
func builtinInstrument(id string) (*tracker.Instrument, error) {
	all, err := tracker.BuiltinInstruments()
	if err != nil {
		return nil, err
	}
	for _, in := range all {
		if in.ID == id {
			return in, nil
		}
	}
	return nil, fmt.Errorf("no built-in instrument %q", id)
}

// consentForm grants every purpose of the consent page in body, the
// follow-up contact only when followup is set (granting it sends the
// learner a confirmation mail).
func consentForm(body string, followup bool) (url.Values, error) {
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("no CSRF token on the consent page")
	}
	v := url.Values{"csrf": {m[1]}}
	for _, p := range tracker.Purposes {
		answer := "yes"
		if p == tracker.PurposeFollowup && !followup {
			answer = "no"
		}
		v.Set("i."+string(p), answer)
	}
	return v, nil
}

// surveyForm answers every item of in shown on the survey page in body
// with a valid value and asks for the next page: a number its minimum,
// a text "ok", a matrix's rows their first option, a choice its first
// option that is neither exclusive nor "prefer not to say".
func surveyForm(in *tracker.Instrument, body string) (url.Values, error) {
	csrf := csrfField.FindStringSubmatch(body)
	page := pageField.FindStringSubmatch(body)
	if csrf == nil || page == nil {
		return nil, fmt.Errorf("not a survey page")
	}
	v := url.Values{"csrf": {csrf[1]}, "page": {page[1]}, "go": {"next"}}
	tracker.SampleForm(in, v, func(it *tracker.Item) bool { return strings.Contains(body, `id="q-`+it.ID+`"`) })
	return v, nil
}
