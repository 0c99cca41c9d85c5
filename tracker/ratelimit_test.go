package tracker

import (
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestAddrLimiterBucket(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	l := newAddrLimiter(RateLimit{PerSecond: 1, Burst: 2}, clock.now)
	for i := 0; i < 2; i++ {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("request %d within the burst refused", i+1)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait != time.Second {
		t.Errorf("third request at once: got ok=%v wait=%v, want refused, wait 1s", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Error("another address shares the first one's bucket")
	}
	clock.t = clock.t.Add(time.Second)
	if ok, _ := l.allow("a"); !ok {
		t.Error("refused after the bucket refilled one token")
	}
	if ok, _ := l.allow("a"); ok {
		t.Error("refusals must not bank tokens: second request after one second accepted")
	}
	if newAddrLimiter(RateLimit{}, clock.now) != nil {
		t.Error("a zero rate must mean no limiter")
	}
}

func TestAddrLimiterStaysBounded(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	l := newAddrLimiter(RateLimit{PerSecond: 1, Burst: 5, MaxClients: 100}, clock.now)
	for i := 0; i < 1000; i++ {
		l.allow("flood-" + strconv.Itoa(i))
		if len(l.clients) > 100 {
			t.Fatalf("after %d addresses: %d buckets, want at most 100", i+1, len(l.clients))
		}
	}
	// An address that spent its burst survives a sweep of idle ones.
	clock.t = clock.t.Add(10 * time.Second) // the flood's buckets are full again: idle
	for i := 0; i < 5; i++ {
		l.allow("busy")
	}
	for i := 0; i < 50; i++ { // fills the map once more: the sweep drops the idle flood
		l.allow("late-" + strconv.Itoa(i))
	}
	if _, ok := l.clients["busy"]; !ok {
		t.Error("an address in use was evicted while idle ones could go")
	}
	if ok, _ := l.allow("busy"); ok {
		t.Error("the busy address got a fresh bucket")
	}
}

func TestClientAddr(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32")}
	for _, tc := range []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"direct", "203.0.113.5:4000", nil, nil, "203.0.113.5"},
		{"forwarded header ignored without trusted proxies", "203.0.113.5:4000", []string{"198.51.100.1"}, nil, "203.0.113.5"},
		{"untrusted peer's header ignored", "203.0.113.5:4000", []string{"198.51.100.1"}, proxies, "203.0.113.5"},
		{"through a trusted proxy", "10.1.1.1:4000", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"spoofed left hops skipped", "10.1.1.1:4000", []string{"6.6.6.6, 198.51.100.1, 10.2.2.2"}, proxies, "198.51.100.1"},
		{"several headers", "10.1.1.1:4000", []string{"6.6.6.6", "198.51.100.1"}, proxies, "198.51.100.1"},
		{"all hops trusted", "10.1.1.1:4000", []string{"192.0.2.7"}, proxies, "192.0.2.7"},
		{"garbage from a trusted proxy", "10.1.1.1:4000", []string{"not-an-ip"}, proxies, "10.1.1.1"},
		{"ipv6 grouped by /64", "[2001:db8:1:2:3:4:5:6]:443", nil, nil, "2001:db8:1:2::/64"},
		{"ipv4-mapped", "[::ffff:203.0.113.5]:80", nil, nil, "203.0.113.5"},
	} {
		r := httptest.NewRequest("GET", "/lti/login", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientKey(r, tc.trusted); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
