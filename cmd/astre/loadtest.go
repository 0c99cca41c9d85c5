package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/astre-lti/astre/lti/ltitest"
	"github.com/astre-lti/astre/tracker"
)

// loadOptions are the flags of `astre loadtest`.
type loadOptions struct {
	target       string
	concurrency  int
	duration     time.Duration
	survey       bool
	instrument   string
	followup     bool
	serverPID    int
	registerLink string
	cpuprofile   string
	platformNice int
}

// Bounds of a load test: it is a measuring tool for one's own server on
// one's own machine, not a flood.
const (
	maxConcurrency = 1024
	maxDuration    = time.Hour
	// scoreWait is how long the load test waits, after the last flow,
	// for the scores of the completed surveys to reach the platform.
	scoreWait = 15 * time.Second
)

// loadtest plays a Moodle-like platform (lti/ltitest, RS256) against a
// running ASTRE on this machine: it registers the platform by Dynamic
// Registration, then runs flows from concurrency workers for duration
// and prints what it measured.
func loadtest(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, s, err := newFlags("loadtest", getenv, stderr)
	if err != nil {
		return err
	}
	var o loadOptions
	fs.StringVar(&o.target, "target", "", "base URL of the running ASTRE, on this machine (http://127.0.0.1:8080)")
	fs.IntVar(&o.concurrency, "concurrency", 8, "workers, each running one flow after another")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long workers start new flows")
	fs.BoolVar(&o.survey, "survey", false, "after the launch, grant consent and answer every page of the survey (graded: a score is queued)")
	fs.StringVar(&o.instrument, "instrument", tracker.DefaultInstrumentID, "built-in instrument the survey flows answer: entry (the entry profile, 6 pages), exit (the exit evaluation, 3 pages), ...")
	fs.BoolVar(&o.followup, "followup", false, "the survey flows' consent also grants the follow-up contact, which sends each learner a confirmation mail")
	fs.IntVar(&o.serverPID, "server-pid", 0, "process id of the server, to report its CPU time per flow and its memory (Linux /proc)")
	fs.IntVar(&o.platformNice, "platform-nice", 19, "the fake platform signs id_tokens on its own thread at this nice value (1 to 19; Linux), so that its signing does not delay the learners' requests; 0: sign in the learners' goroutines")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the load test itself to this new file (off by default)")
	fs.StringVar(&o.registerLink, "register-link", "", "one-time link from `astre platform register-link`; default: one made in --data-dir")
	if err := parseFlags(fs, s, args); err != nil {
		return err
	}
	if err := o.check(); err != nil {
		return err
	}
	if o.cpuprofile != "" {
		stop, err := startCPUProfile(o.cpuprofile)
		if err != nil {
			return err
		}
		defer func() {
			if err := stop(); err != nil {
				fmt.Fprintln(stderr, "astre:", err)
			}
		}()
	}
	var survey *tracker.Instrument
	if o.survey {
		if survey, err = builtinInstrument(o.instrument); err != nil {
			return fmt.Errorf("--instrument: %w", err)
		}
	}
	if o.registerLink == "" {
		if o.registerLink, err = loadRegisterLink(ctx, s, o.target, getenv, stderr); err != nil {
			return err
		}
	}

	lms := ltitest.NewPlatform(ltitest.Moodle)
	defer lms.Close()
	if o.platformNice > 0 {
		sg, err := startSigner(o.platformNice)
		if err != nil {
			return err
		}
		defer sg.stop()
		lms.SignWith(sg.sign)
	}
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 2*o.concurrency + 4, // the default 2 would open a connection per request
		IdleConnTimeout:     30 * time.Second,
	}
	defer transport.CloseIdleConnections()
	admin := ltitest.NewBrowser()
	admin.Client.Transport = transport
	clientID, err := admin.RegisterTool(ctx, lms, o.registerLink)
	if err != nil {
		return fmt.Errorf("register the load test's platform with %s: %w", o.target, err)
	}
	f := &flows{lms: lms, clientID: clientID, transport: transport, rec: newRecorder(), survey: survey, followup: o.followup}
	kind := "launch flows (login, auth, launch, landing)"
	if o.survey {
		kind = fmt.Sprintf("survey flows (launch, consent, %d pages of %q, graded)", len(f.survey.Pages), f.survey.ID)
		if o.followup {
			kind = fmt.Sprintf("survey flows (launch, consent with follow-up contact, %d pages of %q, graded)", len(f.survey.Pages), f.survey.ID)
		}
	}
	fmt.Fprintf(stdout, "ASTRE load test: %d workers for %s against %s, %s\nplatform %s (Moodle profile, RS256), client_id %s\n\n",
		o.concurrency, o.duration, o.target, kind, lms.Issuer, clientID)

	var before procSample
	if o.serverPID > 0 {
		if before, err = readProc(o.serverPID); err != nil {
			return err
		}
	}
	self, selfErr := readProc(os.Getpid())
	sampleCtx, stopSampling := context.WithCancel(ctx)
	peak := make(chan int64, 1)
	if o.serverPID > 0 {
		go func() { peak <- sampleRSS(sampleCtx, o.serverPID, 100*time.Millisecond) }()
	}

	start := time.Now()
	f.drive(ctx, o.concurrency, start.Add(o.duration))
	elapsed := time.Since(start)
	done := f.rec.completed()
	if o.survey {
		waitScores(ctx, lms, f.rec, done)
	}
	stopSampling()

	fmt.Fprintf(stdout, "flows: %d completed in %s, %.1f flows/s\n", done, elapsed.Round(time.Millisecond), float64(done)/elapsed.Seconds())
	f.rec.writeErrors(stdout)
	if o.survey {
		fmt.Fprintf(stdout, "scores: %d received by the platform for %d completed surveys\n", len(lms.Scores()), done)
	}
	fmt.Fprintln(stdout)
	if err := f.rec.writeSteps(stdout); err != nil {
		return err
	}
	if o.platformNice > 0 {
		fmt.Fprintf(stdout, "(auth is the fake platform's own work: it signs each id_token on the load's CPU at nice %d, after the learners' requests)\n", o.platformNice)
	} else {
		fmt.Fprintln(stdout, "(auth is the fake platform's own work, signing the id_token, on the load's CPU)")
	}
	if selfAfter, err := readProc(os.Getpid()); err == nil && selfErr == nil {
		fmt.Fprintf(stdout, "\nload generator CPU: %s (%.1f%% of one core)\n", (selfAfter.cpu - self.cpu).Round(time.Millisecond),
			100*float64(selfAfter.cpu-self.cpu)/float64(elapsed))
	}
	if o.serverPID > 0 {
		after, err := readProc(o.serverPID)
		if err != nil {
			return err
		}
		cpu := after.cpu - before.cpu
		perFlow := "n/a (no flow completed)"
		if done > 0 {
			perFlow = fmt.Sprintf("%.3f ms", float64(cpu)/float64(time.Millisecond)/float64(done))
		}
		fmt.Fprintf(stdout, "server pid %d CPU: %s in all, %s per flow (utime+stime, 10 ms ticks; includes delivering the scores)\n",
			o.serverPID, cpu.Round(time.Millisecond), perFlow)
		fmt.Fprintf(stdout, "server RSS: %s before the load, %s at most during it (VmRSS sampled every 100 ms), VmHWM %s (peak since the server started)\n",
			mb(before.rss), mb(<-peak), mb(after.hwm))
	}
	return nil
}

