// Package lti implements the LTI 1.3 protocol for a tool: OIDC login
// initiation, id_token validation, tool keys and JWKS. It imports only the
// standard library and jwx, returns typed values and errors, and never logs.
//
// Specifications: LTI Core 1.3 (https://www.imsglobal.org/spec/lti/v1p3/),
// 1EdTech Security Framework 1.0 (https://www.imsglobal.org/spec/security/v1p0/).
package lti

// Claim names of LTI Core 1.3 section 5 and the service specifications.
const (
	ClaimPrefix = "https://purl.imsglobal.org/spec/lti/claim/"

	ClaimMessageType        = ClaimPrefix + "message_type"
	ClaimVersion            = ClaimPrefix + "version"
	ClaimDeploymentID       = ClaimPrefix + "deployment_id"
	ClaimTargetLinkURI      = ClaimPrefix + "target_link_uri"
	ClaimResourceLink       = ClaimPrefix + "resource_link"
	ClaimRoles              = ClaimPrefix + "roles"
	ClaimContext            = ClaimPrefix + "context"
	ClaimToolPlatform       = ClaimPrefix + "tool_platform"
	ClaimLaunchPresentation = ClaimPrefix + "launch_presentation"
	ClaimLIS                = ClaimPrefix + "lis"
	ClaimCustom             = ClaimPrefix + "custom"

	ClaimAGSEndpoint         = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
	ClaimNRPS                = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
	ClaimDeepLinkingSettings = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
)

// Message types and the protocol version this package speaks.
const (
	MessageResourceLink       = "LtiResourceLinkRequest"
	MessageDeepLinkingRequest = "LtiDeepLinkingRequest"
	Version                   = "1.3.0"
)

// Role URIs of the LIS vocabulary (LTI Core 1.3 appendix A.2).
const (
	RoleInstructor        = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
	RoleLearner           = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
	RoleAdministrator     = "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator"
	RoleContentDeveloper  = "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper"
	RoleMentor            = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"
	RoleTeachingAssistant = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
	RoleInstitutionAdmin  = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
	RoleSystemAdmin       = "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"
)
