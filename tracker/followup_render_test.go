package tracker

import (
	"errors"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"testing"
	"time"
)

// untranslatedMail finds a mail catalog key printed as itself.
var untranslatedMail = regexp.MustCompile(`mail\.(greeting|signature|invite|remind|survey|unsubscribe|confirm)`)

func TestFollowupPagesAndMailsInEveryLanguage(t *testing.T) {
	cat, err := LoadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(cat)
	if err != nil {
		t.Fatal(err)
	}
	f := &Followup{Catalogs: cat, From: mail.Address{Name: "Team", Address: "team@example.org"}, Now: time.Now}
	for _, lang := range Languages {
		pages := map[string]page{
			"link":     &linkPage{Page: Page{Lang: lang}, Heading: "h", Body: []string{"b"}, Action: "/f/unsubscribe/x", Button: "go"},
			"contact":  &contactPage{Page: Page{Lang: lang, CSRF: "t"}, Status: &ContactStatus{Email: "a@b.c", Sent: true}, Error: "e", Queued: true},
			"followup": &followupPage{Page: Page{Lang: lang, CSRF: "t"}, Enabled: true, Waves: "3, 6", Counts: []WaveCounts{{Wave: 3, Invited: 2}}, Saved: true, Error: "e"},
			"mailbox":  &mailboxPage{Page: Page{Lang: lang}, Dir: "mail", Mails: []mailboxEntry{{Name: "n.eml", URL: "/x", Subject: "s", To: "a@b.c"}}},
		}
		for name, p := range pages {
			b, err := r.Bytes(name, p)
			if err != nil {
				t.Fatalf("%s %s: %v", lang, name, err)
			}
			for key := range cat.messages["en"] {
				if strings.Contains(string(b), ">"+key) || strings.Contains(string(b), key+"<") {
					t.Errorf("%s %s: untranslated key %q", lang, name, key)
				}
			}
		}
		for _, typ := range []string{"invite", "remind"} {
			v := &mailView{Paragraphs: []string{cat.T(lang, "mail."+typ+".body", "course", "C", "months", "3", "minutes", "5")},
				Action: cat.T(lang, "mail.survey.action"), ActionURL: "https://x/f/s.1", UnsubURL: "https://x/f/unsubscribe/u"}
			m, err := f.compose(lang, &ContactDetails{Name: "Ána Ž", Email: "a@example.org"}, cat.T(lang, "mail."+typ+".subject", "course", "C"), "C", v)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := m.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(raw), "\r\n") {
				if len(line) > 998 {
					t.Errorf("%s %s: a line of %d characters", lang, typ, len(line))
				}
			}
			if untranslatedMail.MatchString(m.Text+m.HTML) || strings.Contains(string(raw), "Ána") {
				t.Errorf("%s %s: untranslated key, or a non-ASCII name not encoded in the header", lang, typ)
			}
		}
	}
}

func TestParsePlan(t *testing.T) {
	p, err := ParsePlan(true, "12, 3;6 3", "7", "2027-06-30")
	if err != nil || len(p.Waves) != 3 || p.Waves[0] != 3 || p.Waves[2] != 12 || p.Reminder != 7*24*time.Hour || p.CourseEnd == nil {
		t.Errorf("got %+v, %v", p, err)
	}
	for _, bad := range [][3]string{{"0", "7", ""}, {"3, x", "7", ""}, {"61", "7", ""}, {"3", "-1", ""}, {"3", "7", "30/06/2027"}, {"", "7", ""}} {
		if _, err := ParsePlan(true, bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("ParsePlan(%q, %q, %q) accepted", bad[0], bad[1], bad[2])
		}
	}
}

func TestLinksRefuseTampering(t *testing.T) {
	s := Secrets{PseudonymKey: make([]byte, SecretSize)}
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	w := &FollowupWave{ID: 7, Learner: "abc", Wave: 3}
	tok := s.signLink(linkSurvey, "7", now.Add(time.Hour), waveBinding(w))
	l, err := parseLink(tok, linkSurvey)
	if err != nil || s.checkLink(l, waveBinding(w), now) != nil {
		t.Fatalf("a fresh link: %v", err)
	}
	if err := s.checkLink(l, waveBinding(w), now.Add(time.Hour)); err != ErrLinkExpired {
		t.Errorf("at its end: got %v, want expired", err)
	}
	if err := s.checkLink(l, waveBinding(&FollowupWave{Learner: "abc", Wave: 6}), now); err != ErrLinkInvalid {
		t.Errorf("another wave of the learner: got %v, want invalid", err)
	}
	parts := strings.Split(tok, ".")
	parts[2] = "9999999999" // a longer life, same MAC
	if l, err := parseLink(strings.Join(parts, "."), linkSurvey); err != nil || s.checkLink(l, waveBinding(w), now) != ErrLinkInvalid {
		t.Errorf("an extended expiry was accepted")
	}
	if _, err := parseLink(tok, linkUnsubscribe); err != ErrLinkInvalid {
		t.Errorf("a survey link used as an unsubscribe link: got %v", err)
	}
}

func TestSMTPRepliesLoseAddresses(t *testing.T) {
	err := classifySMTP("RCPT TO", &textproto.Error{Code: 550, Msg: "5.1.1 <sam@example.invalid>: Recipient address rejected"})
	var perm *permanentError
	if !errors.As(err, &perm) || strings.Contains(err.Error(), "sam@") || !strings.Contains(err.Error(), "550") {
		t.Errorf("550: got %v (permanent %v), want a permanent error without the address", err, perm != nil)
	}
	for _, code := range []int{451, 535} {
		if err := classifySMTP("RCPT TO", &textproto.Error{Code: code, Msg: "later"}); errors.As(err, &perm) {
			t.Errorf("%d: got a permanent error, want a retry", code)
		}
	}
}
