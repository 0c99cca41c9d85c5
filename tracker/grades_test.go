package tracker_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/tracker"
)

// graded is a launch of a graded activity, as deep linking places it.
func graded(opts ltitest.LaunchOptions) ltitest.LaunchOptions {
	custom := map[string]string{"graded": "1"}
	for k, v := range opts.Custom {
		custom[k] = v
	}
	opts.Custom = custom
	return opts
}

// completeGraded launches a learner into a graded activity and answers
// the whole entry survey.
func completeGraded(t *testing.T, h *harness, opts ltitest.LaunchOptions) {
	t.Helper()
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), graded(opts))
	_, body = l.consent(body)
	resp, _ := l.complete(entry(t, h), body)
	if !strings.HasSuffix(resp.Request.URL.Path, "/done") {
		t.Fatalf("survey ended at %s", resp.Request.URL)
	}
}

// scores lists the activity scores in the outbox.
func scores(t *testing.T, h *harness) []tracker.OutboxItem {
	t.Helper()
	items, err := h.db.OutboxItems(context.Background(), tracker.OutboxFilter{Kind: tracker.KindScore})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// deliver runs the server's score sender once, as the outbox worker
// does, and returns how many scores it attempted; mails wait.
func deliver(t *testing.T, h *harness) int {
	t.Helper()
	scores := &tracker.Outbox{Store: h.db, Now: h.now, Log: h.srv.Log,
		Senders: map[string]tracker.Sender{tracker.KindScore: h.srv.Outbox.Senders[tracker.KindScore]}}
	n, err := scores.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGradedCompletionReachesTheGradebook(t *testing.T) {
	for _, profile := range []ltitest.Profile{ltitest.Moodle, ltitest.OpenEdX} {
		t.Run(profile.String(), func(t *testing.T) {
			h := newHarness(t, profile)
			completeGraded(t, h, ltitest.LaunchOptions{})
			if items := scores(t, h); len(items) != 1 || items[0].Status != tracker.OutboxPending {
				t.Fatalf("after completion: got %+v, want one pending score committed with the answers", items)
			}
			if n := deliver(t, h); n != 1 {
				t.Fatalf("worker attempted %d items, want 1", n)
			}
			got := h.lms.Scores()
			if len(got) != 1 {
				t.Fatalf("the platform received %d scores, want 1", len(got))
			}
			s := got[0]
			if s.ContentType != lti.ScoreMediaType {
				t.Errorf("content type: got %q, want %q", s.ContentType, lti.ScoreMediaType)
			}
			wantPath := "/mod/lti/services.php/2/lineitems/2/lineitem"
			if profile == ltitest.OpenEdX {
				wantPath = "/lti-ags/1"
			}
			if !strings.HasSuffix(s.LineItem, wantPath) {
				t.Errorf("line item: got %s, want the launch's lineitem %s", s.LineItem, wantPath)
			}
			if s.Score["gradingProgress"] != "FullyGraded" || s.Score["activityProgress"] != "Completed" || s.Score["scoreGiven"] != 1.0 || s.Score["scoreMaximum"] != 1.0 {
				t.Errorf("score: got %v, want 1/1 FullyGraded Completed", s.Score)
			}
			user, _ := s.Score["userId"].(string)
			if g := h.lms.Grade(s.LineItem, user); g == nil || *g != 1 {
				t.Errorf("gradebook shows %v, want 1", g)
			}
			if items := scores(t, h); items[0].Status != tracker.OutboxDelivered || items[0].DeliveredAt == nil {
				t.Errorf("outbox: got %+v, want delivered", items[0])
			}
			if n := deliver(t, h); n != 0 || len(h.lms.Scores()) != 1 {
				t.Errorf("a delivered score was sent again")
			}
		})
	}
}

func TestDecliningEarnsTheSameCredit(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), graded(ltitest.LaunchOptions{}))
	l.consent(body, tracker.Purposes...)
	deliver(t, h)
	got := h.lms.Scores()
	if len(got) != 1 || got[0].Score["scoreGiven"] != 1.0 || got[0].Score["gradingProgress"] != "FullyGraded" {
		t.Fatalf("got %+v, want the completion credit", got)
	}
	if _, ok := got[0].Score["comment"]; ok {
		t.Errorf("the score carries a comment %v: the gradebook must not tell declining apart", got[0].Score["comment"])
	}
}

