package tracker

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/astre-lti/astre/lti"
)

// SignedLifetime bounds how long anything the tool signs stays valid
// (client assertions, deep linking responses): a retired key stays
// published at least this long after it stopped signing.
const SignedLifetime = time.Hour

// Keyring manages the tool's signing keys (LTI.md section 3): one signs,
// all not yet retired are published.
type Keyring struct {
	Store   Store
	Secrets Secrets
	// Overlap is how long a new key is published before it signs, so
	// platforms that cache the tool's JWKS see it first.
	Overlap time.Duration
	Now     func() time.Time
}

// KeyInfo describes a stored key for `astre keys list`.
type KeyInfo struct {
	KID       string
	CreatedAt time.Time
	SignFrom  time.Time
	RetireAt  *time.Time
	Signing   bool
	Published bool
}

// Ensure creates the first key when there is none; it signs at once.
func (k *Keyring) Ensure(ctx context.Context) error {
	keys, err := k.Store.Keys(ctx)
	if err != nil {
		return err
	}
	if len(keys) > 0 {
		return nil
	}
	_, err = k.add(ctx, k.Now().UTC())
	return err
}

// Rotate adds a key that is published now and signs after the overlap;
// every older key is retired once the new one signs and what it signed
// has expired.
func (k *Keyring) Rotate(ctx context.Context) (*KeyInfo, error) {
	now := k.Now().UTC()
	old, err := k.Store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	signFrom := now.Add(k.Overlap)
	info, err := k.add(ctx, signFrom)
	if err != nil {
		return nil, err
	}
	retire := signFrom.Add(SignedLifetime)
	for _, o := range old {
		if o.RetireAt == nil || o.RetireAt.After(retire) {
			if err := k.Store.RetireKey(ctx, o.KID, retire); err != nil {
				return nil, err
			}
		}
	}
	return info, nil
}

func (k *Keyring) add(ctx context.Context, signFrom time.Time) (*KeyInfo, error) {
	key, err := lti.GenerateKey()
	if err != nil {
		return nil, err
	}
	der, err := key.PKCS8()
	if err != nil {
		return nil, err
	}
	enc, err := k.Secrets.Seal(der, []byte(key.KID))
	if err != nil {
		return nil, err
	}
	pub, err := key.PublicJWK()
	if err != nil {
		return nil, err
	}
	now := k.Now().UTC()
	tk := &ToolKey{KID: key.KID, Alg: "RS256", PrivateEnc: enc, PublicJWK: pub, CreatedAt: now, SignFrom: signFrom}
	if err := k.Store.AddKey(ctx, tk); err != nil {
		return nil, fmt.Errorf("store key %s: %w", key.KID, err)
	}
	return &KeyInfo{KID: tk.KID, CreatedAt: now, SignFrom: signFrom, Published: true, Signing: !signFrom.After(now)}, nil
}

// List describes every stored key.
func (k *Keyring) List(ctx context.Context) ([]KeyInfo, error) {
	keys, err := k.Store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	now := k.Now().UTC()
	signer := signingKey(keys, now)
	out := make([]KeyInfo, len(keys))
	for i, key := range keys {
		out[i] = KeyInfo{KID: key.KID, CreatedAt: key.CreatedAt, SignFrom: key.SignFrom, RetireAt: key.RetireAt,
			Signing: signer != nil && signer.KID == key.KID, Published: published(key, now)}
	}
	return out, nil
}

// Signer returns the key that signs now, decrypted.
func (k *Keyring) Signer(ctx context.Context) (*lti.ToolKey, error) {
	keys, err := k.Store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	key := signingKey(keys, k.Now().UTC())
	if key == nil {
		return nil, fmt.Errorf("no signing key: %w", ErrNotFound)
	}
	der, err := k.Secrets.Open(key.PrivateEnc, []byte(key.KID))
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", key.KID, err)
	}
	return lti.ParseToolKey(key.KID, der)
}

// JWKS returns the published public keys as a JWK Set document.
func (k *Keyring) JWKS(ctx context.Context) ([]byte, error) {
	keys, err := k.Store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	now := k.Now().UTC()
	var pubs []json.RawMessage
	for _, key := range keys {
		if published(key, now) {
			pubs = append(pubs, json.RawMessage(key.PublicJWK))
		}
	}
	return lti.JWKS(pubs)
}

// signingKey is the newest published key whose signing time has come.
func signingKey(keys []ToolKey, now time.Time) *ToolKey {
	var best *ToolKey
	for i := range keys {
		key := &keys[i]
		if key.SignFrom.After(now) || !published(*key, now) {
			continue
		}
		if best == nil || key.SignFrom.After(best.SignFrom) {
			best = key
		}
	}
	return best
}

func published(k ToolKey, now time.Time) bool {
	return k.RetireAt == nil || k.RetireAt.After(now)
}
