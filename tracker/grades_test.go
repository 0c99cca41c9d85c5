package tracker_test

import (
	"context"
	"fmt"
	"html"
	"maps"
	"net/url"
	"regexp"
	"slices"
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

// teacherWithScores launches an instructor into a graded activity and
// enqueues n scores of it straight into the store, learner u000 first
// (the oldest), then marks the oldest delivered and the next failed, as
// the outbox worker would. It returns the instructor and the activity.
func teacherWithScores(t *testing.T, h *harness, n, delivered, failed int) (*learner, int64) {
	t.Helper()
	ctx := context.Background()
	teacher, _, _ := launchLearner(t, h, ltitest.NewBrowser(), graded(ltitest.LaunchOptions{UserID: "3", Roles: []string{lti.RoleInstructor}}))
	activity, err := h.db.ActivityAt(ctx, 1, "2", "1")
	if err != nil {
		t.Fatal(err)
	}
	activityID := activity.ID
	now := h.now()
	items := make([]*tracker.OutboxItem, n)
	for i := range items {
		learner := fmt.Sprintf("u%03d", i)
		items[i] = &tracker.OutboxItem{Kind: tracker.KindScore, Key: fmt.Sprintf("%d:%s", activityID, learner),
			ActivityID: activityID, Learner: learner, Payload: []byte(`{"user_id":"` + learner + `"}`), NextAt: now}
	}
	if err := h.db.Enqueue(ctx, items...); err != nil {
		t.Fatal(err)
	}
	claimed, err := h.db.ClaimOutbox(ctx, []string{tracker.KindScore}, "seed", now, time.Minute, delivered+failed)
	if err != nil || len(claimed) != delivered+failed {
		t.Fatalf("claim: got %d, %v; want %d", len(claimed), err, delivered+failed)
	}
	for i, c := range claimed {
		a := tracker.OutboxAttempt{ID: c.ID, Revision: c.Revision, Owner: "seed", Status: tracker.OutboxDelivered, NextAt: now, At: now}
		if i >= delivered {
			a.Status, a.Error = tracker.OutboxFailed, "the gradebook refused the score: the user is not gradable (for example not enrolled as a student)"
		}
		if err := h.db.FinishOutbox(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	return teacher, activityID
}

// learners lists the seeded learners from u<newest> down to u<oldest>.
func learners(newest, oldest int) []string {
	var out []string
	for i := newest; i >= oldest; i-- {
		out = append(out, fmt.Sprintf("u%03d", i))
	}
	return out
}

var (
	gradeRowUser  = regexp.MustCompile(`<th scope="row">([^<]*)</th>`)
	gradeFilter   = regexp.MustCompile(`<li><a href="([^"]+)"( aria-current="true")?>([^<]+)</a></li>`)
	gradePageLink = regexp.MustCompile(`<a href="([^"]+)" rel="(prev|next)">`)
	gradeRetry    = regexp.MustCompile(`name="id" value="(\d+)"><input type="hidden" name="state" value="([^"]*)"><input type="hidden" name="page" value="([^"]*)">`)
)

// gradesShown is what one grades page shows.
type gradesShown struct {
	users    []string          // the rows' learners, in order
	filters  map[string]string // count text → link, within the launch
	current  string            // the count text marked current
	newer    string            // link to the newer page, within the launch
	older    string            // link to the older page, within the launch
	pageText string
}

func readGradesView(t *testing.T, l *learner, page string) gradesShown {
	t.Helper()
	v := gradesShown{filters: map[string]string{}}
	local := func(href string) string {
		href = html.UnescapeString(href)
		if !strings.HasPrefix(href, l.home+"/grades") {
			t.Fatalf("link %s leads out of the launch's grades page", href)
		}
		return strings.TrimPrefix(href, l.home)
	}
	for _, m := range gradeRowUser.FindAllStringSubmatch(page, -1) {
		v.users = append(v.users, m[1])
	}
	for _, m := range gradeFilter.FindAllStringSubmatch(page, -1) {
		v.filters[m[3]] = local(m[1])
		if m[2] != "" {
			v.current = m[3]
		}
	}
	for _, m := range gradePageLink.FindAllStringSubmatch(page, -1) {
		if m[2] == "prev" {
			v.newer = local(m[1])
		} else {
			v.older = local(m[1])
		}
	}
	if m := regexp.MustCompile(`<p>(Page \d+ of \d+)</p>`).FindStringSubmatch(page); m != nil {
		v.pageText = m[1]
	}
	return v
}

func TestGradesPagedAndFilteredByState(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	ctx := context.Background()
	// 250 scores: u000-u039 delivered, u040-u059 failed, u060-u249 pending;
	// and one of another activity, which no count or page may show.
	teacher, activityID := teacherWithScores(t, h, 250, 40, 20)
	other := &tracker.OutboxItem{Kind: tracker.KindScore, Key: "other", ActivityID: activityID + 1, Payload: []byte(`{"user_id":"x"}`), NextAt: h.now().Add(time.Hour)}
	if err := h.db.Enqueue(ctx, other); err != nil {
		t.Fatal(err)
	}

	_, page := teacher.get("/grades")
	first := readGradesView(t, teacher, page)
	wantFilters := map[string]string{
		"All scores: 250":         "/grades",
		"In the gradebook: 40":    "/grades?state=delivered",
		"Waiting to be sent: 190": "/grades?state=pending",
		"Not delivered: 20":       "/grades?state=failed",
	}
	if !maps.Equal(first.filters, wantFilters) {
		t.Errorf("counts: got %v, want %v", first.filters, wantFilters)
	}
	if first.current != "All scores: 250" {
		t.Errorf("current filter: got %q, want all", first.current)
	}

	for _, tc := range []struct {
		path         string
		users        []string
		pageText     string
		current      string
		newer, older string
	}{
		{"/grades", learners(249, 150), "Page 1 of 3", "All scores: 250", "", "/grades?page=2"},
		{"/grades?page=2", learners(149, 50), "Page 2 of 3", "All scores: 250", "/grades", "/grades?page=3"},
		{"/grades?page=3", learners(49, 0), "Page 3 of 3", "All scores: 250", "/grades?page=2", ""},
		{"/grades?page=9", learners(49, 0), "Page 3 of 3", "All scores: 250", "/grades?page=2", ""},
		{"/grades?state=failed", learners(59, 40), "Page 1 of 1", "Not delivered: 20", "", ""},
		{"/grades?state=failed&page=5", learners(59, 40), "Page 1 of 1", "Not delivered: 20", "", ""},
		{"/grades?state=delivered", learners(39, 0), "Page 1 of 1", "In the gradebook: 40", "", ""},
		{"/grades?state=pending", learners(249, 150), "Page 1 of 2", "Waiting to be sent: 190", "", "/grades?page=2&state=pending"},
		{"/grades?state=pending&page=2", learners(149, 60), "Page 2 of 2", "Waiting to be sent: 190", "/grades?state=pending", ""},
	} {
		resp, page := teacher.get(tc.path)
		if resp.StatusCode != 200 {
			t.Errorf("%s: got status %d, want 200", tc.path, resp.StatusCode)
			continue
		}
		v := readGradesView(t, teacher, page)
		if !slices.Equal(v.users, tc.users) {
			t.Errorf("%s: got %d rows %v…, want %d rows %s to %s", tc.path, len(v.users), v.users[:min(3, len(v.users))],
				len(tc.users), tc.users[0], tc.users[len(tc.users)-1])
		}
		if v.pageText != tc.pageText || v.current != tc.current || v.newer != tc.newer || v.older != tc.older {
			t.Errorf("%s: got %q, current %q, newer %q, older %q; want %q, %q, %q, %q", tc.path,
				v.pageText, v.current, v.newer, v.older, tc.pageText, tc.current, tc.newer, tc.older)
		}
		if tc.current == "Not delivered: 20" && strings.Count(page, "<td>Not delivered</td>") != len(tc.users) {
			t.Errorf("%s: rows of other states shown", tc.path)
		}
	}

	for _, path := range []string{"/grades?page=0", "/grades?page=-1", "/grades?page=x", "/grades?page=1.5", "/grades?state=bogus", "/grades?state=Failed&page=2"} {
		resp, page := teacher.get(path)
		if resp.StatusCode != 400 || !strings.Contains(page, "<h1>") {
			t.Errorf("%s: got status %d, want the invalid-request page (400)", path, resp.StatusCode)
		}
	}
}

func TestGradesRetryReturnsToTheSameView(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	ctx := context.Background()
	teacher, _ := teacherWithScores(t, h, 250, 0, 150) // u000-u149 failed, u150-u249 pending

	_, page := teacher.get("/grades?state=failed&page=2")
	m := gradeRetry.FindStringSubmatch(page)
	if m == nil || m[2] != "failed" || m[3] != "2" {
		t.Fatalf("retry form: got %q, want it to carry state failed and page 2", m)
	}
	resp, page := teacher.post("/grades/retry", url.Values{"csrf": {csrf(t, page)}, "id": {m[1]}, "state": {m[2]}, "page": {m[3]}})
	q := resp.Request.URL.Query()
	if resp.Request.URL.Path != strings.TrimPrefix(teacher.home+"/grades", h.base) ||
		!maps.EqualFunc(q, url.Values{"state": {"failed"}, "page": {"2"}, "retried": {"1"}}, slices.Equal) {
		t.Fatalf("retry ended at %s, want the failed scores' page 2 with retried=1", resp.Request.URL)
	}
	if v := readGradesView(t, teacher, page); v.pageText != "Page 2 of 2" || len(v.users) != 49 || !strings.Contains(page, `role="status"`) {
		t.Errorf("after retry: got %q with %d rows, want page 2 of 2 with the 49 failed left and the notice", v.pageText, len(v.users))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	items, err := h.db.OutboxItems(ctx, tracker.OutboxFilter{ID: id})
	if err != nil || len(items) != 1 || items[0].Status != tracker.OutboxPending {
		t.Errorf("the retried score: got %+v, %v; want pending", items, err)
	}

	// The view posted is checked like the page's own query.
	for _, view := range []url.Values{{"state": {"bogus"}}, {"page": {"0"}}, {"page": {"2\r\nLocation: /x"}}} {
		fields := url.Values{"csrf": {csrf(t, page)}, "id": {m[1]}}
		for k, v := range view {
			fields[k] = v
		}
		if resp, _ := teacher.post("/grades/retry", fields); resp.StatusCode != 400 {
			t.Errorf("retry with %v: got status %d, want 400", view, resp.StatusCode)
		}
	}
}
