package main

import (
	"net/netip"
	"slices"
	"testing"
)

func TestParseLimits(t *testing.T) {
	l, err := parseLimits("600/m", 20, "10.0.0.0/8, 192.0.2.7", "https://apps.example.org")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32")}
	if l.rate.PerSecond != 10 || l.rate.Burst != 20 || !slices.Equal(l.rate.TrustedProxies, want) {
		t.Errorf("got %+v", l.rate)
	}
	if !slices.Equal(l.frameAncestors, []string{"https://apps.example.org"}) {
		t.Errorf("frame ancestors: got %q", l.frameAncestors)
	}
	if l, err := parseLimits("off", 0, "none", "none"); err != nil || l.rate.PerSecond != 0 || l.rate.TrustedProxies != nil || l.frameAncestors != nil {
		t.Errorf("off/none: got %+v, %v", l, err)
	}
	for _, bad := range []struct {
		rate    string
		burst   int
		proxies string
	}{
		{"10", 1, "none"}, {"10/h", 1, "none"}, {"-1/s", 1, "none"}, {"fast", 1, "none"},
		{"10/s", 0, "none"}, {"10/s", 1, "proxy.example.org"},
	} {
		if _, err := parseLimits(bad.rate, bad.burst, bad.proxies, "none"); err == nil {
			t.Errorf("parseLimits(%q, %d, %q) accepted", bad.rate, bad.burst, bad.proxies)
		}
	}
}
