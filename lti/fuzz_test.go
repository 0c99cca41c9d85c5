package lti_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the seed corpora in testdata/fuzz")

// The fuzzed validator trusts one registration, one fixed key and a fixed
// clock, so that the committed seed tokens stay valid.
const (
	fuzzIssuer = "https://lms.example.org"
	fuzzClient = "fuzz-client"
	fuzzNonce  = "fuzz-nonce"
)

var fuzzNow = time.Unix(1_800_000_000, 0)

type fuzzTarget struct {
	key       jwk.Key
	validator *lti.Validator
	reg       lti.Registration
}

func newFuzzTarget(tb testing.TB) *fuzzTarget {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "fuzz-key.jwk"))
	if err != nil {
		tb.Fatal(err)
	}
	key, err := jwk.ParseKey(raw)
	if err != nil {
		tb.Fatal(err)
	}
	pub, err := key.PublicKey()
	if err != nil {
		tb.Fatal(err)
	}
	set, _ := json.Marshal(map[string]any{"keys": []jwk.Key{pub}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(set) }))
	tb.Cleanup(srv.Close)
	return &fuzzTarget{
		key:       key,
		validator: &lti.Validator{Keys: lti.NewKeySets(srv.Client()), Now: func() time.Time { return fuzzNow }},
		reg:       lti.Registration{Issuer: fuzzIssuer, ClientID: fuzzClient, JWKSURL: srv.URL, Deployments: []string{"1", "2"}},
	}
}

func (f *fuzzTarget) sign(tb testing.TB, payload []byte) string {
	hdr := jws.NewHeaders()
	_ = hdr.Set(jws.KeyIDKey, f.key.KeyID())
	_ = hdr.Set(jws.TypeKey, "JWT")
	signed, err := jws.Sign(payload, jws.WithKey(jwa.ES256, f.key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		tb.Fatal(err)
	}
	return string(signed)
}

// check validates token and holds the result to what Validate promises:
// a typed refusal, or a launch that matches the registration and nonce.
func (f *fuzzTarget) check(t *testing.T, token string) {
	l, err := f.validator.Validate(context.Background(), token, f.reg, fuzzNonce)
	if err != nil {
		var le *lti.Error
		if !errors.As(err, &le) || le.Reason == "" {
			t.Fatalf("refusal is not a typed *lti.Error: %T %v", err, err)
		}
		return
	}
	if l.Issuer != fuzzIssuer || l.ClientID != fuzzClient || l.Nonce != fuzzNonce {
		t.Fatalf("accepted launch for %q/%q nonce %q", l.Issuer, l.ClientID, l.Nonce)
	}
	if !slices.Contains(f.reg.Deployments, l.DeploymentID) {
		t.Fatalf("accepted unknown deployment %q", l.DeploymentID)
	}
	if l.MessageType != lti.MessageResourceLink && l.MessageType != lti.MessageDeepLinkingRequest {
		t.Fatalf("accepted message type %q", l.MessageType)
	}
	if l.MessageType == lti.MessageResourceLink && l.ResourceLink.ID == "" {
		t.Fatal("accepted a resource link launch without resource_link.id")
	}
	if l.TargetLinkURI == "" || l.Version != lti.Version {
		t.Fatalf("accepted target %q version %q", l.TargetLinkURI, l.Version)
	}
	for _, id := range []string{l.Subject, l.DeploymentID, l.Context.ID, l.ResourceLink.ID} {
		if len(id) > lti.MaxIDLength {
			t.Fatalf("accepted an id of %d bytes", len(id))
		}
	}
	if l.ExpiresAt.Before(fuzzNow.Add(-time.Minute)) {
		t.Fatalf("accepted a token expired at %v", l.ExpiresAt)
	}
}

// FuzzValidate feeds whole id_tokens, as posted to the launch endpoint.
// Mutations mostly break the signature; the header and the JWS framing
// are what this reaches.
func FuzzValidate(f *testing.F) {
	target := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, token string) { target.check(t, token) })
}

// FuzzValidateClaims signs whatever payload it is given with the trusted
// key, so that mutated claims get past the signature and exercise the
// claim checks.
func FuzzValidateClaims(f *testing.F) {
	target := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) > lti.MaxTokenBytes {
			return
		}
		target.check(t, target.sign(t, payload))
	})
}

