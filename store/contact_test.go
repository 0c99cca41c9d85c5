package store

import (
	"context"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

func TestContact(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1")

	c := &tracker.Contact{Learner: "L1", PlatformID: p.ID, Sealed: []byte{1, 2, 3}}
	if err := db.SaveContact(ctx, c); err != nil {
		t.Fatalf("SaveContact: got %v, want nil", err)
	}
	if !c.UpdatedAt.Equal(t0) {
		t.Errorf("UpdatedAt got %v, want %v", c.UpdatedAt, t0)
	}
	got, err := db.Contact(ctx, "L1", p.ID)
	if err != nil {
		t.Fatalf("Contact: got %v, want nil", err)
	}
	assertEqual(t, "Contact", *got, *c)

	replaced := &tracker.Contact{Learner: "L1", PlatformID: p.ID, Sealed: []byte{9}, UpdatedAt: t0.Add(time.Hour)}
	if err := db.SaveContact(ctx, replaced); err != nil {
		t.Fatalf("SaveContact (replace): got %v, want nil", err)
	}
	got, err = db.Contact(ctx, "L1", p.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "Contact after replace", *got, *replaced)

	if err := db.DeleteContact(ctx, "L1", p.ID); err != nil {
		t.Fatalf("DeleteContact: got %v, want nil", err)
	}
	_, err = db.Contact(ctx, "L1", p.ID)
	assertErr(t, "Contact after delete", err, tracker.ErrNotFound)
	assertErr(t, "DeleteContact(absent)", db.DeleteContact(ctx, "L1", p.ID), nil)
}

func TestContactErrors(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1")
	err := db.SaveContact(ctx, &tracker.Contact{Learner: "L1", PlatformID: p.ID + 1, Sealed: []byte{1}})
	assertErr(t, "SaveContact(unknown platform)", err, tracker.ErrNotFound)
	_, err = db.Contact(ctx, "nobody", p.ID)
	assertErr(t, "Contact(absent)", err, tracker.ErrNotFound)
}
