package lti

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Launch is a validated LTI 1.3 launch message (LTI Core 1.3 section 5):
// the typed claims the tool needs, never a raw claim map.
type Launch struct {
	Issuer        string
	ClientID      string
	Subject       string // "" for an anonymous launch
	DeploymentID  string
	MessageType   string
	Version       string
	TargetLinkURI string
	Nonce         string
	IssuedAt      time.Time
	ExpiresAt     time.Time

	Roles        []string
	Context      Context
	ResourceLink ResourceLink
	Platform     ToolPlatform
	Presentation Presentation
	Custom       map[string]string

	Name       string
	GivenName  string
	FamilyName string
	Email      string

	AGS         *AGSEndpoint         // nil when the platform offers no grade service
	NRPS        *NRPSService         // nil when the platform offers no roster service
	DeepLinking *DeepLinkingSettings // set for LtiDeepLinkingRequest
}

// Context is the course the launch comes from (section 5.4.1).
type Context struct {
	ID    string
	Label string
	Title string
	Types []string // Moodle sends "CourseSection", not a URI
}

// ResourceLink is the placement of the tool in the course (section 5.3.5).
type ResourceLink struct {
	ID          string
	Title       string
	Description string
}

// ToolPlatform describes the platform instance (section 5.4.2).
type ToolPlatform struct {
	GUID              string
	Name              string
	ProductFamilyCode string
	Version           string
}

// Presentation is the launch_presentation claim (section 5.4.4).
type Presentation struct {
	DocumentTarget string
	Locale         string // as sent, e.g. Moodle's "pt_br"
	ReturnURL      string
}

// AGSEndpoint is the Assignment and Grade Services claim (AGS 2.0 section 3.1).
type AGSEndpoint struct {
	Scope     []string
	LineItems string
	LineItem  string
}

// NRPSService is the Names and Role Provisioning claim (NRPS 2.0 section 3.6.1).
type NRPSService struct {
	ContextMembershipsURL string
	ServiceVersions       []string
}

// DeepLinkingSettings is the deep linking request claim (Deep Linking 2.0 section 4.4.1).
type DeepLinkingSettings struct {
	ReturnURL                 string
	AcceptTypes               []string
	AcceptPresentationTargets []string
	AcceptMultiple            bool
	// AcceptLineItem is nil when the claim leaves accept_lineitem out:
	// then nothing may be assumed (section 4.4.1), and Moodle 4.5, which
	// sends none, does create a grade item from a link's lineItem.
	AcceptLineItem *bool
	AutoCreate     bool
	Title          string
	Text           string
	Data           *string // nil when absent; "" must be echoed as ""
}

// HasRole reports whether any of the launch roles equals one of roles, or
// is a sub-role of one (".../membership/Instructor#TeachingAssistant").
// Short role names as Moodle's NRPS sends ("Instructor") match too.
func (l *Launch) HasRole(roles ...string) bool {
	for _, have := range l.Roles {
		for _, want := range roles {
			if roleMatches(have, want) {
				return true
			}
		}
	}
	return false
}

// IsInstructor reports a course role that sets up the activity: instructor,
// teaching assistant, content developer, or an administrator.
func (l *Launch) IsInstructor() bool {
	return l.HasRole(RoleInstructor, RoleContentDeveloper, RoleAdministrator) || l.IsAdministrator()
}

// IsAdministrator reports an institution or system administrator role, or
// the course-level Administrator membership.
func (l *Launch) IsAdministrator() bool {
	return l.HasRole(RoleInstitutionAdmin, RoleSystemAdmin, RoleAdministrator)
}

func roleMatches(have, want string) bool {
	if have == want {
		return true
	}
	// A sub-role ".../membership/Instructor#TeachingAssistant" belongs to ".../membership#Instructor".
	if i := strings.LastIndex(want, "#"); i >= 0 {
		base, name := want[:i], want[i+1:]
		if strings.HasPrefix(have, base+"/"+name+"#") {
			return true
		}
		return have == name
	}
	return false
}

// Locale returns the launch locale as a BCP 47 tag: Moodle's "pt_br"
// becomes "pt-BR"; "" when the platform sent none.
func (l *Launch) Locale() string {
	return NormalizeLocale(l.Presentation.Locale)
}

