package tracker_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/store"
	"github.com/astre-lti/astre/tracker"
)

// bareServer is ASTRE on a fresh database without a platform, its clock
// under the test's control, called in process.
type bareServer struct {
	db      *store.DB
	handler http.Handler
	mu      sync.Mutex
	now     time.Time
}

func newBareServer(t *testing.T, edit func(*tracker.Options)) *bareServer {
	t.Helper()
	b := &bareServer{now: time.Unix(1_800_000_000, 0)}
	b.db = openStore(t, b.clock)
	opts := tracker.Options{Store: b.db, Secrets: testSecrets(), BaseURL: "http://astre.example.org", Now: b.clock, Log: zerolog.Nop(),
		Mail: tracker.MailOptions{Dir: t.TempDir()}}
	if edit != nil {
		edit(&opts)
	}
	srv, err := tracker.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	b.handler = srv.Handler()
	return b
}

func (b *bareServer) clock() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.now
}

func (b *bareServer) advance(d time.Duration) {
	b.mu.Lock()
	b.now = b.now.Add(d)
	b.mu.Unlock()
}

func (b *bareServer) do(r *http.Request) *http.Response {
	rec := httptest.NewRecorder()
	b.handler.ServeHTTP(rec, r)
	return rec.Result()
}

func TestRateLimitLoginAndLaunch(t *testing.T) {
	b := newBareServer(t, func(o *tracker.Options) {
		o.RateLimit = tracker.RateLimit{PerSecond: 1.0 / 60, Burst: 3, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	})
	req := func(path, remote, xff string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader("iss=x"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Accept-Language", "de")
		r.RemoteAddr = remote
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		return r
	}
	// Login and launch draw on one bucket per address.
	for _, path := range []string{"/lti/login", "/lti/launch", "/lti/login"} {
		if resp := b.do(req(path, "203.0.113.9:5000", "")); resp.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("%s within the burst: got 429", path)
		}
	}
	resp := b.do(req("/lti/launch", "203.0.113.9:5000", ""))
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("fourth request: got %d, want 429", resp.StatusCode)
	}
	if got := resp.Header.Get("Retry-After"); got != "60" {
		t.Errorf("Retry-After: got %q, want 60 (one token a minute)", got)
	}
	if !strings.Contains(body, "Bitte warten Sie einen Moment") || !strings.Contains(body, `lang="de"`) {
		t.Errorf("429 page is not the German one:\n%.400s", body)
	}
	// Dynamic Registration draws on the same bucket.
	if resp := b.do(httptest.NewRequest(http.MethodGet, "/lti/register", nil)); resp.StatusCode == http.StatusTooManyRequests {
		t.Fatal("registration from another address was limited")
	}
	reg := httptest.NewRequest(http.MethodGet, "/lti/register", nil)
	reg.RemoteAddr = "203.0.113.9:5001"
	if resp := b.do(reg); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("registration from the flooding address: got %d, want 429", resp.StatusCode)
	}

	// Other addresses, and pages off the LTI entry points, are not affected.
	if resp := b.do(req("/lti/login", "198.51.100.4:5000", "")); resp.StatusCode == http.StatusTooManyRequests {
		t.Error("another address was limited")
	}
	if resp := b.do(httptest.NewRequest(http.MethodGet, "/healthz", nil)); resp.StatusCode != http.StatusOK {
		t.Errorf("healthz: got %d", resp.StatusCode)
	}
	// Behind a trusted proxy, the forwarded client counts; a spoofed hop
	// to its left does not dodge the limit.
	for i := 0; i < 3; i++ {
		b.do(req("/lti/login", "10.0.0.2:5000", "198.51.100.77"))
	}
	if resp := b.do(req("/lti/login", "10.0.0.3:5000", "1.2.3."+strconv.Itoa(4)+", 198.51.100.77")); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("forwarded client over its limit: got %d, want 429", resp.StatusCode)
	}

	b.advance(time.Minute)
	if resp := b.do(req("/lti/login", "203.0.113.9:5000", "")); resp.StatusCode == http.StatusTooManyRequests {
		t.Error("still limited after the bucket refilled")
	}
}

