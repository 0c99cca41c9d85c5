package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// recorder collects, from every worker, the latency of each step and the
// failed flows by kind.
type recorder struct {
	mu     sync.Mutex
	order  []string // steps in the order first seen, for the report
	steps  map[string][]time.Duration
	errors map[string]int
	flows  int // flows that went through every step
}

func newRecorder() *recorder {
	return &recorder{steps: map[string][]time.Duration{}, errors: map[string]int{}}
}

func (r *recorder) step(name string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.steps[name]; !ok {
		r.order = append(r.order, name)
	}
	r.steps[name] = append(r.steps[name], d)
}

func (r *recorder) fail(kind string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors[kind] += n
}

func (r *recorder) flowDone() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.flows++
}

func (r *recorder) completed() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.flows
}

// writeSteps prints count, p50, p90, p99 and max of each step.
func (r *recorder) writeSteps(w io.Writer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tcount\tp50\tp90\tp99\tmax\t")
	for _, name := range r.order {
		ds := slices.Clone(r.steps[name])
		slices.Sort(ds)
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t\n", name, len(ds),
			ms(percentile(ds, 0.50)), ms(percentile(ds, 0.90)), ms(percentile(ds, 0.99)), ms(ds[len(ds)-1]))
	}
	return tw.Flush()
}

// writeErrors prints the failed flows by kind, most frequent first.
func (r *recorder) writeErrors(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errors) == 0 {
		fmt.Fprintln(w, "errors: none")
		return
	}
	kinds := make([]string, 0, len(r.errors))
	total := 0
	for k, n := range r.errors {
		kinds = append(kinds, k)
		total += n
	}
	slices.SortFunc(kinds, func(a, b string) int { return r.errors[b] - r.errors[a] })
	fmt.Fprintf(w, "errors: %d\n", total)
	for _, k := range kinds {
		fmt.Fprintf(w, "  %6d  %s\n", r.errors[k], k)
	}
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + " ms"
}

// userHZ is the unit of utime and stime in /proc/PID/stat: USER_HZ, 100
// on every Linux architecture Go runs on.
const userHZ = 100

// procSample is what /proc tells of a process at one moment.
type procSample struct {
	cpu time.Duration // utime + stime of all its threads, dead or alive
	rss int64         // VmRSS, bytes
	hwm int64         // VmHWM, bytes: the peak RSS since the process started
}

// readProc reads /proc/PID/stat and /proc/PID/status (Linux only).
func readProc(pid int) (procSample, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procSample{}, fmt.Errorf("server cpu: %w", err)
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis, where field 3 (state) comes first.
	i := strings.LastIndexByte(string(stat), ')')
	fields := strings.Fields(string(stat[i+1:]))
	if i < 0 || len(fields) < 13 {
		return procSample{}, fmt.Errorf("server cpu: /proc/%d/stat has an unknown layout", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return procSample{}, fmt.Errorf("server cpu: /proc/%d/stat: utime %q, stime %q", pid, fields[11], fields[12])
	}
	s := procSample{cpu: time.Duration(utime+stime) * time.Second / userHZ}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procSample{}, fmt.Errorf("server memory: %w", err)
	}
	for line := range strings.Lines(string(status)) {
		name, value, _ := strings.Cut(line, ":")
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		switch {
		case err != nil:
		case name == "VmRSS":
			s.rss = kb << 10
		case name == "VmHWM":
			s.hwm = kb << 10
		}
	}
	return s, nil
}

// sampleRSS reads pid's VmRSS every interval until ctx ends and returns
// the largest seen: the peak during the load, which VmHWM (counted from
// the process's start) cannot tell apart from earlier peaks.
func sampleRSS(ctx context.Context, pid int, interval time.Duration) int64 {
	var peak int64
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if s, err := readProc(pid); err == nil {
			peak = max(peak, s.rss)
		}
		select {
		case <-ctx.Done():
			return peak
		case <-t.C:
		}
	}
}

func mb(bytes int64) string {
	return strconv.FormatFloat(float64(bytes)/(1<<20), 'f', 1, 64) + " MB"
}
