package tracker

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/astre-lti/astre/lti"
)

// Options are the settings the command passes down; nothing in tracker
// reads flags or the environment.
type Options struct {
	Store      Store
	Secrets    Secrets
	BaseURL    string        // public URL of the tool, no trailing slash
	Leeway     time.Duration // clock leeway for id_tokens
	LoginTTL   time.Duration // how long a login state waits for its launch
	SessionTTL time.Duration // how long a launch session lives
	KeyOverlap time.Duration // how long a rotated key is published before it signs
	HTTPClient *http.Client  // for requests to platforms
	Now        func() time.Time
	Log        zerolog.Logger
	// K and SensitiveK are the smallest counts reports show (0: DefaultK,
	// DefaultSensitiveK).
	K, SensitiveK int
	// XAPI, when set, sends xAPI statements to that LRS through the outbox.
	XAPI *XAPIConfig
}

func (o *Options) defaults() {
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.Leeway <= 0 {
		o.Leeway = 60 * time.Second
	}
	if o.LoginTTL <= 0 {
		o.LoginTTL = 10 * time.Minute
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 8 * time.Hour
	}
	if o.KeyOverlap <= 0 {
		o.KeyOverlap = 24 * time.Hour
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Server is ASTRE's web front: it owns the routes and renders pages; the
// work is done by the Launcher and the Keyring.
type Server struct {
	BaseURL  string
	Store    Store
	Launcher *Launcher
	Keys     *Keyring
	Surveys  *Surveys
	Reports  *Reports
	Accounts *Accounts
	Outbox   *Outbox
	Catalogs *Catalogs
	Render   *Renderer
	Cookies  *CookieStore
	LoginTTL time.Duration
	Log      zerolog.Logger
}

// New builds the server and everything it needs from opts.
func New(opts Options) (*Server, error) {
	opts.defaults()
	if err := opts.Secrets.Check(); err != nil {
		return nil, err
	}
	if err := checkHTTPURL(opts.BaseURL); err != nil {
		return nil, fmt.Errorf("base URL %q: %v: %w", opts.BaseURL, err, ErrInvalid)
	}
	cat, err := LoadCatalogs()
	if err != nil {
		return nil, err
	}
	render, err := NewRenderer(cat)
	if err != nil {
		return nil, err
	}
	keys := &lti.KeySets{Client: opts.HTTPClient, Now: opts.Now}
	surveys := &Surveys{Store: opts.Store, Secrets: opts.Secrets, Now: opts.Now}
	outbox := &Outbox{Store: opts.Store, Senders: map[string]Sender{}, Now: opts.Now, Log: opts.Log}
	if opts.XAPI != nil && opts.XAPI.URL != "" {
		if err := checkHTTPURL(opts.XAPI.URL); err != nil {
			return nil, fmt.Errorf("xAPI LRS URL %q: %v: %w", opts.XAPI.URL, err, ErrInvalid)
		}
		surveys.XAPI = &XAPIStatements{BaseURL: opts.BaseURL}
		outbox.Senders[XAPIKind] = &XAPISender{Config: *opts.XAPI, Client: opts.HTTPClient}
	}
	s := &Server{
		BaseURL: opts.BaseURL,
		Store:   opts.Store,
		Launcher: &Launcher{
			Store: opts.Store, Secrets: opts.Secrets, Catalogs: cat, BaseURL: opts.BaseURL,
			Validator: &lti.Validator{Keys: keys, Leeway: opts.Leeway, Now: opts.Now},
			LoginTTL:  opts.LoginTTL, SessionTTL: opts.SessionTTL, Now: opts.Now,
		},
		Keys:     NewKeyring(opts),
		Surveys:  surveys,
		Reports:  &Reports{Store: opts.Store, Surveys: surveys, K: opts.K, SensitiveK: opts.SensitiveK},
		Accounts: &Accounts{Store: opts.Store, Now: opts.Now},
		Outbox:   outbox,
		Catalogs: cat,
		Render:   render,
		Cookies:  NewCookieStore(opts.Store, opts.Secrets.SessionKey, opts.Now),
		LoginTTL: opts.LoginTTL,
		Log:      opts.Log,
	}
	return s, nil
}

// Prepare makes the database ready to serve: a signing key exists and
// every built-in instrument version is stored.
func (s *Server) Prepare(ctx context.Context) error {
	if err := s.Keys.Ensure(ctx); err != nil {
		return fmt.Errorf("tool key: %w", err)
	}
	return s.Surveys.InstallBuiltins(ctx)
}

// NewKeyring builds the keyring alone, for commands that manage keys
// without serving.
func NewKeyring(opts Options) *Keyring {
	opts.defaults()
	return &Keyring{Store: opts.Store, Secrets: opts.Secrets, Overlap: opts.KeyOverlap, Now: opts.Now}
}
