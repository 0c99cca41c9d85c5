package ltitest

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func getBody(t *testing.T, rawURL string) (int, string) {
	t.Helper()
	resp, err := http.Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestCoursePage(t *testing.T) {
	p := NewPlatform(Moodle)
	defer p.Close()
	st := newStubTool(t, p)
	course := Course{
		Title: "Demo <course>", Activity: "Entry survey",
		Users: []CourseUser{
			{Key: "learner", Label: "Launch as Alex", Launch: LaunchOptions{UserID: "101"}},
			{Key: "teacher", Label: "Launch as Kim", Launch: LaunchOptions{UserID: "103"}},
		},
		PlatformStorage: true, DeepLinkingAs: "teacher",
	}
	if err := p.SetCourse(course); err != nil {
		t.Fatal(err)
	}

	status, page := getBody(t, p.CourseURL())
	for _, want := range []string{"Demo &lt;course&gt;", `value="learner"`, "Launch as Kim", `name="` + ActivityFrameName + `"`, `name="` + StorageFrameName + `"`, `name="dl"`} {
		if status != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("course page: got %d without %q:\n%s", status, want, page)
		}
	}
	status, frame := getBody(t, p.URL()+"/mod/lti/storage.php")
	if toolOrigin := strings.TrimSuffix(st.srv.URL, "/"); status != http.StatusOK || !strings.Contains(frame, strings.ReplaceAll(toolOrigin, "/", `\/`)) {
		t.Errorf("storage frame: got %d, want the tool origin %s in:\n%s", status, toolOrigin, frame)
	}

	// The learner's button: a login initiation carrying the user, the
	// language asked for and the storage target.
	launch := p.URL() + "/mod/lti/launch.php?id=1&as=learner&lang=de"
	status, body := getBody(t, launch)
	form, err := ReadForm(mustParse(t, launch), []byte(body))
	if err != nil || status != http.StatusOK {
		t.Fatalf("launch page: %d %v\n%s", status, err, body)
	}
	if got := form.Fields.Get("login_hint"); got != "101" {
		t.Errorf("login_hint: got %q, want 101", got)
	}
	if got := form.Fields.Get("lti_storage_target"); got != StorageFrameName {
		t.Errorf("lti_storage_target: got %q, want %q", got, StorageFrameName)
	}
	if !strings.Contains(body, "<noscript><button") {
		t.Errorf("launch page has no Continue button for browsers without JavaScript:\n%s", body)
	}
	p.mu.Lock()
	last := p.lastLaunch
	p.mu.Unlock()
	claims := p.Claims(last, "", "n")
	if got := object(claims, "https://purl.imsglobal.org/spec/lti/claim/context")["title"]; got != course.Title {
		t.Errorf("context title: got %v, want %q", got, course.Title)
	}
	if got := object(claims, "https://purl.imsglobal.org/spec/lti/claim/launch_presentation")["locale"]; got != "de" {
		t.Errorf("locale: got %v, want de", got)
	}

	// The new-window restart reopens as the same user, without storage.
	status, body = getBody(t, p.URL()+"/mod/lti/launch.php?id=1")
	form, err = ReadForm(mustParse(t, launch), []byte(body))
	if err != nil || status != http.StatusOK || form.Fields.Get("login_hint") != "101" || form.Fields.Has("lti_storage_target") {
		t.Errorf("restart: got %d %v %v", status, err, form.Fields)
	}

	if status, _ := getBody(t, p.URL()+"/mod/lti/launch.php?id=1&as=nobody"); status != http.StatusNotFound {
		t.Errorf("unknown user: got %d, want 404", status)
	}
	edx := NewPlatform(OpenEdX)
	defer edx.Close()
	if err := edx.SetCourse(course); err == nil {
		t.Error("Open edX course page: got no error")
	}
	if err := p.SetCourse(Course{Users: course.Users, DeepLinkingAs: "ghost"}); err == nil {
		t.Error("DeepLinkingAs naming no user: got no error")
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
