package tracker

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/rs/zerolog/hlog"
)

// MaxBodyBytes bounds every request body; the launch form is the largest
// legitimate one and stays far below.
const MaxBodyBytes = 1 << 20

// MaxLoginBytes bounds a login initiation form.
const MaxLoginBytes = 64 << 10

type ctxKey int

const (
	ctxLaunchSession ctxKey = iota
	ctxLaunchContext
	ctxLaunchID
)

// requestLog gives each request an id (X-Request-Id), a logger carrying
// it, and one access line with status, size and duration.
func (s *Server) requestLog(next http.Handler) http.Handler {
	h := hlog.AccessHandler(func(r *http.Request, status, size int, d time.Duration) {
		hlog.FromRequest(r).Debug().Str("method", r.Method).Str("path", routeOf(r)).
			Int("status", status).Int("size", size).Dur("duration", d).Msg("request")
	})(next)
	h = hlog.RequestIDHandler("req_id", "X-Request-Id")(h)
	return hlog.NewHandler(s.Log)(h)
}

// routeOf is the matched route template, so launch ids never reach logs.
func routeOf(r *http.Request) string {
	if route := mux.CurrentRoute(r); route != nil {
		if t, err := route.GetPathTemplate(); err == nil {
			return t
		}
	}
	return "unmatched"
}

// recoverPanic turns a panic into a logged 500 page instead of a dropped
// connection.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				hlog.FromRequest(r).Error().Str("panic", fmt.Sprint(v)).Bytes("stack", debug.Stack()).Msg("handler panicked")
				s.renderError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody caps every request body at MaxBodyBytes.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// requireLaunch loads the bound launch session named in the path.
func (s *Server) requireLaunch(next http.Handler) http.Handler {
	return s.errorHandler(func(w http.ResponseWriter, r *http.Request) error {
		id := mux.Vars(r)["launch"]
		sess, lc, st, err := s.Launcher.Session(r.Context(), id)
		if err != nil {
			return err
		}
		next.ServeHTTP(w, withLaunch(r, id, sess, lc, st))
		return nil
	})
}

// withLaunch gives r its launch: the id, the session and its context,
// the standing read with the session (nil: none), and a memo of the
// instruments' newest versions for the request.
func withLaunch(r *http.Request, id string, sess *LaunchSession, lc *LaunchContext, st *Standing) *http.Request {
	ctx := r.Context()
	if st != nil {
		ctx = withStanding(ctx, sess, st)
	}
	ctx = context.WithValue(ctx, ctxLaunchSession, sess)
	ctx = context.WithValue(ctx, ctxLaunchContext, lc)
	ctx = context.WithValue(ctx, ctxLaunchID, id)
	return r.WithContext(WithNewestVersions(ctx))
}

// requireCSRF refuses an unsafe request whose csrf form field does not
// equal the launch session's token.
func (s *Server) requireCSRF(next http.Handler) http.Handler {
	return s.errorHandler(func(w http.ResponseWriter, r *http.Request) error {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return nil
		}
		sess := launchSessionFrom(r)
		if sess == nil {
			return errCSRF
		}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			if err := r.ParseMultipartForm(MaxBodyBytes); err != nil {
				return fmt.Errorf("multipart form: %w: %w", err, ErrInvalid) // a body over the limit stays a *http.MaxBytesError
			}
		} else if err := r.ParseForm(); err != nil {
			return err
		}
		got := r.PostForm.Get("csrf")
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
			return errCSRF
		}
		next.ServeHTTP(w, r)
		return nil
	})
}

// requireTeaching lets only instructors and administrators through.
func (s *Server) requireTeaching(next http.Handler) http.Handler {
	return s.errorHandler(func(w http.ResponseWriter, r *http.Request) error {
		if lc := launchContextFrom(r); lc == nil || !lc.Teaching() {
			return fmt.Errorf("teaching role required: %w", ErrForbidden)
		}
		next.ServeHTTP(w, r)
		return nil
	})
}

func launchSessionFrom(r *http.Request) *LaunchSession {
	s, _ := r.Context().Value(ctxLaunchSession).(*LaunchSession)
	return s
}

func launchContextFrom(r *http.Request) *LaunchContext {
	lc, _ := r.Context().Value(ctxLaunchContext).(*LaunchContext)
	return lc
}

func launchIDFrom(r *http.Request) string {
	id, _ := r.Context().Value(ctxLaunchID).(string)
	return id
}
