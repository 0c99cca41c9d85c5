package tracker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Instrument ids with a role in the flow.
const (
	ConsentInstrumentID = "consent" // the consent form every learner sees first
	DefaultInstrumentID = "entry"   // what an activity asks until the instructor chooses
)

// ErrClosed is returned when answers are submitted outside the activity's
// open period.
var ErrClosed = errors.New("activity is closed")

// Surveys is the learner side of an activity: consent, pages, answers and
// the learner's own data. Every piece of state is in the store; the only
// memory is a cache of parsed instrument versions, which never change.
type Surveys struct {
	Store   SurveyStore
	Secrets Secrets
	Now     func() time.Time
	// Notify is called after a change queued an outbox item (a score), so
	// the worker delivers it now rather than at its next poll. May be nil.
	Notify func()
	// XAPI builds the xAPI statements of consent and survey events; nil
	// when no LRS is configured.
	XAPI *XAPIStatements
	// Completed is the follow-up schedule of a completion, stored with it
	// (Followup.Completed); nil: no follow-up.
	Completed func(ctx context.Context, a *Activity, learner string, at time.Time) (*FollowupSchedule, error)

	parsed sync.Map // "id@version" → *versioned
}

// versioned is a parsed instrument and the hash of its stored definition.
type versioned struct {
	in   *Instrument
	hash string
}

// InstallBuiltins stores every built-in instrument version. A built-in
// changed without a new version number is refused: answers given under
// the old text would silently change meaning.
func (s *Surveys) InstallBuiltins(ctx context.Context) error {
	ins, err := BuiltinInstruments()
	if err != nil {
		return err
	}
	for _, in := range ins {
		def, err := json.Marshal(in)
		if err != nil {
			return err
		}
		err = s.Store.SaveInstrument(ctx, &StoredInstrument{ID: in.ID, Version: in.Version, Definition: def, Builtin: true, CreatedAt: s.Now().UTC()})
		if errors.Is(err, ErrConflict) {
			return fmt.Errorf("built-in instrument %s version %d changed without a new version: %w", in.ID, in.Version, err)
		}
		if err != nil {
			return fmt.Errorf("install instrument %s: %w", in.ID, err)
		}
	}
	return nil
}

// Instrument returns a parsed instrument version (0: the newest) and the
// hash of its definition.
func (s *Surveys) Instrument(ctx context.Context, id string, version int) (*Instrument, string, error) {
	if version == 0 { // the store says which version is newest; the cache may hold it
		newest, err := s.newestVersion(ctx, id)
		if err != nil {
			return nil, "", fmt.Errorf("instrument %s: %w", id, err)
		}
		version = newest
	}
	if v, ok := s.parsed.Load(id + "@" + strconv.Itoa(version)); ok {
		return v.(*versioned).in, v.(*versioned).hash, nil
	}
	st, err := s.Store.Instrument(ctx, id, version)
	if err != nil {
		return nil, "", fmt.Errorf("instrument %s v%d: %w", id, version, err)
	}
	key := st.ID + "@" + strconv.Itoa(st.Version)
	if v, ok := s.parsed.Load(key); ok {
		return v.(*versioned).in, v.(*versioned).hash, nil
	}
	in, err := ParseInstrument(st.Definition)
	if err != nil {
		return nil, "", fmt.Errorf("stored instrument %s: %w", key, err)
	}
	sum := sha256.Sum256(st.Definition)
	v := &versioned{in: in, hash: hex.EncodeToString(sum[:])}
	s.parsed.Store(key, v)
	return in, v.hash, nil
}

// newestVersion asks the store for the newest version of an instrument,
// once per request when ctx carries WithNewestVersions.
func (s *Surveys) newestVersion(ctx context.Context, id string) (int, error) {
	seen, _ := ctx.Value(ctxNewestVersions).(*newestVersions)
	if seen == nil {
		return s.Store.NewestVersion(ctx, id)
	}
	seen.mu.Lock()
	defer seen.mu.Unlock()
	if v, ok := seen.byID[id]; ok {
		return v, nil
	}
	v, err := s.Store.NewestVersion(ctx, id)
	if err == nil {
		seen.byID[id] = v
	}
	return v, err
}

