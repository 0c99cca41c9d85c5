package lti

import (
	"fmt"
	"slices"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwt"
)

// Deep Linking 2.0 (https://www.imsglobal.org/spec/lti-dl/v2p0).
const (
	MessageDeepLinkingResponse = "LtiDeepLinkingResponse"
	ClaimContentItems          = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
	ClaimDeepLinkingData       = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
	ClaimDeepLinkingMessage    = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"
	ContentResourceLink        = "ltiResourceLink"
)

// ContentItem is an ltiResourceLink returned to the platform (section 3.1).
type ContentItem struct {
	Type     string            `json:"type"`
	Title    string            `json:"title,omitempty"`
	Text     string            `json:"text,omitempty"`
	URL      string            `json:"url,omitempty"`
	Custom   map[string]string `json:"custom,omitempty"`
	LineItem *LineItemSpec     `json:"lineItem,omitempty"`
}

// LineItemSpec asks the platform to create a gradebook column for the
// link. Moodle turns scoreMaximum into the activity's maximum grade; Open
// edX ignores it.
type LineItemSpec struct {
	Label        string  `json:"label,omitempty"`
	ScoreMaximum float64 `json:"scoreMaximum"`
	ResourceID   string  `json:"resourceId,omitempty"`
	Tag          string  `json:"tag,omitempty"`
}

// DeepLinkingResponse signs the response JWT the tool auto-posts to the
// settings' return URL as the form field JWT (section 4.5): iss the
// client_id, aud the platform issuer as one string, a fresh nonce, short
// expiry, the data echoed verbatim when the request had it (even "").
// Items the request does not accept are refused; a line item is dropped
// when the platform does not accept line items.
func (k *ToolKey) DeepLinkingResponse(reg Registration, deploymentID string, s *DeepLinkingSettings, items []ContentItem, now time.Time) (string, error) {
	if s == nil {
		return "", Errorf(ReasonBadClaim, "no deep linking settings")
	}
	if len(items) > 1 && !s.AcceptMultiple {
		return "", Errorf(ReasonBadParam, "the platform accepts one item, got %d", len(items))
	}
	out := make([]ContentItem, len(items))
	for i, it := range items {
		if !slices.Contains(s.AcceptTypes, it.Type) {
			return "", Errorf(ReasonBadParam, "the platform does not accept %q items", it.Type)
		}
		if !s.LineItemsAccepted() {
			it.LineItem = nil
		}
		out[i] = it
	}
	b := jwt.NewBuilder().Issuer(reg.ClientID).Audience([]string{reg.Issuer}).
		IssuedAt(now).Expiration(now.Add(5*time.Minute)).
		Claim("nonce", RandomToken()).
		Claim(ClaimDeploymentID, deploymentID).
		Claim(ClaimMessageType, MessageDeepLinkingResponse).
		Claim(ClaimVersion, Version).
		Claim(ClaimContentItems, out)
	if s.Data != nil {
		b = b.Claim(ClaimDeepLinkingData, *s.Data)
	}
	tok, err := b.Build()
	if err != nil {
		return "", fmt.Errorf("deep linking response: %w", err)
	}
	tok.Options().Enable(jwt.FlattenAudience)
	signed, err := k.Sign(tok)
	if err != nil {
		return "", fmt.Errorf("sign deep linking response: %w", err)
	}
	return string(signed), nil
}

// LineItemsAccepted reports whether a line item in a link may be sent:
// unless the platform said accept_lineitem false, it may use it.
func (s *DeepLinkingSettings) LineItemsAccepted() bool {
	return s.AcceptLineItem == nil || *s.AcceptLineItem
}
