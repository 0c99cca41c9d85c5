package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/astre-lti/astre/tracker"
)

// secretFiles maps each secret to its environment variable and its file
// in the data dir, where it is generated on first start.
var secretFiles = []struct {
	env, file string
	pick      func(*tracker.Secrets) *[]byte
}{
	{"ASTRE_SESSION_KEY", "session.key", func(s *tracker.Secrets) *[]byte { return &s.SessionKey }},
	{"ASTRE_PSEUDONYM_KEY", "pseudonym.key", func(s *tracker.Secrets) *[]byte { return &s.PseudonymKey }},
	{"ASTRE_KEY_ENCRYPTION_KEY", "key-encryption.key", func(s *tracker.Secrets) *[]byte { return &s.KEK }},
}

// loadSecrets takes each secret from the environment (hex or base64 of 32
// bytes), else from dataDir/secrets, generating the file (0600) if absent.
func loadSecrets(dataDir string, getenv func(string) string) (tracker.Secrets, error) {
	var s tracker.Secrets
	dir := filepath.Join(dataDir, "secrets")
	for _, sf := range secretFiles {
		var v []byte
		var err error
		if env := getenv(sf.env); env != "" {
			v, err = decodeSecret(env)
			if err != nil {
				return s, fmt.Errorf("%s: %w", sf.env, err)
			}
		} else {
			v, err = secretFile(dir, sf.file)
			if err != nil {
				return s, err
			}
		}
		*sf.pick(&s) = v
	}
	return s, s.Check()
}

func decodeSecret(v string) ([]byte, error) {
	if b, err := hex.DecodeString(v); err == nil && len(b) == tracker.SecretSize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil && len(b) == tracker.SecretSize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("want %d bytes as hex or base64", tracker.SecretSize)
}

func secretFile(dir, name string) ([]byte, error) {
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err == nil {
		v, derr := decodeSecret(string(trimNewline(b)))
		if derr != nil {
			return nil, fmt.Errorf("secret file %s: %w", path, derr)
		}
		return v, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read secret %s: %w", path, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	v := make([]byte, tracker.SecretSize)
	if _, err := rand.Read(v); err != nil {
		return nil, err
	}
	// Write a temporary file, then link it into place: the link fails if
	// another process made the secret first, and nobody reads a half file.
	tmp, err := os.CreateTemp(dir, name+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create secret %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("create secret %s: %w", path, err)
	}
	if _, err := tmp.WriteString(hex.EncodeToString(v) + "\n"); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write secret %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("write secret %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return secretFile(dir, name)
	} else if err != nil {
		return nil, fmt.Errorf("create secret %s: %w", path, err)
	}
	return v, nil
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}
