package tracker_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/tracker"
)

// lrs is a fake learning record store that keeps what it accepts.
type lrs struct {
	mu         sync.Mutex
	statements []map[string]any
	status     int // answer with this instead of 204 when set
}

func (l *lrs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	user, pass, ok := r.BasicAuth()
	if !ok || user != "astre" || pass != "lrs-secret" || r.Header.Get("X-Experience-API-Version") != "1.0.3" || r.Method != http.MethodPost {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if l.status != 0 {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(l.status)
		return
	}
	var st map[string]any
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &st); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	l.statements = append(l.statements, st)
	w.WriteHeader(http.StatusNoContent)
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func isIRI(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.IsAbs() && u.Host != ""
}

// checkStatement applies the xAPI 1.0.3 statement rules ASTRE relies on
// (Data section 2.4): id a UUID; actor an Agent with exactly one inverse
// functional identifier, here an account of homePage IRL and name; verb
// an IRI with a language map; object an Activity with an IRI id;
// timestamp ISO 8601; context activities with IRI ids.
func checkStatement(st map[string]any) []string {
	var bad []string
	fail := func(s string) { bad = append(bad, s) }
	if id, _ := st["id"].(string); !uuidPattern.MatchString(id) {
		fail("id is not a UUID")
	}
	for _, k := range []string{"actor", "verb", "object"} {
		if _, ok := st[k].(map[string]any); !ok {
			fail("missing " + k)
		}
	}
	actor, _ := st["actor"].(map[string]any)
	ifis := 0
	for _, k := range []string{"mbox", "mbox_sha1sum", "openid", "account"} {
		if _, ok := actor[k]; ok {
			ifis++
		}
	}
	acc, _ := actor["account"].(map[string]any)
	if ifis != 1 || acc == nil || !isIRI(acc["homePage"]) || acc["name"] == "" || actor["objectType"] != "Agent" {
		fail("actor is not an Agent identified by one account")
	}
	verb, _ := st["verb"].(map[string]any)
	if !isIRI(verb["id"]) {
		fail("verb id is not an IRI")
	}
	display, _ := verb["display"].(map[string]any)
	for tag := range display {
		if _, err := language.Parse(tag); err != nil {
			fail("verb display key " + tag + " is not a language tag")
		}
	}
	object, _ := st["object"].(map[string]any)
	if !isIRI(object["id"]) || object["objectType"] != "Activity" {
		fail("object is not an Activity with an IRI id")
	}
	if ts, _ := st["timestamp"].(string); ts == "" {
		fail("no timestamp")
	} else if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
		fail("timestamp is not ISO 8601")
	}
	ctx, _ := st["context"].(map[string]any)
	ca, _ := ctx["contextActivities"].(map[string]any)
	for _, list := range ca {
		for _, a := range list.([]any) {
			if !isIRI(a.(map[string]any)["id"]) {
				fail("context activity id is not an IRI")
			}
		}
	}
	if r, ok := st["result"].(map[string]any); ok {
		if _, has := r["response"]; has {
			fail("a result carries an answer")
		}
	}
	return bad
}