func TestUngradedActivitySendsNothing(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{})
	_, body = l.consent(body)
	l.complete(entry(t, h), body)
	if items := scores(t, h); len(items) != 0 {
		t.Fatalf("got %d scores for an ungraded activity, want none", len(items))
	}
}

func TestPlatformDownScoreRetriedAndDeliveredOnce(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	completeGraded(t, h, ltitest.LaunchOptions{})
	h.lms.FailScores(3, 503, "")
	h.lms.FailScores(1, 429, "600")
	for attempt := 1; attempt <= 4; attempt++ {
		before := h.now()
		if n := deliver(t, h); n != 1 {
			t.Fatalf("attempt %d: worker attempted %d items, want 1", attempt, n)
		}
		it := scores(t, h)[0]
		if it.Status != tracker.OutboxPending || it.Attempts != attempt || it.LastError == "" {
			t.Fatalf("attempt %d: got %+v, want pending with the error recorded", attempt, it)
		}
		if attempt == 4 && it.NextAt.Before(before.Add(600*time.Second).Truncate(time.Millisecond)) {
			t.Errorf("after 429 Retry-After 600: next attempt at %s, want no sooner than %s", it.NextAt, before.Add(600*time.Second))
		}
		if n := deliver(t, h); n != 0 {
			t.Fatalf("attempt %d: retried at once, want a backoff", attempt)
		}
		h.advance(2 * time.Hour)
	}
	deliver(t, h)
	if got := h.lms.Scores(); len(got) != 1 {
		t.Fatalf("platform received %d scores, want exactly 1", len(got))
	}
	if it := scores(t, h)[0]; it.Status != tracker.OutboxDelivered || it.Attempts != 5 {
		t.Errorf("got %+v, want delivered at the fifth attempt", it)
	}
}

func TestScoreSurvivesRestartAndCrashedWorker(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	completeGraded(t, h, ltitest.LaunchOptions{})
	completeGraded(t, h, ltitest.LaunchOptions{UserID: "5"})
	ctx := context.Background()

	// One worker claims both and dies before delivering; the other
	// learner's score was even posted, but the answer never recorded.
	claimed, err := h.db.ClaimOutbox(ctx, []string{tracker.KindScore}, "crashed", h.now(), 2*time.Minute, 10)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim: got %d, %v", len(claimed), err)
	}
	if err := h.srv.Outbox.Senders[tracker.KindScore].Send(ctx, &claimed[0]); err != nil {
		t.Fatal(err)
	}
	h.restart()
	if n := deliver(t, h); n != 0 {
		t.Fatalf("claimed %d scores still leased by the crashed worker", n)
	}
	h.advance(3 * time.Minute)
	if n := deliver(t, h); n != 2 {
		t.Fatalf("after the lease ran out: attempted %d, want 2", n)
	}
	got := h.lms.Scores()
	if len(got) != 2 || got[0].Score["userId"] == got[1].Score["userId"] {
		t.Fatalf("platform received %d scores, want one per learner", len(got))
	}
	for _, it := range scores(t, h) {
		if it.Status != tracker.OutboxDelivered {
			t.Errorf("%s: got %s (%s), want delivered: the platform's 409 on the repeat means it has it", it.Key, it.Status, it.LastError)
		}
	}
}

