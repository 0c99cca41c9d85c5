package lti

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// MaxTokenBytes bounds an id_token: real ones are a few kilobytes.
const MaxTokenBytes = 64 << 10

// MaxIDLength is the longest id (sub, deployment, context, resource link)
// accepted, per LTI Core 1.3 (255 ASCII characters).
const MaxIDLength = 255

// allowedAlgs is the signature allow-list of Security Framework 5.1.3:
// RS256 is required; never "none", never an HMAC.
var allowedAlgs = []jwa.SignatureAlgorithm{jwa.RS256, jwa.RS384, jwa.RS512, jwa.ES256, jwa.ES384, jwa.ES512}

// Registration is what the tool knows of one platform registration.
type Registration struct {
	Issuer      string
	ClientID    string
	AuthURL     string
	TokenURL    string
	JWKSURL     string
	Deployments []string
}

// Validator checks id_tokens (LTI Core 1.3 section 5.1, Security
// Framework 5.1.3).
type Validator struct {
	Keys   *KeySets
	Leeway time.Duration // for exp, iat, nbf; default 60 s
	Now    func() time.Time
}

// Validate verifies the token's signature against the registration's JWKS,
// checks its claims against the registration and the nonce issued for this
// login, and returns the typed launch. Nonce single use is the caller's
// job: it owns the storage.
func (v *Validator) Validate(ctx context.Context, token string, reg Registration, nonce string) (*Launch, error) {
	if len(token) > MaxTokenBytes {
		return nil, Errorf(ReasonTokenTooLarge, "id_token of %d bytes", len(token))
	}
	payload, err := v.verify(ctx, token, reg)
	if err != nil {
		return nil, err
	}
	var c idTokenClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, &Error{Reason: ReasonBadClaim, Detail: "claims do not decode", Err: err}
	}
	if err := v.checkTimes(&c, reg); err != nil {
		return nil, err
	}
	if len(c.Sub) > 0 {
		if err := c.Subject.UnmarshalJSON(c.Sub); err != nil {
			return nil, &Error{Reason: ReasonBadClaim, Detail: "sub does not decode", Err: err}
		}
	}
	return buildLaunch(&c, reg, nonce)
}

// idTokenClaims is an id_token's payload, decoded once: the LTI claims,
// and the registered claims (RFC 7519 section 4.1) as their raw JSON, which
// jwx decodes and checks itself. Its sub hides ltiClaims' own, filled from
// the raw one once jwx accepted it.
type idTokenClaims struct {
	ltiClaims
	Iss json.RawMessage `json:"iss"`
	Sub json.RawMessage `json:"sub"`
	Aud json.RawMessage `json:"aud"`
	Exp json.RawMessage `json:"exp"`
	Nbf json.RawMessage `json:"nbf"`
	Iat json.RawMessage `json:"iat"`
	Jti json.RawMessage `json:"jti"`
}

// verify checks the header against the allow-list, finds the key by kid
// and verifies the signature; it returns the signed payload. The token is
// parsed once: jws.Verify hands its header to the key provider here.
func (v *Validator) verify(ctx context.Context, token string, reg Registration) ([]byte, error) {
	var refusal error
	parsed := false
	provider := jws.KeyProviderFunc(func(ctx context.Context, sink jws.KeySink, sig *jws.Signature, msg *jws.Message) error {
		parsed = true
		if len(msg.Signatures()) != 1 {
			refusal = Errorf(ReasonMalformed, "not a compact JWS")
			return refusal
		}
		hdr := sig.ProtectedHeaders()
		alg := hdr.Algorithm()
		if !slices.Contains(allowedAlgs, alg) {
			refusal = Errorf(ReasonAlgNotAllowed, "alg %q", alg)
			return refusal
		}
		key, err := v.Keys.Key(ctx, reg.JWKSURL, hdr.KeyID())
		if err == nil {
			err = keyFitsAlg(key, alg)
		}
		if err != nil {
			refusal = err
			return err
		}
		sink.Key(alg, key)
		return nil
	})
	payload, err := jws.Verify([]byte(token), jws.WithKeyProvider(provider), jws.WithContext(ctx))
	switch {
	case refusal != nil:
		return nil, refusal
	case !parsed:
		return nil, Errorf(ReasonMalformed, "not a compact JWS")
	case err != nil:
		return nil, &Error{Reason: ReasonBadSignature, Err: err}
	}
	return payload, nil
}