// NormalizeLocale turns platform locale codes (pt_br, en_US, zh-hans) into
// BCP 47 form: language lower case, region upper case, script title case.
func NormalizeLocale(s string) string {
	parts := strings.FieldsFunc(strings.TrimSpace(s), func(r rune) bool { return r == '_' || r == '-' })
	for i, p := range parts {
		switch {
		case i == 0:
			parts[i] = strings.ToLower(p)
		case len(p) == 2 || (len(p) == 3 && p[0] >= '0' && p[0] <= '9'):
			parts[i] = strings.ToUpper(p)
		case len(p) == 4:
			parts[i] = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		default:
			parts[i] = strings.ToLower(p)
		}
	}
	return strings.Join(parts, "-")
}

// ltiClaims mirrors the JSON of an LTI message. Fields whose shape varies
// between platforms are decoded leniently; none is ever type-asserted.
type ltiClaims struct {
	Subject       flexString      `json:"sub"`
	Nonce         string          `json:"nonce"`
	AZP           string          `json:"azp"`
	MessageType   string          `json:"https://purl.imsglobal.org/spec/lti/claim/message_type"`
	Version       string          `json:"https://purl.imsglobal.org/spec/lti/claim/version"`
	DeploymentID  flexString      `json:"https://purl.imsglobal.org/spec/lti/claim/deployment_id"`
	TargetLinkURI string          `json:"https://purl.imsglobal.org/spec/lti/claim/target_link_uri"`
	Roles         json.RawMessage `json:"https://purl.imsglobal.org/spec/lti/claim/roles"`
	Context       *struct {
		ID    flexString      `json:"id"`
		Label string          `json:"label"`
		Title string          `json:"title"`
		Type  json.RawMessage `json:"type"`
	} `json:"https://purl.imsglobal.org/spec/lti/claim/context"`
	ResourceLink *struct {
		ID          flexString `json:"id"`
		Title       string     `json:"title"`
		Description string     `json:"description"`
	} `json:"https://purl.imsglobal.org/spec/lti/claim/resource_link"`
	ToolPlatform *struct {
		GUID              flexString `json:"guid"`
		Name              string     `json:"name"`
		ProductFamilyCode string     `json:"product_family_code"`
		Version           flexString `json:"version"`
	} `json:"https://purl.imsglobal.org/spec/lti/claim/tool_platform"`
	Presentation *struct {
		DocumentTarget string `json:"document_target"`
		Locale         string `json:"locale"`
		ReturnURL      string `json:"return_url"`
	} `json:"https://purl.imsglobal.org/spec/lti/claim/launch_presentation"`
	Custom     map[string]json.RawMessage `json:"https://purl.imsglobal.org/spec/lti/claim/custom"`
	Name       string                     `json:"name"`
	GivenName  string                     `json:"given_name"`
	FamilyName string                     `json:"family_name"`
	Email      string                     `json:"email"`
	AGS        *struct {
		Scope     []string `json:"scope"`
		LineItems string   `json:"lineitems"`
		LineItem  string   `json:"lineitem"`
	} `json:"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"`
	NRPS *struct {
		ContextMembershipsURL string   `json:"context_memberships_url"`
		ServiceVersions       []string `json:"service_versions"`
	} `json:"https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"`
	DeepLinking *struct {
		ReturnURL      string    `json:"deep_link_return_url"`
		AcceptTypes    []string  `json:"accept_types"`
		AcceptTargets  []string  `json:"accept_presentation_document_targets"`
		AcceptMultiple flexBool  `json:"accept_multiple"`
		AcceptLineItem *flexBool `json:"accept_lineitem"`
		AutoCreate     flexBool  `json:"auto_create"`
		Title          string    `json:"title"`
		Text           string    `json:"text"`
		Data           *string   `json:"data"`
	} `json:"https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"`
}

// flexString accepts a JSON string or number: some platforms send numeric ids.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number")
	}
	*f = flexString(n.String())
	return nil
}

// flexBool accepts true/false and the strings "true"/"false".
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "null" || s == "" {
		*f = false
		return nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want a boolean")
	}
	*f = flexBool(v)
	return nil
}

// stringList decodes a claim that must be an array of strings. A JSON
// string is accepted as a one-element list when lenient is set (Moodle's
// context.type has been seen both ways).
func stringList(raw json.RawMessage, lenient bool) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	if lenient {
		var one string
		if err := json.Unmarshal(raw, &one); err == nil {
			return []string{one}, nil
		}
	}
	return nil, fmt.Errorf("want an array of strings")
}

func customValues(in map[string]json.RawMessage) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, raw := range in {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			out[k] = s
			continue
		}
		out[k] = string(bytes.TrimSpace(raw))
	}
	return out
}
