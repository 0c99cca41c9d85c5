//go:build unix

package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti/ltitest"
)

// buildAstre compiles this command into a temporary directory, for tests
// that must kill a real process. Skipped under -short: it takes seconds.
func buildAstre(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the astre binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "astre")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// child is `astre serve` running as a separate process on 127.0.0.1.
type child struct {
	t      *testing.T
	bin    string
	addr   string // host:port, the same across restarts
	base   string // http://addr
	data   string // the data directory
	cmd    *exec.Cmd
	done   chan error // the result of cmd.Wait
	stderr *lockedBuffer
}

// newChild prepares a server on a free port and a fresh data dir; start
// runs it.
func newChild(t *testing.T, bin string) *child {
	addr := freeAddr(t)
	return &child{t: t, bin: bin, addr: addr, base: "http://" + addr, data: t.TempDir()}
}

// command runs `astre args... --data-dir DATA` to completion.
func (c *child) command(args ...string) string {
	c.t.Helper()
	cmd := exec.Command(c.bin, append(args, "--data-dir", c.data)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("astre %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// register adds the fake platform with `astre platform add`; jwks and
// token default to the fake's own endpoints.
func (c *child) register(lms *ltitest.Platform, jwksURL, tokenURL string) {
	c.t.Helper()
	if jwksURL == "" {
		jwksURL = lms.JWKSURL()
	}
	if tokenURL == "" {
		tokenURL = lms.TokenURL()
	}
	lms.SetTool(ltitest.ToolConfig{LoginURL: c.base + "/lti/login", RedirectURIs: []string{c.base + "/lti/launch"},
		TargetLinkURI: c.base + "/lti/launch", JWKSURL: c.base + "/.well-known/jwks.json"})
	c.command("platform", "add", "--issuer", lms.Issuer, "--client-id", lms.ClientID, "--auth-url", lms.AuthURL(),
		"--token-url", tokenURL, "--jwks-url", jwksURL, "--deployment-id", lms.DeploymentID)
}

// start runs the server and waits until /healthz answers.
func (c *child) start() {
	c.t.Helper()
	c.cmd = exec.Command(c.bin, "serve", "--addr", c.addr, "--base-url", c.base, "--data-dir", c.data,
		"--allow-private-targets", "--rate-limit", "off", "--log-level", "warn")
	c.stderr = &lockedBuffer{}
	c.cmd.Stdout, c.cmd.Stderr = &lockedBuffer{}, c.stderr
	if err := c.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.done = make(chan error, 1)
	go func(cmd *exec.Cmd, done chan error) { done <- cmd.Wait() }(c.cmd, c.done)
	c.t.Cleanup(c.kill) // a failed test leaves no server behind
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(c.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-c.done:
			c.done <- err
			c.t.Fatalf("astre serve ended early: %v\n%s", err, c.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("astre serve not healthy after 15s: %v\n%s", err, c.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill ends the server with SIGKILL, as a crash or an OOM killer would,
// and waits for it to be gone. A server already gone is left alone.
func (c *child) kill() {
	select {
	case err := <-c.done:
		c.done <- err
		return
	default:
	}
	_ = c.cmd.Process.Kill()
	err := <-c.done
	c.done <- err
}

// terminate sends SIGTERM, as a service manager stopping ASTRE does.
func (c *child) terminate() {
	c.t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		c.t.Fatal(err)
	}
}

// wait returns the server's exit code once it ended on its own.
func (c *child) wait() int {
	c.t.Helper()
	select {
	case err := <-c.done:
		c.done <- err
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			c.t.Fatal(err)
		}
		return 0
	case <-time.After(30 * time.Second):
		c.t.Fatalf("astre serve did not stop within 30s\n%s", c.stderr.String())
		return -1
	}
}

// stopListening waits until the server refuses new connections: its
// shutdown has begun.
func (c *child) stopListening() {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", c.addr, time.Second)
		if err != nil {
			return
		}
		conn.Close()
		if time.Now().After(deadline) {
			c.t.Fatal("astre serve still accepts connections 15s after SIGTERM")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// gate is an HTTP proxy to a platform that can hold requests,
// so a test knows a request is in flight inside the server.
type gate struct {
	target  string        // the platform's base URL; paths are kept
	held    chan struct{} // receives once per request held
	release chan struct{} // closed to let held requests through
	hold    bool
}

// newGate proxies to the platform at target; when hold, each request waits for release
// (or its client giving up).
func newGate(t *testing.T, target string, hold bool) (*gate, string) {
	g := &gate{target: target, held: make(chan struct{}, 100), release: make(chan struct{}), hold: hold}
	srv := &http.Server{Handler: g}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return g, "http://" + ln.Addr().String()
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.hold {
		g.held <- struct{}{}
		select {
		case <-g.release:
		case <-r.Context().Done():
			return
		}
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, g.target+r.URL.RequestURI(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		w.Write(buf[:n])
		if err != nil {
			return
		}
	}
}

// background is a context for requests that the test ends itself.
func background(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}