// keyFitsAlg refuses a key whose own alg differs from the header's, or
// whose type cannot make that signature. A JWK without alg (Brightspace)
// takes the header's alg within its key type.
func keyFitsAlg(key jwk.Key, alg jwa.SignatureAlgorithm) error {
	if ka := key.Algorithm(); ka != nil && ka.String() != "" && ka.String() != alg.String() {
		return Errorf(ReasonKeyMismatch, "key %q is for %s, token says %s", key.KeyID(), ka, alg)
	}
	want := jwa.RSA
	if alg == jwa.ES256 || alg == jwa.ES384 || alg == jwa.ES512 {
		want = jwa.EC
	}
	if key.KeyType() != want {
		return Errorf(ReasonKeyMismatch, "key %q is %s, token says %s", key.KeyID(), key.KeyType(), alg)
	}
	return nil
}

// checkTimes validates iss, aud, exp, iat and nbf with jwx's validator.
func (v *Validator) checkTimes(c *idTokenClaims, reg Registration) error {
	tok, err := registeredOnly(c)
	if err != nil {
		return &Error{Reason: ReasonBadClaim, Detail: "registered claims do not decode", Err: err}
	}
	err = jwt.Validate(tok,
		jwt.WithClock(jwt.ClockFunc(v.now)),
		jwt.WithAcceptableSkew(v.leeway()),
		jwt.WithIssuer(reg.Issuer),
		jwt.WithAudience(reg.ClientID),
		jwt.WithRequiredClaim("exp"),
		jwt.WithRequiredClaim("iat"),
	)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwt.ErrTokenExpired()):
		return &Error{Reason: ReasonExpired, Err: err}
	case errors.Is(err, jwt.ErrInvalidIssuedAt()):
		return &Error{Reason: ReasonIssuedInFuture, Err: err}
	case errors.Is(err, jwt.ErrTokenNotYetValid()):
		return &Error{Reason: ReasonNotYetValid, Err: err}
	case errors.Is(err, jwt.ErrInvalidIssuer()):
		return &Error{Reason: ReasonWrongIssuer, Err: err}
	case errors.Is(err, jwt.ErrInvalidAudience()):
		return &Error{Reason: ReasonWrongAudience, Err: err}
	default:
		return &Error{Reason: ReasonBadClaim, Err: err}
	}
}

// registeredOnly parses the registered claims of an id_token as a
// jwt.Token. jwt.ParseInsecure on a whole launch would also decode every
// LTI claim into maps, which a profile showed as a fifth of a launch's CPU;
// the registered claims are handed to it byte for byte, so they are decoded
// and refused exactly as jwx does.
func registeredOnly(c *idTokenClaims) (jwt.Token, error) {
	reg := make(map[string]json.RawMessage, 7)
	for name, raw := range map[string]json.RawMessage{
		"iss": c.Iss, "sub": c.Sub, "aud": c.Aud, "exp": c.Exp, "nbf": c.Nbf, "iat": c.Iat, "jti": c.Jti,
	} {
		if raw != nil {
			reg[name] = raw
		}
	}
	b, err := json.Marshal(reg)
	if err != nil {
		return nil, err
	}
	return jwt.ParseInsecure(b)
}

func (v *Validator) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Validator) leeway() time.Duration {
	if v.Leeway > 0 {
		return v.Leeway
	}
	return 60 * time.Second
}

