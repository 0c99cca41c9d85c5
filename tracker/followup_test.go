package tracker_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/tracker"
)

const month = 31 * 24 * time.Hour // a wave of n months is due within n such months

// followupLearner launches the learner of opts in German on an exit
// evaluation, grants every purpose, confirms the address with the link
// mailed to it, and completes the survey. It returns the learner's tab.
func followupLearner(t *testing.T, h *harness, ms *mailServer, opts ltitest.LaunchOptions) *learner {
	t.Helper()
	opts.Locale, opts.Custom = "de", map[string]string{"instrument": "exit"}
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), opts)
	_, body = l.consent(body)

	before := len(ms.messages())
	h.deliver()
	got := ms.messages()
	if len(got) != before+1 {
		t.Fatalf("after consent: got %d new mails, want the confirmation", len(got)-before)
	}
	m := parseMail(t, got[len(got)-1].data)
	if !strings.Contains(m.subject, "bestätigen") || m.header.Get("List-Unsubscribe") != "" {
		t.Errorf("confirmation mail: subject %q, List-Unsubscribe %q", m.subject, m.header.Get("List-Unsubscribe"))
	}
	confirm := m.link(t, "/f/confirm/")
	b := ltitest.NewBrowser()
	resp, err := b.Get(context.Background(), confirm)
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<button`) {
		t.Fatalf("confirmation page: got %d", resp.StatusCode)
	}
	if st, _ := h.srv.Followup.ContactStatus(context.Background(), tracker.Place{Learner: learnerOf(h, opts), PlatformID: 1}); st.Confirmed {
		t.Fatal("opening the confirmation link (as a mail scanner would) confirmed the address")
	}
	resp, err = b.PostForm(context.Background(), confirm, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	if page := readBody(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(page, `lang="de"`) {
		t.Fatalf("confirm: got %d", resp.StatusCode)
	}
	exit, _, err := h.srv.Surveys.Instrument(context.Background(), "exit", 0)
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := l.complete(exit, body); !strings.HasSuffix(resp.Request.URL.Path, "/done") {
		t.Fatalf("exit survey ended at %s", resp.Request.URL)
	}
	return l
}

func learnerOf(h *harness, opts ltitest.LaunchOptions) string {
	return testSecrets().Pseudonym(h.lms.Issuer, firstOr(opts.UserID, "4"))
}

func firstOr(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// open requests a mailed link in a fresh browser and follows redirects.
func open(t *testing.T, link string) (*http.Response, string) {
	t.Helper()
	b := ltitest.NewBrowser()
	resp, err := b.Get(context.Background(), link)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err = b.Follow(context.Background(), resp); err != nil {
		t.Fatal(err)
	}
	return resp, readBody(t, resp)
}

// answerFollowup opens a survey link and completes the follow-up survey.
func answerFollowup(t *testing.T, h *harness, link string) {
	t.Helper()
	resp, body := open(t, link)
	if !strings.HasSuffix(resp.Request.URL.Path, "/survey") || !strings.Contains(body, `lang="de"`) {
		t.Fatalf("survey link led to %s (%d), want the survey in German", resp.Request.URL, resp.StatusCode)
	}
	in, _, err := h.srv.Surveys.Instrument(context.Background(), tracker.FollowupInstrumentID, 0)
	if err != nil {
		t.Fatal(err)
	}
	m := launchBase.FindStringSubmatch(resp.Request.URL.String())
	l := &learner{t: t, h: h, b: ltitest.NewBrowser(), home: m[1]}
	if resp, _ := l.complete(in, body); !strings.HasSuffix(resp.Request.URL.Path, "/done") {
		t.Fatalf("follow-up survey ended at %s", resp.Request.URL)
	}
}

func TestFollowupWavesGoOnceInTheLearnersLanguage(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	ms := newMailServer(t)
	h.useSMTP(ms)
	followupLearner(t, h, ms, ltitest.LaunchOptions{})
	sent := len(ms.messages())

	h.advance(2 * 28 * 24 * time.Hour) // not yet three months
	h.deliver()
	if n := len(ms.messages()); n != sent {
		t.Fatalf("before the first wave is due: got %d new mails", n-sent)
	}
	h.advance(3 * month)
	h.deliver()
	got := ms.messages()
	if len(got) != sent+1 {
		t.Fatalf("first wave: got %d new mails, want 1", len(got)-sent)
	}
	inv := got[sent]
	if !inv.tls || inv.user != smtpUser || inv.from != "kurs@example.org" || inv.to != "student1@example.invalid" {
		t.Errorf("envelope: tls=%v user=%q from=%q to=%q", inv.tls, inv.user, inv.from, inv.to)
	}
	m := parseMail(t, inv.data)
	for _, name := range []string{"Date", "Message-Id", "From", "To"} {
		if m.header.Get(name) == "" {
			t.Errorf("invitation lacks %s", name)
		}
	}
	if _, err := m.header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	unsub := m.header.Get("List-Unsubscribe")
	if !strings.HasPrefix(unsub, "<http") || !strings.Contains(unsub, "/f/unsubscribe/") || m.header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe %q, List-Unsubscribe-Post %q", unsub, m.header.Get("List-Unsubscribe-Post"))
	}
	if m.header.Get("Content-Language") != "de" || !strings.Contains(m.subject, "Nachbefragung") || !strings.Contains(m.text, "Hallo Sam Student,") {
		t.Errorf("invitation not in German: subject %q\n%s", m.subject, m.text)
	}
	if strings.Contains(m.text, "mail.invite") || strings.Contains(m.text, "mail.survey") || !strings.Contains(m.html, `lang="de"`) {
		t.Errorf("untranslated key or wrong HTML language:\n%s", m.html)
	}
	survey := m.link(t, "/f/s.")

	// Once: again, and after a restart, nothing more goes.
	h.deliver()
	h.restart()
	h.srv.Followup.Mailer.(*tracker.SMTPMailer).TLS = ms.tls
	h.deliver()
	if n := len(ms.messages()); n != sent+1 {
		t.Fatalf("after running again and restarting: got %d mails, want %d", n, sent+1)
	}

	// Unanswered after a week: one reminder, with a working link.
	h.advance(tracker.DefaultReminder + time.Hour)
	h.deliver()
	h.deliver()
	got = ms.messages()
	if len(got) != sent+2 {
		t.Fatalf("reminder: got %d new mails, want 2", len(got)-sent)
	}
	if r := parseMail(t, got[sent+1].data); !strings.Contains(r.subject, "Erinnerung") {
		t.Errorf("reminder subject %q", r.subject)
	}

	// The link opens the survey without the LMS, once.
	answerFollowup(t, h, survey)
	resp, body := open(t, survey)
	if resp.StatusCode != http.StatusGone || !strings.Contains(body, `lang="de"`) || !strings.Contains(body, "bereits geantwortet") {
		t.Errorf("link used again: got %d, want 410 with the German page\n%.400s", resp.StatusCode, body)
	}
	tampered := survey[:len(survey)-3] + "AAA"
	if survey[len(survey)-3:] == "AAA" {
		tampered = survey[:len(survey)-3] + "BBB"
	}
	if resp, _ := open(t, tampered); resp.StatusCode != http.StatusNotFound {
		t.Errorf("tampered link: got %d, want 404", resp.StatusCode)
	}
	other := strings.Replace(survey, "/f/s.", "/f/s.9", 1) // another wave's id, same signature
	if resp, _ := open(t, other); resp.StatusCode != http.StatusNotFound {
		t.Errorf("link moved to another wave: got %d, want 404", resp.StatusCode)
	}

	// The six-month wave, answered within the week: no reminder.
	h.advance(3 * month)
	h.deliver()
	got = ms.messages()
	if len(got) != sent+3 {
		t.Fatalf("second wave: got %d new mails, want 3", len(got)-sent)
	}
	answerFollowup(t, h, parseMail(t, got[sent+2].data).link(t, "/f/s."))
	h.advance(tracker.DefaultReminder + time.Hour)
	h.deliver()
	if n := len(ms.messages()); n != sent+3 {
		t.Errorf("a reminder went to a learner who answered: %d mails", n-sent)
	}

	// The twelve-month wave's link, opened after its 60 days: expired.
	h.advance(6 * month)
	h.deliver()
	got = ms.messages()
	if len(got) != sent+4 {
		t.Fatalf("third wave: got %d new mails, want 4", len(got)-sent)
	}
	last := parseMail(t, got[sent+3].data).link(t, "/f/s.")
	h.advance(61 * 24 * time.Hour)
	if resp, body := open(t, last); resp.StatusCode != http.StatusGone || !strings.Contains(body, "abgelaufen") {
		t.Errorf("expired link: got %d, want 410 with the German page", resp.StatusCode)
	}

	checkCounts(t, h, map[int][4]int{3: {1, 1, 1, 0}, 6: {1, 0, 1, 0}, 12: {1, 0, 0, 0}})
}

// checkCounts compares the instructor's figures of the fixture activity:
// invited, reminded, answered, unsubscribed by wave.
func checkCounts(t *testing.T, h *harness, want map[int][4]int) {
	t.Helper()
	a, err := h.db.ActivityAt(context.Background(), 1, "2", "1")
	if err != nil {
		t.Fatal(err)
	}
	counts, err := h.db.FollowupCounts(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != len(want) {
		t.Fatalf("counts: got %+v, want waves %v", counts, want)
	}
	for _, c := range counts {
		got := [4]int{c.Invited, c.Reminded, c.Answered, c.Unsubscribed}
		if got != want[c.Wave] || c.Failed != 0 {
			t.Errorf("wave %d: got invited, reminded, answered, unsubscribed %v, failed %d; want %v, 0", c.Wave, got, c.Failed, want[c.Wave])
		}
	}
}

func TestFollowupUnsubscribeStopsEverything(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	ms := newMailServer(t)
	h.useSMTP(ms)
	followupLearner(t, h, ms, ltitest.LaunchOptions{})
	h.advance(3*month + time.Hour)
	h.deliver()
	msgs := ms.messages()
	m := parseMail(t, msgs[len(msgs)-1].data)
	unsub := strings.Trim(m.header.Get("List-Unsubscribe"), "<>")

	resp, body := open(t, unsub) // a person's GET, or a mail scanner's
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `value="One-Click"`) {
		t.Fatalf("unsubscribe page: got %d", resp.StatusCode)
	}
	ctx := context.Background()
	key := learnerKey(t, h)
	if c, _ := h.db.CurrentConsent(ctx, key, 1, "2"); !c.Granted(tracker.PurposeFollowup) {
		t.Fatal("a GET of the unsubscribe link unsubscribed")
	}
	// RFC 8058: the mail client POSTs List-Unsubscribe=One-Click, no cookie, no token but the URL.
	resp, err := http.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, `lang="de"`) {
		t.Fatalf("one-click unsubscribe: got %d", resp.StatusCode)
	}
	c, err := h.db.CurrentConsent(ctx, key, 1, "2")
	if err != nil {
		t.Fatal(err)
	}
	if c.Granted(tracker.PurposeFollowup) || !c.Granted(tracker.PurposeSurveys) || !c.Granted(tracker.PurposeResearch) || c.Method != "unsubscribe-link" {
		t.Errorf("after unsubscribing: got %+v, want only the follow-up purpose withdrawn", c)
	}
	if _, err := h.db.Contact(ctx, key, 1); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("the address was kept after unsubscribing: %v", err)
	}
	sent := len(ms.messages())
	for range 3 { // the reminder, the six- and twelve-month waves
		h.advance(4 * month)
		h.deliver()
	}
	if n := len(ms.messages()); n != sent {
		t.Errorf("after unsubscribing: %d more mails", n-sent)
	}
	if resp, err := http.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click")); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("unsubscribing twice: got %v, %v; want 200", resp, err)
	}
	checkCounts(t, h, map[int][4]int{3: {1, 0, 0, 1}, 6: {0, 0, 0, 1}, 12: {0, 0, 0, 1}})
}

func TestFollowupWithdrawalDeletesTheAddress(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	ms := newMailServer(t)
	h.useSMTP(ms)
	l := followupLearner(t, h, ms, ltitest.LaunchOptions{})

	// The instructor sets a course end four months ago: the first wave is due now.
	teacher, body := instructor(t, h)
	if !strings.Contains(body, "/followup") {
		t.Fatal("the instructor's page does not link the follow-up")
	}
	_, page := teacher.get("/followup")
	end := h.now().AddDate(0, -4, 0).UTC().Format("2006-01-02")
	resp, page := teacher.post("/followup", url.Values{"csrf": {csrf(t, page)}, "enabled": {"yes"}, "waves": {"12, 3 6"}, "reminder": {"7"}, "end": {end}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `value="3, 6, 12"`) || !strings.Contains(page, end) {
		t.Fatalf("saving the plan: got %d\n%.600s", resp.StatusCode, page)
	}
	if n, err := h.srv.Followup.Tick(context.Background()); err != nil || n != 1 { // queued, not yet sent
		t.Fatalf("tick after the course end: got %d, %v; want the first wave queued", n, err)
	}
	sent := len(ms.messages())

	_, page = l.get("/mydata")
	resp, _ = l.post("/withdraw", url.Values{"csrf": {csrf(t, page)}, "confirm": {"yes"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("withdraw: got %d", resp.StatusCode)
	}
	if _, err := h.db.Contact(context.Background(), learnerKey(t, h), 1); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("the address was kept after withdrawal: %v", err)
	}
	for range 3 {
		h.deliver()
		h.advance(4 * month)
	}
	if n := len(ms.messages()); n != sent {
		t.Errorf("after withdrawal: %d more mails, the queued invitation included", n-sent)
	}
	checkCounts(t, h, map[int][4]int{})
}

func TestFollowupSMTPRefusalIsRetried(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	ms := newMailServer(t)
	h.useSMTP(ms)
	ms.refuseNext(2)
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), ltitest.LaunchOptions{Custom: map[string]string{"instrument": "exit"}})
	l.consent(body)
	_ = body

	h.deliver()
	if n := len(ms.messages()); n != 0 {
		t.Fatalf("refused: got %d mails", n)
	}
	h.deliver() // not due again yet: backoff
	h.advance(time.Hour)
	h.deliver()
	if n := len(ms.messages()); n != 0 {
		t.Fatalf("refused twice: got %d mails", n)
	}
	h.advance(time.Hour)
	h.deliver()
	if n := len(ms.messages()); n != 1 {
		t.Fatalf("after the server accepts again: got %d mails, want 1", n)
	}
	items, err := h.db.OutboxItems(context.Background(), tracker.OutboxFilter{Kind: tracker.MailKind})
	if err != nil || len(items) != 1 || items[0].Status != tracker.OutboxDelivered || items[0].Attempts != 3 {
		t.Errorf("outbox: got %+v, %v; want one item delivered at the third attempt", items, err)
	}
}
