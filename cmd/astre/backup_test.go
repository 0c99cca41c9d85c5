package main

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupAndRestoreCommands backs up while the server runs, shows that
// restore refuses then, and restores once it stopped.
func TestBackupAndRestoreCommands(t *testing.T) {
	addr := freeAddr(t)
	base := "http://" + addr
	env := map[string]string{"ASTRE_ADDR": addr, "ASTRE_BASE_URL": base, "ASTRE_DATA_DIR": t.TempDir(), "ASTRE_LOG_LEVEL": "warn"}
	getenv := func(k string) string { return env[k] }
	platform := func(clientID string) {
		cli(t, getenv, "platform", "add", "--issuer", "https://lms.example.org", "--client-id", clientID,
			"--auth-url", "https://lms.example.org/auth", "--token-url", "https://lms.example.org/token",
			"--jwks-url", "https://lms.example.org/jwks", "--deployment-id", "1")
	}

	srv := startServer(t, getenv, base)
	platform("before-backup")
	file := filepath.Join(t.TempDir(), "astre-backup.db")
	if out := cli(t, getenv, "backup", file); !strings.Contains(out, "integrity ok") {
		t.Errorf("backup output: %s", out)
	}
	platform("after-backup")

	err := run(context.Background(), []string{"restore", file}, getenv, io.Discard, io.Discard)
	if !errors.Is(err, errDataDirBusy) {
		t.Errorf("restore while serving: got %v, want errDataDirBusy", err)
	}
	srv.shutdown(t)

	if out := cli(t, getenv, "restore", file); !strings.Contains(out, "before-restore") {
		t.Errorf("restore output names no copy of the replaced database: %s", out)
	}
	srv = startServer(t, getenv, base)
	defer srv.shutdown(t)
	out := cli(t, getenv, "platform", "list")
	if !strings.Contains(out, "before-backup") || strings.Contains(out, "after-backup") {
		t.Errorf("after restore: platforms\n%s\nwant before-backup only", out)
	}

	for _, args := range [][]string{{"backup"}, {"restore", "a", "b"}, {"backup", file}} {
		if err := run(context.Background(), args, getenv, io.Discard, io.Discard); err == nil {
			t.Errorf("astre %v: accepted", args) // the last: the file exists
		}
	}
}

func TestServeRefusesDuringRestore(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockDataDir(dir, true) // as a restore holds it
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	env := map[string]string{"ASTRE_ADDR": "127.0.0.1:0", "ASTRE_DATA_DIR": dir}
	err = run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if !errors.Is(err, errDataDirBusy) {
		t.Errorf("serve during a restore: got %v, want errDataDirBusy", err)
	}
}
