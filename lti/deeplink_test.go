package lti_test

import (
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
)

// settingsOf reads the deep linking settings the fake would send.
func settingsOf(t *testing.T, p *ltitest.Platform) *lti.DeepLinkingSettings {
	t.Helper()
	claims := p.Claims(ltitest.LaunchOptions{MessageType: ltitest.MessageDeepLinking}, "", "n")
	m, _ := claims[lti.ClaimDeepLinkingSettings].(map[string]any)
	s := &lti.DeepLinkingSettings{}
	s.ReturnURL, _ = m["deep_link_return_url"].(string)
	s.AcceptMultiple, _ = m["accept_multiple"].(bool)
	if v, ok := m["accept_lineitem"].(bool); ok {
		s.AcceptLineItem = &v
	}
	for _, v := range m["accept_types"].([]any) {
		s.AcceptTypes = append(s.AcceptTypes, v.(string))
	}
	if s.ReturnURL == "" {
		t.Fatal("no deep_link_return_url")
	}
	return s
}

func TestDeepLinkingResponseAcceptedByMoodle(t *testing.T) {
	p := ltitest.NewPlatform(ltitest.Moodle)
	defer p.Close()
	key, jwks := toolKeys(t)
	p.SetTool(ltitest.ToolConfig{LoginURL: "http://tool.invalid/lti/login", JWKSURL: jwks})
	reg := lti.Registration{Issuer: p.Issuer, ClientID: p.ClientID}
	s := settingsOf(t, p)
	empty := ""
	s.Data = &empty // echoed even when empty

	items := []lti.ContentItem{
		{Type: lti.ContentResourceLink, Title: "Entry profile", Custom: map[string]string{"instrument": "entry"},
			LineItem: &lti.LineItemSpec{Label: "Entry profile", ScoreMaximum: 1}},
		{Type: lti.ContentResourceLink, Title: "Exit evaluation", Custom: map[string]string{"instrument": "exit"}},
	}
	signed, err := key.DeepLinkingResponse(reg, p.DeploymentID, s, items, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.PostForm(s.ReturnURL, url.Values{"JWT": {signed}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("platform refused the response: %d %s", resp.StatusCode, body)
	}
	got := p.DeepLinkReturns()[0].Claims
	if aud, ok := got["aud"].(string); !ok || aud != p.Issuer {
		t.Errorf("aud: got %#v, want the issuer as one string", got["aud"])
	}
	if d, ok := got[lti.ClaimDeepLinkingData]; !ok || d != "" {
		t.Errorf("data: got %#v, want \"\" echoed", d)
	}
	ci, _ := got[lti.ClaimContentItems].([]any)
	if len(ci) != 2 {
		t.Fatalf("content items: got %d, want 2", len(ci))
	}
	first := ci[0].(map[string]any)
	if first["custom"].(map[string]any)["instrument"] != "entry" {
		t.Errorf("first item: got %v", first)
	}
	if _, ok := first["lineItem"]; ok != s.LineItemsAccepted() {
		t.Errorf("lineItem present = %v, want %v (accept_lineitem)", ok, s.LineItemsAccepted())
	}

	// Signed by a key the tool does not publish: refused.
	other, _ := lti.GenerateKey()
	forged, _ := other.DeepLinkingResponse(reg, p.DeploymentID, s, items[:1], time.Now())
	resp, _ = http.PostForm(s.ReturnURL, url.Values{"JWT": {forged}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unpublished key: got %d, want 400", resp.StatusCode)
	}
}

func TestDeepLinkingResponseHonoursSettings(t *testing.T) {
	key, err := lti.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	reg := lti.Registration{Issuer: "https://lms.example.org", ClientID: "c"}
	one := &lti.DeepLinkingSettings{AcceptTypes: []string{lti.ContentResourceLink}}
	link := lti.ContentItem{Type: lti.ContentResourceLink}
	if _, err := key.DeepLinkingResponse(reg, "1", one, []lti.ContentItem{link, link}, time.Now()); err == nil {
		t.Error("two items without accept_multiple: accepted")
	}
	if _, err := key.DeepLinkingResponse(reg, "1", one, []lti.ContentItem{{Type: "file"}}, time.Now()); err == nil {
		t.Error("an item type the platform does not accept: accepted")
	}
	if _, err := key.DeepLinkingResponse(reg, "1", nil, []lti.ContentItem{link}, time.Now()); err == nil {
		t.Error("no settings: accepted")
	}
}

func TestDeepLinkingDropsLineItemOnlyWhenRefused(t *testing.T) {
	p := ltitest.NewPlatform(ltitest.Moodle)
	defer p.Close()
	key, jwks := toolKeys(t)
	p.SetTool(ltitest.ToolConfig{LoginURL: "http://tool.invalid/lti/login", JWKSURL: jwks})
	reg := lti.Registration{Issuer: p.Issuer, ClientID: p.ClientID}
	refused := false
	s := settingsOf(t, p)
	s.AcceptLineItem = &refused
	items := []lti.ContentItem{{Type: lti.ContentResourceLink, Title: "Exit",
		LineItem: &lti.LineItemSpec{Label: "Exit", ScoreMaximum: 1}}}
	signed, err := key.DeepLinkingResponse(reg, p.DeploymentID, s, items, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.PostForm(s.ReturnURL, url.Values{"JWT": {signed}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ci, _ := p.DeepLinkReturns()[0].Claims[lti.ClaimContentItems].([]any)
	if len(ci) != 1 {
		t.Fatalf("got %d items", len(ci))
	}
	if _, ok := ci[0].(map[string]any)["lineItem"]; ok {
		t.Error("accept_lineitem false, but the line item was sent")
	}
}
