package tracker

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/rs/zerolog/hlog"
)

// ToolConfig is every value an LMS administrator pastes into the platform.
type ToolConfig struct {
	Title         string   `json:"title"`
	Description   string   `json:"description"`
	LoginURL      string   `json:"oidc_initiation_url"`
	LaunchURL     string   `json:"launch_url"`
	RedirectURIs  []string `json:"redirect_uris"`
	TargetLinkURI string   `json:"target_link_uri"`
	JWKSURL       string   `json:"jwks_uri"`
	Domain        string   `json:"domain"`
	Scopes        []string `json:"scopes"`
	Messages      []string `json:"messages"`
	Claims        []string `json:"claims"`
}

// Config returns the tool's configuration for its base URL.
func (s *Server) Config() ToolConfig { return toolConfigFor(s.BaseURL) }

func toolConfigFor(base string) ToolConfig {
	domain := base
	if u, err := url.Parse(base); err == nil {
		domain = u.Host
	}
	launch := RedirectURI(base)
	return ToolConfig{
		Title:         "ASTRE",
		Description:   "Learner tracking surveys for quality assurance (LTI 1.3)",
		LoginURL:      base + "/lti/login",
		LaunchURL:     launch,
		RedirectURIs:  []string{launch},
		TargetLinkURI: launch,
		JWKSURL:       base + "/.well-known/jwks.json",
		Domain:        domain,
		Scopes: []string{
			"https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
			"https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
			"https://purl.imsglobal.org/spec/lti-ags/scope/score",
			"https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
		},
		Messages: []string{"LtiResourceLinkRequest", "LtiDeepLinkingRequest"},
		Claims:   []string{"iss", "sub", "email", "name"},
	}
}

type configPage struct {
	Page
	Config ToolConfig
	// Dynamic Registration: the URL platforms on the allowed hosts use.
	RegisterURL       string
	RegistrationHosts []string
}

func (s *Server) configPage(w http.ResponseWriter, r *http.Request) error {
	p := &configPage{Page: s.newPage(r, s.langFor(r)), Config: s.Config(),
		RegisterURL: s.BaseURL + "/lti/register", RegistrationHosts: s.Registrar.Hosts}
	p.Title = p.T("config.title")
	return s.Render.Render(w, http.StatusOK, "config", p)
}

func (s *Server) configJSON(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, s.Config())
}

// jwks serves the tool's published public keys (LTI.md section 3).
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) error {
	doc, err := s.Keys.JWKS(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
	_, err = w.Write(doc)
	return err
}

// health answers 200 when the database answers, 503 otherwise.
func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	if err := s.Store.Ping(r.Context()); err != nil {
		hlog.FromRequest(r).Error().Err(err).Msg("health check: database unreachable")
		return writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}
