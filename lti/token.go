package lti

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwt"
)

// Token is an OAuth2 access token for the LTI Advantage services.
type Token struct {
	AccessToken string
	Scopes      []string // the scopes granted, a subset of those asked for
	ExpiresAt   time.Time
}

// TokenClient gets access tokens with the client-credentials grant and a
// signed JWT client assertion (Security Framework 4.1; LTI.md section 4).
// Tokens are cached per registration and scope set until shortly before
// they expire, and concurrent requests for the same token share one fetch:
// two grades submitted at once must not race to replace each other's token.
//
// The cache is per process: each instance holds valid tokens of its own,
// which platforms accept side by side.
type TokenClient struct {
	Client    *http.Client
	Signer    func(ctx context.Context) (*ToolKey, error) // the tool key that signs assertions
	UserAgent string                                      // Canvas refuses requests without one
	Now       func() time.Time

	mu    sync.Mutex
	cache map[string]*tokenEntry
}

type tokenEntry struct {
	mu    sync.Mutex // held while fetching
	token *Token
}

// refreshBefore is how long before expiry a cached token is replaced.
const refreshBefore = time.Minute

// Token returns a cached or new token for scopes at reg's token endpoint.
func (c *TokenClient) Token(ctx context.Context, reg Registration, scopes []string) (*Token, error) {
	e := c.entry(reg, scopes)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.token != nil && c.now().Add(refreshBefore).Before(e.token.ExpiresAt) {
		return e.token, nil
	}
	t, err := c.fetch(ctx, reg, scopes)
	if err != nil {
		return nil, err
	}
	e.token = t
	return t, nil
}

// Forget drops the cached token, after a service answered 401 with it.
func (c *TokenClient) Forget(reg Registration, scopes []string, stale *Token) {
	e := c.entry(reg, scopes)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.token == stale {
		e.token = nil
	}
}

func (c *TokenClient) entry(reg Registration, scopes []string) *tokenEntry {
	sorted := slices.Clone(scopes)
	slices.Sort(sorted)
	key := reg.Issuer + "\x00" + reg.ClientID + "\x00" + reg.TokenURL + "\x00" + strings.Join(sorted, " ")
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cache == nil {
		c.cache = make(map[string]*tokenEntry)
	}
	e, ok := c.cache[key]
	if !ok {
		e = &tokenEntry{}
		c.cache[key] = e
	}
	return e
}

// TokenError is a token endpoint's refusal, with its OAuth2 error code
// (e.g. invalid_scope, invalid_client) when it gave one.
type TokenError struct {
	Status int
	Code   string
	Detail string
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("token endpoint answered %d %s %s", e.Status, e.Code, e.Detail)
}

func (c *TokenClient) fetch(ctx context.Context, reg Registration, scopes []string) (*Token, error) {
	assertion, err := c.assertion(ctx, reg)
	if err != nil {
		return nil, err
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
		"scope":                 {strings.Join(scopes, " ")},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, reg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.UserAgent)
	now := c.now()
	resp, err := c.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("token request to %s: %w", reg.TokenURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("token response: %w", err)
	}
	var out struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		Scope       string `json:"scope"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	jsonErr := json.Unmarshal(body, &out)
	if resp.StatusCode != http.StatusOK {
		// Moodle answers an HTML page when its own curl rules block the tool.
		return nil, &TokenError{Status: resp.StatusCode, Code: out.Error, Detail: out.Description}
	}
	if jsonErr != nil || out.AccessToken == "" {
		return nil, &TokenError{Status: resp.StatusCode, Detail: "no access_token in the answer"}
	}
	if !strings.EqualFold(out.TokenType, "bearer") {
		return nil, &TokenError{Status: resp.StatusCode, Detail: fmt.Sprintf("token_type %q is not bearer", out.TokenType)}
	}
	if out.ExpiresIn <= 0 {
		out.ExpiresIn = 3600 // the usual lifetime when the platform does not say
	}
	granted := strings.Fields(out.Scope)
	if len(granted) == 0 {
		granted = scopes // RFC 6749 5.1: omitted means as requested
	}
	return &Token{AccessToken: out.AccessToken, Scopes: granted, ExpiresAt: now.Add(time.Duration(out.ExpiresIn) * time.Second)}, nil
}

// assertion is the client's signed JWT: iss = sub = client_id, aud the
// token URL as one string (Brightspace refuses a list), a unique jti.
func (c *TokenClient) assertion(ctx context.Context, reg Registration) (string, error) {
	key, err := c.Signer(ctx)
	if err != nil {
		return "", fmt.Errorf("client assertion key: %w", err)
	}
	now := c.now()
	tok, err := jwt.NewBuilder().
		Issuer(reg.ClientID).Subject(reg.ClientID).Audience([]string{reg.TokenURL}).
		IssuedAt(now).Expiration(now.Add(5 * time.Minute)).JwtID(RandomToken()).Build()
	if err != nil {
		return "", err
	}
	tok.Options().Enable(jwt.FlattenAudience) // "aud": "url", not ["url"]
	signed, err := key.Sign(tok)
	if err != nil {
		return "", fmt.Errorf("sign client assertion: %w", err)
	}
	return string(signed), nil
}

func (c *TokenClient) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
