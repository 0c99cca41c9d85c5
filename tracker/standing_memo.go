package tracker

import (
	"context"
	"sync"
)

// A page inside a launch reads its session and the learner's standing in
// the session's activity with one statement (Store.LaunchStanding). The
// standing then waits in the request's context for the request's first
// look at that learner's standing in that activity, which takes it
// instead of asking the store. Later looks ask the store, and so does
// any look after the request changed the standing (a consent recorded or
// withdrawn, an activity created or saved): those writes drop it first.
// Nothing outlives the request.

// prefetchedStanding is the standing read with a request's session.
type prefetchedStanding struct {
	mu    sync.Mutex
	place placeKey
	st    *Standing // nil once taken or dropped
}

// placeKey names a learner in an activity.
type placeKey struct {
	learner         string
	platformID      int64
	contextID, link string
}

func (p Place) key() placeKey {
	return placeKey{p.Learner, p.PlatformID, p.Context.ContextID, p.Context.ResourceLinkID}
}

type prefetchedStandingKey struct{}

var ctxPrefetchedStanding prefetchedStandingKey

// withStanding keeps st, the standing read with the session sess, for the
// request's first look at it.
func withStanding(ctx context.Context, sess *LaunchSession, st *Standing) context.Context {
	return context.WithValue(ctx, ctxPrefetchedStanding, &prefetchedStanding{
		place: placeKey{sess.Learner, sess.PlatformID, sess.ContextID, sess.ResourceLinkID}, st: st})
}

// takeStanding returns the standing read with the session for p, once;
// nil when there is none, it was taken, or it is another place's.
func takeStanding(ctx context.Context, p Place) *Standing {
	pre, _ := ctx.Value(ctxPrefetchedStanding).(*prefetchedStanding)
	if pre == nil {
		return nil
	}
	pre.mu.Lock()
	defer pre.mu.Unlock()
	if pre.place != p.key() {
		return nil
	}
	st := pre.st
	pre.st = nil
	return st
}

// dropStanding forgets the standing read with the session: the request
// is about to change it.
func dropStanding(ctx context.Context) {
	if pre, _ := ctx.Value(ctxPrefetchedStanding).(*prefetchedStanding); pre != nil {
		pre.mu.Lock()
		pre.st = nil
		pre.mu.Unlock()
	}
}
