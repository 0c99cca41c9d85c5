//go:build !linux

package main

import (
	"fmt"
	"runtime"
)

// lowerThreadPriority needs Linux, where a thread has its own nice value.
func lowerThreadPriority(int) error {
	return fmt.Errorf("a thread's own priority is not implemented on %s; use --platform-nice 0", runtime.GOOS)
}
