package tracker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"time"
)

// Send delivers one mail outbox item: it is Followup's Sender. The
// address is read when the mail leaves, so a learner who unsubscribed,
// withdrew or changed address meanwhile is never written to at an old
// one: such an item is refused for good.
func (f *Followup) Send(ctx context.Context, it *OutboxItem) error {
	f.defaults()
	var job mailJob
	if err := json.Unmarshal(it.Payload, &job); err != nil {
		return Permanent(fmt.Errorf("mail payload: %w", err))
	}
	var (
		m   *Mail
		err error
	)
	switch job.Type {
	case "invite", "remind":
		m, err = f.waveMail(ctx, job)
	case "confirm":
		m, err = f.confirmMail(ctx, job)
	default:
		err = Permanent(fmt.Errorf("mail type %q", job.Type))
	}
	if err != nil {
		return err
	}
	msg, err := m.Bytes()
	if err != nil {
		return Permanent(err)
	}
	return f.Mailer.Deliver(ctx, f.From.Address, m.To.Address, msg)
}

// errNotWanted refuses a mail the learner no longer wants or can get.
var errNotWanted = errors.New("not sent")

func (f *Followup) waveMail(ctx context.Context, job mailJob) (*Mail, error) {
	w, err := f.Store.FollowupWave(ctx, job.Wave)
	if errors.Is(err, ErrNotFound) {
		return nil, Permanent(fmt.Errorf("%w: the learner withdrew", errNotWanted))
	}
	if err != nil {
		return nil, err
	}
	if w.StoppedAt != nil {
		return nil, Permanent(fmt.Errorf("%w: the learner unsubscribed", errNotWanted))
	}
	r, err := f.reachable(ctx, w)
	if err != nil {
		return nil, err
	}
	if r.why != "" {
		return nil, Permanent(fmt.Errorf("%w: %s", errNotWanted, r.why))
	}
	a, c, to := r.activity, r.consent, r.to
	in, _, err := f.Surveys.Instrument(ctx, FollowupInstrumentID, 0)
	if err != nil {
		return nil, err
	}
	lang := c.Lang
	course := firstNonEmpty(a.ContextTitle, a.ContextID)
	expires := time.Unix(job.Expires, 0).UTC()
	t := func(key string, pairs ...string) string { return f.Catalogs.T(lang, key, pairs...) }
	v := &mailView{
		Paragraphs:  []string{t("mail."+job.Type+".body", "course", course, "months", strconv.Itoa(w.Wave), "minutes", strconv.Itoa(in.Minutes))},
		Action:      t("mail.survey.action"),
		ActionURL:   f.BaseURL + "/f/" + f.Secrets.signLink(linkSurvey, strconv.FormatInt(w.ID, 10), expires, waveBinding(w)),
		Notes:       []string{t("mail.survey.expires", "date", expires.Format(dateLayout))},
		Unsubscribe: t("mail.unsubscribe.why", "course", course),
		UnsubLabel:  t("mail.unsubscribe.link"),
		UnsubURL:    f.BaseURL + "/f/unsubscribe/" + f.Secrets.signLink(linkUnsubscribe, strconv.FormatInt(w.ID, 10), time.Time{}, waveBinding(w)),
	}
	return f.compose(lang, to, t("mail."+job.Type+".subject", "course", course), course, v)
}

func (f *Followup) confirmMail(ctx context.Context, job mailJob) (*Mail, error) {
	st, err := f.contact(ctx, job.Learner, job.Platform)
	if errors.Is(err, ErrNotFound) {
		return nil, Permanent(fmt.Errorf("%w: the address was deleted", errNotWanted))
	}
	if err != nil {
		return nil, err
	}
	if st.hash != job.Address || st.confirmed {
		return nil, Permanent(fmt.Errorf("%w: the address changed or is confirmed", errNotWanted))
	}
	lang := job.Lang
	expires := time.Unix(job.Expires, 0).UTC()
	t := func(key string, pairs ...string) string { return f.Catalogs.T(lang, key, pairs...) }
	token := f.Secrets.signLink(linkConfirm, confirmSubject(job.Platform, job.Learner, lang), expires, st.hash)
	v := &mailView{
		Paragraphs: []string{t("mail.confirm.body", "course", job.Course)},
		Action:     t("mail.confirm.action"),
		ActionURL:  f.BaseURL + "/f/confirm/" + token,
		Notes:      []string{t("mail.survey.expires", "date", expires.Format(dateLayout)), t("mail.confirm.ignore")},
	}
	return f.compose(lang, &st.ContactDetails, t("mail.confirm.subject", "course", job.Course), job.Course, v)
}

// compose fills the parts every mail shares and renders it.
func (f *Followup) compose(lang string, to *ContactDetails, subject, course string, v *mailView) (*Mail, error) {
	f.mailOnce.Do(func() { f.mail, f.mailErr = parseMailTemplates() })
	if f.mailErr != nil {
		return nil, Permanent(f.mailErr)
	}
	if !f.Catalogs.Supported(lang) {
		lang = Languages[0]
	}
	v.Lang, v.Title = lang, subject
	v.Greeting = f.Catalogs.T(lang, "mail.greeting")
	if to.Name != "" {
		v.Greeting = f.Catalogs.T(lang, "mail.greeting.name", "name", to.Name)
	}
	v.Signature = f.Catalogs.T(lang, "mail.signature", "course", course)
	m := &Mail{
		From: f.From, To: mail.Address{Name: to.Name, Address: to.Email}, Subject: subject, Lang: lang,
		Date: f.Now().UTC(), MessageID: newMessageID(f.From), Unsubscribe: v.UnsubURL,
	}
	if err := f.mail.render(m, v); err != nil {
		return nil, Permanent(err)
	}
	return m, nil
}
