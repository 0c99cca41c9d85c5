package lti

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// LTI Dynamic Registration 1.0 (https://www.imsglobal.org/spec/lti-dr/v1p0).
const (
	// ClaimPlatformConfiguration is the platform's LTI section of its
	// OpenID configuration (DR 1.0 section 3.5, "Step 2").
	ClaimPlatformConfiguration = "https://purl.imsglobal.org/spec/lti-platform-configuration"
	// ClaimToolConfiguration is the tool's LTI section of its client
	// registration, and of the platform's answer (DR 1.0 section 3.6).
	ClaimToolConfiguration = "https://purl.imsglobal.org/spec/lti-tool-configuration"

	// MaxRegistrationBytes bounds the platform's configuration and its
	// registration answer: real ones are a few kilobytes.
	MaxRegistrationBytes = 256 << 10
)

// RegistrationStart is the registration initiation request the platform
// makes the administrator's browser send (DR 1.0 section 3.4, "Step 1").
type RegistrationStart struct {
	ConfigurationURL string // openid_configuration
	Token            string // registration_token, optional
}

// ParseRegistrationStart reads the initiation parameters; unknown ones are
// ignored. The configuration URL must be an absolute http(s) URL.
func ParseRegistrationStart(q url.Values) (RegistrationStart, error) {
	s := RegistrationStart{ConfigurationURL: q.Get("openid_configuration"), Token: q.Get("registration_token")}
	if s.ConfigurationURL == "" {
		return s, Errorf(ReasonMissingParam, "openid_configuration is missing")
	}
	u, err := url.Parse(s.ConfigurationURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return s, Errorf(ReasonBadParam, "openid_configuration is not an absolute http(s) URL")
	}
	return s, nil
}

// PlatformConfiguration is what the tool uses of the platform's OpenID
// configuration (DR 1.0 section 3.5).
type PlatformConfiguration struct {
	Issuer                string
	AuthorizationEndpoint string
	TokenEndpoint         string
	JWKSURI               string
	RegistrationEndpoint  string
	ScopesSupported       []string
	ProductFamilyCode     string // e.g. "moodle", "canvas"
	Version               string
}

// Registration is the platform registration a registered client makes.
func (c *PlatformConfiguration) Registration(client *RegisteredClient) Registration {
	r := Registration{
		Issuer: c.Issuer, ClientID: client.ClientID, AuthURL: c.AuthorizationEndpoint,
		TokenURL: c.TokenEndpoint, JWKSURL: c.JWKSURI,
	}
	if client.DeploymentID != "" {
		r.Deployments = []string{client.DeploymentID}
	}
	return r
}

// ToolRegistration is what the tool asks the platform to register.
type ToolRegistration struct {
	ClientName       string
	Description      string
	LoginURL         string   // initiate_login_uri
	RedirectURIs     []string // compared byte for byte by platforms
	TargetLinkURI    string   // its host:port is the domain
	JWKSURL          string
	Scopes           []string // wanted; only those the platform supports are asked for
	Claims           []string // e.g. iss, sub, name, email, locale
	DeepLinkingURL   string   // target of LtiDeepLinkingRequest; "" for none
	DeepLinkingLabel string
}

// RegisteredClient is the platform's answer to a registration (DR 1.0
// section 3.6.1): the client_id it gave the tool and, when it says, the
// deployment the registration created.
type RegisteredClient struct {
	ClientID     string
	DeploymentID string
	Scopes       []string // granted; what was asked for when the answer omits scope
}

// Registrar performs Dynamic Registration with a platform.
type Registrar struct {
	Client    *http.Client
	UserAgent string
}

