package tracker

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/astre-lti/astre/lti"
)

// CookieStore is a gorilla/sessions store that keeps session values in the
// database and only a signed session id in the cookie, so any instance can
// read a session another one wrote. Cookies are made for life inside an
// LMS frame: SameSite=None; Secure; HttpOnly; Partitioned (LTI.md section 8).
type CookieStore struct {
	Store  Store
	Codecs []securecookie.Codec
	Now    func() time.Time
}

var _ sessions.Store = (*CookieStore)(nil)

// NewCookieStore signs cookies with key.
func NewCookieStore(st Store, key []byte, now func() time.Time) *CookieStore {
	return &CookieStore{Store: st, Codecs: securecookie.CodecsFromPairs(key), Now: now}
}

// FrameCookieOptions are the attributes of every cookie the tool sets.
func FrameCookieOptions(maxAge time.Duration) *sessions.Options {
	return &sessions.Options{
		Path: "/", MaxAge: int(maxAge / time.Second),
		Secure: true, HttpOnly: true, Partitioned: true, SameSite: http.SameSiteNoneMode,
	}
}

// Get returns the session name from the request registry (cached per request).
func (c *CookieStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(c, name)
}

// New loads the session named by the request's cookie, or returns a new
// empty one when there is no valid cookie or no live record behind it.
func (c *CookieStore) New(r *http.Request, name string) (*sessions.Session, error) {
	s := sessions.NewSession(c, name)
	s.Options = FrameCookieOptions(0)
	s.IsNew = true
	cookie, err := r.Cookie(name)
	if err != nil {
		return s, nil
	}
	var id string
	if err := securecookie.DecodeMulti(name, cookie.Value, &id, c.Codecs...); err != nil {
		return s, nil // a forged or stale cookie is just no session
	}
	rec, err := c.Store.BrowserSession(r.Context(), id, c.Now().UTC())
	if errors.Is(err, ErrNotFound) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("load session %s: %w", name, err)
	}
	if rec.Name != name {
		return s, nil
	}
	values := map[string]string{}
	if err := json.Unmarshal(rec.Data, &values); err != nil {
		return s, fmt.Errorf("decode session %s: %w", name, err)
	}
	for k, v := range values {
		s.Values[k] = v
	}
	s.ID, s.IsNew = id, false
	return s, nil
}

// Save writes the session record and its cookie; MaxAge < 0 deletes both.
// Only string keys and values are kept: sessions here carry ids, not objects.
func (c *CookieStore) Save(r *http.Request, w http.ResponseWriter, s *sessions.Session) error {
	if s.Options.MaxAge < 0 {
		if s.ID != "" {
			if err := c.Store.DeleteBrowserSession(r.Context(), s.ID); err != nil {
				return fmt.Errorf("delete session %s: %w", s.Name(), err)
			}
		}
		http.SetCookie(w, sessions.NewCookie(s.Name(), "", s.Options))
		return nil
	}
	if s.ID == "" {
		s.ID = lti.RandomToken()
	}
	values := make(map[string]string, len(s.Values))
	for k, v := range s.Values {
		ks, kok := k.(string)
		vs, vok := v.(string)
		if !kok || !vok {
			return fmt.Errorf("session %s: only string values are stored: %w", s.Name(), ErrInvalid)
		}
		values[ks] = vs
	}
	data, err := json.Marshal(values)
	if err != nil {
		return err
	}
	ttl := time.Duration(s.Options.MaxAge) * time.Second
	if ttl <= 0 {
		ttl = 24 * time.Hour // a browser-session cookie still needs a server-side end
	}
	rec := &BrowserSession{ID: s.ID, Name: s.Name(), Data: data, ExpiresAt: c.Now().UTC().Add(ttl)}
	if err := c.Store.SaveBrowserSession(r.Context(), rec); err != nil {
		return fmt.Errorf("save session %s: %w", s.Name(), err)
	}
	encoded, err := securecookie.EncodeMulti(s.Name(), s.ID, c.Codecs...)
	if err != nil {
		return err
	}
	http.SetCookie(w, sessions.NewCookie(s.Name(), encoded, s.Options))
	return nil
}
