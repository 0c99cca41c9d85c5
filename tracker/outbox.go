package tracker

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/astre-lti/astre/lti"
)

// Sender delivers the outbox items of one kind. It returns nil once the
// receiver accepted the item, Permanent(err) when retrying cannot help,
// and any other error to be retried with backoff (RetryAfter(err, d) when
// the receiver said when).
type Sender interface {
	Send(ctx context.Context, it *OutboxItem) error
}

// SenderFunc adapts a function to Sender.
type SenderFunc func(ctx context.Context, it *OutboxItem) error

// Send calls f.
func (f SenderFunc) Send(ctx context.Context, it *OutboxItem) error { return f(ctx, it) }

// permanentError marks a delivery refused for good.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as a refusal that retrying cannot change.
func Permanent(err error) error { return &permanentError{err} }

// retryAfterError carries the receiver's own Retry-After.
type retryAfterError struct {
	err   error
	after time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// RetryAfter marks err as retryable no sooner than after.
func RetryAfter(err error, after time.Duration) error { return &retryAfterError{err, after} }

// Outbox delivers the items of the OutboxStore through their kind's
// Sender. Every instance may run one: items are leased in the database,
// so each is attempted by one instance at a time, and a crashed
// instance's leases run out and are taken over.
type Outbox struct {
	Store   OutboxStore
	Senders map[string]Sender
	// Owner is this instance's lease name; random when empty. An owner
	// claims the items still leased to its name at once: give a name to
	// one running worker at a time, and a restart after a crash resumes
	// the crashed worker's deliveries without waiting out its leases.
	Owner string
	Now   func() time.Time
	Log   zerolog.Logger

	Lease       time.Duration // how long a claim lasts (default 2 minutes)
	Poll        time.Duration // how often to look for due items (default 1 second)
	Batch       int           // items attempted at once (default 8)
	MinBackoff  time.Duration // first retry delay (default 2 seconds)
	MaxBackoff  time.Duration // longest retry delay (default 1 hour)
	MaxAttempts int           // then the item fails for good (default 40: about a day and a half)

	once sync.Once
	wake chan struct{}
}

func (o *Outbox) init() {
	o.once.Do(func() {
		if o.Owner == "" {
			o.Owner = "astre-" + lti.RandomToken()[:12]
		}
		if o.Now == nil {
			o.Now = time.Now
		}
		if o.Lease <= 0 {
			o.Lease = 2 * time.Minute
		}
		if o.Poll <= 0 {
			o.Poll = time.Second
		}
		if o.Batch <= 0 {
			o.Batch = 8
		}
		if o.MinBackoff <= 0 {
			o.MinBackoff = 2 * time.Second
		}
		if o.MaxBackoff <= 0 {
			o.MaxBackoff = time.Hour
		}
		if o.MaxAttempts <= 0 {
			o.MaxAttempts = 40
		}
		o.wake = make(chan struct{}, 1)
	})
}

// Wake asks the worker of this instance to look for due items now rather
// than at its next poll: a completion's score leaves at once.
func (o *Outbox) Wake() {
	o.init()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Run delivers due items until ctx ends, then gives back its leases.
func (o *Outbox) Run(ctx context.Context) error {
	o.init()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			// The parent context is gone; give the leases back on a fresh one.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			return o.Store.ReleaseOutbox(rctx, o.Owner)
		case <-timer.C:
		case <-o.wake:
		}
		for {
			n, err := o.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				o.Log.Error().Err(err).Msg("outbox")
			}
			if n < o.Batch || err != nil || ctx.Err() != nil {
				break // nothing more due now
			}
		}
		timer.Reset(o.Poll)
	}
}

// RunOnce claims one batch of due items, attempts them concurrently and
// records each outcome. It returns how many it claimed.
func (o *Outbox) RunOnce(ctx context.Context) (int, error) {
	o.init()
	kinds := make([]string, 0, len(o.Senders))
	for k := range o.Senders {
		kinds = append(kinds, k)
	}
	items, err := o.Store.ClaimOutbox(ctx, kinds, o.Owner, o.Now().UTC(), o.Lease, o.Batch)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for i := range items {
		wg.Go(func() { o.attempt(ctx, &items[i]) })
	}
	wg.Wait()
	return len(items), nil
}

// attempt delivers one claimed item and records the outcome.
func (o *Outbox) attempt(ctx context.Context, it *OutboxItem) {
	sctx, cancel := context.WithTimeout(ctx, o.Lease/2)
	err := o.Senders[it.Kind].Send(sctx, it)
	cancel()
	if ctx.Err() != nil {
		return // stopping: the lease is given back; the attempt stays counted, it may have landed
	}
	now := o.Now().UTC()
	a := OutboxAttempt{ID: it.ID, Revision: it.Revision, Owner: o.Owner, Status: OutboxDelivered, NextAt: now, At: now}
	log := o.Log.With().Str("kind", it.Kind).Int64("item", it.ID).Int64("activity", it.ActivityID).
		Str("learner", it.Learner).Int("attempt", it.Attempts).Logger()
	var perm *permanentError
	switch {
	case err == nil:
		log.Info().Msg("outbox item delivered")
	case errors.As(err, &perm):
		a.Status, a.Error = OutboxFailed, err.Error()
		log.Warn().Err(err).Msg("outbox item refused for good")
	case it.Attempts >= o.MaxAttempts:
		a.Status, a.Error = OutboxFailed, fmt.Sprintf("%s %d attempts: %v", gaveUpWords, it.Attempts, err)
		log.Error().Err(err).Msg("outbox item given up")
	default:
		a.Status, a.Error = OutboxPending, err.Error()
		a.NextAt = now.Add(o.backoff(it.Attempts, err))
		log.Warn().Err(err).Time("next", a.NextAt).Msg("outbox item to retry")
	}
	if err := o.Store.FinishOutbox(ctx, a); err != nil && !errors.Is(err, ErrConflict) {
		log.Error().Err(err).Msg("outbox record attempt")
	}
}

// gaveUpWords begin the error recorded when the worker gives up.
const gaveUpWords = "gave up after"

// backoff is the delay before the next attempt: exponential in the
// attempts made, with full jitter over its upper half so that items that
// failed together do not return together, and never sooner than the
// receiver's Retry-After.
func (o *Outbox) backoff(attempts int, err error) time.Duration {
	d := o.MinBackoff
	for i := 1; i < attempts && d < o.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, o.MaxBackoff)
	d = d/2 + rand.N(d/2+1)
	var ra *retryAfterError
	if errors.As(err, &ra) && ra.after > d {
		d = ra.after
	}
	return d
}
