package tracker

import (
	"context"
	"errors"
	"time"
)

// Error kinds shared by the product and its store. Callers branch on them
// with errors.Is; the HTTP adapter maps each to one status code.
var (
	ErrNotFound     = errors.New("not found")
	ErrInvalid      = errors.New("invalid")
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrConflict     = errors.New("conflict")
	// ErrReplayed is returned when a single-use value (login state, nonce)
	// is presented a second time.
	ErrReplayed = errors.New("replayed")
	// ErrExpired is returned when a stored value exists but its lifetime is over.
	ErrExpired = errors.New("expired")
	// ErrLoginState wraps why a launch could not use its login state
	// (ErrNotFound, ErrReplayed or ErrExpired), to tell it from the nonce's.
	ErrLoginState = errors.New("login state not usable")
)

// Platform is an LTI 1.3 platform registration: one (issuer, client_id) pair
// and the endpoints the tool talks to.
type Platform struct {
	ID          int64
	Issuer      string
	ClientID    string
	AuthURL     string
	TokenURL    string
	JWKSURL     string
	Deployments []string // deployment ids known for this registration
	CreatedAt   time.Time
}

// ToolKey is one of the tool's signing keys. The private key is stored
// encrypted; the store never sees it in clear.
type ToolKey struct {
	KID        string
	Alg        string // RS256
	PrivateEnc []byte // PKCS#8 DER, encrypted with the key-encryption key
	PublicJWK  []byte // JSON of the public JWK (kid, alg, use)
	CreatedAt  time.Time
	SignFrom   time.Time  // the key signs from this time on
	RetireAt   *time.Time // nil: published forever; else unpublished after
}

// LoginState is what the tool remembers between the OIDC login initiation
// and the launch: everything needed to check the id_token and to restart
// the login at top level. The state itself is stored only as a hash.
type LoginState struct {
	StateHash     string // hex SHA-256 of the state value sent to the platform
	Nonce         string
	PlatformID    int64
	Issuer        string
	ClientID      string
	TargetLinkURI string
	LoginHint     string
	MessageHint   string
	DeploymentID  string // lti_deployment_id from the login, if any
	StorageTarget string // lti_storage_target, if the platform offers storage
	BindingHash   string // hex SHA-256 of the browser binding secret
	CreatedAt     time.Time
	ExpiresAt     time.Time
	UsedAt        *time.Time
}

// BrowserSession is a server-side session record behind a gorilla/sessions
// cookie: the cookie carries only the signed id.
type BrowserSession struct {
	ID        string
	Name      string
	Data      []byte
	ExpiresAt time.Time
}

// UsedNonce is an id_token nonce of an issuer, recorded as used until
// ExpiresAt, when its token could no longer pass anyway.
type UsedNonce struct {
	Issuer, Nonce string
	ExpiresAt     time.Time
}

// LaunchStart is what an accepted launch stores at once.
type LaunchStart struct {
	StateHash string    // the login state the launch uses up
	At        time.Time // when: the state must be unexpired then
	Nonce     UsedNonce
	Session   *LaunchSession
	// Opened, for a learner's launch of a resource link, records that the
	// session's learner opened the session's activity (SeeLearner), if
	// the activity exists.
	Opened bool
}

// LaunchSession is the per-launch session created by a valid launch. Pages
// carry its id, so several tabs and launches coexist.
type LaunchSession struct {
	IDHash     string // hex SHA-256 of the launch id carried by pages
	PlatformID int64
	Deployment string
	Learner    string // pseudonymous learner key, "" for anonymous launches
	Context    []byte // JSON of the launch context (course, activity, roles, locale, services)
	CSRFToken  string
	// BindingHash is the hex SHA-256 of the login's browser binding secret;
	// a launch bound through platform storage proves it before Bound is set.
	BindingHash string
	Bound       bool // false until the browser binding is confirmed (platform storage)
	CreatedAt   time.Time
	ExpiresAt   time.Time
	// ContextID and ResourceLinkID repeat the activity of Context, so
	// that the store reads the learner's standing there with the session.
	ContextID      string
	ResourceLinkID string
}

