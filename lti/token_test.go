package lti_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
)

const scoreScope = "https://purl.imsglobal.org/spec/lti-ags/scope/score"

// toolKeys serves a tool JWKS and signs with its key, as ASTRE does.
func toolKeys(t *testing.T) (*lti.ToolKey, string) {
	t.Helper()
	k, err := lti.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := k.PublicJWK()
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := lti.JWKS([]json.RawMessage{pub})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(doc) }))
	t.Cleanup(srv.Close)
	return k, srv.URL
}

func tokenClient(t *testing.T, p *ltitest.Platform) (*lti.TokenClient, lti.Registration, *time.Time) {
	t.Helper()
	key, jwks := toolKeys(t)
	p.SetTool(ltitest.ToolConfig{LoginURL: "http://tool.invalid/lti/login", JWKSURL: jwks})
	now := time.Now()
	c := &lti.TokenClient{Client: http.DefaultClient, UserAgent: "ASTRE-test",
		Signer: func(context.Context) (*lti.ToolKey, error) { return key, nil }, Now: func() time.Time { return now }}
	reg := lti.Registration{Issuer: p.Issuer, ClientID: p.ClientID, TokenURL: p.TokenURL()}
	return c, reg, &now
}

func TestTokenClientMoodle(t *testing.T) {
	p := ltitest.NewPlatform(ltitest.Moodle)
	defer p.Close()
	c, reg, now := tokenClient(t, p)
	ctx := context.Background()

	tok, err := c.Token(ctx, reg, []string{scoreScope, "https://example.org/unknown-scope"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tok.Scopes) != 1 || tok.Scopes[0] != scoreScope {
		t.Errorf("granted scopes: got %v, want only the score scope", tok.Scopes)
	}
	if issued, ok := p.Issued(tok.AccessToken); !ok || issued.ClientID != reg.ClientID {
		t.Errorf("the platform did not issue %q to the client", tok.AccessToken)
	}
	claims := p.TokenAssertions()[0]
	if aud, ok := claims["aud"].(string); !ok || aud != reg.TokenURL {
		t.Errorf("assertion aud: got %#v, want the token URL as one string", claims["aud"])
	}
	if claims["iss"] != reg.ClientID || claims["sub"] != reg.ClientID || claims["jti"] == "" {
		t.Errorf("assertion claims: got %v", claims)
	}

	// Cached per scope set, until shortly before expiry.
	again, _ := c.Token(ctx, reg, []string{"https://example.org/unknown-scope", scoreScope})
	if again != tok || p.TokenRequests() != 1 {
		t.Errorf("second call: got %d token requests, want the cached token", p.TokenRequests())
	}

	// Tokens of 90 s: the cached one is replaced within a minute of expiry.
	p.SetTokenLifetime(90 * time.Second)
	short, err := c.Token(ctx, reg, []string{scoreScope})
	if err != nil || p.TokenRequests() != 2 {
		t.Fatalf("new scope set: %v, %d requests, want 2", err, p.TokenRequests())
	}
	*now = now.Add(20 * time.Second)
	if same, _ := c.Token(ctx, reg, []string{scoreScope}); same != short {
		t.Error("a token with 70 s left was not reused")
	}
	*now = now.Add(20 * time.Second)
	fresh, err := c.Token(ctx, reg, []string{scoreScope})
	if err != nil || fresh == short || p.TokenRequests() != 3 {
		t.Errorf("50 s left: %v, %d requests, want a new token", err, p.TokenRequests())
	}
	c.Forget(reg, []string{scoreScope}, short) // an older token: nothing happens
	if again, _ := c.Token(ctx, reg, []string{scoreScope}); again != fresh {
		t.Error("Forget with an older token dropped the current one")
	}
	c.Forget(reg, []string{scoreScope}, fresh) // the service said 401: fetch again
	if again, _ := c.Token(ctx, reg, []string{scoreScope}); again == fresh || p.TokenRequests() != 4 {
		t.Errorf("after Forget: %d requests, want a new token", p.TokenRequests())
	}
}

func TestTokenClientSharesOneFetch(t *testing.T) {
	p := ltitest.NewPlatform(ltitest.OpenEdX)
	defer p.Close()
	c, reg, _ := tokenClient(t, p)
	var wg sync.WaitGroup
	toks := make([]*lti.Token, 16)
	for i := range toks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.Token(context.Background(), reg, []string{scoreScope})
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok
		}()
	}
	wg.Wait()
	if p.TokenRequests() != 1 {
		t.Errorf("16 simultaneous requests: got %d token requests, want 1", p.TokenRequests())
	}
	for _, tok := range toks[1:] {
		if tok != toks[0] {
			t.Fatal("simultaneous callers got different tokens")
		}
	}
}

func TestTokenClientRefusals(t *testing.T) {
	p := ltitest.NewPlatform(ltitest.Moodle)
	defer p.Close()
	c, reg, _ := tokenClient(t, p)
	ctx := context.Background()

	p.SetAllowedScopes([]string{"https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"})
	_, err := c.Token(ctx, reg, []string{scoreScope})
	var te *lti.TokenError
	if !errors.As(err, &te) || te.Status != http.StatusBadRequest || te.Code != "invalid_scope" {
		t.Errorf("no allowed scope: got %v, want 400 invalid_scope", err)
	}

	other, _ := lti.GenerateKey() // signs, but is not in the tool's keyset
	c.Signer = func(context.Context) (*lti.ToolKey, error) { return other, nil }
	p.SetAllowedScopes(nil)
	_, err = c.Token(ctx, reg, []string{scoreScope})
	if !errors.As(err, &te) || te.Code != "invalid_client" {
		t.Errorf("assertion signed by an unpublished key: got %v, want invalid_client", err)
	}
}
