package lti

import (
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"strings"
)

// LoginRequest is a third-party initiated login (LTI Core 1.3 section 4.1;
// Security Framework 5.1.1.1). Moodle sends it as a form POST, Open edX as
// a GET; both arrive here as url.Values.
type LoginRequest struct {
	Issuer        string
	LoginHint     string
	TargetLinkURI string
	MessageHint   string // lti_message_hint, passed back verbatim
	DeploymentID  string // lti_deployment_id, optional
	ClientID      string // optional: Canvas and Open edX send it, some do not
	StorageTarget string // lti_storage_target: the platform offers postMessage storage
}

// ParseLogin reads a login initiation. Unknown parameters are ignored.
func ParseLogin(form url.Values) (LoginRequest, error) {
	req := LoginRequest{
		Issuer:        form.Get("iss"),
		LoginHint:     form.Get("login_hint"),
		TargetLinkURI: form.Get("target_link_uri"),
		MessageHint:   form.Get("lti_message_hint"),
		DeploymentID:  form.Get("lti_deployment_id"),
		ClientID:      form.Get("client_id"),
		StorageTarget: form.Get("lti_storage_target"),
	}
	required := []struct{ name, value string }{
		{"iss", req.Issuer}, {"login_hint", req.LoginHint}, {"target_link_uri", req.TargetLinkURI},
	}
	for _, p := range required {
		if p.value == "" {
			return req, Errorf(ReasonMissingParam, "login parameter %s is missing", p.name)
		}
	}
	if _, err := absoluteURL(req.Issuer); err != nil {
		return req, Errorf(ReasonBadParam, "iss is not an absolute URL")
	}
	return req, nil
}

// CheckTarget refuses a target_link_uri that does not point at the tool,
// so the login cannot be used as an open redirect.
func CheckTarget(target, toolBaseURL string) error {
	t, err := absoluteURL(target)
	if err != nil {
		return Errorf(ReasonForeignTarget, "target_link_uri is not an absolute URL")
	}
	base, err := absoluteURL(toolBaseURL)
	if err != nil {
		return Errorf(ReasonForeignTarget, "tool base URL is not absolute")
	}
	if t.User != nil || !strings.EqualFold(t.Scheme, base.Scheme) || !strings.EqualFold(t.Host, base.Host) {
		return Errorf(ReasonForeignTarget, "target_link_uri host %q is not this tool", t.Host)
	}
	return nil
}

// AuthRequest holds what the tool sends to the platform's authorization
// endpoint (Security Framework 5.1.1.2).
type AuthRequest struct {
	AuthURL     string
	ClientID    string
	RedirectURI string // must equal a registered redirect URI byte for byte
	LoginHint   string
	MessageHint string
	State       string
	Nonce       string
}

// URL returns the authorization URL, keeping the auth URL's own query string.
func (a AuthRequest) URL() (string, error) {
	u, err := absoluteURL(a.AuthURL)
	if err != nil {
		return "", Errorf(ReasonBadParam, "platform auth URL is not absolute")
	}
	q := u.Query()
	q.Set("scope", "openid")
	q.Set("response_type", "id_token")
	q.Set("response_mode", "form_post")
	q.Set("prompt", "none")
	q.Set("client_id", a.ClientID)
	q.Set("redirect_uri", a.RedirectURI)
	q.Set("login_hint", a.LoginHint)
	if a.MessageHint != "" {
		q.Set("lti_message_hint", a.MessageHint)
	}
	q.Set("state", a.State)
	q.Set("nonce", a.Nonce)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// RandomToken returns 256 bits from the system CSPRNG, base64url encoded:
// used for state, nonce, launch ids and CSRF tokens.
func RandomToken() string {
	b := make([]byte, 32)
	// crypto/rand.Read never returns an error on supported platforms (Go 1.24+).
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func absoluteURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, Errorf(ReasonBadParam, "not an absolute http(s) URL")
	}
	return u, nil
}
