package tracker

import (
	"context"
	"time"
)

// Purpose is one consent purpose of DOMAIN.md, granted or refused on its own.
type Purpose string

// The consent purposes, in the order the consent page asks them.
const (
	PurposeSurveys   Purpose = "qa_surveys"       // answer the quality-assurance surveys
	PurposeLinkLMS   Purpose = "link_lms"         // link answers to LMS completion and grades
	PurposeFollowup  Purpose = "followup_contact" // be contacted by e-mail for the follow-up
	PurposeResearch  Purpose = "research"         // research use of de-identified data
	PurposeSensitive Purpose = "special_category" // answer the special-category (health) items
)

// Purposes lists every purpose in order.
var Purposes = []Purpose{PurposeSurveys, PurposeLinkLMS, PurposeFollowup, PurposeResearch, PurposeSensitive}

// Consent is one learner's consent decision for one course. A new decision
// (a new text version, a change) is a new record; the newest is current.
// A withdrawn record keeps only the proof: who, which text, when.
type Consent struct {
	ID             int64
	Learner        string // pseudonym
	PlatformID     int64
	ContextID      string
	DeploymentID   string
	ResourceLinkID string
	TextID         string // the consent instrument's id
	TextVersion    int
	TextHash       string // hex SHA-256 of the consent instrument definition
	Lang           string
	Purposes       map[Purpose]bool
	Method         string // how it was given, e.g. "lti-launch-form"
	CreatedAt      time.Time
	WithdrawnAt    *time.Time
}

// Granted reports whether p was granted and the consent not withdrawn.
func (c *Consent) Granted(p Purpose) bool {
	return c != nil && c.WithdrawnAt == nil && c.Purposes[p]
}

