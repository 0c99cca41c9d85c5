package ltitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/astre-lti/astre/lti"
)

// Moodle's Dynamic Registration endpoints (mod/lti/openid-configuration.php
// and mod/lti/openid-registration.php in Moodle 4.5).
const (
	moodleConfigurationPath = "/mod/lti/openid-configuration.php"
	moodleRegistrationPath  = "/mod/lti/openid-registration.php"
)

// moodleScopes are the scopes Moodle 4.5 lists in scopes_supported.
var moodleScopes = []string{
	"https://purl.imsglobal.org/spec/lti-bo/scope/basicoutcome",
	"https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
	"https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
	"https://purl.imsglobal.org/spec/lti-ags/scope/score",
	"https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
	"https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
	"https://purl.imsglobal.org/spec/lti-ts/scope/toolsetting",
	"openid",
}

// dynregState is the registration endpoints' memory.
type dynregState struct {
	tokens        map[string]bool // registration token → used
	configFetches int
	requests      []RegistrationRequest
	errors        []string
	mutate        func(cfg map[string]any)
}

// RegistrationRequest is a client registration the fake received: its
// Authorization header and decoded body, and the client it created
// ("" when it refused).
type RegistrationRequest struct {
	Authorization string
	Body          map[string]any
	ClientID      string
}

// RegistrationStart mints a single-use registration token and returns the
// URL the administrator's browser opens when Moodle's "Add LTI Advantage"
// starts a registration at toolRegisterURL: openid_configuration and
// registration_token added to its query. It panics for a profile without
// Dynamic Registration (Open edX has none).
func (p *Platform) RegistrationStart(toolRegisterURL string) string {
	if p.Profile != Moodle {
		panic("ltitest: " + p.Profile.String() + " has no Dynamic Registration")
	}
	u, err := url.Parse(toolRegisterURL)
	if err != nil {
		panic(fmt.Sprintf("ltitest: tool registration URL %q: %v", toolRegisterURL, err))
	}
	token := randomHex(20)
	p.mu.Lock()
	if p.dynreg.tokens == nil {
		p.dynreg.tokens = make(map[string]bool)
	}
	p.dynreg.tokens[token] = false
	p.mu.Unlock()
	q := u.Query()
	q.Set("openid_configuration", p.ConfigurationURL())
	q.Set("registration_token", token)
	u.RawQuery = q.Encode()
	return u.String()
}

// ConfigurationURL is the platform's OpenID configuration URL.
func (p *Platform) ConfigurationURL() string { return p.base + moodleConfigurationPath }

// RegistrationURL is the platform's client registration endpoint.
func (p *Platform) RegistrationURL() string { return p.base + moodleRegistrationPath }

// MutateConfiguration edits the OpenID configuration the fake publishes,
// to break a rule (a foreign issuer, a missing field).
func (p *Platform) MutateConfiguration(fn func(cfg map[string]any)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dynreg.mutate = fn
}

// ConfigurationFetches counts requests to the OpenID configuration URL.
func (p *Platform) ConfigurationFetches() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dynreg.configFetches
}

// RegistrationRequests returns every client registration received, oldest first.
func (p *Platform) RegistrationRequests() []RegistrationRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.dynreg.requests)
}

// RegistrationErrors returns why the registration endpoints refused
// requests, oldest first.
func (p *Platform) RegistrationErrors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.dynreg.errors)
}

// serveConfiguration publishes the OpenID configuration as Moodle does,
// only to a request bearing a registration token it issued.
func (p *Platform) serveConfiguration(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.dynreg.configFetches++
	_, known := p.dynreg.tokens[bearer(r)]
	mutate := p.dynreg.mutate
	p.mu.Unlock()
	if !known {
		p.refuseRegistration(w, http.StatusUnauthorized, "configuration: no valid registration token")
		return
	}
	cfg := map[string]any{
		"issuer":                                p.Issuer,
		"authorization_endpoint":                p.AuthURL(),
		"token_endpoint":                        p.TokenURL(),
		"token_endpoint_auth_methods_supported": []any{"private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []any{"RS256"},
		"jwks_uri":                              p.JWKSURL(),
		"registration_endpoint":                 p.RegistrationURL(),
		"scopes_supported":                      moodleScopes,
		"response_types_supported":              []any{"id_token"},
		"subject_types_supported":               []any{"public", "pairwise"},
		"id_token_signing_alg_values_supported": []any{"RS256"},
		"claims_supported":                      []any{"sub", "iss", "name", "given_name", "family_name", "email"},
		lti.ClaimPlatformConfiguration: map[string]any{
			"product_family_code": "moodle",
			"version":             "4.5 (Build: 20241007)",
			"messages_supported": []any{
				map[string]any{"type": lti.MessageResourceLink},
				map[string]any{"type": lti.MessageDeepLinkingRequest, "placements": []any{"ContentArea"}},
			},
		},
	}
	if mutate != nil {
		mutate(cfg)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(cfg)
}

// bearer returns the token of an "Authorization: Bearer" header, or "".
func bearer(r *http.Request) string { return bearerToken(r.Header.Get("Authorization")) }

func (p *Platform) refuseRegistration(w http.ResponseWriter, status int, msg string) {
	p.mu.Lock()
	p.dynreg.errors = append(p.dynreg.errors, msg)
	p.mu.Unlock()
	writeText(w, status, msg)
}
