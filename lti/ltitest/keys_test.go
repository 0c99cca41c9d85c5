package ltitest

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// verify checks token against the platform's served JWKS with jwx.
func verify(t *testing.T, p *Platform, token string) error {
	t.Helper()
	set, err := jwk.Fetch(context.Background(), p.JWKSURL())
	if err != nil {
		t.Fatalf("fetch JWKS: %v", err)
	}
	_, err = jws.Verify([]byte(token), jws.WithKeySet(set, jws.WithInferAlgorithmFromKey(true), jws.WithRequireKid(true)))
	return err
}

func TestLaunchTokenVerifiesWithServedJWKS(t *testing.T) {
	for _, profile := range []Profile{Moodle, OpenEdX} {
		t.Run(profile.String(), func(t *testing.T) {
			p := NewPlatform(profile)
			defer p.Close()
			st := newStubTool(t, p)
			launch(t, p, st, LaunchOptions{})
			token := st.lastLaunch(t).idToken
			if err := verify(t, p, token); err != nil {
				t.Fatalf("verify: %v", err)
			}
			header, _ := decodeJWT(t, token)
			if header["kid"] != p.SigningKey().KID || header["alg"] != "RS256" || header["typ"] != "JWT" {
				t.Errorf("header = %v", header)
			}
		})
	}
}

// TestSignWith checks that a launch's token is signed by the function
// SignWith gave, and still verifies.
func TestSignWith(t *testing.T) {
	p := NewPlatform(Moodle)
	defer p.Close()
	var calls atomic.Int32 // the platform's handler signs, on its own goroutine
	p.SignWith(func(sign func()) { calls.Add(1); sign() })
	st := newStubTool(t, p)
	launch(t, p, st, LaunchOptions{})
	if n := calls.Load(); n != 1 {
		t.Errorf("SignWith's function ran %d times for one launch, want 1", n)
	}
	if err := verify(t, p, st.lastLaunch(t).idToken); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

func TestJWKSDocumentAndFetchCount(t *testing.T) {
	p := NewPlatform(Moodle)
	defer p.Close()
	brightspace, err := p.AddKey(KeyOptions{OmitAlg: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.AddKey(KeyOptions{Alg: "ES256"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.AddKey(KeyOptions{Unpublished: true}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := jwk.Fetch(context.Background(), p.JWKSURL()); err != nil {
			t.Fatal(err)
		}
	}
	if got := p.JWKSFetches(); got != 3 {
		t.Errorf("JWKSFetches = %d, want 3", got)
	}

	var doc struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(p.JWKS(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Keys) != 3 {
		t.Fatalf("JWKS has %d keys, want 3 (the unpublished one left out)", len(doc.Keys))
	}
	for _, k := range doc.Keys {
		if k["kid"] == "" || k["use"] != "sig" || k["d"] != "" {
			t.Errorf("key %v: want kid, use sig, no private part", k)
		}
		wantAlg := map[string]string{"RSA": "RS256", "EC": "ES256"}[k["kty"]]
		if k["kid"] == brightspace.KID {
			wantAlg = ""
		}
		if k["alg"] != wantAlg {
			t.Errorf("key %s alg = %q, want %q", k["kid"], k["alg"], wantAlg)
		}
	}
}

func TestSignedTokens(t *testing.T) {
	p := NewPlatform(Moodle)
	defer p.Close()
	claims := p.Claims(LaunchOptions{}, "", "n-1")
	old := p.SigningKey()
	sameKID, err := p.AddKey(KeyOptions{KID: old.KID, Unpublished: true})
	if err != nil {
		t.Fatal(err)
	}
	hidden, err := p.AddKey(KeyOptions{Unpublished: true})
	if err != nil {
		t.Fatal(err)
	}
	noAlg, err := p.AddKey(KeyOptions{OmitAlg: true})
	if err != nil {
		t.Fatal(err)
	}
	ec, err := p.AddKey(KeyOptions{Alg: "ES256"})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		opts  SignOptions
		valid bool
	}{
		{"default key", SignOptions{}, true},
		{"key published without alg", SignOptions{Key: noAlg}, true},
		{"ES256", SignOptions{Key: ec}, true},
		{"RS384 with a key published without alg", SignOptions{Key: noAlg, Alg: "RS384"}, true},
		{"RS384 with a key published as RS256", SignOptions{Alg: "RS384"}, false},
		{"unknown kid", SignOptions{Key: hidden}, false},
		{"another key with the same kid", SignOptions{Key: sameKID}, false},
		{"alg none", SignOptions{Alg: "none"}, false},
		{"HS256 keyed with the public PEM", SignOptions{Alg: "HS256"}, false},
		{"truncated signature", SignOptions{TruncateSignature: true}, false},
		{"payload altered after signing", SignOptions{AlterAfterSigning: func(c map[string]any) { c["sub"] = "2" }}, false},
		{"no kid", SignOptions{MutateHeader: func(h map[string]any) { delete(h, "kid") }}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, err := p.Sign(claims, tt.opts)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if err := verify(t, p, token); (err == nil) != tt.valid {
				t.Errorf("verify error = %v, want valid %v", err, tt.valid)
			}
		})
	}

	// The hostile tokens are well formed: they fail for the reason given.
	none, _ := p.Sign(claims, SignOptions{Alg: "none"})
	if h, _ := decodeJWT(t, none); h["alg"] != "none" || !strings.HasSuffix(none, ".") {
		t.Errorf("alg none token = %s", none)
	}
	hs, _ := p.Sign(claims, SignOptions{Alg: "HS256"})
	if _, err := jws.Verify([]byte(hs), jws.WithKey(jwa.HS256, old.PublicPEM())); err != nil {
		t.Errorf("HS256 token does not verify with the PEM as secret: %v", err)
	}
	altered, _ := p.Sign(claims, SignOptions{AlterAfterSigning: func(c map[string]any) { c["sub"] = "2" }})
	if _, c := decodeJWT(t, altered); c["sub"] != "2" || c["nonce"] != "n-1" {
		t.Errorf("altered claims = %v", c)
	}
}

func TestRotateAndUnpublish(t *testing.T) {
	p := NewPlatform(OpenEdX)
	defer p.Close()
	claims := p.Claims(LaunchOptions{}, "", "n")
	old := p.SigningKey()
	oldToken, _ := p.Sign(claims, SignOptions{})
	next, err := p.RotateKey()
	if err != nil {
		t.Fatal(err)
	}
	if p.SigningKey() != next || next.KID == old.KID {
		t.Fatalf("RotateKey did not switch keys")
	}
	newToken, _ := p.Sign(claims, SignOptions{})
	for _, tok := range []string{oldToken, newToken} {
		if err := verify(t, p, tok); err != nil {
			t.Errorf("during the overlap: %v", err)
		}
	}
	p.Unpublish(old)
	if err := verify(t, p, oldToken); err == nil {
		t.Error("a token of an unpublished key verified")
	}
}
