package tracker

import (
	"context"
	"time"
)

// ReportFilter selects what a report counts; zero fields select all.
type ReportFilter struct {
	PlatformID        int64
	ContextID         string // one course (with PlatformID)
	InstrumentID      string
	InstrumentVersion int
	// From and To bound the period: responses started, and learners first
	// launched, in [From, To).
	From, To time.Time
	// Items limits the answers read to these item ids; nil reads all.
	Items []string
}

// ReportResponse is one response as reports read it: where it was given,
// its status, the purposes of its learner's current consent in the
// course, and its answers (those of ReportFilter.Items).
type ReportResponse struct {
	ID                int64
	Learner           string
	PlatformID        int64
	ContextID         string
	ContextTitle      string
	ActivityID        int64
	InstrumentID      string
	InstrumentVersion int
	Status            ResponseStatus
	StartedAt         time.Time
	CompletedAt       *time.Time
	// Purposes are those of the learner's newest consent record in the
	// course; empty when it was withdrawn or there is none.
	Purposes map[Purpose]bool
	Answers  map[string]Answer
}

// Participant is a learner who opened an activity of a course, with the
// purposes of their current consent there.
type Participant struct {
	PlatformID    int64
	ContextID     string
	Learner       string
	FirstLaunchAt time.Time
	Purposes      map[Purpose]bool
}

// CourseRef names a course that has activities.
type CourseRef struct {
	PlatformID int64
	Issuer     string
	ContextID  string
	Title      string
}

// ReportStore is what reports need from persistence. Each method reads
// one snapshot.
type ReportStore interface {
	// ReportResponses calls fn with every response the filter selects,
	// ordered by platform, course and learner, so that a caller can
	// aggregate one course at a time. fn's argument is reused only after
	// fn returns; an error from fn stops the walk and is returned.
	ReportResponses(ctx context.Context, f ReportFilter, fn func(*ReportResponse) error) error
	// ReportParticipants calls fn with every learner who opened an
	// activity of the selected courses (first launch in the period), in
	// the same order as ReportResponses.
	ReportParticipants(ctx context.Context, f ReportFilter, fn func(*Participant) error) error
	// ReportCourses lists the courses that have activities, by platform
	// and course id; PlatformID and ContextID of f narrow it.
	ReportCourses(ctx context.Context, f ReportFilter) ([]CourseRef, error)
	// CachedReport loads figures cached under key, computed at or after
	// notBefore. ErrNotFound when there are none that fresh. A
	// withdrawal empties the cache (SurveyStore.Withdraw).
	CachedReport(ctx context.Context, key string, notBefore time.Time) ([]byte, time.Time, error)
	// SaveCachedReport stores figures under key, replacing older ones.
	SaveCachedReport(ctx context.Context, key string, data []byte, at time.Time) error
}
