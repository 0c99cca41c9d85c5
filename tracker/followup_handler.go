package tracker

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"
)

// linkPage is templates/link.html: what a person who opened a mailed
// link (confirmation, unsubscribe) reads, with one button to act.
type linkPage struct {
	Page
	Heading string
	Body    []string
	Action  string // the POST target; "" once done
	Button  string
}

// openLink starts a session from a survey link and sends the learner to
// it, where consent and the survey follow as after a launch.
func (s *Server) openLink(w http.ResponseWriter, r *http.Request) error {
	id, err := s.Followup.OpenSurvey(r.Context(), mux.Vars(r)["token"], s.Launcher.SessionTTL)
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.launchURL(id, "/"), http.StatusSeeOther)
	return nil
}

// confirmPage shows the confirmation button (GET, which mail scanners
// also fetch, changes nothing) and confirms the address (POST).
func (s *Server) confirmPage(w http.ResponseWriter, r *http.Request) error {
	post := r.Method == http.MethodPost
	token := mux.Vars(r)["token"]
	lang, err := s.Followup.Confirm(r.Context(), token, !post)
	if err != nil {
		return err
	}
	p := &linkPage{Page: s.newPage(r, lang)}
	if post {
		p.Heading, p.Body = p.T("confirm.done.title"), []string{p.T("confirm.done.body")}
	} else {
		p.Heading, p.Body = p.T("confirm.title"), []string{p.T("confirm.body")}
		p.Action, p.Button = s.BaseURL+"/f/confirm/"+token, p.T("confirm.button")
	}
	p.Title = p.Heading
	return s.Render.Render(w, http.StatusOK, "link", p)
}

// unsubscribePage shows the unsubscribe button (GET) and unsubscribes
// (POST): the page's form and a mail client's RFC 8058 one-click POST
// (body List-Unsubscribe=One-Click) are the same request.
func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) error {
	post := r.Method == http.MethodPost
	token := mux.Vars(r)["token"]
	lang, err := s.Followup.Unsubscribe(r.Context(), token, !post)
	if err != nil {
		return err
	}
	p := &linkPage{Page: s.newPage(r, lang)}
	if post {
		p.Heading, p.Body = p.T("unsubscribe.done.title"), []string{p.T("unsubscribe.done.body")}
	} else {
		p.Heading, p.Body = p.T("unsubscribe.title"), []string{p.T("unsubscribe.body")}
		p.Action, p.Button = s.BaseURL+"/f/unsubscribe/"+token, p.T("unsubscribe.button")
	}
	p.Title = p.Heading
	return s.Render.Render(w, http.StatusOK, "link", p)
}

// contactPage is templates/contact.html: the learner's address for the
// follow-up and its confirmation.
type contactPage struct {
	Page
	Status    *ContactStatus
	Action    string
	ResendURL string
	BackURL   string
	Error     string
	Queued    bool
}

func (s *Server) contactForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderContact(w, r, http.StatusOK, "", r.URL.Query().Get("sent") == "1")
}

func (s *Server) renderContact(w http.ResponseWriter, r *http.Request, status int, problem string, queued bool) error {
	st, err := s.Followup.ContactStatus(r.Context(), s.place(r))
	if err != nil {
		return err
	}
	id := launchIDFrom(r)
	p := &contactPage{Page: s.launchPage(r), Status: st, Action: s.launchURL(id, "/contact"),
		ResendURL: s.launchURL(id, "/contact/resend"), BackURL: s.launchURL(id, "/done"), Queued: queued}
	p.Title = p.T("contact.title")
	if problem != "" {
		p.Error = p.T(problem)
	}
	return s.Render.Render(w, status, "contact", p)
}

// contactSubmit stores a typed address and sends its confirmation.
func (s *Server) contactSubmit(w http.ResponseWriter, r *http.Request) error {
	err := s.Followup.SetAddress(r.Context(), s.place(r), r.PostForm.Get("email"))
	switch {
	case errors.Is(err, ErrInvalid):
		return s.renderContact(w, r, http.StatusUnprocessableEntity, "contact.invalid", false)
	case errors.Is(err, ErrNoFollowupConsent):
		return s.renderContact(w, r, http.StatusForbidden, "contact.noconsent", false)
	case err != nil:
		return err
	}
	http.Redirect(w, r, s.launchURL(launchIDFrom(r), "/contact?sent=1"), http.StatusSeeOther)
	return nil
}

