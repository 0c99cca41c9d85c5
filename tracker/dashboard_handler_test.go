package tracker_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
)

// browse gets or posts on the tool outside a launch and follows redirects.
func browse(t *testing.T, h *harness, b *ltitest.Browser, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	ctx := context.Background()
	var resp *http.Response
	var err error
	if form == nil {
		resp, err = b.Get(ctx, h.base+path)
	} else {
		resp, err = b.PostForm(ctx, h.base+path, form)
	}
	if err == nil {
		resp, err = b.Follow(ctx, resp)
	}
	if err != nil {
		t.Fatal(err)
	}
	return resp, readBody(t, resp)
}

func TestAdminDashboard(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		answerEntry(t, h, id)
	}
	h.srv.Accounts.Cost = bcrypt.MinCost
	if _, err := h.srv.Accounts.CreateAdmin(context.Background(), "qa", "a long enough password"); err != nil {
		t.Fatal(err)
	}
	b := ltitest.NewBrowser()

	// Not signed in: sent to the login page; downloads refused.
	resp, page := browse(t, h, b, "/admin/", nil)
	if resp.Request.URL.Path != "/admin/login" || !strings.Contains(page, `name="password"`) {
		t.Fatalf("dashboard without a session: ended at %s", resp.Request.URL)
	}
	if resp, _ := browse(t, h, ltitest.NewBrowser(), "/admin/responses.csv", nil); resp.Request.URL.Path != "/admin/login" {
		t.Errorf("download without a session: ended at %s", resp.Request.URL)
	}
	token := csrf(t, page)
	if resp, _ := browse(t, h, b, "/admin/login", url.Values{"csrf": {token}, "username": {"qa"}, "password": {"wrong password here"}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: got %d, want 401", resp.StatusCode)
	}
	if resp, _ := browse(t, h, b, "/admin/login", url.Values{"username": {"qa"}, "password": {"a long enough password"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("login without CSRF token: got %d, want 403", resp.StatusCode)
	}
	resp, page = browse(t, h, b, "/admin/login?lang=it", url.Values{"csrf": {token}, "username": {"qa"}, "password": {"a long enough password"}})
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/admin/" {
		t.Fatalf("login: got %d at %s", resp.StatusCode, resp.Request.URL)
	}
	for _, want := range []string{"Quality dashboard", "All selected courses", `<svg`, "Trends by cohort"} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if resp, body := browse(t, h, b, "/admin/responses.json?lang=sl", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"rows":[{`) {
		t.Errorf("JSON download: got %d", resp.StatusCode)
	}
	// Signing out ends the session.
	if resp, _ := browse(t, h, b, "/admin/logout", url.Values{"csrf": {csrf(t, page)}}); resp.Request.URL.Path != "/admin/login" {
		t.Errorf("logout ended at %s", resp.Request.URL)
	}
	if resp, _ := browse(t, h, b, "/admin/", nil); resp.Request.URL.Path != "/admin/login" {
		t.Error("the dashboard is still open after signing out")
	}

	// An LMS administrator reaches it from a launch; an instructor does not.
	adm, _, home := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{UserID: "admin", Roles: []string{lti.RoleAdministrator}})
	if !strings.Contains(home, adm.home+"/dashboard") {
		t.Fatal("the LMS administrator's page does not link the dashboard")
	}
	if resp, page := adm.get("/dashboard"); resp.StatusCode != http.StatusOK || !strings.Contains(page, "All selected courses") {
		t.Errorf("LMS administrator dashboard: got %d", resp.StatusCode)
	}
	ins, _, _ := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{UserID: "teacher", Roles: []string{lti.RoleInstructor}})
	if resp, _ := ins.get("/dashboard"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("instructor opening the dashboard: got %d, want 403", resp.StatusCode)
	}
}
