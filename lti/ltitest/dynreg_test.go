package ltitest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// registrationBody is a client registration as a well-behaved tool at
// base sends it.
func registrationBody(base string) map[string]any {
	return map[string]any{
		"application_type": "web", "response_types": []string{"id_token"},
		"grant_types": []string{"implicit", "client_credentials"}, "initiate_login_uri": base + "/login",
		"redirect_uris": []string{base + "/launch"}, "client_name": "Stub", "jwks_uri": base + "/jwks",
		"token_endpoint_auth_method": "private_key_jwt",
		"scope":                      "https://purl.imsglobal.org/spec/lti-ags/scope/score https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
		"https://purl.imsglobal.org/spec/lti-tool-configuration": map[string]any{
			"domain": strings.TrimPrefix(base, "http://"), "target_link_uri": base + "/launch",
			"claims":   []string{"iss", "sub", "name"},
			"messages": []any{map[string]any{"type": "LtiDeepLinkingRequest", "target_link_uri": base + "/launch", "label": "Stub"}},
		},
	}
}

// tokenOf starts a registration and returns its registration token.
func tokenOf(t *testing.T, p *Platform) string {
	t.Helper()
	u, err := url.Parse(p.RegistrationStart("http://tool.example.org/register"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Query().Get("openid_configuration") != p.ConfigurationURL() {
		t.Fatalf("openid_configuration: got %q", u.Query().Get("openid_configuration"))
	}
	return u.Query().Get("registration_token")
}

func postRegistration(t *testing.T, p *Platform, token string, body map[string]any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, p.RegistrationURL(), bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	return resp.StatusCode, answer
}

func TestMoodleRegistrationRules(t *testing.T) {
	p := NewPlatform(Moodle)
	defer p.Close()
	base := "http://127.0.0.1:9002"
	for _, tc := range []struct {
		name   string
		token  func() string
		edit   func(b map[string]any)
		status int
		why    string
	}{
		{"no token", func() string { return "" }, nil, 401, "unknown registration token"},
		{"token not issued", func() string { return "forged" }, nil, 401, "unknown registration token"},
		{"domain is not the target's host:port", func() string { return tokenOf(t, p) }, func(b map[string]any) {
			b["https://purl.imsglobal.org/spec/lti-tool-configuration"].(map[string]any)["domain"] = "127.0.0.1"
		}, 400, "domain_targetlinkuri_mismatch"},
		{"no tool configuration", func() string { return tokenOf(t, p) }, func(b map[string]any) {
			delete(b, "https://purl.imsglobal.org/spec/lti-tool-configuration")
		}, 400, "missing https://purl.imsglobal.org/spec/lti-tool-configuration"},
		{"client secret", func() string { return tokenOf(t, p) }, func(b map[string]any) {
			b["token_endpoint_auth_method"] = "client_secret_basic"
		}, 400, "invalid_token_endpoint_auth_method"},
		{"no implicit grant", func() string { return tokenOf(t, p) }, func(b map[string]any) {
			b["grant_types"] = []string{"client_credentials"}
		}, 400, "invalid_grant_types"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(p.Clients())
			body := registrationBody(base)
			if tc.edit != nil {
				tc.edit(body)
			}
			status, _ := postRegistration(t, p, tc.token(), body)
			errs := p.RegistrationErrors()
			if status != tc.status || len(errs) == 0 || !strings.Contains(errs[len(errs)-1], tc.why) {
				t.Errorf("got %d %q, want %d %q", status, errs, tc.status, tc.why)
			}
			if len(p.Clients()) != before {
				t.Error("a refused registration created a client")
			}
		})
	}
}

func TestMoodleRegistrationAnswersLikeFixture(t *testing.T) {
	p := NewPlatform(Moodle)
	defer p.Close()
	token := tokenOf(t, p)
	status, answer := postRegistration(t, p, token, registrationBody("http://127.0.0.1:9002"))
	if status != http.StatusOK {
		t.Fatalf("got %d (%q), want 200", status, p.RegistrationErrors())
	}
	var fixture struct {
		Response map[string]any `json:"response"`
	}
	raw, err := Fixture("dynamic-registration-response.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &fixture); err != nil {
		t.Fatal(err)
	}
	for key := range fixture.Response {
		if _, ok := answer[key]; !ok {
			t.Errorf("answer lacks %s, which Moodle sends", key)
		}
	}
	clientID, _ := answer["client_id"].(string)
	tc, _ := answer["https://purl.imsglobal.org/spec/lti-tool-configuration"].(map[string]any)
	if !slices.Contains(p.Clients(), clientID) || tc["deployment_id"] != p.Deployment(clientID) || tc["deployment_id"] != "2" {
		t.Errorf("got client_id %q deployment %v, want a new client with deployment 2", clientID, tc["deployment_id"])
	}
	if got, want := answer["scope"], "https://purl.imsglobal.org/spec/lti-ags/scope/score https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"; got != want {
		t.Errorf("scope: got %q, want %q", got, want)
	}
	if status, _ := postRegistration(t, p, token, registrationBody("http://127.0.0.1:9002")); status != http.StatusUnauthorized {
		t.Errorf("token used twice: got %d, want 401", status)
	}
}

// TestRegisteredToolLaunchesOnceActivated registers a tool whose URLs are
// not the platform's default tool, and launches it.
func TestRegisteredToolLaunchesOnceActivated(t *testing.T) {
	p := NewPlatform(Moodle)
	defer p.Close()
	st := newStubTool(t, p)
	p.SetTool(ToolConfig{LoginURL: "http://127.0.0.1:1/elsewhere"}) // not the stub: its URLs must come from the registration
	status, answer := postRegistration(t, p, tokenOf(t, p), registrationBody(st.srv.URL))
	if status != http.StatusOK {
		t.Fatalf("got %d (%q), want 200", status, p.RegistrationErrors())
	}
	clientID := answer["client_id"].(string)
	if _, err := p.Initiate(LaunchOptions{ClientID: clientID}); err == nil || !strings.Contains(err.Error(), "pending") {
		t.Fatalf("launch of a pending tool: got %v, want a pending error", err)
	}
	if err := p.ActivateClient(clientID); err != nil {
		t.Fatal(err)
	}
	claims := launch(t, p, st, LaunchOptions{ClientID: clientID})
	if claims["aud"] != clientID || claims["https://purl.imsglobal.org/spec/lti/claim/target_link_uri"] != st.srv.URL+"/launch" {
		t.Errorf("got aud %v, target %v", claims["aud"], claims["https://purl.imsglobal.org/spec/lti/claim/target_link_uri"])
	}
}
