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
	// RegistrationHosts are the platform hosts allowed to register by
	// Dynamic Registration without a one-time link.
	RegistrationHosts []string
	HTTPClient        *http.Client // for requests to platforms; default lti.NewHTTPClient, refusing private addresses
	RateLimit         RateLimit    // per-address limit on login and launch; zero: none
	// FrameAncestors are origins allowed to frame ASTRE besides the
	// registered platforms' issuers and auth URLs.
	FrameAncestors []string
	Mail           MailOptions // follow-up mails
	Now            func() time.Time
	Log            zerolog.Logger
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
		o.HTTPClient = lti.NewHTTPClient(lti.ClientOptions{})
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
	Catalogs *Catalogs
	Render   *Renderer
	Cookies  *CookieStore
	// Outbox delivers scores, mails and xAPI statements; run it with
	// Outbox.Run beside the HTTP server.
	Outbox *Outbox
	// Tokens gets access tokens for the platforms' services.
	Tokens   *lti.TokenClient
	Client   *http.Client // for requests to platforms
	LoginTTL time.Duration
	Log      zerolog.Logger

	// Registrar registers platforms by Dynamic Registration.
	Registrar *Registrar
	limiter   *addrLimiter // nil: no rate limit
	ancestors *frameAncestors
	// Followup sends the follow-up waves through the Outbox (its mail
	// Sender); Mailbox is set when mails go to files.
	Followup *Followup
	Mailbox  *DirMailer
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
	var extra []string
	for _, raw := range opts.FrameAncestors {
		o, err := origin(raw)
		if err != nil {
			return nil, fmt.Errorf("frame ancestor: %w", err)
		}
		extra = append(extra, o)
	}
	keys := &lti.KeySets{Client: opts.HTTPClient, Now: opts.Now}
	keyring := NewKeyring(opts)
	tokens := &lti.TokenClient{Client: opts.HTTPClient, Signer: keyring.Signer, UserAgent: UserAgent(opts.BaseURL), Now: opts.Now}
	outbox := &Outbox{Store: opts.Store, Now: opts.Now, Log: opts.Log, Senders: map[string]Sender{
		KindScore: &Grades{Store: opts.Store, Tokens: tokens, Client: opts.HTTPClient, UserAgent: UserAgent(opts.BaseURL)},
	}}
	surveys := &Surveys{Store: opts.Store, Secrets: opts.Secrets, Now: opts.Now, Notify: outbox.Wake}
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
		Keys:     keyring,
		Surveys:  surveys,
		Reports:  &Reports{Store: opts.Store, Surveys: surveys, K: opts.K, SensitiveK: opts.SensitiveK, Now: opts.Now},
		Accounts: &Accounts{Store: opts.Store, Now: opts.Now},
		Outbox:   outbox,
		Tokens:   tokens,
		Client:   opts.HTTPClient,
		Catalogs: cat,
		Render:   render,
		Cookies:  NewCookieStore(opts.Store, opts.Secrets.SessionKey, opts.Now),
		LoginTTL: opts.LoginTTL,
		Log:      opts.Log,

		limiter:   newAddrLimiter(opts.RateLimit, opts.Now),
		ancestors: &frameAncestors{store: opts.Store, extra: extra, now: opts.Now},
	}
	s.Registrar = NewRegistrar(opts)
	if s.Followup, s.Mailbox, err = newFollowup(opts, s.Surveys, cat); err != nil {
		return nil, err
	}
	s.Outbox.Senders[MailKind] = s.Followup
	s.Followup.Wake = s.Outbox.Wake
	s.Surveys.Completed = s.Followup.Completed
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

// UserAgent is how ASTRE names itself to platforms (Canvas refuses
// service requests without a User-Agent).
func UserAgent(baseURL string) string { return "ASTRE/1 (+" + baseURL + ")" }

// NewKeyring builds the keyring alone, for commands that manage keys
// without serving.
func NewKeyring(opts Options) *Keyring {
	opts.defaults()
	return &Keyring{Store: opts.Store, Secrets: opts.Secrets, Overlap: opts.KeyOverlap, Now: opts.Now}
}
