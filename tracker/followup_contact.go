package tracker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// contactState is a learner's decrypted contact and whether its address
// is the confirmed one.
type contactState struct {
	ContactDetails
	hash      string // keyed hash of the address
	confirmed bool
	sent      bool // a confirmation was queued for this address
}

// contact opens the learner's sealed contact. ErrNotFound when none.
func (f *Followup) contact(ctx context.Context, learner string, platformID int64) (*contactState, error) {
	c, err := f.Store.Contact(ctx, learner, platformID)
	if err != nil {
		return nil, err
	}
	plain, err := f.Secrets.Open(c.Sealed, []byte(learner))
	if err != nil {
		return nil, fmt.Errorf("contact of %s: %w", learner, err)
	}
	var st contactState
	if err := json.Unmarshal(plain, &st.ContactDetails); err != nil {
		return nil, fmt.Errorf("contact of %s: %w", learner, err)
	}
	if st.Email != "" {
		st.hash = f.Secrets.AddressHash(st.Email)
		st.confirmed = c.Confirmed == st.hash
		st.sent = c.ConfirmSent == st.hash
	}
	return &st, nil
}

// ContactStatus is what the learner's contact page shows.
type ContactStatus struct {
	Email     string // "" when none is stored
	Confirmed bool
	Sent      bool // a confirmation mail was sent to Email
}

// ContactStatus reads the learner's address and its confirmation.
func (f *Followup) ContactStatus(ctx context.Context, p Place) (*ContactStatus, error) {
	st, err := f.contact(ctx, p.Learner, p.PlatformID)
	if errors.Is(err, ErrNotFound) {
		return &ContactStatus{}, nil
	}
	if err != nil {
		return nil, err
	}
	return &ContactStatus{Email: st.Email, Confirmed: st.confirmed, Sent: st.sent}, nil
}

// ErrNoFollowupConsent refuses a contact change by a learner who did not
// grant the follow-up contact purpose.
var ErrNoFollowupConsent = fmt.Errorf("follow-up contact not granted: %w", ErrForbidden)

