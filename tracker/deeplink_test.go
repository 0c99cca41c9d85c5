package tracker_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
)

var (
	returnForm = regexp.MustCompile(`<form method="post" action="([^"]+)" data-autosubmit>`)
	jwtField   = regexp.MustCompile(`name="JWT" value="([^"]+)"`)
)

// pickSurveys opens the catalogue as the instructor and posts fields;
// it returns the page that follows.
func pickSurveys(t *testing.T, h *harness, profile ltitest.Profile, fields url.Values) (*learner, string) {
	t.Helper()
	teacher, resp, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{MessageType: ltitest.MessageDeepLinking})
	if !strings.Contains(body, `name="instrument" value="exit"`) {
		t.Fatalf("the deep linking launch shows no catalogue (%s):\n%.1500s", resp.Request.URL, body)
	}
	fields.Set("csrf", csrf(t, body))
	_, page := teacher.post("/deeplink", fields)
	return teacher, page
}

func TestDeepLinkingReturnsSignedChoice(t *testing.T) {
	for _, profile := range []ltitest.Profile{ltitest.Moodle, ltitest.OpenEdX} {
		t.Run(profile.String(), func(t *testing.T) {
			h := newHarness(t, profile)
			fields := url.Values{"instrument": {"exit"}, "title.exit": {"Course feedback"}, "graded": {"yes"}}
			teacher, page := pickSurveys(t, h, profile, fields)
			action, jwt := returnForm.FindStringSubmatch(page), jwtField.FindStringSubmatch(page)
			if action == nil || jwt == nil {
				t.Fatalf("no auto-posted response form:\n%.1500s", page)
			}
			target := strings.ReplaceAll(action[1], "&amp;", "&")
			resp, err := teacher.b.PostForm(context.Background(), target, url.Values{"JWT": {jwt[1]}})
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode/100 != 2 {
				t.Fatalf("the platform refused the response: %d %s", resp.StatusCode, readBody(t, resp))
			}
			got := h.lms.DeepLinkReturns()
			if len(got) != 1 {
				t.Fatalf("platform accepted %d responses, want 1", len(got))
			}
			items, _ := got[0].Claims[lti.ClaimContentItems].([]any)
			if len(items) != 1 {
				t.Fatalf("content items: got %v, want 1", got[0].Claims[lti.ClaimContentItems])
			}
			item, _ := items[0].(map[string]any)
			custom, _ := item["custom"].(map[string]any)
			if item["type"] != "ltiResourceLink" || item["title"] != "Course feedback" || custom["instrument"] != "exit" || custom["graded"] != "1" {
				t.Errorf("item: got %v", item)
			}
			if item["url"] != h.base+"/lti/launch" {
				t.Errorf("item url: got %v, want the launch URL", item["url"])
			}
			line, hasLine := item["lineItem"].(map[string]any)
			// Neither sends accept_lineitem, so the line item goes along:
			// Moodle makes it the grade item, Open edX ignores it.
			if !hasLine {
				t.Errorf("lineItem missing from a graded link")
			}
			if hasLine && (line["scoreMaximum"] != 1.0 || line["label"] != "Course feedback") {
				t.Errorf("lineItem: got %v", line)
			}
		})
	}
}

func TestDeepLinkingChoiceErrorsKeepTheForm(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	_, page := pickSurveys(t, h, ltitest.Moodle, url.Values{"instrument": {"no-such-survey"}})
	if !strings.Contains(page, `role="alert"`) || returnForm.MatchString(page) {
		t.Errorf("an unknown survey was accepted:\n%.1500s", page)
	}
	long := strings.Repeat("x", 300)
	_, page = pickSurveys(t, h, ltitest.Moodle, url.Values{"instrument": {"exit"}, "title.exit": {long}})
	if !strings.Contains(page, `role="alert"`) || !strings.Contains(page, long) {
		t.Errorf("a too long title was accepted or lost:\n%.800s", page)
	}
	_, page = pickSurveys(t, h, ltitest.Moodle, url.Values{"instrument": {"exit", "followup"}})
	if !returnForm.MatchString(page) {
		t.Errorf("Moodle accepts several items, but the choice of two was refused")
	}
	if n := len(h.lms.DeepLinkReturns()); n != 0 {
		t.Errorf("nothing was posted back yet, but the platform has %d", n)
	}
}

func TestDeepLinkedGradedActivityIsGraded(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	// The custom parameters a deep-linked item carries: the survey and
	// graded=1 (completeGraded adds it).
	completeGraded(t, h, ltitest.LaunchOptions{Custom: map[string]string{"instrument": "entry"}})
	deliver(t, h)
	if len(h.lms.Scores()) != 1 {
		t.Fatal("a link placed with graded=1 sent no score")
	}
	pl, err := h.db.Platform(context.Background(), h.lms.Issuer, h.lms.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.db.ActivityAt(context.Background(), pl.ID, "2", "1")
	if err != nil || !a.Graded || a.InstrumentID != "entry" {
		t.Errorf("activity: got %+v, %v; want graded, with the linked survey", a, err)
	}
}