func TestNewerCompletionNeverSendsAStaleTimestamp(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	completeGraded(t, h, ltitest.LaunchOptions{})
	deliver(t, h)
	// The learner withdraws and takes the survey again: a new score with
	// a newer timestamp replaces the delivered one.
	l, _, _ := launchLearner(t, h, ltitest.NewBrowser(), graded(ltitest.LaunchOptions{}))
	_, body := l.get("/mydata")
	l.post("/withdraw", url.Values{"csrf": {csrf(t, body)}, "confirm": {"yes"}})
	h.advance(time.Second)
	completeGraded(t, h, ltitest.LaunchOptions{})
	deliver(t, h)
	got := h.lms.Scores()
	if len(got) != 2 {
		t.Fatalf("platform received %d scores, want 2", len(got))
	}
	first, _ := time.Parse(time.RFC3339Nano, got[0].Score["timestamp"].(string))
	second, _ := time.Parse(time.RFC3339Nano, got[1].Score["timestamp"].(string))
	if !second.After(first) {
		t.Errorf("timestamps %s then %s: want strictly increasing", first, second)
	}
	if it := scores(t, h)[0]; it.Status != tracker.OutboxDelivered || it.Revision != 2 {
		t.Errorf("got %+v, want revision 2 delivered", it)
	}
}

func TestLineItemFoundOrCreated(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	completeGraded(t, h, ltitest.LaunchOptions{NoLineItem: true})
	completeGraded(t, h, ltitest.LaunchOptions{NoLineItem: true, UserID: "5"})
	deliver(t, h)
	ags, _ := h.lms.Claims(ltitest.LaunchOptions{}, "", "n")[lti.ClaimAGSEndpoint].(map[string]any)
	items := h.lms.LineItems(ags["lineitems"].(string))
	if len(items) != 1 || items[0].Tag != tracker.LineItemTag || items[0].ResourceLinkID == "" || items[0].Label == "" {
		t.Fatalf("line items: got %+v, want one created with ASTRE's tag", items)
	}
	got := h.lms.Scores()
	if len(got) != 2 {
		t.Fatalf("platform received %d scores, want 2", len(got))
	}
	for _, s := range got {
		if !strings.Contains(items[0].ID, s.LineItem) {
			t.Errorf("score went to %s, want the created item %s", s.LineItem, items[0].ID)
		}
	}
}

func TestPermanentFailureShownWithReasonAndRetry(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	h.lms.SetUngradable("4")
	completeGraded(t, h, ltitest.LaunchOptions{})
	deliver(t, h)
	it := scores(t, h)[0]
	if it.Status != tracker.OutboxFailed || !strings.Contains(it.LastError, "not gradable") {
		t.Fatalf("got %+v, want failed for good with the reason", it)
	}
	h.advance(48 * time.Hour)
	if n := deliver(t, h); n != 0 {
		t.Fatal("a permanent failure was retried blindly")
	}
	h.advance(-48 * time.Hour)

	teacher, _, body := launchLearner(t, h, ltitest.NewBrowser(), graded(ltitest.LaunchOptions{UserID: "3", Roles: []string{lti.RoleInstructor}}))
	if !strings.Contains(body, "/grades") {
		t.Fatal("the instructor's page links no grade view")
	}
	_, page := teacher.get("/grades")
	if !strings.Contains(page, "<th scope=\"row\">4</th>") || !strings.Contains(page, "not gradable") {
		t.Fatalf("grades page lacks the learner or the reason:\n%.2000s", page)
	}
	resp, page := teacher.post("/grades/retry", url.Values{"csrf": {csrf(t, page)}, "id": {strconv.FormatInt(it.ID, 10)}})
	if !strings.HasSuffix(resp.Request.URL.Path, "/grades") {
		t.Fatalf("retry ended at %s", resp.Request.URL)
	}
	if it := scores(t, h)[0]; it.Status != tracker.OutboxPending {
		t.Errorf("after retry now: got %s, want pending", it.Status)
	}
	if resp, _ := teacher.post("/grades/retry", url.Values{"csrf": {csrf(t, page)}, "id": {"99999"}}); resp.StatusCode != 404 {
		t.Errorf("retry of a score of no activity of this launch: got %d, want 404", resp.StatusCode)
	}
}