// contactResend sends the confirmation of the stored address again.
func (s *Server) contactResend(w http.ResponseWriter, r *http.Request) error {
	_, err := s.Followup.RequestConfirmation(r.Context(), s.place(r), true)
	if errors.Is(err, ErrNoFollowupConsent) {
		return s.renderContact(w, r, http.StatusForbidden, "contact.noconsent", false)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, s.launchURL(launchIDFrom(r), "/contact?sent=1"), http.StatusSeeOther)
	return nil
}

// followupPage is templates/followup.html: the instructor's plan of
// waves and how each wave went.
type followupPage struct {
	Page
	Enabled      bool
	Waves        string
	ReminderDays int
	End          string
	Counts       []WaveCounts
	Action       string
	BackURL      string
	Saved        bool
	Error        string
}

func (s *Server) followupForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderFollowup(w, r, http.StatusOK, nil, "")
}

func (s *Server) renderFollowup(w http.ResponseWriter, r *http.Request, status int, plan *FollowupPlan, problem string) error {
	ctx := r.Context()
	a, err := s.Surveys.Activity(ctx, s.place(r))
	if err != nil {
		return err
	}
	if plan == nil {
		if plan, err = s.Followup.Plan(ctx, a); err != nil {
			return err
		}
	}
	counts, err := s.Store.FollowupCounts(ctx, a.ID)
	if err != nil {
		return err
	}
	id := launchIDFrom(r)
	p := &followupPage{Page: s.launchPage(r), Enabled: plan.Enabled, ReminderDays: int(plan.Reminder / (24 * time.Hour)),
		Counts: counts, Action: s.launchURL(id, "/followup"), BackURL: s.launchURL(id, "/"), Saved: r.URL.Query().Get("saved") == "1"}
	waves := make([]string, len(plan.Waves))
	for i, m := range plan.Waves {
		waves[i] = strconv.Itoa(m)
	}
	p.Waves = strings.Join(waves, ", ")
	if plan.CourseEnd != nil {
		p.End = plan.CourseEnd.UTC().Format(dateLayout)
	}
	p.Title = p.T("followup.title")
	if problem != "" {
		p.Error = p.T(problem)
	}
	return s.Render.Render(w, status, "followup", p)
}

// followupSave stores the instructor's plan.
func (s *Server) followupSave(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := s.Surveys.Activity(ctx, s.place(r))
	if err != nil {
		return err
	}
	plan, err := ParsePlan(r.PostForm.Get("enabled") == "yes", r.PostForm.Get("waves"), r.PostForm.Get("reminder"), r.PostForm.Get("end"))
	if err != nil {
		return s.renderFollowup(w, r, http.StatusUnprocessableEntity, plan, "followup.invalid")
	}
	if err := s.Followup.SavePlan(ctx, a, plan); err != nil {
		return err
	}
	http.Redirect(w, r, s.launchURL(launchIDFrom(r), "/followup?saved=1"), http.StatusSeeOther)
	return nil
}

// mailboxPage is templates/mailbox.html: the mails written to files when
// no SMTP server is configured.
type mailboxPage struct {
	Page
	Dir   string
	Mails []mailboxEntry
}

type mailboxEntry struct{ Name, URL, Subject, To string }

// requireMailbox admits the operator: the mailbox exists only without
// SMTP, and its URL carries a key derived from the secrets, printed at
// start, which nobody without the secrets or the start output can guess.
func (s *Server) requireMailbox(r *http.Request) error {
	if s.Mailbox == nil || !s.Followup.mailboxKeyOK(mux.Vars(r)["key"]) {
		return ErrNotFound
	}
	return nil
}

func (s *Server) mailbox(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireMailbox(r); err != nil {
		return err
	}
	names, err := s.Mailbox.List()
	if err != nil {
		return err
	}
	p := &mailboxPage{Page: s.newPage(r, s.langFor(r)), Dir: s.Mailbox.Dir}
	p.Title = p.T("mailbox.title")
	for _, name := range names {
		e := mailboxEntry{Name: name, URL: s.MailboxURL() + "/" + name}
		if b, err := s.Mailbox.Read(name); err == nil {
			e.Subject, e.To = mailSummary(b)
		}
		p.Mails = append(p.Mails, e)
	}
	return s.Render.Render(w, http.StatusOK, "mailbox", p)
}

func (s *Server) mailboxFile(w http.ResponseWriter, r *http.Request) error {
	if err := s.requireMailbox(r); err != nil {
		return err
	}
	b, err := s.Mailbox.Read(mux.Vars(r)["name"])
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err = w.Write(b)
	return err
}

// MailboxURL is the operator's page of written mails, "" with SMTP.
func (s *Server) MailboxURL() string {
	if s.Mailbox == nil {
		return ""
	}
	return s.BaseURL + "/outbox/mail/" + s.Followup.mailboxKey()
}
