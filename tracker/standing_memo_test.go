package tracker

import (
	"context"
	"testing"
)

// TestPrefetchedStanding: the standing read with the session serves the
// first look at that place only, not another place's, and not after a
// write dropped it.
func TestPrefetchedStanding(t *testing.T) {
	sess := &LaunchSession{Learner: "L1", PlatformID: 1, ContextID: "course", ResourceLinkID: "link"}
	here := Place{Learner: "L1", PlatformID: 1, Context: &LaunchContext{ContextID: "course", ResourceLinkID: "link"}}
	st := &Standing{ConsentVersion: 3}

	if got := takeStanding(context.Background(), here); got != nil {
		t.Errorf("without a session's standing: got %+v, want nil", got)
	}
	ctx := withStanding(context.Background(), sess, st)
	for _, other := range []Place{
		{Learner: "L2", PlatformID: 1, Context: here.Context},
		{Learner: "L1", PlatformID: 2, Context: here.Context},
		{Learner: "L1", PlatformID: 1, Context: &LaunchContext{ContextID: "course", ResourceLinkID: "other"}},
		{Learner: "L1", PlatformID: 1, Context: &LaunchContext{ContextID: "other", ResourceLinkID: "link"}},
	} {
		if got := takeStanding(ctx, other); got != nil {
			t.Errorf("another place %+v %+v: got %+v, want nil", other, other.Context, got)
		}
	}
	if got := takeStanding(ctx, here); got != st {
		t.Errorf("first look: got %+v, want the session's standing", got)
	}
	if got := takeStanding(ctx, here); got != nil {
		t.Errorf("second look: got %+v, want nil (read again)", got)
	}

	ctx = withStanding(context.Background(), sess, st)
	dropStanding(ctx)
	if got := takeStanding(ctx, here); got != nil {
		t.Errorf("after a write: got %+v, want nil (read again)", got)
	}
	dropStanding(context.Background()) // nothing to drop: no effect
}