// buildLaunch checks the LTI claims and turns them into a Launch.
func buildLaunch(c *idTokenClaims, reg Registration, nonce string) (*Launch, error) {
	var iat, exp float64 // jwx decoded and checked them already: cannot fail here
	_ = json.Unmarshal(c.Iat, &iat)
	_ = json.Unmarshal(c.Exp, &exp)
	auds, _ := stringList(c.Aud, true)
	if (len(auds) > 1 || c.AZP != "") && c.AZP != reg.ClientID {
		return nil, Errorf(ReasonWrongAZP, "azp %q is not the client_id", c.AZP)
	}
	if c.Nonce == "" {
		return nil, Errorf(ReasonMissingNonce, "id_token has no nonce")
	}
	if c.Nonce != nonce {
		return nil, Errorf(ReasonNonceMismatch, "nonce was not issued for this login")
	}
	if c.MessageType != MessageResourceLink && c.MessageType != MessageDeepLinkingRequest {
		return nil, Errorf(ReasonWrongMessageType, "message_type %q", c.MessageType)
	}
	if c.Version != Version {
		return nil, Errorf(ReasonWrongVersion, "version %q", c.Version)
	}
	if c.DeploymentID == "" {
		return nil, Errorf(ReasonMissingDeployment, "no deployment_id")
	}
	if !slices.Contains(reg.Deployments, string(c.DeploymentID)) {
		return nil, Errorf(ReasonUnknownDeployment, "deployment %q is not registered", c.DeploymentID)
	}
	if c.TargetLinkURI == "" {
		return nil, Errorf(ReasonBadClaim, "no target_link_uri")
	}
	roles, err := stringList(c.Roles, false)
	if err != nil {
		return nil, Errorf(ReasonBadClaim, "roles: %v", err)
	}
	l := &Launch{
		Issuer:        reg.Issuer,
		ClientID:      reg.ClientID,
		Subject:       string(c.Subject),
		DeploymentID:  string(c.DeploymentID),
		MessageType:   c.MessageType,
		Version:       c.Version,
		TargetLinkURI: c.TargetLinkURI,
		Nonce:         c.Nonce,
		IssuedAt:      time.Unix(int64(iat), 0).UTC(),
		ExpiresAt:     time.Unix(int64(exp), 0).UTC(),
		Roles:         roles,
		Custom:        customValues(c.Custom),
		Name:          c.Name,
		GivenName:     c.GivenName,
		FamilyName:    c.FamilyName,
		Email:         c.Email,
	}
	if err := fillOptional(l, &c.ltiClaims); err != nil {
		return nil, err
	}
	if c.MessageType == MessageResourceLink {
		if l.ResourceLink.ID == "" {
			return nil, Errorf(ReasonBadClaim, "resource_link.id is missing")
		}
		if c.Roles == nil {
			return nil, Errorf(ReasonBadClaim, "roles claim is missing")
		}
	}
	if c.MessageType == MessageDeepLinkingRequest && (l.DeepLinking == nil || l.DeepLinking.ReturnURL == "") {
		return nil, Errorf(ReasonBadClaim, "deep_linking_settings.deep_link_return_url is missing")
	}
	ids := []struct{ name, value string }{
		{"sub", l.Subject}, {"deployment_id", l.DeploymentID}, {"context.id", l.Context.ID}, {"resource_link.id", l.ResourceLink.ID},
	}
	for _, id := range ids {
		if !validID(id.value) {
			return nil, Errorf(ReasonBadClaim, "%s is longer than %d characters or not ASCII", id.name, MaxIDLength)
		}
	}
	return l, nil
}

func fillOptional(l *Launch, c *ltiClaims) error {
	if ctx := c.Context; ctx != nil {
		types, err := stringList(ctx.Type, true)
		if err != nil {
			return Errorf(ReasonBadClaim, "context.type: %v", err)
		}
		l.Context = Context{ID: string(ctx.ID), Label: ctx.Label, Title: ctx.Title, Types: types}
	}
	if rl := c.ResourceLink; rl != nil {
		l.ResourceLink = ResourceLink{ID: string(rl.ID), Title: rl.Title, Description: rl.Description}
	}
	if tp := c.ToolPlatform; tp != nil {
		l.Platform = ToolPlatform{GUID: string(tp.GUID), Name: tp.Name, ProductFamilyCode: tp.ProductFamilyCode, Version: string(tp.Version)}
	}
	if p := c.Presentation; p != nil {
		l.Presentation = Presentation{DocumentTarget: p.DocumentTarget, Locale: p.Locale, ReturnURL: p.ReturnURL}
	}
	if a := c.AGS; a != nil {
		l.AGS = &AGSEndpoint{Scope: a.Scope, LineItems: a.LineItems, LineItem: a.LineItem}
	}
	if n := c.NRPS; n != nil && n.ContextMembershipsURL != "" {
		l.NRPS = &NRPSService{ContextMembershipsURL: n.ContextMembershipsURL, ServiceVersions: n.ServiceVersions}
	}
	if d := c.DeepLinking; d != nil {
		l.DeepLinking = &DeepLinkingSettings{
			ReturnURL: d.ReturnURL, AcceptTypes: d.AcceptTypes, AcceptPresentationTargets: d.AcceptTargets,
			AcceptMultiple: bool(d.AcceptMultiple), AutoCreate: bool(d.AutoCreate),
			Title: d.Title, Text: d.Text, Data: d.Data,
		}
		if d.AcceptLineItem != nil {
			accept := bool(*d.AcceptLineItem)
			l.DeepLinking.AcceptLineItem = &accept
		}
	}
	return nil
}

func validID(id string) bool {
	if len(id) > MaxIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7e {
			return false
		}
	}
	return true
}
