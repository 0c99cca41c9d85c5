package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadSecretsGeneratesOnceWithMode0600(t *testing.T) {
	dir := t.TempDir()
	noenv := func(string) string { return "" }
	first, err := loadSecrets(dir, noenv)
	if err != nil {
		t.Fatal(err)
	}
	for _, sf := range secretFiles {
		info, err := os.Stat(filepath.Join(dir, "secrets", sf.file))
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: got mode %o, want 600", sf.file, got)
		}
	}
	if bytes.Equal(first.SessionKey, first.PseudonymKey) || bytes.Equal(first.PseudonymKey, first.KEK) {
		t.Error("two generated secrets are equal")
	}
	again, err := loadSecrets(dir, noenv)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.PseudonymKey, again.PseudonymKey) || !bytes.Equal(first.KEK, again.KEK) {
		t.Error("second start did not read the same secrets")
	}
}

func TestLoadSecretsFromEnvironment(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	env := map[string]string{
		"ASTRE_SESSION_KEY":        hex.EncodeToString(key),
		"ASTRE_PSEUDONYM_KEY":      base64.StdEncoding.EncodeToString(key),
		"ASTRE_KEY_ENCRYPTION_KEY": base64.RawURLEncoding.EncodeToString(key),
	}
	dir := t.TempDir()
	s, err := loadSecrets(dir, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.SessionKey, key) || !bytes.Equal(s.PseudonymKey, key) || !bytes.Equal(s.KEK, key) {
		t.Error("secrets differ from the environment's")
	}
	if _, err := os.Stat(filepath.Join(dir, "secrets")); !os.IsNotExist(err) {
		t.Errorf("secrets dir was created although every secret came from the environment: %v", err)
	}

	env["ASTRE_PSEUDONYM_KEY"] = "too-short"
	_, err = loadSecrets(dir, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "ASTRE_PSEUDONYM_KEY") {
		t.Errorf("bad secret: got %v, want an error naming ASTRE_PSEUDONYM_KEY", err)
	}
}
