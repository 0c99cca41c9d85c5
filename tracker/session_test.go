package tracker_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti/ltitest"
)

// launched runs a valid launch and returns the landing page URL and body.
func launched(t *testing.T, h *harness, b *ltitest.Browser, opts ltitest.LaunchOptions) (string, string) {
	t.Helper()
	resp, err := b.Launch(context.Background(), h.lms, opts)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("launch: got %d (%s)", resp.StatusCode, h.lastReason())
	}
	return resp.Request.URL.String(), body
}

func hiddenCSRF(t *testing.T, page, action string) ltitest.LaunchForm {
	t.Helper()
	u, _ := url.Parse(action)
	f, err := ltitest.ReadForm(u, []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSeveralTabsKeepTheirOwnLaunch(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	b := ltitest.NewBrowser()
	var wg sync.WaitGroup
	urls := make([]string, 4)
	for i := range urls {
		wg.Add(1)
		tab := b.NewTab()
		go func() {
			defer wg.Done()
			resp, err := tab.Launch(context.Background(), h.lms, ltitest.LaunchOptions{ResourceLinkID: string(rune('a' + i))})
			if err != nil {
				t.Error(err)
				return
			}
			readBody(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("tab %d: got %d (%s)", i, resp.StatusCode, h.lastReason())
			}
			urls[i] = resp.Request.URL.String()
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, u := range urls {
		if seen[u] {
			t.Fatalf("two tabs share launch page %s", u)
		}
		seen[u] = true
	}
	if n := h.launches(); n != len(urls) {
		t.Errorf("got %d sessions, want %d", n, len(urls))
	}
	for _, u := range urls { // every tab still works after the others launched
		resp, err := b.Get(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: got %d after other launches", u, resp.StatusCode)
		}
	}
}

func TestLanguageChoiceNeedsCSRF(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ltitest.Moodle)
	b := ltitest.NewBrowser()
	landing, page := launched(t, h, b, ltitest.LaunchOptions{})
	f := hiddenCSRF(t, page, landing)
	if f.Fields.Get("csrf") == "" {
		t.Fatal("language form has no CSRF token")
	}

	forged := url.Values{"lang": {"sl"}}
	resp, err := b.PostForm(ctx, f.Action, forged)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("no CSRF token: got %d, want 403", resp.StatusCode)
	}
	forged.Set("csrf", "wrong")
	resp, _ = b.PostForm(ctx, f.Action, forged)
	readBody(t, resp)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("wrong CSRF token: got %d, want 403", resp.StatusCode)
	}

	f.Fields.Set("lang", "sl")
	resp, err = b.PostForm(ctx, f.Action, f.Fields)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = b.Follow(ctx, resp)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if !strings.Contains(body, `<html lang="sl">`) {
		t.Errorf("after choosing Slovenian the page is not in Slovenian:\n%.300s", body)
	}

	f.Fields.Set("lang", "xx")
	resp, _ = b.PostForm(ctx, f.Action, f.Fields)
	body = readBody(t, resp)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `lang="sl"`) {
		t.Errorf("unsupported language: got %d, want 400 in the chosen language", resp.StatusCode)
	}
}

func TestLaunchSessionLifetime(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ltitest.Moodle)
	b := ltitest.NewBrowser()
	landing, _ := launched(t, h, b, ltitest.LaunchOptions{Locale: "it"})

	resp, err := b.Get(ctx, landing)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("fresh session: got %d", resp.StatusCode)
	}
	h.advance(8*time.Hour + time.Minute)
	resp, err = b.Get(ctx, landing)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("expired session: got %d, want 401", resp.StatusCode)
	}
	if !strings.Contains(body, "<h1>") {
		t.Error("expired session: no error page")
	}

	resp, _ = b.Get(ctx, h.base+"/s/not-a-launch/")
	readBody(t, resp)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown launch id: got %d, want 401", resp.StatusCode)
	}
}

func TestPlatformChangeTakesEffectWithoutRestart(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ltitest.OpenEdX)
	c := h.lms.AddClient() // a new block, not yet registered
	resp, err := ltitest.NewBrowser().Launch(ctx, h.lms, ltitest.LaunchOptions{ClientID: c})
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unregistered client: got %d, want 403", resp.StatusCode)
	}
	h.register(c)
	_, _ = launched(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{ClientID: c})

	if err := h.db.RemoveDeployment(ctx, h.lms.Issuer, c, "1"); err != nil {
		t.Fatal(err)
	}
	resp, err = ltitest.NewBrowser().Launch(ctx, h.lms, ltitest.LaunchOptions{ClientID: c})
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("removed deployment: got %d, want 403", resp.StatusCode)
	}
}
