package tracker_test

import (
	"context"
	"net/http"
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

	resp, err = b.Get(ctx, h.base+"/static/astre.css")
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age") {
		t.Errorf("static: got %d, cache %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
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