// Configuration fetches and checks the platform's OpenID configuration,
// sending the registration token as a Bearer token when there is one
// (Canvas needs it; DR 1.0 section 3.5).
func (r *Registrar) Configuration(ctx context.Context, start RegistrationStart) (*PlatformConfiguration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, start.ConfigurationURL, nil)
	if err != nil {
		return nil, &Error{Reason: ReasonConfigUnavailable, Detail: "configuration request", Err: err}
	}
	r.headers(req, start.Token)
	status, body, err := r.do(req)
	if err != nil {
		return nil, &Error{Reason: ReasonConfigUnavailable, Detail: start.ConfigurationURL, Err: err}
	}
	if status != http.StatusOK {
		return nil, Errorf(ReasonConfigUnavailable, "%s answered %d", start.ConfigurationURL, status)
	}
	var doc openIDConfiguration
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, &Error{Reason: ReasonConfigUnavailable, Detail: "configuration is not JSON", Err: err}
	}
	cfg := &PlatformConfiguration{
		Issuer: doc.Issuer, AuthorizationEndpoint: doc.AuthorizationEndpoint, TokenEndpoint: doc.TokenEndpoint,
		JWKSURI: doc.JWKSURI, RegistrationEndpoint: doc.RegistrationEndpoint, ScopesSupported: doc.ScopesSupported,
	}
	if doc.Platform != nil {
		cfg.ProductFamilyCode, cfg.Version = doc.Platform.ProductFamilyCode, doc.Platform.Version
	}
	if err := checkConfiguration(cfg, doc.Platform != nil, start.ConfigurationURL); err != nil {
		return nil, err
	}
	return cfg, nil
}

// checkConfiguration applies DR 1.0 section 3.5.1: the issuer is https
// (or http on loopback, for tests and local platforms) and its host is the
// configuration URL's; and the fields the tool relies on are present.
func checkConfiguration(cfg *PlatformConfiguration, hasPlatform bool, configURL string) error {
	iss, err := url.Parse(cfg.Issuer)
	if cfg.Issuer == "" || err != nil || iss.Host == "" {
		return Errorf(ReasonBadConfig, "issuer %q is not an absolute URL", cfg.Issuer)
	}
	if iss.Scheme != "https" && !(iss.Scheme == "http" && isLoopback(iss.Hostname())) {
		return Errorf(ReasonBadConfig, "issuer %q is not https", cfg.Issuer)
	}
	cu, _ := url.Parse(configURL) // parsed by ParseRegistrationStart already
	if !strings.EqualFold(iss.Host, cu.Host) {
		return Errorf(ReasonIssuerMismatch, "issuer host %q is not the configuration URL's host %q", iss.Host, cu.Host)
	}
	endpoints := []struct{ name, value string }{
		{"authorization_endpoint", cfg.AuthorizationEndpoint}, {"token_endpoint", cfg.TokenEndpoint},
		{"jwks_uri", cfg.JWKSURI}, {"registration_endpoint", cfg.RegistrationEndpoint},
	}
	for _, e := range endpoints {
		u, err := url.Parse(e.value)
		if e.value == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return Errorf(ReasonBadConfig, "%s %q is missing or not an absolute http(s) URL", e.name, e.value)
		}
	}
	switch {
	case !hasPlatform:
		return Errorf(ReasonBadConfig, "%s is missing", ClaimPlatformConfiguration)
	case cfg.ProductFamilyCode == "":
		return Errorf(ReasonBadConfig, "%s has no product_family_code", ClaimPlatformConfiguration)
	case len(cfg.ScopesSupported) == 0:
		return Errorf(ReasonBadConfig, "scopes_supported is missing")
	}
	return nil
}

