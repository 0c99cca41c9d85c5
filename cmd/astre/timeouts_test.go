package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestServerTimeoutsAreSet(t *testing.T) {
	hs := httpServer(http.NotFoundHandler(), serverTimeouts)
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": hs.ReadHeaderTimeout, "ReadTimeout": hs.ReadTimeout,
		"WriteTimeout": hs.WriteTimeout, "IdleTimeout": hs.IdleTimeout,
	} {
		if d <= 0 {
			t.Errorf("%s is not set", name)
		}
	}
	if hs.MaxHeaderBytes <= 0 {
		t.Error("MaxHeaderBytes is not set")
	}
}

// shortServer serves h with tiny timeouts, so that a test can exceed each.
func shortServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := 100 * time.Millisecond
	hs := httpServer(h, timeouts{readHeader: d, read: d, write: d, idle: d})
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// dial connects; reads give up after 10 s so a server that never drops
// the connection fails the test instead of hanging it.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	return c
}

// closedByServer reads until the server closes; it fails on our own read
// deadline, or if the server sent a successful answer.
func closedByServer(t *testing.T, c net.Conn, what string) {
	t.Helper()
	got, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("%s: the server kept the connection open", what)
	}
	if strings.Contains(string(got), "200 OK") {
		t.Errorf("%s: the server answered %q", what, got)
	}
}

func TestServerTimeoutsExceeded(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	addr := shortServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select { // answers after the write timeout, or never
			case <-time.After(time.Second):
			case <-release:
			}
		}
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "body", http.StatusBadRequest)
			return
		}
		io.WriteString(w, "ok")
	}))

	// Headers never finished.
	c := dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: astre\r\n")
	closedByServer(t, c, "half-sent headers")

	// A body announced and never sent.
	c = dial(t, addr)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: astre\r\nContent-Length: 100\r\n\r\nshort")
	closedByServer(t, c, "half-sent body")

	// An answer that takes longer than the write timeout.
	c = dial(t, addr)
	io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: astre\r\n\r\n")
	closedByServer(t, c, "slow answer")

	// An idle keep-alive connection after one answer.
	c = dial(t, addr)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: astre\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("first request: got %d", resp.StatusCode)
	}
	closedByServer(t, c, "idle connection")
}
