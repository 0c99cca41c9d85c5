package tracker

import (
	"context"
	"time"
)

// FollowupPlan is when an activity's follow-up waves go out: each wave
// a number of months after the learner's completion of the activity, or
// after the course end when the instructor set one.
type FollowupPlan struct {
	ActivityID int64
	Enabled    bool
	Waves      []int         // months after the base, ascending
	Reminder   time.Duration // after the invitation, when unanswered; 0: none
	CourseEnd  *time.Time    // the base of every learner's waves when set
	UpdatedAt  time.Time
}

// WaveState is where one learner's wave stands.
type WaveState string

// Wave states.
const (
	WaveScheduled WaveState = "scheduled" // waiting for its due time
	WaveInvited   WaveState = "invited"   // the invitation is queued or sent
	WaveSkipped   WaveState = "skipped"   // due with nobody to write to: no consent or no confirmed address
)

// FollowupSchedule is the waves of some learners of an activity: each
// wave not yet stored is inserted and each stored one still scheduled
// gets the new due time; scheduled waves of the same learners whose
// number is not in Keep are deleted.
type FollowupSchedule struct {
	Waves []FollowupWave
	Keep  []int
}

// FollowupWave is one learner's wave of one activity.
type FollowupWave struct {
	ID         int64
	ActivityID int64
	Learner    string
	Wave       int // months after the base
	BaseAt     time.Time
	DueAt      time.Time
	State      WaveState
	Note       string // why a wave was skipped
	// WaveActivityID is the activity the wave's survey is answered in,
	// set when the invitation goes; 0 before.
	WaveActivityID int64
	InvitedAt      *time.Time
	RemindAt       *time.Time // the reminder is due then, unless answered
	RemindedAt     *time.Time
	StoppedAt      *time.Time // the learner unsubscribed or withdrew
}

// Completion is a learner's completion of an activity: the base of the
// learner's follow-up waves.
type Completion struct {
	Learner     string
	CompletedAt time.Time
}

// WaveCounts are the instructor's figures for one wave of an activity.
type WaveCounts struct {
	Wave         int
	Scheduled    int
	Invited      int
	Reminded     int
	Answered     int
	Unsubscribed int
	Failed       int // mails refused for good or given up on
}

// FollowupStore is what the follow-up needs from persistence, beyond the
// surveys. Each method is one transaction.
type FollowupStore interface {
	// FollowupPlan loads an activity's stored plan. ErrNotFound when the
	// instructor never saved one.
	FollowupPlan(ctx context.Context, activityID int64) (*FollowupPlan, error)
	// SaveFollowupPlan inserts or replaces an activity's plan.
	SaveFollowupPlan(ctx context.Context, p *FollowupPlan) error
	// Completions lists the completed responses of an activity.
	Completions(ctx context.Context, activityID int64) ([]Completion, error)
	// ScheduleFollowups applies a schedule to the activity's waves.
	ScheduleFollowups(ctx context.Context, activityID int64, s *FollowupSchedule) error
	// DueFollowups lists up to limit scheduled, unstopped waves due at
	// now, earliest first.
	DueFollowups(ctx context.Context, now time.Time, limit int) ([]FollowupWave, error)
	// DueReminders lists up to limit invited, unstopped waves whose
	// reminder is due at now, earliest first.
	DueReminders(ctx context.Context, now time.Time, limit int) ([]FollowupWave, error)
	// FollowupWave loads one wave. ErrNotFound when absent.
	FollowupWave(ctx context.Context, id int64) (*FollowupWave, error)
	// InviteFollowup marks a scheduled wave invited at w.InvitedAt with
	// w.RemindAt and w.WaveActivityID, and enqueues item with it.
	// ErrConflict when the wave is no longer scheduled or was stopped:
	// another instance invited it, and nothing is enqueued.
	InviteFollowup(ctx context.Context, w *FollowupWave, item *OutboxItem) error
	// SkipFollowup marks a scheduled wave skipped with a note.
	SkipFollowup(ctx context.Context, id int64, note string) error
	// RemindFollowup clears the wave's due reminder and, with item, marks
	// it reminded at and enqueues item. ErrConflict when the reminder was
	// no longer due (done by another instance, or the wave stopped).
	RemindFollowup(ctx context.Context, id int64, at time.Time, item *OutboxItem) error
	// Unsubscribe saves c, the learner's new consent record in its
	// course, deletes the learner's contact on the platform, and stops
	// every wave of the learner in the course's activities, at once.
	Unsubscribe(ctx context.Context, c *Consent) error
	// FollowupCounts sums an activity's waves, by wave.
	FollowupCounts(ctx context.Context, activityID int64) ([]WaveCounts, error)

	// RequestConfirmation records that a confirmation mail is queued for
	// the address whose keyed hash is addr and enqueues item, unless one
	// was queued for that address already (then it returns false). With
	// force it is queued again.
	RequestConfirmation(ctx context.Context, learner string, platformID int64, addr string, force bool, item *OutboxItem) (bool, error)
	// ConfirmContact records addr as the learner's confirmed address.
	// ErrNotFound when the learner has no contact.
	ConfirmContact(ctx context.Context, learner string, platformID int64, addr string) error
}
