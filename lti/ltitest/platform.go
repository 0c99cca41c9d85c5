// Package ltitest is an in-process fake LMS (an LTI 1.3 platform) for tests.
// It runs on net/http/httptest, so the tool under test meets real HTTP:
// login initiation, an OIDC auth endpoint, signed id_tokens and a JWKS.
// A Profile makes it behave like Moodle 4.5 (claims copied from captured
// messages in testdata/moodle-4.5) or like Open edX.
//
// Browser drives whole launches the way Chromium would, so a test reads
// like a user clicking the activity in the course.
//
// It takes claim and role names from package lti; lti's tests that use
// the fake are therefore external (package lti_test).
package ltitest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
)

// Profile selects which real platform the fake imitates.
type Profile int

// The platforms the fake can imitate. See LTI.md section 9 in the project's shared notes.
const (
	// Moodle 4.5: aud a string, exp = iat + 60, login by auto-POST,
	// login_hint = user id, JSON lti_message_hint, CourseSection context.
	Moodle Profile = iota
	// OpenEdX: a client_id per block, aud an array, exp = iat + 3600,
	// login by GET redirect, LIS role and context type URIs, no PII by default.
	OpenEdX
)

// String names the profile.
func (pr Profile) String() string {
	switch pr {
	case Moodle:
		return "Moodle"
	case OpenEdX:
		return "OpenEdX"
	}
	return fmt.Sprintf("Profile(%d)", int(pr))
}

// ToolConfig is what an administrator types into the LMS about the tool.
type ToolConfig struct {
	LoginURL      string   // initiate_login_uri
	RedirectURIs  []string // compared byte for byte, as Moodle and Open edX do
	TargetLinkURI string   // the launch URL placed in target_link_uri
	JWKSURL       string   // the tool's public keyset, for client assertions
}

// Platform is a running fake LMS. Issuer, ClientID and DeploymentID are
// set by NewPlatform and must be treated as read-only; to send other values
// use LaunchOptions.Mutate. All methods are safe for concurrent use.
type Platform struct {
	Profile      Profile
	Issuer       string // the server's base URL, as Moodle's wwwroot
	ClientID     string // the first client (Moodle tool type, Open edX block)
	DeploymentID string // the first client's deployment_id: "1"

	server *httptest.Server
	base   string // http://127.0.0.1:port, known before the server starts
	paths  paths

	mu          sync.Mutex
	tool        ToolConfig
	clients     map[string]*client
	clientOrder []string
	keys        []*Key
	signer      *Key
	jwksFetches int
	pending     map[string]*pendingLogin // by lti_message_hint
	authErrors  []string
	launchSeq   int
	lastLaunch  LaunchOptions // the options of the last initiation, for Moodle's launch.php
	tokens      tokenState
	ags         agsState
	lineItems   lineItemState
	deepLinks   []DeepLinkReturn
	roster      rosterState
	dynreg      dynregState
	course      *Course // the course page, set by SetCourse

	signRun func(sign func()) // runs each token's signing; nil: in place
}

// SignWith makes the platform hand each token's signing, the costly part
// of a launch on its side, to run (which must call sign before it
// returns). The load command uses it to sign at a lower priority than the
// learners' requests. Set it before the platform's first launch.
func (p *Platform) SignWith(run func(sign func())) { p.signRun = run }

func (p *Platform) runSigning(sign func()) {
	if p.signRun == nil {
		sign()
		return
	}
	p.signRun(sign)
}

// paths are the profile's endpoint paths on the fake's host.
type paths struct {
	auth, token, jwks string
}

// client is one registration of the tool under the issuer.
type client struct {
	id           string
	deploymentID string
	configID     string // Open edX LtiConfiguration id, used in service URLs
	blockID      string // Open edX usage key of the block (resource_link.id)

	// A client registered dynamically has its own tool URLs (nil: the
	// Platform's) and stays pending until an administrator activates it.
	tool    *ToolConfig
	pending bool
}

// pendingLogin is what the platform remembers between the login initiation
// and the auth request, as Moodle keeps it in the user's session.
type pendingLogin struct {
	clientID  string
	loginHint string
	opts      LaunchOptions // ClientID and TargetLinkURI filled in
}

