package tracker

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/astre-lti/astre/lti"
)

// Mailer hands one message to whatever carries it further. Errors follow
// the Sender convention: Permanent when retrying cannot help.
type Mailer interface {
	Deliver(ctx context.Context, from, to string, msg []byte) error
}

// SMTPMailer delivers through an SMTP submission server, one connection
// per message (follow-up mails are few and far between).
//
// It uses net/smtp: the package is frozen but complete for submission,
// and it exposes StartTLS on a client, which "STARTTLS when the server
// offers it" needs (emersion/go-smtp's client only starts TLS from its
// dial functions, failing when the server does not offer it). Its
// PlainAuth also refuses to send a password over an unencrypted
// connection to anything but localhost.
type SMTPMailer struct {
	URL *url.URL // smtp://[user:pass@]host[:port] or smtps://...
	// TLS is the base TLS configuration (tests add their own roots);
	// ServerName is filled in from URL.
	TLS       *tls.Config
	LocalName string // the name said in EHLO; "localhost" when empty
}

// NewSMTPMailer checks an ASTRE_SMTP_URL value.
func NewSMTPMailer(raw, localName string) (*SMTPMailer, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, fmt.Errorf("SMTP URL must look like smtp://user:pass@host:587 or smtps://host:465: %w", ErrInvalid)
	}
	return &SMTPMailer{URL: u, LocalName: localName}, nil
}

// Deliver sends msg from from to to.
func (m *SMTPMailer) Deliver(ctx context.Context, from, to string, msg []byte) error {
	host, port := m.URL.Hostname(), m.URL.Port()
	if port == "" {
		port = "587"
		if m.URL.Scheme == "smtps" {
			port = "465"
		}
	}
	cfg := &tls.Config{}
	if m.TLS != nil {
		cfg = m.TLS.Clone()
	}
	cfg.ServerName = host
	d := &net.Dialer{Timeout: 30 * time.Second}
	var (
		conn net.Conn
		err  error
	)
	if m.URL.Scheme == "smtps" {
		conn, err = (&tls.Dialer{NetDialer: d, Config: cfg}).DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	} else {
		conn, err = d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	}
	if err != nil {
		return fmt.Errorf("connect to SMTP server: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return classifySMTP("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(firstNonEmpty(m.LocalName, "localhost")); err != nil {
		return classifySMTP("EHLO", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && m.URL.Scheme == "smtp" {
		if err := c.StartTLS(cfg); err != nil {
			return classifySMTP("STARTTLS", err)
		}
	}
	if user := m.URL.User; user != nil {
		pass, _ := user.Password()
		if err := c.Auth(smtp.PlainAuth("", user.Username(), pass, host)); err != nil {
			return classifySMTP("AUTH", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return classifySMTP("MAIL FROM", err)
	}
	if err := c.Rcpt(to); err != nil {
		return classifySMTP("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return classifySMTP("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return classifySMTP("DATA", err)
	}
	if err := w.Close(); err != nil {
		return classifySMTP("DATA", err)
	}
	return classifySMTP("QUIT", c.Quit())
}

// classifySMTP marks a 5xx reply permanent, except the authentication
// ones (530, 534, 535): those are the operator's settings, which a retry
// after a fix can cure. 4xx replies and network errors are retried. The
// text, which goes to logs and the outbox, loses any address a server
// quoted in its reply ("550 <someone@example.org>: no such user").
func classifySMTP(step string, err error) error {
	if err == nil {
		return nil
	}
	var te *textproto.Error
	if !errors.As(err, &te) {
		return fmt.Errorf("SMTP %s: %s", step, anyAddress.ReplaceAllString(err.Error(), "<address>"))
	}
	err = fmt.Errorf("SMTP %s: %d %s", step, te.Code, anyAddress.ReplaceAllString(te.Msg, "<address>"))
	if te.Code >= 500 && !slices.Contains([]int{530, 534, 535}, te.Code) {
		return Permanent(err)
	}
	return err
}

// anyAddress matches what looks like an e-mail address in a server reply.
var anyAddress = regexp.MustCompile(`[^\s<>@"']+@[^\s<>"']+`)

// DirMailer writes each message as an .eml file into Dir instead of
// sending it: for development and demonstrations without an SMTP server.
type DirMailer struct {
	Dir string
	Now func() time.Time
}

// emlName is the form of the files DirMailer writes; nothing else is read.
var emlName = regexp.MustCompile(`^[0-9]{8}T[0-9]{9}-[A-Za-z0-9_-]{8}\.eml$`)

// Deliver writes msg to a new file, readable by the owner only.
func (m *DirMailer) Deliver(_ context.Context, _, _ string, msg []byte) error {
	if err := os.MkdirAll(m.Dir, 0o700); err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	name := m.Now().UTC().Format("20060102T150405.000")
	name = strings.Replace(name, ".", "", 1) + "-" + lti.RandomToken()[:8] + ".eml"
	if err := os.WriteFile(filepath.Join(m.Dir, name), msg, 0o600); err != nil {
		return fmt.Errorf("write mail: %w", err)
	}
	return nil
}

// List names the written mails, newest first.
func (m *DirMailer) List() ([]string, error) {
	entries, err := os.ReadDir(m.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mail dir: %w", err)
	}
	var names []string
	for _, e := range entries {
		if emlName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	slices.Reverse(names)
	return names, nil
}

// Read returns one written mail. ErrNotFound for any other name.
func (m *DirMailer) Read(name string) ([]byte, error) {
	if !emlName.MatchString(name) {
		return nil, fmt.Errorf("mail %q: %w", name, ErrNotFound)
	}
	b, err := os.ReadFile(filepath.Join(m.Dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("mail %q: %w", name, ErrNotFound)
	}
	return b, err
}