// Register POSTs the tool's client registration to the platform's
// registration endpoint with the registration token as Bearer, and reads
// the client_id and deployment_id of the answer (DR 1.0 sections 3.6 and
// 3.6.1).
func (r *Registrar) Register(ctx context.Context, cfg *PlatformConfiguration, tool ToolRegistration, token string) (*RegisteredClient, error) {
	reqBody, err := json.Marshal(clientRegistration(cfg, tool))
	if err != nil {
		return nil, fmt.Errorf("encode client registration: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.RegistrationEndpoint, bytes.NewReader(reqBody))
	if err != nil {
		return nil, &Error{Reason: ReasonRegistrationRefused, Detail: "registration request", Err: err}
	}
	r.headers(req, token)
	req.Header.Set("Content-Type", "application/json")
	status, body, err := r.do(req)
	if err != nil {
		return nil, &Error{Reason: ReasonRegistrationRefused, Detail: cfg.RegistrationEndpoint, Err: err}
	}
	if status < 200 || status > 299 {
		return nil, Errorf(ReasonRegistrationRefused, "%s answered %d: %.200s", cfg.RegistrationEndpoint, status, body)
	}
	var answer clientAnswer
	if err := json.Unmarshal(body, &answer); err != nil {
		return nil, &Error{Reason: ReasonRegistrationRefused, Detail: "answer is not JSON", Err: err}
	}
	client := &RegisteredClient{ClientID: answer.ClientID, Scopes: strings.Fields(answer.Scope)}
	if answer.Tool != nil {
		client.DeploymentID = answer.Tool.DeploymentID
	}
	if client.ClientID == "" || !validID(client.ClientID) || !validID(client.DeploymentID) {
		return nil, Errorf(ReasonRegistrationRefused, "answer has no usable client_id or deployment_id")
	}
	if len(client.Scopes) == 0 {
		client.Scopes = supportedScopes(cfg, tool.Scopes)
	}
	return client, nil
}

// clientRegistration builds the OpenID client registration with the LTI
// tool configuration (DR 1.0 section 3.6). The domain is the target link
// URI's host:port, which Moodle requires.
func clientRegistration(cfg *PlatformConfiguration, tool ToolRegistration) clientRequest {
	domain := ""
	if u, err := url.Parse(tool.TargetLinkURI); err == nil {
		domain = u.Host
	}
	tc := toolConfiguration{
		Domain: domain, TargetLinkURI: tool.TargetLinkURI, Description: tool.Description, Claims: tool.Claims,
		Messages: []toolMessage{},
	}
	if tool.DeepLinkingURL != "" {
		tc.Messages = append(tc.Messages, toolMessage{Type: MessageDeepLinkingRequest, TargetLinkURI: tool.DeepLinkingURL, Label: tool.DeepLinkingLabel})
	}
	return clientRequest{
		ApplicationType: "web", ResponseTypes: []string{"id_token"}, GrantTypes: []string{"implicit", "client_credentials"},
		InitiateLoginURI: tool.LoginURL, RedirectURIs: tool.RedirectURIs, ClientName: tool.ClientName,
		JWKSURI: tool.JWKSURL, TokenEndpointAuthMethod: "private_key_jwt",
		Scope: strings.Join(supportedScopes(cfg, tool.Scopes), " "), Tool: tc,
	}
}

// supportedScopes keeps the wanted scopes the platform lists, in the
// tool's order: asking for others makes some platforms refuse.
func supportedScopes(cfg *PlatformConfiguration, wanted []string) []string {
	var out []string
	for _, s := range wanted {
		if slices.Contains(cfg.ScopesSupported, s) {
			out = append(out, s)
		}
	}
	return out
}

func (r *Registrar) headers(req *http.Request, token string) {
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if r.UserAgent != "" {
		req.Header.Set("User-Agent", r.UserAgent)
	}
}

// do sends req and reads at most MaxRegistrationBytes of the answer.
func (r *Registrar) do(req *http.Request) (int, []byte, error) {
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxRegistrationBytes+1))
	if err != nil {
		return 0, nil, err
	}
	if len(body) > MaxRegistrationBytes {
		return 0, nil, fmt.Errorf("answer larger than %d bytes", MaxRegistrationBytes)
	}
	return resp.StatusCode, body, nil
}

// isLoopback reports whether host is localhost or a loopback IP.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