// NewPlatform starts a fake LMS on a loopback httptest server with one
// client and one RSA-2048 signing key. Call Close when done. It panics if
// the key cannot be generated, as httptest does when it cannot listen.
func NewPlatform(profile Profile) *Platform {
	p := &Platform{
		Profile: profile,
		clients: make(map[string]*client),
		pending: make(map[string]*pendingLogin),
	}
	if _, err := p.AddKey(KeyOptions{}); err != nil {
		panic(fmt.Sprintf("ltitest: generate platform key: %v", err))
	}
	p.signer = p.keys[0]

	// Everything handlers read is set before Start, so a request can
	// never see a half-built platform.
	mux := http.NewServeMux()
	p.server = httptest.NewUnstartedServer(mux)
	p.base = "http://" + p.server.Listener.Addr().String()
	p.Issuer = p.base
	p.ClientID = p.AddClient()
	p.DeploymentID = p.Deployment(p.ClientID)

	switch profile {
	case OpenEdX:
		cfg := p.clients[p.ClientID].configID
		p.paths = paths{
			auth:  "/api/lti_consumer/v1/launch/",
			token: "/api/lti_consumer/v1/token/" + cfg,
			jwks:  "/api/lti_consumer/v1/public_keysets/" + cfg,
		}
		mux.HandleFunc("/api/lti_consumer/v1/launch/", p.serveAuth)
		mux.HandleFunc("/api/lti_consumer/v1/token/{config}", p.serveToken)
		mux.HandleFunc("GET /api/lti_consumer/v1/public_keysets/{config}", p.serveJWKS)
		mux.HandleFunc("POST /api/lti_consumer/v1/lti/{config}/lti-ags/{item}/scores", p.serveScore)
		mux.HandleFunc("/api/lti_consumer/v1/lti/{config}/lti-ags", p.serveLineItems)
		mux.HandleFunc("POST /api/lti_consumer/v1/lti/{config}/lti-dl/response", p.serveDeepLinkReturn)
		mux.HandleFunc("GET /api/lti_consumer/v1/lti/{config}/memberships", p.serveMembers)
	default:
		p.paths = paths{
			auth:  "/mod/lti/auth.php",
			token: "/mod/lti/token.php",
			jwks:  "/mod/lti/certs.php",
		}
		mux.HandleFunc("/mod/lti/auth.php", p.serveAuth)
		mux.HandleFunc("/mod/lti/token.php", p.serveToken)
		mux.HandleFunc("GET /mod/lti/certs.php", p.serveJWKS)
		mux.HandleFunc("GET /mod/lti/launch.php", p.serveMoodleLaunch)
		mux.HandleFunc("GET /course/view.php", p.serveCourse)
		mux.HandleFunc("GET /mod/lti/storage.php", p.serveStorageFrame)
		mux.HandleFunc("POST /mod/lti/services.php/{course}/lineitems/{item}/lineitem/scores", p.serveScore)
		mux.HandleFunc("/mod/lti/services.php/{course}/lineitems", p.serveLineItems)
		mux.HandleFunc("POST /mod/lti/contentitem_return.php", p.serveDeepLinkReturn)
		mux.HandleFunc("GET /mod/lti/services.php/CourseSection/{course}/bindings/{binding}/memberships", p.serveMembers)
		mux.HandleFunc("GET "+moodleConfigurationPath, p.serveConfiguration)
		mux.HandleFunc("POST "+moodleRegistrationPath, p.serveRegistration)
	}
	p.server.Start()
	return p
}

// Close shuts the server down.
func (p *Platform) Close() { p.server.Close() }

// URL is the server's base URL, http://127.0.0.1:port.
func (p *Platform) URL() string { return p.base }

// AuthURL is the OIDC authorization endpoint the tool redirects to.
func (p *Platform) AuthURL() string { return p.base + p.paths.auth }

// TokenURL is the OAuth2 token endpoint. It answers 501 for now.
func (p *Platform) TokenURL() string { return p.base + p.paths.token }

// JWKSURL is the platform's public keyset URL.
func (p *Platform) JWKSURL() string { return p.base + p.paths.jwks }

// SetTool registers the tool's URLs, as an administrator would.
func (p *Platform) SetTool(cfg ToolConfig) {
	cfg.RedirectURIs = append([]string(nil), cfg.RedirectURIs...)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tool = cfg
}

// Tool returns the registered tool configuration.
func (p *Platform) Tool() ToolConfig {
	p.mu.Lock()
	defer p.mu.Unlock()
	cfg := p.tool
	cfg.RedirectURIs = append([]string(nil), cfg.RedirectURIs...)
	return cfg
}

// AddClient registers one more client_id under the same issuer and returns
// it. Open edX creates one per LTI block, always with deployment_id "1";
// Moodle creates one per tool type, with deployment ids "1", "2", ...
func (p *Platform) AddClient() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := &client{deploymentID: "1"}
	switch p.Profile {
	case OpenEdX:
		c.id = newUUID()
		c.configID = newUUID()
		c.blockID = "block-v1:ASTRE+LTI101+2025+type@lti_consumer+block@" + randomHex(16)
	default:
		c.id = randomAlnum(15)
		c.deploymentID = fmt.Sprint(len(p.clientOrder) + 1)
	}
	p.clients[c.id] = c
	p.clientOrder = append(p.clientOrder, c.id)
	return c.id
}

// Clients lists the registered client_ids, oldest first.
func (p *Platform) Clients() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.clientOrder...)
}

// Deployment returns the deployment_id of clientID, or "" if unknown.
func (p *Platform) Deployment(clientID string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[clientID]; ok {
		return c.deploymentID
	}
	return ""
}

// AuthErrors returns the messages of every request the auth endpoint
// refused, oldest first, so tests can assert why a launch failed.
func (p *Platform) AuthErrors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.authErrors...)
}

func (p *Platform) lookupClient(id string) (client, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.clients[id]
	if !ok {
		return client{}, false
	}
	return *c, true
}

// rebase moves a platform URL from the fixture's host to this server,
// keeping its path and raw query string byte for byte.
func (p *Platform) rebase(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	base, _ := url.Parse(p.base)
	u.Scheme, u.Host = base.Scheme, base.Host
	return u.String()
}

func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// randomAlnum returns n letters and digits, the shape of Moodle's client ids.
func randomAlnum(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// newUUID returns a random version 4 UUID, the shape of Open edX ids.
func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
