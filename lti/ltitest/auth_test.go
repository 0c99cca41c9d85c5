package ltitest

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

func TestAuthRejects(t *testing.T) {
	tests := []struct {
		name      string
		breakAuth func(q url.Values)
		want      string // in the recorded refusal
	}{
		{"redirect_uri with a trailing slash", func(q url.Values) { q.Set("redirect_uri", q.Get("redirect_uri")+"/") }, "redirect_uri"},
		{"wrong scope", func(q url.Values) { q.Set("scope", "openid profile") }, "scope"},
		{"missing nonce", func(q url.Values) { q.Del("nonce") }, "nonce is missing"},
		{"missing state", func(q url.Values) { q.Del("state") }, "state is missing"},
		{"response_mode query", func(q url.Values) { q.Set("response_mode", "query") }, "response_mode"},
		{"prompt login", func(q url.Values) { q.Set("prompt", "login") }, "prompt"},
		{"response_type code", func(q url.Values) { q.Set("response_type", "code") }, "response_type"},
		{"unknown client", func(q url.Values) { q.Set("client_id", "nope") }, "unknown client_id"},
		{"other login_hint", func(q url.Values) { q.Set("login_hint", "2") }, "login_hint"},
		{"lti_message_hint dropped", func(q url.Values) { q.Del("lti_message_hint") }, "lti_message_hint is missing"},
		{"lti_message_hint re-encoded", func(q url.Values) { q.Set("lti_message_hint", q.Get("lti_message_hint")+" ") }, "lti_message_hint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPlatform(Moodle)
			defer p.Close()
			st := newStubTool(t, p)
			st.breakAuth = tt.breakAuth
			b := NewBrowser()
			ctx := context.Background()

			authURL, _, err := b.InitiateLogin(ctx, p, LaunchOptions{})
			if err != nil || authURL == nil {
				t.Fatalf("InitiateLogin = %v, %v", authURL, err)
			}
			_, err = b.Authorize(ctx, authURL)
			if err == nil || !strings.Contains(err.Error(), "400") {
				t.Fatalf("Authorize error = %v, want a 400", err)
			}
			errs := p.AuthErrors()
			if len(errs) != 1 || !strings.Contains(errs[0], tt.want) {
				t.Errorf("AuthErrors = %q, want one containing %q", errs, tt.want)
			}
		})
	}
}

func TestAuthIsSingleUse(t *testing.T) {
	p := NewPlatform(OpenEdX)
	defer p.Close()
	newStubTool(t, p)
	b := NewBrowser()
	ctx := context.Background()
	authURL, _, err := b.InitiateLogin(ctx, p, LaunchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	form, err := b.Authorize(ctx, authURL)
	if err != nil {
		t.Fatal(err)
	}
	if form.Method != "POST" || form.Fields.Get("id_token") == "" || form.Fields.Get("state") == "" {
		t.Errorf("form = %+v, want POST with id_token and state", form)
	}
	if _, err := b.Authorize(ctx, authURL); err == nil {
		t.Error("a second auth request for the same login succeeded")
	}
}
