package tracker_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/tracker"
)

// learner is one browser tab of a learner inside a launch.
type learner struct {
	t    *testing.T
	h    *harness
	b    *ltitest.Browser
	home string // the launch's base URL, ".../s/ID"
}

var launchBase = regexp.MustCompile(`^(.*/s/[^/]+)/`)

// launchLearner launches as the fixture learner (or opts) and returns
// where the launch landed and its body.
func launchLearner(t *testing.T, h *harness, b *ltitest.Browser, opts ltitest.LaunchOptions) (*learner, *http.Response, string) {
	t.Helper()
	resp, err := b.Launch(context.Background(), h.lms, opts)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	m := launchBase.FindStringSubmatch(resp.Request.URL.String())
	if m == nil {
		t.Fatalf("launch ended at %s (%d, %s)", resp.Request.URL, resp.StatusCode, h.lastReason())
	}
	return &learner{t: t, h: h, b: b, home: m[1]}, resp, body
}

// csrf reads the CSRF token of a page.
func csrf(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%.500s", body)
	}
	return m[1]
}

// post submits fields to path of the launch and follows redirects.
func (l *learner) post(path string, fields url.Values) (*http.Response, string) {
	l.t.Helper()
	ctx := context.Background()
	resp, err := l.b.PostForm(ctx, l.home+path, fields)
	if err != nil {
		l.t.Fatal(err)
	}
	resp, err = l.b.Follow(ctx, resp)
	if err != nil {
		l.t.Fatal(err)
	}
	return resp, readBody(l.t, resp)
}

func (l *learner) get(path string) (*http.Response, string) {
	l.t.Helper()
	ctx := context.Background()
	resp, err := l.b.Get(ctx, l.home+path)
	if err != nil {
		l.t.Fatal(err)
	}
	resp, err = l.b.Follow(ctx, resp)
	if err != nil {
		l.t.Fatal(err)
	}
	return resp, readBody(l.t, resp)
}

// consent answers the consent form: every purpose yes unless refused.
func (l *learner) consent(body string, refuse ...tracker.Purpose) (*http.Response, string) {
	l.t.Helper()
	v := url.Values{"csrf": {csrf(l.t, body)}}
	for _, p := range tracker.Purposes {
		ans := "yes"
		for _, r := range refuse {
			if r == p {
				ans = "no"
			}
		}
		v.Set("i."+string(p), ans)
	}
	return l.post("/consent", v)
}

var pageIndex = regexp.MustCompile(`name="page" value="(\d+)"`)

// fill answers every item of the survey page in body with valid values.
func (l *learner) fill(in *tracker.Instrument, body string) url.Values {
	l.t.Helper()
	m := pageIndex.FindStringSubmatch(body)
	if m == nil {
		l.t.Fatalf("not a survey page:\n%.600s", body)
	}
	v := url.Values{"csrf": {csrf(l.t, body)}, "page": {m[1]}, "go": {"next"}}
	tracker.SampleForm(in, v, func(it *tracker.Item) bool { return strings.Contains(body, `id="q-`+it.ID+`"`) })
	return v
}

// complete answers every page of the survey from the page in body.
func (l *learner) complete(in *tracker.Instrument, body string) (*http.Response, string) {
	l.t.Helper()
	var resp *http.Response
	for range 20 {
		resp, body = l.post("/survey", l.fill(in, body))
		if resp.StatusCode != http.StatusOK {
			l.t.Fatalf("survey page: got %d\n%.800s", resp.StatusCode, body)
		}
		if !strings.HasSuffix(resp.Request.URL.Path, "/survey") {
			return resp, body
		}
	}
	l.t.Fatal("survey did not end after 20 pages")
	return nil, ""
}

