package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/astre-lti/astre/tracker"
	"github.com/astre-lti/astre/tracker/browsertest"
)

// languages are ASTRE's interface languages (tracker/locales).
var languages = []string{"en", "de", "es", "el", "it", "sl"}

// testAccessibility runs axe-core on every kind of page in every
// language, each page at top level in tab: landing (the deep linking
// catalogue), consent, survey, done, mydata, contact, settings, grades,
// roster, report, followup, error, config and the administrators' sign-in. Each language gets a demo of
// its own, so its learner meets the consent form fresh.
func testAccessibility(t *testing.T, b *browsertest.Browser) {
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) {
			d := testDemo(t, demoOptions{deepLinking: true})
			tab := b.NewTab(t)
			if _, err := chromedp.Call(tab.Context(), network.Enable, network.EnableParams{}); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Call(tab.Context(), network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
				Headers: network.Headers{"Accept-Language": lang}}); err != nil {
				t.Fatal(err)
			}
			launch := d.lms.URL() + "/mod/lti/launch.php?id=1&lang=" + lang + "&as="
			check := func(kind string) {
				t.Helper()
				if got := browsertest.Eval[string](tab, "page language", "document.documentElement.lang"); got != lang {
					tab.Errorf(kind, "the %s page is in %q, want %q", kind, got, lang)
				}
				tab.Axe(kind)
			}

			tab.Do("launch as learner", chromedp.Navigate(launch+"learner"))
			waitPath(t, tab, "/consent")
			check("consent")
			home := strings.TrimSuffix(tab.Location(), "/consent")
			fillPage(t, tab)
			submit(t, tab, `main form button[type="submit"]`)
			for page := 0; !strings.HasSuffix(tab.Location(), "/done"); page++ {
				if page == 10 {
					tab.Fatalf("survey", "no final page after 10 survey pages")
				}
				check("survey")
				fillPage(t, tab)
				submit(t, tab, `main form button[value="next"]`)
			}
			check("done")
			tab.Do("open my data", chromedp.Navigate(home+"/mydata"))
			waitPath(t, tab, "/mydata")
			check("mydata")
			tab.Do("open the contact page", chromedp.Navigate(home+"/contact"))
			waitPath(t, tab, "/contact")
			check("contact")

			tab.Do("launch as instructor", chromedp.Navigate(launch+"instructor"))
			waitPath(t, tab, "/")
			if tab.Text("#settings-title") == "" {
				tab.Fatalf("settings", "the instructor's page has no settings")
			}
			check("settings")
			// The instructor's other pages: grade delivery, response rates
			// against the roster, the course report, the follow-up waves.
			teacher := strings.TrimSuffix(tab.Location(), "/")
			seedScores(t, d, 150)
			for _, page := range []string{"grades", "roster", "report", "followup"} {
				tab.Do("open "+page, chromedp.Navigate(teacher+"/"+page))
				waitPath(t, tab, "/"+page)
				if page == "grades" {
					// What axe must see: the counts, a full page of rows, the pages.
					if n := browsertest.Eval[int](tab, "grade rows", `document.querySelectorAll("main tbody tr").length`); n != 100 {
						tab.Errorf(page, "the grades page shows %d rows, want 100 of the 150 seeded", n)
					}
					if n := browsertest.Eval[int](tab, "grade navs", `document.querySelectorAll("main nav").length`); n != 2 {
						tab.Errorf(page, "the grades page has %d navs, want the states' and the pages'", n)
					}
				}
				check(page)
			}

			tab.Do("deep linking launch", chromedp.Navigate(launch+"instructor&dl=1"))
			waitPath(t, tab, "/")
			check("landing")

			tab.Do("open an ended session", chromedp.Navigate(d.toolURL+"/s/no-such-launch/"))
			waitPath(t, tab, "/s/no-such-launch/")
			check("error")

			tab.Do("open the configuration", chromedp.Navigate(d.toolURL+"/lti/config"))
			waitPath(t, tab, "/lti/config")
			check("config")

			tab.Do("open the administrators' sign-in", chromedp.Navigate(d.toolURL+"/admin/login"))
			waitPath(t, tab, "/admin/login")
			check("admin login")
		})
	}
}

// seedScores gives the demo's activity n scores straight in the store, a
// third of them delivered or failed, so that the grade delivery page
// shows its counts, a full table and its pages. The rest are due only
// tomorrow: the outbox worker leaves them be.
func seedScores(t *testing.T, d *demoRun, n int) {
	t.Helper()
	ctx := context.Background()
	a, err := d.env.db.Activity(ctx, 1) // the demo's one activity, created by the first launch
	if err != nil {
		t.Fatal(err)
	}
	tomorrow := time.Now().Add(24 * time.Hour)
	items := make([]*tracker.OutboxItem, n)
	for i := range items {
		user := fmt.Sprintf("u%03d", i)
		items[i] = &tracker.OutboxItem{Kind: tracker.KindScore, Key: fmt.Sprintf("%d:%s", a.ID, user), ActivityID: a.ID,
			Payload: []byte(`{"user_id":"` + user + `"}`), NextAt: tomorrow}
	}
	if err := d.env.db.Enqueue(ctx, items...); err != nil {
		t.Fatal(err)
	}
	claimed, err := d.env.db.ClaimOutbox(ctx, []string{tracker.KindScore}, "seed", tomorrow, time.Minute, n/3)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range claimed {
		at := tracker.OutboxAttempt{ID: c.ID, Revision: c.Revision, Owner: "seed", Status: tracker.OutboxDelivered, NextAt: tomorrow, At: tomorrow}
		if i%2 == 1 {
			at.Status, at.Error = tracker.OutboxFailed, "the platform refused the score"
		}
		if err := d.env.db.FinishOutbox(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
}
