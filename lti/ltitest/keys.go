package ltitest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// Key is a platform signing key. KID, Alg and Private never change after
// AddKey; whether the key is published is platform state (Unpublish).
type Key struct {
	KID     string
	Alg     string        // RS256, RS384, RS512, ES256 or ES384
	Private crypto.Signer // *rsa.PrivateKey or *ecdsa.PrivateKey

	unpublished bool
	omitAlg     bool
}

// PublicPEM is the PKIX PEM of the public key: what an attacker uses as
// the HMAC secret in the RS256 to HS256 confusion attack.
func (k *Key) PublicPEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(k.Private.Public())
	if err != nil {
		panic(fmt.Sprintf("ltitest: marshal public key: %v", err))
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// KeyOptions shape a key made by AddKey.
type KeyOptions struct {
	KID         string // default: random; reuse a published kid to test "another key, same kid"
	Alg         string // RS256 (default), RS384, RS512, ES256 or ES384
	Unpublished bool   // never served in the JWKS: signs "unknown kid" tokens
	OmitAlg     bool   // served without "alg", as Brightspace does
}

// AddKey generates a key (RSA-2048 or an EC key for ES*) and, unless
// Unpublished, adds it to the JWKS. It does not sign with it; see UseKey.
func (p *Platform) AddKey(o KeyOptions) (*Key, error) {
	k := &Key{KID: o.KID, Alg: o.Alg, unpublished: o.Unpublished, omitAlg: o.OmitAlg}
	if k.KID == "" {
		k.KID = randomHex(10) // Moodle's kids are 20 hex digits
	}
	if k.Alg == "" {
		k.Alg = "RS256"
	}
	var err error
	switch k.Alg {
	case "RS256", "RS384", "RS512":
		k.Private, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		k.Private, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ES384":
		k.Private, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	default:
		return nil, fmt.Errorf("ltitest: unsupported key alg %q", k.Alg)
	}
	if err != nil {
		return nil, fmt.Errorf("ltitest: generate %s key: %w", k.Alg, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = append(p.keys, k)
	return k, nil
}

// SigningKey is the key id_tokens are signed with by default.
func (p *Platform) SigningKey() *Key {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.signer
}

// UseKey makes k the default signing key. k may be unpublished.
func (p *Platform) UseKey(k *Key) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.signer = k
}

// RotateKey publishes a new RSA key and signs with it from now on, keeping
// the old key published, as a platform rotating with overlap does.
func (p *Platform) RotateKey() (*Key, error) {
	k, err := p.AddKey(KeyOptions{})
	if err != nil {
		return nil, err
	}
	p.UseKey(k)
	return k, nil
}

// Unpublish removes k from the JWKS (the end of a rotation overlap).
func (p *Platform) Unpublish(k *Key) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k.unpublished = true
}

// JWKSFetches counts the requests the JWKS endpoint has served.
func (p *Platform) JWKSFetches() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.jwksFetches
}

// JWKS returns the keyset document the JWKS endpoint serves now.
func (p *Platform) JWKS() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.jwksLocked()
}

func (p *Platform) serveJWKS(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.jwksFetches++
	doc := p.jwksLocked()
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(doc)
}

// jwksLocked builds the served JWK Set with jwx from the published keys'
// public halves: kid, use sig, and alg unless the key omits it.
func (p *Platform) jwksLocked() []byte {
	set := jwk.NewSet()
	for _, k := range p.keys {
		if k.unpublished {
			continue
		}
		pub, err := jwk.FromRaw(k.Private.Public())
		if err != nil {
			panic(fmt.Sprintf("ltitest: public JWK of %s: %v", k.KID, err))
		}
		_ = pub.Set(jwk.KeyIDKey, k.KID)
		_ = pub.Set(jwk.KeyUsageKey, "sig")
		if !k.omitAlg {
			_ = pub.Set(jwk.AlgorithmKey, jwa.SignatureAlgorithm(k.Alg))
		}
		_ = set.AddKey(pub)
	}
	doc, _ := json.Marshal(set)
	return doc
}

// SignOptions control how Sign builds a token, including broken ones.
type SignOptions struct {
	// Key signs the token; default: the platform's SigningKey.
	Key *Key
	// Alg is the signing algorithm and the header's alg; default Key.Alg.
	// "none" leaves the signature empty; HS256/384/512 use Key.PublicPEM()
	// as the HMAC secret (the alg confusion attack).
	Alg string
	// MutateHeader edits the protected header ({typ, alg, kid}) last,
	// after the signing algorithm has been chosen.
	MutateHeader func(h map[string]any)
	// TruncateSignature drops the second half of the signature.
	TruncateSignature bool
	// AlterAfterSigning edits a copy of the claims after signing and
	// re-encodes the payload, keeping the old signature.
	AlterAfterSigning func(claims map[string]any)
}

// Sign encodes claims as a compact JWS by hand, so that every part of it
// can be broken on purpose.
func (p *Platform) Sign(claims map[string]any, o SignOptions) (string, error) {
	key := o.Key
	if key == nil {
		key = p.SigningKey()
	}
	alg := o.Alg
	if alg == "" {
		alg = key.Alg
	}
	header := map[string]any{"typ": "JWT", "alg": alg, "kid": key.KID}
	if o.MutateHeader != nil {
		o.MutateHeader(header)
	}
	h, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("ltitest: encode header: %w", err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("ltitest: encode claims: %w", err)
	}
	input := b64(h) + "." + b64(c)
	var sig []byte
	p.runSigning(func() { sig, err = signInput(alg, key, []byte(input)) })
	if err != nil {
		return "", err
	}
	if o.TruncateSignature {
		sig = sig[:len(sig)/2]
	}
	if o.AlterAfterSigning != nil {
		var altered map[string]any
		if err := json.Unmarshal(c, &altered); err != nil {
			return "", fmt.Errorf("ltitest: copy claims: %w", err)
		}
		o.AlterAfterSigning(altered)
		if c, err = json.Marshal(altered); err != nil {
			return "", fmt.Errorf("ltitest: encode altered claims: %w", err)
		}
		input = b64(h) + "." + b64(c)
	}
	return input + "." + b64(sig), nil
}

func signInput(alg string, key *Key, input []byte) ([]byte, error) {
	hashes := map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}
	if alg == "none" {
		return nil, nil
	}
	if len(alg) != 5 || hashes[alg[2:]] == 0 {
		return nil, fmt.Errorf("ltitest: cannot sign with alg %q", alg)
	}
	hash := hashes[alg[2:]]
	if alg[:2] == "HS" {
		mac := hmac.New(hash.New, key.PublicPEM())
		mac.Write(input)
		return mac.Sum(nil), nil
	}
	d := hash.New()
	d.Write(input)
	digest := d.Sum(nil)
	switch priv := key.Private.(type) {
	case *rsa.PrivateKey:
		if alg[:2] != "RS" {
			break
		}
		return rsa.SignPKCS1v15(rand.Reader, priv, hash, digest)
	case *ecdsa.PrivateKey:
		if alg[:2] != "ES" {
			break
		}
		r, s, err := ecdsa.Sign(rand.Reader, priv, digest)
		if err != nil {
			return nil, fmt.Errorf("ltitest: ecdsa sign: %w", err)
		}
		size := (priv.Curve.Params().BitSize + 7) / 8
		sig := make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
		return sig, nil
	}
	return nil, fmt.Errorf("ltitest: key %s cannot sign %s", key.KID, alg)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
