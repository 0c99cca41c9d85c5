package tracker

import "sync"

// lineItemLocks is one lock per activity, held while the activity's line
// item is found or created. An activity's entry lives only while some
// caller holds or waits for its lock, so the map stays as small as the
// deliveries in flight instead of growing with every graded activity.
type lineItemLocks struct {
	mu    sync.Mutex
	locks map[int64]*lineItemLock
}

type lineItemLock struct {
	sync.Mutex
	users int // callers holding or waiting for it; guarded by lineItemLocks.mu
}

// lock waits for the lock of activityID and returns what releases it.
func (l *lineItemLocks) lock(activityID int64) (unlock func()) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = make(map[int64]*lineItemLock)
	}
	e := l.locks[activityID]
	if e == nil {
		e = &lineItemLock{}
		l.locks[activityID] = e
	}
	// Counted before waiting: an entry someone waits for is never dropped,
	// so two callers cannot end up holding two different locks of one
	// activity.
	e.users++
	l.mu.Unlock()

	e.Lock()
	return func() {
		e.Unlock()
		l.mu.Lock()
		e.users--
		if e.users == 0 {
			delete(l.locks, activityID)
		}
		l.mu.Unlock()
	}
}
