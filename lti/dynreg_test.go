package lti_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
)

var wantScopes = []string{lti.ScopeScore, lti.ScopeLineItem, lti.ScopeLineItemReadOnly, lti.ScopeResultReadOnly, lti.ScopeContextMembership}

func testTool(base string) lti.ToolRegistration {
	return lti.ToolRegistration{
		ClientName: "ASTRE", Description: "surveys", LoginURL: base + "/lti/login",
		RedirectURIs: []string{base + "/lti/launch"}, TargetLinkURI: base + "/lti/launch", JWKSURL: base + "/.well-known/jwks.json",
		Scopes: wantScopes, Claims: []string{"iss", "sub", "name", "email", "locale"},
		DeepLinkingURL: base + "/lti/launch", DeepLinkingLabel: "ASTRE",
	}
}

// startOf parses the initiation URL the fake makes the browser open.
func startOf(t *testing.T, p *ltitest.Platform) lti.RegistrationStart {
	t.Helper()
	u, err := url.Parse(p.RegistrationStart("https://tool.example.org:8443/lti/register?reg=abc"))
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Query().Get("reg"); got != "abc" {
		t.Fatalf("the tool's own query was lost: reg=%q", got)
	}
	start, err := lti.ParseRegistrationStart(u.Query())
	if err != nil {
		t.Fatal(err)
	}
	return start
}

