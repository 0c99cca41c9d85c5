package tracker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// FollowupInstrumentID is the questionnaire every follow-up wave asks.
const FollowupInstrumentID = "followup"

// MailKind is the outbox kind of every mail ASTRE sends.
const MailKind = "mail"

// Plan defaults (DOMAIN.md: 3, 6 and 12 months after completion).
var (
	DefaultWaves    = []int{3, 6, 12}
	DefaultReminder = 7 * 24 * time.Hour
)

// Followup invites learners who granted the follow-up contact purpose
// to the follow-up survey, months after they completed an activity. Due
// times are in the store, so the scheduler survives restarts; each wave's
// invitation is enqueued in the same transaction that marks it invited,
// so it is enqueued once whatever crashes or runs twice. Mails go through
// the Outbox (kind "mail"); Followup is their Sender.
type Followup struct {
	Store    Store
	Surveys  *Surveys
	Secrets  Secrets
	Catalogs *Catalogs
	Mailer   Mailer
	From     mail.Address
	BaseURL  string
	LinkTTL  time.Duration // how long a survey link works (default 60 days)
	// Spacing is the least time between two follow-up mails: after
	// downtime the due waves leave at this pace, not all at once.
	Spacing time.Duration // default 2 seconds
	Poll    time.Duration // how often Run looks for due waves (default 1 minute)
	Now     func() time.Time
	Log     zerolog.Logger
	Wake    func() // asks the outbox to look for due items now; may be nil

	mailOnce sync.Once
	mail     *mailTemplates
	mailErr  error
}

func (f *Followup) defaults() {
	if f.LinkTTL <= 0 {
		f.LinkTTL = 60 * 24 * time.Hour
	}
	if f.Spacing <= 0 {
		f.Spacing = 2 * time.Second
	}
	if f.Poll <= 0 {
		f.Poll = time.Minute
	}
	if f.Now == nil {
		f.Now = time.Now
	}
}

// batch is how many waves one tick handles: one poll's worth at Spacing.
func (f *Followup) batch() int { return max(1, int(f.Poll/f.Spacing)) }

// Plan is the activity's follow-up plan: the instructor's, else the
// default, which is on for the exit evaluation only.
func (f *Followup) Plan(ctx context.Context, a *Activity) (*FollowupPlan, error) {
	p, err := f.Store.FollowupPlan(ctx, a.ID)
	if errors.Is(err, ErrNotFound) {
		return &FollowupPlan{ActivityID: a.ID, Enabled: a.InstrumentID == "exit", Waves: DefaultWaves, Reminder: DefaultReminder}, nil
	}
	return p, err
}

// SavePlan stores the instructor's plan and applies it to every learner
// who completed the activity: waves not yet sent move to the new times,
// new waves are added, dropped ones go.
func (f *Followup) SavePlan(ctx context.Context, a *Activity, p *FollowupPlan) error {
	p.ActivityID, p.UpdatedAt = a.ID, f.Now().UTC()
	if err := f.Store.SaveFollowupPlan(ctx, p); err != nil {
		return err
	}
	cs, err := f.Store.Completions(ctx, a.ID)
	if err != nil {
		return err
	}
	return f.Store.ScheduleFollowups(ctx, a.ID, schedule(a, p, cs))
}

// Completed is the schedule of the waves of a learner who completed a at
// at, which the completion stores in its own transaction (nil: the plan
// is off).
func (f *Followup) Completed(ctx context.Context, a *Activity, learner string, at time.Time) (*FollowupSchedule, error) {
	p, err := f.Plan(ctx, a)
	if err != nil || !p.Enabled {
		return nil, err
	}
	return schedule(a, p, []Completion{{Learner: learner, CompletedAt: at}}), nil
}

