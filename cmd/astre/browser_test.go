package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/astre-lti/astre/tracker/browsertest"
)

// testDemo is `astre demo` started in the test process on a fresh data
// directory: the tool on http://localhost:PORT, the demo LMS on
// http://127.0.0.1:PORT.
func testDemo(t *testing.T, o demoOptions) *demoRun {
	d, _ := testDemoLogs(t, o)
	return d
}

// testDemoLogs is testDemo with the tool's log (JSON lines, info level).
func testDemoLogs(t *testing.T, o demoOptions) (*demoRun, *lockedBuffer) {
	t.Helper()
	env := map[string]string{"ASTRE_DATA_DIR": t.TempDir(), "ASTRE_LOG_LEVEL": "info"}
	getenv := func(k string) string { return env[k] }
	fs, s, err := newFlags("demo", getenv, &lockedBuffer{})
	if err != nil {
		t.Fatal(err)
	}
	if err := parseFlags(fs, s, nil); err != nil {
		t.Fatal(err)
	}
	s.Addr = "127.0.0.1:0"
	logs := &lockedBuffer{}
	d, err := startDemo(context.Background(), s, true, o, getenv, logs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.close()
		if t.Failed() {
			t.Logf("tool log:\n%s", logs.String())
		}
	})
	return d, logs
}

// lmsOrigin is the demo LMS's origin, the top-level site of the course.
func (d *demoRun) lmsOrigin() string { return d.lms.URL() }

