package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// purgeEvery is how often expired login states, nonces and sessions go.
const purgeEvery = 10 * time.Minute

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, s, err := newFlags("serve", getenv, stderr)
	if err != nil {
		return err
	}
	if err := parseFlags(fs, s, args); err != nil {
		return err
	}
	e, err := openEnv(ctx, s, getenv, stderr)
	if err != nil {
		return err
	}
	defer e.close()

	srv, err := tracker.New(e.options(s))
	if err != nil {
		return err
	}
	if err := srv.Prepare(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.Addr, err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	printWelcome(stdout, ln.Addr().String(), s.BaseURL, srv.Config())
	e.log.Info().Str("addr", ln.Addr().String()).Str("base_url", s.BaseURL).Msg("serving")

	purgeCtx, stopPurge := context.WithCancel(ctx)
	defer stopPurge()
	go purgeLoop(purgeCtx, e)
	if len(srv.Outbox.Senders) > 0 {
		go srv.Outbox.Run(purgeCtx)
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
`, addr, baseURL, c.LoginURL, c.LaunchURL, c.JWKSURL, c.Domain)
}
