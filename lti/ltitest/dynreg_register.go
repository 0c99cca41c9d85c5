package ltitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/astre-lti/astre/lti"
)

// registration is the part of a client registration Moodle reads.
type registration struct {
	ApplicationType         string   `json:"application_type"`
	ResponseTypes           []string `json:"response_types"`
	GrantTypes              []string `json:"grant_types"`
	InitiateLoginURI        string   `json:"initiate_login_uri"`
	RedirectURIs            []string `json:"redirect_uris"`
	ClientName              string   `json:"client_name"`
	JWKSURI                 string   `json:"jwks_uri"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	Scope                   string   `json:"scope"`
	Tool                    *struct {
		Domain        string   `json:"domain"`
		TargetLinkURI string   `json:"target_link_uri"`
		Description   string   `json:"description"`
		Claims        []string `json:"claims"`
		Messages      []struct {
			Type          string `json:"type"`
			TargetLinkURI string `json:"target_link_uri"`
		} `json:"messages"`
	} `json:"https://purl.imsglobal.org/spec/lti-tool-configuration"`
}

// serveRegistration is Moodle's openid-registration.php: a registration
// token it issued, unused, as Bearer; the registration checked as
// Moodle's registration helper does; a new tool type, PENDING until an
// administrator activates it, whose client_id and deployment_id the
// answer gives in the shape of the captured fixture.
func (p *Platform) serveRegistration(w http.ResponseWriter, r *http.Request) {
	token := bearer(r)
	p.mu.Lock()
	used, known := p.dynreg.tokens[token]
	p.mu.Unlock()
	rec := RegistrationRequest{Authorization: r.Header.Get("Authorization")}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(body, &rec.Body)
	}
	defer func() {
		p.mu.Lock()
		p.dynreg.requests = append(p.dynreg.requests, rec)
		p.mu.Unlock()
	}()
	switch {
	case !known:
		p.refuseRegistration(w, http.StatusUnauthorized, "registration: unknown registration token")
		return
	case used:
		p.refuseRegistration(w, http.StatusUnauthorized, "registration: registration token already used")
		return
	case err != nil:
		p.refuseRegistration(w, http.StatusBadRequest, "registration: body is not JSON")
		return
	}
	var reg registration
	_ = json.Unmarshal(body, &reg) // decoded into a map above: valid JSON
	if msg := checkRegistration(&reg); msg != "" {
		p.refuseRegistration(w, http.StatusBadRequest, "registration: "+msg)
		return
	}

	tool := ToolConfig{
		LoginURL: reg.InitiateLoginURI, RedirectURIs: slices.Clone(reg.RedirectURIs),
		TargetLinkURI: reg.Tool.TargetLinkURI, JWKSURL: reg.JWKSURI,
	}
	clientID := p.AddClient()
	p.mu.Lock()
	if p.dynreg.tokens[token] { // a concurrent request used it first
		p.mu.Unlock()
		p.refuseRegistration(w, http.StatusUnauthorized, "registration: registration token already used")
		return
	}
	p.dynreg.tokens[token] = true
	c := p.clients[clientID]
	c.tool, c.pending = &tool, true
	deployment := c.deploymentID
	p.mu.Unlock()
	rec.ClientID = clientID

	var messages []any
	for _, m := range reg.Tool.Messages {
		if m.Type == lti.MessageDeepLinkingRequest { // the only message Moodle reads
			messages = append(messages, map[string]any{"type": m.Type, "target_link_uri": m.TargetLinkURI})
		}
	}
	answer := map[string]any{
		"client_id": clientID, "response_types": []any{"id_token"}, "jwks_uri": reg.JWKSURI,
		"initiate_login_uri": reg.InitiateLoginURI, "grant_types": []any{"client_credentials", "implicit"},
		"redirect_uris": reg.RedirectURIs, "application_type": "web", "token_endpoint_auth_method": "private_key_jwt",
		"client_name": reg.ClientName, "logo_uri": "", "scope": strings.Join(moodleGrantedScopes(strings.Fields(reg.Scope)), " "),
		lti.ClaimToolConfiguration: map[string]any{
			"version": "1.3.0", "deployment_id": deployment, "target_link_uri": reg.Tool.TargetLinkURI,
			"domain": reg.Tool.Domain, "description": reg.Tool.Description, "messages": messages, "claims": reg.Tool.Claims,
		},
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}

// checkRegistration returns why Moodle would refuse reg, or "".
func checkRegistration(reg *registration) string {
	switch {
	case reg.ApplicationType != "" && reg.ApplicationType != "web":
		return "invalid_application_type"
	case !slices.Contains(reg.ResponseTypes, "id_token"):
		return "invalid_response_types"
	case !slices.Contains(reg.GrantTypes, "implicit") || !slices.Contains(reg.GrantTypes, "client_credentials"):
		return "invalid_grant_types"
	case reg.InitiateLoginURI == "" || len(reg.RedirectURIs) == 0 || reg.ClientName == "" || reg.JWKSURI == "":
		return "missing initiate_login_uri, redirect_uris, client_name or jwks_uri"
	case reg.TokenEndpointAuthMethod != "private_key_jwt":
		return "invalid_token_endpoint_auth_method"
	case reg.Tool == nil:
		return "missing " + lti.ClaimToolConfiguration
	case reg.Tool.Domain == "":
		return "missing_domain"
	}
	target := reg.Tool.TargetLinkURI
	if target == "" {
		target = "https://" + reg.Tool.Domain
	}
	u, err := url.Parse(target)
	if err != nil || !strings.EqualFold(u.Host, reg.Tool.Domain) {
		return fmt.Sprintf("domain_targetlinkuri_mismatch: domain %q, target_link_uri %q", reg.Tool.Domain, target)
	}
	return ""
}

// moodleGrantedScopes maps the requested scopes to Moodle's services and
// back: lineitem enables full grade synchronisation (all four AGS scopes),
// any other AGS scope the read-and-score level; contextmembership the
// roster. Unknown scopes are dropped.
func moodleGrantedScopes(asked []string) []string {
	const ags = "https://purl.imsglobal.org/spec/lti-ags/scope/"
	var out []string
	switch {
	case slices.Contains(asked, ags+"lineitem"):
		out = append(out, ags+"score", ags+"result.readonly", ags+"lineitem.readonly", ags+"lineitem")
	case slices.Contains(asked, ags+"score"), slices.Contains(asked, ags+"result.readonly"), slices.Contains(asked, ags+"lineitem.readonly"):
		out = append(out, ags+"score", ags+"result.readonly", ags+"lineitem.readonly")
	}
	if slices.Contains(asked, lti.ScopeContextMembership) {
		out = append(out, lti.ScopeContextMembership)
	}
	return out
}

// ActivateClient does what a Moodle administrator does for a tool
// registered dynamically: it makes the pending tool usable in courses.
func (p *Platform) ActivateClient(clientID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.clients[clientID]
	if !ok {
		return fmt.Errorf("ltitest: unknown client_id %q", clientID)
	}
	c.pending = false
	return nil
}

// toolFor is the tool configuration of a client: its own when it was
// registered dynamically, else the one set by SetTool.
func (p *Platform) toolFor(clientID string) ToolConfig {
	p.mu.Lock()
	defer p.mu.Unlock()
	cfg := p.tool
	if c, ok := p.clients[clientID]; ok && c.tool != nil {
		cfg = *c.tool
	}
	cfg.RedirectURIs = slices.Clone(cfg.RedirectURIs)
	return cfg
}
