package main

import (
	"fmt"
	"runtime"
)

// signer runs the fake platform's RS256 signing, about a millisecond of
// CPU per id_token, on one goroutine locked to its own thread whose
// scheduling priority is lowered to nice.
//
// The load command's learners and its platform share one core. Signing
// in the learners' goroutines put every request the learners make behind
// the tokens being signed: a launch POST's latency then counted the load
// side's own wait for its CPU, which in a real course is the platform's
// machine and not the learners' browsers. On the low-priority thread the
// kernel runs the learners first, and whatever wait remains shows in the
// "auth (platform)" row, which is the platform's.
type signer struct {
	jobs chan func()
	done chan struct{}
	prev int // GOMAXPROCS before the signer's extra P
}

// startSigner starts the signing thread. The Go scheduler runs goroutines
// on a fixed number of threads (GOMAXPROCS, the cores the process may
// use); the signing thread holds one of them while it signs, so the
// learners get one more.
func startSigner(nice int) (*signer, error) {
	s := &signer{jobs: make(chan func()), done: make(chan struct{})}
	ready := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := lowerThreadPriority(nice); err != nil {
			ready <- err
			return
		}
		ready <- nil
		for sign := range s.jobs {
			sign()
			s.done <- struct{}{}
		}
	}()
	if err := <-ready; err != nil {
		return nil, fmt.Errorf("platform signing thread at nice %d: %w", nice, err)
	}
	s.prev = runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(s.prev + 1)
	return s, nil
}

// sign runs one token's signing on the signing thread and waits for it.
func (s *signer) sign(fn func()) {
	s.jobs <- fn
	<-s.done
}

// stop ends the signing thread and gives the scheduler back its threads.
func (s *signer) stop() {
	close(s.jobs)
	runtime.GOMAXPROCS(s.prev)
}
