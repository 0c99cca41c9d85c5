package ltitest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// stubTool is the smallest tool that can be launched: /login redirects to
// the platform's auth endpoint, /launch records what is posted and sends
// the browser on to /welcome.
type stubTool struct {
	srv *httptest.Server
	p   *Platform
	// breakAuth edits the auth request parameters before the redirect.
	breakAuth func(q url.Values)

	mu       sync.Mutex
	logins   []*http.Request // copies of the login requests, forms parsed
	launches []launchRecord
}

type launchRecord struct {
	idToken, state string
	cookieOK       bool   // the state cookie came back and matches
	origin, site   string // Origin and Sec-Fetch-Site headers
}

// newStubTool starts the tool and registers it with p.
func newStubTool(t *testing.T, p *Platform) *stubTool {
	t.Helper()
	st := &stubTool{p: p}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", st.login)
	mux.HandleFunc("POST /launch", st.launch)
	mux.HandleFunc("GET /welcome", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "welcome")
	})
	st.srv = httptest.NewServer(mux)
	t.Cleanup(st.srv.Close)
	p.SetTool(ToolConfig{
		LoginURL:      st.srv.URL + "/login",
		RedirectURIs:  []string{st.srv.URL + "/launch"},
		TargetLinkURI: st.srv.URL + "/launch",
	})
	return st
}

func (st *stubTool) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	st.mu.Lock()
	st.logins = append(st.logins, r.Clone(context.Background()))
	st.mu.Unlock()

	state := randomHex(16)
	q := url.Values{
		"scope":            {"openid"},
		"response_type":    {"id_token"},
		"response_mode":    {"form_post"},
		"prompt":           {"none"},
		"client_id":        {r.Form.Get("client_id")},
		"redirect_uri":     {st.srv.URL + "/launch"},
		"login_hint":       {r.Form.Get("login_hint")},
		"lti_message_hint": {r.Form.Get("lti_message_hint")},
		"state":            {state},
		"nonce":            {"nonce-" + state},
	}
	if st.breakAuth != nil {
		st.breakAuth(q)
	}
	http.SetCookie(w, &http.Cookie{
		Name: "lti_state", Value: state, Path: "/",
		Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode, Partitioned: true,
	})
	http.Redirect(w, r, st.p.AuthURL()+"?"+q.Encode(), http.StatusFound)
}

func (st *stubTool) launch(w http.ResponseWriter, r *http.Request) {
	rec := launchRecord{
		idToken: r.PostFormValue("id_token"),
		state:   r.PostFormValue("state"),
		origin:  r.Header.Get("Origin"),
		site:    r.Header.Get("Sec-Fetch-Site"),
	}
	if c, err := r.Cookie("lti_state"); err == nil && c.Value == rec.state {
		rec.cookieOK = true
	}
	st.mu.Lock()
	st.launches = append(st.launches, rec)
	st.mu.Unlock()
	http.Redirect(w, r, "/welcome", http.StatusSeeOther)
}

func (st *stubTool) lastLaunch(t *testing.T) launchRecord {
	t.Helper()
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.launches) == 0 {
		t.Fatal("the tool saw no launch")
	}
	return st.launches[len(st.launches)-1]
}

func (st *stubTool) lastLogin(t *testing.T) *http.Request {
	t.Helper()
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.logins) == 0 {
		t.Fatal("the tool saw no login")
	}
	return st.logins[len(st.logins)-1]
}

// launch runs a whole launch and returns the claims the tool received.
func launch(t *testing.T, p *Platform, st *stubTool, opts LaunchOptions) map[string]any {
	t.Helper()
	b := NewBrowser()
	resp, err := b.Launch(context.Background(), p, opts)
	if err != nil {
		t.Fatalf("Launch: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "welcome" {
		t.Fatalf("final response = %d %q, want 200 welcome", resp.StatusCode, body)
	}
	_, claims := decodeJWT(t, st.lastLaunch(t).idToken)
	return claims
}

// decodeJWT returns a compact JWS's header and payload, unverified.
func decodeJWT(t *testing.T, token string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatalf("decode part %d: %v", i, err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatalf("unmarshal part %d: %v", i, err)
		}
	}
	return header, claims
}
