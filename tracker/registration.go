package tracker

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/astre-lti/astre/lti"
)

// RegistrationLink is a one-time Dynamic Registration link minted by the
// operator. Only the hash of its token is stored.
type RegistrationLink struct {
	TokenHash string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// RegistrationStore is what Dynamic Registration needs from persistence.
// Each method is one transaction.
type RegistrationStore interface {
	// AddRegistrationLink stores a new link. ErrConflict when the hash exists.
	AddRegistrationLink(ctx context.Context, l *RegistrationLink) error
	// RegistrationLink loads a link, used or not. ErrNotFound when unknown.
	RegistrationLink(ctx context.Context, tokenHash string) (*RegistrationLink, error)
	// RegisterPlatform stores p with its deployments, as AddPlatform, and
	// in the same transaction marks the link used at now when linkHash is
	// not "": ErrNotFound for an unknown link, ErrReplayed for a used one,
	// ErrExpired for one past its expiry; then nothing is stored.
	RegisterPlatform(ctx context.Context, p *Platform, linkHash string, now time.Time) error
}

// Refusals of a registration, each shown with its own message.
var (
	// errRegistrationNotAllowed: no link, and the platform's host is not
	// on the allow-list.
	errRegistrationNotAllowed = errors.New("registration needs a one-time link or an allowed platform host")
	// errRegistrationLink: the link is unknown, used or expired.
	errRegistrationLink = errors.New("registration link is not valid")
	// errRegistrationPlatform: the platform's configuration or answer was unusable.
	errRegistrationPlatform = errors.New("registration with the platform failed")
)

// Registrar registers platforms by LTI Dynamic Registration 1.0. Because
// anyone can open the registration URL and make the tool fetch a URL of
// their choosing, a registration needs a one-time link minted by the
// operator or a platform host on the allow-list; anything else is refused
// before any request leaves the tool.
type Registrar struct {
	Store   Store
	Client  *lti.Registrar
	BaseURL string
	Hosts   []string // allowed platform hosts: "lms.example.org" or "lms.example.org:8443"
	Wanted  []string // the service scopes the tool asks for
	Config  ToolConfig
	Now     func() time.Time
}

// NewRegistrar builds the registrar from opts; the command uses it alone
// to mint links.
func NewRegistrar(opts Options) *Registrar {
	opts.defaults()
	return &Registrar{
		Store: opts.Store, BaseURL: opts.BaseURL, Hosts: opts.RegistrationHosts, Now: opts.Now,
		Client: &lti.Registrar{Client: opts.HTTPClient, UserAgent: "ASTRE (LTI 1.3 tool)"},
		Wanted: registrationScopes, Config: toolConfigFor(opts.BaseURL),
	}
}

// Registered is a completed registration.
type Registered struct {
	Platform          Platform
	ProductFamilyCode string
	Scopes            []string
}

// NewLink mints a one-time registration link valid for ttl and returns
// the URL the administrator pastes into the platform.
func (r *Registrar) NewLink(ctx context.Context, ttl time.Duration) (string, time.Time, error) {
	if ttl <= 0 {
		return "", time.Time{}, fmt.Errorf("link lifetime %v: %w", ttl, ErrInvalid)
	}
	token := lti.RandomToken()
	now := r.Now().UTC()
	l := &RegistrationLink{TokenHash: hashHex(token), CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := r.Store.AddRegistrationLink(ctx, l); err != nil {
		return "", time.Time{}, fmt.Errorf("new registration link: %w", err)
	}
	return r.BaseURL + "/lti/register?reg=" + url.QueryEscape(token), l.ExpiresAt, nil
}

// Register completes a registration started by the platform: it checks
// the link (reg, from the tool's own URL) or the allow-list, then fetches
// the platform's configuration, registers the tool and stores the
// platform. The link is consumed only when everything succeeded.
func (r *Registrar) Register(ctx context.Context, start lti.RegistrationStart, reg string) (*Registered, error) {
	linkHash, err := r.authorize(ctx, start, reg)
	if err != nil {
		return nil, err
	}
	cfg, err := r.Client.Configuration(ctx, start)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errRegistrationPlatform, err)
	}
	client, err := r.Client.Register(ctx, cfg, r.toolRegistration(), start.Token)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errRegistrationPlatform, err)
	}
	reg13 := cfg.Registration(client)
	p := Platform{
		Issuer: reg13.Issuer, ClientID: reg13.ClientID, AuthURL: reg13.AuthURL,
		TokenURL: reg13.TokenURL, JWKSURL: reg13.JWKSURL, Deployments: reg13.Deployments,
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", errRegistrationPlatform, err)
	}
	if err := r.Store.RegisterPlatform(ctx, &p, linkHash, r.Now().UTC()); err != nil {
		if errors.Is(err, ErrReplayed) || errors.Is(err, ErrExpired) || errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("%w: %w", errRegistrationLink, err) // used by a concurrent registration
		}
		return nil, fmt.Errorf("store registered platform: %w", err)
	}
	return &Registered{Platform: p, ProductFamilyCode: cfg.ProductFamilyCode, Scopes: client.Scopes}, nil
}

