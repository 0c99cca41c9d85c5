package tracker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/astre-lti/astre/lti"
)

// Launcher runs the OIDC login and the launch (LTI.md sections 1, 2 and
// 8). Every piece of state it keeps lives in the Store, so any instance
// can finish a login another one began.
type Launcher struct {
	Store      Store
	Validator  *lti.Validator
	Secrets    Secrets
	Catalogs   *Catalogs
	BaseURL    string
	LoginTTL   time.Duration
	SessionTTL time.Duration
	Now        func() time.Time
}

// RedirectURI is the tool's single registered redirect URI. It must match
// the platform's copy byte for byte, so it is built in one place only.
func RedirectURI(baseURL string) string { return baseURL + "/lti/launch" }

// LoginStart is what a valid login initiation produces.
type LoginStart struct {
	AuthURL       string
	State         string
	Binding       string // the secret the browser presents at launch (cookie or platform storage)
	StorageTarget string // the platform's postMessage storage frame, if offered
	StorageOrigin string // origin of the platform's auth endpoint: the postMessage target origin
}

// Refusal is a refused login or launch, with what the log and the error
// page need. It never holds token content.
type Refusal struct {
	Err          *lti.Error
	Issuer       string
	ClientID     string
	DeploymentID string
	RestartURL   string // for state_unbound: the login again, to open in a new window
	ReturnURL    string
}

func (r *Refusal) Error() string { return "refused: " + r.Err.Error() }
func (r *Refusal) Unwrap() error { return r.Err }

// Begin validates a login initiation and stores the login state.
func (l *Launcher) Begin(ctx context.Context, req lti.LoginRequest) (*LoginStart, error) {
	refuse := func(err error) error {
		return &Refusal{Err: asLTIError(err, lti.ReasonBadParam), Issuer: req.Issuer, ClientID: req.ClientID, DeploymentID: req.DeploymentID}
	}
	p, err := platformFor(ctx, l.Store, req.Issuer, req.ClientID)
	if errors.Is(err, ErrNotFound) {
		return nil, refuse(lti.Errorf(lti.ReasonUnknownPlatform, "no registration for issuer %s client %q", req.Issuer, req.ClientID))
	}
	if err != nil {
		if lti.ReasonOf(err) != "" {
			return nil, refuse(err)
		}
		return nil, err
	}
	if err := lti.CheckTarget(req.TargetLinkURI, l.BaseURL); err != nil {
		return nil, refuse(err)
	}
	if req.DeploymentID != "" && !slices.Contains(p.Deployments, req.DeploymentID) {
		return nil, refuse(lti.Errorf(lti.ReasonUnknownDeployment, "deployment %q is not registered", req.DeploymentID))
	}
	now := l.Now().UTC()
	start := &LoginStart{State: lti.RandomToken(), Binding: lti.RandomToken(), StorageTarget: req.StorageTarget}
	nonce := lti.RandomToken()
	authURL, err := lti.AuthRequest{
		AuthURL: p.AuthURL, ClientID: p.ClientID, RedirectURI: RedirectURI(l.BaseURL),
		LoginHint: req.LoginHint, MessageHint: req.MessageHint, State: start.State, Nonce: nonce,
	}.URL()
	if err != nil {
		return nil, refuse(err)
	}
	start.AuthURL = authURL
	if u, err := url.Parse(p.AuthURL); err == nil {
		start.StorageOrigin = u.Scheme + "://" + u.Host
	}
	err = l.Store.SaveLogin(ctx, &LoginState{
		StateHash: hashHex(start.State), Nonce: nonce, PlatformID: p.ID, Issuer: p.Issuer, ClientID: p.ClientID,
		TargetLinkURI: req.TargetLinkURI, LoginHint: req.LoginHint, MessageHint: req.MessageHint,
		DeploymentID: req.DeploymentID, StorageTarget: req.StorageTarget, BindingHash: hashHex(start.Binding),
		CreatedAt: now, ExpiresAt: now.Add(l.LoginTTL),
	})
	if err != nil {
		return nil, fmt.Errorf("save login state: %w", err)
	}
	return start, nil
}

// LaunchInput is what the launch POST and the browser bring.
type LaunchInput struct {
	IDToken          string
	State            string
	Binding          string // from the login cookie; "" when the browser kept none
	Error            string // an OIDC error the platform sent instead of a token
	ErrorDescription string
	AcceptLanguage   string
}

// LaunchResult is a valid launch.
type LaunchResult struct {
	LaunchID string // the secret the pages carry
	Session  *LaunchSession
	Context  LaunchContext
	// Pending means the browser binding must still be proven through
	// platform storage (Bind) before the session is usable.
	Pending       bool
	StorageTarget string
	StorageOrigin string
}

