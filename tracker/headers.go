package tracker

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog/hlog"
)

// frameAncestorsTTL is how long the list of platform origins allowed to
// frame ASTRE is reused before it is read again from the database. A
// platform registered meanwhile, by this or by another instance, can frame
// ASTRE at most this long after its registration: every instance re-reads
// the same database, so they all agree within this time.
const frameAncestorsTTL = 30 * time.Second

// baseCSP is the policy of every page, before frame-ancestors.
const baseCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"

// frameAncestors computes the CSP frame-ancestors directive from the
// registered platforms: the origins of their issuers and auth URLs (Canvas
// serves its pages and its auth endpoint from different hosts), plus
// extra origins an operator adds (Open edX's learning pages may live on
// another host than its issuer).
type frameAncestors struct {
	store Store
	extra []string
	now   func() time.Time

	mu     sync.Mutex
	value  string
	readAt time.Time
}

// directive returns the cached directive, reading the platforms again
// when it is older than frameAncestorsTTL. When the read fails, the last
// known directive stays in use.
func (f *frameAncestors) directive(ctx context.Context) (string, error) {
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.value != "" && now.Sub(f.readAt) < frameAncestorsTTL {
		return f.value, nil
	}
	f.readAt = now
	platforms, err := f.store.Platforms(ctx)
	if err != nil {
		if f.value == "" {
			f.value = ancestorsDirective(f.extra)
		}
		return f.value, fmt.Errorf("read platforms for frame-ancestors: %w", err)
	}
	origins := slices.Clone(f.extra)
	for _, p := range platforms {
		for _, raw := range []string{p.Issuer, p.AuthURL} {
			if o, err := origin(raw); err == nil {
				origins = append(origins, o)
			}
		}
	}
	f.value = ancestorsDirective(origins)
	return f.value, nil
}

func ancestorsDirective(origins []string) string {
	if len(origins) == 0 {
		return "frame-ancestors 'none'"
	}
	slices.Sort(origins)
	return "frame-ancestors " + strings.Join(slices.Compact(origins), " ")
}

// hostPattern is what a host may hold in a CSP source: nothing that could
// end the source list (space, comma, semicolon) or start another.
var hostPattern = regexp.MustCompile(`^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+)(:[0-9]{1,5})?$`)

// origin returns scheme://host[:port] of an http(s) URL, in lower case.
func origin(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", err
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if (scheme != "https" && scheme != "http") || !hostPattern.MatchString(host) {
		return "", fmt.Errorf("%q is not an http(s) origin: %w", raw, ErrInvalid)
	}
	return scheme + "://" + host, nil
}

// securityHeaders sets the headers every response carries. The referrer
// policy keeps launch ids in URLs from leaking to other sites; HSTS is
// sent only when ASTRE is served over HTTPS, since browsers ignore it
// otherwise and it would mislead.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	hsts := strings.HasPrefix(s.BaseURL, "https://")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ancestors, err := s.ancestors.directive(r.Context())
		if err != nil {
			hlog.FromRequest(r).Warn().Err(err).Msg("frame-ancestors kept from the last read")
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", baseCSP+"; "+ancestors)
		h.Set("Cache-Control", "no-store")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}
