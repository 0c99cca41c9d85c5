package lti_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti"
)

func TestPublicAddr(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want bool
	}{
		{"93.184.215.14", true},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", true},
		{"127.0.0.1", false},
		{"127.8.9.10", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"fd00::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"100.64.0.1", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"64:ff9b::a00:1", false},
	} {
		if got := lti.PublicAddr(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("PublicAddr(%s): got %v, want %v", tc.addr, got, tc.want)
		}
	}
}

func TestHTTPClientRefusesPrivateTargets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") }))
	defer srv.Close()

	_, err := lti.NewHTTPClient(lti.ClientOptions{}).Get(srv.URL)
	if !errors.Is(err, lti.ErrForbiddenTarget) {
		t.Errorf("loopback target: got %v, want ErrForbiddenTarget", err)
	}
	// By name too: "localhost" resolves to loopback, checked after resolution.
	_, err = lti.NewHTTPClient(lti.ClientOptions{}).Get(strings.Replace(srv.URL, "127.0.0.1", "localhost", 1))
	if !errors.Is(err, lti.ErrForbiddenTarget) {
		t.Errorf("localhost by name: got %v, want ErrForbiddenTarget", err)
	}

	resp, err := lti.NewHTTPClient(lti.ClientOptions{AllowPrivate: true}).Get(srv.URL)
	if err != nil {
		t.Fatalf("with AllowPrivate: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("with AllowPrivate: got %d", resp.StatusCode)
	}
}

func TestHTTPClientRedirects(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/final", http.StatusFound)
		case "/other":
			// The same server under another host name is another host.
			http.Redirect(w, r, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)+"/final", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			fmt.Fprint(w, "final")
		}
	}))
	defer srv.Close()
	c := lti.NewHTTPClient(lti.ClientOptions{AllowPrivate: true})

	resp, err := c.Get(srv.URL + "/same")
	if err != nil {
		t.Fatalf("same-host redirect: %v", err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/final" {
		t.Errorf("same-host redirect ended at %s, want /final", resp.Request.URL)
	}
	if _, err := c.Get(srv.URL + "/other"); !errors.Is(err, lti.ErrForeignRedirect) {
		t.Errorf("redirect to another host: got %v, want ErrForeignRedirect", err)
	}
	if _, err := c.Get(srv.URL + "/loop"); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("redirect loop: got %v, want an error after a few redirects", err)
	}
}

func TestHTTPClientTimeout(t *testing.T) {
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // answer only once the client gave up (or the test ends)
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer srv.Close()
	defer close(stop)

	c := lti.NewHTTPClient(lti.ClientOptions{AllowPrivate: true, Timeout: 50 * time.Millisecond})
	_, err := c.Get(srv.URL)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("silent platform: got %v, want a timeout", err)
	}
}

// TestResponseSizeLimits has a platform answer more than each reader
// accepts; each must refuse (or cut) rather than read it all.
func TestResponseSizeLimits(t *testing.T) {
	pad := func(n int) string { return strings.Repeat("x", n) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/jwks":
			fmt.Fprintf(w, `{"keys":[],"pad":"%s"}`, pad(300<<10))
		case "/token":
			fmt.Fprintf(w, `{"access_token":"t","token_type":"Bearer","expires_in":3600,"pad":"%s"}`, pad(80<<10))
		case "/scores":
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, pad(1<<20))
		case "/members":
			fmt.Fprintf(w, `{"members":[],"pad":"%s"}`, pad(17<<20))
		}
	}))
	defer srv.Close()
	c := lti.NewHTTPClient(lti.ClientOptions{AllowPrivate: true})
	ctx := context.Background()

	if _, err := lti.FetchJWKS(ctx, c, srv.URL+"/jwks", 256<<10); err == nil {
		t.Error("JWKS of 300 KiB accepted")
	}
	key, err := lti.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	tc := &lti.TokenClient{Client: c, Signer: func(context.Context) (*lti.ToolKey, error) { return key, nil }}
	if _, err := tc.Token(ctx, lti.Registration{ClientID: "c", TokenURL: srv.URL + "/token"}, []string{scoreScope}); err == nil {
		t.Error("token answer of 80 KiB accepted")
	}
	err = lti.PostScore(ctx, c, "ua", "t", srv.URL+"/", lti.Score{UserID: "u", Timestamp: time.Now()})
	var se *lti.ServiceError
	if !errors.As(err, &se) {
		t.Errorf("score refusal: got %v, want a ServiceError", err)
	} else if len(se.Body) > 4<<10 {
		t.Errorf("score refusal of 1 MiB: kept %d bytes, want at most 4 KiB", len(se.Body))
	}
	if _, err := lti.Members(ctx, c, "ua", "t", srv.URL+"/members"); err == nil {
		t.Error("roster page of 17 MiB accepted")
	}
}
