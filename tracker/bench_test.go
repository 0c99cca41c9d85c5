package tracker_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/astre-lti/astre/lti/ltitest"
)

// BenchmarkLoginLaunch measures the tool's side of a launch: the login
// initiation request and the launch POST, over real HTTP and SQLite. The
// platform's token signing happens with the timer stopped.
func BenchmarkLoginLaunch(b *testing.B) {
	h := newHarness(b, ltitest.Moodle)
	ctx := context.Background()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	login := url.Values{
		"iss": {h.lms.Issuer}, "login_hint": {"4"}, "target_link_uri": {h.base + "/lti/launch"},
		"client_id": {h.lms.ClientID}, "lti_deployment_id": {"1"}, "lti_message_hint": {`{"cmid":1}`},
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := client.PostForm(h.base+"/lti/login", login)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		auth, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || resp.StatusCode != http.StatusFound {
			b.Fatalf("login: %d %v", resp.StatusCode, err)
		}
		q := auth.Query()

		b.StopTimer()
		token, err := h.lms.Sign(h.lms.Claims(ltitest.LaunchOptions{}, "", q.Get("nonce")), ltitest.SignOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.base+"/lti/launch",
			strings.NewReader(url.Values{"id_token": {token}, "state": {q.Get("state")}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err = client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			b.Fatalf("launch: got %d (%s)", resp.StatusCode, h.lastReason())
		}
	}
}
