package ltitest

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/astre-lti/astre/lti"
)

// fixtures are id_tokens and answers captured from a real Moodle 4.5.0.
//
//go:embed testdata/moodle-4.5/*.json
var fixtures embed.FS

// Claim names that package lti does not need itself.
const (
	claimExt          = lti.ClaimPrefix + "ext"
	claimBasicOutcome = "https://purl.imsglobal.org/spec/lti-bo/claim/basicoutcome"

	// MessageResourceLink is the default message type of a launch.
	MessageResourceLink = lti.MessageResourceLink
	// MessageDeepLinking asks the tool to pick content (Deep Linking 2.0).
	MessageDeepLinking = lti.MessageDeepLinkingRequest

	courseOffering = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"

	// openEdXUser is the default Open edX sub: an external user id (UUID).
	openEdXUser = "5d4b2a8e-3f6c-4b1e-9a7d-2c8f0e1b6a93"
)

// LaunchOptions describe one launch: who, where, and how to break it.
// The zero value is the profile's learner launching its resource link.
type LaunchOptions struct {
	ClientID       string            // default: Platform.ClientID
	MessageType    string            // default: MessageResourceLink
	UserID         string            // sub and login_hint; default: the fixture user ("4", or "3" for deep linking)
	GivenName      string            // default: the fixture's (Moodle) or "Sam" (Open edX PII)
	FamilyName     string            // default likewise
	Email          string            // default likewise
	Roles          []string          // nil: the profile's default; empty: an empty roles array
	Locale         string            // Moodle only, e.g. "pt_br"; default "en"
	ResourceLinkID string            // default: the fixture's "1" or the Open edX block's usage key
	ContextID      string            // default: the fixture's course "2" (Moodle URLs follow it)
	Custom         map[string]string // merged over the profile's custom claim
	Anonymous      bool              // no sub and no personal data
	NoLineItem     bool              // no lineitem in the AGS claim, as for an activity added without a grade
	PII            bool              // Open edX: the course shares name and email
	Audiences      []string          // more audiences: aud becomes an array and azp = client_id
	TargetLinkURI  string            // default: ToolConfig.TargetLinkURI
	StorageTarget  string            // lti_storage_target of the login: the platform's postMessage storage frame
	IssuedAt       time.Time         // default: now
	// Mutate edits the finished claims, to break any rule.
	Mutate func(claims map[string]any)
	// SignOptions pick the key and algorithm and can break the token.
	SignOptions
}

// Fixture returns a captured Moodle 4.5 file by name, for example
// "resource-link-learner.json" (see testdata/moodle-4.5).
func Fixture(name string) ([]byte, error) {
	return fixtures.ReadFile("testdata/moodle-4.5/" + name)
}

func (o LaunchOptions) messageType() string {
	if o.MessageType == "" {
		return MessageResourceLink
	}
	return o.MessageType
}

// userID is the sub of the launch, which is also the login_hint.
func (p *Platform) userID(o LaunchOptions) string {
	switch {
	case o.UserID != "":
		return o.UserID
	case p.Profile == OpenEdX:
		return openEdXUser
	case o.messageType() == MessageDeepLinking:
		return "3"
	}
	return "4"
}

