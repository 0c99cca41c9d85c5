package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/astre-lti/astre/lti"
	"github.com/astre-lti/astre/store"
	"github.com/astre-lti/astre/tracker"
)

// env is what every subcommand opens from the settings: the database, the
// secrets and a logger.
type env struct {
	db      *store.DB
	secrets tracker.Secrets
	log     zerolog.Logger
}

func openEnv(ctx context.Context, s *settings, getenv func(string) string, stderr io.Writer) (*env, error) {
	if err := os.MkdirAll(s.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", s.DataDir, err)
	}
	secrets, err := loadSecrets(s.DataDir, getenv)
	if err != nil {
		return nil, err
	}
	log, err := newLogger(s, stderr)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, s.dbPath(), time.Now)
	if err != nil {
		return nil, err
	}
	return &env{db: db, secrets: secrets, log: log}, nil
}

func (e *env) close() error { return e.db.Close() }

func (e *env) options(s *settings) tracker.Options {
	return tracker.Options{
		Store: e.db, Secrets: e.secrets, BaseURL: s.BaseURL, Leeway: s.Leeway,
		LoginTTL: s.LoginTTL, SessionTTL: s.SessionTTL, KeyOverlap: s.KeyOverlap,
		Now: time.Now, Log: e.log, RegistrationHosts: s.registrationHosts(),
		HTTPClient: lti.NewHTTPClient(lti.ClientOptions{AllowPrivate: s.AllowPrivateTargets}),
		RateLimit:  s.limits.rate, FrameAncestors: s.limits.frameAncestors,
		Mail: tracker.MailOptions{SMTPURL: s.SMTPURL, From: s.SMTPFrom, Dir: s.mailDir(), LinkTTL: s.LinkTTL, Spacing: s.MailSpacing},
	}
}

func newLogger(s *settings, w io.Writer) (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(strings.ToLower(s.LogLevel))
	if err != nil || level == zerolog.NoLevel {
		return zerolog.Nop(), fmt.Errorf("--log-level %q: want debug, info, warn or error", s.LogLevel)
	}
	var out io.Writer = w
	switch s.LogFormat {
	case "json":
	case "console":
		out = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	default:
		return zerolog.Nop(), fmt.Errorf("--log-format %q: want json or console", s.LogFormat)
	}
	return zerolog.New(out).Level(level).With().Timestamp().Logger(), nil
}
