package main

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

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
			for _, page := range []string{"grades", "roster", "report", "followup"} {
				tab.Do("open "+page, chromedp.Navigate(teacher+"/"+page))
				waitPath(t, tab, "/"+page)
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