// TestBrowser runs the demo course in Chromium: one browser for every
// subtest, one demo (tool and LMS) per scenario so that none sees
// another's cookies or answers.
func TestBrowser(t *testing.T) {
	browsertest.Require(t)
	plain := testDemo(t, demoOptions{})
	blocked := testDemo(t, demoOptions{})
	refused := testDemo(t, demoOptions{})
	stored, storedLog := testDemoLogs(t, demoOptions{storage: true})
	keys := testDemo(t, demoOptions{})
	staff := testDemo(t, demoOptions{deepLinking: true})
	b := browsertest.Start(t, browsertest.Options{Refuse: []browsertest.CookieRefusal{
		{Origin: refused.toolURL, TopLevel: refused.lmsOrigin()},
		{Origin: stored.toolURL, TopLevel: stored.lmsOrigin()},
	}})

	t.Run("LearnerInFrame", func(t *testing.T) {
		tab := b.NewTab(t)
		if _, err := chromedp.Call(tab.Context(), network.SetCookieControls, network.SetCookieControlsParams{EnableThirdPartyCookieRestriction: false}); err != nil {
			t.Fatalf("allow third-party cookies: %v", err)
		}
		checkCookiePolicy(t, tab, plain, true)
		frame := launchFromCourse(t, tab, plain, "learner", plain.toolURL+"/s/")
		completeEntrySurvey(t, frame)
	})
	t.Run("LearnerInFrameThirdPartyCookiesBlocked", func(t *testing.T) {
		tab := b.NewTab(t)
		if _, err := chromedp.Call(tab.Context(), network.SetCookieControls, network.SetCookieControlsParams{EnableThirdPartyCookieRestriction: true}); err != nil {
			t.Fatalf("block third-party cookies: %v", err)
		}
		checkCookiePolicy(t, tab, blocked, false)
		frame := launchFromCourse(t, tab, blocked, "learner", blocked.toolURL+"/s/")
		completeEntrySurvey(t, frame)
	})
	t.Run("CookieRefusedNewWindow", func(t *testing.T) {
		tab := b.NewTab(t)
		frame := launchFromCourse(t, tab, refused, "learner", refused.toolURL+"/lti/launch")
		waitPath(t, frame, "/lti/launch")
		frame.Axe("error")
		if n := browsertest.Eval[int](frame, "new-window link", `document.querySelectorAll("main a.button[target=_blank]").length`); n != 1 {
			frame.Fatalf("error", "in the frame: got %d new-window links at %s, want the unbound launch page with one", n, frame.Location())
		}
		browsertest.Eval[bool](frame, "open a new window", `(document.querySelector("main a.button[target=_blank]").click(), true)`)
		win := tab.Window(refused.toolURL + "/s/")
		completeEntrySurvey(t, win)
	})
	t.Run("PlatformStorageWithoutCookies", func(t *testing.T) {
		tab := b.NewTab(t)
		frame := launchFromCourse(t, tab, stored, "learner", stored.toolURL+"/s/")
		// The cookie was refused: the tool bound the launch through the
		// platform's storage frame.
		if log := storedLog.String(); !strings.Contains(log, `"pending_binding":true`) || !strings.Contains(log, `"event":"bind","outcome":"accepted"`) {
			t.Fatalf("the launch was not bound through platform storage; tool log:\n%s", log)
		}
		completeEntrySurvey(t, frame)
	})
	t.Run("Instructor", func(t *testing.T) {
		tab := b.NewTab(t)
		frame := launchFromCourse(t, tab, staff, "instructor", staff.toolURL+"/s/")
		waitPath(t, frame, "/")
		frame.Axe("settings")
		browsertest.Eval[bool](frame, "grade the activity", `(document.getElementById("graded").checked = true)`)
		submit(t, frame, `#settings-title ~ form button[type="submit"]`)
		if saved := frame.Text(`p.note[role="status"]`); saved == "" || !strings.Contains(frame.Location(), "saved=1") {
			frame.Fatalf("settings", "after saving: got %s, want the settings page saying they were saved", frame.Location())
		}
		if !browsertest.Eval[bool](frame, "graded kept", `document.getElementById("graded").checked`) {
			frame.Errorf("settings", "the saved setting did not stick")
		}
	})
	t.Run("InstructorDeepLinking", func(t *testing.T) {
		tab := b.NewTab(t)
		tab.Do("open the course", chromedp.Navigate(staff.courseURL), chromedp.WaitVisible(chromedp.CSS(`input[name="dl"] ~ button`)))
		tab.Do("add content", chromedp.Click(chromedp.CSS(`input[name="dl"] ~ button`), chromedp.NodeVisible))
		frame := tab.Frame(staff.toolURL + "/s/")
		waitPath(t, frame, "/")
		frame.Axe("deeplink")
		if !browsertest.Eval[bool](frame, "pick the exit survey", `(document.getElementById("pick-exit").checked = true)`) {
			frame.Fatalf("deeplink", "the catalogue offers no exit survey")
		}
		// The response page posts itself to the LMS, another site: the
		// frame's target is swapped out, so wait on the LMS, not the frame.
		if !browsertest.Eval[bool](frame, "send the choice", `(function () {
  var b = document.querySelector('main form button[type="submit"]');
  if (!b) { return false; }
  b.click();
  return true;
})()`) {
			frame.Fatalf("deeplink", "no submit button on the catalogue")
		}
		deadline := time.Now().Add(30 * time.Second)
		for len(staff.lms.DeepLinkReturns()) == 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if n := len(staff.lms.DeepLinkReturns()); n != 1 {
			frame.Fatalf("deeplink", "the LMS accepted %d deep linking responses, want 1 (auto-posted)", n)
		}
		tab.Do("reload the course", chromedp.Navigate(staff.courseURL), chromedp.WaitVisible(chromedp.CSS(`main`)))
		if got := tab.Text("main"); !strings.Contains(got, "Your evaluation of the course") {
			tab.Errorf("course", "the course page does not list the added survey:\n%s", got)
		}
	})
	t.Run("Keyboard", func(t *testing.T) {
		tab := b.NewTab(t)
		tab.Do("launch at top level", chromedp.Navigate(keys.lms.URL()+"/mod/lti/launch.php?id=1&as=learner2"))
		waitPath(t, tab, "/consent")
		answerWithKeyboard(t, tab)
		waitPath(t, tab, "/survey")
		answerWithKeyboard(t, tab)
		waitPath(t, tab, "/survey")
		if got := browsertest.Eval[int](tab, "page", `+document.querySelector("main input[name=page]").value`); got != 1 {
			tab.Fatalf("survey", "after the first survey page: got page index %d, want 1", got)
		}
	})
	t.Run("Accessibility", func(t *testing.T) { testAccessibility(t, b) })
}

