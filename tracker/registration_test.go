package tracker_test

import (
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/static"
	"github.com/astre-lti/astre/store"
	"github.com/astre-lti/astre/tracker"
)

// regHarness is ASTRE with no platform registered, a fake Moodle, and a
// count of every request ASTRE makes to the outside.
type regHarness struct {
	t    *testing.T
	lms  *ltitest.Platform
	db   *store.DB
	srv  *tracker.Server
	base string
	out  *countingTransport

	mu     sync.Mutex
	offset time.Duration
}

type countingTransport struct {
	mu sync.Mutex
	n  int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (c *countingTransport) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func newRegHarness(t *testing.T, hosts ...string) *regHarness {
	t.Helper()
	h := &regHarness{t: t, lms: ltitest.NewPlatform(ltitest.Moodle), out: &countingTransport{}}
	t.Cleanup(h.lms.Close)
	h.db = openStore(t, h.now)
	ts := httptest.NewUnstartedServer(nil)
	h.base = "http://" + ts.Listener.Addr().String()
	srv, err := tracker.New(tracker.Options{
		Store: h.db, Secrets: testSecrets(), BaseURL: h.base, Now: h.now, Log: zerolog.Nop(),
		HTTPClient: &http.Client{Transport: h.out, Timeout: 10 * time.Second}, RegistrationHosts: hosts,
		Mail: tracker.MailOptions{Dir: t.TempDir()},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)
	return h
}

func (h *regHarness) now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Now().Add(h.offset)
}

func (h *regHarness) link(ttl time.Duration) string {
	h.t.Helper()
	link, _, err := h.srv.Registrar.NewLink(context.Background(), ttl)
	if err != nil {
		h.t.Fatal(err)
	}
	return link
}

// open is the administrator's browser opening the URL the platform built
// from the tool's registration URL.
func (h *regHarness) open(toolURL, lang string) (int, string) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.lms.RegistrationStart(toolURL), nil)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Accept-Language", lang)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, readBody(h.t, resp)
}

func TestDynamicRegistrationEndToEnd(t *testing.T) {
	h := newRegHarness(t)
	status, body := h.open(h.link(time.Hour), "de-DE,de;q=0.9")
	if status != http.StatusOK {
		t.Fatalf("got %d, want 200 (platform said %q)\n%s", status, h.lms.RegistrationErrors(), body)
	}
	clients := h.lms.Clients()
	clientID := clients[len(clients)-1]
	deployment := h.lms.Deployment(clientID)
	for _, want := range []string{`lang="de"`, "ASTRE ist registriert", clientID, "<code>" + deployment + "</code>", "ausstehend", `<script src="/static/lti-close.js?v=`} {
		if !strings.Contains(body, want) {
			t.Errorf("confirmation page lacks %q\n%s", want, body)
		}
	}
	script, err := fs.ReadFile(static.FS, "lti-close.js")
	if err != nil || !strings.Contains(string(script), "(window.opener || window.parent).postMessage({subject:'org.imsglobal.lti.close'}, '*')") {
		t.Errorf("lti-close.js: got %q, %v", script, err)
	}

	p, err := h.db.Platform(context.Background(), h.lms.Issuer, clientID)
	if err != nil {
		t.Fatalf("platform not stored: %v", err)
	}
	if p.AuthURL != h.lms.AuthURL() || p.TokenURL != h.lms.TokenURL() || p.JWKSURL != h.lms.JWKSURL() || len(p.Deployments) != 1 || p.Deployments[0] != deployment {
		t.Errorf("stored %+v", p)
	}

	// What the fake Moodle received, beyond the rules it enforced itself.
	reqs := h.lms.RegistrationRequests()
	if len(reqs) != 1 {
		t.Fatalf("got %d registration requests, want 1", len(reqs))
	}
	tc, _ := reqs[0].Body[lti.ClaimToolConfiguration].(map[string]any)
	base, _ := url.Parse(h.base)
	if tc["domain"] != base.Host || tc["target_link_uri"] != h.base+"/lti/launch" || reqs[0].Body["jwks_uri"] != h.base+"/.well-known/jwks.json" {
		t.Errorf("tool configuration sent: %v", reqs[0].Body)
	}

	// Moodle keeps the tool pending; once activated, a learner launches.
	if _, err := h.lms.Initiate(ltitest.LaunchOptions{ClientID: clientID}); err == nil {
		t.Error("the fake launched a pending tool")
	}
	if err := h.lms.ActivateClient(clientID); err != nil {
		t.Fatal(err)
	}
	resp, err := ltitest.NewBrowser().Launch(context.Background(), h.lms, ltitest.LaunchOptions{ClientID: clientID})
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "/consent") {
		t.Errorf("launch after registration: got %d\n%s", resp.StatusCode, body)
	}
}