// Store is what the tracker needs from persistence. Each method is one
// transaction. Times passed in are UTC.
type Store interface {
	SurveyStore
	OutboxStore
	RosterStore
	RegistrationStore
	FollowupStore
	ReportStore
	AdminStore

	Ping(ctx context.Context) error

	// AddPlatform stores p and its deployments and sets p.ID.
	// ErrConflict when (issuer, client_id) exists.
	AddPlatform(ctx context.Context, p *Platform) error
	// Platforms lists every registration with its deployments, by issuer then client_id.
	Platforms(ctx context.Context) ([]Platform, error)
	// PlatformsByIssuer lists the registrations of one issuer.
	PlatformsByIssuer(ctx context.Context, issuer string) ([]Platform, error)
	// Platform finds one registration. ErrNotFound when absent.
	Platform(ctx context.Context, issuer, clientID string) (*Platform, error)
	// RemovePlatform deletes a registration and its deployments. ErrNotFound when absent.
	RemovePlatform(ctx context.Context, issuer, clientID string) error
	// AddDeployment adds a deployment id. ErrNotFound for no platform, ErrConflict if present.
	AddDeployment(ctx context.Context, issuer, clientID, deploymentID string) error
	// RemoveDeployment removes a deployment id. ErrNotFound when absent.
	RemoveDeployment(ctx context.Context, issuer, clientID, deploymentID string) error

	// AddKey stores a new tool key. ErrConflict when the kid exists.
	AddKey(ctx context.Context, k *ToolKey) error
	// Keys lists all stored keys, oldest first.
	Keys(ctx context.Context) ([]ToolKey, error)
	// RetireKey sets the time after which the key is no longer published.
	RetireKey(ctx context.Context, kid string, at time.Time) error

	// SaveLogin stores a new login state.
	SaveLogin(ctx context.Context, l *LoginState) error
	// Login reads a login state without using it. ErrNotFound when
	// unknown, ErrReplayed when already used, ErrExpired when past
	// ExpiresAt; in the last two cases the returned state is still filled in.
	Login(ctx context.Context, stateHash string, now time.Time) (*LoginState, error)
	// ConsumeLogin marks the login state used and returns it, with Login's
	// errors.
	ConsumeLogin(ctx context.Context, stateHash string, now time.Time) (*LoginState, error)
	// StartLaunch uses the login state, records a launch's nonce as
	// used, inserts its session and records the opening, in one
	// transaction. ErrLoginState wrapping Login's error when the state
	// cannot be used, ErrReplayed when the nonce was used before; either
	// way nothing changes.
	StartLaunch(ctx context.Context, l *LaunchStart) error

	// SaveBrowserSession inserts or replaces a browser session.
	SaveBrowserSession(ctx context.Context, s *BrowserSession) error
	// BrowserSession loads one unexpired session. ErrNotFound when absent or expired.
	BrowserSession(ctx context.Context, id string, now time.Time) (*BrowserSession, error)
	// DeleteBrowserSession removes a session; absent is not an error.
	DeleteBrowserSession(ctx context.Context, id string) error

	// SaveLaunch inserts or replaces a launch session.
	SaveLaunch(ctx context.Context, s *LaunchSession) error
	// Launch loads an unexpired launch session, bound or not. ErrNotFound when absent or expired.
	Launch(ctx context.Context, idHash string, now time.Time) (*LaunchSession, error)
	// LaunchStanding loads an unexpired launch session, bound or not, and
	// the learner's standing in its activity (as SurveyStore.Standing,
	// with the consent instrument consentID) at once. ErrNotFound when
	// the session is absent or expired.
	LaunchStanding(ctx context.Context, idHash string, now time.Time, consentID string) (*LaunchSession, *Standing, error)
	// CountLaunches counts stored launch sessions (tests and health figures).
	CountLaunches(ctx context.Context) (int, error)

	// PurgeExpired deletes login states, nonces, browser and launch sessions
	// expired before now, and returns how many rows went.
	PurgeExpired(ctx context.Context, now time.Time) (int64, error)
}
