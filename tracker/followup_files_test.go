package tracker_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/tracker"
)

// newestFileMail reads the newest mail the file mailer wrote.
func newestFileMail(t *testing.T, h *harness) parsedMail {
	t.Helper()
	names, err := h.srv.Mailbox.List()
	if err != nil || len(names) == 0 {
		t.Fatalf("mail files: %v, %v", names, err)
	}
	b, err := h.srv.Mailbox.Read(names[0])
	if err != nil {
		t.Fatal(err)
	}
	return parseMail(t, b)
}

func TestTypedAddressConfirmedThroughTheMailbox(t *testing.T) {
	h := newHarness(t, ltitest.Moodle) // no SMTP: mails go to files
	noEmail := ltitest.LaunchOptions{Mutate: func(c map[string]any) { delete(c, "email") }}
	l, _, body := launchLearner(t, h, ltitest.NewBrowser(), noEmail)
	l.consent(body)
	if _, body = l.get("/done"); !strings.Contains(body, "/contact") {
		t.Fatalf("the final page does not offer to enter an address:\n%.600s", body)
	}
	_, page := l.get("/contact")
	resp, page := l.post("/contact", url.Values{"csrf": {csrf(t, page)}, "email": {"Sam <sam@example.invalid>, x@y"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `aria-invalid="true"`) {
		t.Fatalf("a malformed address: got %d, want 422 with the field marked", resp.StatusCode)
	}
	resp, page = l.post("/contact", url.Values{"csrf": {csrf(t, page)}, "email": {"sam@example.invalid"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "sam@example.invalid") || !strings.Contains(page, `role="status"`) {
		t.Fatalf("saving the address: got %d", resp.StatusCode)
	}
	h.deliver()

	// The operator's page lists the mail; without its key there is nothing.
	mailbox := h.srv.MailboxURL()
	resp, page = open(t, mailbox)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "sam@example.invalid") {
		t.Fatalf("mailbox page: got %d", resp.StatusCode)
	}
	if resp, _ := open(t, h.base+"/outbox/mail/"+strings.Repeat("0", 32)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("mailbox with a wrong key: got %d, want 404", resp.StatusCode)
	}
	names, _ := h.srv.Mailbox.List()
	if resp, raw := open(t, mailbox+"/"+names[0]); resp.StatusCode != http.StatusOK || !strings.Contains(raw, "MIME-Version: 1.0") {
		t.Errorf("a mail file: got %d", resp.StatusCode)
	}
	if resp, _ := open(t, mailbox+"/..%2Fastre.db"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a path outside the mailbox: got %d, want 404", resp.StatusCode)
	}

	confirm := newestFileMail(t, h).link(t, "/f/confirm/")
	if resp, err := http.Post(confirm, "application/x-www-form-urlencoded", nil); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("confirming: %v, %v", resp, err)
	}
	_, page = l.get("/contact")
	if !strings.Contains(page, "Confirmed") {
		t.Errorf("the contact page does not show the address confirmed:\n%.800s", page)
	}
	// A link for an address changed since is refused.
	_, page = l.get("/contact")
	l.post("/contact", url.Values{"csrf": {csrf(t, page)}, "email": {"new@example.invalid"}})
	if resp, err := http.Post(confirm, "application/x-www-form-urlencoded", nil); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("the old address's link after a change: got %v, %v; want 404", resp, err)
	}
}

func TestFollowupCatchesUpAtTheMailPace(t *testing.T) {
	h := newHarness(t, ltitest.Moodle)
	h.mail.Spacing = 30 * time.Second // with a one-minute poll: two mails a tick
	h.restart()
	ctx := context.Background()
	for _, user := range []string{"4", "5", "6"} {
		opts := ltitest.LaunchOptions{UserID: user, Custom: map[string]string{"instrument": "exit"}}
		l, _, body := launchLearner(t, h, ltitest.NewBrowser(), opts)
		_, body = l.consent(body)
		h.deliver()
		if resp, err := http.Post(newestFileMail(t, h).link(t, "/f/confirm/"), "application/x-www-form-urlencoded", nil); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("confirm: %v, %v", resp, err)
		}
		exit, _, _ := h.srv.Surveys.Instrument(ctx, "exit", 0)
		l.complete(exit, body)
	}
	// A year of downtime: all three first waves are due at once.
	h.advance(4 * month)
	for i, want := range []int{2, 1, 0} {
		if i > 0 {
			h.advance(time.Minute) // Run ticks once a poll
		}
		n, err := h.srv.Followup.Tick(ctx)
		if err != nil || n != want {
			t.Fatalf("tick %d: got %d, %v; want %d", i, n, err, want)
		}
	}
	// The second mail of a tick is due half a minute after the first.
	items, err := h.db.OutboxItems(ctx, tracker.OutboxFilter{Kind: tracker.MailKind, Status: tracker.OutboxPending})
	if err != nil || len(items) != 3 {
		t.Fatalf("pending invitations: got %d, %v", len(items), err)
	}
	if gap := items[1].NextAt.Sub(items[2].NextAt); gap != 30*time.Second {
		t.Errorf("two invitations of one tick due %v apart, want 30s", gap)
	}
}
