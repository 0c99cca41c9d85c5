package tracker

import (
	"errors"
	"net/http"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/hlog"

	"github.com/astre-lti/astre/lti"
)

// handlerFunc is a handler that may fail; errorHandler turns the failure
// into one status code and one localized error page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

var (
	errCSRF             = errors.New("csrf token missing or wrong")
	errMethodNotAllowed = errors.New("method not allowed")
)

// errorPage is the data of templates/error.html.
type errorPage struct {
	Page
	Heading      string
	Message      string
	NewWindowURL string
	ReturnURL    string
}

// outcome is how one error kind is shown: status, heading and message keys.
type outcome struct {
	status  int
	heading string
	message string
}

// reasonOutcomes maps each launch refusal reason to what the user sees.
var reasonOutcomes = map[lti.Reason]outcome{
	lti.ReasonTokenTooLarge:     {http.StatusRequestEntityTooLarge, "error.launch.title", "error.toolarge"},
	lti.ReasonStateUnbound:      {http.StatusForbidden, "error.launch.unbound.title", "error.launch.unbound.body"},
	lti.ReasonUnknownPlatform:   {http.StatusForbidden, "error.launch.title", "error.launch.platform"},
	lti.ReasonUnknownDeployment: {http.StatusForbidden, "error.launch.title", "error.launch.platform"},
	lti.ReasonExpired:           {http.StatusUnauthorized, "error.launch.title", "error.launch.expired"},
	lti.ReasonStateExpired:      {http.StatusUnauthorized, "error.launch.title", "error.launch.expired"},
	lti.ReasonStateReplayed:     {http.StatusUnauthorized, "error.launch.title", "error.launch.expired"},
	lti.ReasonStateUnknown:      {http.StatusUnauthorized, "error.launch.title", "error.launch.expired"},
	lti.ReasonNonceReplayed:     {http.StatusUnauthorized, "error.launch.title", "error.launch.expired"},
	lti.ReasonJWKSUnavailable:   {http.StatusBadGateway, "error.launch.title", "error.launch.body"},
	lti.ReasonPlatformError:     {http.StatusBadRequest, "error.launch.title", "error.launch.body"},
	lti.ReasonMissingParam:      {http.StatusBadRequest, "error.launch.title", "error.launch.body"},
	lti.ReasonBadParam:          {http.StatusBadRequest, "error.launch.title", "error.launch.body"},
	lti.ReasonMalformed:         {http.StatusBadRequest, "error.launch.title", "error.launch.body"},
	lti.ReasonBadClaim:          {http.StatusBadRequest, "error.launch.title", "error.launch.body"},
	lti.ReasonForeignTarget:     {http.StatusBadRequest, "error.launch.title", "error.launch.body"},
	lti.ReasonAmbiguousClient:   {http.StatusBadRequest, "error.launch.title", "error.launch.body"},
	lti.ReasonMissingDeployment: {http.StatusBadRequest, "error.launch.title", "error.launch.body"},
	lti.ReasonWrongMessageType:  {http.StatusBadRequest, "error.launch.title", "error.launch.body"},
	lti.ReasonWrongVersion:      {http.StatusBadRequest, "error.launch.title", "error.launch.body"},
	lti.ReasonMissingNonce:      {http.StatusBadRequest, "error.launch.title", "error.launch.body"},
}

// launchRefused is the outcome of every other refusal reason: the token is
// not trustworthy.
var launchRefused = outcome{http.StatusUnauthorized, "error.launch.title", "error.launch.body"}

