package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// settings are read by every subcommand the same way: a flag, else its
// environment variable, else the default.
type settings struct {
	Addr       string
	BaseURL    string
	DataDir    string
	LogLevel   string
	LogFormat  string
	Leeway     time.Duration
	LoginTTL   time.Duration
	SessionTTL time.Duration
	KeyOverlap time.Duration

	SMTPURL     string
	SMTPFrom    string
	LinkTTL     time.Duration
	MailSpacing time.Duration

	RegistrationHosts   string // comma-separated
	AllowPrivateTargets bool   // outbound requests may reach non-public addresses
	RateLimit           string // per-address rate of /lti/login, /lti/launch, ...: "10/s", "600/m" or "off"
	RateBurst           int
	TrustedProxies      string // comma-separated addresses or CIDRs, or "none"
	FrameAncestors      string // extra origins allowed to frame ASTRE, or "none"

	limits limits // RateLimit, TrustedProxies and FrameAncestors, parsed by check
}

// setting describes one flag and its environment equivalent, for the
// flag set and for README's configuration table.
type setting struct {
	flag, env, def, usage string
}

var settingTable = []setting{
	{"addr", "ASTRE_ADDR", ":8080", "address to listen on"},
	{"base-url", "ASTRE_BASE_URL", "http://localhost:8080", "public URL of the tool, as platforms reach it"},
	{"data-dir", "ASTRE_DATA_DIR", "./data", "directory of the database and generated secrets"},
	{"log-level", "ASTRE_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"log-format", "ASTRE_LOG_FORMAT", "json", "json, or console for people"},
	{"leeway", "ASTRE_LEEWAY", "60s", "clock leeway for id_token exp, iat and nbf"},
	{"login-ttl", "ASTRE_LOGIN_TTL", "10m", "how long a login waits for its launch"},
	{"session-ttl", "ASTRE_SESSION_TTL", "8h", "how long a launch session lasts"},
	{"key-overlap", "ASTRE_KEY_OVERLAP", "24h", "how long a rotated key is published before it signs"},
	{"registration-hosts", "ASTRE_REGISTRATION_HOSTS", "", "platform hosts allowed to use Dynamic Registration without a one-time link, comma-separated"},
	{"allow-private-targets", "ASTRE_ALLOW_PRIVATE_TARGETS", "false", "let requests to platforms reach loopback and private addresses (development)"},
	{"rate-limit", "ASTRE_RATE_LIMIT", "10/s", "requests per client address to login, launch and registration, as N/s or N/m, or off"},
	{"rate-burst", "ASTRE_RATE_BURST", "100", "requests per client address allowed at once above the rate"},
	{"trusted-proxies", "ASTRE_TRUSTED_PROXIES", "none", "comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed"},
	{"frame-ancestors", "ASTRE_FRAME_ANCESTORS", "none", "comma-separated origins allowed to frame ASTRE besides the registered platforms"},
	{"smtp-url", "ASTRE_SMTP_URL", "", "SMTP server for mails, smtp://user:pass@host:587 or smtps://host:465; none: mails go to .eml files"},
	{"smtp-from", "ASTRE_SMTP_FROM", "", "sender of mails, e.g. \"Course team <astre@example.org>\""},
	{"link-ttl", "ASTRE_LINK_TTL", "1440h", "how long a follow-up survey link works (60 days)"},
	{"mail-spacing", "ASTRE_MAIL_SPACING", "2s", "least time between two follow-up mails when many are due"},
}

// register adds the settings flags to fs, with defaults from getenv. A
// malformed environment value is an error, never silently ignored.
func (s *settings) register(fs *flag.FlagSet, getenv func(string) string) error {
	strs := map[string]*string{"addr": &s.Addr, "base-url": &s.BaseURL, "data-dir": &s.DataDir, "log-level": &s.LogLevel, "log-format": &s.LogFormat,
		"registration-hosts": &s.RegistrationHosts, "rate-limit": &s.RateLimit, "trusted-proxies": &s.TrustedProxies, "frame-ancestors": &s.FrameAncestors,
		"smtp-url": &s.SMTPURL, "smtp-from": &s.SMTPFrom}
	durs := map[string]*time.Duration{"leeway": &s.Leeway, "login-ttl": &s.LoginTTL, "session-ttl": &s.SessionTTL, "key-overlap": &s.KeyOverlap,
		"link-ttl": &s.LinkTTL, "mail-spacing": &s.MailSpacing}
	bools := map[string]*bool{"allow-private-targets": &s.AllowPrivateTargets}
	ints := map[string]*int{"rate-burst": &s.RateBurst}
	for _, st := range settingTable {
		def := st.def
		if v := getenv(st.env); v != "" {
			def = v
		}
		usage := fmt.Sprintf("%s (env %s)", st.usage, st.env)
		if p, ok := strs[st.flag]; ok {
			fs.StringVar(p, st.flag, def, usage)
			continue
		}
		if p, ok := bools[st.flag]; ok {
			b, err := strconv.ParseBool(def)
			if err != nil {
				return fmt.Errorf("%s=%q is not true or false", st.env, def)
			}
			fs.BoolVar(p, st.flag, b, usage)
			continue
		}
		if p, ok := ints[st.flag]; ok {
			n, err := strconv.Atoi(def)
			if err != nil {
				return fmt.Errorf("%s=%q is not a whole number", st.env, def)
			}
			fs.IntVar(p, st.flag, n, usage)
			continue
		}
		d, err := time.ParseDuration(def)
		if err != nil {
			return fmt.Errorf("%s=%q is not a duration such as 10m", st.env, def)
		}
		fs.DurationVar(durs[st.flag], st.flag, d, usage)
	}
	return nil
}

// check reports settings that cannot work.
func (s *settings) check() error {
	durs := []struct {
		name string
		d    time.Duration
	}{{"leeway", s.Leeway}, {"login-ttl", s.LoginTTL}, {"session-ttl", s.SessionTTL}, {"key-overlap", s.KeyOverlap},
		{"link-ttl", s.LinkTTL}, {"mail-spacing", s.MailSpacing}}
	for _, d := range durs {
		if d.d <= 0 {
			return fmt.Errorf("--%s must be a positive duration such as 10m", d.name)
		}
	}
	if s.DataDir == "" {
		return fmt.Errorf("--data-dir must not be empty")
	}
	for _, h := range s.registrationHosts() {
		if strings.ContainsAny(h, "/?#@ ") {
			return fmt.Errorf("--registration-hosts: %q is not a host such as moodle.example.org or moodle.example.org:8443", h)
		}
	}
	l, err := parseLimits(s.RateLimit, s.RateBurst, s.TrustedProxies, s.FrameAncestors)
	if err != nil {
		return err
	}
	s.limits = l
	return nil
}

// registrationHosts splits the allow-list, dropping empty entries.
func (s *settings) registrationHosts() []string {
	var hosts []string
	for _, h := range strings.Split(s.RegistrationHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

func (s *settings) dbPath() string { return filepath.Join(s.DataDir, "astre.db") }

// mailDir is where mails are written when no SMTP server is set.
func (s *settings) mailDir() string { return filepath.Join(s.DataDir, "mail") }