// Activity is one placement of ASTRE in a course (an LTI resource link)
// and the instructor's settings for it.
type Activity struct {
	ID             int64
	PlatformID     int64
	ContextID      string
	ResourceLinkID string
	ContextTitle   string
	Title          string
	InstrumentID   string // "" until chosen; the launch's custom instrument= or the entry profile
	Graded         bool   // completing (or declining) earns credit in the gradebook
	OpensAt        *time.Time
	ClosesAt       *time.Time
	// ShowRespondents lets the instructor see that a given learner answered.
	ShowRespondents bool
	// LineItem is the AGS line item the scores go to: the launch's
	// lineitem claim, or the one found or created for this resource link.
	LineItem  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// StoredInstrument is one version of an instrument definition as stored.
type StoredInstrument struct {
	ID         string
	Version    int
	Definition []byte // the JSON file, as parsed by ParseInstrument
	Builtin    bool
	CreatedAt  time.Time
}

// ResponseStatus is where a learner is in one activity's survey.
type ResponseStatus string

// Response statuses.
const (
	StatusInProgress ResponseStatus = "in_progress"
	StatusCompleted  ResponseStatus = "completed"
	StatusDeclined   ResponseStatus = "declined" // consent to the surveys refused: counts as done
)

// Response is one learner's answers to the instrument of one activity.
type Response struct {
	ID                int64
	Learner           string
	ActivityID        int64
	InstrumentID      string
	InstrumentVersion int
	Status            ResponseStatus
	Page              int // index of the page to show next
	Answers           map[string]Answer
	StartedAt         time.Time
	UpdatedAt         time.Time
	CompletedAt       *time.Time
}

// ResponseSummary is a response with where it was given, for "My data".
type ResponseSummary struct {
	Response
	ContextID     string
	ContextTitle  string
	ActivityTitle string
	PlatformID    int64
}

// Contact is the sealed name and e-mail of a learner who granted the
// follow-up contact purpose, per platform. Sealed is encrypted with the
// key-encryption key; the store never sees it in clear.
type Contact struct {
	Learner    string
	PlatformID int64
	Sealed     []byte
	UpdatedAt  time.Time
	// Confirmed is the keyed hash of the address the learner confirmed by
	// its link; ConfirmSent that of the address last sent a confirmation.
	// Compared with the sealed address, so a changed one is unconfirmed.
	Confirmed, ConfirmSent string
}

// Standing is what a learner page starts from.
type Standing struct {
	Activity       *Activity // nil: none yet
	Consent        *Consent  // the newest record, withdrawn or not; nil: none
	ConsentVersion int       // the newest version of the consent instrument
}

// SurveyStore is what consent and surveys need from persistence. Each
// method is one transaction.
type SurveyStore interface {
	// SaveConsent inserts a new consent record and sets its ID. The
	// outbox items out commit in the same transaction.
	SaveConsent(ctx context.Context, c *Consent, out ...*OutboxItem) error
	// Standing reads at once the activity at (platform, context, resource
	// link), the learner's newest consent record in the course and the
	// newest version of the consent instrument consentID. ErrNotFound
	// when that instrument is absent.
	Standing(ctx context.Context, learner string, platformID int64, contextID, resourceLinkID, consentID string) (*Standing, error)
	// CurrentConsent is the newest consent record of a learner in a course,
	// withdrawn or not. ErrNotFound when there is none.
	CurrentConsent(ctx context.Context, learner string, platformID int64, contextID string) (*Consent, error)
	// Consents lists a learner's consent records, newest first.
	Consents(ctx context.Context, learner string) ([]Consent, error)
	// Withdraw marks the learner's current consent in the course withdrawn,
	// clears its purposes, and deletes the learner's responses in the
	// course's activities and the learner's contact, all at once.
	// ErrNotFound when there is no consent to withdraw. The outbox items
	// out commit in the same transaction.
	Withdraw(ctx context.Context, learner string, platformID int64, contextID string, at time.Time, out ...*OutboxItem) error

	// EnsureActivity returns the activity of (platform, context, resource
	// link), creating it from a when absent; on an existing one it updates
	// ContextTitle and Title only.
	EnsureActivity(ctx context.Context, a *Activity) (*Activity, error)
	// ActivityAt loads the activity of (platform, context, resource link).
	// ErrNotFound when absent.
	ActivityAt(ctx context.Context, platformID int64, contextID, resourceLinkID string) (*Activity, error)
	// Activity loads an activity by id. ErrNotFound when absent.
	Activity(ctx context.Context, id int64) (*Activity, error)
	// SaveActivity stores an activity's settings.
	SaveActivity(ctx context.Context, a *Activity) error

	// SaveInstrument stores one instrument version. Storing the same
	// definition again is not an error; a different definition under an
	// existing (id, version) is ErrConflict.
	SaveInstrument(ctx context.Context, in *StoredInstrument) error
	// Instrument loads one version; version 0 means the newest.
	// ErrNotFound when absent.
	Instrument(ctx context.Context, id string, version int) (*StoredInstrument, error)
	// NewestVersion is the newest version number of an instrument, without
	// reading its definition. ErrNotFound when absent.
	NewestVersion(ctx context.Context, id string) (int, error)
	// Instruments lists the newest version of every instrument, by id.
	Instruments(ctx context.Context) ([]StoredInstrument, error)
	// InstrumentInUse reports whether any response or consent was given
	// under this instrument version (then it is frozen).
	InstrumentInUse(ctx context.Context, id string, version int) (bool, error)

	// Response loads the learner's response in an activity, answers
	// included. ErrNotFound when there is none.
	Response(ctx context.Context, learner string, activityID int64) (*Response, error)
	// SaveResponse creates or updates the learner's response in the
	// activity: status, page, timestamps, and the answers to the given
	// item ids (an item in itemIDs without an entry in r.Answers is
	// deleted). Concurrent saves are serialized; each is atomic. The
	// follow-up waves of then (nil: none) and the outbox items out commit
	// in the same transaction. Sets r.ID.
	SaveResponse(ctx context.Context, r *Response, itemIDs []string, then *FollowupSchedule, out ...*OutboxItem) error
	// LearnerResponses lists every response of a learner with where it
	// was given, answers included, oldest first.
	LearnerResponses(ctx context.Context, learner string) ([]ResponseSummary, error)

	// SaveContact inserts or replaces a learner's sealed contact.
	SaveContact(ctx context.Context, c *Contact) error
	// Contact loads it. ErrNotFound when absent.
	Contact(ctx context.Context, learner string, platformID int64) (*Contact, error)
	// DeleteContact removes it; absent is not an error.
	DeleteContact(ctx context.Context, learner string, platformID int64) error
}
