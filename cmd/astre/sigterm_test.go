//go:build unix

package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/tracker"
)

// TestSIGTERMDrainsAndReleasesLeases stops the server with SIGTERM while
// a learner's survey page is being received and a score is being
// delivered: the page is still answered and stored, the delivery is given
// back to the database unleased, the exit code is 0, and the next start
// delivers the score.
func TestSIGTERMDrainsAndReleasesLeases(t *testing.T) {
	bin := buildAstre(t)
	ctx := context.Background()
	lms := ltitest.NewPlatform(ltitest.Moodle)
	defer lms.Close()
	srv := newChild(t, bin)
	srv.register(lms, "", "")
	srv.start()

	// The finisher's line item is behind a gate that holds its scores:
	// the delivery stays in flight.
	scores, gateURL := newGate(t, lms.URL(), true)
	throughGate := func(claims map[string]any) {
		ags := claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"].(map[string]any)
		ags["lineitem"] = strings.Replace(ags["lineitem"].(string), lms.URL(), gateURL, 1)
	}
	in := entryInstrument(t)
	l := &ledger{}
	if err := runLearner(ctx, lms, in, l, ltitest.LaunchOptions{UserID: "finisher", Mutate: throughGate}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-scores.held:
	case <-time.After(15 * time.Second):
		t.Fatal("the completion's score was not attempted within 15s")
	}

	// A second learner's first page is being uploaded: the server is
	// inside the handler, reading the body, when SIGTERM arrives.
	r, form := learnerOnFirstPage(t, lms, in)
	pr, pw := io.Pipe()
	reading := make(chan struct{})
	trace := &httptrace.ClientTrace{Got100Continue: func() { close(reading) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, r.home+"/survey", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Expect", "100-continue") // the server answers 100 once the handler reads the body
	type result struct {
		resp *http.Response
		err  error
	}
	answered := make(chan result, 1)
	go func() {
		resp, err := r.b.Client.Do(req)
		answered <- result{resp, err}
	}()
	select {
	case <-reading:
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not start reading the page within 15s")
	}

	srv.terminate()
	srv.stopListening()
	if _, err := io.WriteString(pw, form.Encode()); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	res := <-answered
	if res.err != nil {
		t.Fatalf("in-flight page during SIGTERM: %v", res.err)
	}
	res.resp.Body.Close()
	if res.resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("in-flight page during SIGTERM: got %d, want 303", res.resp.StatusCode)
	}
	if code := srv.wait(); code != 0 {
		t.Fatalf("exit code after SIGTERM: got %d, want 0\n%s", code, srv.stderr.String())
	}

	db, err := sql.Open("sqlite", filepath.Join(srv.data, "astre.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var leased, pending int
	err = db.QueryRow(`SELECT count(*) FILTER (WHERE lease_owner != ''), count(*) FILTER (WHERE kind = 'score' AND status = ?) FROM outbox`,
		string(tracker.OutboxPending)).Scan(&leased, &pending)
	if err != nil {
		t.Fatal(err)
	}
	if leased != 0 || pending != 1 {
		t.Errorf("outbox after SIGTERM: got %d leased and %d pending, want 0 leased and the score pending", leased, pending)
	}

	// The next start delivers the score, once; the page is stored.
	close(scores.release)
	srv.start()
	deadline := time.Now().Add(15 * time.Second)
	for len(lms.Scores()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := lms.Scores(); len(got) != 1 || got[0].Score["userId"] != "finisher" {
		t.Errorf("gradebook after the restart: got %+v, want the finisher's score\n%s", got, srv.stderr.String())
	}
	r.pages = []url.Values{form}
	ex, err := myData(ctx, *r)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Responses) != 1 {
		t.Fatalf("got %d responses, want 1", len(ex.Responses))
	}
	if missing := missingAnswers(r.pages, ex.Responses[0].Answers); len(missing) > 0 {
		t.Errorf("the page answered during SIGTERM is not stored: %v", missing)
	}
	srv.terminate()
	if code := srv.wait(); code != 0 {
		t.Errorf("exit code: got %d, want 0", code)
	}
}

// learnerOnFirstPage launches a learner, consents, and returns the
// filled first survey page, not yet posted.
func learnerOnFirstPage(t *testing.T, lms *ltitest.Platform, in *tracker.Instrument) (*learnerRecord, url.Values) {
	t.Helper()
	ctx := context.Background()
	b := ltitest.NewBrowser()
	resp, err := b.Launch(ctx, lms, ltitest.LaunchOptions{UserID: "drained", Custom: map[string]string{"graded": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	body, err := readAll(resp)
	m := launchHome.FindStringSubmatch(resp.Request.URL.String())
	if err != nil || m == nil {
		t.Fatalf("launch ended at %s: %v", resp.Request.URL, err)
	}
	r := &learnerRecord{user: "drained", b: b, home: m[1]}
	consent := url.Values{"csrf": {csrfField.FindStringSubmatch(body)[1]}}
	for _, p := range tracker.Purposes {
		consent.Set("i."+string(p), "yes")
	}
	if _, body, err = postForm(ctx, r, "/consent", consent); err != nil {
		t.Fatal(err)
	}
	form, err := fill(in, body, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	return r, form
}
