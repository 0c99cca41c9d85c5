package ltitest

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/astre-lti/astre/lti"
)

// DeepLinkReturn is a deep linking response the fake accepted: the
// verified claims as JSON decoded them.
type DeepLinkReturn struct {
	Claims map[string]any
	At     time.Time
}

// DeepLinkReturns lists the accepted deep linking responses, oldest first.
func (p *Platform) DeepLinkReturns() []DeepLinkReturn {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.deepLinks)
}

// serveDeepLinkReturn is the deep_link_return_url (Deep Linking 2.0
// section 4.5): it verifies the auto-posted JWT against the tool's keyset
// (the header must name a kid), with iss a client_id, aud this issuer,
// the response message type, version 1.3.0, a known deployment and a
// nonce. Moodle then fills its "add external tool" form; the fake records
// the claims.
func (p *Platform) serveDeepLinkReturn(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	tool := p.tool
	p.mu.Unlock()
	if r.ParseForm() != nil || r.PostForm.Get("JWT") == "" {
		writeText(w, http.StatusBadRequest, "no JWT")
		return
	}
	raw := r.PostForm.Get("JWT")
	set, err := jwk.Fetch(r.Context(), tool.JWKSURL)
	if err != nil {
		writeText(w, http.StatusBadRequest, "tool keyset unavailable")
		return
	}
	// jwt.WithKeySet requires the kid to match a key of the set.
	tok, err := jwt.Parse([]byte(raw), jwt.WithKeySet(set), jwt.WithValidate(true),
		jwt.WithAudience(p.Issuer), jwt.WithAcceptableSkew(time.Minute))
	if err != nil {
		writeText(w, http.StatusBadRequest, "deep linking response: "+err.Error())
		return
	}
	var claims map[string]any
	_ = json.Unmarshal(payloadOf(raw), &claims)
	c, ok := p.lookupClient(tok.Issuer())
	switch {
	case !ok:
		writeText(w, http.StatusBadRequest, "iss is not a client_id")
	case claims[lti.ClaimMessageType] != lti.MessageDeepLinkingResponse || claims[lti.ClaimVersion] != lti.Version:
		writeText(w, http.StatusBadRequest, "message_type or version")
	case claims[lti.ClaimDeploymentID] != c.deploymentID:
		writeText(w, http.StatusBadRequest, "deployment_id")
	case claims["nonce"] == nil || claims["nonce"] == "":
		writeText(w, http.StatusBadRequest, "nonce")
	default:
		p.mu.Lock()
		p.deepLinks = append(p.deepLinks, DeepLinkReturn{Claims: claims, At: time.Now()})
		p.mu.Unlock()
		writeText(w, http.StatusOK, "content saved")
	}
}