// seedClaims are realistic launches from the fake LMS, moved onto the
// fuzzed registration and clock, and a few near misses.
func seedClaims() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, pr := range []ltitest.Profile{ltitest.Moodle, ltitest.OpenEdX} {
		p := ltitest.NewPlatform(pr)
		p.SetTool(ltitest.ToolConfig{LoginURL: "https://tool.example.org/lti/login", TargetLinkURI: "https://tool.example.org/lti/launch"})
		for name, opts := range map[string]ltitest.LaunchOptions{
			"learner":     {},
			"instructor":  {Roles: []string{lti.RoleInstructor}},
			"deeplink":    {MessageType: ltitest.MessageDeepLinking, Roles: []string{lti.RoleInstructor}},
			"anonymous":   {Anonymous: true},
			"audiences":   {Audiences: []string{"other-client"}},
			"custom":      {Custom: map[string]string{"instrument": "exit"}},
			"unknown-dep": {Mutate: func(c map[string]any) { c[lti.ClaimDeploymentID] = "99" }},
		} {
			c := p.Claims(opts, "", fuzzNonce)
			c["iss"] = fuzzIssuer
			c["iat"], c["exp"] = fuzzNow.Unix(), fuzzNow.Add(time.Minute).Unix()
			switch aud := c["aud"].(type) {
			case string:
				c["aud"] = fuzzClient
			case []any:
				aud[0] = fuzzClient
				if _, ok := c["azp"]; ok {
					c["azp"] = fuzzClient
				}
			}
			if name != "unknown-dep" {
				c[lti.ClaimDeploymentID] = "1"
			}
			out[strings.ToLower(pr.String())+"-"+name] = c
		}
		p.Close()
	}
	return out
}

// TestFuzzSeeds keeps the committed corpora honest: the valid seeds must
// validate, or fuzzing would never reach past the first refusal. With
// -update-seeds it writes them again.
func TestFuzzSeeds(t *testing.T) {
	target := newFuzzTarget(t)
	claims := seedClaims()
	if *updateSeeds {
		for name, c := range claims {
			payload, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			writeSeed(t, "FuzzValidateClaims", name, "[]byte("+strconv.Quote(string(payload))+")")
			writeSeed(t, "FuzzValidate", name, "string("+strconv.Quote(target.sign(t, payload))+")")
		}
		writeSeed(t, "FuzzValidate", "alg-none", "string("+strconv.Quote("eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.")+")")
		writeSeed(t, "FuzzValidate", "not-a-jws", `string("a.b.c")`)
	}
	// Every committed seed decodes; the launches among them validate.
	for _, dir := range []string{"FuzzValidate", "FuzzValidateClaims"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", dir, "*"))
		if len(files) < len(claims) {
			t.Errorf("%s: %d seeds, want at least %d (go test -run TestFuzzSeeds -update-seeds)", dir, len(files), len(claims))
		}
		for _, file := range files {
			value := readSeed(t, file)
			token := value
			if dir == "FuzzValidateClaims" {
				token = target.sign(t, []byte(value))
			}
			name := filepath.Base(file)
			_, err := target.validator.Validate(context.Background(), token, target.reg, fuzzNonce)
			wantValid := claims[name] != nil && !strings.HasSuffix(name, "-unknown-dep")
			if (err == nil) != wantValid {
				t.Errorf("seed %s/%s: got %v, want valid %v", dir, name, err, wantValid)
			}
		}
	}
}

// readSeed decodes a one-value corpus file: string("...") or []byte("...").
func readSeed(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	header, rest, _ := strings.Cut(string(b), "\n")
	literal := strings.TrimSpace(rest)
	for _, prefix := range []string{"string(", "[]byte("} {
		if strings.HasPrefix(literal, prefix) && strings.HasSuffix(literal, ")") {
			v, err := strconv.Unquote(literal[len(prefix) : len(literal)-1])
			if header == "go test fuzz v1" && err == nil {
				return v
			}
		}
	}
	t.Fatalf("%s is not a one-value corpus file", file)
	return ""
}

func writeSeed(t *testing.T, target, name, value string) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte("go test fuzz v1\n"+value+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
