package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/astre-lti/astre/tracker"
)

// purgeEvery is how often expired login states, nonces and sessions go.
const purgeEvery = 10 * time.Minute

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, s, err := newFlags("serve", getenv, stderr)
	if err != nil {
		return err
	}
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this new file until the server stops (off by default)")
	if err := parseFlags(fs, s, args); err != nil {
		return err
	}
	tuneGC(getenv)
	if *cpuprofile != "" {
		stop, err := startCPUProfile(*cpuprofile)
		if err != nil {
			return err
		}
		defer func() {
			if err := stop(); err != nil {
				fmt.Fprintln(stderr, "astre:", err)
			}
		}()
	}
	unlock, err := lockDataDir(s.DataDir, false)
	if err != nil {
		return fmt.Errorf("serve %s: %w", s.DataDir, err)
	}
	defer unlock()
	e, err := openEnv(ctx, s, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.close()

	srv, err := tracker.New(e.options(s))
	if err != nil {
		return err
	}
	// A stable owner name lets a restart after a crash resume the
	// crashed server's deliveries at once. Held until the outbox stopped.
	owner, unlockOwner := lockOutboxOwner(s.DataDir)
	defer unlockOwner()
	if owner != "" {
		srv.Outbox.Owner = owner
	}
	if err := srv.Prepare(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.Addr, err)
	}
	hs := httpServer(srv.Handler(), serverTimeouts)
	printWelcome(stdout, ln.Addr().String(), s.BaseURL, srv.Config())
	e.log.Info().Str("addr", ln.Addr().String()).Str("base_url", s.BaseURL).Msg("serving")

	purgeCtx, stopPurge := context.WithCancel(ctx)
	defer stopPurge()
	go purgeLoop(purgeCtx, e)
	// The workers stop after the HTTP server drained (defers run after
	// the shutdown below), so what the last requests queued is attempted
	// or left unleased for the next start.
	defer startWorkers(ctx, srv, e.log)()
	if u := srv.MailboxURL(); u != "" {
		fmt.Fprintf(stdout, "\nNo SMTP server set (ASTRE_SMTP_URL): mails are written to %s and listed at\n  %s\n", s.mailDir(), u)
	}

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Drain in-flight requests before the database closes.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	e.log.Info().Msg("stopped")
	return nil
}

// timeouts bound how long a client may hold a connection: sending its
// headers, its whole request, waiting for the answer, and idle between
// requests, so slow or silent clients cannot pile up connections.
type timeouts struct {
	readHeader, read, write, idle time.Duration
}

// serverTimeouts leave room for a learner on a poor connection posting a
// survey page, and for the slowest page to render.
var serverTimeouts = timeouts{readHeader: 10 * time.Second, read: 30 * time.Second, write: 30 * time.Second, idle: 120 * time.Second}

// maxHeaderBytes bounds request headers; an LMS sends a few cookies.
const maxHeaderBytes = 64 << 10

func httpServer(h http.Handler, t timeouts) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.readHeader,
		ReadTimeout:       t.read,
		WriteTimeout:      t.write,
		IdleTimeout:       t.idle,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

func purgeLoop(ctx context.Context, e *env) {
	t := time.NewTicker(purgeEvery)
	defer t.Stop()
	for {
		n, err := e.db.PurgeExpired(ctx, time.Now().UTC())
		if err != nil && ctx.Err() == nil {
			e.log.Warn().Err(err).Msg("purge expired state")
		} else if n > 0 {
			e.log.Debug().Int64("rows", n).Msg("purged expired state")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// printWelcome tells a newcomer where the tool is and what an LMS
// administrator pastes into the platform.
func printWelcome(w io.Writer, addr, baseURL string, c tracker.ToolConfig) {
	fmt.Fprintf(w, `ASTRE is listening on %s

Values for the LMS administrator (also at %s/lti/config):
  Login initiation URL   %s
  Launch / redirect URI  %s
  Public keyset (JWKS)   %s
  Tool domain            %s

Register a platform with: astre platform add --issuer ... --client-id ... --auth-url ... --token-url ... --jwks-url ... --deployment-id ...
or let Moodle register ASTRE itself with a one-time link from: astre platform register-link
`, addr, baseURL, c.LoginURL, c.LaunchURL, c.JWKSURL, c.Domain)
}

// startWorkers runs srv's background work beside the HTTP server: the
// outbox worker (scores, mails, xAPI statements) and the follow-up
// scheduler that feeds it mails. They outlive ctx; the returned stop ends
// both and waits, the outbox giving back its leases, so call it before
// the database closes.
// Garbage collection defaults for serve, each unless the operator set its
// environment variable. A request allocates a few hundred kilobytes that
// die with it, over a live heap of a few megabytes: at GOGC=400 the
// collector runs a quarter as often (it took about a tenth of the server's
// CPU under load at the default, 100), and the soft memory limit makes it
// work harder instead as the heap nears 100 MiB, inside the 150 MB
// resident target.
const (
	gcPercent   = 400
	memoryLimit = 100 << 20
)

func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

func startWorkers(ctx context.Context, srv *tracker.Server, log zerolog.Logger) (stop func()) {
	workCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var work sync.WaitGroup
	work.Go(func() {
		if err := srv.Outbox.Run(workCtx); err != nil {
			log.Warn().Err(err).Msg("outbox stop")
		}
	})
	work.Go(func() { srv.Followup.Run(workCtx) })
	return func() {
		cancel()
		work.Wait()
	}
}
