package tracker

import "github.com/astre-lti/astre/lti"

// Role is the person's part in the activity, derived from LTI roles.
type Role string

// Roles ASTRE distinguishes.
const (
	RoleLearner       Role = "learner"
	RoleInstructor    Role = "instructor"
	RoleAdministrator Role = "administrator"
	RoleOther         Role = "other"
)

// LaunchContext is what a launch session remembers of its launch: where
// it comes from and which services it offers. It holds no name or e-mail:
// those are kept only when a consent purpose needs them.
type LaunchContext struct {
	Issuer       string `json:"iss"`
	ClientID     string `json:"client_id"`
	DeploymentID string `json:"deployment_id"`
	MessageType  string `json:"message_type"`
	Anonymous    bool   `json:"anonymous,omitempty"`
	// UserID is the platform's id of the person (sub): a score must name
	// it. It lives only as long as the launch session and in undelivered
	// scores.
	UserID string `json:"sub,omitempty"`

	Role  Role     `json:"role"`
	Roles []string `json:"roles,omitempty"`

	ContextID         string `json:"context_id,omitempty"`
	ContextTitle      string `json:"context_title,omitempty"`
	ContextLabel      string `json:"context_label,omitempty"`
	ResourceLinkID    string `json:"resource_link_id,omitempty"`
	ResourceLinkTitle string `json:"resource_link_title,omitempty"`

	Locale         string `json:"locale,omitempty"` // BCP 47, from the launch
	Lang           string `json:"lang"`             // the UI language in use
	DocumentTarget string `json:"document_target,omitempty"`
	ReturnURL      string `json:"return_url,omitempty"`
	PlatformName   string `json:"platform_name,omitempty"`
	PlatformFamily string `json:"platform_family,omitempty"`

	Custom map[string]string `json:"custom,omitempty"`
	// Contact is the name and e-mail the platform sent, sealed with the
	// key-encryption key; kept past the session only if the learner
	// grants the follow-up contact purpose.
	Contact     []byte                   `json:"contact,omitempty"`
	AGS         *lti.AGSEndpoint         `json:"ags,omitempty"`
	NRPS        *lti.NRPSService         `json:"nrps,omitempty"`
	DeepLinking *lti.DeepLinkingSettings `json:"deep_linking,omitempty"`
}

func newLaunchContext(l *lti.Launch, lang string) LaunchContext {
	lc := LaunchContext{
		Issuer: l.Issuer, ClientID: l.ClientID, DeploymentID: l.DeploymentID, MessageType: l.MessageType,
		Anonymous: l.Subject == "", UserID: l.Subject, Role: roleOf(l), Roles: l.Roles,
		ContextID: l.Context.ID, ContextTitle: l.Context.Title, ContextLabel: l.Context.Label,
		ResourceLinkID: l.ResourceLink.ID, ResourceLinkTitle: l.ResourceLink.Title,
		Locale: l.Locale(), Lang: lang, DocumentTarget: l.Presentation.DocumentTarget, ReturnURL: l.Presentation.ReturnURL,
		PlatformName: l.Platform.Name, PlatformFamily: l.Platform.ProductFamilyCode,
		Custom: l.Custom, AGS: l.AGS, NRPS: l.NRPS, DeepLinking: l.DeepLinking,
	}
	return lc
}

func roleOf(l *lti.Launch) Role {
	switch {
	case l.IsAdministrator():
		return RoleAdministrator
	case l.IsInstructor():
		return RoleInstructor
	case l.HasRole(lti.RoleLearner):
		return RoleLearner
	default:
		return RoleOther
	}
}

// Teaching reports a role that sees the activity's setup.
func (lc *LaunchContext) Teaching() bool {
	return lc.Role == RoleInstructor || lc.Role == RoleAdministrator
}

// answersSurveys reports whether the launch opens the learner's pages:
// a learner with a user id (not an anonymous launch) in a resource link.
func (lc *LaunchContext) answersSurveys() bool {
	return !lc.Teaching() && !lc.Anonymous && lc.MessageType == lti.MessageResourceLink
}

// ContactDetails are what a sealed contact holds.
type ContactDetails struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}
