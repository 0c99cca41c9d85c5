package store

import (
	"context"
	"testing"
	"time"

	"github.com/astre-lti/astre/tracker"
)

// saveInstrument stores a definition or fails the test.
func saveInstrument(t testing.TB, db *DB, id string, version int, def string) *tracker.StoredInstrument {
	t.Helper()
	in := &tracker.StoredInstrument{ID: id, Version: version, Definition: []byte(def), Builtin: true}
	if err := db.SaveInstrument(context.Background(), in); err != nil {
		t.Fatalf("SaveInstrument(%s v%d): got %v, want nil", id, version, err)
	}
	return in
}

func TestSaveInstrumentConflict(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	stored := saveInstrument(t, db, "entry", 1, `{"id":"entry","version":1}`)
	if !stored.CreatedAt.Equal(t0) {
		t.Errorf("CreatedAt got %v, want %v", stored.CreatedAt, t0)
	}
	tests := []struct {
		name    string
		id      string
		version int
		def     string
		want    error
	}{
		{"same bytes again", "entry", 1, `{"id":"entry","version":1}`, nil},
		{"same JSON, other bytes", "entry", 1, `{"id": "entry", "version": 1}`, tracker.ErrConflict},
		{"different definition", "entry", 1, `{"id":"entry","version":1,"x":2}`, tracker.ErrConflict},
		{"empty definition", "entry", 1, ``, tracker.ErrConflict},
		{"new version", "entry", 2, `{"id":"entry","version":2}`, nil},
		{"other id", "exit", 1, `{"id":"entry","version":1}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &tracker.StoredInstrument{ID: tt.id, Version: tt.version, Definition: []byte(tt.def),
				CreatedAt: t0.Add(time.Hour)}
			assertErr(t, "SaveInstrument", db.SaveInstrument(ctx, in), tt.want)
		})
	}
	got, err := db.Instrument(ctx, "entry", 1)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "entry v1 after the conflicts", *got, *stored)
}

func TestInstrumentVersions(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	e1 := saveInstrument(t, db, "entry", 1, `{"v":1}`)
	e3 := saveInstrument(t, db, "entry", 3, `{"v":3}`)
	e2 := saveInstrument(t, db, "entry", 2, `{"v":2}`)
	c1 := saveInstrument(t, db, "consent", 1, `{"c":1}`)
	x5 := saveInstrument(t, db, "exit", 5, `{"x":5}`)

	tests := []struct {
		id      string
		version int
		want    *tracker.StoredInstrument
	}{
		{"entry", 0, e3},
		{"entry", 1, e1},
		{"entry", 2, e2},
		{"exit", 0, x5},
		{"entry", 4, nil},
		{"nope", 0, nil},
		{"nope", 1, nil},
	}
	for _, tt := range tests {
		got, err := db.Instrument(ctx, tt.id, tt.version)
		if tt.want == nil {
			assertErr(t, "Instrument("+tt.id+")", err, tracker.ErrNotFound)
			continue
		}
		if err != nil {
			t.Fatalf("Instrument(%s, %d): got %v, want nil", tt.id, tt.version, err)
		}
		assertEqual(t, "Instrument("+tt.id+")", *got, *tt.want)
	}

	all, err := db.Instruments(ctx)
	if err != nil {
		t.Fatalf("Instruments: got %v, want nil", err)
	}
	assertEqual(t, "Instruments", all, []tracker.StoredInstrument{*c1, *e3, *x5})
}

func TestInstrumentInUse(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	p := addPlatform(t, db, "https://lms.example", "c1")
	a := addActivity(t, db, p.ID, "course1", "link1")

	inUse := func(id string, version int) bool {
		t.Helper()
		used, err := db.InstrumentInUse(ctx, id, version)
		if err != nil {
			t.Fatalf("InstrumentInUse(%s, %d): got %v, want nil", id, version, err)
		}
		return used
	}
	if inUse("consent", 1) || inUse("entry", 1) {
		t.Fatalf("InstrumentInUse before any answer: got true, want false")
	}

	saveConsent(t, db, consent("L1", p.ID, "course1"))
	resp := response("L1", a.ID)
	resp.InstrumentID, resp.InstrumentVersion = "entry", 2
	if err := db.SaveResponse(ctx, resp, nil, nil); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		id      string
		version int
		want    bool
	}{
		{"consent", 1, true}, // by a consent record
		{"consent", 2, false},
		{"entry", 2, true}, // by a response
		{"entry", 1, false},
		{"exit", 2, false},
	}
	for _, tt := range tests {
		if got := inUse(tt.id, tt.version); got != tt.want {
			t.Errorf("InstrumentInUse(%s, %d): got %v, want %v", tt.id, tt.version, got, tt.want)
		}
	}
}
