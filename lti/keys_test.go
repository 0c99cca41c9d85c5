package lti

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

func TestToolKeyJWKAndSign(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if k.Private.N.BitLen() < 2048 {
		t.Fatalf("got %d-bit key, want >= 2048", k.Private.N.BitLen())
	}
	pub, err := k.PublicJWK()
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(pub, &fields); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"kid": k.KID, "alg": "RS256", "use": "sig", "kty": "RSA"} {
		if fields[name] != want {
			t.Errorf("JWK %s: got %v, want %q", name, fields[name], want)
		}
	}
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if _, ok := fields[private]; ok {
			t.Errorf("public JWK carries private member %q", private)
		}
	}

	doc, err := JWKS([]json.RawMessage{pub})
	if err != nil {
		t.Fatal(err)
	}
	set, err := jwk.Parse(doc)
	if err != nil {
		t.Fatalf("JWKS does not parse: %v", err)
	}
	key, ok := set.LookupKeyID(k.KID)
	if !ok {
		t.Fatal("JWKS lacks the key's kid")
	}

	tok := jwt.New()
	_ = tok.Set(jwt.IssuerKey, "client")
	_ = tok.Set(jwt.ExpirationKey, time.Now().Add(time.Minute))
	signed, err := k.Sign(tok)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := jws.Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Signatures()[0].ProtectedHeaders().KeyID(); got != k.KID {
		t.Errorf("header kid: got %q, want %q", got, k.KID)
	}
	if _, err := jws.Verify(signed, jws.WithKey(jwa.RS256, key)); err != nil {
		t.Errorf("signature does not verify with the published key: %v", err)
	}

	der, err := k.PKCS8()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseToolKey(k.KID, der)
	if err != nil || !back.Private.Equal(k.Private) {
		t.Errorf("PKCS8 round trip: got %v", err)
	}
}
