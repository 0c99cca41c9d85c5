package ltitest

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Initiation is a third-party initiated login (LTI Core 1.3 section 4.1)
// as the platform makes the browser send it to the tool.
type Initiation struct {
	Method string     // POST (Moodle's auto-submitted form) or GET (Open edX's redirect)
	URL    string     // the tool's login URL
	Params url.Values // iss, login_hint, target_link_uri, lti_message_hint, client_id, lti_deployment_id
}

// Initiate starts a launch: it remembers opts under a fresh
// lti_message_hint, so the id_token minted by the auth endpoint carries
// them, and returns the request the browser must send to the tool.
func (p *Platform) Initiate(opts LaunchOptions) (Initiation, error) {
	clientID := opts.ClientID
	if clientID == "" {
		clientID = p.ClientID
	}
	c, ok := p.lookupClient(clientID)
	if !ok {
		return Initiation{}, fmt.Errorf("ltitest: unknown client_id %q", clientID)
	}
	if c.pending {
		return Initiation{}, fmt.Errorf("ltitest: tool %q is pending: an administrator must activate it (ActivateClient)", clientID)
	}
	tool := p.toolFor(clientID)
	if tool.LoginURL == "" {
		return Initiation{}, errors.New("ltitest: no tool login URL: call SetTool first")
	}
	target := opts.TargetLinkURI
	if target == "" {
		target = tool.TargetLinkURI
	}
	pend := &pendingLogin{
		clientID:  clientID,
		loginHint: p.userID(opts),
		opts:      opts,
	}
	pend.opts.ClientID, pend.opts.TargetLinkURI = clientID, target

	p.mu.Lock()
	p.launchSeq++
	p.lastLaunch = opts
	hint := p.messageHint(opts, p.launchSeq)
	p.pending[hint] = pend
	p.mu.Unlock()

	params := url.Values{
		"iss":               {p.Issuer},
		"target_link_uri":   {target},
		"login_hint":        {pend.loginHint},
		"lti_message_hint":  {hint},
		"client_id":         {clientID},
		"lti_deployment_id": {p.Deployment(clientID)},
	}
	if opts.StorageTarget != "" {
		params.Set("lti_storage_target", opts.StorageTarget)
	}
	method := http.MethodPost
	if p.Profile == OpenEdX {
		method = http.MethodGet
	}
	return Initiation{Method: method, URL: tool.LoginURL, Params: params}, nil
}

// messageHint is a unique lti_message_hint in the profile's shape:
// Moodle's JSON {"cmid":1,"launchid":"ltilaunch1_845719426"}, or an
// Open edX launch data key. Caller holds p.mu.
func (p *Platform) messageHint(opts LaunchOptions, seq int) string {
	if p.Profile == OpenEdX {
		return fmt.Sprintf("launch_data:%d:%s", seq, randomHex(8))
	}
	hint := struct {
		CMID     int    `json:"cmid,omitempty"`
		LaunchID string `json:"launchid"`
	}{LaunchID: fmt.Sprintf("ltilaunch_%d", 100000000+rand.IntN(900000000))}
	if opts.messageType() != MessageDeepLinking {
		hint.CMID = 1
		hint.LaunchID = fmt.Sprintf("ltilaunch1_%d", 100000000+rand.IntN(900000000))
	}
	b, _ := json.Marshal(hint)
	return string(b)
}

// serveAuth is the OIDC authorization endpoint (Security Framework
// 5.1.1.2), checking what Moodle's auth.php checks. A refused request gets
// 400 with a plain message, which AuthErrors also records. An accepted one
// gets Moodle's page auto-posting id_token and state to redirect_uri.
func (p *Platform) serveAuth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		writeText(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if err := r.ParseForm(); err != nil {
		p.refuse(w, "invalid_request: unreadable request")
		return
	}
	pend, msg := p.checkAuth(r.Form)
	if msg != "" {
		p.refuse(w, msg)
		return
	}
	claims := p.Claims(pend.opts, pend.clientID, r.Form.Get("nonce"))
	token, err := p.Sign(claims, pend.opts.SignOptions)
	if err != nil {
		p.refuse(w, "server_error: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprint(w, autoPostPage(r.Form.Get("redirect_uri"), url.Values{
		"state":    {r.Form.Get("state")},
		"id_token": {token},
	}))
}

// checkAuth validates an auth request and, if it is good, consumes the
// pending login it answers (Moodle unsets the launch from the session).
func (p *Platform) checkAuth(q url.Values) (*pendingLogin, string) {
	fixed := []struct{ name, want string }{
		{"scope", "openid"},
		{"response_type", "id_token"},
		{"response_mode", "form_post"},
		{"prompt", "none"},
	}
	for _, f := range fixed {
		if got := q.Get(f.name); got != f.want {
			return nil, fmt.Sprintf("invalid_request: %s must be %q, got %q", f.name, f.want, got)
		}
	}
	clientID := q.Get("client_id")
	if _, ok := p.lookupClient(clientID); !ok {
		return nil, fmt.Sprintf("unauthorized_client: unknown client_id %q", clientID)
	}
	redirect := q.Get("redirect_uri")
	if !slices.Contains(p.toolFor(clientID).RedirectURIs, redirect) {
		return nil, fmt.Sprintf("invalid_request: redirect_uri %q is not registered", redirect)
	}
	for _, name := range []string{"state", "nonce", "login_hint", "lti_message_hint"} {
		if q.Get(name) == "" {
			return nil, fmt.Sprintf("invalid_request: %s is missing", name)
		}
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	pend, ok := p.pending[q.Get("lti_message_hint")]
	switch {
	case !ok:
		return nil, fmt.Sprintf("invalid_request: lti_message_hint %q was not sent by the platform or was already used", q.Get("lti_message_hint"))
	case pend.clientID != clientID:
		return nil, fmt.Sprintf("invalid_request: client_id %q differs from the login's %q", clientID, pend.clientID)
	case pend.loginHint != q.Get("login_hint"):
		return nil, fmt.Sprintf("access_denied: login_hint %q is not the user %q", q.Get("login_hint"), pend.loginHint)
	}
	delete(p.pending, q.Get("lti_message_hint"))
	return pend, ""
}

func (p *Platform) refuse(w http.ResponseWriter, msg string) {
	p.mu.Lock()
	p.authErrors = append(p.authErrors, msg)
	p.mu.Unlock()
	writeText(w, http.StatusBadRequest, msg)
}

// autoPostPage is an HTML page whose form posts fields to action as soon
// as it loads, the way Moodle's auth.php answers.
func autoPostPage(action string, fields url.Values) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><title>Redirecting</title></head><body>\n")
	fmt.Fprintf(&b, "<form action=\"%s\" name=\"ltiAuthForm\" id=\"ltiAuthForm\" method=\"post\" enctype=\"application/x-www-form-urlencoded\">\n", html.EscapeString(action))
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range fields[name] {
			fmt.Fprintf(&b, "<input type=\"hidden\" name=\"%s\" value=\"%s\"/>\n", html.EscapeString(name), html.EscapeString(v))
		}
	}
	b.WriteString("<noscript><button type=\"submit\">Continue</button></noscript>\n")
	b.WriteString("</form>\n<script>document.ltiAuthForm.submit();</script>\n</body></html>\n")
	return b.String()
}