// sawNewest remembers for the rest of the request a newest version read
// along with other rows, unless the request has one already, and returns
// the version the request works with.
func (s *Surveys) sawNewest(ctx context.Context, id string, version int) int {
	seen, _ := ctx.Value(ctxNewestVersions).(*newestVersions)
	if seen == nil {
		return version
	}
	seen.mu.Lock()
	defer seen.mu.Unlock()
	if v, ok := seen.byID[id]; ok {
		return v
	}
	seen.byID[id] = version
	return version
}

// forgetNewest drops the request's newest version of instrument id: the
// request has just stored a newer one.
func forgetNewest(ctx context.Context, id string) {
	if seen, _ := ctx.Value(ctxNewestVersions).(*newestVersions); seen != nil {
		seen.mu.Lock()
		delete(seen.byID, id)
		seen.mu.Unlock()
	}
}

// newestVersions are the newest instrument versions one request has read.
type newestVersions struct {
	mu   sync.Mutex
	byID map[string]int
}

type newestVersionsKey struct{}

var ctxNewestVersions newestVersionsKey

// WithNewestVersions makes Instrument read each instrument's newest
// version once for the life of ctx, a request's: its pages then ask the
// store once instead of at every step (the consent check, the form, the
// new response), and the whole request works with one version even if a
// newer one is published meanwhile.
func WithNewestVersions(ctx context.Context) context.Context {
	return context.WithValue(ctx, ctxNewestVersions, &newestVersions{byID: map[string]int{}})
}

// Place identifies a learner in one activity of one course.
type Place struct {
	Learner    string
	PlatformID int64
	Context    *LaunchContext
}

