package tracker

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// SecretSize is the length in bytes of every secret ASTRE keeps outside
// the database.
const SecretSize = 32

// Secrets are the keys kept outside the database (DOMAIN.md: the
// pseudonym secret never sits next to the data it protects).
type Secrets struct {
	SessionKey   []byte // signs session cookies
	PseudonymKey []byte // HMAC key of learner pseudonyms
	KEK          []byte // encrypts private keys and contact data at rest
}

// Check reports a secret of the wrong size.
func (s Secrets) Check() error {
	secrets := []struct {
		name  string
		value []byte
	}{{"session key", s.SessionKey}, {"pseudonym key", s.PseudonymKey}, {"key-encryption key", s.KEK}}
	for _, sec := range secrets {
		if len(sec.value) != SecretSize {
			return fmt.Errorf("%s must be %d bytes, got %d: %w", sec.name, SecretSize, len(sec.value), ErrInvalid)
		}
	}
	return nil
}

// Pseudonym returns the learner key HMAC-SHA256(secret, iss | sub) in hex,
// or "" for an anonymous launch.
func (s Secrets) Pseudonym(issuer, subject string) string {
	if subject == "" {
		return ""
	}
	m := hmac.New(sha256.New, s.PseudonymKey)
	m.Write([]byte(issuer))
	m.Write([]byte{'|'})
	m.Write([]byte(subject))
	return hex.EncodeToString(m.Sum(nil))
}

// Seal encrypts plain with AES-256-GCM under the KEK; aad binds the
// ciphertext to its use (a kid, a learner key) so it cannot be moved.
func (s Secrets) Seal(plain, aad []byte) ([]byte, error) {
	aead, err := s.aead()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plain, aad), nil
}

// Open decrypts what Seal produced with the same aad.
func (s Secrets) Open(sealed, aad []byte) ([]byte, error) {
	aead, err := s.aead()
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, fmt.Errorf("sealed value too short: %w", ErrInvalid)
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], aad)
	if err != nil {
		return nil, fmt.Errorf("decrypt: wrong key-encryption key or altered data: %w", ErrInvalid)
	}
	return plain, nil
}

func (s Secrets) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(s.KEK)
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	return cipher.NewGCM(block)
}

// hashHex is the hex SHA-256 of a secret value: states, bindings and
// launch ids are stored only this way.
func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