// launchFromCourse opens the demo course, clicks the user's launch button
// and returns the activity frame once its document URL has the prefix.
func launchFromCourse(t *testing.T, tab *browsertest.Tab, d *demoRun, user, prefix string) *browsertest.Tab {
	t.Helper()
	tab.Do("open the course", chromedp.Navigate(d.courseURL), chromedp.WaitVisible(chromedp.CSS(`button[value="`+user+`"]`)))
	tab.Do("launch as "+user, chromedp.Click(chromedp.CSS(`button[value="`+user+`"]`), chromedp.NodeVisible))
	return tab.Frame(prefix)
}

// completeEntrySurvey gives consent and answers every page of the survey
// in frame, checking each page with axe-core, up to the final page.
func completeEntrySurvey(t *testing.T, frame *browsertest.Tab) {
	t.Helper()
	waitPath(t, frame, "/consent")
	frame.Axe("consent")
	fillPage(t, frame)
	submit(t, frame, `main form button[type="submit"]`)
	pages := 0
	for page := 1; ; page++ {
		loc := frame.Location()
		if strings.Contains(loc, "/done") {
			pages = page - 1
			break
		}
		if !strings.Contains(loc, "/survey") || page > 20 {
			frame.Fatalf("survey", "after survey page %d: got %s, want the next page or the final page", page-1, loc)
		}
		if n := browsertest.Eval[int](frame, "error summary", `document.querySelectorAll(".error-summary").length`); n > 0 {
			frame.Fatalf("survey", "survey page %d refused the answers: %s", page, frame.Text(".error-summary"))
		}
		frame.Axe("survey")
		fillPage(t, frame)
		submit(t, frame, `main form button[value="next"]`)
	}
	t.Logf("answered the consent and %d survey pages", pages)
	frame.Axe("done")
	if h1 := frame.Text("h1"); h1 == "" {
		frame.Errorf("done", "final page has no heading")
	}
}

// checkCookiePolicy proves the tab's cookie policy before a scenario
// relies on it: inside the course page, a page on localhost sets an
// unpartitioned and a partitioned SameSite=None; Secure cookie over plain
// http. The partitioned one must stay (http://localhost is a secure
// context); the unpartitioned one only while third-party cookies are
// allowed.
func checkCookiePolicy(t *testing.T, tab *browsertest.Tab, d *demoRun, thirdParty bool) {
	t.Helper()
	probe := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "probe_plain=1; Path=/; SameSite=None; Secure")
		w.Header().Add("Set-Cookie", "probe_partitioned=1; Path=/; SameSite=None; Secure; Partitioned")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><title>probe</title><p id="probe">probe</p>`))
	}))
	defer probe.Close()
	probeURL := strings.Replace(probe.URL, "127.0.0.1", "localhost", 1) + "/probe"
	tab.Do("open the course", chromedp.Navigate(d.courseURL))
	browsertest.Eval[bool](tab, "load the probe", `new Promise(function (done) {
  var f = document.querySelector("iframe.activity");
  f.onload = function () { done(true); };
  f.src = `+"`"+probeURL+"`"+`;
})`)
	res, err := chromedp.CallBrowser(tab.Context(), storage.GetCookies, storage.GetCookiesParams{})
	if err != nil {
		t.Fatalf("read cookies: %v", err)
	}
	got := map[string]string{}
	for _, c := range res.Cookies {
		if strings.HasPrefix(c.Name, "probe_") {
			key := ""
			if c.PartitionKey != nil {
				key = c.PartitionKey.TopLevelSite
			}
			got[c.Name] = key
		}
	}
	t.Logf("cookies kept from the localhost frame, with their partition: %v", got)
	if _, ok := got["probe_plain"]; ok != thirdParty {
		t.Fatalf("unpartitioned third-party cookie kept: got %v, want %v", ok, thirdParty)
	}
	if _, ok := got["probe_partitioned"]; !ok {
		t.Fatalf("the partitioned cookie was refused on http://localhost inside http://127.0.0.1")
	}
}
