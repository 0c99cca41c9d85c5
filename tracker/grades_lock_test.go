package tracker

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLineItemLocksExclusiveAndPruned(t *testing.T) {
	var (
		l      lineItemLocks
		inside [3]atomic.Int32 // callers inside each activity's lock
		wg     sync.WaitGroup
	)
	for i := 0; i < 60; i++ {
		activity := int64(i % 3)
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock := l.lock(activity)
			defer unlock()
			if n := inside[activity].Add(1); n != 1 {
				t.Errorf("activity %d: %d callers hold its lock at once, want 1", activity, n)
			}
			time.Sleep(time.Millisecond) // let the others queue up behind it
			inside[activity].Add(-1)
		}()
	}
	wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.locks) != 0 {
		t.Errorf("after every caller finished: %d activities still have a lock entry, want 0", len(l.locks))
	}
}
