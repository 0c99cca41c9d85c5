package tracker

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/sessions"

	"github.com/astre-lti/astre/lti"
)

// Administrators sign in at /admin/login. Their session is a record in
// the database behind a signed cookie (the CookieStore), scoped to /admin
// and SameSite=Lax: the dashboard is a top-level page, never framed.

const (
	adminCookie     = "astre_admin"
	adminSessionTTL = 8 * time.Hour
)

const ctxAdmin ctxKey = 100

// adminSession loads the administrator session, new when there is none.
func (s *Server) adminSession(r *http.Request) (*sessions.Session, error) {
	sess, err := s.Cookies.New(r, adminCookie)
	if err != nil {
		return nil, err
	}
	sess.Options = &sessions.Options{Path: "/admin", MaxAge: int(adminSessionTTL / time.Second),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	return sess, nil
}

func sessionValue(sess *sessions.Session, key string) string {
	v, _ := sess.Values[key].(string)
	return v
}

// requireAdmin lets signed-in administrators through and sends others to
// the login page; unsafe requests must carry the session's CSRF token.
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return s.errorHandler(func(w http.ResponseWriter, r *http.Request) error {
		sess, err := s.adminSession(r)
		if err != nil {
			return err
		}
		name := sessionValue(sess, "admin")
		if name == "" {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
				return nil
			}
			return ErrUnauthorized
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := checkFormCSRF(r, sessionValue(sess, "csrf")); err != nil {
				return err
			}
		}
		ctx := context.WithValue(r.Context(), ctxAdmin, sess)
		next.ServeHTTP(w, r.WithContext(ctx))
		return nil
	})
}

func checkFormCSRF(r *http.Request, want string) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	got := r.PostForm.Get("csrf")
	if want == "" || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errCSRF
	}
	return nil
}

func adminSessionFrom(r *http.Request) *sessions.Session {
	sess, _ := r.Context().Value(ctxAdmin).(*sessions.Session)
	return sess
}

// adminLoginPage is templates/admin_login.html.
type adminLoginPage struct {
	Page
	CSRF     string
	Username string
	Failed   bool
}

// adminLoginForm shows the login form and starts the session that
// carries its CSRF token.
func (s *Server) adminLoginForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderAdminLogin(w, r, http.StatusOK, "", false)
}

func (s *Server) renderAdminLogin(w http.ResponseWriter, r *http.Request, status int, username string, failed bool) error {
	sess, err := s.adminSession(r)
	if err != nil {
		return err
	}
	token := sessionValue(sess, "csrf")
	if token == "" {
		token = lti.RandomToken()
		sess.Values["csrf"] = token
		if err := sess.Save(r, w); err != nil {
			return err
		}
	}
	p := &adminLoginPage{Page: s.newPage(r, s.adminLang(r)), CSRF: token, Username: username, Failed: failed}
	p.Title = p.T("admin.login.title")
	return s.Render.Render(w, status, "admin_login", p)
}

// adminLogin checks the password and renews the session id on success.
func (s *Server) adminLogin(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.adminSession(r)
	if err != nil {
		return err
	}
	if err := checkFormCSRF(r, sessionValue(sess, "csrf")); err != nil {
		return err
	}
	username := r.PostForm.Get("username")
	ad, err := s.Accounts.Login(r.Context(), username, r.PostForm.Get("password"))
	if errors.Is(err, ErrUnauthorized) {
		s.Log.Info().Str("event", "admin_login").Str("outcome", "refused").Msg("admin login refused")
		return s.renderAdminLogin(w, r, http.StatusUnauthorized, username, true)
	}
	if err != nil {
		return err
	}
	// A new id on login, so that a session planted before it is useless.
	if err := s.Store.DeleteBrowserSession(r.Context(), sess.ID); err != nil {
		return err
	}
	sess.ID = ""
	sess.Values = map[any]any{"admin": ad.Username, "csrf": lti.RandomToken()}
	if err := sess.Save(r, w); err != nil {
		return err
	}
	s.Log.Info().Str("event", "admin_login").Str("outcome", "accepted").Int64("admin", ad.ID).Msg("admin signed in")
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
	return nil
}

// adminLogout ends the session.
func (s *Server) adminLogout(w http.ResponseWriter, r *http.Request) error {
	sess := adminSessionFrom(r)
	sess.Options.MaxAge = -1
	if err := sess.Save(r, w); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
	return nil
}

// adminLang is the language of administrator pages: ?lang=, else the
// browser's.
func (s *Server) adminLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); s.Catalogs.Supported(l) {
		return l
	}
	return s.Catalogs.Match("", r.Header.Get("Accept-Language"))
}