// check refuses what the load test will not do: a target elsewhere than
// this machine, unbounded workers or time.
func (o *loadOptions) check() error {
	u, err := url.Parse(o.target)
	if o.target == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--target %q: want the base URL of a running ASTRE, such as http://127.0.0.1:8080: %w", o.target, errUsage)
	}
	if !isLoopback(u.Hostname()) {
		return fmt.Errorf("--target %q: the load test only runs against this machine (127.0.0.1, ::1 or localhost): %w", o.target, errUsage)
	}
	if o.concurrency < 1 || o.concurrency > maxConcurrency {
		return fmt.Errorf("--concurrency %d: want 1 to %d: %w", o.concurrency, maxConcurrency, errUsage)
	}
	if o.duration <= 0 || o.duration > maxDuration {
		return fmt.Errorf("--duration %s: want more than 0 and at most %s: %w", o.duration, maxDuration, errUsage)
	}
	if o.platformNice < 0 || o.platformNice > 19 {
		return fmt.Errorf("--platform-nice %d: want 0 to 19: %w", o.platformNice, errUsage)
	}
	if o.serverPID < 0 {
		return fmt.Errorf("--server-pid %d: %w", o.serverPID, errUsage)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loadRegisterLink makes a one-time registration link in the target's
// data dir, as `astre platform register-link` does, pointing at target.
func loadRegisterLink(ctx context.Context, s *settings, target string, getenv func(string) string, stderr io.Writer) (string, error) {
	if _, err := os.Stat(s.dbPath()); err != nil {
		return "", fmt.Errorf("no --register-link and no database in --data-dir %s (%w): give the server's data dir or a link from `astre platform register-link`", s.DataDir, err)
	}
	e, err := openEnv(ctx, s, getenv, stderr)
	if err != nil {
		return "", err
	}
	defer e.close()
	opts := e.options(s)
	opts.BaseURL = target
	link, _, err := tracker.NewRegistrar(opts).NewLink(ctx, time.Hour)
	if err != nil {
		return "", fmt.Errorf("registration link: %w", err)
	}
	return link, nil
}

// drive runs concurrency workers, each starting flows one after another
// until deadline; flows under way then finish.
func (f *flows) drive(ctx context.Context, concurrency int, deadline time.Time) {
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if err := f.run(ctx); err != nil {
					if fe := (*flowError)(nil); errors.As(err, &fe) {
						f.rec.fail(fe.kind, 1)
					} else {
						f.rec.fail("other", 1)
					}
					continue
				}
				f.rec.flowDone()
			}
		})
	}
	wg.Wait()
}

// waitScores waits up to scoreWait for the platform to receive one score
// per completed survey, and counts the missing ones as errors.
func waitScores(ctx context.Context, lms *ltitest.Platform, rec *recorder, want int) {
	deadline := time.Now().Add(scoreWait)
	for len(lms.Scores()) < want && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	if missing := want - len(lms.Scores()); missing > 0 {
		rec.fail(fmt.Sprintf("score: not received within %s of the last flow", scoreWait), missing)
	}
}
