package ltitest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// Service scopes the fake grants by default, as a Moodle tool with grade
// synchronisation and the roster enabled.
var defaultScopes = []string{
	"https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
	"https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
	"https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
	"https://purl.imsglobal.org/spec/lti-ags/scope/score",
	"https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
}

// tokenState is the token endpoint's memory.
type tokenState struct {
	allowed    []string      // nil: defaultScopes
	lifetime   time.Duration // 0: an hour, as Moodle
	requests   int
	jtis       map[string]bool
	assertions []map[string]any // claims of accepted client assertions
	issued     map[string]IssuedToken
}

// IssuedToken is an access token the fake handed out.
type IssuedToken struct {
	ClientID  string
	Scopes    []string
	ExpiresAt time.Time
}

// SetAllowedScopes limits the scopes the token endpoint grants.
func (p *Platform) SetAllowedScopes(scopes []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokens.allowed = slices.Clone(scopes)
}

// SetTokenLifetime sets the expires_in of the tokens it issues.
func (p *Platform) SetTokenLifetime(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokens.lifetime = d
}

// TokenRequests counts requests to the token endpoint.
func (p *Platform) TokenRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tokens.requests
}

// TokenAssertions returns the claims of every accepted client assertion,
// as the JSON decoded them (so "aud" shows whether it was a string).
func (p *Platform) TokenAssertions() []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.tokens.assertions)
}

// Issued looks up an access token the fake gave out.
func (p *Platform) Issued(accessToken string) (IssuedToken, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.tokens.issued[accessToken]
	return t, ok
}

// serveToken is the OAuth2 token endpoint (Security Framework 4.1) as
// Moodle's token.php behaves: client_credentials with a JWT assertion
// signed by a key from the tool's keyset, a scope required, 400
// invalid_scope when none of the requested scopes is allowed.
func (p *Platform) serveToken(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.tokens.requests++
	p.mu.Unlock()
	oauthError := func(code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		oauthError("invalid_request", "POST a form")
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "client_credentials" {
		oauthError("unsupported_grant_type", f.Get("grant_type"))
		return
	}
	if f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		oauthError("invalid_request", "client_assertion_type")
		return
	}
	raw := f.Get("client_assertion")
	// The keyset is the asserted client's, read before verifying as
	// Moodle does to find the tool type.
	var unverified struct {
		Iss string `json:"iss"`
	}
	_ = json.Unmarshal(payloadOf(raw), &unverified)
	set, err := jwk.Fetch(r.Context(), p.toolFor(unverified.Iss).JWKSURL)
	if err != nil {
		oauthError("invalid_client", "tool keyset unavailable")
		return
	}
	tok, err := jwt.Parse([]byte(raw), jwt.WithKeySet(set), jwt.WithValidate(true), jwt.WithAudience(p.TokenURL()),
		jwt.WithAcceptableSkew(time.Minute))
	if err != nil {
		oauthError("invalid_client", "client assertion: "+err.Error())
		return
	}
	clientID := tok.Issuer()
	if _, ok := p.lookupClient(clientID); !ok || tok.Subject() != clientID || tok.JwtID() == "" {
		oauthError("invalid_client", "iss, sub or jti")
		return
	}
	var claims map[string]any
	_ = json.Unmarshal(payloadOf(raw), &claims)

	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tokens.jtis[tok.JwtID()] {
		oauthError("invalid_client", "jti replayed")
		return
	}
	allowed := p.tokens.allowed
	if allowed == nil {
		allowed = defaultScopes
	}
	var granted []string
	for _, s := range strings.Fields(f.Get("scope")) {
		if slices.Contains(allowed, s) {
			granted = append(granted, s)
		}
	}
	if len(granted) == 0 {
		oauthError("invalid_scope", "no requested scope is allowed")
		return
	}
	if p.tokens.jtis == nil {
		p.tokens.jtis, p.tokens.issued = map[string]bool{}, map[string]IssuedToken{}
	}
	p.tokens.jtis[tok.JwtID()] = true
	p.tokens.assertions = append(p.tokens.assertions, claims)
	lifetime := p.tokens.lifetime
	if lifetime <= 0 {
		lifetime = time.Hour
	}
	access := randomHex(16)
	p.tokens.issued[access] = IssuedToken{ClientID: clientID, Scopes: granted, ExpiresAt: time.Now().Add(lifetime)}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": access, "token_type": "Bearer", "expires_in": int(lifetime / time.Second), "scope": strings.Join(granted, " "),
	})
}

// payloadOf decodes the payload of a compact JWS, unverified: only for
// recording what a verified assertion said.
func payloadOf(compact string) []byte {
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		return nil
	}
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	return b
}
