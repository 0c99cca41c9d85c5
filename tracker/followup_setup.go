package tracker

import (
	"bytes"
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"mime"
	"net/mail"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MailOptions are the mail settings the command passes down.
type MailOptions struct {
	// SMTPURL is smtp://user:pass@host:port (STARTTLS when offered) or
	// smtps://... (TLS from the start). Empty: mails are written as .eml
	// files into Dir instead.
	SMTPURL string
	From    string // the sender, "Name <address>"; derived from the base URL when empty without SMTP
	Dir     string // where mails are written without SMTP
	LinkTTL time.Duration
	Spacing time.Duration
}

// newFollowup builds the follow-up and its mailer from the options. It
// returns the file mailer too when mails go to files, for its page.
func newFollowup(opts Options, surveys *Surveys, cat *Catalogs) (*Followup, *DirMailer, error) {
	mo := opts.Mail
	f := &Followup{
		Store: opts.Store, Surveys: surveys, Secrets: opts.Secrets, Catalogs: cat, BaseURL: opts.BaseURL,
		LinkTTL: mo.LinkTTL, Spacing: mo.Spacing, Now: opts.Now, Log: opts.Log,
	}
	f.defaults()
	host := "localhost"
	if u, err := url.Parse(opts.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	var dir *DirMailer
	if mo.SMTPURL != "" {
		m, err := NewSMTPMailer(mo.SMTPURL, host)
		if err != nil {
			return nil, nil, err
		}
		if mo.From == "" {
			return nil, nil, fmt.Errorf("a sender address (ASTRE_SMTP_FROM) is needed with SMTP: %w", ErrInvalid)
		}
		f.Mailer = m
	} else {
		if mo.Dir == "" {
			return nil, nil, fmt.Errorf("without SMTP, mails need a directory: %w", ErrInvalid)
		}
		dir = &DirMailer{Dir: filepath.Clean(mo.Dir), Now: f.Now}
		f.Mailer = dir
		if mo.From == "" {
			mo.From = "ASTRE <astre@" + host + ">"
		}
	}
	from, err := mail.ParseAddress(mo.From)
	if err != nil {
		return nil, nil, fmt.Errorf("sender address %q: %v: %w", mo.From, err, ErrInvalid)
	}
	f.From = *from
	return f, dir, nil
}

// mailboxKey is the key in the operator's mailbox URL: derived from the
// secrets, so it stays the same across restarts and nobody guesses it.
func (f *Followup) mailboxKey() string {
	return hex.EncodeToString(f.Secrets.derive("operator mailbox")[:16])
}

func (f *Followup) mailboxKeyOK(key string) bool {
	return hmac.Equal([]byte(key), []byte(f.mailboxKey()))
}

// mailSummary reads the decoded subject and recipient of a written mail.
func mailSummary(eml []byte) (subject, to string) {
	m, err := mail.ReadMessage(bytes.NewReader(eml))
	if err != nil {
		return "", ""
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		subject = m.Header.Get("Subject")
	}
	if a, err := mail.ParseAddress(m.Header.Get("To")); err == nil {
		to = a.Address
	}
	return subject, to
}

// MaxWaveMonths bounds a wave: five years after the course.
const MaxWaveMonths = 60

// ParsePlan reads the instructor's plan form: waves as months separated
// by commas or spaces, the reminder in days (0: none), the course end as
// YYYY-MM-DD or empty. On error it returns the plan as far as it could
// read it, to show the form again, and ErrInvalid.
func ParsePlan(enabled bool, waves, reminderDays, end string) (*FollowupPlan, error) {
	p := &FollowupPlan{Enabled: enabled}
	bad := false
	for _, f := range strings.FieldsFunc(waves, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > MaxWaveMonths {
			bad = true
			continue
		}
		if !slices.Contains(p.Waves, n) {
			p.Waves = append(p.Waves, n)
		}
	}
	slices.Sort(p.Waves)
	if len(p.Waves) == 0 && enabled {
		bad = true
	}
	days, err := strconv.Atoi(strings.TrimSpace(firstNonEmpty(reminderDays, "0")))
	if err != nil || days < 0 || days > 60 {
		bad = true
	} else {
		p.Reminder = time.Duration(days) * 24 * time.Hour
	}
	if end = strings.TrimSpace(end); end != "" {
		t, err := time.Parse(dateLayout, end)
		if err != nil {
			bad = true
		} else {
			p.CourseEnd = &t
		}
	}
	if bad {
		return p, fmt.Errorf("follow-up plan: %w", ErrInvalid)
	}
	return p, nil
}
