package tracker

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

//go:embed instruments/*.json
var instrumentFS embed.FS

// BuiltinInstruments parses the instruments shipped with ASTRE
// (instruments/*.json), in file name order. Each file is named after its
// instrument's id. Every problem of every file comes back in one error.
func BuiltinInstruments() ([]*Instrument, error) {
	names, err := fs.Glob(instrumentFS, "instruments/*.json")
	if err != nil {
		return nil, fmt.Errorf("built-in instruments: %w", err)
	}
	var out []*Instrument
	var errs []error
	for _, name := range names {
		b, err := instrumentFS.ReadFile(name)
		if err != nil {
			errs = append(errs, fmt.Errorf("built-in instrument %s: %w", name, err))
			continue
		}
		in, err := ParseInstrument(b)
		if err != nil {
			errs = append(errs, fmt.Errorf("built-in instrument %s: %w", name, err))
			continue
		}
		if want := strings.TrimSuffix(path.Base(name), ".json"); in.ID != want {
			errs = append(errs, fmt.Errorf("built-in instrument %s: id %q, want %q as in the file name: %w", name, in.ID, want, ErrInvalid))
			continue
		}
		out = append(out, in)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
