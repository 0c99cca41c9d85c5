package tracker

import (
	"context"
	"time"
)

// OutboxStatus is where an outbox item is in its delivery.
type OutboxStatus string

// Outbox statuses.
const (
	OutboxPending   OutboxStatus = "pending"   // waiting for its next attempt
	OutboxDelivered OutboxStatus = "delivered" // the receiver accepted it
	OutboxFailed    OutboxStatus = "failed"    // refused for good; LastError says why
)

// OutboxItem is one message ASTRE owes to someone outside (a score to a
// gradebook, a mail, an xAPI statement). It is committed in the same
// transaction as the change that caused it, and delivered by the Outbox
// worker of whichever instance claims it first.
type OutboxItem struct {
	ID int64
	// Kind picks the Sender ("score", "mail", "xapi").
	Kind string
	// Key identifies the item within its kind. Enqueuing an existing key
	// replaces its payload: a newer score for the same learner and line
	// item supersedes one not yet delivered, so at most one is in flight.
	Key        string
	ActivityID int64  // 0 when the item is not about an activity
	Learner    string // pseudonym; "" when not about one learner
	Payload    []byte // JSON the Sender of Kind understands
	// Revision counts the enqueues of Key; an attempt on an older revision
	// cannot mark a newer payload delivered.
	Revision    int
	Status      OutboxStatus
	Attempts    int
	NextAt      time.Time // due from then on, while pending
	LastError   string    // the newest failure, for operators and instructors
	CreatedAt   time.Time
	UpdatedAt   time.Time
	DeliveredAt *time.Time
}

// OutboxAttempt is the outcome of one delivery attempt of a claimed item.
type OutboxAttempt struct {
	ID       int64
	Revision int
	Owner    string
	Status   OutboxStatus // Delivered, Failed, or Pending to retry at NextAt
	NextAt   time.Time
	Error    string
	At       time.Time
}

// OutboxFilter selects outbox items for a view; zero fields select all.
type OutboxFilter struct {
	ID         int64
	Kind       string
	ActivityID int64
	Learner    string
	Status     OutboxStatus
	Limit      int // 0: no limit
	Offset     int // items skipped before the first listed; only with a Limit
}

// OutboxStore is what the outbox needs from persistence. Each method is
// one transaction. Stores also take items with the writes that cause
// them (SaveResponse), so a change and its message commit together.
type OutboxStore interface {
	// Enqueue inserts each item, or, when its (Kind, Key) exists, replaces
	// its payload, activity and learner, bumps its Revision and makes it
	// pending again from item.NextAt with no attempts counted. Sets ID,
	// Revision and Status.
	Enqueue(ctx context.Context, items ...*OutboxItem) error
	// ClaimOutbox leases up to limit pending items of the given kinds,
	// due at now and not leased by anyone else, to owner until now+lease,
	// earliest due first, and counts the attempt. Items still leased to
	// owner itself are claimed again.
	ClaimOutbox(ctx context.Context, kinds []string, owner string, now time.Time, lease time.Duration, limit int) ([]OutboxItem, error)
	// FinishOutbox records an attempt's outcome and releases the lease.
	// ErrConflict when the owner lost the lease or the item was enqueued
	// again meanwhile: the item then stays as it is, due for the newer
	// payload.
	FinishOutbox(ctx context.Context, a OutboxAttempt) error
	// ReleaseOutbox gives back owner's leases when the worker stops; the
	// attempts cut short stay counted, since they may have landed.
	ReleaseOutbox(ctx context.Context, owner string) error
	// OutboxItems lists items, newest first. ErrInvalid for an Offset
	// without a Limit.
	OutboxItems(ctx context.Context, f OutboxFilter) ([]OutboxItem, error)
	// OutboxCounts counts the items f selects by status; a status without
	// items is absent. Limit and Offset do not apply.
	OutboxCounts(ctx context.Context, f OutboxFilter) (map[OutboxStatus]int, error)
	// RetryOutbox makes a pending or failed item due at now. ErrNotFound
	// when absent, ErrConflict when it is delivered.
	RetryOutbox(ctx context.Context, id int64, now time.Time) error
}
