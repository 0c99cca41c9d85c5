package tracker_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
)

// answerEntry launches learner id, consents and completes the entry profile.
func answerEntry(t *testing.T, h *harness, id string) *learner {
	t.Helper()
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{UserID: id})
	_, body = l.consent(body)
	entry, _, err := h.srv.Surveys.Instrument(context.Background(), "entry", 0)
	if err != nil {
		t.Fatal(err)
	}
	l.complete(entry, body)
	return l
}

// funnelRow reads a funnel step's count from the report's table.
func funnelRow(t *testing.T, page, label string) string {
	t.Helper()
	m := regexp.MustCompile(`<th scope="row">` + regexp.QuoteMeta(label) + `</th><td>([^<]*)</td>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no funnel row %q", label)
	}
	return m[1]
}

func TestCourseReportPage(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	var last *learner
	for i := range 7 {
		last = answerEntry(t, h, fmt.Sprintf("learner-%d", i))
	}
	// One learner withdraws: they leave every count.
	resp, page := last.get("/mydata")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("my data: got %d", resp.StatusCode)
	}
	if resp, _ := last.post("/withdraw", url.Values{"csrf": {csrf(t, page)}, "confirm": {"yes"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("withdraw: got %d", resp.StatusCode)
	}

	// A learner may not see the report.
	if resp, _ := last.get("/report"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("learner opening the report: got %d, want 403", resp.StatusCode)
	}

	// The instructor, in German, finds the report linked from the activity.
	in, _, home := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{UserID: "teacher", Roles: []string{lti.RoleInstructor}, Locale: "de"})
	if !strings.Contains(home, in.home+"/report") {
		t.Fatal("the instructor's page does not link the report")
	}
	resp, page = in.get("/report")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("report: got %d", resp.StatusCode)
	}
	for _, want := range []string{`<html lang="de">`, "Antwortverlauf", "<svg", `<th scope="row">`, "Wen der Kurs erreicht", "ausgeblendet"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if got := funnelRow(t, page, "Aktivität geöffnet"); got != "6" {
		t.Errorf("opened: got %q, want 6 (the withdrawn learner gone)", got)
	}
	if got := funnelRow(t, page, "Eingangsprofil ausgefüllt"); got != "6" {
		t.Errorf("entry done: got %q, want 6", got)
	}
	if strings.Contains(page, "<script") {
		t.Error("the report must work without JavaScript")
	}

	// Its downloads: six learners granted research, one row each.
	resp, csvBody := in.get("/report/responses.csv?lang=el")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if n := strings.Count(strings.TrimSpace(csvBody), "\n"); n != 6 {
		t.Errorf("CSV: got %d rows, want 6", n)
	}
	if resp, _ := in.get("/report/codebook.json"); resp.StatusCode != http.StatusOK {
		t.Errorf("codebook: got %d", resp.StatusCode)
	}
	if resp, _ := last.get("/report/responses.json"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("learner downloading the dataset: got %d, want 403", resp.StatusCode)
	}
}
