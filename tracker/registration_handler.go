package tracker

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/rs/zerolog/hlog"

	"github.com/astre-lti/astre/lti"
)

// registerPage is templates/register.html: what was registered, and the
// script that tells the platform the registration is over.
type registerPage struct {
	Page
	Issuer       string
	ClientID     string
	DeploymentID string
	Scopes       []string
}

// register is the Dynamic Registration initiation URL (LTI DR 1.0
// sections 3.4 to 3.7). The platform opens it in the administrator's
// browser with openid_configuration and registration_token; the
// operator's one-time link adds reg. Refusals and failures show a page in
// the administrator's language and do not close the window, so the
// message can be read.
func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	start, err := lti.ParseRegistrationStart(q)
	if err != nil {
		return fmt.Errorf("registration start: %w: %w", ErrInvalid, err)
	}
	res, err := s.Registrar.Register(r.Context(), start, q.Get("reg"))
	if err != nil {
		return fmt.Errorf("dynamic registration from %s: %w", hostOf(start.ConfigurationURL), err)
	}
	p := res.Platform
	hlog.FromRequest(r).Info().Str("event", "register").Str("iss", p.Issuer).Str("client_id", p.ClientID).
		Strs("deployment_id", p.Deployments).Str("product", res.ProductFamilyCode).Bool("link", q.Get("reg") != "").
		Msg("platform registered by dynamic registration")

	page := &registerPage{Page: s.newPage(r, s.langFor(r)), Issuer: p.Issuer, ClientID: p.ClientID, Scopes: res.Scopes}
	if len(p.Deployments) > 0 {
		page.DeploymentID = p.Deployments[0]
	}
	page.Title = page.T("register.done.title")
	return s.Render.Render(w, http.StatusOK, "register", page)
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return ""
}