func TestDynamicRegistrationRefusedWithoutFetching(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hosts []string
		url   func(h *regHarness) string
		lang  string
		want  []string
	}{
		{"no link, no allow-list", nil, func(h *regHarness) string { return h.base + "/lti/register" },
			"en", []string{"Registration refused", "one-time link"}},
		{"forged link", nil, func(h *regHarness) string { return h.base + "/lti/register?reg=forged" },
			"it", []string{"Registrazione rifiutata", "già stato usato"}},
		{"used link", nil, func(h *regHarness) string {
			link := h.link(time.Hour)
			if status, body := h.open(link, "en"); status != http.StatusOK {
				h.t.Fatalf("first use: got %d\n%s", status, body)
			}
			return link
		}, "en", []string{"already been used or has expired"}},
		{"expired link", nil, func(h *regHarness) string {
			link := h.link(time.Minute)
			h.mu.Lock()
			h.offset = 2 * time.Minute
			h.mu.Unlock()
			return link
		}, "de", []string{"Registrierung abgelehnt", "abgelaufen"}},
		{"host not in the allow-list", []string{"moodle.example.org", "127.0.0.1:1"}, func(h *regHarness) string { return h.base + "/lti/register" },
			"sl", []string{"Registracija zavrnjena", "dovoljenih gostiteljev"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newRegHarness(t, tc.hosts...)
			toolURL := tc.url(h)
			before, fetches, clients := h.out.count(), h.lms.ConfigurationFetches(), len(h.lms.Clients())
			status, body := h.open(toolURL, tc.lang)
			if status != http.StatusForbidden {
				t.Errorf("got %d, want 403\n%s", status, body)
			}
			for _, want := range tc.want {
				if !strings.Contains(body, want) {
					t.Errorf("refusal page lacks %q\n%s", want, body)
				}
			}
			if n := h.out.count() - before; n != 0 || h.lms.ConfigurationFetches() != fetches {
				t.Errorf("ASTRE made %d requests after a refusal, want none", n)
			}
			if strings.Contains(body, "lti-close.js") || len(h.lms.Clients()) != clients {
				t.Error("a refused registration closed the window or created a client")
			}
		})
	}
}

func TestDynamicRegistrationFromAllowedHost(t *testing.T) {
	h := newRegHarness(t, "localhost", "127.0.0.1")
	if status, body := h.open(h.base+"/lti/register", "en"); status != http.StatusOK || !strings.Contains(body, "ASTRE is registered") {
		t.Fatalf("got %d\n%s", status, body)
	}
	ps, err := h.db.Platforms(context.Background())
	if err != nil || len(ps) != 1 || ps[0].Issuer != h.lms.Issuer {
		t.Errorf("got platforms %+v, %v", ps, err)
	}
}

func TestDynamicRegistrationIssuerMismatchKeepsLink(t *testing.T) {
	h := newRegHarness(t)
	link := h.link(time.Hour)
	h.lms.MutateConfiguration(func(cfg map[string]any) { cfg["issuer"] = "https://moodle.example.org" })
	status, body := h.open(link, "es")
	if status != http.StatusBadGateway || !strings.Contains(body, "No se ha podido completar el registro") {
		t.Errorf("got %d, want 502 and the Spanish failure page\n%s", status, body)
	}
	if n := len(h.lms.RegistrationRequests()); n != 0 {
		t.Errorf("ASTRE registered with a platform whose issuer is on another host (%d requests)", n)
	}
	if ps, _ := h.db.Platforms(context.Background()); len(ps) != 0 {
		t.Errorf("stored %+v", ps)
	}
	// Nothing was consumed: the same link works once the platform is right.
	h.lms.MutateConfiguration(nil)
	if status, body := h.open(link, "en"); status != http.StatusOK {
		t.Errorf("retry with the same link: got %d\n%s", status, body)
	}
}

func TestDynamicRegistrationNeedsConfigurationURL(t *testing.T) {
	h := newRegHarness(t)
	resp, err := http.Get(h.base + "/lti/register?reg=x&registration_token=t")
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != http.StatusBadRequest || h.out.count() != 0 {
		t.Errorf("got %d after %d requests, want 400 after none\n%s", resp.StatusCode, h.out.count(), body)
	}
}

func TestConfigPageExplainsDynamicRegistration(t *testing.T) {
	for _, tc := range []struct {
		hosts   []string
		want    []string
		notWant []string
	}{
		{nil, []string{"Dynamic Registration", "astre platform register-link"}, []string{"reg=", "may register with this URL"}},
		{[]string{"moodle.example.org"}, []string{"<code>moodle.example.org</code>", "/lti/register</code>", "astre platform register-link"}, []string{"reg="}},
	} {
		h := newRegHarness(t, tc.hosts...)
		h.link(time.Hour) // a live link must never show on the public page
		resp, err := http.Get(h.base + "/lti/config")
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, resp)
		for _, want := range tc.want {
			if !strings.Contains(body, want) {
				t.Errorf("hosts %v: config page lacks %q", tc.hosts, want)
			}
		}
		for _, bad := range tc.notWant {
			if strings.Contains(body, bad) {
				t.Errorf("hosts %v: config page shows %q", tc.hosts, bad)
			}
		}
	}
}