// authorize returns the hash of a valid link, "" for an allowed host, or
// the refusal. A link given is always checked, even for an allowed host,
// so a bad link never passes silently.
func (r *Registrar) authorize(ctx context.Context, start lti.RegistrationStart, reg string) (string, error) {
	if reg == "" {
		u, err := url.Parse(start.ConfigurationURL)
		if err != nil || !r.hostAllowed(u) {
			return "", fmt.Errorf("%w: configuration host not allowed", errRegistrationNotAllowed)
		}
		return "", nil
	}
	hash := hashHex(reg)
	l, err := r.Store.RegistrationLink(ctx, hash)
	switch {
	case errors.Is(err, ErrNotFound):
		return "", fmt.Errorf("%w: unknown link: %w", errRegistrationLink, err)
	case err != nil:
		return "", fmt.Errorf("registration link: %w", err)
	case l.UsedAt != nil:
		return "", fmt.Errorf("%w: used at %s: %w", errRegistrationLink, l.UsedAt.Format(time.RFC3339), ErrReplayed)
	case !r.Now().Before(l.ExpiresAt):
		return "", fmt.Errorf("%w: expired at %s: %w", errRegistrationLink, l.ExpiresAt.Format(time.RFC3339), ErrExpired)
	}
	return hash, nil
}

// hostAllowed matches u against the allow-list: an entry with a port
// matches host:port exactly, one without matches the host on any port.
func (r *Registrar) hostAllowed(u *url.URL) bool {
	return slices.ContainsFunc(r.Hosts, func(h string) bool {
		if strings.Contains(h, ":") {
			return strings.EqualFold(h, u.Host)
		}
		return strings.EqualFold(h, u.Hostname())
	})
}

// toolRegistration is what ASTRE asks the platform for: its URLs, the
// service scopes, the claims it reads (name and e-mail only kept with the
// follow-up consent) and deep linking at the launch URL.
func (r *Registrar) toolRegistration() lti.ToolRegistration {
	c := r.Config
	return lti.ToolRegistration{
		ClientName: c.Title, Description: c.Description, LoginURL: c.LoginURL, RedirectURIs: c.RedirectURIs,
		TargetLinkURI: c.TargetLinkURI, JWKSURL: c.JWKSURL, Scopes: r.Wanted,
		Claims:         []string{"iss", "sub", "name", "given_name", "family_name", "email", "locale"},
		DeepLinkingURL: c.LaunchURL, DeepLinkingLabel: c.Title,
	}
}

// registrationScopes are the services ASTRE asks for: grades (AGS) and
// the roster (NRPS).
var registrationScopes = []string{
	lti.ScopeScore, lti.ScopeLineItem, lti.ScopeLineItemReadOnly, lti.ScopeResultReadOnly, lti.ScopeContextMembership,
}