func entry(t *testing.T, h *harness) *tracker.Instrument {
	t.Helper()
	in, _, err := h.srv.Surveys.Instrument(context.Background(), tracker.DefaultInstrumentID, 0)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestLearnerFlowLaunchToFinalPage(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	l, resp, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{Locale: "de"})
	if !strings.HasSuffix(resp.Request.URL.Path, "/consent") || !strings.Contains(body, `lang="de"`) {
		t.Fatalf("a first launch must land on the consent form in German: %s", resp.Request.URL)
	}
	if strings.Contains(body, " checked") {
		t.Error("the consent form has a pre-ticked box")
	}
	resp, body = l.consent(body)
	if !strings.HasSuffix(resp.Request.URL.Path, "/survey") {
		t.Fatalf("after consent: got %s, want the survey", resp.Request.URL)
	}
	in := entry(t, h)
	resp, body = l.complete(in, body)
	if !strings.HasSuffix(resp.Request.URL.Path, "/done") || !strings.Contains(body, "<h1>") {
		t.Fatalf("survey ended at %s", resp.Request.URL)
	}
	rs, err := h.db.LearnerResponses(context.Background(), learnerKey(t, h))
	if err != nil || len(rs) != 1 || rs[0].Status != tracker.StatusCompleted || len(rs[0].Answers) == 0 {
		t.Fatalf("stored: got %+v, %v; want one completed response with answers", rs, err)
	}
	if err := in.Check(rs[0].Answers); err != nil {
		t.Errorf("stored answers do not pass the instrument's own check: %v", err)
	}

	// A new launch of the same learner on another day resumes at the end.
	_, resp, _ = launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	if !strings.HasSuffix(resp.Request.URL.Path, "/done") {
		t.Errorf("relaunch after completion: got %s, want the final page", resp.Request.URL)
	}
}

// learnerKey is the fixture learner's pseudonym as the harness computes it.
func learnerKey(t *testing.T, h *harness) string {
	t.Helper()
	return testSecrets().Pseudonym(h.lms.Issuer, "4")
}

func TestResumeOnAnotherDevice(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	_, body = l.consent(body)
	in := entry(t, h)
	resp, body := l.post("/survey", l.fill(in, body))
	if !strings.Contains(body, `name="page" value="1"`) {
		t.Fatalf("after page 1: got %s", resp.Request.URL)
	}

	other, resp, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	if !strings.HasSuffix(resp.Request.URL.Path, "/survey") || !strings.Contains(body, `name="page" value="1"`) {
		t.Fatalf("new launch: got %s, want page 2 of the survey", resp.Request.URL)
	}
	// Going back shows page 1 with the answers given.
	_, body = other.get("/survey?page=0")
	if !strings.Contains(body, " checked") {
		t.Error("page 1 lost its answers")
	}
}

func TestValidationKeepsAnswers(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	_, body = l.consent(body)
	in := entry(t, h)
	v := l.fill(in, body)
	var dropped string
	for _, it := range in.Pages[0].Items {
		if it.Required && it.ShowIf == nil {
			dropped = it.ID
			break
		}
	}
	if dropped == "" {
		t.Skip("first page has no required item")
	}
	kept := ""
	for k, vals := range v {
		if strings.HasPrefix(k, "i.") && k != "i."+dropped {
			kept = k
			_ = vals
		}
	}
	v.Del("i." + dropped)
	v.Del("o." + dropped)
	resp, body := l.post("/survey", v)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("missing required answer: got %d, want 422", resp.StatusCode)
	}
	if !strings.Contains(body, `class="error-summary"`) || !strings.Contains(body, `href="#q-`+dropped+`"`) {
		t.Error("no error summary linking to the question")
	}
	if kept != "" && !strings.Contains(body, `value="`+v.Get(kept)+`"`) {
		t.Error("the other answers were not kept")
	}
}