// Claims builds the id_token claims the platform would send to clientID
// (default: opts.ClientID, then Platform.ClientID) with nonce. Moodle claims are the captured
// fixture with iss, aud, nonce, iat, exp, target_link_uri, the platform's
// own URLs and whatever opts ask for replaced. opts.Mutate runs last.
func (p *Platform) Claims(opts LaunchOptions, clientID, nonce string) map[string]any {
	if clientID == "" {
		clientID = opts.ClientID
	}
	if clientID == "" {
		clientID = p.ClientID
	}
	var claims map[string]any
	lifetime := 60 * time.Second
	if p.Profile == OpenEdX {
		claims = p.openEdXClaims(opts, clientID)
		lifetime = time.Hour
	} else {
		claims = p.moodleClaims(opts)
	}

	iat := opts.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	claims["iss"] = p.Issuer
	claims["nonce"] = nonce
	claims["iat"] = iat.Unix()
	claims["exp"] = iat.Add(lifetime).Unix()
	switch {
	case len(opts.Audiences) > 0:
		aud := []any{clientID}
		for _, a := range opts.Audiences {
			aud = append(aud, a)
		}
		claims["aud"], claims["azp"] = aud, clientID
	case p.Profile == OpenEdX:
		claims["aud"] = []any{clientID}
	default:
		claims["aud"] = clientID
	}
	if dep := p.Deployment(clientID); dep != "" {
		claims[lti.ClaimDeploymentID] = dep
	}
	target := opts.TargetLinkURI
	if target == "" {
		target = p.toolFor(clientID).TargetLinkURI
	}
	claims[lti.ClaimTargetLinkURI] = target
	claims[lti.ClaimMessageType] = opts.messageType()
	if opts.Roles != nil {
		roles := []any{}
		for _, r := range opts.Roles {
			roles = append(roles, r)
		}
		claims[lti.ClaimRoles] = roles
	}
	if len(opts.Custom) > 0 {
		custom, _ := claims[lti.ClaimCustom].(map[string]any)
		if custom == nil {
			custom = map[string]any{}
		}
		for k, v := range opts.Custom {
			custom[k] = v
		}
		claims[lti.ClaimCustom] = custom
	}
	if opts.Anonymous {
		for _, k := range []string{"sub", "given_name", "family_name", "name", "email", "preferred_username"} {
			delete(claims, k)
		}
		delete(object(claims, claimExt), "user_username")
	}
	if ags, ok := claims[lti.ClaimAGSEndpoint].(map[string]any); ok && opts.NoLineItem {
		delete(ags, "lineitem")
	}
	if opts.Mutate != nil {
		opts.Mutate(claims)
	}
	return claims
}

// moodleClaims is the Moodle fixture for the message type with the
// platform's URLs and the options' user, resource link and course.
func (p *Platform) moodleClaims(o LaunchOptions) map[string]any {
	name := "resource-link-learner.json"
	if o.messageType() == MessageDeepLinking {
		name = "deep-linking-instructor.json"
	}
	claims := fixtureClaims(name)

	// Every URL pointing at the platform moves to this server; which
	// ones are present depends on the message, as in Moodle.
	urls := []struct{ claim, field string }{
		{lti.ClaimAGSEndpoint, "lineitems"}, {lti.ClaimAGSEndpoint, "lineitem"},
		{lti.ClaimNRPS, "context_memberships_url"}, {lti.ClaimCustom, "context_memberships_url"},
		{lti.ClaimLaunchPresentation, "return_url"}, {lti.ClaimDeepLinkingSettings, "deep_link_return_url"},
		{claimBasicOutcome, "lis_outcome_service_url"},
	}
	oldCourse, _ := object(claims, lti.ClaimContext)["id"].(string)
	oldLink, _ := object(claims, lti.ClaimResourceLink)["id"].(string)
	for _, u := range urls {
		obj := object(claims, u.claim)
		s, ok := obj[u.field].(string)
		if !ok {
			continue
		}
		s = p.rebase(s)
		if o.ContextID != "" {
			s = moodleCourseURL(s, oldCourse, o.ContextID)
		}
		if o.ResourceLinkID != "" && oldLink != "" {
			s = setQueryParam(s, "instanceid", o.ResourceLinkID)
		}
		obj[u.field] = s
	}

	claims["sub"] = p.userID(o)
	if o.GivenName != "" || o.FamilyName != "" {
		claims["given_name"], claims["family_name"] = o.GivenName, o.FamilyName
		claims["name"] = strings.TrimSpace(o.GivenName + " " + o.FamilyName)
	}
	if o.Email != "" {
		claims["email"] = o.Email
	}
	if o.ContextID != "" {
		object(claims, lti.ClaimContext)["id"] = o.ContextID
	}
	if o.ResourceLinkID != "" && oldLink != "" {
		object(claims, lti.ClaimResourceLink)["id"] = o.ResourceLinkID
	}
	if o.Locale != "" {
		object(claims, lti.ClaimLaunchPresentation)["locale"] = o.Locale
	}
	if bo := object(claims, claimBasicOutcome); bo != nil {
		if s, ok := bo["lis_result_sourcedid"].(string); ok {
			bo["lis_result_sourcedid"] = moodleSourcedID(s, o.ResourceLinkID, p.userID(o))
		}
	}
	return claims
}

