//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package main

import (
	"fmt"
	"runtime"
)

// lockDataDir cannot lock on this system: a server runs without the
// lock, and a restore, which must know that no server runs, refuses.
func lockDataDir(dir string, exclusive bool) (unlock func(), err error) {
	if !exclusive {
		return func() {}, nil
	}
	return nil, fmt.Errorf("restore needs a file lock, which ASTRE does not implement on %s", runtime.GOOS)
}

// lockOutboxOwner cannot prove a name free without a file lock: the
// outbox picks a random owner name and a crashed server's leases run out.
func lockOutboxOwner(dir string) (owner string, unlock func()) { return "", func() {} }
