package tracker

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/rs/zerolog/hlog"

	"github.com/astre-lti/astre/lti"
)

// loginCookieName names the cookie binding one login to the browser. Each
// login has its own, so logins in several tabs never clobber each other.
func loginCookieName(state string) string {
	return "astre_login_" + hashHex(state)[:16]
}

// setLoginCookie binds a login to the browser: the cookie carries the
// login's binding, signed. The binding's hash is in the login state in
// the database, which is all a launch needs to check it, so the cookie
// has no server-side record of its own (one cost two writes per launch).
func (s *Server) setLoginCookie(w http.ResponseWriter, start *LoginStart) error {
	name := loginCookieName(start.State)
	value, err := securecookie.EncodeMulti(name, start.Binding, s.Cookies.Codecs...)
	if err != nil {
		return fmt.Errorf("login cookie: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(name, value, FrameCookieOptions(s.LoginTTL)))
	return nil
}

// loginBinding reads the binding of the login state from the request's
// cookie, and whether the browser sent that cookie at all. A forged or
// stale cookie gives no binding.
func (s *Server) loginBinding(r *http.Request, state string) (string, bool) {
	name := loginCookieName(state)
	c, err := r.Cookie(name)
	if err != nil {
		return "", false
	}
	var binding string
	if securecookie.DecodeMulti(name, c.Value, &binding, s.Cookies.Codecs...) != nil {
		return "", true
	}
	return binding, true
}

// storagePage is templates/storage.html: the postMessage platform storage
// step, before the auth redirect (put) or after the launch (get).
type storagePage struct {
	Page
	Mode   string // "put" or "get"
	Target string
	Origin string
	Key    string
	Value  string
	Next   string
	Form   map[string]string
}

func storageKey(state string) string { return "astre_" + hashHex(state)[:24] }

// login handles the third-party initiated login (GET from Open edX, POST
// from Moodle).
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxLoginBytes)
	if err := r.ParseForm(); err != nil {
		return err
	}
	req, err := lti.ParseLogin(r.Form)
	if err != nil {
		err = &Refusal{Err: asLTIError(err, lti.ReasonBadParam), Issuer: req.Issuer, ClientID: req.ClientID}
		s.logOutcome(r, "login", nil, err)
		return err
	}
	start, err := s.Launcher.Begin(r.Context(), req)
	s.logOutcome(r, "login", nil, err)
	if err != nil {
		return err
	}
	if err := s.setLoginCookie(w, start); err != nil {
		return err
	}
	if start.StorageTarget != "" {
		p := &storagePage{Page: s.newPage(r, s.langFor(r)), Mode: "put", Target: start.StorageTarget,
			Origin: start.StorageOrigin, Key: storageKey(start.State), Value: start.Binding, Next: start.AuthURL}
		p.Title = p.T("storage.title")
		return s.Render.Render(w, http.StatusOK, "storage", p)
	}
	http.Redirect(w, r, start.AuthURL, http.StatusFound)
	return nil
}

// launch receives the id_token the platform auto-posts.
func (s *Server) launch(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		s.logOutcome(r, "launch", nil, err)
		return err
	}
	in := LaunchInput{
		IDToken: r.PostForm.Get("id_token"), State: r.PostForm.Get("state"),
		Error: r.PostForm.Get("error"), ErrorDescription: r.PostForm.Get("error_description"),
		AcceptLanguage: r.Header.Get("Accept-Language"),
	}
	var sent bool
	if in.State != "" {
		in.Binding, sent = s.loginBinding(r, in.State)
	}
	res, err := s.Launcher.Complete(r.Context(), in)
	if sent { // the binding is single use like the state, whatever the outcome
		http.SetCookie(w, sessions.NewCookie(loginCookieName(in.State), "", FrameCookieOptions(-time.Second)))
	}
	s.logOutcome(r, "launch", res, err)
	if err != nil {
		return err
	}
	if res.Pending {
		p := &storagePage{Page: s.newPage(r, res.Context.Lang), Mode: "get", Target: res.StorageTarget,
			Origin: res.StorageOrigin, Key: storageKey(in.State), Next: s.BaseURL + "/lti/launch/bind",
			Form: map[string]string{"launch": res.LaunchID}}
		p.Title = p.T("storage.title")
		return s.Render.Render(w, http.StatusOK, "storage", p)
	}
	// A learner goes straight to their page, one round trip less on a slow
	// connection. Should that fail, the launch still stands: the landing
	// page, which can be reloaded, works it out again.
	next := "/"
	if res.Context.answersSurveys() {
		if step, err := s.learnerStep(withLaunch(r, res.LaunchID, res.Session, &res.Context, nil), nil, true); err == nil {
			next = step
		} else {
			hlog.FromRequest(r).Error().Err(err).Str("event", "launch").Msg("learner's page not found; sent to the landing page")
		}
	}
	http.Redirect(w, r, s.launchURL(res.LaunchID, next), http.StatusSeeOther)
	return nil
}

// bind completes a launch whose binding the platform kept (LTI.md section 8).
func (s *Server) bind(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id := r.PostForm.Get("launch")
	_, err := s.Launcher.Bind(r.Context(), id, r.PostForm.Get("binding"))
	s.logOutcome(r, "bind", nil, err)
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.launchURL(id, "/"), http.StatusSeeOther)
	return nil
}

func (s *Server) launchURL(launchID, path string) string {
	return s.BaseURL + "/s/" + launchID + path
}

// logOutcome writes the one log line of a login or launch outcome: reason
// code, platform ids and pseudonym, never the token or personal data.
func (s *Server) logOutcome(r *http.Request, step string, res *LaunchResult, err error) {
	log := hlog.FromRequest(r)
	var refusal *Refusal
	switch {
	case err == nil:
		ev := log.Info().Str("event", step).Str("outcome", "accepted")
		if res != nil {
			ev = ev.Str("iss", res.Context.Issuer).Str("client_id", res.Context.ClientID).
				Str("deployment_id", res.Context.DeploymentID).Str("message_type", res.Context.MessageType).
				Str("role", string(res.Context.Role)).Str("learner", res.Session.Learner).Bool("pending_binding", res.Pending)
		}
		ev.Msg(step + " accepted")
	case errors.As(err, &refusal):
		log.Warn().Str("event", step).Str("outcome", "refused").Str("reason", string(refusal.Err.Reason)).
			Str("iss", refusal.Issuer).Str("client_id", refusal.ClientID).Str("deployment_id", refusal.DeploymentID).
			Str("detail", refusal.Err.Error()).Msg(step + " refused")
	default:
		reason := "internal"
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			reason = "body_too_large"
		}
		log.Warn().Str("event", step).Str("outcome", "failed").Str("reason", reason).Err(err).Msg(step + " failed")
	}
}