func TestSecurityHeaders(t *testing.T) {
	b := newBareServer(t, func(o *tracker.Options) {
		o.BaseURL = "https://astre.example.org"
		o.FrameAncestors = []string{"https://apps.openedx.example.org/"}
	})
	csp := func() string {
		resp := b.do(httptest.NewRequest(http.MethodGet, "/healthz", nil))
		return resp.Header.Get("Content-Security-Policy")
	}
	if got := csp(); !strings.HasSuffix(got, "; frame-ancestors https://apps.openedx.example.org") {
		t.Errorf("no platform yet: got %q", got)
	}
	ctx := context.Background()
	for _, p := range []*tracker.Platform{
		{Issuer: "https://moodle.example.org", ClientID: "m", AuthURL: "https://moodle.example.org/mod/lti/auth.php",
			TokenURL: "https://moodle.example.org/mod/lti/token.php", JWKSURL: "https://moodle.example.org/mod/lti/certs.php"},
		{Issuer: "https://canvas.instructure.com", ClientID: "c", AuthURL: "https://sso.canvaslms.com/api/lti/authorize_redirect",
			TokenURL: "https://sso.canvaslms.com/login/oauth2/token", JWKSURL: "https://sso.canvaslms.com/api/lti/security/jwks"},
	} {
		if err := b.db.AddPlatform(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if got := csp(); strings.Contains(got, "moodle") {
		t.Errorf("platforms read again before the cache expired: %q", got)
	}
	b.advance(31 * time.Second)
	want := "; frame-ancestors https://apps.openedx.example.org https://canvas.instructure.com https://moodle.example.org https://sso.canvaslms.com"
	if got := csp(); !strings.HasSuffix(got, want) || !strings.Contains(got, "default-src 'self'") {
		t.Errorf("with platforms: got %q, want it to end %q", got, want)
	}

	resp := b.do(httptest.NewRequest(http.MethodGet, "/no/such/page", nil))
	for name, want := range map[string]string{
		"X-Content-Type-Options":    "nosniff",
		"Referrer-Policy":           "no-referrer",
		"Strict-Transport-Security": "max-age=31536000",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}

	plain := newBareServer(t, nil)
	resp = plain.do(httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("HSTS over plain HTTP: got %q, want none", got)
	}
	if got := resp.Header.Get("Content-Security-Policy"); !strings.HasSuffix(got, "frame-ancestors 'none'") {
		t.Errorf("no platform, no extra origin: got %q", got)
	}

	if _, err := tracker.New(tracker.Options{Store: b.db, Secrets: testSecrets(), BaseURL: "http://a.example.org",
		FrameAncestors: []string{"https://x.example.org; script-src *"}}); err == nil {
		t.Error("a frame ancestor that injects a directive was accepted")
	}
}

func TestBodyLimits(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	big := strings.Repeat("a", tracker.MaxBodyBytes+1)

	// A form post inside a launch.
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	resp, page := l.post("/consent", url.Values{"csrf": {csrf(t, body)}, "i.surveys": {big}})
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(page, "too large") {
		t.Errorf("consent form over %d bytes: got %d, want 413 with a message", tracker.MaxBodyBytes, resp.StatusCode)
	}

	// An upload.
	teacher, tbody := instructor(t, h)
	resp, page = upload(t, teacher, csrf(t, tbody), []byte(big))
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(page, "too large") {
		t.Errorf("upload over %d bytes: got %d, want 413 with a message", tracker.MaxBodyBytes, resp.StatusCode)
	}

	// A login initiation has a smaller limit of its own.
	form := url.Values{"iss": {h.lms.Issuer}, "login_hint": {strings.Repeat("h", tracker.MaxLoginBytes)}, "target_link_uri": {h.base + "/lti/launch"}}
	resp, err := http.Post(h.base+"/lti/login", "application/x-www-form-urlencoded", bytes.NewBufferString(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("login form over %d bytes: got %d, want 413", tracker.MaxLoginBytes, resp.StatusCode)
	}
}
