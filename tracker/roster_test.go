package tracker_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
)

// members is a course of n learners from user id 4 on, every fifth one
// inactive, and one instructor.
func members(n int, learnerRole string) []lti.Member {
	out := []lti.Member{{UserID: "3", Roles: []string{"Instructor"}}}
	for i := range n {
		m := lti.Member{UserID: strconv.Itoa(4 + i), Roles: []string{learnerRole}}
		if i%5 == 4 {
			m.Status = "Inactive"
		}
		out = append(out, m)
	}
	return out
}

func teacherOf(t *testing.T, h *harness) *learner {
	t.Helper()
	l, _, _ := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{UserID: "3", Roles: []string{lti.RoleInstructor}})
	return l
}

func TestRosterFunnelOverSeveralPages(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	h.lms.SetMembers(members(23, "Learner"))
	h.lms.SetRosterPageSize(5)
	completeGraded(t, h, ltitest.LaunchOptions{})                                   // user 4: on the roster, completes
	launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{UserID: "5"})   // opens only
	launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{UserID: "900"}) // not on the roster

	_, page := teacherOf(t, h).get("/roster")
	// 23 learners, every fifth inactive: 19 active on the roster.
	if !strings.Contains(page, "19") {
		t.Fatalf("roster count missing:\n%.3000s", page)
	}
	m := regexp.MustCompile(`<tbody>\s*<tr><th scope="row">[^<]*</th>((?:<td>[^<]*</td>)+)</tr>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no funnel row:\n%.3000s", page)
	}
	got := regexp.MustCompile(`<td>([^<]*)</td>`).ReplaceAllString(m[1], "$1|")
	if want := "19|2|1|1|0|5%|"; got != want {
		t.Errorf("funnel row: got %s, want %s (roster, opened, consented, completed, declined, rate)", got, want)
	}
	if h.lms.TokenRequests() == 0 {
		t.Error("no token was requested for the roster")
	}
}

func TestRosterRefusedByOpenEdXShowsAMessage(t *testing.T) {
	h := newHarness(t, ltitest.OpenEdX)
	h.lms.SetMembers(members(1300, lti.RoleLearner))
	resp, page := teacherOf(t, h).get("/roster")
	if resp.StatusCode != 200 {
		t.Fatalf("got %d, want the page with a message", resp.StatusCode)
	}
	if !strings.Contains(page, "1000 learners") || !strings.Contains(page, `class="note"`) {
		t.Errorf("the refusal is not explained:\n%.3000s", page)
	}
}
