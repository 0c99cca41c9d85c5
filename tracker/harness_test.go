package tracker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/store"
	"github.com/astre-lti/astre/tracker"
)

// harness is ASTRE served over real HTTP on a real SQLite file, with a
// fake LMS registered as an administrator would register it.
type harness struct {
	t      testing.TB
	dbPath string
	db     *store.DB
	srv    *tracker.Server
	ts     *httptest.Server
	lms    *ltitest.Platform
	base   string
	logs   *syncBuffer
	// offset moves the tool's clock; the platform keeps real time.
	mu     sync.Mutex
	offset time.Duration
	// mail is how the server sends mails: files in a temporary
	// directory unless a test sets SMTP and restarts.
	mail tracker.MailOptions
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newHarness(t testing.TB, profile ltitest.Profile) *harness {
	t.Helper()
	h := &harness{t: t, logs: &syncBuffer{}, dbPath: filepath.Join(t.TempDir(), "astre.db")}
	h.mail.Dir = filepath.Join(t.TempDir(), "mail")
	h.lms = ltitest.NewPlatform(profile)
	t.Cleanup(h.lms.Close)

	h.ts = httptest.NewUnstartedServer(nil)
	h.base = "http://" + h.ts.Listener.Addr().String()
	h.serve()
	h.ts.Start()
	t.Cleanup(h.ts.Close)

	h.lms.SetTool(ltitest.ToolConfig{
		LoginURL: h.base + "/lti/login", RedirectURIs: []string{h.base + "/lti/launch"}, TargetLinkURI: h.base + "/lti/launch",
		JWKSURL: h.base + "/.well-known/jwks.json",
	})
	h.register(h.lms.ClientID)
	return h
}

// serve opens the database and builds the server, as a start does.
func (h *harness) serve() {
	h.t.Helper()
	db, err := store.Open(context.Background(), h.dbPath, h.now)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { db.Close() })
	srv, err := tracker.New(tracker.Options{
		Store: db, Secrets: testSecrets(), BaseURL: h.base, Now: h.now, Mail: h.mail,
		HTTPClient: lti.NewHTTPClient(lti.ClientOptions{AllowPrivate: true}), // the fake LMS is on 127.0.0.1
		Log:        zerolog.New(h.logs).Level(zerolog.DebugLevel),
	})
	if err != nil {
		h.t.Fatal(err)
	}
	// The platform checks client assertions against real time; a test
	// that moves the tool's clock must not make them look forged.
	srv.Tokens.Now = time.Now
	if err := srv.Prepare(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	h.db, h.srv = db, srv
	h.ts.Config.Handler = srv.Handler()
}

// restart closes the database and serves again from the same file, as
// after a crash or a deploy.
func (h *harness) restart() {
	h.t.Helper()
	if err := h.db.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.serve()
}

func (h *harness) now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Now().Add(h.offset)
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.offset += d
	h.mu.Unlock()
}

// register adds one client of the fake LMS to ASTRE's registry.
func (h *harness) register(clientID string) {
	h.t.Helper()
	err := h.db.AddPlatform(context.Background(), &tracker.Platform{
		Issuer: h.lms.Issuer, ClientID: clientID, AuthURL: h.lms.AuthURL(), TokenURL: h.lms.TokenURL(),
		JWKSURL: h.lms.JWKSURL(), Deployments: []string{h.lms.Deployment(clientID)},
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) launches() int {
	h.t.Helper()
	n, err := h.db.CountLaunches(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// outcomes returns the launch outcome log lines, parsed.
func (h *harness) outcomes(event string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(h.logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["event"] == event {
			out = append(out, m)
		}
	}
	return out
}

// lastReason is the reason code of the last refused launch.
func (h *harness) lastReason() string {
	o := h.outcomes("launch")
	if len(o) == 0 {
		return ""
	}
	r, _ := o[len(o)-1]["reason"].(string)
	return r
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
