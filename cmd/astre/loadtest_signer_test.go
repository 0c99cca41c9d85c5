//go:build linux

package main

import (
	"runtime"
	"syscall"
	"testing"
)

// TestSignerThreadPriority checks that the platform's signing runs on a
// thread at the nice value asked for, while the caller's thread keeps
// its own, and that stopping the signer gives back the scheduler's
// threads.
func TestSignerThreadPriority(t *testing.T) {
	// The kernel's getpriority answers 20 - nice.
	threadNice := func() int {
		p, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
		if err != nil {
			t.Fatal(err)
		}
		return 20 - p
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	own := threadNice()
	if own >= 19 {
		t.Skipf("the test runs at nice %d already", own)
	}
	procs := runtime.GOMAXPROCS(0)
	s, err := startSigner(19)
	if err != nil {
		t.Fatal(err)
	}
	if got := runtime.GOMAXPROCS(0); got != procs+1 {
		t.Errorf("GOMAXPROCS with the signer: %d, want %d", got, procs+1)
	}
	var signing int
	for range 3 {
		s.sign(func() { signing = threadNice() })
		if signing != 19 {
			t.Errorf("signed at nice %d, want 19", signing)
		}
	}
	if got := threadNice(); got != own {
		t.Errorf("the caller's thread went from nice %d to %d", own, got)
	}
	s.stop()
	if got := runtime.GOMAXPROCS(0); got != procs {
		t.Errorf("GOMAXPROCS after the signer: %d, want %d", got, procs)
	}
}
