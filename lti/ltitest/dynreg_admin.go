package ltitest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// RegisterTool does what a Moodle administrator does to add a tool by
// Dynamic Registration (LTI DR 1.0 section 3.3): paste the tool's
// registration URL (an ASTRE one-time link, say) into "Add LTI
// Advantage", let the tool's page in the browser talk to the platform,
// then activate the pending tool. It returns the client_id the platform
// gave the tool, ready for LaunchOptions.ClientID. The tool's registration
// page must answer 200; anything else is an error with its status and
// the start of its body.
func (b *Browser) RegisterTool(ctx context.Context, p *Platform, toolRegisterURL string) (string, error) {
	start := p.RegistrationStart(toolRegisterURL)
	u, err := url.Parse(start)
	if err != nil {
		return "", fmt.Errorf("ltitest: registration start %q: %w", start, err)
	}
	token := u.Query().Get("registration_token")
	resp, err := b.Get(ctx, start)
	if err != nil {
		return "", err
	}
	resp, err = b.Follow(ctx, resp)
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	drain(resp)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("ltitest: tool registration page answered %s: %.300s (platform: %s)",
			resp.Status, strings.TrimSpace(string(body)), strings.Join(p.RegistrationErrors(), "; "))
	}
	for _, r := range p.RegistrationRequests() {
		if r.ClientID != "" && bearerToken(r.Authorization) == token {
			if err := p.ActivateClient(r.ClientID); err != nil {
				return "", err
			}
			return r.ClientID, nil
		}
	}
	return "", fmt.Errorf("ltitest: the tool answered 200 but registered no client with the platform (platform: %s)",
		strings.Join(p.RegistrationErrors(), "; "))
}

// bearerToken returns the token of an Authorization header value
// "Bearer TOKEN", or "".
func bearerToken(header string) string {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
