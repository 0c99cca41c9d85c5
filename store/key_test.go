package store

import (
	"context"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

func toolKey(kid string, created time.Time) *tracker.ToolKey {
	return &tracker.ToolKey{
		KID: kid, Alg: "RS256", PrivateEnc: []byte("sealed " + kid),
		PublicJWK: []byte(`{"kid":"` + kid + `"}`), CreatedAt: created, SignFrom: created.Add(time.Hour),
	}
}

func TestKeysOldestFirst(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	retire := t0.Add(48 * time.Hour)
	newest := toolKey("a-newest", t0.Add(2*time.Hour))
	oldB := toolKey("b-old", t0)
	oldA := toolKey("a-old", t0) // same created_at: kid decides
	oldA.RetireAt = &retire
	for _, k := range []*tracker.ToolKey{newest, oldB, oldA} {
		if err := db.AddKey(ctx, k); err != nil {
			t.Fatalf("AddKey(%s): got %v, want nil", k.KID, err)
		}
	}
	got, err := db.Keys(ctx)
	if err != nil {
		t.Fatalf("Keys: got %v, want nil", err)
	}
	assertEqual(t, "Keys", got, []tracker.ToolKey{*oldA, *oldB, *newest})
}

func TestAddKeyFillsCreatedAt(t *testing.T) {
	db := newDB(t)
	k := toolKey("k1", time.Time{})
	if err := db.AddKey(context.Background(), k); err != nil {
		t.Fatalf("AddKey: got %v, want nil", err)
	}
	if !k.CreatedAt.Equal(t0) {
		t.Errorf("CreatedAt got %v, want %v", k.CreatedAt, t0)
	}
}

func TestAddKeyConflict(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	if err := db.AddKey(ctx, toolKey("k1", t0)); err != nil {
		t.Fatal(err)
	}
	assertErr(t, "AddKey with a used kid", db.AddKey(ctx, toolKey("k1", t0.Add(time.Hour))), tracker.ErrConflict)
}

func TestRetireKey(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	if err := db.AddKey(ctx, toolKey("k1", t0)); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(24*time.Hour + 1500*time.Microsecond) // stored to the millisecond
	if err := db.RetireKey(ctx, "k1", at); err != nil {
		t.Fatalf("RetireKey: got %v, want nil", err)
	}
	keys, err := db.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := at.Truncate(time.Millisecond)
	if got := keys[0].RetireAt; got == nil || !got.Equal(want) {
		t.Errorf("RetireAt got %v, want %v", got, want)
	}
	assertErr(t, "RetireKey(unknown)", db.RetireKey(ctx, "nope", at), tracker.ErrNotFound)
}