// schedule is the waves of plan p for the completions cs.
func schedule(a *Activity, p *FollowupPlan, cs []Completion) *FollowupSchedule {
	if !p.Enabled {
		return &FollowupSchedule{}
	}
	var waves []FollowupWave
	for _, c := range cs {
		base := c.CompletedAt
		if p.CourseEnd != nil {
			base = *p.CourseEnd
		}
		for _, months := range p.Waves {
			waves = append(waves, FollowupWave{ActivityID: a.ID, Learner: c.Learner, Wave: months,
				BaseAt: c.CompletedAt, DueAt: base.AddDate(0, months, 0), State: WaveScheduled})
		}
	}
	return &FollowupSchedule{Waves: waves, Keep: p.Waves}
}

// Run looks for due waves every Poll until ctx ends.
func (f *Followup) Run(ctx context.Context) error {
	f.defaults()
	t := time.NewTicker(f.Poll)
	defer t.Stop()
	for {
		if _, err := f.Tick(ctx); err != nil && ctx.Err() == nil {
			f.Log.Error().Err(err).Msg("follow-up scheduler")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// mailJob is the payload of a mail outbox item. It names what to send,
// never the address: that is read, and decrypted, when the mail leaves.
type mailJob struct {
	Type     string `json:"type"`               // invite, remind or confirm
	Wave     int64  `json:"wave,omitempty"`     // invite, remind
	Learner  string `json:"learner,omitempty"`  // confirm
	Platform int64  `json:"platform,omitempty"` // confirm
	Lang     string `json:"lang,omitempty"`     // confirm
	Course   string `json:"course,omitempty"`   // confirm
	Address  string `json:"address,omitempty"`  // confirm: the keyed hash of the address
	Expires  int64  `json:"expires"`            // the link's end, Unix seconds
}

// Tick invites the due waves and reminds the due reminders, at most one
// poll's worth at Spacing, and returns how many mails it enqueued.
func (f *Followup) Tick(ctx context.Context) (int, error) {
	f.defaults()
	now := f.Now().UTC()
	budget := f.batch()
	n := 0
	due, err := f.Store.DueFollowups(ctx, now, budget)
	if err != nil {
		return 0, err
	}
	for i := range due {
		ok, err := f.invite(ctx, &due[i], now, now.Add(time.Duration(n)*f.Spacing))
		if err != nil {
			return n, fmt.Errorf("invite wave %d: %w", due[i].ID, err)
		}
		if ok {
			n++
		}
	}
	if budget > len(due) {
		rem, err := f.Store.DueReminders(ctx, now, budget-len(due))
		if err != nil {
			return n, err
		}
		for i := range rem {
			ok, err := f.remind(ctx, &rem[i], now, now.Add(time.Duration(n)*f.Spacing))
			if err != nil {
				return n, fmt.Errorf("remind wave %d: %w", rem[i].ID, err)
			}
			if ok {
				n++
			}
		}
	}
	if n > 0 && f.Wake != nil {
		f.Wake()
	}
	return n, nil
}

// reach is whether the learner of a wave may be written to: the
// follow-up purpose granted in the course of the wave's activity, and a
// confirmed address.
type reach struct {
	activity *Activity
	consent  *Consent
	to       *ContactDetails
	why      string // why not, as recorded; "" when the learner may be written to
}

// reachable loads the wave's activity and tells whether its learner may
// be written to.
func (f *Followup) reachable(ctx context.Context, w *FollowupWave) (*reach, error) {
	a, err := f.Store.Activity(ctx, w.ActivityID)
	if err != nil {
		return nil, err
	}
	r := &reach{activity: a}
	c, err := f.Store.CurrentConsent(ctx, w.Learner, a.PlatformID, a.ContextID)
	if errors.Is(err, ErrNotFound) || (err == nil && !c.Granted(PurposeFollowup)) {
		r.why = "no follow-up consent"
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	d, err := f.contact(ctx, w.Learner, a.PlatformID)
	if errors.Is(err, ErrNotFound) || (err == nil && d.Email == "") {
		r.why = "no address"
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	if !d.confirmed {
		r.why = "address not confirmed"
		return r, nil
	}
	r.consent, r.to = c, &d.ContactDetails
	return r, nil
}

func (f *Followup) invite(ctx context.Context, w *FollowupWave, now, at time.Time) (bool, error) {
	r, err := f.reachable(ctx, w)
	if err != nil {
		return false, err
	}
	if r.why != "" {
		f.Log.Info().Int64("wave", w.ID).Str("learner", w.Learner).Str("reason", r.why).Msg("follow-up wave skipped")
		return false, f.Store.SkipFollowup(ctx, w.ID, r.why)
	}
	a := r.activity
	wa, err := f.waveActivity(ctx, a, w.Wave)
	if err != nil {
		return false, err
	}
	p, err := f.Plan(ctx, a)
	if err != nil {
		return false, err
	}
	w.InvitedAt, w.WaveActivityID = &now, wa.ID
	if p.Reminder > 0 {
		r := now.Add(p.Reminder)
		w.RemindAt = &r
	}
	item, err := f.mailItem(w, "invite", at, now.Add(f.LinkTTL))
	if err != nil {
		return false, err
	}
	err = f.Store.InviteFollowup(ctx, w, item)
	if errors.Is(err, ErrConflict) {
		return false, nil // another instance was first
	}
	return err == nil, err
}

func (f *Followup) remind(ctx context.Context, w *FollowupWave, now, at time.Time) (bool, error) {
	var item *OutboxItem
	answered, err := f.answered(ctx, w)
	if err != nil {
		return false, err
	}
	if !answered && w.InvitedAt != nil { // only then can a reminder go, if the learner is reachable
		r, err := f.reachable(ctx, w)
		if err != nil {
			return false, err
		}
		if r.why == "" {
			if item, err = f.mailItem(w, "remind", at, w.InvitedAt.Add(f.LinkTTL)); err != nil {
				return false, err
			}
		}
	}
	err = f.Store.RemindFollowup(ctx, w.ID, now, item)
	if errors.Is(err, ErrConflict) {
		return false, nil
	}
	return err == nil && item != nil, err
}

// answered reports whether the learner completed the wave's survey.
func (f *Followup) answered(ctx context.Context, w *FollowupWave) (bool, error) {
	if w.WaveActivityID == 0 {
		return false, nil
	}
	r, err := f.Store.Response(ctx, w.Learner, w.WaveActivityID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return r.Status == StatusCompleted, nil
}

// mailItem is the outbox item of a wave's mail. Its key, per wave (one
// learner, activity and wave) and kind of mail, is what makes enqueuing
// idempotent.
func (f *Followup) mailItem(w *FollowupWave, typ string, at, expires time.Time) (*OutboxItem, error) {
	payload, err := json.Marshal(mailJob{Type: typ, Wave: w.ID, Expires: expires.Unix()})
	if err != nil {
		return nil, err
	}
	return &OutboxItem{Kind: MailKind, Key: "followup/" + strconv.FormatInt(w.ID, 10) + "/" + typ,
		ActivityID: w.ActivityID, Learner: w.Learner, Payload: payload, NextAt: at}, nil
}

// waveActivity is the activity a wave's survey is answered in: in the
// same course, under a resource link of its own, so that each wave keeps
// its own response and the LMS never sees it.
func (f *Followup) waveActivity(ctx context.Context, a *Activity, months int) (*Activity, error) {
	now := f.Now().UTC()
	return f.Store.EnsureActivity(ctx, &Activity{
		PlatformID: a.PlatformID, ContextID: a.ContextID, ResourceLinkID: waveLinkID(a, months),
		ContextTitle: a.ContextTitle, Title: fmt.Sprintf("%s (+%d)", a.Title, months),
		InstrumentID: FollowupInstrumentID, CreatedAt: now, UpdatedAt: now,
	})
}

func waveLinkID(a *Activity, months int) string {
	return a.ResourceLinkID + "#followup-" + strconv.Itoa(months)
}
