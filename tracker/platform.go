package tracker

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/astre-lti/astre/lti"
)

// Registration returns the protocol view of a platform registration.
func (p *Platform) Registration() lti.Registration {
	return lti.Registration{
		Issuer: p.Issuer, ClientID: p.ClientID, AuthURL: p.AuthURL,
		TokenURL: p.TokenURL, JWKSURL: p.JWKSURL, Deployments: p.Deployments,
	}
}

// Validate checks a registration before it is stored: every URL absolute
// http(s), ids present and at most 255 characters.
func (p *Platform) Validate() error {
	if p.Issuer == "" || p.ClientID == "" {
		return fmt.Errorf("issuer and client id are required: %w", ErrInvalid)
	}
	urls := []struct{ name, value string }{
		{"issuer", p.Issuer}, {"auth URL", p.AuthURL}, {"token URL", p.TokenURL}, {"JWKS URL", p.JWKSURL},
	}
	for _, u := range urls {
		if err := checkHTTPURL(u.value); err != nil {
			return fmt.Errorf("%s %q: %v: %w", u.name, u.value, err, ErrInvalid)
		}
	}
	ids := append([]string{p.ClientID}, p.Deployments...)
	for _, id := range ids {
		if err := checkID(id); err != nil {
			return fmt.Errorf("id %q: %v: %w", id, err, ErrInvalid)
		}
	}
	return nil
}

// platformFor finds the registration a login names: by (iss, client_id),
// or, without client_id, the issuer's only registration (LTI.md section 1).
func platformFor(ctx context.Context, st Store, issuer, clientID string) (*Platform, error) {
	if clientID != "" {
		p, err := st.Platform(ctx, issuer, clientID)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	ps, err := st.PlatformsByIssuer(ctx, issuer)
	if err != nil {
		return nil, err
	}
	switch len(ps) {
	case 0:
		return nil, fmt.Errorf("issuer %s: %w", issuer, ErrNotFound)
	case 1:
		return &ps[0], nil
	default:
		return nil, lti.Errorf(lti.ReasonAmbiguousClient, "issuer %s has %d registrations and the login names no client_id", issuer, len(ps))
	}
}

func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("not an absolute http(s) URL")
	}
	return nil
}

func checkID(id string) error {
	if strings.TrimSpace(id) == "" {
		return fmt.Errorf("empty")
	}
	if len(id) > lti.MaxIDLength {
		return fmt.Errorf("longer than %d characters", lti.MaxIDLength)
	}
	return nil
}