// Activity returns the activity of the launch, creating it on first
// launch with the instrument the launch's custom parameter names, if it
// names a known one, else the default.
func (s *Surveys) Activity(ctx context.Context, p Place) (*Activity, error) {
	lc := p.Context
	// Read first: every learner page needs the activity, and only a first
	// launch or a renamed course or activity needs a write.
	a, err := s.Store.ActivityAt(ctx, p.PlatformID, lc.ContextID, lc.ResourceLinkID)
	if err == nil && a.ContextTitle == lc.ContextTitle && a.Title == lc.ResourceLinkTitle {
		return a, nil
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	choice := DefaultInstrumentID
	if id := lc.Custom["instrument"]; id != "" && id != ConsentInstrumentID {
		if _, _, err := s.Instrument(ctx, id, 0); err == nil {
			choice = id
		}
	}
	now := s.Now().UTC()
	// A link placed by deep linking says whether completion is graded.
	graded := slices.Contains([]string{"1", "true", "yes"}, lc.Custom["graded"])
	dropStanding(ctx)
	return s.Store.EnsureActivity(ctx, &Activity{
		PlatformID: p.PlatformID, ContextID: lc.ContextID, ResourceLinkID: lc.ResourceLinkID,
		ContextTitle: lc.ContextTitle, Title: lc.ResourceLinkTitle, InstrumentID: choice, Graded: graded,
		CreatedAt: now, UpdatedAt: now,
	})
}

// Open reports whether answers may be given or changed now.
func (a *Activity) Open(now time.Time) bool {
	return (a.OpensAt == nil || !now.Before(*a.OpensAt)) && (a.ClosesAt == nil || now.Before(*a.ClosesAt))
}

// ConsentNeeded returns the learner's current consent in the course and
// whether the consent form must be shown: never answered, withdrawn, or
// answered under an older version of the text.
func (s *Surveys) ConsentNeeded(ctx context.Context, p Place) (*Consent, bool, error) {
	st, err := s.standing(ctx, p)
	if err != nil {
		return nil, false, err
	}
	return st.Consent, st.consentNeeded(), nil
}

// Standing returns what a learner page starts from, read at once: the
// activity of the launch (created or renamed as Activity does), and the
// learner's current consent and whether the form must be shown, as
// ConsentNeeded says.
func (s *Surveys) Standing(ctx context.Context, p Place) (*Activity, *Consent, bool, error) {
	st, err := s.standing(ctx, p)
	if err != nil {
		return nil, nil, false, err
	}
	a, lc := st.Activity, p.Context
	if a == nil || a.ContextTitle != lc.ContextTitle || a.Title != lc.ResourceLinkTitle {
		if a, err = s.Activity(ctx, p); err != nil { // a first launch, or renamed
			return nil, nil, false, err
		}
	}
	return a, st.Consent, st.consentNeeded(), nil
}

func (s *Surveys) standing(ctx context.Context, p Place) (*Standing, error) {
	st := takeStanding(ctx, p) // read with the session of a page inside a launch
	if st == nil {
		lc := p.Context
		var err error
		if st, err = s.Store.Standing(ctx, p.Learner, p.PlatformID, lc.ContextID, lc.ResourceLinkID, ConsentInstrumentID); err != nil {
			return nil, err
		}
	}
	st.ConsentVersion = s.sawNewest(ctx, ConsentInstrumentID, st.ConsentVersion)
	return st, nil
}

// consentNeeded reports whether the consent form must be shown: never
// answered, withdrawn, or answered under an older version of the text.
func (st *Standing) consentNeeded() bool {
	c := st.Consent
	return c == nil || c.WithdrawnAt != nil || c.TextID != ConsentInstrumentID || c.TextVersion != st.ConsentVersion
}

// RecordConsent checks the consent form's answers and stores the decision.
// Each purpose is an item of the consent instrument answered "yes" or
// "no"; nothing is pre-ticked, so every purpose must be answered. contact
// is the sealed name and e-mail from the launch, kept only when the
// follow-up purpose is granted. Declining the surveys stores only the
// refusal, as a declined response of the activity. prev is the learner's
// current consent in the course, as Standing read it (nil: none).
func (s *Surveys) RecordConsent(ctx context.Context, p Place, a *Activity, prev *Consent, answers map[string]Answer, contact []byte) (*Consent, error) {
	form, hash, err := s.Instrument(ctx, ConsentInstrumentID, 0)
	if err != nil {
		return nil, err
	}
	if err := form.Check(answers); err != nil {
		return nil, err
	}
	dropStanding(ctx)
	now := s.Now().UTC()
	c := &Consent{
		Learner: p.Learner, PlatformID: p.PlatformID, ContextID: p.Context.ContextID,
		DeploymentID: p.Context.DeploymentID, ResourceLinkID: p.Context.ResourceLinkID,
		TextID: form.ID, TextVersion: form.Version, TextHash: hash, Lang: p.Context.Lang,
		Purposes: make(map[Purpose]bool, len(Purposes)), Method: "lti-launch-form", CreatedAt: now,
	}
	for _, purpose := range Purposes {
		ans := answers[string(purpose)]
		c.Purposes[purpose] = len(ans.Codes) == 1 && ans.Codes[0] == "yes"
	}
	// Refusing the surveys after granting them withdraws that consent:
	// the course's answers go, and the earlier record stays as proof.
	if prev.Granted(PurposeSurveys) && !c.Purposes[PurposeSurveys] {
		if err := s.Store.Withdraw(ctx, p.Learner, p.PlatformID, p.Context.ContextID, now); err != nil {
			return nil, fmt.Errorf("withdraw earlier consent: %w", err)
		}
	}
	var out []*OutboxItem
	switch {
	case c.Purposes[PurposeSurveys] && !prev.Granted(PurposeSurveys):
		out, err = s.statement(out, XAPIEvent{Verb: VerbAccepted, Learner: p.Learner, PlatformID: p.PlatformID, ContextID: p.Context.ContextID, Lang: c.Lang, At: now})
	case !c.Purposes[PurposeSurveys] && prev.Granted(PurposeSurveys):
		out, err = s.statement(out, XAPIEvent{Verb: VerbCancelled, Learner: p.Learner, PlatformID: p.PlatformID, ContextID: p.Context.ContextID, Lang: c.Lang, At: now})
	}
	if err != nil {
		return nil, err
	}
	if err := s.Store.SaveConsent(ctx, c, out...); err != nil {
		return nil, fmt.Errorf("save consent: %w", err)
	}
	if c.Purposes[PurposeFollowup] && len(contact) > 0 {
		err = s.Store.SaveContact(ctx, &Contact{Learner: p.Learner, PlatformID: p.PlatformID, Sealed: contact, UpdatedAt: now})
	} else if !c.Purposes[PurposeFollowup] {
		err = s.Store.DeleteContact(ctx, p.Learner, p.PlatformID)
	}
	if err != nil {
		return nil, fmt.Errorf("contact: %w", err)
	}
	r, err := s.response(ctx, p, a)
	if err != nil {
		return nil, err
	}
	switch {
	case !c.Purposes[PurposeSurveys] && r.Status != StatusDeclined:
		r.Status, r.CompletedAt, r.UpdatedAt = StatusDeclined, &now, now
	case c.Purposes[PurposeSurveys] && r.Status == StatusDeclined && r.ID != 0:
		// Declined before, now taking part: the survey starts.
		r.Status, r.CompletedAt, r.Page, r.UpdatedAt = StatusInProgress, nil, 0, now
	default:
		return c, nil
	}
	if err := s.save(ctx, r, nil, nil, ScoreItem(p, a, r)); err != nil {
		return nil, fmt.Errorf("record the surveys decision: %w", err)
	}
	return c, nil
}

// response loads the learner's response in the activity, or a new one.
func (s *Surveys) response(ctx context.Context, p Place, a *Activity) (*Response, error) {
	r, err := s.Store.Response(ctx, p.Learner, a.ID)
	if errors.Is(err, ErrNotFound) {
		in, _, err := s.Instrument(ctx, a.InstrumentID, 0)
		if err != nil {
			return nil, err
		}
		now := s.Now().UTC()
		return &Response{Learner: p.Learner, ActivityID: a.ID, InstrumentID: in.ID, InstrumentVersion: in.Version,
			Status: StatusInProgress, Answers: map[string]Answer{}, StartedAt: now, UpdatedAt: now}, nil
	}
	return r, err
}

// Survey is a learner's position in an activity's instrument.
type Survey struct {
	Place      Place
	Activity   *Activity
	Instrument *Instrument
	Response   *Response
	Consent    *Consent
	// Pages are the pages this learner sees: special-category pages only
	// with that purpose granted.
	Pages []*InstrumentPage
}

// Survey loads the learner's survey in the activity.
func (s *Surveys) Survey(ctx context.Context, p Place, a *Activity, c *Consent) (*Survey, error) {
	r, err := s.response(ctx, p, a)
	if err != nil {
		return nil, err
	}
	in, _, err := s.Instrument(ctx, r.InstrumentID, r.InstrumentVersion)
	if err != nil {
		return nil, err
	}
	sv := &Survey{Place: p, Activity: a, Instrument: in, Response: r, Consent: c}
	for i := range in.Pages {
		pg := &in.Pages[i]
		if pg.Sensitive && !c.Granted(PurposeSensitive) {
			continue
		}
		sv.Pages = append(sv.Pages, pg)
	}
	return sv, nil
}

// visible reports whether page i has an item to show given answers: an
// item without condition, one whose condition is on the same page (it can
// only be judged after the page), or one whose condition holds.
func (sv *Survey) visible(i int, answers map[string]Answer) bool {
	page := sv.Pages[i]
	for _, it := range page.Items {
		if it.ShowIf == nil || onPage(page, it.ShowIf.Item) || sv.Instrument.Shown(it.ID, answers) {
			return true
		}
	}
	return false
}

// NextPage is the first visible page after i, or -1 when i is the last.
func (sv *Survey) NextPage(i int, answers map[string]Answer) int {
	for j := i + 1; j < len(sv.Pages); j++ {
		if sv.visible(j, answers) {
			return j
		}
	}
	return -1
}

// PrevPage is the last visible page before i, or 0.
func (sv *Survey) PrevPage(i int, answers map[string]Answer) int {
	for j := i - 1; j > 0; j-- {
		if sv.visible(j, answers) {
			return j
		}
	}
	return 0
}

// Done reports whether the learner finished or declined.
func (sv *Survey) Done() bool {
	return sv.Response.Status == StatusCompleted || sv.Response.Status == StatusDeclined
}

// Submit checks the answers to one page and saves them. Going back skips
// the required check, so nothing typed is lost; anything malformed is
// refused either way. The last page's "next" completes the response.
// The answers are committed before Submit returns.
func (s *Surveys) Submit(ctx context.Context, sv *Survey, index int, given map[string]Answer, back bool) error {
	now := s.Now().UTC()
	if !sv.Activity.Open(now) {
		return ErrClosed
	}
	if index < 0 || index >= len(sv.Pages) {
		return fmt.Errorf("page %d: %w", index, ErrInvalid)
	}
	page := sv.Pages[index]
	merged := make(map[string]Answer, len(sv.Response.Answers)+len(given))
	for k, v := range sv.Response.Answers {
		merged[k] = v
	}
	ids := make([]string, 0, len(page.Items))
	for _, it := range page.Items {
		ids = append(ids, it.ID)
		if a, ok := given[it.ID]; ok && !a.Empty() {
			merged[it.ID] = a
		} else {
			delete(merged, it.ID)
		}
	}
	if err := sv.Instrument.CheckPage(page.ID, merged); err != nil {
		if !back || !onlyRequired(err) {
			return err
		}
	}
	kept := sv.Instrument.Prune(merged)
	r := sv.Response
	starting, wasCompleted := r.ID == 0 || r.Status == StatusDeclined, r.Status == StatusCompleted
	r.Answers = kept
	r.UpdatedAt = now
	next := sv.NextPage(index, kept)
	var score *OutboxItem
	switch {
	case back:
		r.Page = sv.PrevPage(index, kept)
	case next < 0:
		r.Page = index
		if r.Status != StatusCompleted {
			r.Status = StatusCompleted
			r.CompletedAt = &now
			score = ScoreItem(sv.Place, sv.Activity, r)
		}
		ids = allItemIDs(sv.Instrument) // drop answers that later choices hid
	default:
		r.Page = next
	}
	if r.Status == StatusDeclined {
		r.Status = StatusInProgress // the learner later granted the surveys
		r.CompletedAt = nil
	}
	var out []*OutboxItem
	var err error
	event := XAPIEvent{Learner: r.Learner, PlatformID: sv.Activity.PlatformID, ContextID: sv.Activity.ContextID,
		Activity: sv.Activity, Instrument: sv.Instrument, At: now}
	if sv.Consent != nil {
		event.Lang = sv.Consent.Lang
	}
	if starting {
		event.Verb = VerbInitialized
		out, err = s.statement(out, event)
	}
	if err == nil && r.Status == StatusCompleted && !wasCompleted {
		event.Verb = VerbCompleted
		out, err = s.statement(out, event)
	}
	if err != nil {
		return err
	}
	// Finishing the last page (again) schedules the follow-up waves from
	// the first completion's time, in the same transaction.
	var then *FollowupSchedule
	if !back && next < 0 && r.CompletedAt != nil && s.Completed != nil {
		if then, err = s.Completed(ctx, sv.Activity, r.Learner, *r.CompletedAt); err != nil {
			return err
		}
	}
	return s.save(ctx, r, ids, then, append(out, score)...)
}

// save stores a response and, in the same transaction, the follow-up
// waves then and the outbox items it causes (nil ones skipped: a score
// only when one is earned); then the outbox worker is woken.
func (s *Surveys) save(ctx context.Context, r *Response, ids []string, then *FollowupSchedule, out ...*OutboxItem) error {
	items := make([]*OutboxItem, 0, len(out))
	for _, it := range out {
		if it != nil {
			items = append(items, it)
		}
	}
	if err := s.Store.SaveResponse(ctx, r, ids, then, items...); err != nil {
		return err
	}
	if len(items) > 0 && s.Notify != nil {
		s.Notify()
	}
	return nil
}

// statement appends the outbox item of an xAPI event to out, when an LRS
// is configured.
func (s *Surveys) statement(out []*OutboxItem, e XAPIEvent) ([]*OutboxItem, error) {
	if s.XAPI == nil {
		return out, nil
	}
	it, err := s.XAPI.Item(e)
	if err != nil {
		return nil, err
	}
	return append(out, it), nil
}

func onlyRequired(err error) bool {
	var errs AnswerErrors
	if !errors.As(err, &errs) {
		return false
	}
	for _, e := range errs {
		if e.Code != AnswerRequired {
			return false
		}
	}
	return true
}

func allItemIDs(in *Instrument) []string {
	var ids []string
	for _, it := range in.Items() {
		ids = append(ids, it.ID)
	}
	return ids
}

// Withdraw stops all processing for the learner in the course: answers
// and contact deleted, consent withdrawn with a minimal proof kept.
func (s *Surveys) Withdraw(ctx context.Context, p Place) error {
	now := s.Now().UTC()
	prev, err := s.Store.CurrentConsent(ctx, p.Learner, p.PlatformID, p.Context.ContextID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	var out []*OutboxItem
	if prev.Granted(PurposeSurveys) {
		out, err = s.statement(out, XAPIEvent{Verb: VerbCancelled, Learner: p.Learner, PlatformID: p.PlatformID,
			ContextID: p.Context.ContextID, Lang: prev.Lang, At: now})
		if err != nil {
			return err
		}
	}
	dropStanding(ctx)
	return s.Store.Withdraw(ctx, p.Learner, p.PlatformID, p.Context.ContextID, now, out...)
}

// errReservedInstrument refuses a custom instrument that would replace a
// built-in one.
var errReservedInstrument = errors.New("instrument id reserved for a built-in instrument")

// AddCustom validates and stores an uploaded instrument definition. A
// definition equal to the newest stored version is not stored again
// (added false). A changed one becomes a new version, numbered after the
// newest, so answers given under earlier versions keep their text.
func (s *Surveys) AddCustom(ctx context.Context, data []byte) (*Instrument, bool, error) {
	in, err := ParseInstrument(data)
	if err != nil {
		return nil, false, err
	}
	newest, err := s.Store.Instrument(ctx, in.ID, 0)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, false, err
	case newest.Builtin:
		return nil, false, fmt.Errorf("instrument %s: %w", in.ID, errReservedInstrument)
	default:
		prev, _, err := s.Instrument(ctx, newest.ID, newest.Version)
		if err != nil {
			return nil, false, err
		}
		in.Version = prev.Version // compare content, not the number the file claims
		if same, _ := json.Marshal(in); string(same) == string(newest.Definition) {
			return prev, false, nil
		}
		in.Version = newest.Version + 1
	}
	def, err := json.Marshal(in)
	if err != nil {
		return nil, false, err
	}
	err = s.Store.SaveInstrument(ctx, &StoredInstrument{ID: in.ID, Version: in.Version, Definition: def, CreatedAt: s.Now().UTC()})
	if err != nil {
		return nil, false, fmt.Errorf("store instrument %s v%d: %w", in.ID, in.Version, err)
	}
	forgetNewest(ctx, in.ID) // the rest of the request sees the new version
	return in, true, nil
}
