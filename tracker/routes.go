package tracker

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/astre-lti/astre/static"
)

// Handler returns every route of ASTRE, grouped by area.
func (s *Server) Handler() http.Handler {
	r := mux.NewRouter()
	r.NotFoundHandler = s.errorHandler(func(http.ResponseWriter, *http.Request) error { return ErrNotFound })
	r.MethodNotAllowedHandler = s.errorHandler(func(http.ResponseWriter, *http.Request) error { return errMethodNotAllowed })

	// Operations.
	r.Handle("/healthz", s.errorHandler(s.health)).Methods(http.MethodGet, http.MethodHead)
	r.PathPrefix("/static/").Handler(staticFiles())

	// LTI 1.3: keys, configuration for administrators, login and launch.
	r.Handle("/.well-known/jwks.json", s.errorHandler(s.jwks)).Methods(http.MethodGet)
	r.Handle("/lti/config", s.errorHandler(s.configPage)).Methods(http.MethodGet)
	r.Handle("/lti/config.json", s.errorHandler(s.configJSON)).Methods(http.MethodGet)
	r.Handle("/lti/login", s.errorHandler(s.login)).Methods(http.MethodGet, http.MethodPost)
	r.Handle("/lti/launch", s.errorHandler(s.launch)).Methods(http.MethodPost)
	r.Handle("/lti/launch/bind", s.errorHandler(s.bind)).Methods(http.MethodPost)

	// Pages inside a launch: the launch id in the path names the session.
	a := r.PathPrefix("/s/{launch}").Subrouter()
	a.Use(s.requireLaunch, s.requireCSRF)
	a.Handle("/", s.errorHandler(s.landing)).Methods(http.MethodGet)
	a.Handle("/language", s.errorHandler(s.setLanguage)).Methods(http.MethodPost)

	var h http.Handler = r
	h = limitBody(h)
	h = securityHeaders(h)
	h = s.recoverPanic(h)
	return s.requestLog(h)
}

func staticFiles() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(static.FS))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
