package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestSettingsFlagEnvDefault(t *testing.T) {
	env := map[string]string{"ASTRE_DATA_DIR": "/from/env", "ASTRE_LEEWAY": "30s"}
	getenv := func(k string) string { return env[k] }

	fs, s, err := newFlags("serve", getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := parseFlags(fs, s, []string{"--addr", "127.0.0.1:9999"}); err != nil {
		t.Fatal(err)
	}
	if s.Addr != "127.0.0.1:9999" || s.DataDir != "/from/env" || s.Leeway != 30*time.Second || s.BaseURL != "http://localhost:8080" {
		t.Errorf("got addr=%q data=%q leeway=%v base=%q", s.Addr, s.DataDir, s.Leeway, s.BaseURL)
	}

	fs, s, _ = newFlags("serve", getenv, io.Discard)
	if err := parseFlags(fs, s, []string{"--data-dir", "/from/flag"}); err != nil {
		t.Fatal(err)
	}
	if s.DataDir != "/from/flag" {
		t.Errorf("flag must win over environment: got %q", s.DataDir)
	}

	env["ASTRE_SESSION_TTL"] = "eight hours"
	if _, _, err := newFlags("serve", getenv, io.Discard); err == nil || !strings.Contains(err.Error(), "ASTRE_SESSION_TTL") {
		t.Errorf("bad env duration: got %v, want an error naming ASTRE_SESSION_TTL", err)
	}
	delete(env, "ASTRE_SESSION_TTL")

	fs, s, _ = newFlags("serve", getenv, io.Discard)
	if err := parseFlags(fs, s, []string{"--login-ttl", "0s"}); err == nil {
		t.Error("zero login TTL accepted")
	}
}

func TestSettingsTableMatchesREADME(t *testing.T) {
	readme := readREADME(t)
	for _, st := range settingTable {
		def := "`" + st.def + "`"
		if st.def == "" {
			def = "(none)"
		}
		row := "| `--" + st.flag + "` | `" + st.env + "` | " + def + " |"
		if !strings.Contains(readme, row) {
			t.Errorf("README.md configuration table lacks the row starting %s", row)
		}
	}
}
