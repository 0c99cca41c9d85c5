package tracker_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/astre-lti/astre/tracker"
)

// mailServer is a real SMTP server in the test process: it offers
// STARTTLS and AUTH PLAIN, keeps every accepted message, and refuses the
// next refuse recipients with a temporary 451, as a greylisting or
// overloaded server does.
type mailServer struct {
	t    *testing.T
	srv  *smtp.Server
	addr string
	tls  *tls.Config // what a client needs to trust the server

	mu       sync.Mutex
	received []received
	refuse   int
}

// received is one accepted message and how it came.
type received struct {
	from, to string
	data     []byte
	tls      bool
	user     string
}

const smtpUser, smtpPass = "astre", "s3cret"

func newMailServer(t *testing.T) *mailServer {
	t.Helper()
	// httptest's certificate is valid for 127.0.0.1; its client trusts it.
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(ts.Close)
	ms := &mailServer{t: t, tls: &tls.Config{RootCAs: ts.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}}
	ms.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &mailSession{ms: ms, conn: c}, nil
	}))
	ms.srv.Domain = "127.0.0.1"
	ms.srv.TLSConfig = &tls.Config{Certificates: ts.TLS.Certificates}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms.addr = ln.Addr().String()
	go ms.srv.Serve(ln)
	t.Cleanup(func() { ms.srv.Close() })
	return ms
}

// url is the ASTRE_SMTP_URL of the server.
func (ms *mailServer) url() string { return "smtp://" + smtpUser + ":" + smtpPass + "@" + ms.addr }

func (ms *mailServer) refuseNext(n int) {
	ms.mu.Lock()
	ms.refuse = n
	ms.mu.Unlock()
}

// messages returns the messages accepted so far.
func (ms *mailServer) messages() []received {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]received(nil), ms.received...)
}

type mailSession struct {
	ms       *mailServer
	conn     *smtp.Conn
	from, to string
	user     string
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != smtpUser || pass != smtpPass {
			return errors.New("bad credentials")
		}
		s.user = user
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.ms.mu.Lock()
	defer s.ms.mu.Unlock()
	if s.ms.refuse > 0 {
		s.ms.refuse--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.to = to
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.ms.mu.Lock()
	s.ms.received = append(s.ms.received, received{from: s.from, to: s.to, data: b, tls: isTLS, user: s.user})
	s.ms.mu.Unlock()
	return nil
}

func (s *mailSession) Reset()        {}
func (s *mailSession) Logout() error { return nil }

// useSMTP points the harness's server at ms and restarts it.
func (h *harness) useSMTP(ms *mailServer) {
	h.t.Helper()
	h.mail = tracker.MailOptions{SMTPURL: ms.url(), From: "Kursteam <kurs@example.org>"}
	h.restart()
	h.srv.Followup.Mailer.(*tracker.SMTPMailer).TLS = ms.tls
}

// deliver runs the scheduler once, then the outbox until nothing due is
// left, as the two workers do over time.
func (h *harness) deliver() {
	h.t.Helper()
	ctx := context.Background()
	if _, err := h.srv.Followup.Tick(ctx); err != nil {
		h.t.Fatal(err)
	}
	for range 10 {
		n, err := h.srv.Outbox.RunOnce(ctx)
		if err != nil {
			h.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// parsedMail is a received message read back as a mail client would.
type parsedMail struct {
	header     mail.Header
	subject    string
	text, html string
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	p := parsedMail{header: m.Header}
	if p.subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	typ, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || typ != "multipart/alternative" {
		t.Fatalf("Content-Type %q: want multipart/alternative (%v)", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(part))
		if err != nil {
			t.Fatal(err)
		}
		switch ct := part.Header.Get("Content-Type"); {
		case strings.HasPrefix(ct, "text/plain"):
			p.text = string(body)
		case strings.HasPrefix(ct, "text/html"):
			p.html = string(body)
		}
	}
	if p.text == "" || p.html == "" {
		t.Fatalf("mail lacks a text or HTML part:\n%s", data)
	}
	return p
}

var mailLink = regexp.MustCompile(`https?://[^\s"<>]+/f/[^\s"<>]+`)

// link returns the first link of the text part that contains part.
func (p parsedMail) link(t *testing.T, part string) string {
	t.Helper()
	for _, l := range mailLink.FindAllString(p.text, -1) {
		if strings.Contains(l, part) {
			return l
		}
	}
	t.Fatalf("no link with %q in:\n%s", part, p.text)
	return ""
}
