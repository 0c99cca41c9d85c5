package lti

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// KeyBits is the size of the tool's RSA keys (Security Framework 6.1: at least 2048).
const KeyBits = 2048

// ToolKey is one of the tool's signing keys.
type ToolKey struct {
	KID     string
	Private *rsa.PrivateKey
}

// GenerateKey makes a new RSA key whose kid is its RFC 7638 thumbprint.
func GenerateKey() (*ToolKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	pub, err := jwk.FromRaw(priv.Public())
	if err != nil {
		return nil, fmt.Errorf("public JWK: %w", err)
	}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("thumbprint: %w", err)
	}
	return &ToolKey{KID: base64.RawURLEncoding.EncodeToString(tp), Private: priv}, nil
}

// ParseToolKey rebuilds a key from its kid and PKCS#8 DER.
func ParseToolKey(kid string, der []byte) (*ToolKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse key %s: %w", kid, err)
	}
	priv, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key %s is not RSA", kid)
	}
	return &ToolKey{KID: kid, Private: priv}, nil
}

// PKCS8 returns the private key as PKCS#8 DER.
func (k *ToolKey) PKCS8() ([]byte, error) {
	return x509.MarshalPKCS8PrivateKey(k.Private)
}

// PublicJWK returns the public key as a JWK with kid, alg RS256 and use sig
// (Security Framework 6.3).
func (k *ToolKey) PublicJWK() (json.RawMessage, error) {
	pub, err := jwk.FromRaw(k.Private.Public())
	if err != nil {
		return nil, fmt.Errorf("public JWK %s: %w", k.KID, err)
	}
	for name, v := range map[string]any{jwk.KeyIDKey: k.KID, jwk.AlgorithmKey: jwa.RS256, jwk.KeyUsageKey: "sig"} {
		if err := pub.Set(name, v); err != nil {
			return nil, fmt.Errorf("public JWK %s: set %s: %w", k.KID, name, err)
		}
	}
	return json.Marshal(pub)
}

// JWKS assembles a JWK Set document from public JWKs.
func JWKS(publicJWKs []json.RawMessage) ([]byte, error) {
	if publicJWKs == nil {
		publicJWKs = []json.RawMessage{}
	}
	return json.Marshal(struct {
		Keys []json.RawMessage `json:"keys"`
	}{publicJWKs})
}

// Sign signs a JWT with RS256 and puts kid in the header, which platforms
// need to pick the key (Brightspace refuses a deep linking response without it).
func (k *ToolKey) Sign(tok jwt.Token) ([]byte, error) {
	priv, err := jwk.FromRaw(k.Private)
	if err != nil {
		return nil, err
	}
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.KeyIDKey, k.KID); err != nil {
		return nil, err
	}
	return jwt.Sign(tok, jwt.WithKey(jwa.RS256, priv, jws.WithProtectedHeaders(hdr)))
}
