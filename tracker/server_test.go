package tracker_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/astre-lti/astre/lti/ltitest"
)

func TestHealthAndHeaders(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	b := ltitest.NewBrowser()
	ctx := context.Background()

	resp, err := b.Get(ctx, h.base+"/healthz")
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"ok"`) {
		t.Errorf("healthz: got %d %s", resp.StatusCode, body)
	}
	for name, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Content-Security-Policy": "script-src 'self'",
		"X-Request-Id":            "",
	} {
		got := resp.Header.Get(name)
		if got == "" || !strings.Contains(got, want) {
			t.Errorf("header %s: got %q, want %q", name, got, want)
		}
	}

	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.base+"/no/such/page", nil)
	req.Header.Set("Accept-Language", "es-ES,es;q=0.9")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `<html lang="es">`) {
		t.Errorf("404: got %d, want a Spanish error page", resp.StatusCode)
	}

	h.db.Close()
	resp, err = b.Get(ctx, h.base+"/healthz")
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("healthz with the database closed: got %d, want 503", resp.StatusCode)
	}
}

// TestStaticFilesCaching: pages link to static files by a versioned URL,
// kept a year; the same file without its version is kept an hour; either
// way an unchanged file asked again with its ETag is a 304.
func TestStaticFilesCaching(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	ctx := context.Background()
	get := func(url, etag string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		return resp
	}
	resp, err := ltitest.NewBrowser().Get(ctx, h.base+"/lti/config")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`href="(/static/astre\.css\?v=[0-9a-f]{12})"`).FindStringSubmatch(readBody(t, resp))
	if m == nil {
		t.Fatal("the page links to no versioned stylesheet")
	}
	versioned := h.base + m[1]

	resp = get(versioned, "")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || etag == "" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("versioned stylesheet: got %d, Cache-Control %q, ETag %q, Content-Type %q; want 200, a year, immutable, an ETag, text/css",
			resp.StatusCode, resp.Header.Get("Cache-Control"), etag, resp.Header.Get("Content-Type"))
	}
	for _, url := range []string{h.base + "/static/astre.css", h.base + "/static/astre.css?v=000000000000"} {
		resp = get(url, "")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "public, max-age=3600" || resp.Header.Get("ETag") != etag {
			t.Errorf("%s: got %d, Cache-Control %q, ETag %q; want 200, an hour, %s",
				url, resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("ETag"), etag)
		}
	}
	for _, url := range []string{versioned, h.base + "/static/astre.css"} {
		if resp = get(url, etag); resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s with If-None-Match %s: got %d, want 304", url, etag, resp.StatusCode)
		}
	}
	if resp = get(versioned, `"another"`); resp.StatusCode != http.StatusOK {
		t.Errorf("another ETag: got %d, want 200", resp.StatusCode)
	}
}
