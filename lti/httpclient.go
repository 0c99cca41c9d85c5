package lti

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenTarget is returned when an outbound request would reach an
// address the client refuses: loopback, private, link-local and the like.
var ErrForbiddenTarget = errors.New("target address not allowed")

// ErrForeignRedirect is returned when a platform redirects a request to
// another host.
var ErrForeignRedirect = errors.New("redirect to another host refused")

// ClientOptions configure the client NewHTTPClient builds for requests to
// platforms (JWKS, token, AGS, NRPS, registration).
type ClientOptions struct {
	// Timeout bounds a whole request, answer included; default 10 s.
	Timeout time.Duration
	// AllowPrivate lets requests reach loopback, private, link-local and
	// other non-public addresses: for development and tests, where the
	// platform runs on the same machine or network. Off in production, so
	// that a registration (or a claim naming a URL) cannot make the tool
	// probe the network it runs in.
	AllowPrivate bool
	// MaxRedirects is how many same-host redirects are followed; default 5.
	MaxRedirects int
}

// NewHTTPClient returns the client for requests to platforms. It has
// timeouts for the connection, the TLS handshake, the answer's headers
// and the whole request; it follows redirects only within the same host
// (scheme downgrades refused); and unless o.AllowPrivate it refuses to
// connect to non-public addresses. The address is checked at dial time,
// after name resolution, so a name that resolves to a public address when
// checked and a private one when used (DNS rebinding) cannot get through.
//
// Answers are not bounded here: each reader in this package reads through
// io.LimitReader with a limit fitted to what it reads.
//
// Requests go direct, never through a proxy from the environment: the
// address check would otherwise see the proxy instead of the platform.
func NewHTTPClient(o ClientOptions) *http.Client {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = 5
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !o.AllowPrivate {
		dialer.Control = refusePrivate
	}
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  o.Timeout,
		ExpectContinueTimeout:  time.Second,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    10,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport:     transport,
		Timeout:       o.Timeout,
		CheckRedirect: sameHostRedirects(o.MaxRedirects),
	}
}

// sameHostRedirects follows at most max redirects, each to the host of
// the original request and never from https to http.
func sameHostRedirects(max int) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= max {
			return fmt.Errorf("stopped after %d redirects", max)
		}
		first := via[0].URL
		if req.URL.Host != first.Host {
			return fmt.Errorf("%w: %s to %s", ErrForeignRedirect, first.Host, req.URL.Host)
		}
		if first.Scheme == "https" && req.URL.Scheme != "https" {
			return fmt.Errorf("%w: https to %s", ErrForeignRedirect, req.URL.Scheme)
		}
		return nil
	}
}

// refusePrivate is a net.Dialer Control function: address is the resolved
// IP and port about to be connected to.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrForbiddenTarget, address, err)
	}
	if !PublicAddr(ap.Addr()) {
		return fmt.Errorf("%w: %s is not a public address", ErrForbiddenTarget, ap.Addr())
	}
	return nil
}

// nonPublic are ranges that are not reachable on the public internet and
// that the netip predicates do not cover.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may embed a private IPv4
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("2002::/16"),       // 6to4: may embed a private IPv4
	netip.MustParsePrefix("2001::/32"),       // Teredo: may embed a private IPv4
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
}

// PublicAddr reports whether a is a public unicast address: not loopback,
// private (RFC 1918, ULA), link-local, multicast, unspecified, nor one of
// the special-purpose ranges. IPv4-mapped IPv6 addresses are judged as the
// IPv4 address they carry.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() ||
		a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a.IsMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}
