package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLoadtest runs `astre loadtest` for a second against `astre serve`
// in this process: once with a one-time link and the survey, once with
// a link it makes itself in the data dir and launches only.
func TestLoadtest(t *testing.T) {
	addr := freeAddr(t)
	base := "http://" + addr
	env := map[string]string{"ASTRE_ADDR": addr, "ASTRE_BASE_URL": base, "ASTRE_DATA_DIR": t.TempDir(), "ASTRE_LOG_LEVEL": "warn",
		"ASTRE_ALLOW_PRIVATE_TARGETS": "true", // the fake platform runs on 127.0.0.1
		"ASTRE_RATE_LIMIT":            "off"}  // one address sends every learner's requests
	getenv := func(k string) string { return env[k] }
	srv := startServer(t, getenv, base)
	defer srv.shutdown(t)

	link, _, _ := strings.Cut(cli(t, getenv, "platform", "register-link"), "\n")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"survey", []string{"--survey", "--register-link", link}},
		{"survey exit", []string{"--survey", "--instrument", "exit"}},
		{"launch", nil},
		{"launch signing in place", []string{"--platform-nice", "0"}},
		{"survey followup", []string{"--survey", "--instrument", "exit", "--followup"}}, // last: its mails may still be on their way
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"loadtest", "--target", base, "--concurrency", "4", "--duration", "1s"}, tc.args...)
			if runtime.GOOS == "linux" {
				args = append(args, "--server-pid", strconv.Itoa(os.Getpid()))
			}
			mailsBefore := countMails(t, env["ASTRE_DATA_DIR"])
			var out, errOut bytes.Buffer
			if err := run(context.Background(), args, getenv, &out, &errOut); err != nil {
				t.Fatalf("loadtest: %v\n%s\n%s", err, out.String(), errOut.String())
			}
			report := out.String()
			m := regexp.MustCompile(`flows: (\d+) completed`).FindStringSubmatch(report)
			if m == nil {
				t.Fatalf("no flow count in the report:\n%s", report)
			}
			flows, _ := strconv.Atoi(m[1])
			if flows == 0 {
				t.Errorf("no flow completed:\n%s", report)
			}
			if !strings.Contains(report, "errors: none") {
				t.Errorf("errors reported:\n%s", report)
			}
			steps := []string{"login", "auth (platform)", "launch", "landing"}
			if strings.HasPrefix(tc.name, "survey") {
				steps = append(steps, "consent", "survey page")
				if want := "scores: " + m[1] + " received"; !strings.Contains(report, want) {
					t.Errorf("report lacks %q:\n%s", want, report)
				}
			}
			if want := `consent with follow-up contact, 3 pages of "exit"`; tc.name == "survey followup" && !strings.Contains(report, want) {
				t.Errorf("report lacks %q:\n%s", want, report)
			}
			if want := "at nice 19, after the learners' requests"; !strings.Contains(tc.name, "in place") && !strings.Contains(report, want) {
				t.Errorf("report lacks %q:\n%s", want, report)
			}
			if want := `consent, 3 pages of "exit"`; tc.name == "survey exit" && !strings.Contains(report, want) {
				t.Errorf("report lacks %q:\n%s", want, report)
			}
			for _, s := range steps {
				if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(s) + `\s+\d+\s`).MatchString(report) {
					t.Errorf("no latency line for step %q:\n%s", s, report)
				}
			}
			if runtime.GOOS == "linux" && !strings.Contains(report, "per flow") {
				t.Errorf("no server CPU per flow:\n%s", report)
			}
			// Only a consent with the follow-up contact sends confirmation mails
			// (written to the data dir without SMTP); the outbox may still be
			// delivering the last ones.
			mails := countMails(t, env["ASTRE_DATA_DIR"]) - mailsBefore
			if tc.name == "survey followup" && mails == 0 {
				t.Errorf("no confirmation mail after %d flows with the follow-up contact", flows)
			}
			if tc.name != "survey followup" && mails != 0 {
				t.Errorf("%d confirmation mails without the follow-up contact", mails)
			}
		})
	}
}

// countMails counts the mails written under dir.
func countMails(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".eml") {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLoadtestRefuses(t *testing.T) {
	env := map[string]string{"ASTRE_DATA_DIR": t.TempDir()}
	getenv := func(k string) string { return env[k] }
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--target"},
		{[]string{"--target", "http://example.org"}, "only runs against this machine"},
		{[]string{"--target", "http://127.0.0.1:1", "--concurrency", "0"}, "--concurrency"},
		{[]string{"--target", "http://127.0.0.1:1", "--duration", "2h"}, "--duration"},
		{[]string{"--target", "http://127.0.0.1:1", "--platform-nice", "20"}, "--platform-nice"},
		{[]string{"--target", "http://127.0.0.1:1"}, "no --register-link"},
		{[]string{"--target", "http://127.0.0.1:1", "--survey", "--instrument", "nosuch"}, "--instrument"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := run(ctx, append([]string{"loadtest"}, tc.args...), getenv, io.Discard, io.Discard)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("loadtest %v: got %v, want an error containing %q", tc.args, err, tc.want)
		}
	}
}
