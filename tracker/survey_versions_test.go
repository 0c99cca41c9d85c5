package tracker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/astre-lti/astre/tracker"
)

// countingStore counts the newest-version reads that reach the store.
type countingStore struct {
	tracker.SurveyStore
	newest int
}

func (c *countingStore) NewestVersion(ctx context.Context, id string) (int, error) {
	c.newest++
	return c.SurveyStore.NewestVersion(ctx, id)
}

// TestNewestVersionOncePerRequest checks that a request's context asks
// the store for an instrument's newest version once, that a context
// without it asks every time, and that a version added within the
// request is seen by the rest of it.
func TestNewestVersionOncePerRequest(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	st := &countingStore{SurveyStore: openStore(t, clk.Now)}
	s := &tracker.Surveys{Store: st, Now: clk.Now}
	if err := s.InstallBuiltins(ctx); err != nil {
		t.Fatal(err)
	}

	for range 3 {
		if _, _, err := s.Instrument(ctx, tracker.ConsentInstrumentID, 0); err != nil {
			t.Fatal(err)
		}
	}
	if st.newest != 3 {
		t.Errorf("without a request context: %d newest-version reads for 3 lookups, want 3", st.newest)
	}

	st.newest = 0
	req := tracker.WithNewestVersions(ctx)
	for range 3 {
		if _, _, err := s.Instrument(req, tracker.ConsentInstrumentID, 0); err != nil {
			t.Fatal(err)
		}
	}
	if st.newest != 1 {
		t.Errorf("within a request: %d newest-version reads for 3 lookups, want 1", st.newest)
	}

	if _, _, err := s.AddCustom(req, customDefinition("One")); err != nil {
		t.Fatal(err)
	}
	if in, _, err := s.Instrument(req, "mine", 0); err != nil || in.Version != 1 {
		t.Fatalf("first upload: %v %v", in, err)
	}
	if _, added, err := s.AddCustom(req, customDefinition("Two")); err != nil || !added {
		t.Fatalf("second upload: added %v, %v", added, err)
	}
	in, _, err := s.Instrument(req, "mine", 0)
	if err != nil || in.Version != 2 || !strings.Contains(in.Pages[0].Items[0].Label.In("en"), "Two") {
		t.Errorf("after a new version within the request: got %+v, %v; want version 2", in, err)
	}
}
