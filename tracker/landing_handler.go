package tracker

import (
	"net/http"

	"github.com/astre-lti/astre/lti"
)

// landingPage is templates/landing.html, the first page after a launch.
type landingPage struct {
	Page
	Instructor   bool
	Course       string
	Activity     string
	RoleKey      string
	PlatformName string
	Anonymous    bool
	DeepLinking  bool
	Settings     *settingsView
	// Links for teaching roles to the activity's other pages.
	GradesURL, RosterURL, FollowupURL string
	ReportURL                         string // the course report, for teaching roles in a course
	DashboardURL                      string // the provider dashboard, for LMS administrators
}

// launchPage fills the base page of a page inside a launch.
func (s *Server) launchPage(r *http.Request) Page {
	p := s.newPage(r, launchContextFrom(r).Lang)
	p.LanguageAction = s.launchURL(launchIDFrom(r), "/language")
	p.CSRF = launchSessionFrom(r).CSRFToken
	return p
}

// landing is role-aware: learners go on to consent and the survey,
// teaching roles see the activity's setup.
func (s *Server) landing(w http.ResponseWriter, r *http.Request) error {
	lc := launchContextFrom(r)
	if lc.answersSurveys() {
		return s.learnerNext(w, r, nil, true)
	}
	if lc.Teaching() && lc.MessageType == lti.MessageDeepLinkingRequest {
		return s.deepLinkForm(w, r)
	}
	return s.renderInstructor(w, r, http.StatusOK, nil)
}

// renderInstructor renders the landing page; for a teaching role in a
// resource link it carries the settings, which edit may adjust.
func (s *Server) renderInstructor(w http.ResponseWriter, r *http.Request, status int, edit func(*settingsView)) error {
	lc := launchContextFrom(r)
	p := &landingPage{
		Page:         s.launchPage(r),
		Instructor:   lc.Teaching(),
		Course:       firstNonEmpty(lc.ContextTitle, lc.ContextLabel, lc.ContextID),
		Activity:     firstNonEmpty(lc.ResourceLinkTitle, "ASTRE"),
		RoleKey:      "role." + string(lc.Role),
		PlatformName: lc.PlatformName,
		Anonymous:    lc.Anonymous,
		DeepLinking:  lc.DeepLinking != nil,
	}
	if p.Instructor {
		p.Title = p.T("landing.instructor.title", "activity", p.Activity)
	} else {
		p.Title = p.T("landing.learner.title", "activity", p.Activity)
	}
	if lc.Role == RoleAdministrator {
		p.DashboardURL = s.launchURL(launchIDFrom(r), "/dashboard")
	}
	if p.Instructor && lc.ContextID != "" {
		p.ReportURL = s.launchURL(launchIDFrom(r), "/report")
	}
	if p.Instructor && lc.MessageType == lti.MessageResourceLink {
		v, err := s.settings(r, &p.Page)
		if err != nil {
			return err
		}
		if edit != nil {
			edit(v)
		}
		p.Settings = v
		p.GradesURL = s.launchURL(launchIDFrom(r), "/grades")
		p.RosterURL = s.launchURL(launchIDFrom(r), "/roster")
		p.FollowupURL = s.launchURL(launchIDFrom(r), "/followup")
	}
	return s.Render.Render(w, status, "landing", p)
}

// setLanguage stores the language chosen in the page header.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) error {
	if err := s.Launcher.SetLanguage(r.Context(), launchSessionFrom(r), launchContextFrom(r), r.PostForm.Get("lang")); err != nil {
		return err
	}
	http.Redirect(w, r, s.launchURL(launchIDFrom(r), "/"), http.StatusSeeOther)
	return nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
