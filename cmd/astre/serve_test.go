package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti/ltitest"
)

// lockedBuffer collects a command's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// server is `astre serve` running in the test process through run().
type server struct {
	stop   context.CancelFunc
	done   chan error
	stdout *lockedBuffer
	stderr *lockedBuffer
}

func startServer(t *testing.T, getenv func(string) string, base string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stop: cancel, done: make(chan error, 1), stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
	go func() { s.done <- run(ctx, []string{"serve"}, getenv, s.stdout, s.stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case err := <-s.done:
			t.Fatalf("serve ended early: %v\n%s", err, s.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not healthy after 10s: %v\n%s", err, s.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *server) shutdown(t *testing.T) {
	t.Helper()
	s.stop()
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func cli(t *testing.T, getenv func(string) string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, getenv, &out, &errOut); err != nil {
		t.Fatalf("astre %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

func jwksKids(t *testing.T, base string) []string {
	t.Helper()
	resp, err := http.Get(base + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct{ Keys []struct{ Kid string } }
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}

func launchOK(t *testing.T, lms *ltitest.Platform) {
	t.Helper()
	resp, err := ltitest.NewBrowser().Launch(context.Background(), lms, ltitest.LaunchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "LTI Harness Course") {
		t.Fatalf("launch: got %d\n%.400s", resp.StatusCode, body)
	}
}

// TestServeEndToEnd runs the real command: serve, register a platform with
// the CLI while it runs, launch from a Moodle-like LMS, rotate keys,
// restart on the same data dir.
func TestServeEndToEnd(t *testing.T) {
	addr := freeAddr(t)
	base := "http://" + addr
	env := map[string]string{"ASTRE_ADDR": addr, "ASTRE_BASE_URL": base, "ASTRE_DATA_DIR": t.TempDir(), "ASTRE_LOG_LEVEL": "warn",
		"ASTRE_ALLOW_PRIVATE_TARGETS": "true"} // the fake LMS runs on 127.0.0.1
	getenv := func(k string) string { return env[k] }

	srv := startServer(t, getenv, base)
	if out := srv.stdout.String(); !strings.Contains(out, base+"/lti/login") || !strings.Contains(out, base+"/.well-known/jwks.json") {
		t.Errorf("start-up output lacks the administrator's values:\n%s", out)
	}
	kids := jwksKids(t, base)
	if len(kids) != 1 {
		t.Fatalf("fresh start: got %d keys, want 1", len(kids))
	}

	lms := ltitest.NewPlatform(ltitest.Moodle)
	defer lms.Close()
	lms.SetTool(ltitest.ToolConfig{LoginURL: base + "/lti/login", RedirectURIs: []string{base + "/lti/launch"}, TargetLinkURI: base + "/lti/launch"})

	// Registered while the server runs: takes effect without a restart.
	cli(t, getenv, "platform", "add", "--issuer", lms.Issuer, "--client-id", lms.ClientID, "--auth-url", lms.AuthURL(),
		"--token-url", lms.TokenURL(), "--jwks-url", lms.JWKSURL(), "--deployment-id", lms.DeploymentID)
	if out := cli(t, getenv, "platform", "list"); !strings.Contains(out, lms.Issuer) || !strings.Contains(out, lms.ClientID) {
		t.Errorf("platform list lacks the registration:\n%s", out)
	}
	launchOK(t, lms)

	if out := cli(t, getenv, "keys", "rotate"); !strings.Contains(out, "signs from") {
		t.Errorf("keys rotate output: %s", out)
	}
	if got := jwksKids(t, base); len(got) != 2 {
		t.Errorf("after rotate: got %d published keys, want 2", len(got))
	}
	srv.shutdown(t)

	srv = startServer(t, getenv, base)
	defer srv.shutdown(t)
	if got := jwksKids(t, base); len(got) != 2 || got[0] != kids[0] {
		t.Errorf("after restart: got keys %v, want the same two", got)
	}
	launchOK(t, lms)

	cli(t, getenv, "deployment", "remove", "--issuer", lms.Issuer, "--client-id", lms.ClientID, "--deployment-id", lms.DeploymentID)
	resp, err := ltitest.NewBrowser().Launch(context.Background(), lms, ltitest.LaunchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("after deployment remove: got %d, want 403", resp.StatusCode)
	}
}

func TestCommandErrors(t *testing.T) {
	env := map[string]string{"ASTRE_DATA_DIR": t.TempDir()}
	getenv := func(k string) string { return env[k] }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "no command"},
		{[]string{"fly"}, "unknown command"},
		{[]string{"platform"}, "want add, list, remove or register-link"},
		{[]string{"platform", "add", "--issuer", "not a url", "--client-id", "c", "--auth-url", "https://a", "--token-url", "https://t", "--jwks-url", "https://j"}, "issuer"},
		{[]string{"platform", "remove", "--issuer", "https://x", "--client-id", "c"}, "not found"},
		{[]string{"deployment", "add", "--issuer", "https://x"}, "required"},
		{[]string{"serve", "--log-level", "loud"}, "log-level"},
	} {
		err := run(context.Background(), tc.args, getenv, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("astre %v: got %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
}