// outcomeOf classifies an error: the one table from error kinds to statuses.
func outcomeOf(err error) outcome {
	var mbe *http.MaxBytesError
	var refusal *Refusal
	switch {
	case errors.As(err, &mbe):
		return outcome{http.StatusRequestEntityTooLarge, "error.title", "error.toolarge"}
	case errors.As(err, &refusal):
		if o, ok := reasonOutcomes[refusal.Err.Reason]; ok {
			return o
		}
		return launchRefused
	case errors.Is(err, errRegistrationNotAllowed):
		return outcome{http.StatusForbidden, "register.refused.title", "register.refused.nolink"}
	case errors.Is(err, errRegistrationLink):
		return outcome{http.StatusForbidden, "register.refused.title", "register.refused.link"}
	case errors.Is(err, errRegistrationPlatform):
		return outcome{http.StatusBadGateway, "register.failed.title", "register.failed.body"}
	case errors.Is(err, errRateLimited):
		return outcome{http.StatusTooManyRequests, "error.ratelimit.title", "error.ratelimit"}
	case errors.Is(err, errCSRF):
		return outcome{http.StatusForbidden, "error.title", "error.csrf"}
	case errors.Is(err, ErrLinkInvalid):
		return outcome{http.StatusNotFound, "link.invalid.title", "link.invalid.body"}
	case errors.Is(err, ErrLinkExpired):
		return outcome{http.StatusGone, "link.expired.title", "link.expired.body"}
	case errors.Is(err, ErrLinkUsed):
		return outcome{http.StatusGone, "link.used.title", "link.used.body"}
	case errors.Is(err, errMethodNotAllowed):
		return outcome{http.StatusMethodNotAllowed, "error.title", "error.method"}
	case errors.Is(err, ErrForbidden):
		return outcome{http.StatusForbidden, "error.title", "error.forbidden"}
	case errors.Is(err, ErrNotFound):
		return outcome{http.StatusNotFound, "error.title", "error.notfound"}
	case errors.Is(err, ErrUnauthorized), errors.Is(err, ErrExpired):
		return outcome{http.StatusUnauthorized, "error.title", "error.session"}
	case errors.Is(err, ErrInvalid):
		return outcome{http.StatusBadRequest, "error.title", "error.badrequest"}
	default:
		return outcome{http.StatusInternalServerError, "error.title", "error.internal"}
	}
}

// errorHandler adapts a handlerFunc: on error it logs the detail once and
// renders the error page in the user's language, never the error text.
func (s *Server) errorHandler(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	})
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	o := outcomeOf(err)
	log := hlog.FromRequest(r)
	var refusal *Refusal
	isRefusal := errors.As(err, &refusal)
	if !isRefusal { // refusals were logged once, with their reason, by the handler
		var ev *zerolog.Event
		switch {
		case o.status >= 500:
			ev = log.Error()
		case o.status == http.StatusTooManyRequests:
			ev = log.Debug() // a flood must not flood the log too
		default:
			ev = log.Info()
		}
		ev.Err(err).Int("status", o.status).Msg("request failed")
	}

	lang := s.langFor(r)
	var le *langError
	if errors.As(err, &le) && s.Catalogs.Supported(le.lang) {
		lang = le.lang // a mailed link told whose page this is
	}
	p := &errorPage{Page: s.newPage(r, lang)}
	p.Title = s.Catalogs.T(p.Lang, o.heading)
	p.Heading = p.Title
	p.Message = s.Catalogs.T(p.Lang, o.message)
	if isRefusal {
		p.NewWindowURL = refusal.RestartURL
		p.ReturnURL = refusal.ReturnURL
	}
	if rerr := s.Render.Render(w, o.status, "error", p); rerr != nil {
		log.Error().Err(rerr).Msg("render error page")
		http.Error(w, http.StatusText(o.status), o.status)
	}
}

// langFor is the language of a page outside a launch: the launch's choice
// when there is one in the request context, else Accept-Language.
func (s *Server) langFor(r *http.Request) string {
	if lc := launchContextFrom(r); lc != nil && lc.Lang != "" {
		return lc.Lang
	}
	return s.Catalogs.Match("", r.Header.Get("Accept-Language"))
}

func requestID(r *http.Request) string {
	if id, ok := hlog.IDFromRequest(r); ok {
		return id.String()
	}
	return ""
}
