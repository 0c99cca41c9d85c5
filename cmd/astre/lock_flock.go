//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDataDir takes an advisory lock on DATA_DIR/astre.lock: shared for a
// server (several may serve one data dir), exclusive for a restore, so
// that a restore never replaces a database a server has open, and a
// server never starts in the middle of a restore. It never waits:
// errDataDirBusy says the other kind is held. The lock goes with the
// process, also when it is killed.
func lockDataDir(dir string, exclusive bool) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, "astre.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errDataDirBusy
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

// outboxSlots bounds how many servers on one data dir get a stable
// outbox owner name; more still serve, with a random name.
const outboxSlots = 16

// lockOutboxOwner takes the first free DATA_DIR/outbox-N.lock and returns
// its stable outbox owner name. Holding the lock proves that no live
// process has that name, so the outbox may take back at once the leases
// a killed server of the same slot left behind, instead of waiting them
// out. "" when every slot is held: the outbox then picks a random name.
func lockOutboxOwner(dir string) (owner string, unlock func()) {
	for n := 1; n <= outboxSlots; n++ {
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("outbox-%d.lock", n)), os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return "", func() {}
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			continue
		}
		return fmt.Sprintf("astre-slot-%d", n), func() { f.Close() }
	}
	return "", func() {}
}
