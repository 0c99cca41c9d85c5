//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/tracker"
)

// ledger is what the server acknowledged to the learners: the survey
// pages whose POST was answered with a redirect (committed), and the
// completions (the last page's redirect to /done).
type ledger struct {
	mu       sync.Mutex
	learners map[string]*learnerRecord // by platform user id
}

// learnerRecord is one learner's browser and acknowledged submissions.
type learnerRecord struct {
	user      string
	b         *ltitest.Browser
	home      string       // the launch's base URL, .../s/ID
	pages     []url.Values // acknowledged survey pages, as posted
	completed bool         // the server acknowledged the last page
}

func (l *ledger) add(r *learnerRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.learners == nil {
		l.learners = map[string]*learnerRecord{}
	}
	l.learners[r.user] = r
}

func (l *ledger) ackPage(r *learnerRecord, v url.Values) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r.pages = append(r.pages, v)
}

func (l *ledger) ackCompletion(r *learnerRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r.completed = true
}

// completions counts the acknowledged completions.
func (l *ledger) completions() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.learners {
		if r.completed {
			n++
		}
	}
	return n
}

// snapshot lists the learners with their acknowledged pages so far.
func (l *ledger) snapshot() []learnerRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []learnerRecord
	for _, r := range l.learners {
		c := *r
		c.pages = slices.Clone(r.pages)
		out = append(out, c)
	}
	return out
}

// launchHome, csrfField and pageField are shared with the load command
// (loadtest_flow.go, loadtest_survey.go).

// entryInstrument is the built-in survey a graded activity asks first.
func entryInstrument(t *testing.T) *tracker.Instrument {
	t.Helper()
	ins, err := tracker.BuiltinInstruments()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		if in.ID == tracker.DefaultInstrumentID {
			return in
		}
	}
	t.Fatalf("no built-in instrument %q", tracker.DefaultInstrumentID)
	return nil
}

// runLearner launches opts.UserID into the graded activity, consents and answers
// the survey page by page, recording in l what the server acknowledged.
// It stops at the first error: a learner whose tab broke in a crash does
// not come back, and the next learner starts afresh.
func runLearner(ctx context.Context, lms *ltitest.Platform, in *tracker.Instrument, l *ledger, opts ltitest.LaunchOptions) error {
	b := ltitest.NewBrowser()
	opts.Custom = map[string]string{"graded": "1"}
	resp, err := b.Launch(ctx, lms, opts)
	if err != nil {
		return err
	}
	body, err := readAll(resp)
	if err != nil {
		return err
	}
	m := launchHome.FindStringSubmatch(resp.Request.URL.String())
	if m == nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("launch ended at %s with %d", resp.Request.URL, resp.StatusCode)
	}
	r := &learnerRecord{user: opts.UserID, b: b, home: m[1]}
	l.add(r)

	token := csrfField.FindStringSubmatch(body)
	if token == nil {
		return fmt.Errorf("no consent form after the launch")
	}
	consent := url.Values{"csrf": {token[1]}}
	for _, p := range tracker.Purposes {
		consent.Set("i."+string(p), "yes")
	}
	if _, body, err = postForm(ctx, r, "/consent", consent); err != nil {
		return err
	}
	answered := url.Values{}
	for range 20 {
		form, err := fill(in, body, answered)
		if err != nil {
			return err
		}
		acked, next, err := submitPage(ctx, r, form)
		if acked {
			l.ackPage(r, form)
		}
		for k, v := range form {
			answered[k] = v
		}
		if err != nil {
			return err
		}
		if next == nil {
			l.ackCompletion(r)
			return nil
		}
		if body, err = readAll(next); err != nil {
			return err
		}
		if !strings.HasSuffix(next.Request.URL.Path, "/survey") {
			return fmt.Errorf("survey page led to %s", next.Request.URL)
		}
	}
	return fmt.Errorf("the survey did not end after 20 pages")
}