// Complete checks the state, its binding to this browser and the id_token,
// uses the nonce, and creates the launch session. A refused launch leaves
// no session behind.
func (l *Launcher) Complete(ctx context.Context, in LaunchInput) (*LaunchResult, error) {
	if in.State == "" {
		return nil, &Refusal{Err: lti.Errorf(lti.ReasonMissingParam, "launch has no state")}
	}
	now := l.Now().UTC()
	stateHash := hashHex(in.State)
	login, err := l.Store.Login(ctx, stateHash, now)
	if err != nil {
		return nil, stateRefusal(err, login)
	}
	// An accepted launch uses the state in the same transaction as its
	// nonce and session; a refused one uses it up here, so that the
	// state serves one attempt either way.
	refuse := func(err error) error {
		r := &Refusal{Err: asLTIError(err, lti.ReasonBadClaim), Issuer: login.Issuer, ClientID: login.ClientID, DeploymentID: login.DeploymentID}
		_, useErr := l.Store.ConsumeLogin(ctx, stateHash, now)
		if useErr != nil && !errors.Is(useErr, ErrReplayed) && !errors.Is(useErr, ErrExpired) && !errors.Is(useErr, ErrNotFound) {
			return fmt.Errorf("refused launch (%s): use up its login state: %w", r.Err.Reason, useErr)
		}
		return r // used up now, or by then expired, used or purged: nothing left to use
	}
	if in.Error != "" {
		return nil, refuse(lti.Errorf(lti.ReasonPlatformError, "platform answered %q: %.200s", in.Error, in.ErrorDescription))
	}
	bound := in.Binding != "" && hashHex(in.Binding) == login.BindingHash
	if !bound && (in.Binding != "" || login.StorageTarget == "") {
		err := refuse(lti.Errorf(lti.ReasonStateUnbound, "the login state is not bound to this browser"))
		if r, ok := err.(*Refusal); ok {
			r.RestartURL = restartURL(l.BaseURL, login)
		}
		return nil, err
	}
	if in.IDToken == "" {
		return nil, refuse(lti.Errorf(lti.ReasonMissingParam, "launch has no id_token"))
	}
	p, err := l.Store.Platform(ctx, login.Issuer, login.ClientID)
	if errors.Is(err, ErrNotFound) {
		return nil, refuse(lti.Errorf(lti.ReasonUnknownPlatform, "registration was removed during the login"))
	}
	if err != nil {
		return nil, err
	}
	launch, err := l.Validator.Validate(ctx, in.IDToken, p.Registration(), login.Nonce)
	if err != nil {
		if lti.ReasonOf(err) == "" {
			return nil, err
		}
		return nil, refuse(err)
	}
	lc := newLaunchContext(launch, l.Catalogs.Match(launch.Locale(), in.AcceptLanguage))
	learner := l.Secrets.Pseudonym(launch.Issuer, launch.Subject)
	if learner != "" && (launch.Email != "" || launch.Name != "") {
		plain, err := json.Marshal(ContactDetails{Name: launch.Name, Email: launch.Email})
		if err != nil {
			return nil, err
		}
		if lc.Contact, err = l.Secrets.Seal(plain, []byte(learner)); err != nil {
			return nil, err
		}
	}
	data, err := json.Marshal(lc)
	if err != nil {
		return nil, err
	}
	res := &LaunchResult{LaunchID: lti.RandomToken(), Context: lc, Pending: !bound}
	ttl := l.SessionTTL
	if res.Pending {
		ttl = l.LoginTTL
		res.StorageTarget = login.StorageTarget
		if u, err := url.Parse(p.AuthURL); err == nil {
			res.StorageOrigin = u.Scheme + "://" + u.Host
		}
	}
	res.Session = &LaunchSession{
		IDHash: hashHex(res.LaunchID), PlatformID: p.ID, Deployment: launch.DeploymentID,
		Learner: learner, Context: data, ContextID: lc.ContextID, ResourceLinkID: lc.ResourceLinkID,
		CSRFToken: lti.RandomToken(), BindingHash: login.BindingHash, Bound: bound,
		CreatedAt: now, ExpiresAt: now.Add(ttl),
	}
	// The state and the nonce are used and the session stored at once.
	// Nonces stay recorded until the token could no longer pass anyway.
	used := UsedNonce{Issuer: launch.Issuer, Nonce: launch.Nonce, ExpiresAt: launch.ExpiresAt.Add(l.Validator.Leeway + time.Minute)}
	err = l.Store.StartLaunch(ctx, &LaunchStart{StateHash: stateHash, At: now, Nonce: used, Session: res.Session, Opened: lc.answersSurveys()})
	switch {
	case errors.Is(err, ErrLoginState): // another launch used it since it was read
		return nil, stateRefusal(err, login)
	case errors.Is(err, ErrReplayed):
		return nil, refuse(lti.Errorf(lti.ReasonNonceReplayed, "nonce was used before"))
	}
	if err != nil {
		return nil, fmt.Errorf("save launch session: %w", err)
	}
	return res, nil
}