// openEdXClaims are the claims of xblock-lti-consumer for clientID's block.
func (p *Platform) openEdXClaims(o LaunchOptions, clientID string) map[string]any {
	c, ok := p.lookupClient(clientID)
	if !ok {
		c, _ = p.lookupClient(p.ClientID)
	}
	svc := p.URL() + "/api/lti_consumer/v1/lti/" + c.configID
	contextID := "course-v1:ASTRE+LTI101+2025"
	if o.ContextID != "" {
		contextID = o.ContextID
	}
	claims := map[string]any{
		"sub":                       p.userID(o),
		lti.ClaimVersion:            "1.3.0",
		lti.ClaimRoles:              []any{lti.RoleLearner},
		lti.ClaimLaunchPresentation: map[string]any{"document_target": "iframe"},
		lti.ClaimContext: map[string]any{
			"id":    contextID,
			"type":  []any{courseOffering},
			"title": "LTI Harness Course",
			"label": "LTI101",
		},
		lti.ClaimNRPS: map[string]any{
			"context_memberships_url": svc + "/memberships",
			"service_versions":        []any{"2.0"},
		},
	}
	if o.messageType() == MessageDeepLinking {
		claims[lti.ClaimRoles] = []any{lti.RoleInstructor}
		claims[lti.ClaimDeepLinkingSettings] = map[string]any{
			"deep_link_return_url":                 svc + "/lti-dl/response",
			"accept_types":                         []any{"ltiResourceLink"},
			"accept_presentation_document_targets": []any{"iframe", "window", "embed"},
		}
	} else {
		link := c.blockID
		if o.ResourceLinkID != "" {
			link = o.ResourceLinkID
		}
		claims[lti.ClaimResourceLink] = map[string]any{"id": link, "title": "Survey (LTI 1.3)"}
		claims[lti.ClaimAGSEndpoint] = map[string]any{
			"scope": []any{
				"https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
				"https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
				"https://purl.imsglobal.org/spec/lti-ags/scope/score",
			},
			"lineitems": svc + "/lti-ags",
			"lineitem":  svc + "/lti-ags/1",
		}
	}
	if o.PII {
		given, family, email := "Sam", "Student", "student1@example.invalid"
		if o.GivenName != "" || o.FamilyName != "" {
			given, family = o.GivenName, o.FamilyName
		}
		if o.Email != "" {
			email = o.Email
		}
		claims["name"] = strings.TrimSpace(given + " " + family)
		claims["email"] = email
		claims["preferred_username"] = strings.ToLower(given) + "1"
	}
	return claims
}

// fixtureClaims decodes a fresh copy of a fixture's claims.
func fixtureClaims(name string) map[string]any {
	raw, err := Fixture(name)
	if err != nil {
		panic(fmt.Sprintf("ltitest: embedded fixture %s: %v", name, err))
	}
	var f struct {
		Claims map[string]any `json:"claims"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		panic(fmt.Sprintf("ltitest: embedded fixture %s: %v", name, err))
	}
	return f.Claims
}

// object returns claims[name] as an object, or nil.
func object(claims map[string]any, name string) map[string]any {
	m, _ := claims[name].(map[string]any)
	return m
}

// moodleCourseURL moves a Moodle service or return URL to another course:
// services.php/{course}/..., CourseSection/{course}/... and course={course}.
func moodleCourseURL(raw, oldID, newID string) string {
	esc := url.PathEscape(newID)
	raw = strings.Replace(raw, "/services.php/"+oldID+"/", "/services.php/"+esc+"/", 1)
	raw = strings.Replace(raw, "/CourseSection/"+oldID+"/", "/CourseSection/"+esc+"/", 1)
	return setQueryParam(raw, "course", newID)
}

// setQueryParam replaces an existing query parameter without reordering
// the others (url.Values.Encode would sort them).
func setQueryParam(raw, name, value string) string {
	base, query, ok := strings.Cut(raw, "?")
	if !ok {
		return raw
	}
	pairs := strings.Split(query, "&")
	for i, pair := range pairs {
		if k, _, _ := strings.Cut(pair, "="); k == name {
			pairs[i] = name + "=" + url.QueryEscape(value)
		}
	}
	return base + "?" + strings.Join(pairs, "&")
}

// moodleSourcedID rewrites the LTI 1.1 result sourcedid for another
// instance or user, keeping Moodle's field order. The hash stays: tools
// cannot check it.
func moodleSourcedID(raw, instanceID, userID string) string {
	var s struct {
		Data struct {
			InstanceID string `json:"instanceid"`
			UserID     string `json:"userid"`
			TypeID     string `json:"typeid"`
			LaunchID   int64  `json:"launchid"`
		} `json:"data"`
		Hash string `json:"hash"`
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return raw
	}
	if instanceID != "" {
		s.Data.InstanceID = instanceID
	}
	s.Data.UserID = userID
	out, err := json.Marshal(s)
	if err != nil {
		return raw
	}
	return string(out)
}