// submitPage posts one survey page. acked says the server answered with a
// redirect: the answers are committed, whatever happens next. next is the
// following page, nil when the redirect went to /done.
func submitPage(ctx context.Context, r *learnerRecord, form url.Values) (acked bool, next *http.Response, err error) {
	resp, err := r.b.PostForm(ctx, r.home+"/survey", form)
	if err != nil {
		return false, nil, err
	}
	if resp.StatusCode != http.StatusSeeOther {
		body, _ := readAll(resp)
		return false, nil, fmt.Errorf("survey page answered %d: %.300s", resp.StatusCode, body)
	}
	loc, err := resp.Location()
	if err != nil {
		resp.Body.Close()
		return true, nil, err
	}
	if strings.HasSuffix(loc.Path, "/done") {
		resp.Body.Close()
		return true, nil, nil
	}
	next, err = r.b.Follow(ctx, resp)
	return true, next, err
}

// postForm posts a form of the launch and follows to the next page.
func postForm(ctx context.Context, r *learnerRecord, path string, form url.Values) (*http.Response, string, error) {
	resp, err := r.b.PostForm(ctx, r.home+path, form)
	if err != nil {
		return nil, "", err
	}
	if resp, err = r.b.Follow(ctx, resp); err != nil {
		return nil, "", err
	}
	body, err := readAll(resp)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s answered %d", path, resp.StatusCode)
	}
	return resp, body, err
}

func readAll(resp *http.Response) (string, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// fill answers every item shown on the survey page in body with a valid
// value, as a diligent learner would. Items whose show_if the answers so
// far (earlier pages' in before, this page's) do not meet stay hidden in a
// browser, and are left out.
func fill(in *tracker.Instrument, body string, before url.Values) (url.Values, error) {
	page, token := pageField.FindStringSubmatch(body), csrfField.FindStringSubmatch(body)
	if page == nil || token == nil {
		return nil, fmt.Errorf("not a survey page: %.300s", body)
	}
	v := url.Values{"csrf": {token[1]}, "page": {page[1]}, "go": {"next"}}
	tracker.SampleForm(in, v, func(it *tracker.Item) bool {
		return strings.Contains(body, `id="q-`+it.ID+`"`) && shown(it.ShowIf, before, v)
	})
	return v, nil
}

// shown says whether an item with cond is visible given the answers.
func shown(cond *tracker.ShowIf, answered ...url.Values) bool {
	if cond == nil {
		return true
	}
	for _, a := range answered {
		if got := a.Get("i." + cond.Item); got != "" {
			return len(cond.AnyOf) == 0 || slices.Contains(cond.AnyOf, got)
		}
	}
	return false
}

// myData is the learner's own export, through the learner's own tab.
func myData(ctx context.Context, r learnerRecord) (*tracker.Export, error) {
	resp, err := r.b.Get(ctx, r.home+"/mydata.json")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("mydata.json answered %d", resp.StatusCode)
	}
	var ex tracker.Export
	if err := json.NewDecoder(resp.Body).Decode(&ex); err != nil {
		return nil, err
	}
	return &ex, nil
}

// missingAnswers lists the acknowledged fields of pages absent from the
// stored answers.
func missingAnswers(pages []url.Values, stored map[string]tracker.Answer) []string {
	var missing []string
	for _, page := range pages {
		for field, vals := range page {
			kind, rest, _ := strings.Cut(field, ".")
			v := vals[0]
			var ok bool
			switch kind {
			case "i":
				a := stored[rest]
				ok = slices.Contains(a.Codes, v) || a.Text == v
			case "o":
				ok = stored[rest].Other == v
			case "m":
				item, row, _ := strings.Cut(rest, ".")
				ok = stored[item].Rows[row] == v
			default:
				continue // csrf, page, go
			}
			if !ok {
				missing = append(missing, field+"="+v)
			}
		}
	}
	slices.Sort(missing)
	return missing
}
