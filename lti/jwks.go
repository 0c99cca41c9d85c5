package lti

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// KeySets fetches and caches platforms' JWKS (Security Framework 6.3). A
// set is refetched when older than MaxAge, and at most once per
// MinRefetch when a token names a kid the cached set lacks, so a flood of
// tokens with random kids cannot turn the tool into a request amplifier.
//
// The cache is per process on purpose: every instance converges on the
// platform's published keys by itself, so instances need not agree.
type KeySets struct {
	Client     *http.Client
	MaxAge     time.Duration // default 10 minutes
	MinRefetch time.Duration // default 30 seconds
	MaxBytes   int64         // default 256 KiB
	Now        func() time.Time

	mu   sync.Mutex
	sets map[string]*keySet
}

type keySet struct {
	mu          sync.Mutex // held while fetching, so concurrent misses share one fetch
	set         jwk.Set
	fetchedAt   time.Time
	refetchedAt time.Time // last fetch caused by an unknown kid
}

// NewKeySets returns a cache fetching with client.
func NewKeySets(client *http.Client) *KeySets {
	return &KeySets{Client: client}
}

// Key returns the key with kid from the JWKS at url. An empty kid matches
// the set's only key. A kid the cached set lacks causes one refetch unless
// one happened within MinRefetch.
func (k *KeySets) Key(ctx context.Context, url, kid string) (jwk.Key, error) {
	ks := k.entry(url)
	ks.mu.Lock()
	defer ks.mu.Unlock()

	now := k.now()
	fresh := false
	if ks.set == nil || now.Sub(ks.fetchedAt) > k.maxAge() {
		if err := k.fetch(ctx, url, ks, now); err != nil {
			return nil, err
		}
		fresh = true
	}
	if key, ok := lookup(ks.set, kid); ok {
		return key, nil
	}
	if fresh || now.Sub(ks.refetchedAt) < k.minRefetch() {
		return nil, Errorf(ReasonUnknownKID, "kid %q not in platform JWKS", kid)
	}
	ks.refetchedAt = now
	if err := k.fetch(ctx, url, ks, now); err != nil {
		return nil, err
	}
	if key, ok := lookup(ks.set, kid); ok {
		return key, nil
	}
	return nil, Errorf(ReasonUnknownKID, "kid %q not in platform JWKS after refetch", kid)
}

func (k *KeySets) entry(url string) *keySet {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.sets == nil {
		k.sets = make(map[string]*keySet)
	}
	ks, ok := k.sets[url]
	if !ok {
		ks = &keySet{}
		k.sets[url] = ks
	}
	return ks
}

func (k *KeySets) fetch(ctx context.Context, url string, ks *keySet, now time.Time) error {
	set, err := FetchJWKS(ctx, k.Client, url, k.maxBytes())
	if err != nil {
		return &Error{Reason: ReasonJWKSUnavailable, Detail: url, Err: err}
	}
	ks.set, ks.fetchedAt = set, now
	return nil
}

// FetchJWKS GETs and parses a JWK Set, reading at most maxBytes.
func FetchJWKS(ctx context.Context, client *http.Client, url string, maxBytes int64) (jwk.Set, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("JWKS answered %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > maxBytes {
		return nil, fmt.Errorf("JWKS larger than %d bytes", maxBytes)
	}
	return jwk.Parse(body)
}

func lookup(set jwk.Set, kid string) (jwk.Key, bool) {
	if kid == "" {
		if set.Len() == 1 {
			return set.Key(0)
		}
		return nil, false
	}
	return set.LookupKeyID(kid)
}

func (k *KeySets) now() time.Time {
	if k.Now != nil {
		return k.Now()
	}
	return time.Now()
}

func (k *KeySets) maxAge() time.Duration {
	if k.MaxAge > 0 {
		return k.MaxAge
	}
	return 10 * time.Minute
}

func (k *KeySets) minRefetch() time.Duration {
	if k.MinRefetch > 0 {
		return k.MinRefetch
	}
	return 30 * time.Second
}

func (k *KeySets) maxBytes() int64 {
	if k.MaxBytes > 0 {
		return k.MaxBytes
	}
	return 256 << 10
}