// RequestConfirmation queues the mail that asks the learner to confirm
// the stored address, once per address unless again is set. It does
// nothing when the address is confirmed or there is none. It returns
// whether a mail was queued.
func (f *Followup) RequestConfirmation(ctx context.Context, p Place, again bool) (bool, error) {
	f.defaults()
	c, err := f.Store.CurrentConsent(ctx, p.Learner, p.PlatformID, p.Context.ContextID)
	if errors.Is(err, ErrNotFound) || (err == nil && !c.Granted(PurposeFollowup)) {
		return false, ErrNoFollowupConsent
	}
	if err != nil {
		return false, err
	}
	st, err := f.contact(ctx, p.Learner, p.PlatformID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil || st.Email == "" || st.confirmed {
		return false, err
	}
	now := f.Now().UTC()
	payload, err := json.Marshal(mailJob{Type: "confirm", Learner: p.Learner, Platform: p.PlatformID, Lang: p.Context.Lang,
		Course:  firstNonEmpty(p.Context.ContextTitle, p.Context.ContextLabel, p.Context.ContextID),
		Address: st.hash, Expires: now.Add(f.LinkTTL).Unix()})
	if err != nil {
		return false, err
	}
	item := &OutboxItem{Kind: MailKind, Key: fmt.Sprintf("confirm/%d/%s", p.PlatformID, p.Learner),
		Learner: p.Learner, Payload: payload, NextAt: now}
	queued, err := f.Store.RequestConfirmation(ctx, p.Learner, p.PlatformID, st.hash, again, item)
	if queued && f.Wake != nil {
		f.Wake()
	}
	return queued, err
}

// SetAddress stores the address a learner typed, sealed, keeping the name
// the platform sent, and queues its confirmation. ErrInvalid for anything
// but one plain address.
func (f *Followup) SetAddress(ctx context.Context, p Place, email string) error {
	email = strings.TrimSpace(email)
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || len(email) > 254 {
		return fmt.Errorf("address: %w", ErrInvalid)
	}
	c, err := f.Store.CurrentConsent(ctx, p.Learner, p.PlatformID, p.Context.ContextID)
	if errors.Is(err, ErrNotFound) || (err == nil && !c.Granted(PurposeFollowup)) {
		return ErrNoFollowupConsent
	}
	if err != nil {
		return err
	}
	d := ContactDetails{Email: email}
	if st, err := f.contact(ctx, p.Learner, p.PlatformID); err == nil {
		d.Name = st.Name
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	plain, err := json.Marshal(d)
	if err != nil {
		return err
	}
	sealed, err := f.Secrets.Seal(plain, []byte(p.Learner))
	if err != nil {
		return err
	}
	err = f.Store.SaveContact(ctx, &Contact{Learner: p.Learner, PlatformID: p.PlatformID, Sealed: sealed, UpdatedAt: f.Now().UTC()})
	if err != nil {
		return err
	}
	_, err = f.RequestConfirmation(ctx, p, false)
	return err
}

// Confirm checks a confirmation link and records the address as
// confirmed. It returns the language the learner used, for the page.
// With dryRun it only checks (the page before the button).
func (f *Followup) Confirm(ctx context.Context, token string, dryRun bool) (string, error) {
	l, err := parseLink(token, linkConfirm)
	if err != nil {
		return "", err
	}
	platformID, learner, lang, err := parseConfirmSubject(l)
	if err != nil {
		return "", err
	}
	st, err := f.contact(ctx, learner, platformID)
	if errors.Is(err, ErrNotFound) {
		return lang, inLang(ErrLinkInvalid, lang) // deleted since: withdrawn or unsubscribed
	}
	if err != nil {
		return lang, err
	}
	if err := f.Secrets.checkLink(l, st.hash, f.Now()); err != nil {
		if errors.Is(err, ErrLinkInvalid) {
			return "", err // nothing from a forged link is trusted, not even its language
		}
		return lang, inLang(err, lang)
	}
	if dryRun || st.confirmed {
		return lang, nil
	}
	if err := f.Store.ConfirmContact(ctx, learner, platformID, st.hash); err != nil {
		return lang, err
	}
	f.Log.Info().Str("learner", learner).Int64("platform", platformID).Msg("contact address confirmed")
	return lang, nil
}

// linkedWave checks a survey or unsubscribe link and returns its wave.
// A forged link is ErrLinkInvalid; an expired one ErrLinkExpired, in the
// learner's language.
func (f *Followup) linkedWave(ctx context.Context, token, kind string) (*FollowupWave, *Activity, string, error) {
	l, err := parseLink(token, kind)
	if err != nil {
		return nil, nil, "", err
	}
	id, err := waveSubject(l)
	if err != nil {
		return nil, nil, "", err
	}
	w, err := f.Store.FollowupWave(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, "", ErrLinkInvalid
	}
	if err != nil {
		return nil, nil, "", err
	}
	if err := f.Secrets.checkLink(l, waveBinding(w), f.Now()); errors.Is(err, ErrLinkInvalid) {
		return nil, nil, "", err
	} else if err != nil {
		a, _ := f.Store.Activity(ctx, w.ActivityID)
		return nil, nil, "", inLang(err, f.langOf(ctx, w.Learner, a))
	}
	a, err := f.Store.Activity(ctx, w.ActivityID)
	if err != nil {
		return nil, nil, "", err
	}
	return w, a, f.langOf(ctx, w.Learner, a), nil
}

// langOf is the language of the learner's consent in a's course.
func (f *Followup) langOf(ctx context.Context, learner string, a *Activity) string {
	if a == nil {
		return ""
	}
	c, err := f.Store.CurrentConsent(ctx, learner, a.PlatformID, a.ContextID)
	if err != nil {
		return ""
	}
	return c.Lang
}

// Unsubscribe withdraws the follow-up contact purpose of the link's
// learner in the link's course, deletes the address and stops every
// wave; the other purposes stay as they were. Unsubscribing twice is
// not an error. It returns the learner's language. With dryRun it only
// checks the link.
func (f *Followup) Unsubscribe(ctx context.Context, token string, dryRun bool) (string, error) {
	w, a, lang, err := f.linkedWave(ctx, token, linkUnsubscribe)
	if err != nil || dryRun {
		return lang, err
	}
	c, err := f.Store.CurrentConsent(ctx, w.Learner, a.PlatformID, a.ContextID)
	if err != nil {
		return lang, err
	}
	if !c.Granted(PurposeFollowup) && w.StoppedAt != nil {
		return lang, nil
	}
	next := *c
	next.ID, next.Method, next.CreatedAt = 0, "unsubscribe-link", f.Now().UTC().Truncate(time.Millisecond)
	next.Purposes = make(map[Purpose]bool, len(c.Purposes))
	for k, v := range c.Purposes {
		next.Purposes[k] = v
	}
	next.Purposes[PurposeFollowup] = false
	if err := f.Store.Unsubscribe(ctx, &next); err != nil {
		return lang, err
	}
	f.Log.Info().Str("learner", w.Learner).Int64("activity", a.ID).Msg("unsubscribed from the follow-up")
	return lang, nil
}
