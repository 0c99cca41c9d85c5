package tracker_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/tracker"
)

func instructor(t *testing.T, h *harness) (*learner, string) {
	t.Helper()
	l, resp, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{UserID: "3", Roles: []string{lti.RoleInstructor}})
	if !strings.Contains(body, `name="instrument"`) {
		t.Fatalf("instructor launch shows no settings: %s", resp.Request.URL)
	}
	return l, body
}

func TestInstructorSettings(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	l, body := instructor(t, h)
	token := csrf(t, body)

	resp, page := l.post("/settings", url.Values{"csrf": {token}, "instrument": {"exit"}, "graded": {"yes"}, "opens": {"2026-01-01"}, "closes": {"2025-01-01"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `class="field-error"`) {
		t.Errorf("closing before opening: got %d, want 422 with a message", resp.StatusCode)
	}
	resp, _ = l.post("/settings", url.Values{"csrf": {token}, "instrument": {"consent"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("consent as the activity's questionnaire: got %d, want 422", resp.StatusCode)
	}
	resp, page = l.post("/settings", url.Values{"csrf": {token}, "instrument": {"exit"}, "graded": {"yes"}, "closes": {"2099-01-01"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `role="status"`) {
		t.Fatalf("save: got %d", resp.StatusCode)
	}
	as, err := h.srv.Surveys.Activity(context.Background(), tracker.Place{PlatformID: 1, Context: &tracker.LaunchContext{ContextID: "2", ResourceLinkID: "1"}})
	if err != nil {
		t.Fatal(err)
	}
	if as.InstrumentID != "exit" || !as.Graded || as.ClosesAt == nil || as.OpensAt != nil {
		t.Errorf("stored settings: got %+v", as)
	}

	// Learners now get the exit evaluation.
	lrn, _, lbody := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	_, lbody = lrn.consent(lbody)
	exit, _, _ := h.srv.Surveys.Instrument(context.Background(), "exit", 0)
	if !strings.Contains(lbody, exit.Pages[0].Title.In("en")) {
		t.Error("learner does not get the chosen questionnaire")
	}
	// and may not change settings.
	resp, _ = lrn.post("/settings", url.Values{"csrf": {csrf(t, lbody)}, "instrument": {"entry"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("learner saving settings: got %d, want 403", resp.StatusCode)
	}
}

func TestCustomParameterPreselectsInstrument(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{Custom: map[string]string{"instrument": "followup"}})
	_, body = l.consent(body)
	in, _, _ := h.srv.Surveys.Instrument(context.Background(), "followup", 0)
	if !strings.Contains(body, in.Pages[0].Title.In("en")) {
		t.Error("custom instrument=followup did not preselect the follow-up survey")
	}
}

// upload posts a definition file as the settings page's upload form does.
func upload(t *testing.T, l *learner, token string, def []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", token)
	fw, _ := mw.CreateFormFile("definition", "mine.json")
	_, _ = fw.Write(def)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, l.home+"/instruments", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := l.b.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, readBody(t, resp)
}

func customDefinition(label string) []byte {
	langs := []string{"en", "de", "es", "el", "it", "sl"}
	text := func(s string) string {
		var parts []string
		for _, l := range langs {
			parts = append(parts, `"`+l+`": "`+s+` `+l+`"`)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return []byte(`{"id": "mine", "version": 1, "wave": "exit", "title": ` + text("Mine") + `, "minutes": 1,
	  "pages": [{"id": "p1", "title": ` + text("Page") + `, "items": [
	    {"id": "q1", "type": "short_text", "label": ` + text(label) + `}]}]}`)
}

func TestCustomInstrumentUpload(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	l, body := instructor(t, h)
	token := csrf(t, body)
	ctx := context.Background()

	resp, page := upload(t, l, token, []byte(`{"id": "bad", "version": 1, "wave": "exit", "pages": [{"id": "p", "items": [{"id": "x", "type": "slider"}]}]}`))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `item &#34;x&#34;`) {
		t.Errorf("bad definition: got %d, want 422 naming the item\n%.300s", resp.StatusCode, page)
	}
	resp, _ = upload(t, l, token, []byte(`{"id": "entry", "version": 9}`))
	if resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusConflict {
		t.Errorf("broken definition under a built-in id: got %d", resp.StatusCode)
	}
	resp, _ = upload(t, l, "wrong", customDefinition("Q"))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("upload without the CSRF token: got %d, want 403", resp.StatusCode)
	}

	resp, _ = upload(t, l, token, customDefinition("Q"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("valid definition: got %d", resp.StatusCode)
	}
	resp, _ = upload(t, l, token, customDefinition("Q"))
	if got, _ := h.db.Instrument(ctx, "mine", 0); resp.StatusCode != http.StatusOK || got.Version != 1 {
		t.Errorf("same definition again: got version %d, want still 1", got.Version)
	}
	resp, _ = upload(t, l, token, customDefinition("Changed question"))
	got, _ := h.db.Instrument(ctx, "mine", 0)
	if resp.StatusCode != http.StatusOK || got.Version != 2 {
		t.Errorf("changed definition: got version %d, want 2", got.Version)
	}
	if v1, err := h.db.Instrument(ctx, "mine", 1); err != nil || !strings.Contains(string(v1.Definition), `"Q en"`) {
		t.Error("version 1 was not kept for the answers given under it")
	}
}
