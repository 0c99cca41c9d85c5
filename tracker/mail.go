package tracker

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/templates"
)

// Mail is one message ASTRE sends to a learner: text and HTML of the
// same content, in the learner's language.
type Mail struct {
	From, To  mail.Address
	Subject   string
	Lang      string
	Date      time.Time
	MessageID string // with angle brackets
	// Unsubscribe is the one-click unsubscribe URL (RFC 8058), "" for
	// mails that are not part of the follow-up list (a confirmation).
	Unsubscribe string
	Text, HTML  string
}

// Bytes is the message in RFC 5322 form, CRLF line ends: headers, then a
// multipart/alternative body with a quoted-printable text part and HTML
// part, in that order (the last part is the richest).
func (m *Mail) Bytes() ([]byte, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, part := range []struct{ typ, content string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", part.typ+"; charset=utf-8")
		h.Set("Content-Transfer-Encoding", "quoted-printable")
		w, err := mw.CreatePart(h)
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := io.WriteString(qp, crlf(part.content)); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}

	var b bytes.Buffer
	header := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	header("From", m.From.String())
	header("To", m.To.String())
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", m.Date.Format(time.RFC1123Z))
	header("Message-ID", m.MessageID)
	header("MIME-Version", "1.0")
	header("Content-Language", m.Lang)
	header("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies, please
	if m.Unsubscribe != "" {
		header("List-Unsubscribe", "<"+m.Unsubscribe+">")
		header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	b.Write(body.Bytes())
	return b.Bytes(), nil
}

func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// newMessageID makes a unique Message-ID in the domain of the sender.
func newMessageID(from mail.Address) string {
	domain := "astre.invalid"
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 && i < len(from.Address)-1 {
		domain = from.Address[i+1:]
	}
	return "<" + lti.RandomToken()[:24] + "@" + domain + ">"
}

// mailView is the content of templates/mail/mail.html and mail.txt.
type mailView struct {
	Lang        string
	Title       string
	Greeting    string
	Paragraphs  []string
	Action      string
	ActionURL   string
	Notes       []string
	Signature   string
	Unsubscribe string // the sentence before the link
	UnsubLabel  string
	UnsubURL    string
}

// mailTemplates are the HTML and text layouts every mail shares.
type mailTemplates struct {
	html *htmltemplate.Template
	text *texttemplate.Template
}

func parseMailTemplates() (*mailTemplates, error) {
	h, err := htmltemplate.ParseFS(templates.FS, "mail/mail.html")
	if err != nil {
		return nil, fmt.Errorf("mail template: %w", err)
	}
	t, err := texttemplate.ParseFS(templates.FS, "mail/mail.txt")
	if err != nil {
		return nil, fmt.Errorf("mail template: %w", err)
	}
	return &mailTemplates{html: h, text: t}, nil
}

// render fills m's text and HTML from v.
func (mt *mailTemplates) render(m *Mail, v *mailView) error {
	var h, t bytes.Buffer
	if err := mt.html.Execute(&h, v); err != nil {
		return fmt.Errorf("render mail: %w", err)
	}
	if err := mt.text.Execute(&t, v); err != nil {
		return fmt.Errorf("render mail: %w", err)
	}
	m.HTML, m.Text = h.String(), t.String()
	return nil
}
