package tracker_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/tracker"
)

func TestValidLaunches(t *testing.T) {
	for _, tc := range []struct {
		name    string
		profile ltitest.Profile
		opts    func(h *harness) ltitest.LaunchOptions
		want    []string // in the landing page
	}{
		{"moodle learner, POST login, aud string", ltitest.Moodle, func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{}
		}, []string{"Welcome to Survey (LTI 1.3)", "LTI Harness Course", "/consent", `lang="en"`}},
		{"moodle instructor", ltitest.Moodle, func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{UserID: "3", Roles: []string{lti.RoleInstructor}}
		}, []string{"Set up Survey (LTI 1.3)", "<dd>Instructor</dd>", `name="instrument"`}},
		{"moodle pt_br locale falls back to English", ltitest.Moodle, func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Locale: "pt_br"}
		}, []string{`lang="en"`}},
		{"moodle de locale", ltitest.Moodle, func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Locale: "de"}
		}, []string{`lang="de"`, "Willkommen"}},
		{"moodle aud array with azp", ltitest.Moodle, func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Audiences: []string{"https://other.example.org"}}
		}, []string{"LTI Harness Course"}},
		{"moodle token 59 seconds old", ltitest.Moodle, func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{IssuedAt: time.Now().Add(-59 * time.Second)}
		}, []string{"LTI Harness Course"}},
		{"moodle JWKS key without alg", ltitest.Moodle, func(h *harness) ltitest.LaunchOptions {
			k, err := h.lms.AddKey(ltitest.KeyOptions{OmitAlg: true})
			if err != nil {
				h.t.Fatal(err)
			}
			return ltitest.LaunchOptions{SignOptions: ltitest.SignOptions{Key: k}}
		}, []string{"LTI Harness Course"}},
		{"moodle ES256 key", ltitest.Moodle, func(h *harness) ltitest.LaunchOptions {
			k, err := h.lms.AddKey(ltitest.KeyOptions{Alg: "ES256"})
			if err != nil {
				h.t.Fatal(err)
			}
			return ltitest.LaunchOptions{SignOptions: ltitest.SignOptions{Key: k}}
		}, []string{"LTI Harness Course"}},
		{"open edX learner, GET login, aud array", ltitest.OpenEdX, func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{}
		}, []string{"/consent"}},
		{"open edX second block client", ltitest.OpenEdX, func(h *harness) ltitest.LaunchOptions {
			c := h.lms.AddClient()
			h.register(c)
			return ltitest.LaunchOptions{ClientID: c}
		}, []string{"/consent"}},
		{"open edX anonymous", ltitest.OpenEdX, func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Anonymous: true}
		}, []string{"anonymous"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.profile)
			b := ltitest.NewBrowser()
			resp, err := b.Launch(context.Background(), h.lms, tc.opts(h))
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d (reason %q), want 200\n%s", resp.StatusCode, h.lastReason(), body)
			}
			seen := resp.Request.URL.Path + "\n" + body
			for _, want := range tc.want {
				if !strings.Contains(seen, want) {
					t.Errorf("landing page lacks %q", want)
				}
			}
			if n := h.launches(); n != 1 {
				t.Errorf("got %d launch sessions, want 1", n)
			}
			if strings.Contains(h.logs.String(), "eyJ") {
				t.Error("a token reached the log")
			}
		})
	}
}

// refused runs a launch that must be refused with status and reason, and
// checks that it left no session behind.
func refused(t *testing.T, h *harness, resp *http.Response, status int, reason lti.Reason) {
	t.Helper()
	body := readBody(t, resp)
	if resp.StatusCode != status {
		t.Errorf("got status %d (reason %q), want %d", resp.StatusCode, h.lastReason(), status)
	}
	if reason != "" && h.lastReason() != string(reason) {
		t.Errorf("got reason %q, want %q", h.lastReason(), reason)
	}
	if !strings.Contains(body, `<main id="main"`) || !strings.Contains(body, "<h1>") {
		t.Errorf("refusal is not an error page:\n%.400s", body)
	}
	if n := h.launches(); n != 0 {
		t.Errorf("a refused launch left %d sessions", n)
	}
}

