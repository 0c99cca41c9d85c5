package tracker_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
)

func TestLoginRejections(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ltitest.OpenEdX)
	second := h.lms.AddClient()
	h.register(second)
	valid := url.Values{
		"iss": {h.lms.Issuer}, "login_hint": {"4"}, "target_link_uri": {h.base + "/lti/launch"},
		"client_id": {h.lms.ClientID}, "lti_deployment_id": {"1"},
	}
	for _, tc := range []struct {
		name   string
		edit   func(v url.Values)
		status int
		reason lti.Reason
	}{
		{"missing iss", func(v url.Values) { v.Del("iss") }, 400, lti.ReasonMissingParam},
		{"missing login_hint", func(v url.Values) { v.Del("login_hint") }, 400, lti.ReasonMissingParam},
		{"missing target_link_uri", func(v url.Values) { v.Del("target_link_uri") }, 400, lti.ReasonMissingParam},
		{"unknown issuer", func(v url.Values) { v.Set("iss", "https://unknown.example.org") }, 403, lti.ReasonUnknownPlatform},
		{"unknown client", func(v url.Values) { v.Set("client_id", "nope") }, 403, lti.ReasonUnknownPlatform},
		{"no client_id and two registrations", func(v url.Values) { v.Del("client_id") }, 400, lti.ReasonAmbiguousClient},
		{"target elsewhere (open redirect)", func(v url.Values) { v.Set("target_link_uri", "https://evil.example.org/") }, 400, lti.ReasonForeignTarget},
		{"unknown deployment hint", func(v url.Values) { v.Set("lti_deployment_id", "42") }, 403, lti.ReasonUnknownDeployment},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := url.Values{}
			for k, vs := range valid {
				v[k] = append([]string(nil), vs...)
			}
			tc.edit(v)
			resp, err := ltitest.NewBrowser().Get(ctx, h.base+"/lti/login?"+v.Encode())
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			if resp.StatusCode != tc.status {
				t.Errorf("got %d, want %d", resp.StatusCode, tc.status)
			}
			logins := h.outcomes("login")
			if got := logins[len(logins)-1]["reason"]; got != string(tc.reason) {
				t.Errorf("got reason %v, want %s", got, tc.reason)
			}
			if len(resp.Cookies()) != 0 {
				t.Error("a refused login set a cookie")
			}
			if !strings.Contains(body, "<h1>") {
				t.Errorf("not an error page: %.300s", body)
			}
		})
	}

	t.Run("no client_id and one registration", func(t *testing.T) {
		h := newHarness(t, ltitest.Moodle)
		v := url.Values{"iss": {h.lms.Issuer}, "login_hint": {"4"}, "target_link_uri": {h.base + "/lti/launch"}}
		resp, err := ltitest.NewBrowser().Get(ctx, h.base+"/lti/login?"+v.Encode())
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), h.lms.AuthURL()) {
			t.Errorf("got %d to %q, want a redirect to the platform", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestLoginCookieAttributes(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	b := ltitest.NewBrowser()
	_, resp, err := b.InitiateLogin(context.Background(), h.lms, ltitest.LaunchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, line := range resp.Header.Values("Set-Cookie") {
		if !strings.HasPrefix(line, "astre_login_") {
			continue
		}
		found = true
		for _, attr := range []string{"SameSite=None", "Secure", "HttpOnly", "Partitioned", "Path=/"} {
			if !strings.Contains(line, attr) {
				t.Errorf("login cookie lacks %s: %s", attr, line)
			}
		}
	}
	if !found {
		t.Errorf("login set no binding cookie; headers %v", resp.Header)
	}
}

func TestBlockedCookiesOfferNewWindow(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ltitest.Moodle)
	b := ltitest.NewBrowser()
	b.BlockCookies = true
	resp, err := b.Launch(ctx, h.lms, ltitest.LaunchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusForbidden || h.lastReason() != string(lti.ReasonStateUnbound) {
		t.Fatalf("got %d %q, want 403 state_unbound", resp.StatusCode, h.lastReason())
	}
	m := regexp.MustCompile(`<a class="button" href="([^"]+)" target="_blank"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no new-window link on the page:\n%s", body)
	}
	restart := html.UnescapeString(m[1])
	// Moodle's lti_message_hint is single use, so the window must start a
	// fresh launch at Moodle, not replay the login.
	if want := h.lms.URL() + "/mod/lti/launch.php?id=1"; restart != want {
		t.Fatalf("new-window link: got %q, want %q", restart, want)
	}
	if h.launches() != 0 {
		t.Fatal("unbound launch left a session")
	}

	// In the new top-level window the tool's cookie is first-party and kept.
	top := ltitest.NewBrowser()
	resp, err = top.Get(ctx, restart)
	if err != nil {
		t.Fatal(err)
	}
	resp = submit(t, top, resp) // Moodle's auto-posted login initiation
	resp, err = top.Follow(ctx, resp)
	if err != nil {
		t.Fatal(err)
	}
	resp = submit(t, top, resp) // the platform's auto-posted id_token
	resp, err = top.Follow(ctx, resp)
	if err != nil {
		t.Fatal(err)
	}
	body = readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "LTI Harness Course") {
		t.Errorf("new-window launch: got %d\n%.400s", resp.StatusCode, body)
	}
}

// submit posts the auto-submitting form of the page in resp.
func submit(t *testing.T, b *ltitest.Browser, resp *http.Response) *http.Response {
	t.Helper()
	page := readBody(t, resp)
	f, err := ltitest.ReadForm(resp.Request.URL, []byte(page))
	if err != nil {
		t.Fatalf("status %d, no form: %v\n%.300s", resp.StatusCode, err, page)
	}
	next, err := b.PostForm(context.Background(), f.Action, f.Fields)
	if err != nil {
		t.Fatal(err)
	}
	return next
}

var dataAttr = regexp.MustCompile(`data-([a-z]+)="([^"]*)"`)

// storageData reads the data-* attributes of the platform storage page.
func storageData(body string) map[string]string {
	out := map[string]string{}
	for _, m := range dataAttr.FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

func TestPlatformStorageBindsWithoutCookies(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, ltitest.Moodle)
	b := ltitest.NewBrowser()
	b.BlockCookies = true

	init, err := h.lms.Initiate(ltitest.LaunchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	init.Params.Set("lti_storage_target", "post_message_forwarding")
	resp, err := b.Get(ctx, init.URL+"?"+init.Params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	put := storageData(readBody(t, resp))
	if resp.StatusCode != http.StatusOK || put["mode"] != "put" || put["value"] == "" || put["target"] != "post_message_forwarding" {
		t.Fatalf("login with storage: got %d %v, want the put page", resp.StatusCode, put)
	}
	if put["origin"] != h.lms.URL() {
		t.Errorf("postMessage target origin: got %q, want the platform's %q", put["origin"], h.lms.URL())
	}
	// The platform keeps the value (what lti.put_data does in a browser).
	kept := map[string]string{put["key"]: put["value"]}

	authURL, _ := url.Parse(put["next"])
	f, err := b.Authorize(ctx, authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = b.PostForm(ctx, f.Action, f.Fields)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	get := storageData(body)
	if resp.StatusCode != http.StatusOK || get["mode"] != "get" || get["key"] != put["key"] {
		t.Fatalf("launch without cookie: got %d %v, want the get page", resp.StatusCode, get)
	}
	bindForm, err := ltitest.ReadForm(resp.Request.URL, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := h.srv.Launcher.Session(ctx, bindForm.Fields.Get("launch")); err == nil {
		t.Fatal("an unbound launch session is usable before platform storage answered")
	}

	// A wrong value is refused and the session stays unusable.
	wrong := url.Values{"launch": bindForm.Fields["launch"], "binding": {"forged"}}
	resp, err = b.PostForm(ctx, bindForm.Action, wrong)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged binding: got %d, want 403", resp.StatusCode)
	}

	bindForm.Fields.Set("binding", kept[get["key"]]) // what lti.get_data returns
	resp, err = b.PostForm(ctx, bindForm.Action, bindForm.Fields)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = b.Follow(ctx, resp)
	if err != nil {
		t.Fatal(err)
	}
	body = readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "LTI Harness Course") {
		t.Errorf("after binding: got %d\n%.300s", resp.StatusCode, body)
	}
}