func TestDynamicRegistrationWithMoodle(t *testing.T) {
	p := ltitest.NewPlatform(ltitest.Moodle)
	defer p.Close()
	ctx := context.Background()
	r := &lti.Registrar{Client: http.DefaultClient, UserAgent: "ASTRE test"}
	start := startOf(t, p)

	cfg, err := r.Configuration(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Issuer != p.Issuer || cfg.ProductFamilyCode != "moodle" || cfg.RegistrationEndpoint != p.RegistrationURL() {
		t.Errorf("got configuration %+v", cfg)
	}
	tool := testTool("https://tool.example.org:8443")
	client, err := r.Register(ctx, cfg, tool, start.Token)
	if err != nil {
		t.Fatalf("register: %v (platform said %q)", err, p.RegistrationErrors())
	}
	if !slices.Contains(p.Clients(), client.ClientID) || client.DeploymentID != p.Deployment(client.ClientID) || client.DeploymentID == "" {
		t.Errorf("got client %+v, want a client of the platform with its deployment", client)
	}
	reg := cfg.Registration(client)
	if reg.AuthURL != p.AuthURL() || reg.TokenURL != p.TokenURL() || reg.JWKSURL != p.JWKSURL() || !slices.Equal(reg.Deployments, []string{client.DeploymentID}) {
		t.Errorf("got registration %+v", reg)
	}

	reqs := p.RegistrationRequests()
	if len(reqs) != 1 {
		t.Fatalf("got %d registration requests, want 1", len(reqs))
	}
	if got := reqs[0].Authorization; got != "Bearer "+start.Token {
		t.Errorf("Authorization: got %q, want the registration token as Bearer", got)
	}
	body := reqs[0].Body
	for name, want := range map[string]any{
		"application_type": "web", "token_endpoint_auth_method": "private_key_jwt", "client_name": "ASTRE",
		"initiate_login_uri": tool.LoginURL, "jwks_uri": tool.JWKSURL,
		"response_types": []any{"id_token"}, "grant_types": []any{"implicit", "client_credentials"},
		"redirect_uris": []any{tool.RedirectURIs[0]}, "scope": strings.Join(wantScopes, " "),
	} {
		if g, w := jsonOf(body[name]), jsonOf(want); g != w {
			t.Errorf("%s: got %s, want %s", name, g, w)
		}
	}
	tc, _ := body[lti.ClaimToolConfiguration].(map[string]any)
	if tc["domain"] != "tool.example.org:8443" || tc["target_link_uri"] != tool.TargetLinkURI {
		t.Errorf("tool configuration: got domain %v, target %v", tc["domain"], tc["target_link_uri"])
	}
	if g, w := jsonOf(tc["messages"]), `[{"label":"ASTRE","target_link_uri":"https://tool.example.org:8443/lti/launch","type":"LtiDeepLinkingRequest"}]`; g != w {
		t.Errorf("messages: got %s, want %s", g, w)
	}

	// The token is single use, as Moodle's is.
	if _, err := r.Register(ctx, cfg, tool, start.Token); lti.ReasonOf(err) != lti.ReasonRegistrationRefused {
		t.Errorf("second use of the token: got %v, want %s", err, lti.ReasonRegistrationRefused)
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestDynamicRegistrationAsksOnlySupportedScopes(t *testing.T) {
	p := ltitest.NewPlatform(ltitest.Moodle)
	defer p.Close()
	p.MutateConfiguration(func(cfg map[string]any) {
		cfg["scopes_supported"] = []string{"openid", lti.ScopeScore, lti.ScopeResultReadOnly}
	})
	r := &lti.Registrar{Client: http.DefaultClient}
	start := startOf(t, p)
	cfg, err := r.Configuration(context.Background(), start)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Register(context.Background(), cfg, testTool("https://tool.example.org"), start.Token); err != nil {
		t.Fatal(err)
	}
	reqs := p.RegistrationRequests()
	if got, want := reqs[0].Body["scope"], lti.ScopeScore+" "+lti.ScopeResultReadOnly; got != want {
		t.Errorf("scope: got %q, want %q", got, want)
	}
}

func TestDynamicRegistrationRefusesBadConfigurations(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(cfg map[string]any)
		token  bool // send the registration token
		want   lti.Reason
	}{
		{"issuer on another host", func(c map[string]any) { c["issuer"] = "https://moodle.example.org" }, true, lti.ReasonIssuerMismatch},
		{"issuer http off loopback", func(c map[string]any) { c["issuer"] = "http://moodle.example.org" }, true, lti.ReasonBadConfig},
		{"no registration endpoint", func(c map[string]any) { delete(c, "registration_endpoint") }, true, lti.ReasonBadConfig},
		{"no token endpoint", func(c map[string]any) { delete(c, "token_endpoint") }, true, lti.ReasonBadConfig},
		{"no platform configuration", func(c map[string]any) { delete(c, lti.ClaimPlatformConfiguration) }, true, lti.ReasonBadConfig},
		{"no product family", func(c map[string]any) { c[lti.ClaimPlatformConfiguration] = map[string]any{"version": "4.5"} }, true, lti.ReasonBadConfig},
		{"no scopes", func(c map[string]any) { delete(c, "scopes_supported") }, true, lti.ReasonBadConfig},
		{"no registration token: Moodle answers 401", nil, false, lti.ReasonConfigUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ltitest.NewPlatform(ltitest.Moodle)
			defer p.Close()
			p.MutateConfiguration(tc.mutate)
			start := startOf(t, p)
			if !tc.token {
				start.Token = ""
			}
			_, err := (&lti.Registrar{Client: http.DefaultClient}).Configuration(context.Background(), start)
			if lti.ReasonOf(err) != tc.want {
				t.Errorf("got %v, want reason %s", err, tc.want)
			}
		})
	}
}

func TestParseRegistrationStart(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  lti.Reason
	}{
		{"openid_configuration=https%3A%2F%2Flms.example.org%2Fcfg&registration_token=t", ""},
		{"openid_configuration=https%3A%2F%2Flms.example.org%2Fcfg", ""}, // the token is optional
		{"registration_token=t", lti.ReasonMissingParam},
		{"openid_configuration=file%3A%2F%2F%2Fetc%2Fpasswd", lti.ReasonBadParam},
		{"openid_configuration=%2Frelative", lti.ReasonBadParam},
	} {
		q, _ := url.ParseQuery(tc.query)
		_, err := lti.ParseRegistrationStart(q)
		if lti.ReasonOf(err) != tc.want || (tc.want == "") != (err == nil) {
			t.Errorf("%s: got %v, want reason %q", tc.query, err, tc.want)
		}
	}
}

// TestRegisterReadsMoodleAnswer feeds the captured Moodle 4.5 answer to
// Register.
func TestRegisterReadsMoodleAnswer(t *testing.T) {
	raw, err := ltitest.Fixture("dynamic-registration-response.json")
	if err != nil {
		t.Fatal(err)
	}
	var fixture struct {
		Response json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(raw, &fixture); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(fixture.Response)
	}))
	defer srv.Close()
	cfg := &lti.PlatformConfiguration{RegistrationEndpoint: srv.URL, ScopesSupported: wantScopes}
	client, err := (&lti.Registrar{Client: srv.Client()}).Register(context.Background(), cfg, testTool("http://127.0.0.1:9002"), "t")
	if err != nil {
		t.Fatal(err)
	}
	if client.ClientID != "puXBrGZFod6AeYB" || client.DeploymentID != "2" || len(client.Scopes) != 5 {
		t.Errorf("got %+v, want client puXBrGZFod6AeYB, deployment 2, five scopes", client)
	}
}