func TestLaunchRejections(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   func(h *harness) ltitest.LaunchOptions
		status int
		reason lti.Reason
	}{
		{"alg none", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{SignOptions: ltitest.SignOptions{Alg: "none"}}
		}, 401, lti.ReasonAlgNotAllowed},
		{"HS256 with the platform's public key as secret", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{SignOptions: ltitest.SignOptions{Alg: "HS256"}}
		}, 401, lti.ReasonAlgNotAllowed},
		{"another key with the same kid", func(h *harness) ltitest.LaunchOptions {
			k, err := h.lms.AddKey(ltitest.KeyOptions{KID: h.lms.SigningKey().KID, Unpublished: true})
			if err != nil {
				h.t.Fatal(err)
			}
			return ltitest.LaunchOptions{SignOptions: ltitest.SignOptions{Key: k}}
		}, 401, lti.ReasonBadSignature},
		{"expired", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{IssuedAt: time.Now().Add(-3 * time.Minute)}
		}, 401, lti.ReasonExpired},
		{"iat in the future beyond leeway", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{IssuedAt: time.Now().Add(5 * time.Minute)}
		}, 401, lti.ReasonIssuedInFuture},
		{"nbf in the future", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Mutate: func(c map[string]any) { c["nbf"] = time.Now().Add(10 * time.Minute).Unix() }}
		}, 401, lti.ReasonNotYetValid},
		{"wrong aud", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Mutate: func(c map[string]any) { c["aud"] = "someone-else" }}
		}, 401, lti.ReasonWrongAudience},
		{"aud array without client_id", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Mutate: func(c map[string]any) { c["aud"] = []string{"a", "b"} }}
		}, 401, lti.ReasonWrongAudience},
		{"azp not client_id", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Audiences: []string{"other"}, Mutate: func(c map[string]any) { c["azp"] = "other" }}
		}, 401, lti.ReasonWrongAZP},
		{"wrong iss", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Mutate: func(c map[string]any) { c["iss"] = "https://evil.example.org" }}
		}, 401, lti.ReasonWrongIssuer},
		{"missing deployment_id", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Mutate: func(c map[string]any) { delete(c, lti.ClaimDeploymentID) }}
		}, 400, lti.ReasonMissingDeployment},
		{"unknown deployment_id", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Mutate: func(c map[string]any) { c[lti.ClaimDeploymentID] = "99" }}
		}, 403, lti.ReasonUnknownDeployment},
		{"wrong message_type", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Mutate: func(c map[string]any) { c[lti.ClaimMessageType] = "LtiSubmissionReviewRequest" }}
		}, 400, lti.ReasonWrongMessageType},
		{"version not 1.3.0", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Mutate: func(c map[string]any) { c[lti.ClaimVersion] = "1.1.0" }}
		}, 400, lti.ReasonWrongVersion},
		{"missing nonce", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Mutate: func(c map[string]any) { delete(c, "nonce") }}
		}, 400, lti.ReasonMissingNonce},
		{"nonce of another login", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Mutate: func(c map[string]any) { c["nonce"] = lti.RandomToken() }}
		}, 401, lti.ReasonNonceMismatch},
		{"payload altered after signing", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{SignOptions: ltitest.SignOptions{AlterAfterSigning: func(c map[string]any) {
				c[lti.ClaimRoles] = []string{lti.RoleInstructor}
			}}}
		}, 401, lti.ReasonBadSignature},
		{"truncated signature", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{SignOptions: ltitest.SignOptions{TruncateSignature: true}}
		}, 401, lti.ReasonBadSignature},
		{"a 1 MB token", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Mutate: func(c map[string]any) { c["padding"] = strings.Repeat("x", 750_000) }}
		}, 413, lti.ReasonTokenTooLarge},
		{"missing resource_link.id", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Mutate: func(c map[string]any) {
				c[lti.ClaimResourceLink] = map[string]any{"title": "no id"}
			}}
		}, 400, lti.ReasonBadClaim},
		{"roles not an array", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Mutate: func(c map[string]any) { c[lti.ClaimRoles] = lti.RoleLearner }}
		}, 400, lti.ReasonBadClaim},
		{"sub longer than 255", func(*harness) ltitest.LaunchOptions {
			return ltitest.LaunchOptions{Mutate: func(c map[string]any) { c["sub"] = strings.Repeat("9", 256) }}
		}, 400, lti.ReasonBadClaim},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, ltitest.Moodle)
			resp, err := ltitest.NewBrowser().Launch(context.Background(), h.lms, tc.opts(h))
			if err != nil {
				t.Fatal(err)
			}
			refused(t, h, resp, tc.status, tc.reason)
		})
	}
}

