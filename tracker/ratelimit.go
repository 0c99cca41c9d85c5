package tracker

import (
	"errors"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// errRateLimited is a request refused by the per-address rate limit.
var errRateLimited = errors.New("too many requests from this address")

// RateLimit configures the per-address limit on the LTI entry points
// (login, launch, registration): a token bucket per client address that
// refills at PerSecond and holds Burst requests.
type RateLimit struct {
	PerSecond float64 // zero: no limit
	Burst     int     // default 100
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed. Without any, the client is the connection's address.
	TrustedProxies []netip.Prefix
	// MaxClients bounds how many addresses are remembered; default 10 000.
	MaxClients int
}

// addrLimiter holds the buckets. It is per-instance memory on purpose:
// the limit protects this process from a flood, so instances need not
// agree on it, and each of N instances behind a balancer lets an address
// through at up to N times the rate.
type addrLimiter struct {
	cfg  RateLimit
	idle time.Duration // after this long unused, a bucket is full again
	now  func() time.Time

	mu        sync.Mutex
	clients   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// newAddrLimiter returns nil when cfg sets no rate.
func newAddrLimiter(cfg RateLimit, now func() time.Time) *addrLimiter {
	if cfg.PerSecond <= 0 {
		return nil
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 100
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = 10_000
	}
	idle := time.Duration(float64(cfg.Burst) / cfg.PerSecond * float64(time.Second))
	return &addrLimiter{cfg: cfg, idle: idle, now: now, clients: make(map[string]*bucket)}
}

// allow takes one token from key's bucket, or says how long until one is
// there.
func (l *addrLimiter) allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.clients[key]
	if !ok {
		l.makeRoom(now)
		b = &bucket{lim: rate.NewLimiter(rate.Limit(l.cfg.PerSecond), l.cfg.Burst)}
		l.clients[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// makeRoom keeps the map bounded. A bucket unused for l.idle is full, so
// forgetting it changes nothing; those go first. When a flood from many
// addresses leaves no idle bucket, a tenth of the map goes at random
// (map order): those addresses start again with a full bucket, which
// costs less than refusing new addresses would.
func (l *addrLimiter) makeRoom(now time.Time) {
	if len(l.clients) < l.cfg.MaxClients {
		return
	}
	if now.Sub(l.lastSweep) >= time.Second {
		l.lastSweep = now
		for k, b := range l.clients {
			if now.Sub(b.seen) >= l.idle {
				delete(l.clients, k)
			}
		}
	}
	for k := range l.clients {
		if len(l.clients) < l.cfg.MaxClients*9/10 {
			break
		}
		delete(l.clients, k)
	}
}

// rateLimit is the middleware applying the per-address limit; put it on
// the routes a flood would aim at. A refusal is a 429 page in the user's
// language with Retry-After in whole seconds.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	if s.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, wait := s.limiter.allow(clientKey(r, s.limiter.cfg.TrustedProxies))
		if !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			s.renderError(w, r, errRateLimited)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// clientKey names the client a bucket belongs to: its address, or for
// IPv6 its /64, since one subscriber commonly holds a whole /64.
func clientKey(r *http.Request, trusted []netip.Prefix) string {
	a, ok := clientAddr(r, trusted)
	if !ok {
		return r.RemoteAddr
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// clientAddr is the connection's address, unless that is a trusted proxy:
// then it is the last hop of X-Forwarded-For that is not a trusted proxy
// (hops to its left can be written by the client and are not believed).
// When every hop is trusted, the first one is the client.
func clientAddr(r *http.Request, trusted []netip.Prefix) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	addr := ap.Addr().Unmap()
	if !trustedAddr(addr, trusted) {
		return addr, true
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return addr, true // a trusted proxy wrote nonsense: count it against that proxy
		}
		addr = hop.Unmap()
		if !trustedAddr(addr, trusted) {
			return addr, true
		}
	}
	return addr, true
}

func trustedAddr(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
