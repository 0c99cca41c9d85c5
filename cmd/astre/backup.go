package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/astre-lti/astre/store"
)

// errDataDirBusy is a data dir locked by a server (for restore) or by a
// restore (for a server).
var errDataDirBusy = errors.New("the data dir is in use: a server runs on it, or a restore is in progress")

// backupCommand is `astre backup FILE`: a consistent copy of the database,
// taken while a server may be running, verified before it is kept.
func backupCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s, file, err := fileArgument("backup", args, getenv, stderr)
	if err != nil {
		return err
	}
	info, err := store.Backup(ctx, s.dbPath(), file)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s: %d bytes, schema version %d, integrity ok\n", file, info.Bytes, info.SchemaVersion)
	fmt.Fprintln(stdout, "It holds no secrets: keep DATA_DIR/secrets (or the ASTRE_*_KEY values) too, but apart from it.")
	return nil
}

// restoreCommand is `astre restore FILE`: it replaces the database with a
// verified backup, and refuses while a server uses the data dir.
func restoreCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s, file, err := fileArgument("restore", args, getenv, stderr)
	if err != nil {
		return err
	}
	unlock, err := lockDataDir(s.DataDir, true)
	if err != nil {
		return fmt.Errorf("restore into %s: %w", s.DataDir, err)
	}
	defer unlock()
	saved, err := store.Restore(ctx, file, s.dbPath())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s from %s\n", s.dbPath(), file)
	if saved != "" {
		fmt.Fprintf(stdout, "the database it replaced is kept as %s\n", saved)
	}
	return nil
}

// fileArgument parses the settings and the one FILE argument.
func fileArgument(name string, args []string, getenv func(string) string, stderr io.Writer) (*settings, string, error) {
	fs, s, err := newFlags(name, getenv, stderr)
	if err != nil {
		return nil, "", err
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, "", err
		}
		return nil, "", fmt.Errorf("%v: %w", err, errUsage)
	}
	if fs.NArg() != 1 {
		return nil, "", fmt.Errorf("%s: want one FILE argument: %w", name, errUsage)
	}
	return s, fs.Arg(0), s.check()
}
