package tracker

import (
	"context"
	"time"
)

// Roster is a course's membership from the platform (NRPS), kept as the
// pseudonyms of its active learners only: no names, no e-mails.
type Roster struct {
	PlatformID int64
	ContextID  string
	Learners   []string
	// Refusal is the platform's reason when it would not give the roster
	// (Open edX above 1000 learners); Learners is then empty.
	Refusal   string
	FetchedAt time.Time
}

// LearnerProgress is where one learner who opened an activity stands.
type LearnerProgress struct {
	Learner       string
	FirstLaunchAt time.Time
	Consented     bool           // the current consent in the course grants the surveys
	Status        ResponseStatus // "" when no answer was saved yet
}

// RosterStore is what the roster and the response funnel need from
// persistence. Each method is one transaction.
type RosterStore interface {
	// SeeLearner records that the learner opened the activity; seeing
	// them again changes nothing.
	SeeLearner(ctx context.Context, activityID int64, learner string, at time.Time) error
	// ActivityProgress lists every learner who opened the activity, by
	// first launch.
	ActivityProgress(ctx context.Context, activityID int64) ([]LearnerProgress, error)
	// CourseActivities lists the activities of a course, oldest first.
	CourseActivities(ctx context.Context, platformID int64, contextID string) ([]Activity, error)
	// SaveRoster inserts or replaces a course's roster.
	SaveRoster(ctx context.Context, r *Roster) error
	// Roster loads a course's roster. ErrNotFound when never fetched.
	Roster(ctx context.Context, platformID int64, contextID string) (*Roster, error)
	// SetLineItem records the line item an activity's scores go to.
	// ErrNotFound when the activity is absent.
	SetLineItem(ctx context.Context, activityID int64, lineItem string) error
}
