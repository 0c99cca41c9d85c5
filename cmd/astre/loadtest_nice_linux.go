package main

import "syscall"

// lowerThreadPriority sets the calling thread's nice value (Linux
// schedules threads, so this touches no other thread of the process).
func lowerThreadPriority(nice int) error {
	return syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), nice)
}