func TestTwoTabsSubmitTheSamePage(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	b := ltitest.NewBrowser()
	l, _, body := launchLearner(t, h, b, ltitest.LaunchOptions{})
	_, body = l.consent(body)
	in := entry(t, h)
	first := l.fill(in, body)
	second := l.fill(in, body)
	// The second tab answers the first single-choice question differently.
	var differ *tracker.Item
	for i := range in.Pages[0].Items {
		if it := &in.Pages[0].Items[i]; it.Type == tracker.SingleChoice && it.ShowIf == nil && len(it.Options) > 1 {
			differ = it
			break
		}
	}
	if differ == nil {
		t.Fatal("first page has no single-choice question")
	}
	second.Set("i."+differ.ID, differ.Options[1].Code)
	if first.Get("i."+differ.ID) == second.Get("i."+differ.ID) {
		t.Fatal("the two tabs do not differ")
	}
	var wg sync.WaitGroup
	for _, v := range []url.Values{first, second} {
		wg.Add(1)
		tab := &learner{t: t, h: h, b: b.NewTab(), home: l.home}
		go func() {
			defer wg.Done()
			resp, err := tab.b.PostForm(context.Background(), tab.home+"/survey", v)
			if err != nil {
				t.Error(err)
				return
			}
			readBody(t, resp)
			if resp.StatusCode != http.StatusSeeOther {
				t.Errorf("tab: got %d, want 303", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	rs, err := h.db.LearnerResponses(context.Background(), learnerKey(t, h))
	if err != nil || len(rs) != 1 {
		t.Fatalf("got %d responses (%v), want exactly 1", len(rs), err)
	}
	if err := in.CheckPage(in.Pages[0].ID, rs[0].Answers); err != nil {
		t.Errorf("stored page is not consistent: %v", err)
	}
	got := rs[0].Answers[differ.ID].Codes
	if len(got) != 1 || (got[0] != first.Get("i."+differ.ID) && got[0] != second.Get("i."+differ.ID)) {
		t.Errorf("stored %v, want one tab's answer", got)
	}
}

func TestDeclineStoresOnlyTheRefusal(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	resp, _ := l.consent(body, tracker.Purposes...)
	if !strings.HasSuffix(resp.Request.URL.Path, "/done") {
		t.Fatalf("after declining: got %s, want the final page", resp.Request.URL)
	}
	ctx := context.Background()
	key := learnerKey(t, h)
	rs, _ := h.db.LearnerResponses(ctx, key)
	if len(rs) != 1 || rs[0].Status != tracker.StatusDeclined || len(rs[0].Answers) != 0 {
		t.Errorf("got %+v, want one declined response without answers", rs)
	}
	cs, _ := h.db.Consents(ctx, key)
	if len(cs) != 1 {
		t.Fatalf("got %d consent records, want 1", len(cs))
	}
	for p, granted := range cs[0].Purposes {
		if granted {
			t.Errorf("purpose %s stored as granted", p)
		}
	}
	if _, err := h.db.Contact(ctx, key, cs[0].PlatformID); err == nil {
		t.Error("a contact was stored although follow-up contact was refused")
	}
	// The survey is not reachable without consent to it.
	resp, _ = l.get("/survey")
	if strings.HasSuffix(resp.Request.URL.Path, "/survey") {
		t.Error("survey reachable after declining")
	}
}

func TestMyDataExportAndWithdrawal(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	_, body = l.consent(body)
	in := entry(t, h)
	l.complete(in, body)
	ctx := context.Background()
	key := learnerKey(t, h)
	if _, err := h.db.Contact(ctx, key, 1); err != nil {
		t.Errorf("follow-up granted with an e-mail in the launch: no contact stored (%v)", err)
	}

	resp, page := l.get("/mydata")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "LTI Harness Course") {
		t.Fatalf("my data: got %d", resp.StatusCode)
	}
	_, raw := l.get("/mydata.json")
	var ex tracker.Export
	if err := json.Unmarshal([]byte(raw), &ex); err != nil {
		t.Fatal(err)
	}
	stored, _ := h.db.LearnerResponses(ctx, key)
	if len(ex.Responses) != 1 || !reflect.DeepEqual(ex.Responses[0].Answers, stored[0].Answers) {
		t.Errorf("JSON export differs from what is stored")
	}
	_, rawCSV := l.get("/mydata.csv")
	rows, err := csv.NewReader(strings.NewReader(rawCSV)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(stored[0].Answers) || !reflect.DeepEqual(rows[0], tracker.CSVHeader) {
		t.Errorf("CSV: got %d rows, want a header and %d answers", len(rows), len(stored[0].Answers))
	}

	resp, _ = l.post("/withdraw", url.Values{"csrf": {csrf(t, page)}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("withdraw without confirmation: got %d, want 422", resp.StatusCode)
	}
	resp, _ = l.post("/withdraw", url.Values{"csrf": {csrf(t, page)}, "confirm": {"yes"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("withdraw: got %d", resp.StatusCode)
	}
	if rs, _ := h.db.LearnerResponses(ctx, key); len(rs) != 0 {
		t.Errorf("after withdrawal %d responses remain", len(rs))
	}
	if _, err := h.db.Contact(ctx, key, 1); err == nil {
		t.Error("after withdrawal the contact remains")
	}
	c, err := h.db.CurrentConsent(ctx, key, 1, "2")
	if err != nil || c.WithdrawnAt == nil {
		t.Errorf("no proof of withdrawal kept: %+v %v", c, err)
	}
}

func TestAnswersSurviveRestart(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	_, body = l.consent(body)
	l.post("/survey", l.fill(entry(t, h), body))
	h.restart()
	_, resp, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	if !strings.Contains(body, `name="page" value="1"`) {
		t.Errorf("after restart: got %s, want page 2", resp.Request.URL)
	}
}

func TestEveryInstrumentRendersInEveryLanguage(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	ins, err := tracker.BuiltinInstruments()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, in := range ins {
		if in.ID == tracker.ConsentInstrumentID {
			continue
		}
		for _, lang := range tracker.Languages {
			t.Run(in.ID+"/"+lang, func(t *testing.T) {
				b := ltitest.NewBrowser()
				rl := "rl-" + in.ID
				l, _, body := launchLearner(t, h, b, ltitest.LaunchOptions{Locale: lang, ResourceLinkID: rl, UserID: "u-" + in.ID + lang,
					Custom: map[string]string{"instrument": in.ID}})
				if !strings.Contains(body, `lang="`+lang+`"`) {
					t.Fatalf("consent page not in %s", lang)
				}
				_, body = l.consent(body)
				pages := 0
				for {
					if strings.Contains(body, "[missing") || strings.Contains(body, "survey.") || strings.Contains(body, "answer.") {
						t.Errorf("page %d shows an untranslated key", pages)
					}
					pages++
					resp, next := l.post("/survey", l.fill(in, body))
					if !strings.HasSuffix(resp.Request.URL.Path, "/survey") {
						break
					}
					body = next
					if pages > 20 {
						t.Fatal("too many pages")
					}
				}
				_ = ctx
			})
		}
	}
}

func TestNewConsentVersionAsksAgain(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	ctx := context.Background()
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	l.consent(body)
	_, resp, _ := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	if strings.HasSuffix(resp.Request.URL.Path, "/consent") {
		t.Fatal("consent asked again without a new version")
	}

	form, _, err := h.srv.Surveys.Instrument(ctx, tracker.ConsentInstrumentID, 0)
	if err != nil {
		t.Fatal(err)
	}
	next := *form
	next.Version++
	def, _ := json.Marshal(&next)
	if err := h.db.SaveInstrument(ctx, &tracker.StoredInstrument{ID: next.ID, Version: next.Version, Definition: def, Builtin: true}); err != nil {
		t.Fatal(err)
	}
	if used, _ := h.db.InstrumentInUse(ctx, form.ID, form.Version); !used {
		t.Error("the answered consent version is not marked in use (frozen)")
	}
	_, resp, _ = launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	if !strings.HasSuffix(resp.Request.URL.Path, "/consent") {
		t.Errorf("after a new consent version: got %s, want the consent form", resp.Request.URL)
	}
}

func TestClosedActivityKeepsAnswersReadOnly(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	ctx := context.Background()
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	_, body = l.consent(body)
	a, err := h.srv.Surveys.Activity(ctx, tracker.Place{PlatformID: 1, Context: &tracker.LaunchContext{ContextID: "2", ResourceLinkID: "1"}})
	if err != nil {
		t.Fatal(err)
	}
	past := h.now().Add(-time.Hour)
	a.ClosesAt = &past
	if err := h.db.SaveActivity(ctx, a); err != nil {
		t.Fatal(err)
	}
	resp, page := l.post("/survey", l.fill(entry(t, h), body))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, "closed") {
		t.Errorf("submitting to a closed activity: got %d, want 409 with the closed note", resp.StatusCode)
	}
	if rs, _ := h.db.LearnerResponses(ctx, learnerKey(t, h)); len(rs) != 0 && len(rs[0].Answers) != 0 {
		t.Error("answers were stored in a closed activity")
	}
}

func TestChangingTheSurveysConsent(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	ctx := context.Background()
	key := learnerKey(t, h)
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	l.consent(body, tracker.PurposeSurveys)

	// Declined first, then agrees: the survey starts.
	_, page := l.get("/consent")
	resp, body := l.consent(page)
	if !strings.HasSuffix(resp.Request.URL.Path, "/survey") {
		t.Fatalf("agreeing after declining: got %s, want the survey", resp.Request.URL)
	}
	l.post("/survey", l.fill(entry(t, h), body))
	if rs, _ := h.db.LearnerResponses(ctx, key); len(rs) != 1 || len(rs[0].Answers) == 0 {
		t.Fatalf("answers not stored: %+v", rs)
	}

	// Then refuses the surveys: the answers go, the refusal stays.
	_, page = l.get("/consent")
	resp, _ = l.consent(page, tracker.PurposeSurveys)
	if !strings.HasSuffix(resp.Request.URL.Path, "/done") {
		t.Errorf("refusing: got %s, want the final page", resp.Request.URL)
	}
	rs, _ := h.db.LearnerResponses(ctx, key)
	if len(rs) != 1 || rs[0].Status != tracker.StatusDeclined || len(rs[0].Answers) != 0 {
		t.Errorf("after refusing the surveys: got %+v, want one declined response without answers", rs)
	}
	cs, _ := h.db.Consents(ctx, key)
	withdrawn := 0
	for _, c := range cs {
		if c.WithdrawnAt != nil {
			withdrawn++
		}
	}
	if withdrawn == 0 {
		t.Error("no proof kept that the earlier consent was withdrawn")
	}
}

// TestLaunchGoesToTheLearnersPage checks that a learner's launch redirects
// straight to the page where the learner stands, without a stop at the
// landing page, and that an instructor's still lands there.
func TestLaunchGoesToTheLearnersPage(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	ctx := context.Background()
	launchTo := func(opts ltitest.LaunchOptions) string {
		t.Helper()
		b := ltitest.NewBrowser()
		authURL, _, err := b.InitiateLogin(ctx, h.lms, opts)
		if err != nil || authURL == nil {
			t.Fatalf("login: %v", err)
		}
		form, err := b.Authorize(ctx, authURL)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := b.PostForm(ctx, form.Action, form.Fields)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("launch: got %d (%s)", resp.StatusCode, h.lastReason())
		}
		return resp.Header.Get("Location")
	}
	if loc := launchTo(ltitest.LaunchOptions{}); !regexp.MustCompile(`/s/[^/]+/consent$`).MatchString(loc) {
		t.Errorf("first launch of a learner redirects to %s, want the consent form", loc)
	}
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	l.consent(body)
	if loc := launchTo(ltitest.LaunchOptions{}); !regexp.MustCompile(`/s/[^/]+/survey$`).MatchString(loc) {
		t.Errorf("launch after consent redirects to %s, want the survey", loc)
	}
	if loc := launchTo(ltitest.LaunchOptions{UserID: "teacher", Roles: []string{lti.RoleInstructor}}); !regexp.MustCompile(`/s/[^/]+/$`).MatchString(loc) {
		t.Errorf("an instructor's launch redirects to %s, want the landing page", loc)
	}
}

// standingReads counts the standing reads that do not come with the session.
type standingReads struct {
	tracker.SurveyStore
	n atomic.Int32
}

func (c *standingReads) Standing(ctx context.Context, learner string, platformID int64, contextID, resourceLinkID, consentID string) (*tracker.Standing, error) {
	c.n.Add(1)
	return c.SurveyStore.Standing(ctx, learner, platformID, contextID, resourceLinkID, consentID)
}

// TestPagesReadStandingWithSession: a learner page reads where the
// learner stands with its session, and reads it again, fresh, after
// recording the consent.
func TestPagesReadStandingWithSession(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	reads := &standingReads{SurveyStore: h.srv.Surveys.Store}
	h.srv.Surveys.Store = reads
	step := func(name string, want int32, do func() (*http.Response, string), page string) string {
		t.Helper()
		reads.n.Store(0)
		resp, body := do()
		if !strings.HasSuffix(resp.Request.URL.Path, page) {
			t.Fatalf("%s: ended at %s, want %s", name, resp.Request.URL.Path, page)
		}
		if got := reads.n.Load(); got != want {
			t.Errorf("%s: %d standing reads besides the session's, want %d", name, got, want)
		}
		return body
	}

	l, _, _ := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	body := step("consent form", 0, func() (*http.Response, string) { return l.get("/consent") }, "/consent")
	// The POST looks once with its session, records the consent, then
	// reads again to send the learner on; the survey page reads none.
	body = step("consent given, then the survey", 1, func() (*http.Response, string) { return l.consent(body) }, "/survey")
	step("survey page", 0, func() (*http.Response, string) { return l.get("/survey") }, "/survey")
	step("withdrawal", 0, func() (*http.Response, string) {
		return l.post("/withdraw", url.Values{"csrf": {csrf(t, body)}, "confirm": {"yes"}})
	}, "/mydata")
	step("survey after withdrawal", 0, func() (*http.Response, string) { return l.get("/survey") }, "/consent")
}