func TestLaunchRejectsUnknownKidAfterOneRefetch(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	ctx := context.Background()
	resp, err := ltitest.NewBrowser().Launch(ctx, h.lms, ltitest.LaunchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if got := h.lms.JWKSFetches(); got != 1 {
		t.Fatalf("after a valid launch: got %d JWKS fetches, want 1", got)
	}
	k, err := h.lms.AddKey(ltitest.KeyOptions{Unpublished: true})
	if err != nil {
		t.Fatal(err)
	}
	before := h.launches()
	resp, err = ltitest.NewBrowser().Launch(ctx, h.lms, ltitest.LaunchOptions{SignOptions: ltitest.SignOptions{Key: k}})
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusUnauthorized || h.lastReason() != string(lti.ReasonUnknownKID) {
		t.Errorf("got %d %q, want 401 unknown_kid\n%.300s", resp.StatusCode, h.lastReason(), body)
	}
	if got := h.lms.JWKSFetches(); got != 2 {
		t.Errorf("got %d JWKS fetches, want exactly 2 (one refetch)", got)
	}
	if h.launches() != before {
		t.Error("refused launch left a session")
	}
}

// form runs a launch up to the platform's auto-post form, without posting it.
func form(t *testing.T, b *ltitest.Browser, h *harness, opts ltitest.LaunchOptions) ltitest.LaunchForm {
	t.Helper()
	ctx := context.Background()
	authURL, resp, err := b.InitiateLogin(ctx, h.lms, opts)
	if err != nil {
		t.Fatal(err)
	}
	if authURL == nil {
		t.Fatalf("login did not redirect to the platform: status %d\n%s", resp.StatusCode, readBody(t, resp))
	}
	f, err := b.Authorize(ctx, authURL)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestStateRejections(t *testing.T) {
	t.Run("same token posted twice", func(t *testing.T) {
		h := newHarness(t, ltitest.Moodle)
		b := ltitest.NewBrowser()
		f := form(t, b, h, ltitest.LaunchOptions{})
		resp := mustPost(t, b, f.Action, f.Fields)
		readBody(t, resp)
		if resp.StatusCode != http.StatusSeeOther || h.launches() != 1 {
			t.Fatalf("first post: got %d and %d sessions, want 303 and 1", resp.StatusCode, h.launches())
		}
		resp = mustPost(t, b, f.Action, f.Fields)
		readBody(t, resp)
		if resp.StatusCode != http.StatusUnauthorized || h.lastReason() != string(lti.ReasonStateReplayed) {
			t.Errorf("replay: got %d %q, want 401 state_replayed", resp.StatusCode, h.lastReason())
		}
		if h.launches() != 1 {
			t.Errorf("replay created a session: %d", h.launches())
		}
	})

	t.Run("refused launch uses up its state", func(t *testing.T) {
		h := newHarness(t, ltitest.Moodle)
		b := ltitest.NewBrowser()
		f := form(t, b, h, ltitest.LaunchOptions{})
		good := f.Fields.Get("id_token")
		f.Fields.Set("id_token", good[:len(good)-8]+"AAAAAAAA") // the signature's end changed
		resp := mustPost(t, b, f.Action, f.Fields)
		refused(t, h, resp, http.StatusUnauthorized, lti.ReasonBadSignature)
		f.Fields.Set("id_token", good)
		resp = mustPost(t, b, f.Action, f.Fields)
		refused(t, h, resp, http.StatusUnauthorized, lti.ReasonStateReplayed)
		if h.launches() != 0 {
			t.Errorf("got %d sessions, want none", h.launches())
		}
	})

	t.Run("token of one login with the state of another", func(t *testing.T) {
		h := newHarness(t, ltitest.Moodle)
		b := ltitest.NewBrowser()
		first := form(t, b, h, ltitest.LaunchOptions{})
		second := form(t, b, h, ltitest.LaunchOptions{})
		fields := url.Values{"id_token": first.Fields["id_token"], "state": second.Fields["state"]}
		resp := mustPost(t, b, second.Action, fields)
		refused(t, h, resp, http.StatusUnauthorized, lti.ReasonNonceMismatch)
	})

	t.Run("unknown state", func(t *testing.T) {
		h := newHarness(t, ltitest.Moodle)
		b := ltitest.NewBrowser()
		f := form(t, b, h, ltitest.LaunchOptions{})
		f.Fields.Set("state", lti.RandomToken())
		resp := mustPost(t, b, f.Action, f.Fields)
		refused(t, h, resp, http.StatusUnauthorized, lti.ReasonStateUnknown)
	})

	t.Run("expired state", func(t *testing.T) {
		h := newHarness(t, ltitest.OpenEdX) // Open edX tokens live an hour: only the state expires
		b := ltitest.NewBrowser()
		f := form(t, b, h, ltitest.LaunchOptions{})
		h.advance(11 * time.Minute)
		resp := mustPost(t, b, f.Action, f.Fields)
		refused(t, h, resp, http.StatusUnauthorized, lti.ReasonStateExpired)
	})

	t.Run("state not bound to this browser", func(t *testing.T) {
		h := newHarness(t, ltitest.Moodle)
		f := form(t, ltitest.NewBrowser(), h, ltitest.LaunchOptions{})
		other := ltitest.NewBrowser() // the form posted from another browser: no login cookie
		resp := mustPost(t, other, f.Action, f.Fields)
		refused(t, h, resp, http.StatusForbidden, lti.ReasonStateUnbound)
	})

	t.Run("login cookie forged or copied from another login", func(t *testing.T) {
		h := newHarness(t, ltitest.Moodle)
		b := ltitest.NewBrowser()
		first := form(t, b, h, ltitest.LaunchOptions{})
		base, _ := url.Parse(h.base)
		cookieName := func(state string) string {
			sum := sha256.Sum256([]byte(state))
			return "astre_login_" + hex.EncodeToString(sum[:])[:16]
		}
		var firstValue string
		for _, c := range b.Client.Jar.Cookies(base) {
			if c.Name == cookieName(first.Fields.Get("state")) {
				firstValue = c.Value
			}
		}
		if firstValue == "" {
			t.Fatal("the first login set no cookie")
		}
		tampered := []byte(firstValue)
		tampered[len(tampered)/2] ^= 1
		for name, value := range map[string]string{"copied": firstValue, "tampered": string(tampered)} {
			second := form(t, b, h, ltitest.LaunchOptions{}) // a state is consumed by its first post
			other := ltitest.NewBrowser()
			other.Client.Jar.SetCookies(base, []*http.Cookie{{Name: cookieName(second.Fields.Get("state")), Value: value}})
			resp := mustPost(t, other, second.Action, second.Fields)
			if readBody(t, resp); resp.StatusCode != http.StatusForbidden || h.lastReason() != string(lti.ReasonStateUnbound) {
				t.Errorf("%s cookie: got %d %q, want 403 state_unbound", name, resp.StatusCode, h.lastReason())
			}
		}
		if n := h.launches(); n != 0 {
			t.Errorf("a forged cookie left %d launch sessions", n)
		}
	})

	t.Run("missing state and garbage token", func(t *testing.T) {
		h := newHarness(t, ltitest.Moodle)
		b := ltitest.NewBrowser()
		resp := mustPost(t, b, h.base+"/lti/launch", url.Values{"id_token": {"garbage"}})
		refused(t, h, resp, http.StatusBadRequest, lti.ReasonMissingParam)

		f := form(t, b, h, ltitest.LaunchOptions{})
		f.Fields.Set("id_token", "not.a.jwt")
		resp = mustPost(t, b, f.Action, f.Fields)
		refused(t, h, resp, http.StatusBadRequest, lti.ReasonMalformed)
	})

	t.Run("platform error is shown after the state check", func(t *testing.T) {
		h := newHarness(t, ltitest.Moodle)
		b := ltitest.NewBrowser()
		f := form(t, b, h, ltitest.LaunchOptions{})
		fields := url.Values{"state": f.Fields["state"], "error": {"login_required"}, "error_description": {"not logged in"}}
		resp := mustPost(t, b, f.Action, fields)
		refused(t, h, resp, http.StatusBadRequest, lti.ReasonPlatformError)
	})
}

func TestLaunchRequestLimits(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ltitest.Moodle)
	b := ltitest.NewBrowser()

	resp, err := b.Get(ctx, h.base+"/lti/launch")
	if err != nil {
		t.Fatal(err)
	}
	refused(t, h, resp, http.StatusMethodNotAllowed, "")

	f := form(t, b, h, ltitest.LaunchOptions{})
	f.Fields.Set("padding", strings.Repeat("x", 1<<20+1))
	resp = mustPost(t, b, f.Action, f.Fields)
	refused(t, h, resp, http.StatusRequestEntityTooLarge, "")
}

// A nonce is usable once even if a second login state carried it: the
// store's nonce record refuses it, independently of state single use.
func TestNonceReplayRefused(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ltitest.Moodle)
	b := ltitest.NewBrowser()
	f := form(t, b, h, ltitest.LaunchOptions{})
	resp := mustPost(t, b, f.Action, f.Fields)
	readBody(t, resp)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("first launch: got %d", resp.StatusCode)
	}
	nonce := tokenClaim(t, f.Fields.Get("id_token"), "nonce")

	state, binding := lti.RandomToken(), lti.RandomToken()
	p, err := h.db.Platform(ctx, h.lms.Issuer, h.lms.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	err = h.db.SaveLogin(ctx, &tracker.LoginState{
		StateHash: sha256Hex(state), Nonce: nonce, PlatformID: p.ID, Issuer: p.Issuer, ClientID: p.ClientID,
		TargetLinkURI: h.base + "/lti/launch", LoginHint: "4", BindingHash: sha256Hex(binding),
		CreatedAt: now, ExpiresAt: now.Add(time.Minute),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.srv.Launcher.Complete(ctx, tracker.LaunchInput{IDToken: f.Fields.Get("id_token"), State: state, Binding: binding})
	if got := lti.ReasonOf(err); got != lti.ReasonNonceReplayed {
		t.Errorf("got %v, want nonce_replayed", err)
	}
	if n := h.launches(); n != 1 {
		t.Errorf("got %d sessions, want only the first launch's", n)
	}
	// Refused for its nonce, the launch still used up its state.
	_, err = h.srv.Launcher.Complete(ctx, tracker.LaunchInput{IDToken: f.Fields.Get("id_token"), State: state, Binding: binding})
	if got := lti.ReasonOf(err); got != lti.ReasonStateReplayed {
		t.Errorf("the same state again: got %v, want state_replayed", err)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// tokenClaim reads one string claim of a JWT without verifying it.
func tokenClaim(t *testing.T, token, name string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %d parts", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	v, _ := claims[name].(string)
	return v
}

// mustPost posts a form from the browser's current page, failing the
// test on a transport error.
func mustPost(t *testing.T, b *ltitest.Browser, action string, fields url.Values) *http.Response {
	t.Helper()
	resp, err := b.PostForm(context.Background(), action, fields)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
