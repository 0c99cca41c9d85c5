package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/tracker"
)

// maxSurveyPages bounds a survey flow, so a survey that never ends is
// an error and not an endless loop.
const maxSurveyPages = 30

// flowTimeout bounds one request of a flow.
const flowTimeout = 30 * time.Second

// flows runs launch flows, and survey flows when survey is set, as the
// learners of one course on the fake platform.
type flows struct {
	lms       *ltitest.Platform
	clientID  string
	transport http.RoundTripper
	survey    *tracker.Instrument // nil: launch flows only
	followup  bool                // consent grants the follow-up contact too
	rec       *recorder
	learners  atomic.Int64
}

// flowError is a failed flow: its kind groups errors in the report.
type flowError struct {
	kind string
	err  error
}

func (e *flowError) Error() string { return e.kind + ": " + e.err.Error() }
func (e *flowError) Unwrap() error { return e.err }

var launchHome = regexp.MustCompile(`^(.*/s/[^/]+)/`)

// run is one flow of a new learner: login, the platform's auth answer,
// the launch POST, the landing page (the consent form of a first
// launch); with a survey, the consent granted and every page answered
// until the final page.
func (f *flows) run(ctx context.Context) error {
	b := ltitest.NewBrowser()
	b.Client.Transport = f.transport
	b.Client.Timeout = flowTimeout
	opts := ltitest.LaunchOptions{
		ClientID: f.clientID,
		UserID:   "load" + strconv.FormatInt(f.learners.Add(1), 10),
		// A graded activity, so that a completion queues a score.
		Custom: map[string]string{"graded": "1"},
	}
	if f.survey != nil { // the activity asks this instrument (set on its first launch)
		opts.Custom["instrument"] = f.survey.ID
	}

	start := time.Now()
	authURL, resp, err := b.InitiateLogin(ctx, f.lms, opts)
	if err != nil {
		return requestError("login", err)
	}
	if authURL == nil {
		drainBody(resp)
		return &flowError{"login: HTTP " + strconv.Itoa(resp.StatusCode), errors.New("no redirect to the platform")}
	}
	f.rec.step("login", time.Since(start))

	start = time.Now()
	form, err := b.Authorize(ctx, authURL)
	if err != nil {
		return &flowError{"auth (platform)", err}
	}
	f.rec.step("auth (platform)", time.Since(start))

	start = time.Now()
	resp, err = b.PostForm(ctx, form.Action, form.Fields)
	if err != nil {
		return requestError("launch", err)
	}
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		drainBody(resp)
		return statusError("launch", resp)
	}
	f.rec.step("launch", time.Since(start))

	start = time.Now()
	body, at, err := f.follow(ctx, b, "landing", resp, "/consent")
	if err != nil {
		return err
	}
	f.rec.step("landing", time.Since(start))
	if f.survey == nil {
		return nil
	}
	m := launchHome.FindStringSubmatch(at.String())
	if m == nil {
		return &flowError{"landing: not a launch page", errors.New(at.String())}
	}
	home := m[1]

	start = time.Now()
	v, err := consentForm(body, f.followup)
	if err != nil {
		return &flowError{"consent: form", err}
	}
	if body, err = f.post(ctx, b, "consent", home+"/consent", v, "/survey"); err != nil {
		return err
	}
	f.rec.step("consent", time.Since(start))

	for range maxSurveyPages {
		start = time.Now()
		v, err := surveyForm(f.survey, body)
		if err != nil {
			return &flowError{"survey page: form", err}
		}
		resp, err := b.PostForm(ctx, home+"/survey", v)
		if err != nil {
			return requestError("survey page", err)
		}
		body, at, err = f.follow(ctx, b, "survey page", resp, "")
		if err != nil {
			return err
		}
		f.rec.step("survey page", time.Since(start))
		switch {
		case strings.HasSuffix(at.Path, "/done"):
			return nil
		case !strings.HasSuffix(at.Path, "/survey"):
			return &flowError{"survey page: ended at " + lastSegment(at.Path), errors.New(at.String())}
		}
	}
	return &flowError{"survey: no end", fmt.Errorf("still on the survey after %d pages", maxSurveyPages)}
}

// post submits a form of the current page and follows to a page whose
// path ends in want.
func (f *flows) post(ctx context.Context, b *ltitest.Browser, step, action string, v url.Values, want string) (string, error) {
	resp, err := b.PostForm(ctx, action, v)
	if err != nil {
		return "", requestError(step, err)
	}
	body, _, err := f.follow(ctx, b, step, resp, want)
	return body, err
}

// follow follows resp's redirects to a page that must answer 200 (and,
// when want is set, have a path ending in want); it returns the page and
// its URL.
func (f *flows) follow(ctx context.Context, b *ltitest.Browser, step string, resp *http.Response, want string) (string, *url.URL, error) {
	resp, err := b.Follow(ctx, resp)
	if err != nil {
		return "", nil, requestError(step, err)
	}
	defer drainBody(resp)
	if resp.StatusCode != http.StatusOK {
		return "", nil, statusError(step, resp)
	}
	at := resp.Request.URL
	if want != "" && !strings.HasSuffix(at.Path, want) {
		return "", nil, &flowError{step + ": ended at " + lastSegment(at.Path), errors.New(at.String())}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return "", nil, requestError(step, err)
	}
	return string(body), at, nil
}

func statusError(step string, resp *http.Response) error {
	return &flowError{step + ": HTTP " + strconv.Itoa(resp.StatusCode), fmt.Errorf("%s %s", resp.Request.Method, resp.Request.URL.Path)}
}

// requestError names the kind of a failed request: timeout, refused,
// reset or another network error.
func requestError(step string, err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return &flowError{step + ": cancelled", err}
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return &flowError{step + ": timeout", err}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &flowError{step + ": connection refused", err}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &flowError{step + ": connection reset", err}
	}
	return &flowError{step + ": network", err}
}

func lastSegment(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func drainBody(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<20))
	resp.Body.Close()
}
