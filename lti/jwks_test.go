package lti

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// jwksServer serves a JWK Set with the given kids and counts fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	kids    []string
	fetches atomic.Int32
}

func newJWKSServer(t *testing.T, kids ...string) *jwksServer {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	js := &jwksServer{kids: kids}
	js.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		js.fetches.Add(1)
		js.mu.Lock()
		defer js.mu.Unlock()
		var keys []any
		for _, kid := range js.kids {
			k, _ := jwk.FromRaw(priv.Public())
			_ = k.Set(jwk.KeyIDKey, kid)
			keys = append(keys, k)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
	}))
	t.Cleanup(js.Close)
	return js
}

func TestKeySetsRefetchOnceOnUnknownKid(t *testing.T) {
	js := newJWKSServer(t, "a")
	now := time.Unix(1_800_000_000, 0)
	ks := &KeySets{Client: js.Client(), Now: func() time.Time { return now }, MinRefetch: 30 * time.Second}
	ctx := context.Background()

	if _, err := ks.Key(ctx, js.URL, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Key(ctx, js.URL, "a"); err != nil {
		t.Fatal(err)
	}
	if got := js.fetches.Load(); got != 1 {
		t.Fatalf("cached lookups: got %d fetches, want 1", got)
	}

	_, err := ks.Key(ctx, js.URL, "unknown")
	if ReasonOf(err) != ReasonUnknownKID {
		t.Fatalf("got %v, want unknown_kid", err)
	}
	if got := js.fetches.Load(); got != 2 {
		t.Fatalf("unknown kid: got %d fetches, want exactly 2 (one refetch)", got)
	}
	_, _ = ks.Key(ctx, js.URL, "other-unknown")
	if got := js.fetches.Load(); got != 2 {
		t.Fatalf("second unknown kid within MinRefetch: got %d fetches, want 2", got)
	}

	// The platform rotates: after MinRefetch a new kid is found by one refetch.
	js.mu.Lock()
	js.kids = append(js.kids, "b")
	js.mu.Unlock()
	now = now.Add(31 * time.Second)
	if _, err := ks.Key(ctx, js.URL, "b"); err != nil {
		t.Fatalf("rotated kid: %v", err)
	}
	if got := js.fetches.Load(); got != 3 {
		t.Fatalf("rotated kid: got %d fetches, want 3", got)
	}
}

func TestKeySetsConcurrentMissesShareOneFetch(t *testing.T) {
	js := newJWKSServer(t, "a")
	ks := NewKeySets(js.Client())
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := ks.Key(context.Background(), js.URL, "a"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := js.fetches.Load(); got != 1 {
		t.Errorf("got %d fetches, want 1", got)
	}
}

func TestKeySetsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	_, err := NewKeySets(srv.Client()).Key(context.Background(), srv.URL, "a")
	if ReasonOf(err) != ReasonJWKSUnavailable {
		t.Errorf("got %v, want jwks_unavailable", err)
	}
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(make([]byte, 300<<10))
	}))
	defer big.Close()
	_, err = NewKeySets(big.Client()).Key(context.Background(), big.URL, "a")
	if ReasonOf(err) != ReasonJWKSUnavailable {
		t.Errorf("oversized JWKS: got %v, want jwks_unavailable", err)
	}
}
