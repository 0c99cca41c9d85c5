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
	xapi    *tracker.XAPIConfig // from ASTRE_XAPI_URL, _USERNAME, _PASSWORD; nil when unset
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
	e := &env{db: db, secrets: secrets, log: log}
	// The LRS is configured by environment only: its password must not
	// show in process lists as a flag would.
	if u := getenv("ASTRE_XAPI_URL"); u != "" {
		e.xapi = &tracker.XAPIConfig{URL: u, Username: getenv("ASTRE_XAPI_USERNAME"), Password: getenv("ASTRE_XAPI_PASSWORD")}
	}
	return e, nil
}

func (e *env) close() error { return e.db.Close() }

func (e *env) options(s *settings) tracker.Options {
	return tracker.Options{
		Store: e.db, Secrets: e.secrets, BaseURL: s.BaseURL, Leeway: s.Leeway,
		LoginTTL: s.LoginTTL, SessionTTL: s.SessionTTL, KeyOverlap: s.KeyOverlap,
		Now: time.Now, Log: e.log, XAPI: e.xapi, RegistrationHosts: s.registrationHosts(),
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