// Bind finishes a launch whose binding comes from platform storage: the
// value the platform kept for this login must match.
func (l *Launcher) Bind(ctx context.Context, launchID, binding string) (*LaunchSession, error) {
	now := l.Now().UTC()
	s, err := l.Store.Launch(ctx, hashHex(launchID), now)
	if err != nil {
		return nil, &Refusal{Err: lti.Errorf(lti.ReasonStateUnknown, "no pending launch")}
	}
	if s.Bound {
		return s, nil
	}
	if binding == "" || hashHex(binding) != s.BindingHash {
		return nil, &Refusal{Err: lti.Errorf(lti.ReasonStateUnbound, "platform storage did not return this login's binding")}
	}
	s.Bound = true
	s.ExpiresAt = now.Add(l.SessionTTL)
	if err := l.Store.SaveLaunch(ctx, s); err != nil {
		return nil, fmt.Errorf("bind launch session: %w", err)
	}
	return s, nil
}

// Session loads the bound launch session a page's launch id names, and
// with it the learner's standing in the session's activity.
func (l *Launcher) Session(ctx context.Context, launchID string) (*LaunchSession, *LaunchContext, *Standing, error) {
	s, st, err := l.Store.LaunchStanding(ctx, hashHex(launchID), l.Now().UTC(), ConsentInstrumentID)
	if errors.Is(err, ErrNotFound) {
		// Unknown and expired look the same to the store; to the person
		// both mean the session ended.
		return nil, nil, nil, fmt.Errorf("launch session: %w", ErrExpired)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if !s.Bound {
		return nil, nil, nil, fmt.Errorf("launch session not bound: %w", ErrUnauthorized)
	}
	var lc LaunchContext
	if err := json.Unmarshal(s.Context, &lc); err != nil {
		return nil, nil, nil, fmt.Errorf("launch context: %w", err)
	}
	return s, &lc, st, nil
}

// SetLanguage stores the UI language a person chose for this launch.
func (l *Launcher) SetLanguage(ctx context.Context, s *LaunchSession, lc *LaunchContext, lang string) error {
	if !l.Catalogs.Supported(lang) {
		return fmt.Errorf("language %q: %w", lang, ErrInvalid)
	}
	lc.Lang = lang
	data, err := json.Marshal(lc)
	if err != nil {
		return err
	}
	s.Context = data
	return l.Store.SaveLaunch(ctx, s)
}

func stateRefusal(err error, login *LoginState) error {
	reason := lti.ReasonStateUnknown
	switch {
	case errors.Is(err, ErrReplayed):
		reason = lti.ReasonStateReplayed
	case errors.Is(err, ErrExpired):
		reason = lti.ReasonStateExpired
	case !errors.Is(err, ErrNotFound):
		return err
	}
	r := &Refusal{Err: lti.Errorf(reason, "login state")}
	if login != nil {
		r.Issuer, r.ClientID, r.DeploymentID = login.Issuer, login.ClientID, login.DeploymentID
	}
	return r
}

// restartURL is where a new top-level window starts this launch again,
// with the tool's cookie first-party there. Moodle makes lti_message_hint
// single use (its auth.php drops the launch id from the session), so for
// Moodle, recognised by the cmid in its JSON hint, the window opens the
// activity's launch page in Moodle, which initiates a fresh login. Other
// platforms get the same login initiation again.
func restartURL(baseURL string, login *LoginState) string {
	var hint struct {
		CMID json.RawMessage `json:"cmid"`
	}
	if json.Unmarshal([]byte(login.MessageHint), &hint) == nil && len(hint.CMID) > 0 {
		cmid := strings.Trim(string(hint.CMID), `"`)
		if cmid != "" && strings.Trim(cmid, "0123456789") == "" {
			return strings.TrimRight(login.Issuer, "/") + "/mod/lti/launch.php?id=" + cmid
		}
	}
	q := url.Values{}
	q.Set("iss", login.Issuer)
	q.Set("client_id", login.ClientID)
	q.Set("login_hint", login.LoginHint)
	q.Set("target_link_uri", login.TargetLinkURI)
	if login.MessageHint != "" {
		q.Set("lti_message_hint", login.MessageHint)
	}
	if login.DeploymentID != "" {
		q.Set("lti_deployment_id", login.DeploymentID)
	}
	return baseURL + "/lti/login?" + q.Encode()
}

func asLTIError(err error, fallback lti.Reason) *lti.Error {
	var le *lti.Error
	if errors.As(err, &le) {
		return le
	}
	return &lti.Error{Reason: fallback, Err: err}
}
