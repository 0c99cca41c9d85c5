package lti

// The JSON shapes of Dynamic Registration 1.0: what the platform publishes
// (section 3.5), what the tool sends (section 3.6) and what the platform
// answers (section 3.6.1). Fields the tool does not use are not decoded.

type openIDConfiguration struct {
	Issuer                string                 `json:"issuer"`
	AuthorizationEndpoint string                 `json:"authorization_endpoint"`
	TokenEndpoint         string                 `json:"token_endpoint"`
	JWKSURI               string                 `json:"jwks_uri"`
	RegistrationEndpoint  string                 `json:"registration_endpoint"`
	ScopesSupported       []string               `json:"scopes_supported"`
	Platform              *platformConfiguration `json:"https://purl.imsglobal.org/spec/lti-platform-configuration"`
}

type platformConfiguration struct {
	ProductFamilyCode string `json:"product_family_code"`
	Version           string `json:"version"`
}

type clientRequest struct {
	ApplicationType         string            `json:"application_type"`
	ResponseTypes           []string          `json:"response_types"`
	GrantTypes              []string          `json:"grant_types"`
	InitiateLoginURI        string            `json:"initiate_login_uri"`
	RedirectURIs            []string          `json:"redirect_uris"`
	ClientName              string            `json:"client_name"`
	JWKSURI                 string            `json:"jwks_uri"`
	TokenEndpointAuthMethod string            `json:"token_endpoint_auth_method"`
	Scope                   string            `json:"scope"`
	Tool                    toolConfiguration `json:"https://purl.imsglobal.org/spec/lti-tool-configuration"`
}

type toolConfiguration struct {
	Domain        string        `json:"domain"`
	TargetLinkURI string        `json:"target_link_uri"`
	Description   string        `json:"description,omitempty"`
	Claims        []string      `json:"claims"`
	Messages      []toolMessage `json:"messages"`
}

type toolMessage struct {
	Type          string `json:"type"`
	TargetLinkURI string `json:"target_link_uri,omitempty"`
	Label         string `json:"label,omitempty"`
}

type clientAnswer struct {
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	Tool     *struct {
		DeploymentID string `json:"deployment_id"`
	} `json:"https://purl.imsglobal.org/spec/lti-tool-configuration"`
}
