package main

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/astre-lti/astre/tracker"
)

// limits are the protective settings, parsed.
type limits struct {
	rate           tracker.RateLimit
	frameAncestors []string
}

// parseLimits reads --rate-limit ("10/s", "600/m" or "off"),
// --rate-burst, --trusted-proxies and --frame-ancestors (comma-separated,
// or "none").
func parseLimits(rateLimit string, burst int, proxies, ancestors string) (limits, error) {
	var l limits
	perSecond, err := parseRate(rateLimit)
	if err != nil {
		return l, err
	}
	if perSecond > 0 && burst < 1 {
		return l, fmt.Errorf("--rate-burst must be at least 1")
	}
	l.rate = tracker.RateLimit{PerSecond: perSecond, Burst: burst}
	for _, p := range list(proxies) {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			a, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return l, fmt.Errorf("--trusted-proxies: %q is not an address or CIDR", p)
			}
			prefix = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		l.rate.TrustedProxies = append(l.rate.TrustedProxies, prefix.Masked())
	}
	l.frameAncestors = list(ancestors)
	return l, nil
}

// parseRate turns "N/s" or "N/m" into a rate per second; "off" is zero.
func parseRate(v string) (float64, error) {
	if v == "off" {
		return 0, nil
	}
	n, unit, ok := strings.Cut(v, "/")
	f, err := strconv.ParseFloat(n, 64)
	if !ok || err != nil || f <= 0 {
		return 0, fmt.Errorf("--rate-limit %q: want N/s, N/m or off", v)
	}
	switch unit {
	case "s":
		return f, nil
	case "m":
		return f / 60, nil
	}
	return 0, fmt.Errorf("--rate-limit %q: want N/s, N/m or off", v)
}

// list splits a comma-separated setting; "none" and "" are empty.
func list(v string) []string {
	if v == "none" {
		return nil
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