func TestXAPIStatementsThroughTheOutbox(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	store := &lrs{}
	ts := httptest.NewServer(store)
	t.Cleanup(ts.Close)
	h.srv.Surveys.XAPI = &tracker.XAPIStatements{BaseURL: h.base}
	h.srv.Outbox.Senders[tracker.XAPIKind] = &tracker.XAPISender{
		Config: tracker.XAPIConfig{URL: ts.URL + "/xAPI/statements", Username: "astre", Password: "lrs-secret"}, Client: ts.Client()}
	ctx := context.Background()
	deliver := func() {
		t.Helper()
		for range 10 {
			n, err := h.srv.Outbox.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
		}
	}

	l := answerEntry(t, h, "xapi-learner")
	deliver()
	_, page := l.get("/mydata")
	l.post("/withdraw", url.Values{"csrf": {csrf(t, page)}, "confirm": {"yes"}})
	deliver()

	var verbs []string
	for _, st := range store.statements {
		for _, problem := range checkStatement(st) {
			t.Errorf("statement %v: %s", st["verb"], problem)
		}
		verbs = append(verbs, st["verb"].(map[string]any)["id"].(string))
		b, _ := json.Marshal(st)
		for _, leak := range []string{"mbox", "ed", "woman", "answers"} {
			if strings.Contains(string(b), `"`+leak+`"`) {
				t.Errorf("statement carries %q: %s", leak, b)
			}
		}
		if acc := st["actor"].(map[string]any)["account"].(map[string]any); acc["homePage"] != h.base || len(acc["name"].(string)) != 64 {
			t.Errorf("actor account %v: want the tool's URL and the pseudonym", acc)
		}
	}
	// Delivered concurrently, so in any order; their timestamps tell the story.
	want := []string{tracker.VerbAccepted, tracker.VerbInitialized, tracker.VerbCompleted, tracker.VerbCancelled}
	at := map[string]string{}
	for i, v := range verbs {
		at[v] = store.statements[i]["timestamp"].(string)
	}
	if len(verbs) != len(want) || len(at) != len(want) {
		t.Fatalf("verbs %v, want each of %v once", verbs, want)
	}
	for i := 1; i < len(want); i++ {
		a, _ := time.Parse(time.RFC3339Nano, at[want[i-1]])
		b, _ := time.Parse(time.RFC3339Nano, at[want[i]])
		if b.Before(a) {
			t.Errorf("%s at %s before %s at %s", want[i], b, want[i-1], a)
		}
	}

	// A learner who withdraws before the statements about their survey
	// left: those never go; only the consent's acceptance and withdrawal.
	sent := len(store.statements)
	quick := answerEntry(t, h, "xapi-quick")
	_, page = quick.get("/mydata")
	quick.post("/withdraw", url.Values{"csrf": {csrf(t, page)}, "confirm": {"yes"}})
	deliver()
	var later []string
	for _, st := range store.statements[sent:] {
		later = append(later, st["verb"].(map[string]any)["id"].(string))
	}
	if len(later) != 2 || !slices.Contains(later, tracker.VerbAccepted) || !slices.Contains(later, tracker.VerbCancelled) {
		t.Errorf("withdrawn before delivery: sent %v, want only accepted and cancelled", later)
	}
}

func TestXAPISenderOutcomes(t *testing.T) {
	store := &lrs{}
	ts := httptest.NewServer(store)
	t.Cleanup(ts.Close)
	x := &tracker.XAPIStatements{BaseURL: "https://astre.example"}
	it, err := x.Item(tracker.XAPIEvent{Verb: tracker.VerbAccepted, Learner: "p", PlatformID: 1, ContextID: "c", At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	send := func(status int, password string) error {
		store.status = status
		s := &tracker.XAPISender{Config: tracker.XAPIConfig{URL: ts.URL, Username: "astre", Password: password}, Client: ts.Client()}
		return s.Send(context.Background(), it)
	}
	if err := send(0, "lrs-secret"); err != nil {
		t.Errorf("accepted: got %v", err)
	}
	for _, tc := range []struct {
		status    int
		password  string
		permanent bool
	}{
		{http.StatusServiceUnavailable, "lrs-secret", false},
		{http.StatusTooManyRequests, "lrs-secret", false},
		{http.StatusInternalServerError, "lrs-secret", false},
		{http.StatusConflict, "lrs-secret", true},
		{0, "wrong", true},
	} {
		err := send(tc.status, tc.password)
		isPerm := err != nil && strings.Contains(err.Error(), "refused")
		if err == nil || isPerm != tc.permanent {
			t.Errorf("LRS %d (password %s): got %v, want permanent=%v", tc.status, tc.password, err, tc.permanent)
		}
	}
	if _, err := x.Item(tracker.XAPIEvent{Verb: "http://example.com/verbs/answered", Learner: "p"}); !errors.Is(err, tracker.ErrInvalid) {
		t.Errorf("unknown verb: got %v, want ErrInvalid", err)
	}
}
