package tracker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/astre-lti/astre/store"
	"github.com/astre-lti/astre/tracker"
)

// clock is a settable time source for tests.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time      { return c.t }
func (c *clock) Add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)} }
func testSecrets() tracker.Secrets {
	return tracker.Secrets{SessionKey: bytes.Repeat([]byte{1}, 32), PseudonymKey: bytes.Repeat([]byte{2}, 32), KEK: bytes.Repeat([]byte{3}, 32)}
}

func openStore(t testing.TB, now func() time.Time) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "astre.db"), now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func publishedKids(t *testing.T, k *tracker.Keyring) []string {
	t.Helper()
	doc, err := k.JWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []struct {
			Kid, Alg, Use string
		}
	}
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		if k.Alg != "RS256" || k.Use != "sig" {
			t.Errorf("key %s: alg %q use %q, want RS256 sig", k.Kid, k.Alg, k.Use)
		}
		kids = append(kids, k.Kid)
	}
	return kids
}

func TestKeyRotationWithOverlap(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	db := openStore(t, clk.Now)
	k := &tracker.Keyring{Store: db, Secrets: testSecrets(), Overlap: 24 * time.Hour, Now: clk.Now}

	if err := k.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if err := k.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	first := publishedKids(t, k)
	if len(first) != 1 {
		t.Fatalf("after Ensure twice: got %d keys, want 1", len(first))
	}
	signer, err := k.Signer(ctx)
	if err != nil || signer.KID != first[0] {
		t.Fatalf("signer: got %v %v, want %s", signer, err, first[0])
	}

	next, err := k.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := publishedKids(t, k); len(got) != 2 {
		t.Fatalf("right after rotate: got %v published, want both keys", got)
	}
	if signer, _ := k.Signer(ctx); signer.KID != first[0] {
		t.Errorf("during overlap: got signer %s, want the old key %s", signer.KID, first[0])
	}

	clk.Add(24*time.Hour + time.Second)
	if signer, _ := k.Signer(ctx); signer.KID != next.KID {
		t.Errorf("after overlap: got signer %s, want the new key %s", signer.KID, next.KID)
	}
	if got := publishedKids(t, k); len(got) != 2 {
		t.Errorf("old key must stay published while what it signed may be valid: got %v", got)
	}

	clk.Add(tracker.SignedLifetime)
	if got := publishedKids(t, k); len(got) != 1 || got[0] != next.KID {
		t.Errorf("after retirement: got %v, want only %s", got, next.KID)
	}
}

func TestPrivateKeyEncryptedAtRest(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	db := openStore(t, clk.Now)
	k := &tracker.Keyring{Store: db, Secrets: testSecrets(), Overlap: time.Hour, Now: clk.Now}
	if err := k.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	signer, err := k.Signer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := signer.PKCS8()
	keys, _ := db.Keys(ctx)
	if bytes.Contains(keys[0].PrivateEnc, der[len(der)-64:]) {
		t.Fatal("stored private key contains plain PKCS#8 bytes")
	}
	wrong := testSecrets()
	wrong.KEK = bytes.Repeat([]byte{9}, 32)
	other := &tracker.Keyring{Store: db, Secrets: wrong, Now: clk.Now}
	if _, err := other.Signer(ctx); err == nil {
		t.Error("a wrong key-encryption key decrypted the private key")
	}
}
